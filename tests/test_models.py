import pytest
import torch

from probing_rnns.batching import pad_batch
from probing_rnns.models import (
    POOLINGS,
    AttentionPooling,
    Classifier,
    Encoder,
    count_parameters,
    pool,
)


def batch_of(lengths, side):
    return pad_batch([[4 + i % 7 for i in range(n)] for n in lengths], padding_side=side)


@pytest.mark.parametrize("impl", ["torch", "ours"])
@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
def test_encoder_ignores_padding_side_when_masked(impl, cell):
    torch.manual_seed(0)
    encoder = Encoder(20, 8, 6, cell=cell, bidirectional=True, num_layers=2, impl=impl).eval()
    results = []
    for side in ("left", "right"):
        batch = batch_of([5, 2, 3], side)
        outputs, state = encoder(batch.ids, batch.mask)
        results.append((outputs[batch.mask], encoder.last_hidden(state)))
    for a, b in zip(*results):
        torch.testing.assert_close(a, b, atol=1e-5, rtol=0)


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
def test_torch_and_our_encoders_agree(cell):
    torch.manual_seed(0)
    ours = Encoder(20, 8, 6, cell=cell, bidirectional=True, impl="ours").eval()
    theirs = Encoder(20, 8, 6, cell=cell, bidirectional=True, impl="torch").eval()
    theirs.load_state_dict(ours.state_dict())
    batch = batch_of([5, 1, 3], "left")
    for a, b in zip(ours(batch.ids, batch.mask)[0], theirs(batch.ids, batch.mask)[0]):
        torch.testing.assert_close(a, b, atol=1e-5, rtol=0)


@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_an_equal_length_batch_gives_the_same_result_unpacked(cell):
    torch.manual_seed(0)
    encoder = Encoder(20, 8, 6, cell=cell, bidirectional=True, impl="torch").eval()
    full = batch_of([4, 4, 4], "right")
    packed = encoder._packed(encoder.embedding(full.ids), full.mask)  # the slow path, forced
    fast = encoder(full.ids, full.mask)  # all-real mask: run unpacked
    for a, b in zip(
        (packed[0], encoder.last_hidden(packed[1])), (fast[0], encoder.last_hidden(fast[1]))
    ):
        torch.testing.assert_close(a, b, atol=1e-6, rtol=0)


def test_without_a_mask_padding_changes_the_result():
    torch.manual_seed(0)
    encoder = Encoder(20, 8, 6, cell="gru", impl="torch").eval()
    batch = batch_of([5, 2], "right")
    masked = encoder.last_hidden(encoder(batch.ids, batch.mask)[1])
    naive = encoder.last_hidden(encoder(batch.ids)[1])
    torch.testing.assert_close(masked[0], naive[0])  # the full-length review is unaffected
    assert not torch.allclose(masked[1], naive[1])  # the padded one read <pad> tokens


def test_pooling():
    outputs = torch.tensor([[[1.0], [3.0], [100.0]]])  # (B=1, T=3, H=1); the last step is padding
    mask = torch.tensor([[True, True, False]])
    last = torch.tensor([[7.0]])
    assert pool(outputs, last, mask, "last").item() == 7.0
    assert pool(outputs, last, mask, "mean").item() == 2.0
    assert pool(outputs, last, mask, "max").item() == 3.0
    for how in ("median", "attention"):  # attention has parameters: AttentionPooling, not pool()
        with pytest.raises(ValueError):
            pool(outputs, last, mask, how)


def test_attention_weights_sum_to_one_over_real_tokens_and_are_zero_on_padding():
    torch.manual_seed(0)
    attention = AttentionPooling(6)
    batch = batch_of([5, 2, 3], "right")
    weights = attention.weights(torch.randn(3, 5, 6), batch.mask)  # (B, T)
    torch.testing.assert_close(weights.sum(1), torch.ones(3))
    assert (weights[~batch.mask] == 0).all()
    assert (weights[batch.mask] > 0).all()


def test_attention_with_a_constant_score_is_mean_pooling():
    attention = AttentionPooling(6)
    # every step scores the same: uniform weights over real tokens
    torch.nn.init.zeros_(attention.scorer.weight)
    batch = pad_batch([[], [4, 5], [4, 5, 6, 7]])  # an empty review too: both give 0
    outputs = torch.randn(3, 4, 6)  # (B, T, D·H)
    torch.testing.assert_close(
        attention(outputs, batch.mask), pool(outputs, outputs[:, -1], batch.mask, "mean")
    )


def test_attention_pooling_is_learned_and_the_others_are_not():
    counts = {
        p: count_parameters(Classifier(Encoder(30, 8, 6, bidirectional=True), pooling=p))
        for p in POOLINGS
    }
    assert counts["last"] == counts["mean"] == counts["max"]
    # the scorer: a query vector (D·H = 12) and a bias
    assert counts["attention"] == counts["last"] + 12 + 1


def test_every_pooling_starts_from_the_same_weights_under_one_seed():
    def build(pooling):
        torch.manual_seed(0)
        return Classifier(Encoder(30, 8, 6, cell="lstm"), pooling=pooling).state_dict()

    reference = build("last")
    for pooling in POOLINGS:
        shared = {k: v for k, v in build(pooling).items() if not k.startswith("attention.")}
        assert shared.keys() == reference.keys()
        for key, value in shared.items():
            torch.testing.assert_close(value, reference[key], rtol=0, atol=0)


@pytest.mark.parametrize("impl", ["torch", "ours"])
def test_attention_pooling_ignores_padding_when_masked(impl):
    torch.manual_seed(0)
    model = Classifier(
        Encoder(20, 8, 6, cell="lstm", bidirectional=True, impl=impl), pooling="attention"
    ).eval()
    lengths = [5, 2, 3]
    # each review without padding: (3, 2)
    alone = torch.cat([model(batch_of([n], "right").ids) for n in lengths])
    for side in ("left", "right"):
        batch = batch_of(lengths, side)
        torch.testing.assert_close(model(batch.ids, batch.mask), alone, atol=1e-5, rtol=0)
        # unmasked, padding is read and attended to
        assert not torch.allclose(model(batch.ids)[1:], alone[1:], atol=1e-5)


def test_classifier_shapes_and_parameter_count():
    encoder = Encoder(30, 8, 6, cell="lstm", bidirectional=True)
    model = Classifier(encoder, pooling="mean")
    batch = batch_of([4, 2], "right")
    assert model(batch.ids, batch.mask).shape == (2, 2)
    # embedding 30·8, LSTM 2 directions × 4 gates × 6 × (8 + 6 + 2), head 12·2 + 2
    assert count_parameters(model) == 30 * 8 + 2 * 4 * 6 * (8 + 6 + 2) + 12 * 2 + 2


@pytest.mark.parametrize("pooling", POOLINGS)
def test_empty_review_gives_finite_logits_and_gradients(pooling):
    torch.manual_seed(0)
    model = Classifier(Encoder(30, 8, 6, cell="lstm"), pooling=pooling)
    batch = pad_batch([[], [5, 6]])
    logits = model(batch.ids, batch.mask)
    assert torch.isfinite(logits).all()
    logits.sum().backward()
    assert all(torch.isfinite(p.grad).all() for p in model.parameters() if p.grad is not None)


@pytest.mark.parametrize("impl", ["torch", "ours"])
@pytest.mark.parametrize("pooling", POOLINGS)
def test_an_all_padding_row_pools_to_zeros_and_leaves_real_rows_as_they_were(impl, pooling):
    torch.manual_seed(0)
    encoder = Encoder(30, 8, 6, cell="gru", bidirectional=True, impl=impl)
    model = Classifier(encoder, pooling=pooling).eval()
    real = pad_batch([[5, 6, 7], [8, 9]])
    with_empty = pad_batch([[5, 6, 7], [], [8, 9]])
    outputs, state = model.encoder(with_empty.ids, with_empty.mask)  # (3, T, D·H)
    if pooling == "attention":
        pooled = model.attention(outputs, with_empty.mask)
    else:
        pooled = pool(outputs, encoder.last_hidden(state), with_empty.mask, pooling)  # (3, D·H)
    assert torch.equal(pooled[1], torch.zeros_like(pooled[1]))  # not -3.4e38 (max), no <pad> state
    logits = model(with_empty.ids, with_empty.mask)  # (3, 2)
    torch.testing.assert_close(logits[1], model.head.bias)  # zeros in: the head's bias out
    torch.testing.assert_close(logits[[0, 2]], model(real.ids, real.mask), atol=1e-6, rtol=0)


def test_max_pooling_of_real_rows_is_unchanged_by_the_empty_row_rule():
    outputs = torch.tensor([[[-5.0], [-3.0], [9.0]], [[1.0], [2.0], [3.0]]])  # (B=2, T=3, H=1)
    mask = torch.tensor([[True, True, False], [False, False, False]])
    last = torch.tensor([[-4.0], [8.0]])
    assert pool(outputs, last, mask, "max").tolist() == [[-3.0], [0.0]]  # a negative maximum stays
    assert pool(outputs, last, mask, "last").tolist() == [[-4.0], [0.0]]
    assert pool(outputs, last, None, "max").tolist() == [[9.0], [3.0]]  # no mask: all steps real


def test_unknown_cell_is_a_clear_error():
    with pytest.raises(ValueError, match="cell"):
        Encoder(10, 4, 4, cell="transformer")
