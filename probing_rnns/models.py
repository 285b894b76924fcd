"""Models: one recurrent encoder (shared by the classifier and the seq2seq encoder) and the
sentiment classifier."""

from __future__ import annotations

import torch
from torch import Tensor, nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from probing_rnns import cells

LAYERS = {
    "torch": {"rnn": nn.RNN, "lstm": nn.LSTM, "gru": nn.GRU},  # torch.nn: fused C++ kernels, fast
    # probing_rnns.cells: readable
    "ours": {"rnn": cells.RNN, "lstm": cells.LSTM, "gru": cells.GRU},
}
# "attention" is learned: AttentionPooling, held by Classifier
POOLINGS = ("last", "mean", "max", "attention")


class Encoder(nn.Module):
    """Token ids (B, T) → embeddings (B, T, E) → recurrent layer → outputs (B, T, D·H) and final
    states.

    With a mask the encoder reads only real tokens, whichever side the padding is on: our cells
    skip padding in their loop; for torch.nn the real tokens are moved to the front and packed.
    Without a mask, padding is read like any other token.
    """

    def __init__(
        self,
        vocab_size: int,
        embed_dim: int,
        hidden_size: int,
        cell: str = "lstm",
        num_layers: int = 1,
        bidirectional: bool = False,
        dropout: float = 0.0,
        impl: str = "torch",
        pad_id: int = 0,
    ):
        super().__init__()
        if impl not in LAYERS or cell not in LAYERS[impl]:
            raise ValueError(
                f"unknown encoder {impl=!r} {cell=!r}; "
                f"choose impl from {list(LAYERS)}, cell from {list(LAYERS['torch'])}"
            )
        self.impl, self.num_directions = impl, 2 if bidirectional else 1
        self.output_size = hidden_size * self.num_directions
        self.embedding = nn.Embedding(vocab_size, embed_dim, padding_idx=pad_id)
        self.rnn = LAYERS[impl][cell](
            embed_dim,
            hidden_size,
            num_layers=num_layers,
            bidirectional=bidirectional,
            batch_first=True,
            dropout=dropout,
        )

    def forward(
        self, ids: Tensor, mask: Tensor | None = None
    ) -> tuple[Tensor, Tensor | tuple[Tensor, Tensor]]:
        x = self.embedding(ids)  # (B, T, E)
        # no padding (e.g. equal-length buckets): nothing to skip
        if mask is None or bool(mask.all()):
            return self.rnn(x)
        if self.impl == "ours":
            return self.rnn(x, mask=mask)
        return self._packed(x, mask)

    def _packed(self, x: Tensor, mask: Tensor):
        # (B, T): real tokens first, in order
        front = torch.sort((~mask).int(), dim=1, stable=True).indices
        x = x.gather(1, front[..., None].expand_as(x))
        lengths = mask.sum(1).clamp(min=1).cpu()  # an empty review reads one <pad> (pooled to 0)
        out, state = self.rnn(
            pack_padded_sequence(x, lengths, batch_first=True, enforce_sorted=False)
        )
        # (B, T, D·H)
        out, _ = pad_packed_sequence(out, batch_first=True, total_length=mask.shape[1])
        return torch.zeros_like(out).scatter(1, front[..., None].expand_as(out), out), state

    def last_hidden(self, state: Tensor | tuple[Tensor, Tensor]) -> Tensor:
        """The top layer's final hidden state, directions concatenated: (B, D·H)."""
        h_n = state[0] if isinstance(state, tuple) else state  # (L·D, B, H)
        return torch.cat(list(h_n[-self.num_directions :]), dim=-1)


def pool(outputs: Tensor, last: Tensor, mask: Tensor | None, how: str) -> Tensor:
    """Summarise outputs (B, T, D·H) into one vector (B, D·H): final state, masked mean or max.

    A row with no real token (all padding) has nothing to summarise: every pooling gives it zeros
    (AttentionPooling too), so its logits are the classifier head's bias.
    """
    if how not in POOLINGS[:3]:
        raise ValueError(
            f"pool() takes the parameter-free poolings {POOLINGS[:3]}, got {how!r} "
            "(attention: AttentionPooling)"
        )
    # (B, T, 1): True at real tokens
    keep = torch.ones_like(outputs[..., :1], dtype=torch.bool) if mask is None else mask[..., None]
    if how == "last":
        pooled = last
    elif how == "mean":
        pooled = (outputs * keep).sum(1) / keep.sum(1).clamp(min=1)
    else:
        pooled = outputs.masked_fill(~keep, torch.finfo(outputs.dtype).min).max(1).values
    return pooled if mask is None else torch.where(mask.any(1)[:, None], pooled, 0.0)  # (B, D·H)


class AttentionPooling(nn.Module):
    """Attention pooling: a learned query scores each time step; the summary is the weighted average
    of the outputs.

    scores  = w · o_t + b            (B, T)      w is the learned query (nn.Linear(D·H, 1))
    weights = softmax_t(scores)      (B, T)      over real tokens only; padding gets weight 0
    summary = Σ_t weights_t · o_t    (B, D·H)
    """

    def __init__(self, size: int):
        super().__init__()
        self.scorer = nn.Linear(size, 1)

    def weights(self, outputs: Tensor, mask: Tensor | None = None) -> Tensor:
        """outputs (B, T, D·H), mask (B, T) True at real tokens → weights (B, T), summing to 1 over
        each review's real tokens."""
        scores = self.scorer(outputs)[..., 0]  # (B, T)
        if mask is None:
            return torch.softmax(scores, dim=-1)
        # The lowest float rather than -inf: exp() still gives padding exactly 0, and an all-padding
        # (empty) review gets finite uniform weights, zeroed by `* mask`, instead of 0/0 = NaN in
        # the softmax.
        weights = torch.softmax(
            scores.masked_fill(~mask, torch.finfo(scores.dtype).min), dim=-1
        )  # (B, T)
        return weights * mask  # an empty review weighs nothing: its summary is 0, as with "mean"

    def forward(self, outputs: Tensor, mask: Tensor | None = None) -> Tensor:
        # (B, T, 1) · (B, T, D·H) → (B, D·H)
        return (self.weights(outputs, mask)[..., None] * outputs).sum(1)


class Classifier(nn.Module):
    """Embedding → encoder → pooling → dropout → linear: logits (B, C).

    Pooling "attention" has parameters of its own, `self.attention` (an AttentionPooling); the
    others are `pool`.
    """

    def __init__(
        self, encoder: Encoder, pooling: str = "last", dropout: float = 0.0, num_classes: int = 2
    ):
        super().__init__()
        if pooling not in POOLINGS:
            raise ValueError(f"pooling must be one of {POOLINGS}, got {pooling!r}")
        self.encoder, self.pooling = encoder, pooling
        self.dropout = nn.Dropout(dropout)
        self.head = nn.Linear(encoder.output_size, num_classes)
        # Created last, so under one seed every pooling starts from the same encoder and head
        # weights.
        self.attention = AttentionPooling(encoder.output_size) if pooling == "attention" else None

    def forward(self, ids: Tensor, mask: Tensor | None = None) -> Tensor:
        outputs, state = self.encoder(ids, mask)  # (B, T, D·H)
        if self.attention is not None:
            features = self.attention(outputs, mask)  # (B, D·H)
        else:
            # (B, D·H)
            features = pool(outputs, self.encoder.last_hidden(state), mask, self.pooling)
        return self.head(self.dropout(features))  # (B, C)


def count_parameters(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters() if p.requires_grad)
