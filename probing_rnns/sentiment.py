"""NSMC sentiment classification end to end (config → data → model → training → metrics), and
saved models that predict on new reviews."""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Iterable, Sequence

import torch
from torch.nn import functional as F

from probing_rnns import data, devices
from probing_rnns.batching import Batch, make_loader
from probing_rnns.data import DATA_SEED
from probing_rnns.models import Classifier, Encoder, count_parameters
from probing_rnns.probes import accuracy_by_length
from probing_rnns.run_result import RunResult
from probing_rnns.tokenizers import (
    Tokenizer,
    get_tokenizer,
    load_tokenizer,
    saved_tokenizer,
    tokenize_corpus,
)
from probing_rnns.training import (
    Callback,
    TrainConfig,
    checkpoint,
    fit,
    load_checkpoint,
    set_seed,
    write_checkpoint,
)
from probing_rnns.transformer import TransformerEncoder
from probing_rnns.vocab import Vocab

# review-length buckets (tokens) of every run's test accuracy; max_len 128
LENGTH_EDGES = (0, 10, 20, 40, 80, 129)


@dataclass(frozen=True)
class Config(TrainConfig):
    """Every hyperparameter of a sentiment run (data, model, optimisation), saved with each
    result."""

    # data
    tokenizer: str = "syllable"
    min_freq: int = 2
    max_len: int = 128  # reviews are cut to their first max_len tokens
    padding_side: str = "right"
    bucket: bool = True  # batch reviews of similar length together (faster; see BucketSampler)
    train_size: int | None = None  # None = all of NSMC train, less the validation split
    val_size: int = 10_000
    test_size: int | None = None  # None = all of NSMC test
    # model
    cell: str = "lstm"
    impl: str = "torch"  # "torch" (torch.nn) or "ours" (probing_rnns.cells)
    embed_dim: int = 128
    hidden_size: int = 128
    num_layers: int = 1
    bidirectional: bool = False
    dropout: float = 0.3
    pooling: str = "last"
    use_mask: bool = True  # False: the encoder reads padding like any token
    # cell="transformer" (probing_rnns.transformer, chapter 20): width embed_dim, num_layers layers
    # (dropout inside them only if more than one, as for the recurrent encoder); hidden_size, impl
    # and bidirectional do not apply
    n_heads: int = 4
    ff_size: int = 256  # the feed-forward network's width
    positional: str = "sinusoidal"  # "sinusoidal", "learned" or "none" (a bag of tokens)


# The small, seeded setting every classifier chapter trains live (about a minute on 2 CPU cores);
# chapters change one field of it. Full-scale numbers come from the experiment runner instead.
LIVE = Config(train_size=6_000, val_size=2_000, test_size=2_000, epochs=3, batch_size=64)


@dataclass
class SentimentData:
    vocab: Vocab
    train: Iterable[Batch]
    val: Iterable[Batch]
    test: Iterable[Batch]
    tokenizer: Tokenizer  # a subword tokenizer learned from this run's training reviews


def prepare_data(cfg: Config, progress: bool = True) -> SentimentData:
    """Split, tokenize, build the vocabulary on train only, and batch."""
    train, val = data.train_val_split(data.load_nsmc("train"), cfg.val_size, seed=DATA_SEED)
    test = data.load_nsmc("test")
    if cfg.train_size is not None:
        train = data.subsample(train, cfg.train_size, seed=DATA_SEED)
    if cfg.test_size is not None:
        test = data.subsample(test, cfg.test_size, seed=DATA_SEED)
    # subwords learn from train only
    tokenizer = get_tokenizer(cfg.tokenizer, train_texts=[r.text for r in train])
    tokens = {
        name: tokenize_corpus([r.text for r in split], tokenizer, progress)
        for name, split in [("train", train), ("val", val), ("test", test)]
    }
    vocab = Vocab.build(tokens["train"], min_freq=cfg.min_freq)

    def loader(name: str, reviews: list[data.Review], shuffle: bool):
        encoded = [vocab.encode(t) for t in tokens[name]]
        return make_loader(
            encoded,
            [r.label for r in reviews],
            cfg.batch_size,
            shuffle=shuffle,
            seed=cfg.seed,
            pad_id=vocab.pad_id,
            padding_side=cfg.padding_side,
            max_len=cfg.max_len,
            bucket=cfg.bucket,
        )

    return SentimentData(
        vocab,
        loader("train", train, True),
        loader("val", val, False),
        loader("test", test, False),
        tokenizer,
    )


def reviews_of_length(
    length: int, vocab: Vocab, tokenizer: str = "syllable", split: str = "test"
) -> tuple[torch.Tensor, torch.Tensor]:
    """Every review of an NSMC split that is exactly `length` tokens long: ids (N, length) with no
    padding, labels (N,).

    With one length, step length-1 is every review's last token, so "distance from the end" means
    the same for all of them (the gradient probe of chapter 11).
    """
    tokenize = get_tokenizer(tokenizer)
    reviews = [
        (tokens, r.label)
        for r in data.load_nsmc(split)
        if len(tokens := tokenize(r.text)) == length
    ]
    if not reviews:
        raise ValueError(f"no {split} review is exactly {length} {tokenizer} tokens long")
    ids = torch.tensor([vocab.encode(tokens) for tokens, _ in reviews])  # (N, length)
    return ids, torch.tensor([label for _, label in reviews])  # (N,)


def build_model(cfg: Config, vocab_size: int) -> Classifier:
    # one layer: dropout only before the head
    inner_dropout = cfg.dropout if cfg.num_layers > 1 else 0.0
    if cfg.cell == "transformer":
        encoder = TransformerEncoder(
            vocab_size,
            cfg.embed_dim,
            cfg.n_heads,
            cfg.ff_size,
            cfg.num_layers,
            cfg.max_len,
            cfg.positional,
            inner_dropout,
        )
    else:
        encoder = Encoder(
            vocab_size,
            cfg.embed_dim,
            cfg.hidden_size,
            cfg.cell,
            cfg.num_layers,
            cfg.bidirectional,
            dropout=inner_dropout,
            impl=cfg.impl,
        )
    return Classifier(encoder, cfg.pooling, cfg.dropout)


def logits_of(model: Classifier, batch: Batch, use_mask: bool = True) -> torch.Tensor:
    return model(batch.ids, batch.mask if use_mask else None)  # (B, 2)


@dataclass
class Predictions:
    labels: torch.Tensor  # (N,)
    probs: torch.Tensor  # (N,) probability of the positive class
    lengths: torch.Tensor  # (N,) review length in tokens (after max_len)

    @property
    def correct(self) -> torch.Tensor:
        """(N,) bool: the predicted class (positive probability ≥ 0.5) equals the label."""
        return (self.probs >= 0.5).long() == self.labels


@torch.no_grad()
def predict(model: Classifier, loader: Iterable[Batch], use_mask: bool = True) -> Predictions:
    """Labels, positive-class probabilities and lengths over a loader (in the loader's order), on
    the CPU; the batches are read on the model's device."""
    model.eval()
    device = devices.device_of(model)
    labels, probs, lengths = [], [], []
    for batch in loader:
        batch = devices.to_device(batch, device)
        probs.append(F.softmax(logits_of(model, batch, use_mask), dim=-1)[:, 1])
        labels.append(batch.labels)
        lengths.append(batch.lengths)
    found = Predictions(torch.cat(labels), torch.cat(probs), torch.cat(lengths))
    return devices.to_device(found, "cpu")


def metrics(labels: torch.Tensor, probs: torch.Tensor) -> dict:
    """Accuracy, F1 of the positive class, and the confusion matrix (혼동 행렬) [[TN, FP], [FN,
    TP]]."""
    preds = (probs >= 0.5).long()
    confusion = torch.zeros(2, 2, dtype=torch.long)
    confusion.index_put_((labels, preds), torch.ones_like(labels), accumulate=True)
    tp, fp, fn = confusion[1, 1].item(), confusion[0, 1].item(), confusion[1, 0].item()
    return {
        "accuracy": (preds == labels).float().mean().item(),
        "f1": 2 * tp / (2 * tp + fp + fn) if tp else 0.0,
        "confusion": confusion.tolist(),
    }


def label_of(positive: float) -> str:
    """The predicted class of a positive-class probability, in Korean."""
    return "긍정" if positive >= 0.5 else "부정"


@dataclass
class TextPrediction:
    label: str  # "긍정" or "부정"
    positive: float  # probability of the positive class
    unknown_rate: float  # share of the review's tokens that are not in the vocabulary (<unk>)
    truncated: bool  # the review was longer than cfg.max_len tokens and was cut

    def notes(self) -> list[str]:
        """Why to trust the prediction less (in Korean): many unknown tokens, a review cut short."""
        found = []
        if self.unknown_rate >= 0.3:
            found.append(f"모르는 토큰 {self.unknown_rate:.0%}: 믿기 어려운 예측")
        if self.truncated:
            found.append("앞부분만 읽음")
        return found


def predict_text(
    model: Classifier, vocab: Vocab, cfg: Config, text: str, tokenizer: Tokenizer | None = None
) -> TextPrediction:
    """Sentiment of one review. An empty review is an error; unknown tokens and over-long reviews
    are reported. `tokenizer`: the one the model was trained with; needed when it was learned from
    data (a subword model), otherwise `cfg.tokenizer` names it.
    """
    tokens = (tokenizer or get_tokenizer(cfg.tokenizer))(text)
    if not tokens:
        raise ValueError("리뷰가 비어 있습니다. 문장을 입력하세요 (the review is empty).")
    ids = vocab.encode(tokens)
    kept = torch.tensor([ids[: cfg.max_len]], device=devices.device_of(model))  # (1, T)
    model.eval()
    with torch.no_grad():
        positive = F.softmax(model(kept, torch.ones_like(kept, dtype=torch.bool)), dim=-1)[
            0, 1
        ].item()
    unknown = sum(i == vocab.unk_id for i in ids) / len(ids)
    return TextPrediction(label_of(positive), positive, unknown, len(ids) > cfg.max_len)


@dataclass(frozen=True)
class SavedClassifier:
    """A sentiment model saved by `save_classifier`, loaded with all it needs to read a review."""

    name: str
    model: Classifier
    vocab: Vocab
    tokenizer: Tokenizer  # the training run's own (a learned subword model travels in the file)
    cfg: Config
    metrics: dict  # the run's test measurements, e.g. "test_accuracy"

    @property
    def readers(self) -> tuple[SavedClassifier, ...]:
        """The classifiers that read a review for this model: itself (an ensemble: its members)."""
        return (self,)

    def predict(self, text: str) -> TextPrediction:
        return predict_text(self.model, self.vocab, self.cfg, text, self.tokenizer)


def classifier_checkpoint(
    model: Classifier, cfg: Config, vocab: Vocab, tokenizer: Tokenizer, metrics: dict
) -> dict:
    """Weights, config, vocabulary, tokenizer and test results (`classifier_from`)."""
    return checkpoint(
        model, cfg, vocab=vocab.itos, tokenizer=saved_tokenizer(tokenizer), metrics=metrics
    )


def save_classifier(
    path: str | Path,
    model: Classifier,
    cfg: Config,
    vocab: Vocab,
    tokenizer: Tokenizer,
    metrics: dict,
) -> None:
    """A `classifier_checkpoint` in one file (`load_classifier`)."""
    write_checkpoint(path, classifier_checkpoint(model, cfg, vocab, tokenizer, metrics))


def load_classifier(
    path: str | Path, name: str, device: str | torch.device = "auto"
) -> SavedClassifier:
    """The classifier `save_classifier` wrote to `path`, ready to predict on `device`
    (`devices.resolve_device`: "auto" is a CUDA GPU when there is one)."""
    return classifier_from(load_checkpoint(path), name, device)


def classifier_from(saved: dict, name: str, device: str | torch.device = "auto") -> SavedClassifier:
    """The classifier of a `classifier_checkpoint`, on `device`."""
    cfg, vocab = Config(**saved["config"]), Vocab(saved["vocab"])
    model = build_model(cfg, len(vocab))
    model.load_state_dict(saved["model"])
    devices.to_device(model, devices.resolve_device(device))
    if "tokenizer" in saved:
        tokenizer = load_tokenizer(saved["tokenizer"])
    else:  # saved before the tokenizer was: one that needs no data
        tokenizer = get_tokenizer(cfg.tokenizer)
    return SavedClassifier(name, model.eval(), vocab, tokenizer, cfg, saved.get("metrics", {}))


@dataclass(frozen=True)
class Metrics:
    """What a sentiment run measures (its results file's "metrics")."""

    test_accuracy: float
    test_f1: float
    val_accuracy: float  # of the kept epoch: what a choice between models rests on
    test_confusion: list[list[int]]  # [[TN, FP], [FN, TP]]
    # one row per LENGTH_EDGES bucket (`probes.accuracy_by_length`); None in older results
    test_accuracy_by_length: list[dict] | None = None


@dataclass(frozen=True)
class SentimentRun(RunResult):
    """A trained classifier with what it measured, its vocabulary, data and test predictions."""

    config: Config
    metrics: Metrics
    model: Classifier
    vocab: Vocab
    data: SentimentData
    test_predictions: Predictions  # in the test loader's order


def run_checkpoint(result: SentimentRun) -> dict:
    """What is kept of a run: its classifier (`classifier_checkpoint`) with the run's metrics."""
    return classifier_checkpoint(
        result.model, result.config, result.vocab, result.data.tokenizer, asdict(result.metrics)
    )


def save_run(result: SentimentRun, path: str | Path) -> None:
    """What the experiment runner keeps of a run (`--save-model`): the classifier."""
    write_checkpoint(path, run_checkpoint(result))


def run(cfg: Config, progress: bool = True, callbacks: Sequence[Callback] = ()) -> SentimentRun:
    """Train one model under `cfg`, measure it on validation and test; `callbacks` watch `fit`."""
    set_seed(cfg.seed)
    prepared = prepare_data(cfg, progress)
    set_seed(cfg.seed)  # the model's initial weights depend on the seed only
    model = build_model(cfg, len(prepared.vocab))

    def loss_fn(m: Classifier, batch: Batch) -> torch.Tensor:
        return F.cross_entropy(logits_of(m, batch, cfg.use_mask), batch.labels)

    def score_fn(m: Classifier, loader: Iterable[Batch]) -> float:
        p = predict(m, loader, cfg.use_mask)
        return metrics(p.labels, p.probs)["accuracy"]

    start = time.perf_counter()
    history = fit(model, prepared.train, prepared.val, cfg, loss_fn, score_fn, progress, callbacks)
    train_seconds = time.perf_counter() - start
    val_pred, test_pred = (
        predict(model, loader, cfg.use_mask) for loader in (prepared.val, prepared.test)
    )
    val, test = metrics(val_pred.labels, val_pred.probs), metrics(test_pred.labels, test_pred.probs)
    return SentimentRun(
        config=cfg,
        metrics=Metrics(
            test_accuracy=test["accuracy"],
            test_f1=test["f1"],
            val_accuracy=val["accuracy"],
            test_confusion=test["confusion"],
            test_accuracy_by_length=accuracy_by_length(test_pred, LENGTH_EDGES),
        ),
        params=count_parameters(model),
        vocab_size=len(prepared.vocab),
        train_seconds=train_seconds,
        epochs=len(history),
        history=history,
        model=model,
        vocab=prepared.vocab,
        data=prepared,
        test_predictions=test_pred,
    )


def run_variants(variants: dict[str, Config], progress: bool = False) -> dict[str, SentimentRun]:
    """Run each named config (the chapters' "change one thing" experiments)."""
    return {name: run(cfg, progress) for name, cfg in variants.items()}


def summary_rows(results: dict[str, SentimentRun]) -> list[dict]:
    """One row per variant: test accuracy, F1, parameters, training time."""
    return [
        {
            "모델": name,
            "평가 정확도": r.metrics.test_accuracy,
            "평가 F1": r.metrics.test_f1,
            "파라미터 수": r.params,
            "학습 시간(초)": r.train_seconds,
        }
        for name, r in results.items()
    ]
