"""Self-attention (셀프 어텐션) and the Transformer (Vaswani et al., 2017) written from scratch.

Chapter 9's dot score asked how well a decoder state (the query) matches each source token (the
memory). Self-attention asks it of every token about every token of one sequence, in one product:

    scores  = Q Kᵀ / √d                 (B, n, T, S)   chapter 9's dot score, divided by √d
    weights = softmax(scores, masked)   (B, n, T, S)   padding (in a decoder also the future) gets 0
    output  = weights V                 (B, n, T, d)

with n heads, each on its own d = E / n slice of learned projections Q = x W_q, K = m W_k,
V = m W_v. No step waits for the previous one: order enters only through a positional encoding
added to the embeddings. Layers are pre-LN (layer norm before each sublayer; the residual path
stays clear).

The modules keep torch.nn's parameter names, so `ours.load_state_dict(theirs.state_dict())` works
for torch.nn.MultiheadAttention and torch.nn.TransformerEncoderLayer / TransformerDecoderLayer
built with `norm_first=True, batch_first=True` (tests/test_transformer.py). Shapes: B batch,
T query length, S key length, E model width, n heads, d = E / n per head, F feed-forward width,
V vocabulary, K hypotheses.
"""

from __future__ import annotations

import math

import torch
from torch import Tensor, nn
from torch.nn import functional as F

POSITIONAL = ("sinusoidal", "learned", "none")  # "none": a bag of tokens, order is invisible
KeyValue = tuple[Tensor, Tensor]  # keys and values split into heads: (B, n, S, d) each


def scaled_dot_product_attention(
    q: Tensor,
    k: Tensor,
    v: Tensor,
    mask: Tensor | None = None,
    scale: bool = True,
    dropout: float = 0.0,
) -> tuple[Tensor, Tensor]:
    """q (B, n, T, d), k and v (B, n, S, d), mask broadcastable to (B, n, T, S), True where a query
    may look → outputs (B, n, T, d), weights (B, n, T, S). `scale=False`: chapter 9's dot score."""
    scores = q @ k.transpose(-2, -1)  # (B, n, T, S)
    if scale:
        scores = scores / math.sqrt(q.shape[-1])
    if mask is not None:  # the lowest float, not -inf: exp() still gives 0, and a query with
        scores = scores.masked_fill(~mask, torch.finfo(scores.dtype).min)  # no key gets no NaN
    weights = torch.softmax(scores, dim=-1)  # (B, n, T, S)
    return F.dropout(weights, dropout) @ v if dropout else weights @ v, weights


def attention_mask(
    key_mask: Tensor | None, causal: bool, T: int, S: int, device: torch.device
) -> Tensor | None:
    """Where each query may look, (B, 1, T, S) or (T, S): at real keys (key_mask (B, S) is True at
    real tokens) and, if `causal`, at no key after the query. The T queries are the last T keys."""
    mask = None
    if causal:
        mask = torch.ones(T, S, dtype=torch.bool, device=device).tril(S - T)  # (T, S)
    if key_mask is not None:
        keys = key_mask[:, None, None, :]  # (B, 1, 1, S)
        mask = keys if mask is None else keys & mask
    return mask


class MultiheadAttention(nn.Module):
    """n heads of scaled dot-product attention; torch.nn.MultiheadAttention's parameters."""

    def __init__(self, embed_dim: int, num_heads: int, dropout: float = 0.0):
        super().__init__()
        if embed_dim % num_heads:
            raise ValueError(f"embed_dim {embed_dim} is not divisible by num_heads {num_heads}")
        self.num_heads, self.dropout = num_heads, dropout
        self.in_proj_weight = nn.Parameter(torch.empty(3 * embed_dim, embed_dim))  # W_q; W_k; W_v
        self.in_proj_bias = nn.Parameter(torch.zeros(3 * embed_dim))
        self.out_proj = nn.Linear(embed_dim, embed_dim)  # W_o
        nn.init.xavier_uniform_(self.in_proj_weight)
        nn.init.zeros_(self.out_proj.bias)

    def heads(self, x: Tensor, part: int) -> Tensor:
        """x (B, T, E) projected by W_q (part 0), W_k (1) or W_v (2), in heads: (B, n, T, d)."""
        w, b = self.in_proj_weight.chunk(3)[part], self.in_proj_bias.chunk(3)[part]  # (E, E), (E,)
        B, T, E = x.shape
        return F.linear(x, w, b).view(B, T, self.num_heads, E // self.num_heads).transpose(1, 2)

    def attend(self, q: Tensor, k: Tensor, v: Tensor, mask: Tensor | None) -> tuple[Tensor, Tensor]:
        """Heads q (B, n, T, d), k and v (B, n, S, d) → output (B, T, E), weights (B, n, T, S)."""
        dropout = self.dropout if self.training else 0.0
        out, weights = scaled_dot_product_attention(q, k, v, mask, dropout=dropout)  # (B, n, T, d)
        B, n, T, d = out.shape
        return self.out_proj(out.transpose(1, 2).reshape(B, T, n * d)), weights  # (B, T, E)

    def forward(
        self,
        query: Tensor,
        key: Tensor,
        value: Tensor,
        key_mask: Tensor | None = None,
        causal: bool = False,
    ) -> tuple[Tensor, Tensor]:
        """query (B, T, E), key and value (B, S, E), key_mask (B, S) True at real tokens
        → output (B, T, E), weights (B, n, T, S)."""
        mask = attention_mask(key_mask, causal, query.shape[1], key.shape[1], query.device)
        return self.attend(self.heads(query, 0), self.heads(key, 1), self.heads(value, 2), mask)


class Layer(nn.Module):
    """What encoder and decoder layers share: self-attention and the feed-forward network."""

    def __init__(self, embed_dim: int, num_heads: int, ff_size: int, dropout: float = 0.0):
        super().__init__()
        self.self_attn = MultiheadAttention(embed_dim, num_heads, dropout)
        self.linear1, self.linear2 = nn.Linear(embed_dim, ff_size), nn.Linear(ff_size, embed_dim)
        self.dropout = nn.Dropout(dropout)

    def feed_forward(self, x: Tensor) -> Tensor:
        """The same two-layer network at every position: x (B, T, E) → (B, T, F) → (B, T, E)."""
        return self.linear2(self.dropout(F.relu(self.linear1(x))))


class EncoderLayer(Layer):
    """Pre-LN encoder layer: x + self-attention(norm1(x)), then x + feed-forward(norm2(x))."""

    def __init__(self, embed_dim: int, num_heads: int, ff_size: int, dropout: float = 0.0):
        super().__init__(embed_dim, num_heads, ff_size, dropout)
        self.norm1, self.norm2 = nn.LayerNorm(embed_dim), nn.LayerNorm(embed_dim)
        self.dropout1, self.dropout2 = nn.Dropout(dropout), nn.Dropout(dropout)

    def forward(self, x: Tensor, key_mask: Tensor | None = None) -> tuple[Tensor, Tensor]:
        """x (B, T, E), key_mask (B, T) True at real tokens → x (B, T, E), weights (B, n, T, T)."""
        h = self.norm1(x)
        attended, weights = self.self_attn(h, h, h, key_mask)  # (B, T, E)
        x = x + self.dropout1(attended)
        return x + self.dropout2(self.feed_forward(self.norm2(x))), weights


class DecoderLayer(Layer):
    """Pre-LN decoder layer: causal self-attention, cross-attention to the memory, feed-forward.

    `extend` reads new target positions after `past` ones, given the past positions' self-attention
    keys and values (the cache), and returns them with the new ones appended. One token at a time
    it gives what a full causal pass gives there, without recomputing the earlier positions.
    """

    def __init__(self, embed_dim: int, num_heads: int, ff_size: int, dropout: float = 0.0):
        super().__init__(embed_dim, num_heads, ff_size, dropout)
        self.multihead_attn = MultiheadAttention(embed_dim, num_heads, dropout)  # cross-attention
        self.norm1, self.norm2, self.norm3 = (nn.LayerNorm(embed_dim) for _ in range(3))
        self.dropout1, self.dropout2, self.dropout3 = (nn.Dropout(dropout) for _ in range(3))

    def memory_heads(self, memory: Tensor) -> KeyValue:
        """Cross-attention keys and values of memory (B, S, E), once per source: (B, n, S, d)."""
        return self.multihead_attn.heads(memory, 1), self.multihead_attn.heads(memory, 2)

    def extend(
        self, x: Tensor, past: KeyValue, memory: KeyValue, src_mask: Tensor | None
    ) -> tuple[Tensor, KeyValue, Tensor]:
        """x (B, T, E) at the positions after past's t (keys, values (B, n, t, d)) → x (B, T, E),
        the keys and values of all t + T positions, cross-attention weights (B, n, T, S)."""
        h = self.norm1(x)
        k = torch.cat([past[0], self.self_attn.heads(h, 1)], dim=2)  # (B, n, t + T, d)
        v = torch.cat([past[1], self.self_attn.heads(h, 2)], dim=2)
        causal = attention_mask(None, True, x.shape[1], k.shape[2], x.device)  # (T, t + T)
        x = x + self.dropout1(self.self_attn.attend(self.self_attn.heads(h, 0), k, v, causal)[0])
        cross = attention_mask(src_mask, False, x.shape[1], memory[0].shape[2], x.device)
        query = self.multihead_attn.heads(self.norm2(x), 0)  # (B, n, T, d)
        attended, weights = self.multihead_attn.attend(query, *memory, cross)  # (B, T, E)
        x = x + self.dropout2(attended)
        return x + self.dropout3(self.feed_forward(self.norm3(x))), (k, v), weights

    def forward(self, x: Tensor, memory: Tensor, src_mask: Tensor | None = None) -> Tensor:
        """A full causal pass: x (B, T, E), memory (B, S, E), src_mask (B, S) → x (B, T, E)."""
        B, _, E = x.shape
        n = self.self_attn.num_heads
        empty = x.new_zeros(B, n, 0, E // n)  # (B, n, 0, d): nothing read before
        return self.extend(x, (empty, empty), self.memory_heads(memory), src_mask)[0]


def sinusoids(max_len: int, embed_dim: int) -> Tensor:
    """Vaswani et al.'s table (P, E): PE[p, 2i] = sin(p / 10000^(2i/E)), PE[p, 2i+1] = cos(…)."""
    position = torch.arange(max_len)[:, None]  # (P, 1)
    frequency = 10000.0 ** (-torch.arange(0, embed_dim, 2) / embed_dim)  # (E/2,) 1 / 10000^(2i/E)
    table = torch.zeros(max_len, embed_dim)
    table[:, 0::2] = torch.sin(position * frequency)
    table[:, 1::2] = torch.cos(position * frequency)
    return table


class TokenEmbedding(nn.Module):
    """Token ids (B, T) → embeddings plus positional encodings (B, T, E).

    Positions count real tokens only (mask (B, T) True at real tokens), so padding on either side
    leaves them alone; `start` is the first token's position (what a decoder's cache holds).
    """

    def __init__(
        self,
        vocab_size: int,
        embed_dim: int,
        max_len: int,
        positional: str = "sinusoidal",
        dropout: float = 0.0,
        pad_id: int = 0,
    ):
        super().__init__()
        if positional not in POSITIONAL:
            raise ValueError(f"positional must be one of {POSITIONAL}, got {positional!r}")
        self.positional, self.max_len = positional, max_len
        self.embedding = nn.Embedding(vocab_size, embed_dim, padding_idx=pad_id)
        self.position = nn.Embedding(max_len, embed_dim) if positional == "learned" else None
        table = sinusoids(max_len, embed_dim) if positional == "sinusoidal" else None
        self.register_buffer("table", table, persistent=False)  # computed: not in the state dict
        self.dropout = nn.Dropout(dropout)

    def forward(self, ids: Tensor, mask: Tensor | None = None, start: int = 0) -> Tensor:
        x = self.embedding(ids)  # (B, T, E)
        if self.positional == "none":
            return self.dropout(x)
        if mask is None:
            positions = torch.arange(start, start + ids.shape[1], device=ids.device)[None]  # (1, T)
        else:  # (B, T): 0 at each row's first real token
            positions = start + (mask.long().cumsum(1) - 1).clamp(min=0)
        if int(positions.max()) >= self.max_len:
            raise ValueError(
                f"position {int(positions.max())} is beyond the positional encoding's "
                f"{self.max_len}"
            )
        if self.positional == "sinusoidal":
            return self.dropout(x + self.table[positions])  # (·, T, E) broadcast over B
        return self.dropout(x + self.position(positions))


def last_real(outputs: Tensor, mask: Tensor | None) -> Tensor:
    """Each row's output at its last real token, padding on either side: (B, T, E) → (B, E)."""
    B, T, _ = outputs.shape
    if mask is None:
        return outputs[:, -1]
    last = T - 1 - mask.flip(1).int().argmax(1)  # (B,) index of the last True
    return outputs[torch.arange(B, device=outputs.device), last]


class TransformerEncoder(nn.Module):
    """A drop-in for `models.Encoder`: ids (B, T) → outputs (B, T, E) and a "final state", the
    output at each row's last real token (B, E), so every pooling of `models.Classifier` works."""

    def __init__(
        self,
        vocab_size: int,
        embed_dim: int,
        num_heads: int = 4,
        ff_size: int = 256,
        num_layers: int = 1,
        max_len: int = 128,
        positional: str = "sinusoidal",
        dropout: float = 0.0,
        pad_id: int = 0,
    ):
        super().__init__()
        self.output_size = embed_dim
        self.embed = TokenEmbedding(vocab_size, embed_dim, max_len, positional, dropout, pad_id)
        self.layers = nn.ModuleList(
            EncoderLayer(embed_dim, num_heads, ff_size, dropout) for _ in range(num_layers)
        )
        self.norm = nn.LayerNorm(embed_dim)  # pre-LN layers leave their output unnormalised

    def forward(self, ids: Tensor, mask: Tensor | None = None) -> tuple[Tensor, Tensor]:
        x, _ = self.encode(ids, mask)
        return x, last_real(x, mask)  # (B, T, E), (B, E)

    def encode(self, ids: Tensor, mask: Tensor | None = None) -> tuple[Tensor, list[Tensor]]:
        """ids (B, T) → outputs (B, T, E) and each layer's attention weights (B, n, T, T)."""
        x, weights = self.embed(ids, mask), []  # (B, T, E)
        for layer in self.layers:
            x, w = layer(x, mask)
            weights.append(w)
        return self.norm(x), weights

    @staticmethod
    def last_hidden(state: Tensor) -> Tensor:
        return state  # (B, E)


# The decoding state: per layer the self-attention cache (keys, values), per layer the memory's
# cross-attention (keys, values), and src_mask (K, S); every tensor has the K hypotheses first.
State = tuple[tuple[KeyValue, ...], tuple[KeyValue, ...], Tensor]


class TransformerSeq2Seq(nn.Module):
    """Encoder–decoder Transformer with `seq2seq.Seq2Seq`'s interface: `encode`, `step` and a
    teacher-forced `forward`. Its `State` keeps the K hypotheses first, so `decoding.select`
    re-orders and copies the cache as it does a recurrent state."""

    def __init__(
        self,
        src_vocab_size: int,
        tgt_vocab_size: int,
        embed_dim: int = 128,
        num_heads: int = 4,
        ff_size: int = 256,
        num_layers: int = 2,
        max_len: int = 64,
        positional: str = "sinusoidal",
        dropout: float = 0.0,
        pad_id: int = 0,
    ):
        super().__init__()
        self.encoder = TransformerEncoder(
            src_vocab_size,
            embed_dim,
            num_heads,
            ff_size,
            num_layers,
            max_len,
            positional,
            dropout,
            pad_id,
        )
        self.embed = TokenEmbedding(tgt_vocab_size, embed_dim, max_len, positional, dropout, pad_id)
        self.layers = nn.ModuleList(
            DecoderLayer(embed_dim, num_heads, ff_size, dropout) for _ in range(num_layers)
        )
        self.norm = nn.LayerNorm(embed_dim)
        self.out = nn.Linear(embed_dim, tgt_vocab_size)

    def encode(self, src: Tensor, src_mask: Tensor) -> State:
        """src (B, S) → the state before any target token: empty caches (B, n, 0, d)."""
        memory, _ = self.encoder(src, src_mask)  # (B, S, E)
        B, _, E = memory.shape
        n = self.layers[0].self_attn.num_heads
        empty = memory.new_zeros(B, n, 0, E // n)
        caches = tuple((empty, empty) for _ in self.layers)
        return caches, tuple(layer.memory_heads(memory) for layer in self.layers), src_mask

    def decode(self, tokens: Tensor, state: State) -> tuple[Tensor, State, Tensor]:
        """tokens (K, T) after those the caches hold → log-probs (K, T, V), the new state, and the
        last layer's cross-attention weights averaged over heads (K, T, S)."""
        caches, memory, src_mask = state
        x = self.embed(tokens, start=caches[0][0].shape[2])  # (K, T, E); no left padding here
        new_caches = []
        for layer, past, mem in zip(self.layers, caches, memory):
            x, cache, weights = layer.extend(x, past, mem, src_mask)
            new_caches.append(cache)
        log_probs = F.log_softmax(self.out(self.norm(x)), dim=-1)  # (K, T, V)
        return log_probs, (tuple(new_caches), memory, src_mask), weights.mean(1)

    def step(self, tokens: Tensor, state: State) -> tuple[Tensor, State]:
        """The decoding contract: tokens (K,) → log-probs (K, V) and the new state."""
        log_probs, state, _ = self.decode(tokens[:, None], state)
        return log_probs[:, 0], state

    def forward(
        self, src: Tensor, src_mask: Tensor, tgt: Tensor, teacher_forcing: float = 1.0
    ) -> tuple[Tensor, Tensor]:
        """tgt (B, T) = <bos> y <eos> → log-probs (B, T-1, V) for y <eos>, cross-attention weights
        (B, T-1, S)."""
        if teacher_forcing < 1.0:
            raise ValueError("the Transformer learns with teacher forcing only (teacher_forcing=1)")
        log_probs, _, weights = self.decode(tgt[:, :-1], self.encode(src, src_mask))
        return log_probs, weights
