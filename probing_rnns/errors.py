"""Error analysis (오류 분석): which reviews a sentiment classifier gets wrong, and which no
classifier can get right.

Predictions come in a loader's order (`sentiment.predict`); `in_loader_order` puts the texts in the
same order. Subsets of the test set are boolean masks (N,), built from the texts (`contains_any`,
`matches`) or from the predictions themselves (e.g. `pred.lengths <= 5`), and measured with
`subset_accuracy`.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from typing import Iterable, Sequence, TypeVar

import torch
from torch import Tensor

from probing_rnns.data import Review
from probing_rnns.sentiment import Predictions

LABEL_NAMES = ("부정", "긍정")  # label 0, label 1
T = TypeVar("T")


def in_loader_order(items: Sequence[T], loader) -> list[T]:
    """`items` (in dataset order) rearranged into the order an *unshuffled* loader yields them.

    `sentiment.predict` returns predictions in the loader's order, which `bucket=True` sorts by
    length.
    """
    return [items[i] for batch in loader.batch_sampler for i in batch]


def confident_mistakes(texts: Sequence[str], pred: Predictions, k: int = 10) -> list[dict]:
    """The `k` wrong predictions the model was surest of, surest first; `texts[i]` belongs to
    prediction i."""
    # (N,) probability of the predicted class
    confidence = torch.maximum(pred.probs, 1 - pred.probs)
    wrong = (~pred.correct).nonzero().flatten()  # (M,) indices of the mistakes
    surest = wrong[confidence[wrong].argsort(descending=True, stable=True)][:k]
    return [
        {
            "리뷰": texts[i],
            "정답": LABEL_NAMES[int(pred.labels[i])],
            "긍정 확률": pred.probs[i].item(),
        }
        for i in surest.tolist()
    ]


def subset_accuracy(pred: Predictions, selected: Tensor) -> dict:
    """Accuracy on the reviews where `selected` (N,) is True, with its standard error √(p(1−p)/n).

    An empty subset gives n = 0 and None for the rest (JSON-safe, no NaN).
    """
    hits = pred.correct[selected]  # (n,)
    n = int(hits.numel())
    if n == 0:
        return {"리뷰 수": 0, "정확도": None, "표준오차": None}
    p = hits.float().mean().item()
    return {"리뷰 수": n, "정확도": p, "표준오차": math.sqrt(p * (1 - p) / n)}


def difference_from_rest(pred: Predictions, selected: Tensor, within: Tensor | None = None) -> dict:
    """Subset accuracy minus the accuracy on the other reviews, with the standard error of that
    difference.

    With `within` (N,) bool, both sides are restricted to it (e.g. `selected` among negative reviews
    only). None for both when the subset or the rest is empty. |차이| > 2 × 표준오차 is a difference
    worth reporting.
    """
    within = torch.ones_like(selected) if within is None else within
    inside, rest = (
        subset_accuracy(pred, selected & within),
        subset_accuracy(pred, ~selected & within),
    )
    if inside["리뷰 수"] == 0 or rest["리뷰 수"] == 0:
        return {"차이": None, "표준오차": None}
    return {
        "차이": inside["정확도"] - rest["정확도"],
        "표준오차": math.hypot(inside["표준오차"], rest["표준오차"]),
    }


def contains_any(texts: Sequence[str], patterns: Iterable[str]) -> Tensor:
    """(N,) bool: the text contains at least one of the substrings `patterns`."""
    patterns = list(patterns)
    return torch.tensor([any(p in text for p in patterns) for text in texts], dtype=torch.bool)


def matches(texts: Sequence[str], pattern: str) -> Tensor:
    """(N,) bool: the regular expression `pattern` is found somewhere in the text."""
    compiled = re.compile(pattern)
    return torch.tensor([compiled.search(text) is not None for text in texts], dtype=torch.bool)


def _label_counts(reviews: Iterable[Review]) -> dict[str, Counter]:
    """text → how many times it occurs with each label."""
    counts: dict[str, Counter] = {}
    for r in reviews:
        counts.setdefault(r.text, Counter())[r.label] += 1
    return counts


def conflicting_duplicates(reviews: Iterable[Review]) -> list[dict]:
    """Texts that occur with both labels (label noise), most frequent first, with how often each
    label occurs."""
    both = [
        {"리뷰": text, "부정": c[0], "긍정": c[1]}
        for text, c in _label_counts(reviews).items()
        if c[0] and c[1]
    ]
    return sorted(both, key=lambda row: (-(row["부정"] + row["긍정"]), row["리뷰"]))


def accuracy_ceiling(reviews: Sequence[Review]) -> float:
    """The best accuracy any classifier that reads only the text can reach on `reviews`.

    A text that occurs n₀ times as negative and n₁ times as positive gets one answer: at most
    max(n₀, n₁) right. Only exact duplicates count, so this is an upper bound: the true ceiling can
    only be lower.
    """
    if not reviews:
        raise ValueError("no reviews: the ceiling of an empty set is undefined")
    return sum(max(c.values()) for c in _label_counts(reviews).values()) / len(reviews)
