"""Probes: measurements that answer the book's questions about trained models."""

from __future__ import annotations

from typing import TYPE_CHECKING, Sequence

import torch
from torch import Tensor
from torch.nn import functional as F

from probing_rnns.models import Classifier

if TYPE_CHECKING:  # sentiment imports this module to measure every run
    from probing_rnns.sentiment import Predictions


def accuracy_by_length(pred: Predictions, edges: Sequence[int]) -> list[dict]:
    """Accuracy per review-length bucket [edges[i], edges[i+1]) in tokens; None for an empty bucket (JSON-safe)."""
    correct = (pred.probs >= 0.5).long() == pred.labels
    rows = []
    for low, high in zip(edges[:-1], edges[1:]):
        inside = (pred.lengths >= low) & (pred.lengths < high)
        n = int(inside.sum())
        rows.append({"길이": f"{low}–{high - 1}", "리뷰 수": n,
                     "정확도": correct[inside].float().mean().item() if n else None})
    return rows


def gradient_norms_by_position(model: Classifier, ids: Tensor, labels: Tensor) -> Tensor:
    """How much learning signal reaches each input step: the mean over reviews of ‖∂loss/∂x_t‖, shape (T,).

    x_t is the input embedding at step t. `ids` (B, T) must be reviews of one length with no padding,
    so step T-1 is every review's last token and T-1-t is the distance from the end. Each review's loss
    is its own cross-entropy (summed, not averaged, over the batch), so the result does not depend on B.
    Dropout is off while measuring; parameters' `.grad` are left untouched.
    """
    embedded: list[Tensor] = []
    hook = model.encoder.embedding.register_forward_hook(lambda module, inputs, output: embedded.append(output))
    was_training = model.training
    model.eval()
    try:
        with torch.enable_grad():
            logits = model(ids)  # (B, C); no mask: every step is a real token
            loss = F.cross_entropy(logits, labels, reduction="sum")
            (grad,) = torch.autograd.grad(loss, embedded[0])  # (B, T, E)
    finally:
        hook.remove()
        model.train(was_training)
    return grad.double().norm(dim=-1).mean(dim=0)  # (T,); float64, or squares below 1e-38 would round to 0
