"""Encoder–decoder (인코더–디코더) with optional attention: the book's translator.

The encoder is the classifier's `models.Encoder`. The decoder reads target tokens y_{t-1}:

    hidden_t = cell(embed(y_{t-1}), hidden_{t-1})          (K, H)
    context  = attention(hidden_t, memory, src_mask)       (K, M)  [skipped without attention]
    features = tanh(W_c [context; hidden_t])               (K, H)  [hidden_t without attention]
    log p(y_t | y_<t, x) = log_softmax(W_o features)       (K, V)

With teacher forcing the inputs are known in advance, so the decoder reads a whole target at once
(one torch.nn call); while generating it reads one token at a time. `Seq2Seq.step` has the contract
of `probing_rnns.decoding`: (tokens (K,), state) → (log-probs (K, V), state), where the state
(hidden, memory, src_mask) has the hypotheses on its first dimension.
"""

from __future__ import annotations

import torch
from torch import Tensor, nn
from torch.nn import functional as F

from probing_rnns.attention import Attention
from probing_rnns.models import LAYERS, Encoder

Hidden = Tensor | tuple[Tensor, Tensor]  # (K, H), or (h, c) for an LSTM
State = tuple[Hidden, Tensor, Tensor]  # hidden, memory (K, S, M), src_mask (K, S)


class Decoder(nn.Module):
    def __init__(
        self,
        vocab_size: int,
        embed_dim: int,
        hidden_size: int,
        memory_size: int,
        cell: str = "gru",
        attention: str = "dot",
        dropout: float = 0.0,
        pad_id: int = 0,
    ):
        super().__init__()
        self.hidden_size, self.is_lstm = hidden_size, cell == "lstm"
        self.embedding = nn.Embedding(vocab_size, embed_dim, padding_idx=pad_id)
        self.rnn = LAYERS["torch"][cell](embed_dim, hidden_size, batch_first=True)
        self.attention = (
            None if attention == "none" else Attention(attention, hidden_size, memory_size)
        )
        self.combine = (
            None if attention == "none" else nn.Linear(memory_size + hidden_size, hidden_size)
        )
        self.dropout = nn.Dropout(dropout)
        self.out = nn.Linear(hidden_size, vocab_size)

    def forward(self, tokens: Tensor, state: State) -> tuple[Tensor, State, Tensor | None]:
        """tokens (K, T) → log-probs (K, T, V), the state after the last token, attention weights
        (K, T, S) or None."""
        hidden, memory, src_mask = state
        # torch.nn wants (1, K, H)
        layer_state = tuple(h[None] for h in hidden) if self.is_lstm else hidden[None]
        # (K, T, H)
        outputs, layer_state = self.rnn(self.dropout(self.embedding(tokens)), layer_state)
        hidden = tuple(h[0] for h in layer_state) if self.is_lstm else layer_state[0]
        weights = None
        if self.attention is None:
            features = outputs
        else:
            context, weights = self.attention(outputs, memory, src_mask)  # (K, T, M), (K, T, S)
            features = torch.tanh(self.combine(torch.cat([context, outputs], dim=-1)))  # (K, T, H)
        log_probs = F.log_softmax(self.out(self.dropout(features)), dim=-1)  # (K, T, V)
        return log_probs, (hidden, memory, src_mask), weights


class Seq2Seq(nn.Module):
    def __init__(self, encoder: Encoder, decoder: Decoder):
        super().__init__()
        self.encoder, self.decoder = encoder, decoder
        # encoder summary → decoder's first state
        self.bridge = nn.Linear(encoder.output_size, decoder.hidden_size)

    def encode(self, src: Tensor, src_mask: Tensor) -> State:
        """src (B, S) → the decoder's first state: hidden from the encoder's final state, memory (B,
        S, M)."""
        memory, final = self.encoder(src, src_mask)  # (B, S, M)
        h0 = torch.tanh(self.bridge(self.encoder.last_hidden(final)))  # (B, H)
        hidden = (h0, torch.zeros_like(h0)) if self.decoder.is_lstm else h0
        return hidden, memory, src_mask

    def step(self, tokens: Tensor, state: State) -> tuple[Tensor, State]:
        """The decoding contract: tokens (K,) → log-probs (K, V) and the new state."""
        log_probs, state, _ = self.decoder(tokens[:, None], state)
        return log_probs[:, 0], state

    def forward(
        self, src: Tensor, src_mask: Tensor, tgt: Tensor, teacher_forcing: float = 1.0
    ) -> tuple[Tensor, Tensor | None]:
        """tgt (B, T) = <bos> y <eos> → log-probs (B, T-1, V) for y <eos>, attention weights (B,
        T-1, S) or None.

        Teacher forcing (교사 강요): with probability `teacher_forcing` the next input is the true
        token, otherwise the model's own best guess (drawn per sentence and per step).
        """
        state = self.encode(src, src_mask)
        if teacher_forcing >= 1.0:  # every input is known: read the whole target at once
            log_probs, _, weights = self.decoder(tgt[:, :-1], state)
            return log_probs, weights
        tokens, outputs, attention = tgt[:, :1], [], []
        for t in range(1, tgt.shape[1]):
            log_probs, state, weights = self.decoder(tokens, state)  # (B, 1, V)
            outputs.append(log_probs)
            attention.append(weights)
            use_truth = torch.rand(len(tgt), device=tgt.device) < teacher_forcing  # (B,)
            # (B, 1)
            tokens = torch.where(use_truth, tgt[:, t], log_probs[:, 0].argmax(-1))[:, None]
        weights = None if self.decoder.attention is None else torch.cat(attention, dim=1)
        return torch.cat(outputs, dim=1), weights
