import json
from dataclasses import replace

import pytest
import torch

from probing_rnns import experiments, sentiment
from probing_rnns.sentiment import Config, metrics
from probing_rnns.training import Callback, StepLog, load_checkpoint, save_checkpoint

TINY = Config(
    train_size=400,
    val_size=200,
    test_size=200,
    epochs=2,
    batch_size=32,
    embed_dim=16,
    hidden_size=16,
    max_len=40,
)


def test_metrics_against_hand_counts():
    labels = torch.tensor([1, 1, 0, 0, 1])
    probs = torch.tensor([0.9, 0.2, 0.4, 0.7, 0.6])  # preds 1 0 0 1 1
    m = metrics(labels, probs)
    assert m["accuracy"] == pytest.approx(3 / 5)
    assert m["confusion"] == [[1, 1], [1, 2]]  # [[TN, FP], [FN, TP]]
    assert m["f1"] == pytest.approx(2 * 2 / (2 * 2 + 1 + 1))


def test_same_seed_same_numbers():
    a, b = sentiment.run(TINY, progress=False), sentiment.run(TINY, progress=False)
    assert a.metrics == b.metrics
    assert [h["train_loss"] for h in a.history] == [h["train_loss"] for h in b.history]
    c = sentiment.run(replace(TINY, seed=1), progress=False)
    assert c.history[0]["train_loss"] != a.history[0]["train_loss"]


def test_training_lowers_the_loss_and_keeps_the_best_epoch():
    result = sentiment.run(replace(TINY, epochs=3, lr=5e-3, patience=3), progress=False)
    losses = [h["train_loss"] for h in result.history]
    assert losses[-1] < losses[0]
    best = max(h["val_score"] for h in result.history)
    assert result.metrics.val_accuracy == pytest.approx(best)


def test_checkpoint_round_trip(tmp_path):
    result = sentiment.run(replace(TINY, epochs=1), progress=False)
    model = result.model
    save_checkpoint(tmp_path / "m.pt", model, TINY, vocab=result.vocab.itos)
    saved = load_checkpoint(tmp_path / "m.pt")
    rebuilt = sentiment.build_model(Config(**saved["config"]), len(saved["vocab"]))
    rebuilt.load_state_dict(saved["model"])
    ids = torch.tensor([[5, 6, 7]])
    model.eval(), rebuilt.eval()
    torch.testing.assert_close(model(ids), rebuilt(ids))


def test_runner_writes_results_and_summarizes(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv(experiments.RESULTS_ENV, str(tmp_path))
    settings = [
        "train_size=300",
        "val_size=100",
        "test_size=100",
        "epochs=1",
        "hidden_size=8",
        "embed_dim=8",
        "clip=None",
    ]
    experiments.main(
        ["run", "nsmc-cells", "--models", "rnn", "gru", "--seeds", "0", "1", "--set", *settings]
    )
    label = "+" + ",".join(sorted(settings))  # a run with overrides is named after them
    files = sorted(p.name for p in (tmp_path / "nsmc-cells").glob("*.json"))
    assert files == [f"{m}{label}-seed{s}.json" for m in ("gru", "rnn") for s in (0, 1)]
    record = json.loads((tmp_path / "nsmc-cells" / f"gru{label}-seed1.json").read_text())
    for key in [
        "experiment",
        "model",
        "variant",
        "seed",
        "config",
        "metrics",
        "params",
        "train_seconds",
        "epochs",
        "git_commit",
        "command",
        "torch_version",
        "threads",
        "created",
    ]:
        assert key in record
    assert (
        record["config"]["cell"] == "gru"
        and record["config"]["clip"] is None
        and record["seed"] == 1
    )
    assert set(record["metrics"]) >= {
        "test_accuracy",
        "test_f1",
        "val_accuracy",
        "test_accuracy_by_length",
    }
    by_length = record["metrics"]["test_accuracy_by_length"]
    # every test review falls in exactly one bucket
    assert sum(row["리뷰 수"] for row in by_length) == 100
    assert experiments.summarize("nsmc-cells") == []  # the experiment's own runs: none yet
    rows = experiments.summarize("nsmc-cells", include_overrides=True)
    assert [r["model"] for r in rows] == [f"gru{label}", f"rnn{label}"]
    accs = [
        json.loads((tmp_path / "nsmc-cells" / f"rnn{label}-seed{s}.json").read_text())["metrics"][
            "test_accuracy"
        ]
        for s in (0, 1)
    ]
    assert rows[1]["test_accuracy"] == pytest.approx(sum(accs) / 2)
    assert rows[1]["epochs"] == 1
    experiments.main(["summarize", "nsmc-cells", "--all"])
    assert f"| rnn{label} | 2 |" in capsys.readouterr().out


def test_runner_rejects_unknown_settings():
    with pytest.raises(SystemExit):
        experiments.parse_overrides(["hidden=3"], sentiment.Config)


def test_accuracy_by_length_buckets():
    from probing_rnns.probes import accuracy_by_length
    from probing_rnns.sentiment import Predictions

    pred = Predictions(
        labels=torch.tensor([1, 0, 1, 1]),
        probs=torch.tensor([0.9, 0.8, 0.1, 0.7]),
        lengths=torch.tensor([3, 4, 20, 25]),
    )
    rows = accuracy_by_length(pred, [0, 10, 30, 50])
    assert [r["리뷰 수"] for r in rows] == [2, 2, 0]
    assert rows[0]["정확도"] == 0.5 and rows[1]["정확도"] == 0.5


def test_run_variants_and_summary_rows():
    results = sentiment.run_variants(
        {"rnn": replace(TINY, cell="rnn", epochs=1), "gru": replace(TINY, cell="gru", epochs=1)}
    )
    rows = sentiment.summary_rows(results)
    assert [r["모델"] for r in rows] == ["rnn", "gru"]
    assert rows[1]["파라미터 수"] == results["gru"].params > results["rnn"].params


# Learning-rate schedules and gradient-norm tracking (training dynamics,
# book/17_training_dynamics.md)


def test_lr_factor_at_known_points():
    from probing_rnns.training import lr_factor

    total, warm = 100, 10
    for schedule in ("constant", "linear", "cosine"):
        # first step of warm-up
        assert lr_factor(0, total, warm, schedule) == pytest.approx(1 / warm)
        assert lr_factor(4, total, warm, schedule) == pytest.approx(5 / warm)
        assert lr_factor(warm - 1, total, warm, schedule) == 1.0  # warm-up ends at the full rate
        assert lr_factor(warm, total, warm, schedule) == 1.0  # decay starts from the full rate
    middle = warm + (total - warm) // 2
    assert lr_factor(middle, total, warm, "cosine") == pytest.approx(0.5)
    assert lr_factor(middle, total, warm, "linear") == pytest.approx(0.5)
    for schedule in ("linear", "cosine"):
        assert lr_factor(total, total, warm, schedule) == pytest.approx(0.0)
        assert lr_factor(total - 1, total, warm, schedule) > 0  # the last step still learns
        factors = [lr_factor(s, total, warm, schedule) for s in range(warm, total + 1)]
        assert factors == sorted(factors, reverse=True)  # decreasing after warm-up
    assert {lr_factor(s, total, warm, "constant") for s in range(warm, total + 5)} == {1.0}
    # no warm-up
    assert lr_factor(0, total, 0, "constant") == 1.0 and lr_factor(0, total, 0, "cosine") == 1.0


def test_unknown_schedule_is_a_clear_error():
    from probing_rnns.training import lr_factor

    with pytest.raises(ValueError, match="unknown schedule 'step'.*constant, linear, cosine"):
        lr_factor(0, 10, 0, "step")
    with pytest.raises(ValueError, match="unknown schedule"):  # before any training step
        sentiment.run(replace(TINY, epochs=1, schedule="step"), progress=False)


def test_default_schedule_is_constant_and_unchanged():
    default = sentiment.run(replace(TINY, warmup_steps=5), progress=False)
    explicit = sentiment.run(replace(TINY, warmup_steps=5, schedule="constant"), progress=False)
    assert [h["train_loss"] for h in default.history] == [h["train_loss"] for h in explicit.history]
    assert "grad_norms" not in default.history[0]  # recorded only when asked
    cosine = sentiment.run(replace(TINY, warmup_steps=5, schedule="cosine"), progress=False)
    assert cosine.history[0]["train_loss"] != default.history[0]["train_loss"]


def test_grad_norms_one_per_step_before_clipping():
    cfg = replace(TINY, epochs=2, patience=5, cell="rnn", track_grad_norm=True)
    unclipped = sentiment.run(replace(cfg, clip=None), progress=False)
    steps = len(unclipped.data.train)
    assert [len(h["grad_norms"]) for h in unclipped.history] == [steps, steps]
    assert all(n > 0 for h in unclipped.history for n in h["grad_norms"])
    clip = 1e-3  # far below the gradient norms: every step is clipped
    clipped = sentiment.run(replace(cfg, clip=clip), progress=False)
    first = clipped.history[0]["grad_norms"]
    # same model, same batch
    assert first[0] == pytest.approx(unclipped.history[0]["grad_norms"][0])
    assert min(first) > clip  # the recorded norm is the one before clipping


class EpochLog(Callback):
    def __init__(self):
        self.records = []

    def on_epoch(self, record):
        self.records.append(dict(record))


def test_callbacks_see_every_step_and_epoch_and_change_nothing():
    cfg = replace(
        TINY, epochs=2, patience=5, warmup_steps=3, schedule="linear", track_grad_norm=True
    )
    plain = sentiment.run(cfg, progress=False)
    steps, epochs = StepLog(), EpochLog()
    watched = sentiment.run(cfg, progress=False, callbacks=[steps, epochs])
    assert watched.metrics == plain.metrics
    assert watched.history == [
        {**h, "train_seconds": w["train_seconds"]} for h, w in zip(plain.history, watched.history)
    ]
    per_epoch = len(watched.data.train)
    assert [s.step for s in steps.steps] == list(range(2 * per_epoch))
    assert [s.epoch for s in steps.steps] == [1] * per_epoch + [2] * per_epoch
    norms = [n for h in plain.history for n in h["grad_norms"]]
    assert [s.grad_norm for s in steps.steps] == norms
    assert steps.steps[0].lr == pytest.approx(cfg.lr / 3) and steps.steps[-1].lr < steps.steps[3].lr
    first_epoch = [s.loss for s in steps.steps[:per_epoch]]
    assert plain.history[0]["train_loss"] == pytest.approx(sum(first_epoch) / per_epoch)
    assert [r["epoch"] for r in epochs.records] == [1, 2]
    assert epochs.records[1]["val_score"] == watched.history[1]["val_score"]
