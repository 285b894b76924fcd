"""One training loop for every model in the book: AdamW, warm-up and schedules, clipping, early
stopping, checkpoints."""

from __future__ import annotations

import copy
import math
import random
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Callable, Iterable, Sequence

import numpy as np
import torch
from torch import nn
from tqdm import tqdm

from probing_rnns import devices, distributed


def set_seed(seed: int) -> None:
    """Seed Python, NumPy and PyTorch: the same seed on the CPU gives the same numbers."""
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


@dataclass(frozen=True)
class TrainConfig:
    """Optimisation hyperparameters; task configs add their data and model fields to these."""

    epochs: int = 5
    batch_size: int = 128
    lr: float = 2e-3
    weight_decay: float = 0.01
    clip: float | None = 1.0  # max gradient norm (기울기 클리핑); None = off
    warmup_steps: int = 0  # linear learning-rate warm-up (웜업) over this many steps
    # after warm-up: "constant", "linear" or "cosine" decay to 0 (학습률 스케줄)
    schedule: str = "constant"
    patience: int = 2  # stop after this many epochs without a better validation score
    seed: int = 0
    # record every step's gradient norm (before clipping) in the history
    track_grad_norm: bool = False
    device: str = "auto"  # "auto" (CUDA if there is a GPU, else the CPU), "cpu", "cuda", "cuda:1"
    amp: bool = False  # bf16 mixed precision on a CUDA GPU that has it; elsewhere ignored (a note)


SCHEDULES = ("constant", "linear", "cosine")


def lr_factor(
    step: int, total_steps: int, warmup_steps: int = 0, schedule: str = "constant"
) -> float:
    """The multiplier of the base learning rate for optimizer step `step` (0-based) of
    `total_steps`.

    Warm-up rises linearly to 1 at step warmup_steps - 1; then "constant" stays at 1, while "linear"
    and "cosine" decay from 1 (at step warmup_steps) to 0 (at step total_steps, just after the last
    step).
    """
    if schedule not in SCHEDULES:
        raise ValueError(f"unknown schedule {schedule!r}; choose one of {', '.join(SCHEDULES)}")
    if step < warmup_steps:
        return (step + 1) / warmup_steps
    # 0 → 1 after warm-up
    progress = min(1.0, (step - warmup_steps) / max(1, total_steps - warmup_steps))
    if schedule == "linear":
        return 1.0 - progress
    if schedule == "cosine":
        return 0.5 * (1.0 + math.cos(math.pi * progress))
    return 1.0


LossFn = Callable[[nn.Module, Any], torch.Tensor]  # (model, batch) -> scalar loss
# (model, loader) -> validation score, higher is better
ScoreFn = Callable[[nn.Module, Iterable], float]


@dataclass(frozen=True)
class Step:
    """What `fit` tells its callbacks after each optimizer step."""

    epoch: int  # 1-based
    step: int  # 0-based, counted over all epochs
    loss: float  # the batch's training loss (under torchrun: this rank's share)
    lr: float  # the learning rate the step used
    grad_norm: float | None  # the norm before clipping; None when neither clipping nor tracking it


class Callback:
    """Watches `fit` without changing it (as minGPT's trainer callbacks): override the hooks needed.

    `on_step` runs after every optimizer step, `on_epoch` after every epoch with the epoch's history
    record (the dict `fit` returns in its list). Under torchrun every rank calls them.
    """

    def on_step(self, step: Step) -> None:
        pass

    def on_epoch(self, record: dict) -> None:
        pass


class StepLog(Callback):
    """Keeps every step `fit` reports, in order: `log.steps`, e.g. each step's loss for a plot."""

    def __init__(self) -> None:
        self.steps: list[Step] = []

    def on_step(self, step: Step) -> None:
        self.steps.append(step)


def fit(
    model: nn.Module,
    train_loader: Iterable,  # with a length: len(train_loader) steps per epoch
    val_loader: Iterable,
    cfg: TrainConfig,
    loss_fn: LossFn,
    score_fn: ScoreFn,
    progress: bool = True,
    callbacks: Sequence[Callback] = (),
) -> list[dict]:
    """Train `model`, keep the weights of the best validation epoch, and return one record per
    epoch.

    The learning rate follows `lr_factor` over epochs × len(train_loader) steps. With
    `cfg.track_grad_norm` each record also has "grad_norms": the gradient norm of every step of the
    epoch, before clipping. `callbacks` see every step and every epoch (see `Callback`); they cannot
    change the training. Under torchrun every rank trains on its share of each batch (see
    `probing_rnns.distributed`). The model trains on `cfg.device` (`devices.resolve_device`; each
    batch is moved there before `loss_fn` sees it) and goes back where it was when training ends, so
    a chapter that trained on a Colab GPU can feed the model CPU tensors as before. With `cfg.amp`
    on a CUDA GPU the forward pass runs in bf16 autocast.
    """
    device, home = devices.resolve_device(cfg.device), devices.device_of(model)
    use_amp = devices.amp_enabled(device, cfg.amp)
    devices.to_device(model, device)
    # Under torchrun: `model` wrapped in DDP, this rank's shards of the batches and the loss
    # weighted by shard size. In one process the three come back unchanged.
    train_model, train_loader, loss_fn = distributed.prepare(model, train_loader, loss_fn)
    optimizer = torch.optim.AdamW(model.parameters(), lr=cfg.lr, weight_decay=cfg.weight_decay)
    total_steps = cfg.epochs * len(train_loader)
    scheduler = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda step: lr_factor(step, total_steps, cfg.warmup_steps, cfg.schedule)
    )
    history: list[dict] = []
    best_score, best_state, waited, step = -float("inf"), copy.deepcopy(model.state_dict()), 0, 0
    for epoch in range(1, cfg.epochs + 1):
        model.train()
        start, losses, grad_norms = time.perf_counter(), [], []
        for batch in tqdm(
            train_loader,
            desc=f"에폭 {epoch}/{cfg.epochs}",
            disable=not progress or not distributed.is_main(),
            leave=False,
        ):
            with devices.autocast(device, use_amp):
                loss = loss_fn(train_model, devices.to_device(batch, device))
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            norm = None  # the gradient norm before clipping
            if cfg.clip or cfg.track_grad_norm:  # max_norm=inf measures, leaves the gradients alone
                norm = nn.utils.clip_grad_norm_(model.parameters(), cfg.clip or math.inf).item()
                if cfg.track_grad_norm:
                    grad_norms.append(norm)
            lr = scheduler.get_last_lr()[0]
            optimizer.step()
            scheduler.step()
            losses.append(loss.item())
            for callback in callbacks:
                callback.on_step(Step(epoch, step, losses[-1], lr, norm))
            step += 1
        train_seconds = time.perf_counter() - start
        score = distributed.from_main(lambda: score_fn(model, val_loader))
        train_loss = distributed.mean_over_ranks(float(np.mean(losses)))
        history.append(
            {
                "epoch": epoch,
                "train_loss": train_loss,
                "val_score": score,
                "train_seconds": train_seconds,
            }
        )
        if cfg.track_grad_norm:
            history[-1]["grad_norms"] = grad_norms
        for callback in callbacks:
            callback.on_epoch(history[-1])
        if score > best_score:
            best_score, best_state, waited = score, copy.deepcopy(model.state_dict()), 0
        else:
            waited += 1
            if waited >= cfg.patience:
                break
    model.load_state_dict(best_state)
    devices.to_device(model, home)
    return history


def checkpoint(model: nn.Module, cfg: TrainConfig, **extra: Any) -> dict:
    """Weights, the full config and anything else needed to rebuild the model (e.g. the
    vocabulary)."""
    return {
        "config": asdict(cfg),
        "config_class": type(cfg).__name__,
        "model": model.state_dict(),
        **extra,
    }


def write_checkpoint(path: str | Path, saved: dict) -> None:
    """`saved` (a `checkpoint`, or several in one dict) in a file. Under torchrun every rank holds
    the same weights; rank 0 alone writes them."""
    if not distributed.is_main():
        return
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    torch.save(saved, path)


def save_checkpoint(path: str | Path, model: nn.Module, cfg: TrainConfig, **extra: Any) -> None:
    """`checkpoint(model, cfg, **extra)` in a file (`write_checkpoint`)."""
    write_checkpoint(path, checkpoint(model, cfg, **extra))


def load_checkpoint(path: str | Path) -> dict:
    """What `save_checkpoint` wrote, its tensors on the CPU (`devices.to_device` moves a model)."""
    return torch.load(path, map_location="cpu", weights_only=False)
