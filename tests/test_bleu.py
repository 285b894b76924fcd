import math
import random

import pytest
import sacrebleu

from probing_rnns.bleu import BleuScore, brevity_penalty, corpus_bleu, ngram_counts, sentence_bleu

VOCAB = ["가", "나", "다", "라", "마", "바"]  # small, so n-grams match often


def _random_tokens(rng: random.Random, max_len: int = 15) -> list[str]:
    return [rng.choice(VOCAB) for _ in range(rng.randint(0, max_len))]


def _assert_same(ours: BleuScore, theirs) -> None:
    assert ours.score == pytest.approx(theirs.score, abs=1e-6)
    assert ours.brevity_penalty == pytest.approx(theirs.bp, abs=1e-6)
    assert ours.precisions == pytest.approx(theirs.precisions, abs=1e-6)
    assert (ours.hyp_len, ours.ref_len) == (theirs.sys_len, theirs.ref_len)
    assert (ours.counts, ours.totals) == (list(theirs.counts), list(theirs.totals))


def _sacre_corpus(hyps, refs):
    return sacrebleu.corpus_bleu(
        [" ".join(h) for h in hyps], [[" ".join(r) for r in refs]], tokenize="none"
    )


def _sacre_sentence(hyp, ref):
    return sacrebleu.sentence_bleu(" ".join(hyp), [" ".join(ref)], tokenize="none")


@pytest.mark.parametrize("seed", range(300))
def test_corpus_bleu_matches_sacrebleu(seed):
    rng = random.Random(seed)
    n_sents = rng.randint(1, 6)
    max_len = rng.choice([3, 6, 15])  # short corpora exercise orders with no n-grams at all
    hyps = [_random_tokens(rng, max_len) for _ in range(n_sents)]
    refs = [_random_tokens(rng, max_len) for _ in range(n_sents)]
    _assert_same(corpus_bleu(hyps, refs), _sacre_corpus(hyps, refs))


@pytest.mark.parametrize("seed", range(300))
def test_sentence_bleu_matches_sacrebleu(seed):
    rng = random.Random(1000 + seed)
    hyp, ref = _random_tokens(rng), _random_tokens(rng)
    _assert_same(sentence_bleu(hyp, ref), _sacre_sentence(hyp, ref))


EDGE_CASES = [
    ([], []),  # empty hypothesis and reference
    ([], ["가", "나"]),  # empty hypothesis
    (["가", "나"], []),  # empty reference
    (["가"], ["가"]),  # too short for 2-grams
    (["가", "나", "다"], ["가", "나", "다"]),  # too short for 4-grams
    # much longer than the reference
    (["가", "나", "다", "라", "마", "바", "가", "나"], ["가", "나"]),
    (["가", "나", "가", "나"], ["나", "가", "나", "가"]),  # 1–3-grams match, 4-grams don't
]


@pytest.mark.parametrize("hyp, ref", EDGE_CASES)
def test_edge_cases_match_sacrebleu(hyp, ref):
    _assert_same(sentence_bleu(hyp, ref), _sacre_sentence(hyp, ref))
    _assert_same(corpus_bleu([hyp], [ref]), _sacre_corpus([hyp], [ref]))


def test_ngram_counts():
    assert ngram_counts(["a", "b", "a", "b"], 2) == {("a", "b"): 2, ("b", "a"): 1}
    assert ngram_counts(["a"], 2) == {}


def test_identical_sentence_scores_100():
    tokens = "the cat sat on the mat".split()
    result = corpus_bleu([tokens], [tokens])
    assert result.score == pytest.approx(100.0)
    assert result.precisions == [100.0] * 4 and result.brevity_penalty == 1.0


def test_no_overlap_scores_0():
    result = corpus_bleu([["a", "b", "c", "d"]], [["w", "x", "y", "z"]])
    # no smoothing when nothing matches
    assert result.score == 0.0 and result.precisions == [0.0] * 4


def test_clipping_and_brevity_penalty_by_hand():
    # 'the' occurs 4 times but the reference has it once: 1/4 unigrams match; the hypothesis
    # is longer than the reference, so no brevity penalty
    result = sentence_bleu("the the the the".split(), "the cat".split())
    assert result.counts == [1, 0, 0, 0] and result.totals == [4, 3, 2, 1]
    # 'exp' smoothing: the k-th order without matches gets precision 100 / (2**k * total)
    assert result.precisions == pytest.approx([25.0, 100 / (2 * 3), 100 / (4 * 2), 100 / (8 * 1)])
    assert result.brevity_penalty == 1.0
    assert result.score == pytest.approx((25.0 * 100 / 6 * 100 / 8 * 100 / 8) ** 0.25)
    # 2 words against 4 in the reference: BP = exp(1 - 4/2)
    assert brevity_penalty(2, 4) == pytest.approx(math.exp(-1))
    assert brevity_penalty(0, 4) == 0.0 and brevity_penalty(5, 4) == 1.0


def test_corpus_bleu_sums_statistics_instead_of_averaging_sentences():
    hyps = [["a", "b", "c", "d"], ["x"]]
    refs = [["a", "b", "c", "d"], ["y"]]
    result = corpus_bleu(hyps, refs)
    assert result.counts == [4, 3, 2, 1] and result.totals == [5, 3, 2, 1]
    assert result.score == pytest.approx(100 * 0.8**0.25)


def test_short_corpus_scores_0_but_sentence_uses_effective_order():
    # three tokens have no 4-grams: corpus BLEU is 0, sentence BLEU averages over n = 1..3
    tokens = ["a", "b", "c"]
    assert corpus_bleu([tokens], [tokens]).score == 0.0
    assert sentence_bleu(tokens, tokens).score == pytest.approx(100.0)


def test_mismatched_lengths_raise():
    with pytest.raises(ValueError, match="2 hypotheses but 1 references"):
        corpus_bleu([["a"], ["b"]], [["a"]])
