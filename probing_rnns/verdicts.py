"""Verdicts (판정) that chapters glue into their prose: Korean clauses computed from the numbers,
so that a sentence that compares ("높습니다", "구별되지 않습니다") turns when the data turn."""

from __future__ import annotations

from dataclasses import fields
from typing import Callable, Mapping


def changed_fields(a: object, b: object) -> set[str]:
    """The fields of two configs of one dataclass type whose values differ ("only X changes")."""
    if type(a) is not type(b):
        raise TypeError(f"different config types: {type(a).__name__}, {type(b).__name__}")
    return {f.name for f in fields(a) if getattr(a, f.name) != getattr(b, f.name)}  # type: ignore


def percent_points(x: float) -> str:
    """0.0123 → '1.23%p' (a difference of two accuracies)."""
    return f"{x * 100:.2f}%p"


def bleu_points(x: float) -> str:
    return f"{x:.2f} BLEU"


def side(gap: float) -> str:
    return "높습니다" if gap > 0 else "낮습니다" if gap < 0 else "같습니다"


def sample_gap(a: float, b: float, n: int) -> str:
    """'… 높습니다/낮습니다. …': accuracy a against b, both measured on the same n reviews, and
    whether the gap is beyond twice the standard error of a difference of two accuracies (at most
    √(2 · 0.25 / n), its value at p = 0.5)."""
    gap, band = a - b, 2 * (2 * 0.25 / n) ** 0.5
    noise = (
        "평가 표본의 우연만으로는 설명하기 어렵습니다"
        if abs(gap) > band
        else "이 표본으로는 구별되지 않습니다"
    )
    return (
        f"{abs(gap) * 100:.1f}%p {side(gap)}. 표준오차의 두 배({band * 100:.1f}%p)와 견주면 {noise}"
    )


def beyond_seeds(mean: Mapping[str, float], std: Mapping[str, float], a: str, b: str) -> int:
    """1 (or -1) when a's mean over seeds is above (below) b's by more than twice the larger of
    their standard deviations over seeds; 0 when the gap is within that band."""
    gap, band = mean[a] - mean[b], 2 * max(std[a], std[b])
    return 0 if abs(gap) <= band else 1 if gap > 0 else -1


def seed_gap(
    mean: Mapping[str, float],
    std: Mapping[str, float],
    a: str,
    b: str,
    points: Callable[[float], str] = percent_points,
) -> str:
    """'평균 … 높습니다/낮습니다. …와 견주면 …': model a against b by their means over seeds, and
    whether the gap is beyond twice the larger of their standard deviations over seeds."""
    gap, band = mean[a] - mean[b], 2 * max(std[a], std[b])
    noise = (
        "시드의 우연으로 보기 어렵습니다"
        if beyond_seeds(mean, std, a, b)
        else "이 예산에서는 구별되지 않습니다"
    )
    shown = points(abs(gap))
    # a gap that rounds to zero is not "0.00%p higher"
    head = (
        f"평균 {shown} {side(gap)}" if shown != points(0.0) else "평균은 표시한 자리까지 같습니다"
    )
    return f"{head}. 시드 사이 표준편차의 두 배({points(band)})와 견주면 {noise}"
