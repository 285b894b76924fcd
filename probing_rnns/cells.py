"""Recurrent cells (순환 셀) and layers written from scratch, parameter-compatible with torch.nn.

A cell maps one time step: `state = cell.step(x_t, state, *weights)`, where `state` is a tuple
`(h,)` for RNN and GRU and `(h, c)` for LSTM. A step is two matrix products — the input's
`W_ih x + b_ih` and the hidden state's `W_hh h + b_hh` — and the cell's `update`, which turns them
into the new state. One loop, `unroll`, runs a step over a sequence; the layers `RNN`, `LSTM`, `GRU`
stack it over layers and directions with torch.nn's parameter names (`weight_ih_l0`,
`bias_hh_l1_reverse`, …), so `ours.load_state_dict(torch_layer.state_dict())` works.

How the loop computes is a `Speedups` choice (chapter 18): from the naive way (one matmul per gate,
`x[:, t]` indexing) to the fast one (one matmul for all gates, the input projection of all steps
computed before the loop, and for the LSTM backpropagation through time written by hand). Every
choice gives the same numbers.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable, Sequence

import torch
from torch import Tensor, nn

State = tuple[Tensor, ...]


class RecurrentCell(nn.Module):
    """Weights `W_ih (G·H, I)`, `W_hh (G·H, H)` and biases for G gate blocks, as in
    torch.nn.*Cell."""

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

    @classmethod
    def step(
        cls, x: Tensor, state: State, w_ih: Tensor, w_hh: Tensor, b_ih: Tensor, b_hh: Tensor
    ) -> State:
        """One time step: x (B, I) and the state → the new state."""
        return cls.update(x @ w_ih.T + b_ih, state[0] @ w_hh.T + b_hh, state)

    @staticmethod
    def update(xw: Tensor, hw: Tensor, state: State) -> State:
        """xw = W_ih x + b_ih and hw = W_hh h + b_hh, each (B, G·H), and the state → the new
        state."""
        raise NotImplementedError


class RNNCell(RecurrentCell):
    """h' = tanh(W_ih x + b_ih + W_hh h + b_hh)  (Elman, 1990)"""

    num_gates, state_size = 1, 1

    @staticmethod
    def update(xw, hw, state):
        return (torch.tanh(xw + hw),)  # (B, H)


class LSTMCell(RecurrentCell):
    """Three gates (input i, forget f, output o) and a candidate g for the cell state c, which
    carries memory additively (Hochreiter & Schmidhuber, 1997)."""

    num_gates, state_size = 4, 2

    @staticmethod
    def update(xw, hw, state):
        h, c = state  # (B, H), (B, H)
        i, f, g, o = (xw + hw).chunk(4, dim=1)  # each (B, H)
        c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
        h = torch.sigmoid(o) * torch.tanh(c)
        return h, c


class GRUCell(RecurrentCell):
    """Reset and update gates, no separate cell state (Cho et al., 2014)."""

    num_gates, state_size = 3, 1

    @staticmethod
    def update(xw, hw, state):
        (h,) = state  # (B, H)
        x_r, x_z, x_n = xw.chunk(3, dim=1)  # each (B, H)
        h_r, h_z, h_n = hw.chunk(3, dim=1)
        r = torch.sigmoid(x_r + h_r)
        z = torch.sigmoid(x_z + h_z)
        n = torch.tanh(x_n + r * h_n)
        return ((1 - z) * n + z * h,)


def reset_uniform(params, hidden_size: int) -> None:
    """torch.nn's initialisation: every weight and bias ~ U(−1/√H, 1/√H)."""
    bound = 1 / math.sqrt(hidden_size)
    for p in params:
        nn.init.uniform_(p, -bound, bound)


Step = Callable[[Tensor, State], State]  # step(x_t (B, ·), state) -> state


def unroll(
    step: Step,
    xs: Sequence[Tensor],
    state: State,
    mask: Tensor | None = None,
    reverse: bool = False,
) -> tuple[Tensor, State]:
    """Run `step` over time: xs, T inputs (B, ·) → outputs (B, T, H) and the final state.

    With a `mask` (B, T) the state is updated only at real tokens, so padding on either side is
    skipped: the final state is the state after each sequence's last real token, and the reverse
    direction starts at that token. Outputs at padding positions are zero.
    """
    times = range(len(xs) - 1, -1, -1) if reverse else range(len(xs))
    keep = mask.unbind(1) if mask is not None else None  # T × (B,)
    outputs = []
    for t in times:
        new = step(xs[t], state)
        if keep is not None:
            m = keep[t][:, None]  # (B, 1)
            new = tuple(torch.where(m, n, s) for n, s in zip(new, state))
        outputs.append(new[0] if keep is None else new[0] * m)
        state = new
    if reverse:
        outputs.reverse()
    return torch.stack(outputs, dim=1), state  # (B, T, H)


@dataclass(frozen=True)
class Speedups:
    """How a layer runs its loop; each switch is one step from the naive loop to the fast one
    (chapter 18)."""

    fused_gates: bool = True  # one matmul for all G gates, not one (B, H) matmul per gate
    precompute_input: bool = True  # W_ih x + b_ih for all T steps in one matmul before the loop
    unbind: bool = True  # split x into T steps once (x.unbind(1)), not x[:, t] per step
    # LSTM only: backpropagation through time written by hand (LSTMThroughTime)
    manual_backward: bool = False


VARIANTS = {  # the path of chapter 18, each variant adding one switch
    "naive": Speedups(fused_gates=False, precompute_input=False, unbind=False),
    "fused": Speedups(precompute_input=False, unbind=False),
    "precomputed": Speedups(unbind=False),
    "unbind": Speedups(),
    "manual_backward": Speedups(manual_backward=True),
}


def per_gate_linear(x: Tensor, w: Tensor, b: Tensor, num_gates: int) -> Tensor:
    """x @ w.T + b one gate block at a time: G small matmuls where one would do (the naive way)."""
    return torch.cat(
        [x @ w_g.T + b_g for w_g, b_g in zip(w.chunk(num_gates), b.chunk(num_gates))], dim=-1
    )


def run_direction(
    cell: type[RecurrentCell],
    x: Tensor,
    state: State,
    weights: Sequence[Tensor],
    mask: Tensor | None,
    reverse: bool,
    speedups: Speedups,
) -> tuple[Tensor, State]:
    """One direction of one layer: x (B, T, I) → outputs (B, T, H) and the final state, computed as
    `speedups` says."""
    w_ih, w_hh, b_ih, b_hh = weights

    def linear(v: Tensor, w: Tensor, b: Tensor) -> Tensor:  # v (…, K) → (…, G·H)
        return v @ w.T + b if speedups.fused_gates else per_gate_linear(v, w, b, cell.num_gates)

    if speedups.precompute_input:
        x = linear(x, w_ih, b_ih)  # (B, T, G·H): every step's input projection in one matmul
    if speedups.manual_backward:  # the LSTM's own loop and backward; the layer checked the cell
        out, h, c = LSTMThroughTime.apply(x, *state, w_hh, b_hh, mask, reverse)
        return out, (h, c)

    def step(x_t: Tensor, state: State) -> State:
        xw = x_t if speedups.precompute_input else linear(x_t, w_ih, b_ih)  # (B, G·H)
        return cell.update(xw, linear(state[0], w_hh, b_hh), state)

    xs = x.unbind(1) if speedups.unbind else [x[:, t] for t in range(x.shape[1])]  # T × (B, ·)
    return unroll(step, xs, state, mask, reverse)


class LSTMThroughTime(torch.autograd.Function):
    """The LSTM over a sequence, with backpropagation through time (BPTT) written by hand.

    Forward runs the shared `unroll` (autograd is off inside a Function, so no graph is built) and
    keeps each step's gate activations. Backward walks the steps in reverse through the chain rule
    of one LSTM step. As with the input projection, whatever does not depend on the incoming
    gradient is computed for all steps at once before the loop, and dL/dW_hh = Σ_t δ_tᵀ h_{t−1}
    after it.
    """

    @staticmethod
    def forward(ctx, xw, h0, c0, w_hh, b_hh, mask, reverse):
        # xw (B, T, 4H) = W_ih x + b_ih; h0, c0 (B, H)
        H = h0.shape[1]
        # per step, in reading order: activations i, f, g, o (B, 4H), h_{t−1}, c_{t−1}, tanh c_t
        saved = []

        def step(xw_t: Tensor, state: State) -> State:
            h, c = state
            gates = torch.addmm(xw_t, h, w_hh.T)  # (B, 4H) pre-activations: xw_t holds both biases
            # i, f, o; the candidate g's block is overwritten with its tanh
            acts = torch.sigmoid(gates)
            acts[:, 2 * H : 3 * H] = torch.tanh(gates[:, 2 * H : 3 * H])
            i, f, g, o = acts.chunk(4, dim=1)  # each (B, H)
            c_new = f * c + i * g
            tanh_c = torch.tanh(c_new)
            saved.append((acts, h, c, tanh_c))
            return o * tanh_c, c_new

        out, (h, c) = unroll(step, (xw + b_hh).unbind(1), (h0, c0), mask, reverse)
        # (T, B, 4H), 3 × (T, B, H)
        acts, h_prev, c_prev, tanh_c = (torch.stack(s) for s in zip(*saved))
        ctx.save_for_backward(acts, h_prev, c_prev, tanh_c, w_hh, mask)
        ctx.reverse = reverse
        return out, h, c

    @staticmethod
    @torch.autograd.function.once_differentiable
    def backward(ctx, d_out, d_h, d_c):  # dL/d(out (B, T, H), h_T, c_T)
        acts, h_prev, c_prev, tanh_c, w_hh, mask = ctx.saved_tensors
        T, H = acts.shape[0], h_prev.shape[2]
        i, f, g, o = acts.chunk(4, dim=2)  # each (T, B, H)
        # Before the loop, for all steps: each gate's pre-activation gradient is (dc or dh) × its
        # partner × its activation's derivative (σ' = σ(1 − σ), tanh' = 1 − tanh²) — only dc and dh
        # come from the loop.
        slope = acts * (1 - acts)  # (T, B, 4H)
        slope[..., 2 * H : 3 * H] = 1 - g * g
        # i ← dc·g, f ← dc·c, g ← dc·i, o ← dh·tanh c
        partner = torch.cat([g, c_prev, i, tanh_c], dim=2) * slope
        through_tanh = o * (1 - tanh_c * tanh_c)  # dh → dc through h = o · tanh(c)
        keep = None if mask is None else mask.to(d_out.dtype)  # (B, T)
        # T × (B, H) in time order; δ (B, 4H) per step, last step first
        d_outs, deltas = d_out.unbind(1), []
        for k in reversed(range(T)):  # k: reading order
            t = T - 1 - k if ctx.reverse else k
            dh, dc = d_h + d_outs[t], d_c  # reaching this step's new state
            if keep is not None:  # at padding the state was passed on unchanged: so is its gradient
                m = keep[:, t, None]  # (B, 1)
                (dh, skip_h), (dc, skip_c) = (m * dh, (1 - m) * d_h), (m * dc, (1 - m) * d_c)
            dc = torch.addcmul(dc, dh, through_tanh[k])
            delta = torch.cat([dc, dc, dc, dh], dim=1) * partner[k]  # (B, 4H)
            deltas.append(delta)
            # to h_{t−1} (through every gate) and c_{t−1} (through f)
            d_h, d_c = delta @ w_hh, dc * f[k]
            if keep is not None:
                d_h, d_c = d_h + skip_h, d_c + skip_c
        deltas = torch.stack(deltas[::-1])  # (T, B, 4H), reading order
        d_w_hh = deltas.flatten(0, 1).T @ h_prev.flatten(0, 1)  # (4H, H) = Σ_t δ_tᵀ h_{t−1}
        d_xw = (deltas.flip(0) if ctx.reverse else deltas).transpose(0, 1)  # (B, T, 4H), time order
        return d_xw, d_h, d_c, d_w_hh, deltas.sum((0, 1)), None, None


class Recurrent(nn.Module):
    """A multi-layer, optionally bidirectional recurrent layer built on `cell`; mirrors
    torch.nn.RNN/LSTM/GRU.

    `variant` names how the loop computes (a key of VARIANTS; all give the same numbers). The
    default, "unbind", is the fastest measured (results/bench/cpu.json; the LSTM's hand-written
    backward ties with it).
    """

    cell: type[RecurrentCell]

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        num_layers: int = 1,
        bidirectional: bool = False,
        batch_first: bool = True,
        dropout: float = 0.0,
        variant: str = "unbind",
    ):
        super().__init__()
        if variant not in VARIANTS:
            raise ValueError(f"unknown variant {variant!r}; choose from {list(VARIANTS)}")
        self.variant, self.speedups = variant, VARIANTS[variant]
        if self.speedups.manual_backward and self.cell is not LSTMCell:
            raise ValueError(
                f"the hand-written backward is for the LSTM only, not {self.cell.__name__}"
            )
        self.input_size, self.hidden_size, self.num_layers = input_size, hidden_size, num_layers
        self.bidirectional, self.batch_first, self.dropout = bidirectional, batch_first, dropout
        self.directions = ["", "_reverse"] if bidirectional else [""]
        gh = self.cell.num_gates * hidden_size
        for layer in range(num_layers):
            layer_input = input_size if layer == 0 else hidden_size * len(self.directions)
            for sfx in self.directions:
                self.register_parameter(
                    f"weight_ih_l{layer}{sfx}", nn.Parameter(torch.empty(gh, layer_input))
                )
                self.register_parameter(
                    f"weight_hh_l{layer}{sfx}", nn.Parameter(torch.empty(gh, hidden_size))
                )
                self.register_parameter(f"bias_ih_l{layer}{sfx}", nn.Parameter(torch.empty(gh)))
                self.register_parameter(f"bias_hh_l{layer}{sfx}", nn.Parameter(torch.empty(gh)))
        reset_uniform(self.parameters(), hidden_size)

    def weights(self, layer: int, sfx: str) -> list[Tensor]:
        return [
            getattr(self, f"{name}_l{layer}{sfx}")
            for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")
        ]

    def forward(self, x: Tensor, state=None, mask: Tensor | None = None):
        """x (B, T, I) → output (B, T, D·H), and h_n (L·D, B, H) — or (h_n, c_n) for LSTM — as
        torch.nn returns.

        `state` is torch.nn's initial state (zeros if None); `mask` (B, T) marks real tokens.
        """
        if not self.batch_first:
            x = x.transpose(0, 1)
            mask = None if mask is None else mask.transpose(0, 1)
        B = x.shape[0]
        if state is None:
            init = [self.cell.zero_state(B, self.hidden_size, x)] * (
                self.num_layers * len(self.directions)
            )
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
                weights = self.weights(layer, sfx)
                out, final = run_direction(
                    self.cell, x, start, weights, mask, reverse=d == 1, speedups=self.speedups
                )
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
