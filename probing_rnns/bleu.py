"""BLEU (Papineni et al., 2002), written from scratch.

BLEU counts how many of a hypothesis's n-grams (n = 1..4) also occur in its reference,
crediting each n-gram at most as often as the reference has it (clipping). Matches and
totals are summed over the whole corpus, the four precisions are combined by a geometric
mean, and a brevity penalty punishes output shorter than the references. Zero counts are
handled exactly as in sacrebleu's defaults (smoothing 'exp'), so the scores agree with it.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass
from typing import Sequence


@dataclass
class BleuScore:
    """A score on sacrebleu's 0–100 scale, with the statistics it was computed from."""

    score: float
    precisions: list[float]  # in %, one per n = 1..max_n
    brevity_penalty: float
    hyp_len: int
    ref_len: int
    counts: list[int]  # clipped n-gram matches, one per n
    totals: list[int]  # hypothesis n-grams, one per n


def ngram_counts(tokens: Sequence[str], n: int) -> Counter:
    """How often each n-gram (a tuple of n tokens) occurs in `tokens`."""
    return Counter(tuple(tokens[i : i + n]) for i in range(len(tokens) - n + 1))


def _match_stats(hyp: Sequence[str], ref: Sequence[str], max_n: int) -> tuple[list[int], list[int]]:
    """Clipped matches and hypothesis n-gram totals for n = 1..max_n."""
    counts, totals = [], []
    for n in range(1, max_n + 1):
        hyp_ngrams, ref_ngrams = ngram_counts(hyp, n), ngram_counts(ref, n)
        # 클리핑 (clipping): `&` keeps min(hypothesis count, reference count) per n-gram
        counts.append(sum((hyp_ngrams & ref_ngrams).values()))
        totals.append(sum(hyp_ngrams.values()))
    return counts, totals


def brevity_penalty(hyp_len: int, ref_len: int) -> float:
    """간결성 벌점 (brevity penalty): exp(1 - r/c) when the output is shorter than the reference."""
    if hyp_len >= ref_len:
        return 1.0
    return math.exp(1 - ref_len / hyp_len) if hyp_len > 0 else 0.0


def _score(
    counts: list[int], totals: list[int], hyp_len: int, ref_len: int, effective_order: bool
) -> BleuScore:
    """Combine the statistics into BLEU, mirroring sacrebleu's `BLEU.compute_bleu`."""
    bp = brevity_penalty(hyp_len, ref_len)
    precisions = [0.0] * len(counts)
    if not any(counts):  # nothing matched at all: BLEU is 0 and so are all precisions
        return BleuScore(0.0, precisions, bp, hyp_len, ref_len, counts, totals)
    halvings = 1.0  # 평활화 (smoothing) 'exp': each n with no match gets 1/2, 1/4, ... of a match
    for n, (matched, total) in enumerate(zip(counts, totals)):
        if total == 0:  # hypotheses too short to have any n-grams of this order (or longer)
            break
        if matched == 0:
            halvings *= 2
            precisions[n] = 100.0 / (halvings * total)
        else:  # 수정된 n-그램 정밀도 (modified n-gram precision)
            precisions[n] = 100.0 * matched / total
    # effective order (sentence BLEU): average only over orders the hypothesis has n-grams of
    used = precisions[: sum(t > 0 for t in totals)] if effective_order else precisions
    if 0.0 in used:  # an order without n-grams makes the geometric mean 0
        return BleuScore(0.0, precisions, bp, hyp_len, ref_len, counts, totals)
    # 기하 평균 (geometric mean) of the precisions, times the brevity penalty
    score = bp * math.exp(sum(math.log(p) for p in used) / len(used))
    return BleuScore(score, precisions, bp, hyp_len, ref_len, counts, totals)


def corpus_bleu(
    hypotheses: Sequence[Sequence[str]], references: Sequence[Sequence[str]], max_n: int = 4
) -> BleuScore:
    """말뭉치 (corpus) BLEU with one tokenized reference per tokenized hypothesis."""
    if len(hypotheses) != len(references):
        raise ValueError(
            f"got {len(hypotheses)} hypotheses but {len(references)} references; "
            "need one reference each"
        )
    counts, totals = [0] * max_n, [0] * max_n
    for hyp, ref in zip(hypotheses, references):
        c, t = _match_stats(hyp, ref, max_n)
        counts = [a + b for a, b in zip(counts, c)]
        totals = [a + b for a, b in zip(totals, t)]
    hyp_len = sum(len(h) for h in hypotheses)
    ref_len = sum(len(r) for r in references)
    return _score(counts, totals, hyp_len, ref_len, effective_order=False)


def sentence_bleu(hypothesis: Sequence[str], reference: Sequence[str], max_n: int = 4) -> BleuScore:
    """BLEU of one sentence; like sacrebleu, it averages only over orders the hypothesis is long
    enough for."""
    counts, totals = _match_stats(hypothesis, reference, max_n)
    return _score(counts, totals, len(hypothesis), len(reference), effective_order=True)
