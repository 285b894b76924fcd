"""What a training run gives back and what its results file keeps.

`RunResult`: what a task's `run(cfg)` returns (sentiment, translation, language_model): its config,
metrics and costs, which `to_json` writes to results/<experiment>/*.json, and the trained model;
each task's subclass adds the live objects the chapters read (vocabulary, data, predictions).
`StoredResult`: one such file read back, with which run it was and where it ran.
`Task`: what the experiment runner needs of a task module.
"""

from __future__ import annotations

import json
import types
import typing
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from torch import nn


def as_json(value: Any) -> Any:
    """What `value` reads back as from a results file (tuples → lists; floats exactly)."""
    return json.loads(json.dumps(value, ensure_ascii=False))


def hint_options(hint: Any) -> tuple[Any, ...]:
    """The types a field's type hint allows: (int, NoneType) for `int | None`, (hint,) otherwise."""
    union = typing.get_origin(hint) in (typing.Union, types.UnionType)
    return typing.get_args(hint) if union else (hint,)


def declares_tuple(hint: Any) -> bool:
    """Whether a field's type hint allows a tuple (`tuple[int, ...]`, `tuple[str, ...] | None`)."""
    return any(typing.get_origin(option) is tuple for option in hint_options(hint))


def with_tuples(hints: dict[str, Any], stored: dict) -> dict:
    """`stored` with a tuple again wherever its field's hint declares one (JSON turns tuples to
    lists); lists declared as lists stay lists."""
    return {
        k: tuple(v) if isinstance(v, list) and declares_tuple(hints[k]) else v
        for k, v in stored.items()
    }


def config_from_dict(config_class: type, stored: dict) -> Any:
    """A stored config (JSON) as the task's Config; fields added since it was stored take their
    defaults, which keep the old behaviour. Unknown fields are an error."""
    hints = typing.get_type_hints(config_class)
    unknown = set(stored) - set(hints)
    if unknown:
        raise ValueError(f"{config_class.__qualname__} has no fields {sorted(unknown)}")
    return config_class(**with_tuples(hints, stored))


def metrics_from_dict(metrics_class: type, stored: dict) -> Any:
    """Stored metrics (JSON) as the task's Metrics; metrics added since it was stored read as their
    defaults (None), metrics the task no longer measures are left out."""
    hints = typing.get_type_hints(metrics_class)
    return metrics_class(**with_tuples(hints, {k: v for k, v in stored.items() if k in hints}))


# what a run measured: the part of its results file that `RunResult.to_json` writes
MEASURED = ("config", "metrics", "params", "vocab_size", "train_seconds", "epochs", "history")


def measurements(run: RunResult | StoredResult) -> dict:
    """A run's MEASURED fields as JSON, config and metrics as dicts, in the results file's order."""
    values = {name: getattr(run, name) for name in MEASURED}
    return as_json({**values, "config": asdict(run.config), "metrics": asdict(run.metrics)})


@dataclass(frozen=True)
class RunResult:
    """One training run: what it measured (the results file's part: `to_json`) and its model."""

    config: Any  # the task's Config
    metrics: Any  # the task's Metrics
    params: int
    vocab_size: int | dict[str, int]  # translation: {"ko": …, "en": …}
    train_seconds: float
    epochs: int  # epochs trained (early stopping may stop before config.epochs)
    history: list[dict]  # one record per epoch (`training.fit`)
    model: nn.Module

    def to_json(self) -> dict:
        """The measurements as a results file stores them, in its key order."""
        return measurements(self)


@dataclass(frozen=True)
class StoredResult:
    """One results/<experiment>/*.json read back. Files written by older code lack some fields:
    `variant` then reads as `model`, `overrides` as {}, `world_size` as 1, the rest as None."""

    path: str  # the file it came from
    experiment: str
    model: str  # the name it is stored under: the variant, plus any overrides
    variant: str  # the experiment's registered model it ran
    seed: int
    config: Any  # the task's Config; fields added since it was stored take their defaults
    metrics: Any  # the task's Metrics
    params: int
    vocab_size: int | dict[str, int]
    train_seconds: float
    epochs: int
    history: list[dict]
    overrides: dict = field(default_factory=dict)  # --set KEY=VALUE
    probes: dict | None = None  # the experiment's extra measurements (`Experiment.probe`)
    # where and how it ran (provenance.RunEnvironment)
    git_commit: str | None = None
    code_dirty: bool | None = None
    command: str | None = None
    threads: int | None = None  # None: not recorded (such runs used 1)
    torch_version: str | None = None
    python_version: str | None = None
    platform: str | None = None
    device: str | None = None
    world_size: int = 1
    data_sha256: dict[str, str] | None = None
    created: str | None = None

    @classmethod
    def from_json(cls, record: dict, path: str | Path, task: Task) -> StoredResult:
        """A results file's record, its config and metrics as `task`'s (keys it does not know are
        left out)."""
        names = {f.name for f in fields(cls)}
        known = {k: v for k, v in record.items() if k in names}
        return cls(
            **{
                **known,
                "path": str(path),
                "variant": record.get("variant", record["model"]),
                "config": config_from_dict(task.Config, record["config"]),
                "metrics": metrics_from_dict(task.Metrics, record["metrics"]),
            }
        )

    def measured(self) -> dict:
        """What the run measured, as `RunResult.to_json` (and "probes" where stored) writes it; the
        config's fields added since as their defaults, metrics added since as None."""
        probes = {} if self.probes is None else {"probes": self.probes}
        return {**measurements(self), **as_json(probes)}


@runtime_checkable
class Task(Protocol):
    """What the experiment runner needs of a task module: sentiment, translation, language_model."""

    Config: type  # a frozen dataclass of every setting of a run, `seed` among them
    Metrics: type  # a dataclass of what a run measures

    def run(self, cfg: Any, progress: bool = True) -> RunResult: ...


@runtime_checkable
class SavingTask(Task, Protocol):
    """A task whose trained models the runner can keep (`--save-model`)."""

    def save_run(self, result: Any, path: str | Path) -> None: ...
