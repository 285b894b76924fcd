"""Recurrent cells (순환 셀) and layers written from scratch, parameter-compatible with torch.nn.

A cell maps one time step: `state = cell.step(x_t, state, *weights)`, where `state` is a tuple
`(h,)` for RNN and GRU and `(h, c)` for LSTM. One loop, `unroll`, runs any cell over a sequence;
the layers `RNN`, `LSTM`, `GRU` stack it over layers and directions with torch.nn's parameter names
(`weight_ih_l0`, `bias_hh_l1_reverse`, …), so `ours.load_state_dict(torch_layer.state_dict())` works.
"""

from __future__ import annotations

import math
from typing import Callable, Sequence

import torch
from torch import Tensor, nn

State = tuple[Tensor, ...]


class RecurrentCell(nn.Module):
    """Weights `W_ih (G·H, I)`, `W_hh (G·H, H)` and biases for G gate blocks, as in torch.nn.*Cell."""

    num_gates: int
    state_size: int  # 1 for (h,), 2 for (h, c)

    def __init__(self, input_size: int, hidden_size: int):
        super().__init__()
        self.input_size, self.hidden_size = input_size, hidden_size
        gh = self.num_gates * hidden_size
        self.weight_ih = nn.Parameter(torch.empty(gh, input_size))
        self.weight_hh = nn.Parameter(torch.empty(gh, hidden_size))
        self.bias_ih = nn.Parameter(torch.empty(gh))
        self.bias_hh = nn.Parameter(torch.empty(gh))
        reset_uniform(self.parameters(), hidden_size)

    def forward(self, x: Tensor, state: State | None = None) -> State:  # x (B, I)
        if state is None:
            state = self.zero_state(x.shape[0], self.hidden_size, x)
        return self.step(x, state, self.weight_ih, self.weight_hh, self.bias_ih, self.bias_hh)

    @classmethod
    def zero_state(cls, batch_size: int, hidden_size: int, like: Tensor) -> State:
        return tuple(like.new_zeros(batch_size, hidden_size) for _ in range(cls.state_size))

    @staticmethod
    def step(x: Tensor, state: State, w_ih: Tensor, w_hh: Tensor, b_ih: Tensor, b_hh: Tensor) -> State:
        raise NotImplementedError


class RNNCell(RecurrentCell):
    """h' = tanh(W_ih x + b_ih + W_hh h + b_hh)  (Elman, 1990)"""

    num_gates, state_size = 1, 1

    @staticmethod
    def step(x, state, w_ih, w_hh, b_ih, b_hh):
        (h,) = state  # (B, H)
        return (torch.tanh(x @ w_ih.T + b_ih + h @ w_hh.T + b_hh),)


class LSTMCell(RecurrentCell):
    """Input, forget, cell and output gates; the cell state c carries memory additively (Hochreiter & Schmidhuber, 1997)."""

    num_gates, state_size = 4, 2

    @staticmethod
    def step(x, state, w_ih, w_hh, b_ih, b_hh):
        h, c = state  # (B, H), (B, H)
        gates = x @ w_ih.T + b_ih + h @ w_hh.T + b_hh  # (B, 4H)
        i, f, g, o = gates.chunk(4, dim=1)
        c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
        h = torch.sigmoid(o) * torch.tanh(c)
        return h, c


class GRUCell(RecurrentCell):
    """Reset and update gates, no separate cell state (Cho et al., 2014)."""

    num_gates, state_size = 3, 1

    @staticmethod
    def step(x, state, w_ih, w_hh, b_ih, b_hh):
        (h,) = state  # (B, H)
        x_r, x_z, x_n = (x @ w_ih.T + b_ih).chunk(3, dim=1)  # each (B, H)
        h_r, h_z, h_n = (h @ w_hh.T + b_hh).chunk(3, dim=1)
        r = torch.sigmoid(x_r + h_r)
        z = torch.sigmoid(x_z + h_z)
        n = torch.tanh(x_n + r * h_n)
        return ((1 - z) * n + z * h,)


def reset_uniform(params, hidden_size: int) -> None:
    """torch.nn's initialisation: every weight and bias ~ U(−1/√H, 1/√H)."""
    bound = 1 / math.sqrt(hidden_size)
    for p in params:
        nn.init.uniform_(p, -bound, bound)


Step = Callable[..., State]  # step(x_t (B, I), state, *weights) -> state


def unroll(
    step: Step,
    x: Tensor,
    state: State,
    weights: Sequence[Tensor],
    mask: Tensor | None = None,
    reverse: bool = False,
) -> tuple[Tensor, State]:
    """Run `step` over time: x (B, T, I) → outputs (B, T, H) and the final state.

    With a `mask` (B, T) the state is updated only at real tokens, so padding on either side is
    skipped: the final state is the state after each sequence's last real token, and the reverse
    direction starts at that token. Outputs at padding positions are zero.
    """
    times = range(x.shape[1] - 1, -1, -1) if reverse else range(x.shape[1])
    xs = x.unbind(1)  # T × (B, I)
    keep = mask.unbind(1) if mask is not None else None  # T × (B,)
    outputs = []
    for t in times:
        new = step(xs[t], state, *weights)
        if keep is not None:
            m = keep[t][:, None]  # (B, 1)
            new = tuple(torch.where(m, n, s) for n, s in zip(new, state))
        outputs.append(new[0] if keep is None else new[0] * m)
        state = new
    if reverse:
        outputs.reverse()
    return torch.stack(outputs, dim=1), state  # (B, T, H)


class Recurrent(nn.Module):
    """A multi-layer, optionally bidirectional recurrent layer built on `cell`; mirrors torch.nn.RNN/LSTM/GRU."""

    cell: type[RecurrentCell]

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        num_layers: int = 1,
        bidirectional: bool = False,
        batch_first: bool = True,
        dropout: float = 0.0,
    ):
        super().__init__()
        self.input_size, self.hidden_size, self.num_layers = input_size, hidden_size, num_layers
        self.bidirectional, self.batch_first, self.dropout = bidirectional, batch_first, dropout
        self.directions = ["", "_reverse"] if bidirectional else [""]
        gh = self.cell.num_gates * hidden_size
        for layer in range(num_layers):
            layer_input = input_size if layer == 0 else hidden_size * len(self.directions)
            for sfx in self.directions:
                self.register_parameter(f"weight_ih_l{layer}{sfx}", nn.Parameter(torch.empty(gh, layer_input)))
                self.register_parameter(f"weight_hh_l{layer}{sfx}", nn.Parameter(torch.empty(gh, hidden_size)))
                self.register_parameter(f"bias_ih_l{layer}{sfx}", nn.Parameter(torch.empty(gh)))
                self.register_parameter(f"bias_hh_l{layer}{sfx}", nn.Parameter(torch.empty(gh)))
        reset_uniform(self.parameters(), hidden_size)

    def weights(self, layer: int, sfx: str) -> list[Tensor]:
        return [getattr(self, f"{name}_l{layer}{sfx}") for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")]

    def forward(self, x: Tensor, state=None, mask: Tensor | None = None):
        """x (B, T, I) → output (B, T, D·H), and h_n (L·D, B, H) — or (h_n, c_n) for LSTM — as torch.nn returns.

        `state` is torch.nn's initial state (zeros if None); `mask` (B, T) marks real tokens.
        """
        if not self.batch_first:
            x = x.transpose(0, 1)
            mask = None if mask is None else mask.transpose(0, 1)
        B = x.shape[0]
        if state is None:
            init = [self.cell.zero_state(B, self.hidden_size, x)] * (self.num_layers * len(self.directions))
        else:
            per_part = state if isinstance(state, tuple) else (state,)  # each (L·D, B, H)
            init = list(zip(*(s.unbind(0) for s in per_part)))
        finals: list[State] = []
        for layer in range(self.num_layers):
            if layer > 0 and self.dropout > 0:
                x = nn.functional.dropout(x, self.dropout, self.training)
            outs = []
            for d, sfx in enumerate(self.directions):
                start = init[layer * len(self.directions) + d]
                out, final = unroll(self.cell.step, x, start, self.weights(layer, sfx), mask, reverse=d == 1)
                outs.append(out)
                finals.append(final)
            x = torch.cat(outs, dim=-1)  # (B, T, D·H)
        stacked = tuple(torch.stack(part, 0) for part in zip(*finals))  # each (L·D, B, H)
        output = x if self.batch_first else x.transpose(0, 1)
        return output, stacked if self.cell.state_size == 2 else stacked[0]


class RNN(Recurrent):
    cell = RNNCell


class LSTM(Recurrent):
    cell = LSTMCell


class GRU(Recurrent):
    cell = GRUCell
