"""One training loop for every model in the book: AdamW, warm-up, clipping, early stopping, checkpoints."""

from __future__ import annotations

import copy
import random
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Callable, Iterable

import numpy as np
import torch
from torch import nn
from tqdm import tqdm


def set_seed(seed: int) -> None:
    """Seed Python, NumPy and PyTorch: the same seed on the CPU gives the same numbers."""
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


@dataclass
class TrainConfig:
    """Optimisation hyperparameters; task configs add their data and model fields to these."""

    epochs: int = 5
    batch_size: int = 128
    lr: float = 2e-3
    weight_decay: float = 0.01
    clip: float | None = 1.0  # max gradient norm (기울기 클리핑); None = off
    warmup_steps: int = 0  # linear learning-rate warm-up (웜업) over this many steps
    patience: int = 2  # stop after this many epochs without a better validation score
    seed: int = 0


LossFn = Callable[[nn.Module, Any], torch.Tensor]  # (model, batch) -> scalar loss
ScoreFn = Callable[[nn.Module, Iterable], float]  # (model, loader) -> validation score, higher is better


def fit(
    model: nn.Module,
    train_loader: Iterable,
    val_loader: Iterable,
    cfg: TrainConfig,
    loss_fn: LossFn,
    score_fn: ScoreFn,
    progress: bool = True,
) -> list[dict]:
    """Train `model`, keep the weights of the best validation epoch, and return one record per epoch."""
    optimizer = torch.optim.AdamW(model.parameters(), lr=cfg.lr, weight_decay=cfg.weight_decay)
    warmup = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda step: min(1.0, (step + 1) / cfg.warmup_steps) if cfg.warmup_steps else 1.0
    )
    history: list[dict] = []
    best_score, best_state, waited = -float("inf"), copy.deepcopy(model.state_dict()), 0
    for epoch in range(1, cfg.epochs + 1):
        model.train()
        start, losses = time.perf_counter(), []
        for batch in tqdm(train_loader, desc=f"에폭 {epoch}/{cfg.epochs}", disable=not progress, leave=False):
            loss = loss_fn(model, batch)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            if cfg.clip:
                nn.utils.clip_grad_norm_(model.parameters(), cfg.clip)
            optimizer.step()
            warmup.step()
            losses.append(loss.item())
        train_seconds = time.perf_counter() - start
        score = score_fn(model, val_loader)
        history.append({"epoch": epoch, "train_loss": float(np.mean(losses)), "val_score": score, "train_seconds": train_seconds})
        if score > best_score:
            best_score, best_state, waited = score, copy.deepcopy(model.state_dict()), 0
        else:
            waited += 1
            if waited >= cfg.patience:
                break
    model.load_state_dict(best_state)
    return history


def save_checkpoint(path: str | Path, model: nn.Module, cfg: TrainConfig, **extra: Any) -> None:
    """Weights, the full config and anything else needed to rebuild the model (e.g. the vocabulary)."""
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    torch.save({"config": asdict(cfg), "config_class": type(cfg).__name__, "model": model.state_dict(), **extra}, path)


def load_checkpoint(path: str | Path) -> dict:
    return torch.load(path, map_location="cpu", weights_only=False)
