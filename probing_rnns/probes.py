"""Probes: measurements that answer the book's questions about trained models.

The probes that run a model read their inputs on the model's device and return their measurements
on the CPU.
"""

from __future__ import annotations

from typing import Iterable, Protocol, Sequence

import torch
from torch import Tensor, nn
from torch.nn import functional as F

from probing_rnns import cells, devices
from probing_rnns.batching import Batch
from probing_rnns.models import Classifier


class ScoredReviews(Protocol):
    """Which reviews a classifier got right, and their lengths: e.g. `sentiment.Predictions`."""

    @property
    def correct(self) -> Tensor: ...  # (N,) bool

    @property
    def lengths(self) -> Tensor: ...  # (N,) tokens


def accuracy_by_length(pred: ScoredReviews, edges: Sequence[int]) -> list[dict]:
    """Accuracy per review-length bucket [edges[i], edges[i+1]) in tokens; None for an empty bucket
    (JSON-safe)."""
    correct = pred.correct  # (N,)
    rows = []
    for low, high in zip(edges[:-1], edges[1:]):
        inside = (pred.lengths >= low) & (pred.lengths < high)
        n = int(inside.sum())
        rows.append(
            {
                "길이": f"{low}–{high - 1}",
                "리뷰 수": n,
                "정확도": correct[inside].float().mean().item() if n else None,
            }
        )
    return rows


def gradient_norms_by_position(model: Classifier, ids: Tensor, labels: Tensor) -> Tensor:
    """How much learning signal reaches each input step: the mean over reviews of ‖∂loss/∂x_t‖,
    shape (T,).

    x_t is the input embedding at step t. `ids` (B, T) must be reviews of one length with no
    padding, so step T-1 is every review's last token and T-1-t is the distance from the end. Each
    review's loss is its own cross-entropy (summed, not averaged, over the batch), so the result
    does not depend on B. Dropout is off while measuring; parameters' `.grad` are left untouched.
    """
    ids, labels = devices.to_device((ids, labels), devices.device_of(model))
    embedded: list[Tensor] = []
    hook = model.encoder.embedding.register_forward_hook(
        lambda module, inputs, output: embedded.append(output)
    )
    was_training = model.training
    model.eval()
    try:
        with torch.enable_grad():
            logits = model(ids)  # (B, C); no mask: every step is a real token
            loss = F.cross_entropy(logits, labels, reduction="sum")
            (grad,) = torch.autograd.grad(loss, embedded[0])  # (B, T, E)
    finally:
        hook.remove()
        model.train(was_training)
    # float64, or squares below 1e-38 would round to 0
    norms = grad.double().norm(dim=-1).mean(dim=0)  # (T,)
    return devices.to_device(norms, "cpu")


# lstm_trace's keys: i, f, g, o, c, h
LSTM_TRACE = ("input", "forget", "candidate", "output", "cell", "hidden")


def lstm_trace(model: Classifier, ids: Tensor, mask: Tensor | None = None) -> dict[str, Tensor]:
    """Inside a one-layer, one-direction LSTM encoder, step by step: its gates, cell state and
    hidden state.

    Returns (B, T, H) tensors keyed by LSTM_TRACE: the gates i, f, o (sigmoid, in (0, 1)), the
    candidate g (tanh), and the cell state c and hidden state h after each step. The state is
    advanced by `cells.LSTMCell.update` with the encoder layer's own weights (torch.nn's and ours
    share names and the gate order i, f, g, o), so `hidden` equals the encoder's outputs. With a
    `mask` (B, T) the state is held at padding, on either side, as the encoder does; every value
    there is 0.
    """
    layer = model.encoder.rnn
    if not isinstance(layer, (nn.LSTM, cells.LSTM)) or layer.num_layers != 1 or layer.bidirectional:
        raise ValueError(
            "lstm_trace reads a one-layer, one-direction LSTM encoder (cell='lstm', num_layers=1)"
        )
    names = ("weight_ih", "weight_hh", "bias_ih", "bias_hh")
    # (4H, E), (4H, H), (4H,), (4H,)
    w_ih, w_hh, b_ih, b_hh = (getattr(layer, f"{name}_l0") for name in names)
    ids, mask = devices.to_device((ids, mask), devices.device_of(model))
    keep = torch.ones_like(ids, dtype=torch.bool) if mask is None else mask  # (B, T)
    steps: dict[str, list[Tensor]] = {name: [] for name in LSTM_TRACE}
    with torch.no_grad():
        x = model.encoder.embedding(ids)  # (B, T, E)
        state = cells.LSTMCell.zero_state(x.shape[0], layer.hidden_size, x)  # (h, c), each (B, H)
        for t in range(x.shape[1]):
            xw, hw = x[:, t] @ w_ih.T + b_ih, state[0] @ w_hh.T + b_hh  # each (B, 4H)
            i, f, g, o = (xw + hw).chunk(4, dim=-1)  # each (B, H)
            new = cells.LSTMCell.update(xw, hw, state)  # (h, c), from the same products
            m = keep[:, t, None]  # (B, 1)
            state = tuple(torch.where(m, n, s) for n, s in zip(new, state))
            values = (
                torch.sigmoid(i),
                torch.sigmoid(f),
                torch.tanh(g),
                torch.sigmoid(o),
                state[1],
                state[0],
            )
            for name, value in zip(LSTM_TRACE, values):
                steps[name].append(value * m)
    traces = {name: torch.stack(values, dim=1) for name, values in steps.items()}  # each (B, T, H)
    return devices.to_device(traces, "cpu")


def final_values(values: Tensor, mask: Tensor | None = None) -> Tensor:
    """values (N, T, H) → each review's values at its last real token (N, H), whichever side the
    padding is on."""
    if mask is None:
        return values[:, -1]
    # (N,): where the count of real tokens first peaks = the last real token
    last = mask.long().cumsum(1).argmax(1)
    return values[torch.arange(len(values)), last]


def units_correlated_with(
    values: Tensor, mask: Tensor | None, target: Tensor, summary: str = "last"
) -> Tensor:
    """Pearson correlation, across reviews, of each unit's summary with one number per review: shape
    (H,).

    values (N, T, H), e.g. lstm_trace's hidden states; mask (N, T) True at real tokens (None: no
    padding); target (N,), e.g. the predicted positive probability. `summary` "last" takes each
    review's value at its last real token (what pooling "last" classifies), "mean" the mean over its
    real tokens. A unit (or a target) that is the same in every review has correlation 0, not NaN.
    """
    everywhere = torch.ones(values.shape[:2], dtype=torch.bool, device=values.device)
    keep = everywhere if mask is None else mask  # (N, T)
    if summary == "last":
        x = final_values(values, keep).double()  # (N, H)
    elif summary == "mean":
        # (N, H)
        x = (values * keep[..., None]).sum(1).double() / keep.sum(1, keepdim=True).clamp(min=1)
    else:
        raise ValueError(f"summary must be 'last' or 'mean', got {summary!r}")
    y = target.double()  # (N,)
    # (H,); exact test: rounding in a mean is not variation
    varies = (x.amax(0) > x.amin(0)) & (y.max() > y.min())
    x, y = x - x.mean(0), y - y.mean()  # centred
    cov, scale = (x * y[:, None]).sum(0), (x.pow(2).sum(0) * y.pow(2).sum()).sqrt()  # (H,), (H,)
    return torch.where(varies, cov / torch.where(varies, scale, 1.0), 0.0).float()


def gate_saturation(
    gates: Tensor, mask: Tensor | None = None, low: float = 0.1, high: float = 0.9
) -> dict[str, Tensor]:
    """How often each unit's gate is saturated, as in Karpathy, Johnson & Fei-Fei (2015), Fig. 3.

    gates (N, T, H) in (0, 1), e.g. lstm_trace(...)["forget"]; mask (N, T) True at real tokens.
    Returns the fractions of all real time steps (over every review) at which the gate is
    "left"-saturated (< low, nearly shut) and "right"-saturated (> high, nearly open), each (H,).
    """
    everywhere = torch.ones(gates.shape[:2], dtype=torch.bool, device=gates.device)
    keep = everywhere if mask is None else mask  # (N, T)
    steps = keep.sum().clamp(min=1)  # real time steps in all
    left = ((gates < low) & keep[..., None]).sum((0, 1)) / steps  # (H,)
    right = ((gates > high) & keep[..., None]).sum((0, 1)) / steps  # (H,)
    return {"left": left, "right": right}


SIGMOID_GATES = ("input", "forget", "output")


def lstm_summary(
    model: Classifier, batches: Iterable[Batch], low: float = 0.1, high: float = 0.9
) -> dict:
    """Stream batches through `lstm_trace`, keeping only what the full-scale probe needs (memory
    stays per batch).

    Returns each review's last hidden state "hidden" (N, H) and positive probability "positive" (N,)
    (pooling "last": the head reads that state), and for each sigmoid gate its saturation {"left",
    "right"} (H,) as in `gate_saturation`, over every real step of every review.
    """
    hidden, counts, steps = [], {gate: {"left": 0.0, "right": 0.0} for gate in SIGMOID_GATES}, 0
    for batch in batches:
        trace = lstm_trace(model, batch.ids, batch.mask)  # each (B, T, H)
        hidden.append(final_values(trace["hidden"], batch.mask))  # (B, H)
        n = int(batch.mask.sum())  # real steps in this batch
        for gate in SIGMOID_GATES:
            for side, fraction in gate_saturation(trace[gate], batch.mask, low, high).items():
                counts[gate][side] = counts[gate][side] + fraction * n  # (H,) saturated steps
        steps += n
    hidden = torch.cat(hidden)  # (N, H)
    with torch.no_grad():
        logits = model.eval().head(devices.to_device(hidden, devices.device_of(model)))  # (N, 2)
        positive = devices.to_device(F.softmax(logits, dim=-1)[:, 1], "cpu")  # (N,)
    saturation = {
        gate: {side: count / steps for side, count in sides.items()}
        for gate, sides in counts.items()
    }
    return {"hidden": hidden, "positive": positive, "saturation": saturation}
