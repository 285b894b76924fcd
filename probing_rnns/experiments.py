"""The experiment runner: full-scale runs whose JSON results the chapters show.

    python -m probing_rnns.experiments run nsmc-cells --seeds 0 1 2
    python -m probing_rnns.experiments run nsmc-cells --models lstm --seeds 0 --set epochs=1 train_size=2000
    python -m probing_rnns.experiments summarize nsmc-cells
    python -m probing_rnns.experiments run tatoeba-attention --seeds 0 1 2
    torchrun --standalone --nproc_per_node=2 -m probing_rnns.experiments run nsmc-cells --models lstm --seeds 0   # DDP (appendix A)

Each run writes results/<experiment>/<model>-seed<k>.json.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from dataclasses import dataclass, fields, replace
from datetime import datetime, timezone
from pathlib import Path
from types import ModuleType
from typing import Callable

import torch

from probing_rnns import distributed, language_model, sentiment, translation
from probing_rnns.probes import gradient_norms_by_position, lstm_summary, units_correlated_with
from probing_rnns.training import set_seed

ROOT = Path(__file__).resolve().parent.parent
RESULTS_ENV = "PROBING_RNNS_RESULTS"



@dataclass(frozen=True)
class Experiment:
    task: ModuleType  # a task module with `Config` and `run(cfg) -> dict` (sentiment, translation)
    variants: dict  # model name → the task's Config; variants differ in one thing
    metrics: tuple[str, ...]  # summarised as mean ± std over seeds
    probe: Callable[[object, dict], dict] | None = None  # (cfg, task result) → extra measurements, saved as "probes"


# Same tokenizer, vocabulary, embedding size, epoch budget (3 epochs over the 140k training reviews)
# and optimiser for every model; the same hidden size (128 per direction), so parameter counts differ
# and are reported beside accuracy.
CELLS = sentiment.Config(epochs=3)
# Same data, encoder (bidirectional GRU), decoder and budget; only the attention score changes.
# Each run also measures greedy vs beam search (1–16, with and without length normalisation).
ATTENTION = translation.Config(beam_sizes=(1, 2, 4, 8, 16))
# Padding side × mask, for an LSTM read through its final state (pooling "last"). Random batches
# (bucket=False): equal-length buckets contain no padding at all, so every variant would compute the
# same thing and the probe would measure nothing. One epoch, for cost: without buckets every batch is
# as long as its longest review, read through all its padding (no mask) or as packed sequences (mask),
# several times slower per epoch on CPU than equal-length buckets.
PADDING = sentiment.Config(epochs=1, bucket=False, cell="lstm", pooling="last")
# The probes below change one thing of the nsmc-cells LSTM (3 epochs, equal-length buckets, hidden 128):
# pooling ("last" is that LSTM; "attention" adds D·H + 1 parameters); the learning-rate schedule (warm-up
# over 300 of the 3,492 steps, while Adam's moment estimates are still poor, then a linear or cosine decay
# to 0; same peak rate and step count); the tokenizer (BPE: 8,000 pieces learned from the training split
# only; max_len stays 128 tokens, which cuts ~3% of reviews as syllables and almost none as morphemes or
# subwords; embeddings follow the vocabulary, so parameter counts differ and are reported; Okt tokenizes
# NSMC once, ~10 min on 2 cores, then reads its cache).
LSTM = replace(CELLS, cell="lstm")
GRADIENT_LENGTH = 60  # chapter 11 measures gradients on the test reviews of exactly this many syllables


def probe_cells(cfg: sentiment.Config, result: dict) -> dict:
    """Chapters 11 and 14 at full scale, before training (the seed's initial weights) and after.

    Gradient norm by position (ch. 11) for every cell; for a one-layer, one-direction LSTM also the units'
    correlation with the predicted positive probability and the gates' saturation over the test set (ch. 14).
    """
    vocab = result["vocab"]
    set_seed(cfg.seed)  # sentiment.run builds its model right after this, so these are the weights training started from
    models = {"init": sentiment.build_model(cfg, len(vocab)), "trained": result["model"]}
    ids, labels = sentiment.reviews_of_length(GRADIENT_LENGTH, vocab, cfg.tokenizer)  # (N, 60), (N,)
    record: dict = {"gradient_reviews": len(labels),
                    "gradient_norms": {phase: gradient_norms_by_position(m, ids, labels).tolist() for phase, m in models.items()}}
    if cfg.cell == "lstm" and not cfg.bidirectional and cfg.num_layers == 1 and cfg.pooling == "last":
        record["lstm"] = {}
        for phase, model in models.items():
            summary = lstm_summary(model, result["data"].test)
            corr = units_correlated_with(summary["hidden"][:, None], None, summary["positive"]).abs()  # (H,)
            record["lstm"][phase] = {"max_abs_corr": corr.max().item(), "units_abs_corr_above_0.5": int((corr > 0.5).sum()),
                                     "saturation": {gate: {side: values.tolist() for side, values in sides.items()}
                                                    for gate, sides in summary["saturation"].items()}}
    return record
EXPERIMENTS: dict[str, Experiment] = {
    "nsmc-cells": Experiment(sentiment, {
        "rnn": replace(CELLS, cell="rnn"),
        "lstm": replace(CELLS, cell="lstm"),
        "gru": replace(CELLS, cell="gru"),
        "bilstm": replace(CELLS, cell="lstm", bidirectional=True),
        "bigru": replace(CELLS, cell="gru", bidirectional=True),
    }, ("test_accuracy", "test_f1")),
    "nsmc-padding": Experiment(sentiment, {
        "right-last": replace(PADDING, padding_side="right", use_mask=False),
        "left-last": replace(PADDING, padding_side="left", use_mask=False),
        "right-masked": replace(PADDING, padding_side="right", use_mask=True),
        "left-masked": replace(PADDING, padding_side="left", use_mask=True),
    }, ("test_accuracy", "test_f1")),
    "nsmc-pooling": Experiment(sentiment, {
        name: replace(LSTM, pooling=name) for name in ("last", "mean", "max", "attention")
    }, ("test_accuracy", "test_f1")),
    "nsmc-schedules": Experiment(sentiment, {
        "constant": replace(LSTM, warmup_steps=0, schedule="constant"),
        "warmup-linear": replace(LSTM, warmup_steps=300, schedule="linear"),
        "warmup-cosine": replace(LSTM, warmup_steps=300, schedule="cosine"),
    }, ("test_accuracy", "test_f1")),
    "nsmc-tokenizers": Experiment(sentiment, {
        name: replace(LSTM, tokenizer=name) for name in ("syllable", "okt", "bpe")
    }, ("test_accuracy", "test_f1")),
    # Toward chapter 6's 87 % goal: the best of each one-change probe at once — BiGRU (nsmc-cells), max pooling
    # (nsmc-pooling), warm-up 300 steps + linear decay (nsmc-schedules) — and 5 epochs instead of 3 (validation
    # accuracy was still rising at epoch 3). Syllables, sizes and optimiser as in nsmc-cells.
    "nsmc-combined": Experiment(sentiment, {
        "bigru-max-warmup-5ep": replace(CELLS, cell="gru", bidirectional=True, pooling="max", warmup_steps=300,
                                        schedule="linear", epochs=5),
    }, ("test_accuracy", "test_f1")),
    # The nsmc-cells RNN, LSTM and GRU again, measured inside by chapter 11's and 14's probes.
    "nsmc-probes": Experiment(sentiment, {
        cell: replace(CELLS, cell=cell) for cell in ("rnn", "lstm", "gru")
    }, ("test_accuracy", "test_f1"), probe=probe_cells),
    # Syllable language models (ch. 19), each on a fixed budget of 400k NSMC training tokens × 2 epochs (~40 s
    # single-threaded): RNN, LSTM and GRU with hidden sizes matched to the LSTM's parameter count; then the LSTM's
    # BPTT window k with the state carried across windows ("stream") or reset to zeros at each ("reset"); the rows
    # B = 1,024 / k keep 1,024 tokens per step, so every k takes the same steps (k = 32 is the lm-cells LSTM).
    "lm-cells": Experiment(language_model, {
        cell: replace(language_model.Config(), cell=cell, hidden_size=language_model.matched_hidden_size(cell, language_model.Config()))
        for cell in ("rnn", "lstm", "gru")
    }, ("test_perplexity", "test_bpc")),
    "lm-bptt": Experiment(language_model, {
        f"{'stream' if carry else 'reset'}-{k}": replace(language_model.Config(), bptt=k, batch_size=1024 // k, carry_state=carry)
        for carry in (True, False) for k in (8, 32, 128)
    }, ("test_perplexity", "test_bpc")),
    "tatoeba-attention": Experiment(translation, {
        name: replace(ATTENTION, attention=name) for name in ("none", "dot", "general", "concat")
    }, ("test_bleu",)),
    # Ratio 1.0 is the "dot" model of tatoeba-attention (the same config; only its evaluation adds beams).
    "tatoeba-teacher-forcing": Experiment(translation, {
        f"tf{ratio}": translation.Config(teacher_forcing=ratio) for ratio in (0.5, 0.0)
    }, ("test_bleu",)),
}


def results_dir() -> Path:
    return Path(os.environ.get(RESULTS_ENV, ROOT / "results"))


def git_commit() -> str:
    try:
        return subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def parse_overrides(pairs: list[str], config_class: type) -> dict:
    """["epochs=1", "cell=gru", "clip=None", "bucket=false"] → {"epochs": 1, "cell": "gru", "clip": None, "bucket": False}."""
    names = {f.name for f in fields(config_class)}
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
    """Train every (model, seed) pair and write one JSON result each (under torchrun: every rank trains, rank 0 writes)."""
    spec = EXPERIMENTS[experiment]
    out_dir = results_dir() / experiment
    out_dir.mkdir(parents=True, exist_ok=True)
    written, commit = [], git_commit()  # the code this process runs, whatever is committed while it trains
    for model in models:
        for seed in seeds:
            cfg = replace(spec.variants[model], seed=seed, **overrides)
            result = spec.task.run(cfg, distributed.is_main())  # progress bars on rank 0 only
            if not distributed.is_main():
                continue
            record = {
                "experiment": experiment,
                "model": model,
                "seed": seed,
                **{k: result[k] for k in ("config", "metrics", "params", "vocab_size", "train_seconds", "epochs", "history")},
                "git_commit": commit,
                "command": command,
                "torch_version": torch.__version__,
                "world_size": distributed.world_size(),  # processes that trained it (torchrun)
                "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            }
            if spec.probe is not None:
                record["probes"] = spec.probe(cfg, result)
            path = out_dir / f"{model}-seed{seed}.json"
            path.write_text(json.dumps(record, ensure_ascii=False, indent=1), encoding="utf-8")
            scores = ", ".join(f"{m} {result['metrics'][m]:.4g}" for m in spec.metrics)
            print(f"{path}: {scores} ({result['train_seconds']:.0f} s)", flush=True)
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
    """One row per model: each metric's mean and standard deviation over seeds, in the experiment's model order."""
    spec = EXPERIMENTS[experiment]
    by_model: dict[str, list[dict]] = {}
    for record in load_results(experiment):
        by_model.setdefault(record["model"], []).append(record)
    rows = []
    for model in (m for m in [*spec.variants, *sorted(set(by_model) - set(spec.variants))] if m in by_model):
        runs = by_model[model]
        row = {"model": model, "seeds": len(runs), "params": runs[0]["params"],
               "train_seconds": mean_std([r["train_seconds"] for r in runs])[0],
               "epochs": mean_std([r["epochs"] for r in runs])[0]}  # epochs trained (early stopping may end sooner)
        for metric in spec.metrics:
            row[metric], row[f"{metric}_std"] = mean_std([r["metrics"][metric] for r in runs])
        rows.append(row)
    return rows


def format_table(rows: list[dict], metrics: tuple[str, ...]) -> str:
    """A Markdown table: model, seeds, each metric as mean ± std, parameters, training seconds."""
    digits = {m: 2 if "bleu" in m else 4 for m in metrics}  # BLEU is on a 0–100 scale
    lines = [f"| model | seeds | {' | '.join(metrics)} | params | train s |", "|---" * (len(metrics) + 4) + "|"]
    for r in rows:
        scores = " | ".join(f"{r[m]:.{digits[m]}f} ± {r[m + '_std']:.{digits[m]}f}" for m in metrics)
        lines.append(f"| {r['model']} | {r['seeds']} | {scores} | {r['params']:,} | {r['train_seconds']:.0f} |")
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
    sum_p.add_argument("experiment", choices=list(EXPERIMENTS))
    args = parser.parse_args(argv)
    spec = EXPERIMENTS[args.experiment]
    if args.action == "run":
        models = args.models or list(spec.variants)
        unknown = set(models) - set(spec.variants)
        if unknown:
            parser.error(f"unknown models {sorted(unknown)}; choose from {list(spec.variants)}")
        command = "python -m probing_rnns.experiments " + " ".join(argv if argv is not None else sys.argv[1:])
        config_class = type(next(iter(spec.variants.values())))
        with distributed.process_group():  # under torchrun: join the other ranks; otherwise nothing
            run(args.experiment, models, args.seeds, parse_overrides(args.set, config_class), command)
    else:
        print(format_table(summarize(args.experiment), spec.metrics))


if __name__ == "__main__":
    main()
