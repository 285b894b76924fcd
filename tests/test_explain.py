"""Token attributions (attention pooling weights, gradient × input) and translation candidates."""

import random
from dataclasses import replace

import pytest
import torch

from probing_rnns import explain, sentiment, translation
from probing_rnns.models import Classifier
from probing_rnns.sentiment import SavedClassifier
from probing_rnns.tokenizers import SyllableTokenizer
from probing_rnns.vocab import Vocab

TINY = replace(sentiment.LIVE, cell="gru", embed_dim=8, hidden_size=16, pooling="mean", dropout=0.0)
FILLER = list("가나다라마바")


def cue_reviews(n: int, seed: int = 0) -> tuple[list[list[str]], list[int]]:
    """Reviews of six filler syllables and one cue, "좋" (label 1) or "싫" (label 0), anywhere."""
    rng = random.Random(seed)
    reviews, labels = [], []
    for _ in range(n):
        tokens = [rng.choice(FILLER) for _ in range(6)]
        label = rng.randrange(2)
        tokens.insert(rng.randrange(7), "좋" if label else "싫")
        reviews.append(tokens)
        labels.append(label)
    return reviews, labels


@pytest.fixture(scope="module")
def cue_model() -> tuple[Classifier, Vocab]:
    """A tiny GRU that learned that only the cue matters (a few hundred steps, about a second)."""
    torch.manual_seed(0)
    reviews, labels = cue_reviews(512)
    vocab = Vocab.build(reviews)
    ids, y = torch.tensor([vocab.encode(r) for r in reviews]), torch.tensor(labels)  # (N, 7), (N,)
    model = sentiment.build_model(TINY, len(vocab))
    optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
    for step in range(300):
        batch = slice(step % 8 * 64, step % 8 * 64 + 64)
        loss = torch.nn.functional.cross_entropy(model(ids[batch]), y[batch])
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    return model.eval(), vocab


def test_saliency_signs_the_cue_by_its_label_and_mostly_ranks_it_first(cue_model):
    """Gradient × input is a first-order account: on a model that reads only the cue, the cue's
    value always points to its label and is on average the largest, yet a filler can outrank it (the
    first token often does), which is why the page calls it an approximation."""
    model, vocab = cue_model
    reviews, labels = cue_reviews(200, seed=1)
    first, cue_sizes, filler_sizes = 0, [], []
    for tokens, label in zip(reviews, labels):
        values = explain.gradient_x_input(model, torch.tensor([vocab.encode(tokens)]))  # (7,)
        cue = tokens.index("좋" if label else "싫")
        assert (values[cue] > 0) == bool(label)  # > 0 pushes toward 긍정
        toward_label = values if label else -values
        first += toward_label.argmax().item() == cue
        cue_sizes.append(values[cue].abs().item())
        filler_sizes += [v.abs().item() for i, v in enumerate(values) if i != cue]
    assert first > len(reviews) / 2
    assert sum(cue_sizes) / len(cue_sizes) > 2 * sum(filler_sizes) / len(filler_sizes)


def test_saliency_is_the_derivative_along_each_tokens_own_embedding(cue_model):
    """x_t · ∇_x_t f equals d/dε f(embedding_t · (1 + ε)) at ε = 0, by central differences."""
    trained, vocab = cue_model
    model = sentiment.build_model(TINY, len(vocab)).double().eval()  # float64: precise differences
    model.load_state_dict(trained.state_dict())
    ids = torch.tensor([vocab.encode(list("가좋나다라마바"))])
    values = explain.gradient_x_input(model, ids)

    def margin(t: int, eps: float) -> float:
        def scale(_m, _i, out):
            out = out.clone()
            out[:, t] *= 1 + eps
            return out

        hook = model.encoder.embedding.register_forward_hook(scale)
        with torch.no_grad():
            logits = model(ids)
        hook.remove()
        return (logits[0, 1] - logits[0, 0]).item()

    numeric = [(margin(t, 1e-6) - margin(t, -1e-6)) / 2e-6 for t in range(ids.shape[1])]
    assert values.tolist() == pytest.approx(numeric, rel=1e-5, abs=1e-7)


def saved(cfg: sentiment.Config, vocab: Vocab) -> SavedClassifier:
    torch.manual_seed(0)
    model = sentiment.build_model(cfg, len(vocab)).eval()
    return SavedClassifier("tiny", model, vocab, SyllableTokenizer(), cfg, {})


VOCAB = Vocab.build([SyllableTokenizer()("정말 재미있는 영화였다")])


def test_attention_pooling_weights_sum_to_one_over_the_tokens_read():
    model = saved(replace(TINY, pooling="attention", max_len=5), VOCAB)
    why = explain.explain_review(model, "정말 재미있는 영화")
    assert why.method == "attention" and why.tokens == list("정말▁재미")  # cut to max_len
    assert len(why.values) == 5 and min(why.values) > 0 and sum(why.values) == pytest.approx(1.0)


@pytest.mark.parametrize(
    "cfg",
    [
        TINY,
        replace(TINY, cell="lstm", bidirectional=True, pooling="last"),
        replace(TINY, cell="transformer", n_heads=2, ff_size=16),
    ],
)
def test_every_other_classifier_is_explained_by_saliency(cfg):
    why = explain.explain_review(saved(cfg, VOCAB), "재미있는 영화")
    assert why.method == "saliency" and len(why.values) == len(why.tokens) == 7
    assert any(v != 0 for v in why.values)


def test_an_empty_review_has_nothing_to_explain():
    with pytest.raises(ValueError, match="비어 있습니다"):
        explain.explain_review(saved(TINY, VOCAB), " \u200b ")


def tiny_translator(attention: str = "dot") -> translation.SavedTranslator:
    cfg = replace(
        translation.LIVE,
        src_tokenizer="syllable",
        embed_dim=8,
        hidden_size=8,
        attention=attention,
        max_output_len=6,
    )
    torch.manual_seed(0)
    src = Vocab.build([SyllableTokenizer()("나는 학생이다")])
    tgt = Vocab.build([["i", "am", "a", "student", "."]])
    model = translation.build_model(cfg, len(src), len(tgt)).eval()
    return translation.SavedTranslator("tiny", model, src, tgt, cfg, {})


def test_greedy_and_beam_candidates_come_with_their_scores_and_attention():
    saved_model = tiny_translator()
    view = explain.translate_candidates(
        saved_model, "나는 학생이다", beam_size=3, length_penalty=1.0
    )
    assert view.source_tokens == list("나는▁학생이다") and view.unknown_rate == 0
    assert len(view.beam) == 3 and [t.search for t in view.beam] == ["beam"] * 3
    assert [t.score for t in view.beam] == sorted((t.score for t in view.beam), reverse=True)
    src = torch.tensor([saved_model.src_vocab.encode(view.source_tokens)])
    for t in [view.greedy, *view.beam]:
        assert t.score == pytest.approx(t.log_prob / len(t.tokens) ** (t.search == "beam"))
        assert len(t.attention) == len(t.tokens)
        assert all(len(row) == len(view.source_tokens) for row in t.attention)
        assert all(sum(row) == pytest.approx(1) for row in t.attention)
        ids = [saved_model.tgt_vocab.stoi[w] for w in t.tokens]
        tgt = torch.tensor([[Vocab.bos_id, *ids]])
        with torch.no_grad():  # the pass that drew the attention gives the output its log p
            log_probs, _ = saved_model.model(src, torch.ones_like(src, dtype=torch.bool), tgt)
        log_p = log_probs[0].gather(1, tgt[0, 1:, None]).sum().item()
        assert log_p == pytest.approx(t.log_prob, abs=1e-4)


def test_beam_size_one_finds_the_greedy_output():
    view = explain.translate_candidates(tiny_translator(), "학생이다", beam_size=1)
    assert view.beam[0].tokens == view.greedy.tokens


def test_a_translator_without_attention_has_no_heatmap():
    view = explain.translate_candidates(tiny_translator("none"), "학생", beam_size=2)
    assert view.greedy.attention is None and all(t.attention is None for t in view.beam)


def test_unknown_source_tokens_are_counted_and_an_empty_sentence_refused():
    view = explain.translate_candidates(tiny_translator(), "나는 🎬", beam_size=2)
    assert view.unknown_rate == pytest.approx(1 / 4)
    with pytest.raises(ValueError, match="문장을 입력하세요"):
        explain.translate_candidates(tiny_translator(), "  ", beam_size=2)
