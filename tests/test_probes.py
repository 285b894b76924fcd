import pytest
import torch

from probing_rnns.batching import Batch
from probing_rnns.models import Classifier, Encoder
from probing_rnns.probes import (
    final_values,
    gate_saturation,
    gradient_norms_by_position,
    lstm_summary,
    lstm_trace,
    units_correlated_with,
)


def one_unit_rnn(w: float, a: float = 1e-4) -> Classifier:
    """Embedding (1-dim) → 1-unit tanh RNN with h_t = tanh(a·x_t + w·h_{t-1}) → linear head; no
    biases."""
    model = Classifier(Encoder(vocab_size=5, embed_dim=1, hidden_size=1, cell="rnn"))
    with torch.no_grad():
        model.encoder.embedding.weight.copy_(torch.tensor([[0.0], [1.0], [-1.0], [0.5], [2.0]]))
        rnn = model.encoder.rnn
        rnn.weight_ih_l0.fill_(a)
        rnn.weight_hh_l0.fill_(w)
        rnn.bias_ih_l0.zero_()
        rnn.bias_hh_l0.zero_()
        model.head.weight.copy_(torch.tensor([[1.0], [-1.0]]))
    return model


@pytest.mark.parametrize("w", [0.5, -0.8, 1.5])
def test_one_unit_rnn_matches_the_chain_rule(w):
    """For u_t = a·x_t + w·h_{t-1} and h_t = tanh(u_t), the chain rule gives exactly

        ∂L/∂x_t = a · ∂L/∂u_t,    ∂L/∂u_t = (1 − h_t²) · w · ∂L/∂u_{t+1},

    so |g_t| / |g_{t+1}| = |w| (1 − h_t²): one factor of the recurrent weight and one tanh
    derivative per step back in time. With tiny inputs (a = 1e-4) tanh is nearly linear and the norm
    at distance d from the end is |g_{T-1}| · |w|^d, to within about 1%.
    """
    model = one_unit_rnn(w)
    ids = torch.tensor([[1, 2, 3, 4, 1, 1, 2, 3, 4, 2]])  # (1, T)
    norms = gradient_norms_by_position(model, ids, torch.tensor([1]))  # (T,)
    h = model.encoder(ids)[0][0, :, 0].detach().double()  # (T,)
    torch.testing.assert_close(
        norms[:-1] / norms[1:], abs(w) * (1 - h[:-1] ** 2), rtol=1e-4, atol=0
    )
    distance = torch.arange(len(norms) - 1, -1, -1, dtype=torch.float64)  # T-1-t
    torch.testing.assert_close(norms, norms[-1] * abs(w) ** distance, rtol=1e-2, atol=0)


def test_per_review_gradients_are_averaged_not_divided_by_the_batch_size():
    torch.manual_seed(0)
    model = Classifier(Encoder(20, 8, 6, cell="gru"))
    ids, labels = torch.randint(1, 20, (3, 7)), torch.tensor([0, 1, 1])
    together = gradient_norms_by_position(model, ids, labels)
    alone = torch.stack(
        [gradient_norms_by_position(model, ids[i : i + 1], labels[i : i + 1]) for i in range(3)]
    )
    torch.testing.assert_close(together, alone.mean(0))


@pytest.mark.parametrize("impl", ["torch", "ours"])
@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
def test_shape_sign_and_no_side_effects(cell, impl):
    torch.manual_seed(0)
    model = Classifier(Encoder(20, 8, 6, cell=cell, impl=impl), dropout=0.5).train()
    ids, labels = torch.randint(1, 20, (4, 9)), torch.tensor([0, 1, 0, 1])
    norms = gradient_norms_by_position(model, ids, labels)
    assert norms.shape == (9,)
    assert (norms >= 0).all() and norms[-1] > 0
    # dropout is off
    torch.testing.assert_close(norms, gradient_norms_by_position(model, ids, labels))
    assert model.training, "the model's mode is restored"
    assert all(p.grad is None for p in model.parameters()), "parameters' gradients are not touched"


def test_untrained_rnn_with_small_recurrent_weights_forgets_the_past():
    torch.manual_seed(0)
    model = Classifier(Encoder(50, 16, 32, cell="rnn"))
    with torch.no_grad():
        model.encoder.rnn.weight_hh_l0.mul_(0.2)  # spectral norm well below 1
    ids = torch.randint(1, 50, (8, 15))
    norms = gradient_norms_by_position(model, ids, torch.randint(0, 2, (8,)))
    assert norms[-1] > 0
    assert (norms[:-1] < norms[1:]).all(), "the further from the end, the smaller the gradient"
    assert norms[-11] < 1e-4 * norms[-1]  # distance 10


@pytest.mark.parametrize("impl", ["torch", "ours"])
@pytest.mark.parametrize("side", [None, "right", "left"])
def test_lstm_trace_recomputes_the_encoder(impl, side):
    """h_t from the step-by-step trace equals the encoder's outputs, and the gates put them
    together:
    c_t = f_t ⊙ c_{t-1} + i_t ⊙ g_t and h_t = o_t ⊙ tanh(c_t). A wrong gate order breaks both."""
    torch.manual_seed(0)
    model = Classifier(Encoder(30, 8, 6, cell="lstm", impl=impl))
    ids = torch.randint(1, 30, (4, 9))  # (B, T)
    mask = None
    if side is not None:
        lengths = torch.tensor([9, 5, 1, 7])
        real = torch.arange(9)[None, :] < lengths[:, None]  # (B, T), right padding
        mask = real if side == "right" else real.flip(1)
        ids = ids.masked_fill(~mask, 0)
    trace = lstm_trace(model, ids, mask)
    assert all(v.shape == (4, 9, 6) for v in trace.values())
    with torch.no_grad():
        outputs, (h_n, c_n) = model.encoder(ids, mask)  # (B, T, H); (1, B, H) each
    torch.testing.assert_close(trace["hidden"], outputs, atol=1e-5, rtol=0)
    torch.testing.assert_close(final_values(trace["hidden"], mask), h_n[0], atol=1e-5, rtol=0)
    torch.testing.assert_close(final_values(trace["cell"], mask), c_n[0], atol=1e-5, rtol=0)
    keep = torch.ones(4, 9, 1, dtype=torch.bool) if mask is None else mask[..., None]  # (B, T, 1)
    c, c_prev = (
        trace["cell"],
        torch.cat([torch.zeros_like(trace["cell"][:, :1]), trace["cell"][:, :-1]], 1),
    )
    # before the first real token the state is still 0, as after the held padding
    if side == "left":
        c_prev = c_prev * torch.cat([torch.zeros_like(keep[:, :1]), keep[:, :-1]], 1)
    i, f, g, o = (trace[name] for name in ("input", "forget", "candidate", "output"))
    torch.testing.assert_close(c, (f * c_prev + i * g) * keep, atol=1e-5, rtol=0)
    torch.testing.assert_close(trace["hidden"], o * torch.tanh(c), atol=1e-5, rtol=0)
    for name in ("input", "forget", "output"):
        assert ((trace[name] > 0) & (trace[name] < 1))[keep.expand_as(c)].all()
        assert (trace[name][~keep.expand_as(c)] == 0).all(), "padding gets 0"


def test_lstm_trace_reads_the_forget_gate_from_the_second_block():
    """torch.nn's gate order is i, f, g, o: a large bias in rows H:2H opens the forget gate and
    nothing else."""
    torch.manual_seed(0)
    model = Classifier(Encoder(30, 8, 6, cell="lstm"))
    with torch.no_grad():
        model.encoder.rnn.bias_ih_l0[6:12] = 30.0
    trace = lstm_trace(model, torch.randint(1, 30, (3, 5)))
    assert (trace["forget"] > 0.999).all()
    assert (trace["input"] < 0.999).all() and (trace["output"] < 0.999).all()


@pytest.mark.parametrize(
    "encoder",
    [dict(cell="gru"), dict(cell="lstm", bidirectional=True), dict(cell="lstm", num_layers=2)],
)
def test_lstm_trace_refuses_other_encoders(encoder):
    with pytest.raises(ValueError, match="one-layer, one-direction LSTM"):
        lstm_trace(Classifier(Encoder(30, 8, 6, **encoder)), torch.randint(1, 30, (2, 4)))


def test_final_values_picks_the_last_real_token_on_either_side():
    values = torch.arange(8.0).reshape(2, 4, 1)  # (N, T, H)
    right = torch.tensor([[True, True, False, False], [True, True, True, True]])
    torch.testing.assert_close(final_values(values, right), torch.tensor([[1.0], [7.0]]))
    torch.testing.assert_close(final_values(values, right.flip(1)), torch.tensor([[3.0], [7.0]]))
    torch.testing.assert_close(final_values(values), torch.tensor([[3.0], [7.0]]))


def test_units_correlated_with_a_synthetic_target():
    """Unit 0 ends each review at the target (corr 1), unit 1 is constant (0, not NaN), unit 2 ends
    at 3 − 2·target (corr −1). Padding holds large junk that would spoil every correlation if it
    were read."""
    torch.manual_seed(0)
    N, T = 50, 6
    target = torch.rand(N)  # (N,)
    lengths = torch.randint(1, T + 1, (N,))
    mask = torch.arange(T)[None, :] < lengths[:, None]  # (N, T)
    values = torch.randn(N, T, 3)  # (N, T, H)
    last = torch.arange(N), lengths - 1
    values[..., 1] = 0.1
    values[last[0], last[1], 0] = target
    values[last[0], last[1], 2] = 3 - 2 * target
    values[~mask] = 100 * torch.randn(int((~mask).sum()), 3)
    corr = units_correlated_with(values, mask, target)
    assert corr.shape == (3,) and torch.isfinite(corr).all()
    torch.testing.assert_close(corr, torch.tensor([1.0, 0.0, -1.0]), atol=1e-6, rtol=0)
    assert abs(units_correlated_with(values, None, target)[0]) < 0.5, (
        "without the mask the junk is read"
    )

    # (N, T, 1): the target at every real token
    steady = target[:, None, None].expand(N, T, 1).clone()
    steady[~mask] = -50.0
    torch.testing.assert_close(
        units_correlated_with(steady, mask, target, "mean"), torch.tensor([1.0])
    )
    assert units_correlated_with(values, mask, torch.full((N,), 0.3)).eq(0).all(), (
        "a constant target: 0"
    )
    with pytest.raises(ValueError):
        units_correlated_with(values, mask, target, "max")


def test_gate_saturation_on_a_hand_made_tensor():
    gates = torch.tensor(
        [
            # review 1: the last step is padding
            [[0.05, 0.95], [0.50, 0.99], [0.95, 0.91], [0.00, 0.01]],
            [[0.02, 0.50], [0.10, 0.90], [0.99, 0.93], [0.01, 0.99]],  # review 2: four real steps
        ]
    )  # (N=2, T=4, H=2)
    mask = torch.tensor([[True, True, True, False], [True, True, True, True]])  # 7 real steps
    sat = gate_saturation(gates, mask)
    # unit 0 below 0.1: 0.05, 0.02, 0.01 (0.10 is not below); above 0.9: 0.95, 0.99
    # unit 1 below 0.1: none (0.01 is padding); above 0.9: 0.95, 0.99, 0.91, 0.93, 0.99 (0.90 is not
    # above)
    torch.testing.assert_close(sat["left"], torch.tensor([3 / 7, 0.0]))
    torch.testing.assert_close(sat["right"], torch.tensor([2 / 7, 5 / 7]))
    everything = gate_saturation(gates)  # no mask: all 8 steps
    torch.testing.assert_close(everything["left"], torch.tensor([4 / 8, 1 / 8]))


def test_lstm_summary_streams_batches_like_one_trace_of_everything():
    """Saturation counted batch by batch (each weighted by its real steps) equals gate_saturation
    over all reviews at once, and the last hidden states and probabilities are the classifier's own.
    """
    torch.manual_seed(0)
    model = Classifier(Encoder(30, 8, 6, cell="lstm")).eval()
    # two batches of different sizes and widths
    lengths = [torch.tensor([9, 3]), torch.tensor([4, 4, 2])]
    batches = []
    for lens in lengths:
        mask = torch.arange(int(lens.max()))[None, :] < lens[:, None]  # (B, T), right padding
        ids = torch.randint(1, 30, mask.shape).masked_fill(~mask, 0)
        batches.append(
            Batch(ids=ids, mask=mask, lengths=lens, labels=torch.zeros(len(lens), dtype=torch.long))
        )
    summary = lstm_summary(model, batches, low=0.3, high=0.7)
    wide = (
        torch.nn.functional.pad(batches[1].ids, (0, 5)),
        torch.nn.functional.pad(batches[1].mask, (0, 5)),
    )
    # (5, 9)
    ids, mask = torch.cat([batches[0].ids, wide[0]]), torch.cat([batches[0].mask, wide[1]])
    trace = lstm_trace(model, ids, mask)
    for gate in ("input", "forget", "output"):
        expected = gate_saturation(trace[gate], mask, low=0.3, high=0.7)
        for side in ("left", "right"):
            torch.testing.assert_close(summary["saturation"][gate][side], expected[side])
    torch.testing.assert_close(summary["hidden"], final_values(trace["hidden"], mask))
    with torch.no_grad():
        expected_positive = torch.softmax(model(ids, mask), dim=-1)[:, 1]
    torch.testing.assert_close(summary["positive"], expected_positive)
