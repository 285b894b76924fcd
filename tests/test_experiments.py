"""The runner's bookkeeping (file names, provenance, summaries, verify, typed settings) on a fake
task:
nothing here trains a network, so every rule is checked in milliseconds."""

import json
import time
import types
from dataclasses import asdict, dataclass

import pytest
from torch import nn

from probing_rnns import experiments, language_model, sentiment, translation
from probing_rnns.experiments import Experiment
from probing_rnns.run_result import MEASURED, RunResult, SavingTask, StoredResult, Task


@dataclass(frozen=True)
class FakeConfig:
    seed: int = 0
    epochs: int = 1
    scale: float = 1.0
    clip: float | None = 1.0
    sizes: tuple[int, ...] = (1, 2)


@dataclass(frozen=True)
class FakeMetrics:
    test_accuracy: float
    val_accuracy: float


OFFSET = {"value": 0.0}  # what a "code change" moves


def fake_run(cfg: FakeConfig, progress: bool = True) -> RunResult:
    score = 0.5 + 0.01 * cfg.seed + 0.1 * cfg.epochs * cfg.scale + OFFSET["value"]
    return RunResult(
        config=cfg,
        metrics=FakeMetrics(test_accuracy=score, val_accuracy=score / 2),
        params=10,
        vocab_size=5,
        train_seconds=time.perf_counter(),
        epochs=cfg.epochs,
        history=[{"epoch": 1, "train_loss": 1 / 3, "train_seconds": time.perf_counter()}],
        model=nn.Linear(1, 1),
    )


def fake_save_run(result: RunResult, path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"seed": result.config.seed, "metrics": asdict(result.metrics)}))


@pytest.fixture
def fake(tmp_path, monkeypatch):
    OFFSET["value"] = 0.0
    monkeypatch.setenv(experiments.RESULTS_ENV, str(tmp_path))
    task = types.SimpleNamespace(
        Config=FakeConfig, Metrics=FakeMetrics, run=fake_run, save_run=fake_save_run
    )
    spec = Experiment(task, {"a": FakeConfig(), "b": FakeConfig(scale=2.0)}, ("test_accuracy",))
    monkeypatch.setitem(experiments.EXPERIMENTS, "fake", spec)
    return tmp_path / "fake"


def run(*args: str) -> None:
    experiments.main(["run", "fake", *args])


def test_a_run_records_what_reproduces_it(fake):
    run("--models", "a", "--seeds", "0")
    record = json.loads((fake / "a-seed0.json").read_text())
    assert record["threads"] == 1 and record["world_size"] == 1
    assert record["command"] == "python -m probing_rnns.experiments run fake --models a --seeds 0"
    assert {
        "git_commit",
        "code_dirty",
        "torch_version",
        "python_version",
        "platform",
        "device",
        "created",
    } <= set(record)
    assert set(record["data_sha256"]) >= {"nsmc/ratings_train.txt.gz", "tatoeba_kor_eng/kor.txt.gz"}
    assert record["config"] == {"seed": 0, "epochs": 1, "scale": 1.0, "clip": 1.0, "sizes": [1, 2]}


def test_overrides_and_threads_never_overwrite_the_experiments_own_result(fake):
    run("--models", "a", "--seeds", "0")
    own = (fake / "a-seed0.json").read_text()
    run("--models", "a", "--seeds", "0", "--set", "epochs=3", "clip=None")
    run("--models", "a", "--seeds", "0", "--threads", "2")
    assert (fake / "a-seed0.json").read_text() == own
    quick = json.loads((fake / "a+clip=None,epochs=3-seed0.json").read_text())
    assert quick["model"] == "a+clip=None,epochs=3" and quick["variant"] == "a"
    assert quick["overrides"] == {"epochs": 3, "clip": None}
    assert json.loads((fake / "a+threads=2-seed0.json").read_text())["threads"] == 2


def test_summarize_leaves_out_overrides_unless_asked(fake):
    run("--seeds", "0", "1")
    run("--models", "a", "--seeds", "0", "--set", "epochs=3")
    rows = experiments.summarize("fake")
    assert [(r["model"], r["seeds"]) for r in rows] == [("a", 2), ("b", 2)]
    assert rows[0]["test_accuracy"] == pytest.approx(0.605)
    everything = experiments.summarize("fake", include_overrides=True)
    assert [r["model"] for r in everything] == ["a", "b", "a+epochs=3"]


def test_summarize_refuses_a_result_whose_config_is_not_the_experiments(fake):
    run("--models", "a", "--seeds", "0", "1")
    path = fake / "a-seed1.json"
    record = json.loads(path.read_text())
    record["config"]["epochs"] = 7  # e.g. written by a quick test under the old naming
    path.write_text(json.dumps(record))
    with pytest.raises(ValueError, match=r"a-seed1.json.*differs.*\['epochs'\]"):
        experiments.summarize("fake")
    with pytest.raises(SystemExit, match="re-run it"):
        experiments.main(["summarize", "fake"])


def test_a_stored_config_missing_a_newer_field_reads_with_its_default(fake):
    run("--models", "a", "--seeds", "0")
    path = fake / "a-seed0.json"
    record = json.loads(path.read_text())
    # a field added after the run, whose default keeps the old behaviour
    del record["config"]["clip"]
    path.write_text(json.dumps(record))
    assert experiments.summarize("fake")[0]["seeds"] == 1


def test_verify_reports_identical_then_what_moved(fake, capsys):
    run("--models", "a", "b", "--seeds", "0")
    assert all(v.identical for v in experiments.verify("fake"))  # timings differ and are ignored
    OFFSET["value"] = 1e-12  # a change in training behaviour, however small
    verdicts = experiments.verify("fake", models=["b"])
    assert len(verdicts) == 1 and not verdicts[0].identical
    assert any(
        line.startswith("metrics.test_accuracy: 0.7 → 0.70000") for line in verdicts[0].differences
    )
    with pytest.raises(SystemExit, match="2 of 2 differ"):
        experiments.main(["verify", "fake", "--seeds", "0"])
    assert "DIFFERENT" in capsys.readouterr().out


def test_verify_reruns_an_override_run_with_its_own_config(fake):
    run("--models", "a", "--seeds", "2", "--set", "scale=3.5")
    (verdict,) = experiments.verify("fake", models=["a"], seeds=[2])
    assert verdict.identical


def test_settings_are_converted_to_their_field_types():
    parse = experiments.parse_overrides
    assert parse(
        ["epochs=1", "cell=gru", "clip=None", "bucket=false", "lr=1e-3"], sentiment.Config
    ) == {"epochs": 1, "cell": "gru", "clip": None, "bucket": False, "lr": 0.001}
    assert parse(["beam_sizes=1,2,4"], translation.Config) == {"beam_sizes": (1, 2, 4)}
    assert parse(["clip=0.5"], sentiment.Config) == {"clip": 0.5}


@pytest.mark.parametrize(
    "pair, message",
    [
        ("bucket=yes", "bool"),
        ("epochs=1.5", "int"),
        ("clip=x", "float"),
        ("train_size=lots", "int"),
        ("nope=1", "unknown setting"),
        ("epochs", "unknown setting"),
    ],
)
def test_bad_settings_are_refused_with_a_clear_message(pair, message):
    with pytest.raises(SystemExit, match=message):
        experiments.parse_overrides([pair], sentiment.Config)


def test_seed_is_set_with_seeds_not_set(fake):
    with pytest.raises(SystemExit):
        run("--models", "a", "--set", "seed=3")


def test_config_from_dict_restores_tuples_and_refuses_unknown_fields():
    cfg = experiments.config_from_dict(FakeConfig, {"seed": 1, "sizes": [4, 8]})
    assert cfg == FakeConfig(seed=1, sizes=(4, 8))
    with pytest.raises(ValueError, match="no fields"):
        experiments.config_from_dict(FakeConfig, {"seed": 1, "colour": "red"})


def test_save_model_keeps_the_models_of_the_seeds_named_beside_their_results(fake):
    run("--models", "a", "--seeds", "0", "1", "--save-model", "1")
    assert sorted(p.name for p in (fake / "models").iterdir()) == ["a-seed1.pt"]
    kept = json.loads((fake / "models" / "a-seed1.pt").read_text())
    assert kept["metrics"] == json.loads((fake / "a-seed1.json").read_text())["metrics"]
    run("--models", "b", "--seeds", "0", "1", "--save-model")  # no seed named: every seed
    kept = sorted(p.name for p in (fake / "models").iterdir())
    assert kept == ["a-seed1.pt", "b-seed0.pt", "b-seed1.pt"]
    assert experiments.model_path("fake", "b", 0) == fake / "models" / "b-seed0.pt"
    with pytest.raises(SystemExit):  # a seed that is not run
        run("--models", "a", "--seeds", "0", "--save-model", "2")


def test_verify_keeps_a_model_only_when_it_reproduces_the_result(fake):
    run("--models", "a", "b", "--seeds", "0")
    experiments.main(["verify", "fake", "--models", "a", "--save-model"])
    assert [p.name for p in (fake / "models").iterdir()] == ["a-seed0.pt"]
    OFFSET["value"] = 1e-12
    (verdict,) = experiments.verify("fake", models=["b"], save_model=True)
    assert not verdict.identical and "model not kept" in verdict.note
    assert not (fake / "models" / "b-seed0.pt").exists()


def test_a_task_that_cannot_save_models_says_so(fake, monkeypatch):
    spec = Experiment(types.SimpleNamespace(run=fake_run), {"a": FakeConfig()}, ("test_accuracy",))
    monkeypatch.setitem(experiments.EXPERIMENTS, "fake", spec)
    with pytest.raises(SystemExit):
        run("--models", "a", "--seeds", "0", "--save-model")
    assert not fake.exists()


def test_a_run_read_back_from_its_json_has_the_same_values(tmp_path):
    """What `to_json` writes reads back as a StoredResult with equal config (tuples included),
    metrics and measurements."""
    cfg = translation.Config(beam_sizes=(1, 2), seed=3)
    metrics = translation.Metrics(
        test_bleu=7.25,
        val_bleu=1 / 3,
        test_bleu_by_length={"1-5": 10.0, "6-8": 2 / 3},
        val_bleu_by_beam={"1": 0.5, "2-norm": 0.1 + 0.2},
        test_bleu_by_beam={"1": 7.25, "2-norm": 8.0},
        selected_beam=2,
        selected_alpha=1.0,
        test_bleu_selected=8.0,
    )
    sizes = {"ko": 4, "en": 5}
    result = RunResult(cfg, metrics, 12, sizes, 1.5, 2, [{"epoch": 1}], nn.Linear(1, 1))
    record = {"experiment": "tatoeba-live", "model": "dot", "seed": 3, **result.to_json()}
    path = tmp_path / "dot-seed3.json"
    path.write_text(json.dumps(record, ensure_ascii=False, indent=1), encoding="utf-8")
    stored = StoredResult.from_json(json.loads(path.read_text(encoding="utf-8")), path, translation)
    assert (stored.config, stored.metrics) == (cfg, metrics)
    assert (stored.params, stored.vocab_size, stored.train_seconds) == (12, sizes, 1.5)
    assert (stored.epochs, stored.history, stored.variant) == (2, [{"epoch": 1}], "dot")
    assert stored.measured() == result.to_json()
    assert tuple(result.to_json()) == MEASURED  # the results file's key order


def test_the_task_modules_are_tasks():
    assert all(isinstance(t, Task) for t in (sentiment, translation, language_model))
    assert isinstance(sentiment, SavingTask) and isinstance(translation, SavingTask)
    assert not isinstance(language_model, SavingTask)  # the runner refuses --save-model for it
