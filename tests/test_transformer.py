import math
from dataclasses import replace

import pytest
import torch
from torch import nn

from probing_rnns import decoding, sentiment, translation
from probing_rnns.batching import pad_batch
from probing_rnns.models import Classifier, count_parameters
from probing_rnns.transformer import (
    DecoderLayer,
    EncoderLayer,
    MultiheadAttention,
    TransformerEncoder,
    TransformerSeq2Seq,
    scaled_dot_product_attention,
    sinusoids,
)

E, N_HEADS, FF = 8, 2, 16
ATOL = 1e-5


def key_mask(lengths, T):
    """(B, T) True at the first `length` positions of each row."""
    return torch.arange(T)[None, :] < torch.tensor(lengths)[:, None]


def assert_same_gradients(ours: nn.Module, theirs: nn.Module, inputs: list[torch.Tensor]) -> None:
    """Every parameter of `ours` has the gradient of `theirs`'s same-named one; inputs have one."""
    grads = [dict(theirs.named_parameters())[name].grad for name, _ in ours.named_parameters()]
    for (name, p), g in zip(ours.named_parameters(), grads):
        torch.testing.assert_close(p.grad, g, atol=ATOL, rtol=0, msg=name)
    for x in inputs:
        assert x.grad is not None


def twin_inputs(*shapes):
    """Two copies of random inputs, one for each model, both requiring gradients."""
    torch.manual_seed(1)
    xs = [torch.randn(*s) for s in shapes]
    return [x.clone().requires_grad_() for x in xs], [x.clone().requires_grad_() for x in xs]


def test_scaled_dot_product_attention_matches_torch():
    torch.manual_seed(0)
    q = torch.randn(2, 3, 4, 5)  # (B, n, T, d)
    k, v = torch.randn(2, 3, 6, 5), torch.randn(2, 3, 6, 5)  # (B, n, S, d)
    mask = key_mask([6, 2], 6)[:, None, None, :]  # (B, 1, 1, S)
    ours, weights = scaled_dot_product_attention(q, k, v, mask)
    theirs = nn.functional.scaled_dot_product_attention(q, k, v, attn_mask=mask)
    torch.testing.assert_close(ours, theirs, atol=ATOL, rtol=0)
    assert weights[1, :, :, 2:].abs().max() == 0  # padding gets weight 0


@pytest.mark.parametrize("causal", [False, True])
def test_multihead_attention_matches_torch(causal):
    torch.manual_seed(0)
    theirs = nn.MultiheadAttention(E, N_HEADS, batch_first=True)
    ours = MultiheadAttention(E, N_HEADS)
    ours.load_state_dict(theirs.state_dict())
    (q1, m1), (q2, m2) = twin_inputs((3, 5, E), (3, 7, E))
    if causal:  # self-attention, causal; torch's attn_mask is True where a query may NOT look
        m1, m2, mask = q1, q2, key_mask([5, 3, 4], 5)
        causal_mask = torch.ones(5, 5, dtype=torch.bool).triu(1)
    else:
        mask, causal_mask = key_mask([7, 2, 4], 7), None
    out, weights = ours(q1, m1, m1, mask, causal=causal)
    ref, ref_weights = theirs(
        q2, m2, m2, key_padding_mask=~mask, attn_mask=causal_mask, average_attn_weights=False
    )
    torch.testing.assert_close(out, ref, atol=ATOL, rtol=0)
    torch.testing.assert_close(weights, ref_weights, atol=ATOL, rtol=0)
    out.square().sum().backward()
    ref.square().sum().backward()
    assert_same_gradients(ours, theirs, [q1])
    torch.testing.assert_close(q1.grad, q2.grad, atol=ATOL, rtol=0)


def test_encoder_layer_matches_torch():
    torch.manual_seed(0)
    theirs = nn.TransformerEncoderLayer(
        E, N_HEADS, FF, dropout=0.0, norm_first=True, batch_first=True
    )
    ours = EncoderLayer(E, N_HEADS, FF)
    ours.load_state_dict(theirs.state_dict())
    (x1,), (x2,) = twin_inputs((3, 6, E))
    mask = key_mask([6, 1, 4], 6)
    out, _ = ours(x1, mask)
    ref = theirs(x2, src_key_padding_mask=~mask)
    torch.testing.assert_close(out, ref, atol=ATOL, rtol=0)
    out.square().sum().backward()
    ref.square().sum().backward()
    assert_same_gradients(ours, theirs, [x1])
    torch.testing.assert_close(x1.grad, x2.grad, atol=ATOL, rtol=0)


def test_decoder_layer_matches_torch():
    torch.manual_seed(0)
    theirs = nn.TransformerDecoderLayer(
        E, N_HEADS, FF, dropout=0.0, norm_first=True, batch_first=True
    )
    ours = DecoderLayer(E, N_HEADS, FF)
    ours.load_state_dict(theirs.state_dict())
    (x1, m1), (x2, m2) = twin_inputs((3, 5, E), (3, 7, E))
    src_mask = key_mask([7, 2, 5], 7)
    out = ours(x1, m1, src_mask)
    causal = nn.Transformer.generate_square_subsequent_mask(5)  # -inf above the diagonal
    ref = theirs(x2, m2, tgt_mask=causal, memory_key_padding_mask=~src_mask)
    torch.testing.assert_close(out, ref, atol=ATOL, rtol=0)
    out.square().sum().backward()
    ref.square().sum().backward()
    assert_same_gradients(ours, theirs, [x1, m1])
    torch.testing.assert_close(x1.grad, x2.grad, atol=ATOL, rtol=0)
    torch.testing.assert_close(m1.grad, m2.grad, atol=ATOL, rtol=0)


def test_sinusoids_follow_the_formula():
    table = sinusoids(50, 6)  # (P, E)
    p, i = 37, 2  # position and pair index: columns 2i and 2i+1
    angle = p / 10000 ** (2 * i / 6)
    torch.testing.assert_close(table[p, 2 * i], torch.tensor(math.sin(angle)))
    torch.testing.assert_close(table[p, 2 * i + 1], torch.tensor(math.cos(angle)))
    assert table[0, 0::2].abs().max() == 0 and (table[0, 1::2] == 1).all()


def encoder(positional: str) -> TransformerEncoder:
    torch.manual_seed(0)
    model = TransformerEncoder(20, E, N_HEADS, FF, num_layers=2, max_len=16, positional=positional)
    return model.eval()


@pytest.mark.parametrize("positional", ["sinusoidal", "learned", "none"])
def test_encoder_ignores_padding_side_when_masked(positional):
    model, results = encoder(positional), []
    for side in ("left", "right"):
        batch = pad_batch([[4, 5, 6, 7, 8], [9, 3], [5, 5, 2]], padding_side=side)
        outputs, state = model(batch.ids, batch.mask)
        results.append((outputs[batch.mask], model.last_hidden(state)))
    for a, b in zip(*results):
        torch.testing.assert_close(a, b, atol=ATOL, rtol=0)


@pytest.mark.parametrize(
    "positional, invariant", [("none", True), ("sinusoidal", False), ("learned", False)]
)
def test_without_positions_a_review_is_a_bag_of_tokens(positional, invariant):
    classifier = Classifier(encoder(positional), pooling="mean").eval()
    ids = torch.tensor([[4, 5, 6, 7, 8, 9]])  # (1, T)
    shuffled = ids[:, torch.tensor([3, 0, 5, 1, 4, 2])]
    same = torch.allclose(classifier(ids), classifier(shuffled), atol=ATOL, rtol=0)
    assert same == invariant


def seq2seq() -> TransformerSeq2Seq:
    torch.manual_seed(0)
    return TransformerSeq2Seq(11, 13, E, N_HEADS, FF, num_layers=2, max_len=16).eval()


def test_cached_steps_equal_a_full_causal_pass():
    model = seq2seq()
    src, src_mask = torch.randint(4, 11, (2, 6)), key_mask([6, 3], 6)
    tgt = torch.randint(4, 13, (2, 7))  # (K, T)
    full, _, _ = model.decode(tgt, model.encode(src, src_mask))  # (K, T, V)
    state, steps = model.encode(src, src_mask), []
    for t in range(tgt.shape[1]):
        log_probs, state = model.step(tgt[:, t], state)  # (K, V)
        steps.append(log_probs)
    torch.testing.assert_close(torch.stack(steps, 1), full, atol=ATOL, rtol=0)
    assert state[0][0][0].shape[2] == tgt.shape[1]  # the cache holds every target token read


def test_source_padding_changes_nothing():
    model, src = seq2seq(), torch.tensor([[4, 5, 6]])
    padded = torch.tensor([[4, 5, 6, 0, 0]])
    tgt = torch.tensor([[1, 7, 8, 2]])
    a, _ = model(src, torch.ones_like(src, dtype=torch.bool), tgt)
    b, _ = model(padded, padded != 0, tgt)
    torch.testing.assert_close(a, b, atol=ATOL, rtol=0)


def test_beam_search_runs_unchanged_on_the_cache():
    model, src = seq2seq(), torch.tensor([[4, 5, 6, 7]])
    with torch.no_grad():
        state = model.encode(src, torch.ones_like(src, dtype=torch.bool))
        greedy = decoding.greedy(model.step, state, 1, 2, max_len=8)
        beam1 = decoding.beam_search(model.step, state, 1, 2, beam_size=1, max_len=8)[0]
        beams = decoding.beam_search(model.step, state, 1, 2, beam_size=4, max_len=8, n_best=4)
        exact = decoding.exhaustive_search(model.step, state, 1, 2, max_len=3)[0]
        beam_wide = decoding.beam_search(model.step, state, 1, 2, beam_size=13**3, max_len=3)[0]
    assert beam1.tokens == greedy.tokens
    assert beams[0].score >= greedy.score - 1e-6
    assert [h.score for h in beams] == sorted((h.score for h in beams), reverse=True)
    for h in beams:  # each hypothesis's log-prob is what a full causal pass gives its tokens
        tgt = torch.tensor([[1, *h.tokens]])
        log_probs, _ = model(src, torch.ones_like(src, dtype=torch.bool), tgt)  # (1, T-1, V)
        rescored = log_probs[0].gather(1, tgt[0, 1:, None]).sum().item()
        assert rescored == pytest.approx(h.log_prob, abs=1e-4)
    assert beam_wide.tokens == exact.tokens  # a beam as wide as every sequence is exact


def test_only_teacher_forcing():
    model, src = seq2seq(), torch.tensor([[4, 5]])
    with pytest.raises(ValueError, match="teacher forcing"):
        model(src, src != 0, torch.tensor([[1, 4, 2]]), teacher_forcing=0.5)


def test_an_empty_review_gives_finite_logits_and_gradients():
    classifier = Classifier(encoder("sinusoidal"), pooling="mean")
    batch = pad_batch([[4, 5, 6], []])  # the second review has no token: every key is masked
    logits = classifier(batch.ids, batch.mask)  # (B, C)
    logits.sum().backward()
    assert torch.isfinite(logits).all()
    assert all(torch.isfinite(p.grad).all() for p in classifier.parameters() if p.grad is not None)


def test_sentiment_config_builds_a_transformer_the_size_of_the_lstm():
    transformer = replace(sentiment.LIVE, cell="transformer", pooling="mean")
    sizes = [
        count_parameters(sentiment.build_model(cfg, 1_000)) for cfg in (sentiment.LIVE, transformer)
    ]
    assert isinstance(sentiment.build_model(transformer, 1_000).encoder, TransformerEncoder)
    assert abs(sizes[1] - sizes[0]) / sizes[0] < 0.01  # one layer of width 128 and feed-forward 256


def test_translation_config_builds_a_transformer_that_translates():
    torch.manual_seed(0)
    model = translation.build_model(replace(translation.LIVE, cell="transformer"), 30, 40)
    assert isinstance(model, TransformerSeq2Seq)
    longest = translation.LIVE.max_output_len  # every position up to it has an encoding
    greedy = translation.translate_ids(model, [5, 6, 7], max_len=longest)
    beam = translation.translate_ids(model, [5, 6, 7], beam_size=3, max_len=longest)
    assert len(greedy) <= longest and len(beam) <= longest
