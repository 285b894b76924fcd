"""Our cells and layers against torch.nn: same parameters in, same numbers out."""

import json

import pytest
import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from probing_rnns import bench, cells
from probing_rnns.batching import pad_batch

KINDS = [(cells.RNN, nn.RNN), (cells.LSTM, nn.LSTM), (cells.GRU, nn.GRU)]
VARIANTS = [  # every way of running the loop, for every cell it applies to
    pytest.param(ours, theirs, variant, id=f"{ours.__name__}-{variant}")
    for ours, theirs in KINDS
    for variant, speedups in cells.VARIANTS.items()
    if ours is cells.LSTM or not speedups.manual_backward
]
CELLS = [(cells.RNNCell, nn.RNNCell), (cells.LSTMCell, nn.LSTMCell), (cells.GRUCell, nn.GRUCell)]
ATOL = 1e-5


def as_tuple(state):
    return state if isinstance(state, tuple) else (state,)


def paired(ours_cls, torch_cls, variant="unbind", **kwargs):
    torch.manual_seed(0)
    reference = torch_cls(5, 7, batch_first=True, **kwargs)
    ours = ours_cls(5, 7, batch_first=True, variant=variant, **kwargs)
    ours.load_state_dict(reference.state_dict())  # same names, same shapes
    return ours, reference


@pytest.mark.parametrize("ours_cls, torch_cls", CELLS, ids=lambda c: c.__name__)
def test_cell_matches_torch(ours_cls, torch_cls):
    torch.manual_seed(0)
    reference = torch_cls(5, 7)
    ours = ours_cls(5, 7)
    ours.load_state_dict(reference.state_dict())
    x = torch.randn(3, 5)
    state = tuple(torch.randn(3, 7) for _ in range(ours_cls.state_size))
    expected = as_tuple(reference(x, state if len(state) == 2 else state[0]))
    for a, b in zip(ours(x, state), expected):
        torch.testing.assert_close(a, b, atol=ATOL, rtol=0)


@pytest.mark.parametrize("ours_cls, torch_cls, variant", VARIANTS)
@pytest.mark.parametrize("num_layers", [1, 2])
@pytest.mark.parametrize("bidirectional", [False, True])
def test_layer_matches_torch(ours_cls, torch_cls, variant, num_layers, bidirectional):
    ours, reference = paired(
        ours_cls, torch_cls, variant, num_layers=num_layers, bidirectional=bidirectional
    )
    x = torch.randn(4, 6, 5)  # (B, T, I)
    out, state = ours(x)
    ref_out, ref_state = reference(x)
    torch.testing.assert_close(out, ref_out, atol=ATOL, rtol=0)
    for a, b in zip(as_tuple(state), as_tuple(ref_state)):
        torch.testing.assert_close(a, b, atol=ATOL, rtol=0)


@pytest.mark.parametrize("ours_cls, torch_cls, variant", VARIANTS)
def test_initial_state_and_time_major(ours_cls, torch_cls, variant):
    torch.manual_seed(1)
    reference = torch_cls(5, 7, num_layers=2, bidirectional=True)  # batch_first=False
    ours = ours_cls(5, 7, num_layers=2, bidirectional=True, batch_first=False, variant=variant)
    ours.load_state_dict(reference.state_dict())
    x = torch.randn(6, 3, 5)  # (T, B, I)
    h0 = tuple(torch.randn(4, 3, 7) for _ in range(ours.cell.state_size))
    h0 = h0 if len(h0) == 2 else h0[0]
    for a, b in zip(
        (ours(x, h0)[0], *as_tuple(ours(x, h0)[1])),
        (reference(x, h0)[0], *as_tuple(reference(x, h0)[1])),
    ):
        torch.testing.assert_close(a, b, atol=ATOL, rtol=0)


@pytest.mark.parametrize("ours_cls, torch_cls, variant", VARIANTS)
@pytest.mark.parametrize("num_layers", [1, 2])
def test_masked_padding_matches_packed_sequences(ours_cls, torch_cls, variant, num_layers):
    """Right padding + mask = torch's packed sequences: final states at the last real token,
    the reverse direction starting there, zero outputs at padding."""
    ours, reference = paired(
        ours_cls, torch_cls, variant, num_layers=num_layers, bidirectional=True
    )
    lengths = torch.tensor([6, 2, 4, 1])
    batch = pad_batch([list(range(n)) for n in lengths.tolist()], padding_side="right")
    x = torch.randn(4, 6, 5) * batch.mask[..., None]
    out, state = ours(x, mask=batch.mask)
    packed = pack_padded_sequence(x, lengths, batch_first=True, enforce_sorted=False)
    ref_packed, ref_state = reference(packed)
    ref_out, _ = pad_packed_sequence(ref_packed, batch_first=True, total_length=6)
    torch.testing.assert_close(out, ref_out, atol=ATOL, rtol=0)
    for a, b in zip(as_tuple(state), as_tuple(ref_state)):
        torch.testing.assert_close(a, b, atol=ATOL, rtol=0)


@pytest.mark.parametrize("ours_cls, torch_cls, variant", VARIANTS)
def test_padding_side_does_not_matter_with_a_mask(ours_cls, torch_cls, variant):
    torch.manual_seed(2)
    layer = ours_cls(5, 7, bidirectional=True, variant=variant)
    seqs = [torch.randn(n, 5) for n in (5, 2, 3)]
    finals = []
    for side in ("left", "right"):
        batch = pad_batch([[1] * len(s) for s in seqs], padding_side=side)
        x = torch.zeros(3, 5, 5)
        x[batch.mask] = torch.cat(seqs)
        finals.append(as_tuple(layer(x, mask=batch.mask)[1]))
    for a, b in zip(*finals):
        torch.testing.assert_close(a, b, atol=ATOL, rtol=0)


def test_dropout_between_layers_only_in_training():
    ours, reference = paired(cells.LSTM, nn.LSTM, num_layers=2, dropout=0.5)
    x = torch.randn(2, 4, 5)
    ours.eval(), reference.eval()
    torch.testing.assert_close(ours(x)[0], reference(x)[0], atol=ATOL, rtol=0)
    ours.train()
    torch.manual_seed(0)
    assert not torch.allclose(ours(x)[0], ours(x)[0])


@pytest.mark.parametrize("ours_cls, torch_cls, variant", VARIANTS)
def test_gradients_match_torch(ours_cls, torch_cls, variant):
    """Gradients of the weights, the input and the initial state, through outputs and final states
    alike."""
    ours, reference = paired(ours_cls, torch_cls, variant, num_layers=2, bidirectional=True)
    x = torch.randn(3, 5, 5, requires_grad=True)
    h0 = tuple(torch.randn(4, 3, 7, requires_grad=True) for _ in range(ours.cell.state_size))
    h0 = h0 if len(h0) == 2 else h0[0]
    grads = []
    for layer in (ours, reference):
        out, state = layer(x, h0)
        loss = out.pow(2).sum() + sum(s.sin().sum() for s in as_tuple(state))
        grads.append(torch.autograd.grad(loss, [x, *as_tuple(h0), *layer.parameters()]))
    names = ["x", "h0", "c0"][: 1 + ours.cell.state_size] + [
        name for name, _ in ours.named_parameters()
    ]
    for name, a, b in zip(names, *grads):
        torch.testing.assert_close(a, b, atol=1e-4, rtol=0, msg=name)


@pytest.mark.parametrize("ours_cls, torch_cls, variant", VARIANTS)
def test_masked_gradients_match_packed_sequences(ours_cls, torch_cls, variant):
    """With padding skipped by the mask, the gradients equal torch's on packed sequences."""
    ours, reference = paired(ours_cls, torch_cls, variant, bidirectional=True)
    lengths = torch.tensor([5, 2, 4])
    mask = pad_batch([list(range(n)) for n in lengths.tolist()], padding_side="right").mask
    x = (torch.randn(3, 5, 5) * mask[..., None]).requires_grad_()
    out, state = ours(x, mask=mask)
    ref_packed, ref_state = reference(
        pack_padded_sequence(x, lengths, batch_first=True, enforce_sorted=False)
    )
    ref_out = pad_packed_sequence(ref_packed, batch_first=True, total_length=5)[0]
    grads = []
    for o, s, layer in ((out, state, ours), (ref_out, ref_state, reference)):
        loss = o.pow(2).sum() + sum(part.sin().sum() for part in as_tuple(s))
        grads.append(torch.autograd.grad(loss, [x, *layer.parameters()]))
    names = ["x"] + [name for name, _ in ours.named_parameters()]
    for name, a, b in zip(names, *grads):
        torch.testing.assert_close(a, b, atol=1e-4, rtol=0, msg=name)


def test_unknown_or_unsuitable_variant_is_a_clear_error():
    with pytest.raises(ValueError, match="unknown variant"):
        cells.LSTM(5, 7, variant="fastest")
    with pytest.raises(ValueError, match="LSTM only"):
        cells.GRU(5, 7, variant="manual_backward")


def test_the_default_layers_use_every_autograd_speedup():
    for layer in (cells.RNN(5, 7), cells.LSTM(5, 7), cells.GRU(5, 7)):
        assert layer.variant == "unbind" and layer.speedups == cells.Speedups()


def test_bench_quick_run_writes_a_report(tmp_path, capsys):
    """The benchmark's smoke test: every model of every group timed, ratios to torch.nn, the
    environment recorded."""
    out = tmp_path / "bench.json"
    report = bench.main(["--quick", "--out", str(out)])
    assert json.loads(out.read_text()) == json.loads(json.dumps(report))
    expected = {
        (group, cell, impl)
        for group, _, scope, cells_ in bench.GROUPS
        for cell in cells_
        for impl in ["torch", *bench.variants_of(cell)]
    }
    assert {
        (r["group"], r["cell"], r["impl"]) for r in report["rows"] if r["scope"] != "embedding"
    } == expected
    assert {r["impl"] for r in report["rows"] if r["scope"] == "embedding"} == {
        "dense/Adam",
        "sparse/SparseAdam",
    }
    for r in report["rows"]:
        assert 0 < r["p10_ms"] <= r["median_ms"] <= r["p90_ms"]
        assert (r["ratio_to_torch"] == 1.0) == (r["impl"] == "torch")
    assert set(report["ratios"]) == {f"{g}/{c}/{i}" for g, c, i in expected if i != "torch"}
    assert {"torch", "threads", "cpu", "git_commit", "loadavg_before", "loadavg_after"} <= set(
        report["environment"]
    )
    final = capsys.readouterr().out.strip().splitlines()[-1]
    assert json.loads(final.removeprefix("FINAL "))["ratios"] == report["ratios"]


def test_bench_rejects_zero_threads(capsys):
    with pytest.raises(SystemExit):
        bench.main(["--quick", "--threads", "0"])
    assert "--threads must be at least 1" in capsys.readouterr().err
