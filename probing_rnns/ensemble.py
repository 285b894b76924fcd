"""Ensembles (앙상블) of sentiment classifiers: several models read the same reviews, each through
its own view (syllables, jamo, Okt morphemes, subwords) or the same view from its own seed, and
their predicted class probabilities are averaged review by review.

A task module for the experiment runner (`run_result.SavingTask`): `run(cfg)` trains every member
with `sentiment.run` and measures the average on validation and test; `save_run` keeps every
member's classifier in one file, which `load_ensemble` reads back to predict on new reviews.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields, replace
from pathlib import Path
from typing import Sequence, cast

import torch
from torch import nn
from torch.utils.data import DataLoader

from probing_rnns import sentiment
from probing_rnns.batching import loader_order
from probing_rnns.run_result import RunResult, as_json, config_from_dict
from probing_rnns.sentiment import SavedClassifier, TextPrediction
from probing_rnns.training import load_checkpoint, write_checkpoint

# member i of an ensemble of seed s trains with seed s + MEMBER_SEED_STRIDE * i: distinct for every
# member of ensembles seeded below the stride, and member 0's seed is the ensemble's own
MEMBER_SEED_STRIDE = 1000


@dataclass(frozen=True)
class Config(sentiment.Config):
    """The settings every member shares (sentiment.Config's fields) and the view of each member.

    Member i is the sentiment run of these settings with tokenizer `views[i]` and seed
    `member_seed(seed, i)` (`member_configs`); a view may repeat ("syllable" four times: members
    that differ only in their seeds). `tokenizer` is not used: set `views`.
    """

    views: tuple[str, ...] = ("syllable",)

    def __post_init__(self) -> None:
        if not self.views:
            raise ValueError("앙상블에 구성원이 없습니다 (views is empty: name one or more views)")
        if self.tokenizer != sentiment.Config.tokenizer:
            raise ValueError(
                f"tokenizer={self.tokenizer!r}: 앙상블의 토크나이저는 views로 정합니다 "
                "(each member's tokenizer is its view: set views, not tokenizer)"
            )

    @classmethod
    def of(cls, shared: sentiment.Config, views: tuple[str, ...]) -> Config:
        """Members that are `shared` (its tokenizer aside), one per view."""
        settings = {
            f.name: getattr(shared, f.name) for f in fields(shared) if f.name != "tokenizer"
        }
        return cls(**settings, views=views)


def member_seed(seed: int, index: int) -> int:
    return seed + MEMBER_SEED_STRIDE * index


def member_configs(cfg: Config) -> tuple[sentiment.Config, ...]:
    """Each member's own sentiment config: the shared settings, its view and its seed."""
    shared = sentiment.Config(**{f.name: getattr(cfg, f.name) for f in fields(sentiment.Config)})
    return tuple(
        replace(shared, tokenizer=view, seed=member_seed(cfg.seed, i))
        for i, view in enumerate(cfg.views)
    )


@dataclass(frozen=True)
class Aligned:
    """The members' predictions on one split, review by review (the split's order, not a
    loader's)."""

    labels: torch.Tensor  # (N,)
    member_probs: torch.Tensor  # (M, N) each member's probability of the positive class

    @property
    def probs(self) -> torch.Tensor:
        """(N,) the ensemble's probability of the positive class: the members' mean."""
        return self.member_probs.mean(dim=0)


def in_review_order(
    predictions: sentiment.Predictions, loader: DataLoader
) -> sentiment.Predictions:
    """`predictions` made in `loader`'s order (buckets sort by length), rearranged so that row r is
    review r of the split."""
    order = torch.tensor(loader_order(loader))  # (N,) the review of each prediction
    if not torch.equal(order.sort().values, torch.arange(len(predictions.labels))):
        raise RuntimeError("the loader's order is not one pass over every review once")
    rows = order.argsort()  # (N,) where review r's prediction is
    return sentiment.Predictions(
        predictions.labels[rows], predictions.probs[rows], predictions.lengths[rows]
    )


def split_predictions(member: sentiment.SentimentRun, split: str) -> sentiment.Predictions:
    """A member's predictions on "val" or "test", in that loader's order (test: those its run
    measured)."""
    if split == "test":
        return member.test_predictions
    return sentiment.predict(member.model, member.data.val, member.config.use_mask)


def aligned(members: Sequence[sentiment.SentimentRun], split: str) -> Aligned:
    """Every member's predictions on `split` in review order; members that disagree on the labels
    read other reviews, and are refused."""
    found = [
        in_review_order(split_predictions(m, split), cast(DataLoader, getattr(m.data, split)))
        for m in members
    ]
    if any(not torch.equal(p.labels, found[0].labels) for p in found):
        raise RuntimeError(f"the members' {split} reviews are not the same reviews in one order")
    return Aligned(found[0].labels, torch.stack([p.probs for p in found]))


@dataclass(frozen=True)
class Metrics:
    """What an ensemble run measures (its results file's "metrics")."""

    test_accuracy: float
    test_f1: float
    val_accuracy: float
    test_confusion: list[list[int]]  # [[TN, FP], [FN, TP]]
    member_test_accuracy: tuple[float, ...]  # one per member, in `views` order
    member_val_accuracy: tuple[float, ...]


@dataclass(frozen=True)
class EnsembleRun(RunResult):
    """The members' runs and their average. `params`, `train_seconds` and `epochs` are the members'
    sums, `vocab_size` each member's ("<i>-<view>"), `history` every member's epochs ("member": i).
    """

    config: Config
    metrics: Metrics
    model: nn.ModuleList  # the members' classifiers, in `views` order
    members: tuple[sentiment.SentimentRun, ...]
    val: Aligned
    test: Aligned


def run(cfg: Config, progress: bool = True) -> EnsembleRun:
    """Train every member (`member_configs`), average their probabilities, measure the average."""
    members = tuple(sentiment.run(member, progress) for member in member_configs(cfg))
    val, test = aligned(members, "val"), aligned(members, "test")
    val_scores = sentiment.metrics(val.labels, val.probs)
    test_scores = sentiment.metrics(test.labels, test.probs)
    return EnsembleRun(
        config=cfg,
        metrics=Metrics(
            test_accuracy=test_scores["accuracy"],
            test_f1=test_scores["f1"],
            val_accuracy=val_scores["accuracy"],
            test_confusion=test_scores["confusion"],
            member_test_accuracy=tuple(m.metrics.test_accuracy for m in members),
            member_val_accuracy=tuple(m.metrics.val_accuracy for m in members),
        ),
        params=sum(m.params for m in members),
        vocab_size={
            f"{i}-{view}": m.vocab_size for i, (view, m) in enumerate(zip(cfg.views, members))
        },
        train_seconds=sum(m.train_seconds for m in members),
        epochs=sum(m.epochs for m in members),
        history=[{"member": i, **record} for i, m in enumerate(members) for record in m.history],
        model=nn.ModuleList([m.model for m in members]),
        members=members,
        val=val,
        test=test,
    )


def save_run(result: EnsembleRun, path: str | Path) -> None:
    """What the experiment runner keeps of an ensemble run (`--save-model`): every member's
    classifier (`sentiment.run_checkpoint`) in one file, with the ensemble's config and metrics."""
    write_checkpoint(
        path,
        {
            "config": asdict(result.config),
            "metrics": as_json(asdict(result.metrics)),  # as its results file stores them
            "members": [sentiment.run_checkpoint(m) for m in result.members],
        },
    )


@dataclass(frozen=True)
class SavedEnsemble:
    """An ensemble saved by `save_run`: each member reads a review through its own tokenizer and
    vocabulary, and the ensemble's answer is their average, as `EnsembleRun`'s."""

    name: str
    members: tuple[SavedClassifier, ...]  # in `views` order, named "<i>-<view>"
    cfg: Config
    metrics: dict  # the ensemble run's measurements, e.g. "test_accuracy", "val_accuracy"

    @property
    def readers(self) -> tuple[SavedClassifier, ...]:
        """The classifiers that read a review for this model: the members."""
        return self.members

    def predict(self, text: str) -> TextPrediction:
        """The members' mean positive probability (as `Aligned.probs`), their mean share of unknown
        tokens, and whether any member cut the review."""
        found = [m.predict(text) for m in self.members]
        # (M,) → mean in float32, as Aligned.probs averages
        positive = torch.tensor([p.positive for p in found]).mean().item()
        unknown = sum(p.unknown_rate for p in found) / len(found)
        truncated = any(p.truncated for p in found)
        return TextPrediction(sentiment.label_of(positive), positive, unknown, truncated)


def load_ensemble(
    path: str | Path, name: str, device: str | torch.device = "auto"
) -> SavedEnsemble:
    """The ensemble `save_run` wrote to `path`, its members on `device`."""
    saved = load_checkpoint(path)
    cfg = config_from_dict(Config, saved["config"])
    members = tuple(
        sentiment.classifier_from(member, f"{i}-{view}", device)
        for i, (view, member) in enumerate(zip(cfg.views, saved["members"]))
    )
    return SavedEnsemble(name, members, cfg, saved["metrics"])
