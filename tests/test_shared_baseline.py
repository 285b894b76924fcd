"""experiments.shared_baseline and validation_means: how chapters check "the same setting" and
choose on validation, on fake result files (no training)."""

import json
import types
from dataclasses import asdict, dataclass

import pytest

from probing_rnns import experiments
from probing_rnns.experiments import Experiment


@dataclass(frozen=True)
class Cfg:
    seed: int = 0
    width: int = 1


@dataclass(frozen=True)
class Metrics:
    test_accuracy: float
    val_accuracy: float


def write(folder, model: str, seed: int, cfg: Cfg, test: float, val: float) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    record = {
        "experiment": folder.name,
        "model": model,
        "seed": seed,
        "config": asdict(cfg),
        "metrics": asdict(Metrics(test, val)),
        "params": 10,
        "vocab_size": 5,
        "train_seconds": 1.0,
        "epochs": 1,
        "history": [],
    }
    (folder / f"{model}-seed{seed}.json").write_text(json.dumps(record))


@pytest.fixture
def two(tmp_path, monkeypatch):
    """Experiment "one" registers a and b; experiment "two" registers c, whose setting is one's
    a."""
    monkeypatch.setenv(experiments.RESULTS_ENV, str(tmp_path))
    task = types.SimpleNamespace(Config=Cfg, Metrics=Metrics, run=None)
    monkeypatch.setitem(
        experiments.EXPERIMENTS, "one", Experiment(task, {"a": Cfg(), "b": Cfg(width=2)}, ())
    )
    monkeypatch.setitem(experiments.EXPERIMENTS, "two", Experiment(task, {"c": Cfg()}, ()))
    for seed in (0, 1):
        write(tmp_path / "one", "a", seed, Cfg(seed), 0.8 + seed / 100, 0.7)
        write(tmp_path / "one", "b", seed, Cfg(seed, 2), 0.9, 0.6 + seed / 10)
    return tmp_path


def test_identical_numbers_for_the_same_setting(two):
    for seed in (0, 1):
        write(two / "two", "c", seed, Cfg(seed), 0.8 + seed / 100, 0.7)
    shared = experiments.shared_baseline(("two", "c"), ("one", "a"), "test_accuracy")
    assert shared.seeds == (0, 1) and shared.same_config and shared.identical
    assert shared.verdict() == "결과 파일의 숫자도 시드 2개 모두에서 똑같습니다"


def test_different_numbers_are_named_seed_by_seed(two):
    write(two / "two", "c", 0, Cfg(0), 0.8, 0.7)
    write(two / "two", "c", 1, Cfg(1), 0.85, 0.7)
    shared = experiments.shared_baseline(("two", "c"), ("one", "a"), "test_accuracy")
    assert shared.same_config and not shared.identical
    assert shared.differing == ((1, 0.85, 0.81),)
    assert shared.verdict() == "결과 파일의 숫자는 시드 1에서 다릅니다(0.85 대 0.81)"


def test_numbers_that_differ_far_down_are_shown_to_the_digit_that_differs():
    assert experiments.distinct(33.365170544683416, 33.365171359523536) == (
        "33.3651705",
        "33.3651714",
    )


def test_a_different_config_is_not_the_same_setting(two):
    write(two / "two", "c", 0, Cfg(0, width=3), 0.8, 0.7)
    assert not experiments.shared_baseline(("two", "c"), ("one", "a"), "test_accuracy").same_config


def test_validation_means_per_registered_model(two):
    # a run with overrides is not a registered model
    write(two / "one", "a+epochs=3", 0, Cfg(0), 0.99, 0.99)
    assert experiments.validation_means("one") == pytest.approx({"a": 0.7, "b": 0.65})
