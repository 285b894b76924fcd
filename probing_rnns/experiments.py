"""The experiment runner: full-scale runs whose JSON results the chapters show.

    python -m probing_rnns.experiments run nsmc-cells --seeds 0 1 2
    python -m probing_rnns.experiments run nsmc-cells --models lstm --seeds 0 --set epochs=1 train_size=2000
    python -m probing_rnns.experiments summarize nsmc-cells

Each run writes results/<experiment>/<model>-seed<k>.json.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from dataclasses import fields, replace
from datetime import datetime, timezone
from pathlib import Path

import torch

from probing_rnns import sentiment
from probing_rnns.sentiment import Config

ROOT = Path(__file__).resolve().parent.parent
RESULTS_ENV = "PROBING_RNNS_RESULTS"

# Same tokenizer, vocabulary, embedding size, epoch budget (3 epochs over the 140k training reviews)
# and optimiser for every model; the same hidden size (128 per direction), so parameter counts differ
# and are reported beside accuracy.
CELLS = Config(epochs=3)
EXPERIMENTS: dict[str, dict[str, Config]] = {
    "nsmc-cells": {
        "rnn": replace(CELLS, cell="rnn"),
        "lstm": replace(CELLS, cell="lstm"),
        "gru": replace(CELLS, cell="gru"),
        "bilstm": replace(CELLS, cell="lstm", bidirectional=True),
        "bigru": replace(CELLS, cell="gru", bidirectional=True),
    },
}


def results_dir() -> Path:
    return Path(os.environ.get(RESULTS_ENV, ROOT / "results"))


def git_commit() -> str:
    try:
        return subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def parse_overrides(pairs: list[str]) -> dict:
    """["epochs=1", "cell=gru", "clip=None", "bucket=false"] → {"epochs": 1, "cell": "gru", "clip": None, "bucket": False}."""
    names = {f.name for f in fields(Config)}
    overrides = {}
    for pair in pairs:
        key, _, value = pair.partition("=")
        if key not in names:
            raise SystemExit(f"unknown setting {key!r}; settings: {', '.join(sorted(names))}")
        try:
            overrides[key] = None if value == "None" else json.loads(value.lower() if value in ("True", "False") else value)
        except json.JSONDecodeError:
            overrides[key] = value  # a string, e.g. cell=gru
    return overrides


def run(experiment: str, models: list[str], seeds: list[int], overrides: dict, command: str) -> list[Path]:
    """Train every (model, seed) pair and write one JSON result each."""
    variants = EXPERIMENTS[experiment]
    out_dir = results_dir() / experiment
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for model in models:
        for seed in seeds:
            cfg = replace(variants[model], seed=seed, **overrides)
            result = sentiment.run(cfg)
            record = {
                "experiment": experiment,
                "model": model,
                "seed": seed,
                **{k: result[k] for k in ("config", "metrics", "params", "vocab_size", "train_seconds", "epochs", "history")},
                "git_commit": git_commit(),
                "command": command,
                "torch_version": torch.__version__,
                "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            }
            path = out_dir / f"{model}-seed{seed}.json"
            path.write_text(json.dumps(record, ensure_ascii=False, indent=1), encoding="utf-8")
            print(f"{path}: test accuracy {result['metrics']['test_accuracy']:.4f} ({result['train_seconds']:.0f} s)", flush=True)
            written.append(path)
    return written


def load_results(experiment: str) -> list[dict]:
    folder = results_dir() / experiment
    if not folder.is_dir():
        raise FileNotFoundError(f"no results for {experiment!r} in {folder}: run `python -m probing_rnns.experiments run {experiment}`")
    return [json.loads(p.read_text(encoding="utf-8")) for p in sorted(folder.glob("*.json"))]


def mean_std(values: list[float]) -> tuple[float, float]:
    return statistics.fmean(values), statistics.stdev(values) if len(values) > 1 else 0.0


def summarize(experiment: str) -> list[dict]:
    """One row per model: mean and standard deviation over seeds, in the experiment's model order."""
    by_model: dict[str, list[dict]] = {}
    for record in load_results(experiment):
        by_model.setdefault(record["model"], []).append(record)
    order = list(EXPERIMENTS.get(experiment, {})) + sorted(set(by_model) - set(EXPERIMENTS.get(experiment, {})))
    rows = []
    for model in (m for m in order if m in by_model):
        runs = by_model[model]
        acc, acc_std = mean_std([r["metrics"]["test_accuracy"] for r in runs])
        f1, f1_std = mean_std([r["metrics"]["test_f1"] for r in runs])
        secs, _ = mean_std([r["train_seconds"] for r in runs])
        rows.append({"model": model, "seeds": len(runs), "test_accuracy": acc, "test_accuracy_std": acc_std,
                     "test_f1": f1, "test_f1_std": f1_std, "params": runs[0]["params"], "train_seconds": secs})
    return rows


def format_table(rows: list[dict]) -> str:
    lines = ["| model | seeds | test accuracy | test F1 | params | train s |", "|---|---|---|---|---|---|"]
    for r in rows:
        lines.append(f"| {r['model']} | {r['seeds']} | {r['test_accuracy']:.4f} ± {r['test_accuracy_std']:.4f} | "
                     f"{r['test_f1']:.4f} ± {r['test_f1_std']:.4f} | {r['params']:,} | {r['train_seconds']:.0f} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m probing_rnns.experiments", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="action", required=True)
    run_p = sub.add_parser("run", help="train and write results/<experiment>/*.json")
    run_p.add_argument("experiment", choices=list(EXPERIMENTS))
    run_p.add_argument("--models", nargs="+", help="default: every model of the experiment")
    run_p.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2])
    run_p.add_argument("--set", nargs="*", default=[], metavar="KEY=VALUE", help="override Config fields")
    sum_p = sub.add_parser("summarize", help="print mean ± std over seeds")
    sum_p.add_argument("experiment")
    args = parser.parse_args(argv)
    if args.action == "run":
        models = args.models or list(EXPERIMENTS[args.experiment])
        unknown = set(models) - set(EXPERIMENTS[args.experiment])
        if unknown:
            parser.error(f"unknown models {sorted(unknown)}; choose from {list(EXPERIMENTS[args.experiment])}")
        command = "python -m probing_rnns.experiments " + " ".join(argv if argv is not None else sys.argv[1:])
        run(args.experiment, models, args.seeds, parse_overrides(args.set), command)
    else:
        print(format_table(summarize(args.experiment)))


if __name__ == "__main__":
    main()
