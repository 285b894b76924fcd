"""What results/ promises the reader: each table comes from one code version, and one setting gives
one number wherever it appears (the book compares experiments that share a baseline)."""

import json
from collections import defaultdict
from pathlib import Path

import pytest

from probing_rnns import experiments
from probing_rnns.run_result import MEASURED, StoredResult

STORED = [name for name in experiments.EXPERIMENTS if (experiments.results_dir() / name).is_dir()]


@pytest.mark.parametrize("experiment", STORED)
def test_every_stored_result_is_its_experiments_config(experiment):
    """summarize refuses a file whose config is not the one the experiment registers for its
    seed."""
    rows = experiments.summarize(experiment)
    assert rows and all(row["seeds"] >= 3 for row in rows), f"{experiment}: fewer than 3 seeds"


@pytest.mark.parametrize("experiment", STORED)
def test_each_experiment_comes_from_one_commit(experiment):
    runs = experiments.load_results(experiment)
    assert all(r.threads is not None for r in runs), f"{experiment}: runs of an older runner"
    commits = {r.git_commit for r in runs}
    assert len(commits) == 1, f"{experiment} holds runs of {len(commits)} commits: re-run it"
    assert not any(r.code_dirty for r in runs), (
        f"{experiment}: some runs had uncommitted code changes"
    )


def test_one_setting_gives_one_number_everywhere():
    """The same normalised config, seed and thread count in two experiments must have identical
    metrics."""
    seen: dict[tuple, list[StoredResult]] = defaultdict(list)
    for experiment in STORED:
        task = experiments.EXPERIMENTS[experiment].task.__name__
        for record in experiments.load_results(experiment):
            config = json.dumps(experiments.normalized_config(record), sort_keys=True)
            seen[(task, config, record.threads or 1)].append(record)
    clashes = [
        (a.path, b.path)
        for records in seen.values()
        for a in records[:1]
        for b in records[1:]
        if a.metrics != b.metrics
    ]
    assert not clashes, f"same setting, different numbers: {clashes}"


@pytest.mark.parametrize("experiment", STORED)
def test_every_stored_result_reads_as_its_tasks_config_and_metrics(experiment):
    """load_results gives typed records that hold every value of their file: a metric or config
    field the file lacks (written by older code) reads as None or as its default."""
    task = experiments.EXPERIMENTS[experiment].task
    for record in experiments.load_results(experiment):
        assert isinstance(record.config, task.Config) and isinstance(record.metrics, task.Metrics)
        stored = json.loads(Path(record.path).read_text(encoding="utf-8"))
        measured = record.measured()
        for part in ("config", "metrics"):
            assert {k: measured[part][k] for k in stored[part]} == stored[part], record.path
        assert all(measured[k] == stored[k] for k in MEASURED[2:]), record.path
        assert (record.experiment, record.model, record.seed) == (
            experiment,
            stored["model"],
            stored["seed"],
        )
        assert record.probes == stored.get("probes")
