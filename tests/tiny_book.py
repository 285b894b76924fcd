"""Tiny stand-ins for the book's models, saved where the CLI and the demo look for the real ones
(results/<experiment>/models/ beside a results JSON), so their tests need no training."""

from __future__ import annotations

import functools
import json
from dataclasses import asdict, replace
from pathlib import Path
from types import SimpleNamespace

import pytest
import torch

from probing_rnns import book_models, ensemble, sentiment, translation
from probing_rnns.book_models import BookModel
from probing_rnns.tokenizers import EnglishTokenizer, SyllableTokenizer
from probing_rnns.vocab import Vocab

REVIEWS = [
    "배우들 연기가 정말 좋았다",
    "정말 재미있는 영화였다",
    "지루하고 재미없다",
    "연기는 좋은데 스토리는 별로",
]
PAIRS = [
    ("나는 학생이다.", "I am a student."),
    ("톰은 학교에 가지 않았다.", "Tom didn't go to school."),
]
TRANSLATOR_METRICS = asdict(
    translation.Metrics(
        test_bleu=9.5,
        val_bleu=11.0,
        test_bleu_by_length={},
        val_bleu_by_beam={},
        test_bleu_by_beam={},
        selected_beam=4,
        selected_alpha=1.0,
        test_bleu_selected=10.25,
    )
)


def classifier_metrics(test_accuracy: float, val_accuracy: float) -> dict:
    return asdict(sentiment.Metrics(test_accuracy, 0.5, val_accuracy, [[1, 0], [0, 1]]))


def write_result(model: BookModel, metrics: dict, train_seconds: float = 600.0) -> None:
    """A results JSON as the runner writes it (the measurements the CLI does not read made up)."""
    path = model.result_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    record = {
        "experiment": model.experiment,
        "model": model.variant,
        "variant": model.variant,
        "seed": model.seed,
        "config": asdict(model.config()),
        "metrics": metrics,
        "params": 1_000,
        "vocab_size": 100,
        "train_seconds": train_seconds,
        "epochs": 1,
        "history": [],
    }
    path.write_text(json.dumps(record, ensure_ascii=False), encoding="utf-8")


def ship_classifier(name: str, val_accuracy: float) -> None:
    """A small untrained classifier of the model's kind, with its results JSON."""
    model = book_models.named(name)
    cfg = replace(model.config(), embed_dim=8, hidden_size=8)
    vocab = Vocab.build(SyllableTokenizer()(r) for r in REVIEWS)
    torch.manual_seed(0)
    metrics = classifier_metrics(val_accuracy - 0.01, val_accuracy)
    net = sentiment.build_model(cfg, len(vocab))
    sentiment.save_classifier(model.shipped_path(), net, cfg, vocab, SyllableTokenizer(), metrics)
    write_result(model, metrics)


def ship_translator(
    variant: str = "dot",
    model_file: bool = True,
    experiment: str = book_models.TRANSLATION_EXPERIMENT,
    val_bleu: float = TRANSLATOR_METRICS["val_bleu"],
) -> None:
    """The results JSON of one translator variant (tatoeba-attention's unless `experiment` says
    otherwise) and, with `model_file`, a small untrained translator of that kind reading
    syllables."""
    model = BookModel("translator", experiment, variant, "")
    write_result(model, {**TRANSLATOR_METRICS, "val_bleu": val_bleu})
    if not model_file:
        return
    cfg = replace(model.config(), src_tokenizer="syllable", embed_dim=8, hidden_size=8)
    src = Vocab.build(SyllableTokenizer()(ko) for ko, _ in PAIRS)
    tgt = Vocab.build(EnglishTokenizer()(en) for _, en in PAIRS)
    torch.manual_seed(0)
    net = translation.build_model(cfg, len(src), len(tgt))
    vocabularies = SimpleNamespace(src_vocab=src, tgt_vocab=tgt)  # what it reads of a Corpus
    translation.save_translator(model.shipped_path(), net, cfg, vocabularies, TRANSLATOR_METRICS)


SHIPPED = {"rnn": 0.80, "gru": 0.86, "combined": 0.87, "attention": 0.85}  # name → val. accuracy


def ship_book(root: Path, mp: pytest.MonkeyPatch) -> Path:
    """Results and cache folders under `root` holding SHIPPED, the translator, and lstm's results
    JSON without its model; returns the results folder."""
    mp.setenv("PROBING_RNNS_RESULTS", str(root / "results"))
    mp.setenv("PROBING_RNNS_CACHE", str(root / "cache"))
    for name, val_accuracy in SHIPPED.items():
        ship_classifier(name, val_accuracy)
    write_result(book_models.named("lstm"), classifier_metrics(0.85, 0.85), 1_200.0)
    ship_translator()
    return root / "results"


# a small bidirectional GRU classifier: 300 reviews, one epoch, a few seconds
TINY_GRU = replace(
    sentiment.LIVE,
    cell="gru",
    bidirectional=True,
    train_size=300,
    val_size=100,
    test_size=100,
    epochs=1,
    embed_dim=8,
    hidden_size=8,
)
# an ensemble of two views (syllables, jamo) of TINY_GRU
TINY_ENSEMBLE = ensemble.Config.of(TINY_GRU, ("syllable", "jamo"))


@functools.cache  # one training per test session: test_cli and test_demo share it
def train_ensemble() -> ensemble.EnsembleRun:
    """A tiny ensemble (TINY_ENSEMBLE), trained: a few seconds."""
    return ensemble.run(TINY_ENSEMBLE, progress=False)


def place_ensemble(trained: ensemble.EnsembleRun, val_accuracy: float) -> Path:
    """`trained`, reporting `val_accuracy`, where `probing-rnns train --full --model ensemble` puts
    the book's (it is not shipped); returns the file."""
    path = book_models.named("ensemble").trained_path()
    metrics = replace(trained.metrics, val_accuracy=val_accuracy)
    ensemble.save_run(replace(trained, metrics=metrics), path)
    return path
