"""The experiment runner: full-scale runs whose JSON results the chapters show.

    python -m probing_rnns.experiments run nsmc-cells --seeds 0 1 2
    python -m probing_rnns.experiments run nsmc-cells --models lstm --seeds 0 \\
        --set epochs=1 train_size=2000
    python -m probing_rnns.experiments summarize nsmc-cells
    python -m probing_rnns.experiments verify nsmc-cells --models lstm --seeds 0
    python -m probing_rnns.experiments run nsmc-cells --seeds 0 1 2 --save-model 0
    torchrun --standalone --nproc_per_node=2 -m probing_rnns.experiments run nsmc-cells \\
        --models lstm --seeds 0

Each run writes results/<experiment>/<model>-seed<k>.json with its config, metrics, history and what
reproduces it (commit, command, threads, torch, machine, data checksums). Runs are single-threaded
unless --threads says otherwise: the same config, seed and thread count give bit-identical numbers,
and `verify` re-runs stored results to show it. A run with --set overrides (or other threads) is
named after them, e.g. lstm+epochs=1,train_size=2000-seed0.json, so it never overwrites the
experiment's own result. With --save-model (run or verify) the trained model is kept too, beside its
result: results/<experiment>/models/<model>-seed<k>.pt, written by the task's
`save_run(result, path)`; `verify` keeps it only when the re-run reproduces the stored result.
The CLI and demo read them.
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import sys
import typing
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any, Callable, Collection

from probing_rnns import devices, distributed, ensemble, language_model, sentiment, translation
from probing_rnns.probes import gradient_norms_by_position, lstm_summary, units_correlated_with
from probing_rnns.provenance import RESULTS_ENV, current_environment, results_dir, use_threads
from probing_rnns.run_result import (
    RunResult,
    SavingTask,
    StoredResult,
    Task,
    as_json,
    config_from_dict,
    hint_options,
)
from probing_rnns.training import set_seed

__all__ = ["EXPERIMENTS", "RESULTS_ENV", "load_results", "run", "summarize", "verify"]


@dataclass(frozen=True)
class Experiment:
    task: Task  # a task module: sentiment, translation, language_model
    variants: dict  # model name → the task's Config; variants differ in one thing
    metrics: tuple[str, ...]  # fields of the task's Metrics, summarised as mean ± std over seeds
    # (cfg, the run) → extra measurements, saved as "probes"
    probe: Callable[[Any, RunResult], dict] | None = None


# Same tokenizer, vocabulary, embedding size, epoch budget (3 epochs over the 140k training reviews)
# and optimiser for every model; the same hidden size (128 per direction), so parameter counts
# differ and are reported beside accuracy.
CELLS = sentiment.Config(epochs=3)
# Same data, encoder (bidirectional GRU), decoder and budget; only the attention score changes.
# Each run also measures greedy vs beam search (1–16, with and without length normalisation).
ATTENTION = translation.Config(beam_sizes=(1, 2, 4, 8, 16))
# Padding side × mask, for an LSTM read through its final state (pooling "last"). Random batches
# (bucket=False): equal-length buckets contain no padding at all, so every variant would compute the
# same thing and the probe would measure nothing. One epoch, for cost: without buckets every batch
# is as long as its longest review, read through all its padding (no mask) or as packed sequences
# (mask), several times slower per epoch on CPU than equal-length buckets.
PADDING = sentiment.Config(epochs=1, bucket=False, cell="lstm", pooling="last")
# The probes below change one thing of the nsmc-cells LSTM (3 epochs, equal-length buckets, hidden
# 128): pooling ("last" is that LSTM; "attention" adds D·H + 1 parameters); the learning-rate
# schedule (warm-up over 300 of the 3,492 steps, while Adam's moment estimates are still poor, then
# a linear or cosine decay to 0; same peak rate and step count); the tokenizer (BPE: 8,000 pieces
# learned from the training split only; max_len stays 128 tokens, which cuts ~3% of reviews as
# syllables and almost none as morphemes or subwords; embeddings follow the vocabulary, so parameter
# counts differ and are reported; Okt tokenizes NSMC once, ~10 min on 2 cores, then reads its
# cache).
LSTM = replace(CELLS, cell="lstm")
# Toward chapter 6's 87 % goal: the best of each one-change probe at once — BiGRU (nsmc-cells), max
# pooling (nsmc-pooling), warm-up 300 steps + linear decay (nsmc-schedules) — and 5 epochs instead
# of 3 (validation accuracy was still rising at epoch 3). Syllables, sizes and optimiser as in
# nsmc-cells.
COMBINED = replace(
    CELLS,
    cell="gru",
    bidirectional=True,
    pooling="max",
    warmup_steps=300,
    schedule="linear",
    epochs=5,
)
TRANSFORMER = replace(LSTM, cell="transformer", pooling="mean")  # chapter 20
# nsmc-ensemble's members: COMBINED for 3 epochs (not 5, so that both ensembles × 3 seeds fit in
# about 4 CPU-hours), reading up to 256 tokens
ENSEMBLE_MEMBER = replace(COMBINED, max_len=256, epochs=3)
# chapter 11 measures gradients on the test reviews of exactly this many syllables
GRADIENT_LENGTH = 60


def probe_cells(cfg: sentiment.Config, result: sentiment.SentimentRun) -> dict:
    """Chapters 11 and 14 at full scale, before training (the seed's initial weights) and after.

    Gradient norm by position (ch. 11) for every cell; for a one-layer, one-direction LSTM also the
    units' correlation with the predicted positive probability and the gates' saturation over the
    test set (ch. 14).
    """
    vocab = result.vocab
    # sentiment.run builds its model right after this, so these are the weights training started
    # from
    set_seed(cfg.seed)
    models = {"init": sentiment.build_model(cfg, len(vocab)), "trained": result.model}
    # (N, 60), (N,)
    ids, labels = sentiment.reviews_of_length(GRADIENT_LENGTH, vocab, cfg.tokenizer)
    record: dict = {
        "gradient_reviews": len(labels),
        "gradient_norms": {
            phase: gradient_norms_by_position(m, ids, labels).tolist()
            for phase, m in models.items()
        },
    }
    if (
        cfg.cell == "lstm"
        and not cfg.bidirectional
        and cfg.num_layers == 1
        and cfg.pooling == "last"
    ):
        record["lstm"] = {}
        for phase, model in models.items():
            summary = lstm_summary(model, result.data.test)
            corr = units_correlated_with(
                summary["hidden"][:, None], None, summary["positive"]
            ).abs()  # (H,)
            record["lstm"][phase] = {
                "max_abs_corr": corr.max().item(),
                "units_abs_corr_above_0.5": int((corr > 0.5).sum()),
                "saturation": {
                    gate: {side: values.tolist() for side, values in sides.items()}
                    for gate, sides in summary["saturation"].items()
                },
            }
    return record


EXPERIMENTS: dict[str, Experiment] = {
    "nsmc-cells": Experiment(
        sentiment,
        {
            "rnn": replace(CELLS, cell="rnn"),
            "lstm": replace(CELLS, cell="lstm"),
            "gru": replace(CELLS, cell="gru"),
            "bilstm": replace(CELLS, cell="lstm", bidirectional=True),
            "bigru": replace(CELLS, cell="gru", bidirectional=True),
        },
        ("test_accuracy", "test_f1"),
    ),
    "nsmc-padding": Experiment(
        sentiment,
        {
            "right-last": replace(PADDING, padding_side="right", use_mask=False),
            "left-last": replace(PADDING, padding_side="left", use_mask=False),
            "right-masked": replace(PADDING, padding_side="right", use_mask=True),
            "left-masked": replace(PADDING, padding_side="left", use_mask=True),
        },
        ("test_accuracy", "test_f1"),
    ),
    "nsmc-pooling": Experiment(
        sentiment,
        {name: replace(LSTM, pooling=name) for name in ("last", "mean", "max", "attention")},
        ("test_accuracy", "test_f1"),
    ),
    "nsmc-schedules": Experiment(
        sentiment,
        {
            "constant": replace(LSTM, warmup_steps=0, schedule="constant"),
            "warmup-linear": replace(LSTM, warmup_steps=300, schedule="linear"),
            "warmup-cosine": replace(LSTM, warmup_steps=300, schedule="cosine"),
        },
        ("test_accuracy", "test_f1"),
    ),
    "nsmc-tokenizers": Experiment(
        sentiment,
        {name: replace(LSTM, tokenizer=name) for name in ("syllable", "okt", "bpe")},
        ("test_accuracy", "test_f1"),
    ),
    # Toward chapter 6's 87 % goal (COMBINED).
    "nsmc-combined": Experiment(
        sentiment, {"bigru-max-warmup-5ep": COMBINED}, ("test_accuracy", "test_f1")
    ),
    # Issue 18, toward a single model of 87.5 %: settings beyond nsmc-combined, each chosen from the
    # validation accuracies already stored (chapter 21 ranks every full-NSMC setting by them).
    # okt: nsmc-combined reading Okt morphemes, the tokenizer with the best validation accuracy in
    # nsmc-tokenizers (LSTM, 3 epochs).
    "nsmc-single": Experiment(
        sentiment,
        {"okt": replace(COMBINED, tokenizer="okt")},
        ("val_accuracy", "test_accuracy", "test_f1"),
    ),
    # Issue 18's search, second round: one change each to nsmc-combined, chosen by validation
    # accuracy (chapter 21): a second GRU layer (dropout 0.3 between the layers). (Registered with
    # it at 27e3339 and dropped unrun for time: 8 epochs; embeddings of 256.)
    "nsmc-search": Experiment(
        sentiment,
        {"2layers": replace(COMBINED, num_layers=2)},
        ("val_accuracy", "test_accuracy", "test_f1"),  # validation first: the search chooses by it
    ),
    # Third round, from nsmc-search's 2layers (the best on validation so far, still rising at its
    # last epoch): 8 epochs instead of 5; the linear decay now reaches 0 at epoch 8, and the run
    # stops after 2 epochs without a better validation score.
    "nsmc-search-epochs": Experiment(
        sentiment,
        {"2layers-8ep": replace(COMBINED, num_layers=2, epochs=8)},
        ("val_accuracy", "test_accuracy", "test_f1"),
    ),
    # Issue 18: do models that read the same reviews through different views (syllables, Okt
    # morphemes, BPE subwords as in nsmc-tokenizers, jamo) err on different reviews, so that the
    # average of their probabilities beats the average of four syllable models that differ only in
    # their seeds? Both ensembles have four members, each the nsmc-combined model (BiGRU, max
    # pooling, warm-up and decay) trained for 3 epochs: the same budget of models and epochs,
    # though not of time (jamo sequences are about twice as long as syllables, subwords and
    # morphemes shorter). Members read up to 256 tokens instead of 128, so that no view is cut much
    # more than another (at 128, jamo cut ~13% of the reviews against ~3% for syllables; at 256,
    # ~3% and none).
    "nsmc-ensemble": Experiment(
        ensemble,
        {
            "views": ensemble.Config.of(ENSEMBLE_MEMBER, ("syllable", "okt", "bpe", "jamo")),
            "syllable-x4": ensemble.Config.of(ENSEMBLE_MEMBER, ("syllable",) * 4),
        },
        ("test_accuracy", "test_f1"),
    ),
    # The nsmc-cells RNN, LSTM and GRU again, measured inside by chapter 11's and 14's probes.
    "nsmc-probes": Experiment(
        sentiment,
        {cell: replace(CELLS, cell=cell) for cell in ("rnn", "lstm", "gru")},
        ("test_accuracy", "test_f1"),
        probe=probe_cells,
    ),
    # Syllable language models (ch. 19), each on a fixed budget of 400k NSMC training tokens × 2
    # epochs (~40 s single-threaded): RNN, LSTM and GRU with hidden sizes matched to the LSTM's
    # parameter count; then the LSTM's BPTT window k with the state carried across windows
    # ("stream") or reset to zeros at each ("reset"); the rows B = 1,024 / k keep 1,024 tokens per
    # step, so every k takes the same steps (k = 32 is the lm-cells LSTM).
    "lm-cells": Experiment(
        language_model,
        {
            cell: replace(
                language_model.Config(),
                cell=cell,
                hidden_size=language_model.matched_hidden_size(cell, language_model.Config()),
            )
            for cell in ("rnn", "lstm", "gru")
        },
        ("test_perplexity", "test_bpc"),
    ),
    "lm-bptt": Experiment(
        language_model,
        {
            f"{'stream' if carry else 'reset'}-{k}": replace(
                language_model.Config(), bptt=k, batch_size=1024 // k, carry_state=carry
            )
            for carry in (True, False)
            for k in (8, 32, 128)
        },
        ("test_perplexity", "test_bpc"),
    ),
    # The chapters' live settings (sentiment.LIVE, translation.LIVE) over seeds: how far a live
    # run's number can move with the seed alone. Each run takes under a minute, so CI re-runs one of
    # each task bit for bit (tests/test_reproduce.py).
    "nsmc-live": Experiment(
        sentiment,
        {cell: replace(sentiment.LIVE, cell=cell) for cell in ("rnn", "lstm", "gru")},
        ("test_accuracy", "test_f1"),
    ),
    "tatoeba-live": Experiment(translation, {"dot": translation.LIVE}, ("test_bleu",)),
    # Ch. 20: recurrence vs self-attention at nsmc-cells' budget, mean pooling for both; one layer
    # of width 128; 4 heads and a feed-forward width of 256 match the LSTM's parameter count (within
    # 1%). Without positions the Transformer reads a bag of tokens. "lstm-mean" is nsmc-pooling's
    # "mean" (same config).
    "nsmc-transformer": Experiment(
        sentiment,
        {
            "lstm-mean": replace(LSTM, pooling="mean"),
            "transformer": TRANSFORMER,
            "transformer-none": replace(TRANSFORMER, positional="none"),
            "transformer-learned": replace(TRANSFORMER, positional="learned"),
        },
        ("test_accuracy", "test_f1"),
    ),
    # Ch. 20, translation: a Transformer against the book's best recurrent translator,
    # tatoeba-attention's "concat" (GRU + concat attention), with the same data, epochs, optimiser
    # and decoding (beam and α chosen on validation). Only `cell` differs from that config (and
    # `attention`, which the Transformer does not read: its cross-attention is scaled dot-product).
    "tatoeba-transformer": Experiment(
        translation,
        {"transformer": replace(ATTENTION, cell="transformer")},
        ("test_bleu", "test_bleu_selected"),
    ),
    "tatoeba-attention": Experiment(
        translation,
        {name: replace(ATTENTION, attention=name) for name in ("none", "dot", "general", "concat")},
        ("test_bleu",),
    ),
    # Ratio 1.0 is the "dot" model of tatoeba-attention (the same config; only its evaluation adds
    # beams).
    "tatoeba-teacher-forcing": Experiment(
        translation,
        {f"tf{ratio}": translation.Config(teacher_forcing=ratio) for ratio in (0.5, 0.0)},
        ("test_bleu",),
    ),
}


TIMINGS = re.compile(r".*seconds$")  # wall-clock times: recorded, never compared


# ---------------------------------------------------------------- typed settings (--set key=value)


def convert(text: str, hint: Any, key: str) -> Any:
    """A command-line value as the type the config field declares: int, float, bool, str, X | None,
    tuple[int, ...] ("1,2,4"). A value that is not of that type is a clear error, never a string."""
    options = hint_options(hint)
    if text == "None" and type(None) in options:
        return None
    for option in (o for o in options if o is not type(None)):
        if typing.get_origin(option) is tuple:
            item = typing.get_args(option)[0]
            return tuple(
                convert(part.strip(), item, key) for part in text.strip("()[]").split(",") if part
            )
        if option is bool:
            if text.lower() in ("true", "false"):
                return text.lower() == "true"
        elif option in (int, float, str):
            try:
                return option(text)
            except ValueError:
                pass
    name = getattr(hint, "__name__", str(hint))
    example = " (true 또는 false)" if bool in options else ""
    raise SystemExit(f"설정 {key}={text!r}: {name} 값이 아닙니다{example} (not a valid {name})")


def parse_overrides(pairs: list[str], config_class: type) -> dict:
    """["epochs=1", "cell=gru", "clip=None", "bucket=false"] → {"epochs": 1, "cell": "gru", "clip":
    None, "bucket": False}, each value converted to its field's type; unknown keys and bad values
    are refused."""
    hints = typing.get_type_hints(config_class)
    overrides = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or key not in hints:
            raise SystemExit(
                f"알 수 없는 설정 {pair!r} (unknown setting; use KEY=VALUE with KEY one of "
                f"{', '.join(sorted(hints))})"
            )
        overrides[key] = convert(value, hints[key], key)
    return overrides


# ---------------------------------------------------------------- running and storing


def run_label(model: str, overrides: dict, threads: int) -> str:
    """The name a result is stored under: the model, plus its overrides and a thread count other
    than 1."""
    changes = {**overrides, **({"threads": threads} if threads != 1 else {})}
    return model + (
        "+" + ",".join(f"{k}={v}" for k, v in sorted(changes.items())) if changes else ""
    )


def result_path(experiment: str, label: str, seed: int) -> Path:
    return (
        results_dir() / experiment / f"{re.sub(r'[^A-Za-z0-9._=,+-]', '_', label)}-seed{seed}.json"
    )


def model_path(experiment: str, label: str, seed: int) -> Path:
    """Where --save-model keeps a result's model: results/<experiment>/models/<result's name>.pt."""
    result = result_path(experiment, label, seed)
    return result.parent / "models" / f"{result.stem}.pt"


def measure(
    experiment: str, cfg: Any, progress: bool = True, save_to: Path | None = None
) -> dict | None:
    """Train one config and return what the results file stores of it (None on ranks other than 0);
    with `save_to`, also keep the trained model there (the task's `save_run`)."""
    spec = EXPERIMENTS[experiment]
    result = spec.task.run(cfg, progress and distributed.is_main())  # progress bars on rank 0 only
    if not distributed.is_main():
        return None
    if save_to is not None:
        typing.cast(SavingTask, spec.task).save_run(result, save_to)
    measured = result.to_json()
    if spec.probe is not None:
        measured["probes"] = spec.probe(cfg, result)
    return as_json(measured)


def run(
    experiment: str,
    models: list[str],
    seeds: list[int],
    overrides: dict,
    command: str,
    threads: int = 1,
    save_seeds: Collection[int] = (),
) -> list[Path]:
    """Train every (model, seed) pair and write one JSON result each (under torchrun: every rank
    trains, rank 0 writes); keep the trained models of `save_seeds` (`model_path`)."""
    spec = EXPERIMENTS[experiment]
    use_threads(threads)
    first = replace(spec.variants[models[0]], **overrides)
    device = devices.resolve_device(getattr(first, "device", "auto"))  # where this process trains
    # the code this process runs, whatever lands meanwhile
    environment = current_environment(command, device)
    written = []
    for model in models:
        label = run_label(model, overrides, threads)
        for seed in seeds:
            keep = model_path(experiment, label, seed) if seed in save_seeds else None
            cfg = replace(spec.variants[model], seed=seed, **overrides)
            measured = measure(experiment, cfg, save_to=keep)
            if measured is None:
                continue
            record = {
                "experiment": experiment,
                "model": label,
                "variant": model,
                "seed": seed,
                "overrides": as_json(overrides),
                **measured,
                **asdict(environment),
            }
            path = result_path(experiment, label, seed)
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(record, ensure_ascii=False, indent=1), encoding="utf-8")
            scores = ", ".join(f"{m} {measured['metrics'][m]:.4g}" for m in spec.metrics)
            kept = f", model {keep}" if keep else ""
            print(f"{path}: {scores} ({measured['train_seconds']:.0f} s{kept})", flush=True)
            written.append(path)
    return written


def load_results(experiment: str) -> list[StoredResult]:
    """Every stored result of `experiment`, read as its task's config and metrics."""
    folder = results_dir() / experiment
    if not folder.is_dir():
        raise FileNotFoundError(
            f"no results for {experiment!r} in {folder}: "
            f"run `python -m probing_rnns.experiments run {experiment}`"
        )
    return [load_result(experiment, path) for path in sorted(folder.glob("*.json"))]


def load_result(experiment: str, path: Path) -> StoredResult:
    """One stored result of `experiment`, read as its task's config and metrics."""
    record = json.loads(path.read_text(encoding="utf-8"))
    return StoredResult.from_json(record, path, EXPERIMENTS[experiment].task)


def normalized_config(record: StoredResult) -> dict:
    """The record's config as the current code would write it (missing new fields → defaults)."""
    return as_json(asdict(record.config))


@dataclass(frozen=True)
class SharedBaseline:
    """One setting stored by two experiments (a probe's baseline and the run it repeats), seed by
    seed."""

    seeds: tuple[int, ...]  # seeds stored by both
    same_config: bool  # the normalised configs are equal for every one of them
    # (seed, metric in a, in b) where any metric differs
    differing: tuple[tuple[int, float, float], ...]

    @property
    def identical(self) -> bool:
        return self.same_config and bool(self.seeds) and not self.differing

    def verdict(self) -> str:
        """A Korean clause for the chapters: are the stored numbers the same?"""
        if self.identical:
            return f"결과 파일의 숫자도 시드 {len(self.seeds)}개 모두에서 똑같습니다"
        return "결과 파일의 숫자는 " + ", ".join(
            f"시드 {s}에서 다릅니다({' 대 '.join(distinct(a, b))})" for s, a, b in self.differing
        )


def distinct(a: float, b: float) -> tuple[str, str]:
    """a and b with just enough significant digits to tell them apart (4 at least)."""
    digits = next((d for d in range(4, 17) if f"{a:.{d}g}" != f"{b:.{d}g}"), 17)
    return f"{a:.{digits}g}", f"{b:.{digits}g}"


def shared_baseline(a: tuple[str, str], b: tuple[str, str], metric: str) -> SharedBaseline:
    """Compare experiment a[0]'s model a[1] with experiment b[0]'s model b[1]: configs and every
    metric both files hold, for each seed stored by both (`metric` is the one quoted where they
    differ)."""
    runs = [
        {r.seed: r for r in load_results(experiment) if r.model == model}
        for experiment, model in (a, b)
    ]
    seeds = tuple(sorted(set(runs[0]) & set(runs[1])))
    same_config = all(normalized_config(runs[0][s]) == normalized_config(runs[1][s]) for s in seeds)
    differing = []
    for s in seeds:
        first, second = (asdict(runs[i][s].metrics) for i in (0, 1))
        # older files hold fewer metrics (None)
        if any(first[k] != second[k] for k in first if None not in (first[k], second[k])):
            differing.append((s, first[metric], second[metric]))
    return SharedBaseline(seeds, same_config, tuple(differing))


def validation_means(experiment: str, metric: str = "val_accuracy") -> dict[str, float]:
    """Each registered model's mean validation score over its seeds: what a choice between models
    rests on."""
    scores: dict[str, list[float]] = {}
    for record in load_results(experiment):
        if record.model in EXPERIMENTS[experiment].variants:
            scores.setdefault(record.model, []).append(getattr(record.metrics, metric))
    return {model: statistics.fmean(values) for model, values in scores.items()}


def registered_config(experiment: str, record: StoredResult) -> dict:
    """The config the experiment registers for the record's model and seed (with its overrides)."""
    spec = EXPERIMENTS[experiment]
    variant = spec.variants[record.variant]
    overrides = config_from_dict(type(variant), {**as_json(asdict(variant)), **record.overrides})
    return as_json(asdict(replace(overrides, seed=record.seed)))


# ---------------------------------------------------------------- summaries


def mean_std(values: list[float]) -> tuple[float, float]:
    return statistics.fmean(values), statistics.stdev(values) if len(values) > 1 else 0.0


def check_same_setting(experiment: str, runs: list[StoredResult]) -> None:
    """Refuse to average runs unless each is the experiment's registered config for its seed."""
    for record in runs:
        stored, wanted = normalized_config(record), registered_config(experiment, record)
        if stored != wanted:
            fields_ = sorted(k for k in wanted if stored.get(k) != wanted[k])
            raise ValueError(
                f"{record.path}: its config differs from {experiment!r}'s "
                f"{record.model!r} in {fields_}; re-run it (experiments run) before "
                "averaging it with the others"
            )
    if len({r.threads or 1 for r in runs}) > 1:
        raise ValueError(f"{experiment}/{runs[0].model}: runs with different thread counts")


def summarize(experiment: str, include_overrides: bool = False) -> list[dict]:
    """One row per model: each metric's mean and standard deviation over seeds, in the experiment's
    model order. Runs with overrides are left out unless asked for; mixed settings are refused."""
    spec = EXPERIMENTS[experiment]
    by_model: dict[str, list[StoredResult]] = {}
    for record in load_results(experiment):
        if include_overrides or record.model in spec.variants:
            by_model.setdefault(record.model, []).append(record)
    rows = []
    for model in [m for m in spec.variants if m in by_model] + sorted(
        set(by_model) - set(spec.variants)
    ):
        runs = by_model[model]
        check_same_setting(experiment, runs)
        row = {
            "model": model,
            "seeds": len(runs),
            "params": runs[0].params,
            "train_seconds": mean_std([r.train_seconds for r in runs])[0],
            # epochs trained (early stopping)
            "epochs": mean_std([r.epochs for r in runs])[0],
        }
        for metric in spec.metrics:
            row[metric], row[f"{metric}_std"] = mean_std([getattr(r.metrics, metric) for r in runs])
        rows.append(row)
    return rows


def format_table(rows: list[dict], metrics: tuple[str, ...]) -> str:
    """A Markdown table: model, seeds, each metric as mean ± std, parameters, training seconds."""
    digits = {m: 2 if "bleu" in m else 4 for m in metrics}  # BLEU is on a 0–100 scale
    lines = [
        f"| model | seeds | {' | '.join(metrics)} | params | train s |",
        "|---" * (len(metrics) + 4) + "|",
    ]
    for r in rows:
        scores = " | ".join(
            f"{r[m]:.{digits[m]}f} ± {r[m + '_std']:.{digits[m]}f}" for m in metrics
        )
        lines.append(
            f"| {r['model']} | {r['seeds']} | {scores} | {r['params']:,} | "
            f"{r['train_seconds']:.0f} |"
        )
    return "\n".join(lines)


# ---------------------------------------------------------------- verify: re-run and compare


def comparable(measured: dict) -> dict:
    """A stored or fresh measurement without its wall-clock times (they are never reproducible)."""
    if isinstance(measured, dict):
        return {k: comparable(v) for k, v in measured.items() if not TIMINGS.fullmatch(k)}
    if isinstance(measured, list):
        return [comparable(v) for v in measured]
    return measured


def differences(stored: Any, fresh: Any, where: str = "") -> list[str]:
    """Where two measurements differ, as "metrics.test_accuracy: 0.8502 → 0.8531" lines."""
    if isinstance(stored, dict) and isinstance(fresh, dict):
        return [
            line
            for key in sorted(set(stored) | set(fresh), key=str)
            for line in differences(stored.get(key), fresh.get(key), f"{where}.{key}".lstrip("."))
        ]
    if isinstance(stored, list) and isinstance(fresh, list) and len(stored) == len(fresh):
        return [
            line
            for i, (a, b) in enumerate(zip(stored, fresh))
            for line in differences(a, b, f"{where}[{i}]")
        ]
    return [] if stored == fresh else [f"{where}: {stored!r} → {fresh!r}"]


@dataclass(frozen=True)
class Verdict:
    path: str
    identical: bool
    differences: tuple[str, ...]  # what moved (empty when identical)
    note: str  # how it was re-run


def verify_record(record: StoredResult, save_model: bool = False) -> Verdict:
    """Re-run one stored result with its recorded config and threads and compare every measurement;
    with `save_model`, keep the re-trained model (`model_path`) if it reproduces the result."""
    experiment = record.experiment
    threads = record.threads or 1
    note = f"threads {threads}" + ("" if record.threads else " (not recorded; assumed)")
    note += f", stored by {(record.git_commit or 'unknown')[:10]}"
    if record.world_size != distributed.world_size():
        return Verdict(
            record.path,
            False,
            (),
            f"trained by {record.world_size} processes: "
            f"run verify under torchrun --nproc_per_node={record.world_size}",
        )
    use_threads(threads)
    keep = model_path(experiment, record.model, record.seed) if save_model else None
    cfg = record.config  # fields added since it was stored: their defaults
    if hasattr(cfg, "device"):  # re-run where it ran, not where "auto" points on this machine
        ran_on = "cpu" if (record.device or "cpu").startswith("cpu") else "cuda"
        cfg = replace(cfg, device=ran_on)
    fresh = measure(experiment, cfg, progress=False, save_to=keep)
    stored = record.measured()
    if fresh is None:  # another rank: rank 0 reports
        return Verdict(record.path, True, (), note)
    for measured in (stored, fresh):  # where it ran is the environment's "device", not the setting
        measured["config"].pop("device", None)
    diff = differences(comparable(stored), comparable(fresh))
    if keep is not None:
        if diff:  # not the model the stored result measured
            keep.unlink()
        note += ", model not kept" if diff else f", model kept: {keep}"
    return Verdict(record.path, not diff, tuple(diff), note)


def verify(
    experiment: str,
    models: list[str] | None = None,
    seeds: list[int] | None = None,
    save_model: bool = False,
) -> list[Verdict]:
    """Re-run the stored results of `experiment` (those of `models` and `seeds`) and report each;
    with `save_model`, keep each re-trained model that reproduces its result."""
    chosen = [
        r
        for r in load_results(experiment)
        if (models is None or r.variant in models or r.model in models)
        and (seeds is None or r.seed in seeds)
    ]
    if not chosen:
        raise SystemExit(f"{experiment}: no stored results for models {models} and seeds {seeds}")
    verdicts = []
    for record in chosen:
        verdict = verify_record(record, save_model)
        status = "identical" if verdict.identical else "DIFFERENT"
        print(f"{verdict.path}: {status} ({verdict.note})", flush=True)
        for line in verdict.differences[:20]:
            print(f"    {line}")
        verdicts.append(verdict)
    return verdicts


# ---------------------------------------------------------------- command line


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m probing_rnns.experiments",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = parser.add_subparsers(dest="action", required=True)
    run_p = sub.add_parser("run", help="train and write results/<experiment>/*.json")
    run_p.add_argument("experiment", choices=list(EXPERIMENTS))
    run_p.add_argument("--models", nargs="+", help="default: every model of the experiment")
    run_p.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2])
    run_p.add_argument(
        "--set", nargs="*", default=[], metavar="KEY=VALUE", help="override Config fields"
    )
    run_p.add_argument(
        "--threads",
        type=int,
        default=1,
        help="torch threads (default 1: the stored results' setting)",
    )
    run_p.add_argument(
        "--save-model",
        nargs="*",
        type=int,
        metavar="SEED",
        help="keep the trained models (of these seeds; none named: every seed) in "
        "results/<experiment>/models/",
    )
    sum_p = sub.add_parser("summarize", help="print mean ± std over seeds")
    sum_p.add_argument("experiment", choices=list(EXPERIMENTS))
    sum_p.add_argument(
        "--all", action="store_true", help="also runs with --set overrides, as their own rows"
    )
    ver_p = sub.add_parser("verify", help="re-run stored results and compare them bit for bit")
    ver_p.add_argument("experiment", choices=list(EXPERIMENTS))
    ver_p.add_argument("--models", nargs="+", help="default: every stored model")
    ver_p.add_argument("--seeds", nargs="+", type=int, help="default: every stored seed")
    ver_p.add_argument(
        "--save-model",
        action="store_true",
        help="keep each re-trained model that reproduces its result (results/<experiment>/models/)",
    )
    args = parser.parse_args(argv)
    spec = EXPERIMENTS[args.experiment]
    saving = getattr(args, "save_model", None) not in (None, False)
    if saving and not isinstance(spec.task, SavingTask):
        parser.error(f"{args.experiment}: its task cannot save models (no save_run)")
    if args.action == "run":
        models = args.models or list(spec.variants)
        unknown = set(models) - set(spec.variants)
        if unknown:
            parser.error(f"unknown models {sorted(unknown)}; choose from {list(spec.variants)}")
        if args.threads < 1:
            parser.error("--threads must be at least 1")
        command = "python -m probing_rnns.experiments " + " ".join(
            argv if argv is not None else sys.argv[1:]
        )
        overrides = parse_overrides(args.set, type(next(iter(spec.variants.values()))))
        if "seed" in overrides:
            parser.error("seeds are chosen with --seeds, not --set seed=...")
        save_seeds = args.seeds if args.save_model == [] else args.save_model or []
        if set(save_seeds) - set(args.seeds):
            parser.error(
                f"--save-model {sorted(set(save_seeds) - set(args.seeds))}: not among --seeds"
            )
        with distributed.process_group():  # under torchrun: join the other ranks; otherwise nothing
            run(args.experiment, models, args.seeds, overrides, command, args.threads, save_seeds)
    elif args.action == "summarize":
        try:
            print(format_table(summarize(args.experiment, args.all), spec.metrics))
        except ValueError as err:
            raise SystemExit(f"summarize {args.experiment}: {err}") from None
    else:
        with distributed.process_group():
            verdicts = verify(args.experiment, args.models, args.seeds, args.save_model)
        if not all(v.identical for v in verdicts):
            raise SystemExit(f"{sum(not v.identical for v in verdicts)} of {len(verdicts)} differ")


if __name__ == "__main__":
    main()
