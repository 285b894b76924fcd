"""Probes: measurements that answer the book's questions about trained models."""

from __future__ import annotations

from typing import Sequence

import torch

from probing_rnns.sentiment import Predictions


def accuracy_by_length(pred: Predictions, edges: Sequence[int]) -> list[dict]:
    """Accuracy per review-length bucket [edges[i], edges[i+1]) in tokens."""
    correct = (pred.probs >= 0.5).long() == pred.labels
    rows = []
    for low, high in zip(edges[:-1], edges[1:]):
        inside = (pred.lengths >= low) & (pred.lengths < high)
        n = int(inside.sum())
        rows.append({"길이": f"{low}–{high - 1}", "리뷰 수": n,
                     "정확도": correct[inside].float().mean().item() if n else float("nan")})
    return rows
