"""The book's trained models, for the `probing-rnns` command and its demo: which, where, how well.

Each model is one run of the experiment runner (an experiment, a variant, seed 0), found at

1. results/<experiment>/models/<variant>-seed0.pt, beside the run's results JSON: shipped in the
   repository, written by `python -m probing_rnns.experiments run <experiment> --save-model 0`;
2. $PROBING_RNNS_CACHE/cli/<experiment>/<variant>-seed0.pt: written by `probing-rnns train --full`,
   which trains the runner's config (default cache: ~/.cache/probing_rnns).

A shipped model reports the measurements of its results JSON; one trained here, those of its run.
A sentiment model is one classifier or an ensemble of them (`SentimentModel`). Two are not
shipped, as the repository's models would pass 20 MB (the shipped ones take 19.6 MB): the ensemble
(four members) and chapter 21's two-layer model.
"""

from __future__ import annotations

import unicodedata
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any, Protocol

from probing_rnns import ensemble, experiments, sentiment, translation
from probing_rnns.ensemble import SavedEnsemble
from probing_rnns.explain import EMPTY_REVIEW
from probing_rnns.run_result import StoredResult
from probing_rnns.sentiment import SavedClassifier, TextPrediction
from probing_rnns.tokenizers import cache_dir, normalize_text
from probing_rnns.translation import SavedTranslator
from probing_rnns.vocab import Vocab

SEED = 0  # the seed of the runs whose models the book ships
MAX_BEAM = 16  # the widest beam the command and the demo run (chapter 10 measures 1–16)
NO_MODELS = (
    "책의 감성 모델 파일이 없습니다(results/<실험>/models/). `probing-rnns models`가 모델마다 "
    "받을 곳과 `probing-rnns train --full --model <이름>` 명령을 보여 줍니다."
)
MAX_CHARS = 20_000  # longer input is refused; the models read the first max_len tokens anyway
TRANSLATION_EXPERIMENT = "tatoeba-attention"  # chapter 9: GRU encoder–decoders
TRANSFORMER_EXPERIMENT = "tatoeba-transformer"  # chapter 20


@dataclass(frozen=True)
class BookModel:
    """One of the book's models: the runner's `experiment` and `variant`, trained with `seed`."""

    name: str  # what the command line calls it
    experiment: str
    variant: str
    about: str  # one line in Korean: what the model is and which chapter measured it
    seed: int = SEED
    shipped: bool = True  # False: the repository holds no file of it; `train --full` makes one

    def config(self) -> Any:
        """The runner's config of this run (`experiments.EXPERIMENTS`), with its seed."""
        variants = experiments.EXPERIMENTS[self.experiment].variants
        return replace(variants[self.variant], seed=self.seed)

    def result_path(self) -> Path:
        return experiments.result_path(self.experiment, self.variant, self.seed)

    def shipped_path(self) -> Path:
        return experiments.model_path(self.experiment, self.variant, self.seed)

    def trained_path(self) -> Path:
        return cache_dir() / "cli" / self.experiment / self.shipped_path().name

    def path(self) -> Path | None:
        """The model's file: the shipped one, else one trained here; None if neither exists."""
        return next((p for p in (self.shipped_path(), self.trained_path()) if p.is_file()), None)

    def stored_result(self) -> StoredResult | None:
        """The run's results JSON, if the repository holds it."""
        path = self.result_path()
        return experiments.load_result(self.experiment, path) if path.is_file() else None

    def missing_message(self) -> str:
        minutes = self.expected_minutes()
        cost = f" (CPU 한 스레드로 약 {minutes:.0f}분)" if minutes is not None else ""
        return (
            f"{self.name} 모델 파일이 없습니다: {self.expected_path()}. "
            f"`probing-rnns train --full --model {self.name}`로 "
            f"책과 같은 설정으로 학습하세요{cost}."
        )

    def expected_path(self) -> str:
        """Where the model's file should be: in the repository, or in the cache if not shipped."""
        if self.shipped:
            return str(self.shipped_path())
        return f"{self.trained_path()} (저장소에 싣지 않는 모델)"

    def expected_minutes(self) -> float | None:
        """How long the stored run trained, in minutes (the machine that stored it; one thread)."""
        stored = self.stored_result()
        return None if stored is None else stored.train_seconds / 60


SENTIMENT = (
    BookModel("rnn", "nsmc-cells", "rnn", "RNN, 최종 상태 (6장)"),
    BookModel("lstm", "nsmc-cells", "lstm", "LSTM, 최종 상태 (6장)"),
    BookModel("gru", "nsmc-cells", "gru", "GRU, 최종 상태 (6장)"),
    BookModel("bilstm", "nsmc-cells", "bilstm", "양방향 LSTM (6장)"),
    BookModel("bigru", "nsmc-cells", "bigru", "양방향 GRU (6장)"),
    BookModel(
        "combined",
        "nsmc-combined",
        "bigru-max-warmup-5ep",
        "양방향 GRU + 최대 풀링 + 웜업·선형 감쇠, 5 에폭 (6장)",
    ),
    BookModel("attention", "nsmc-pooling", "attention", "LSTM + 어텐션 풀링 (13장)"),
    BookModel(
        "2layers",
        "nsmc-search-epochs",
        "2layers-8ep",
        "양방향 GRU 두 층 + 최대 풀링 + 웜업·선형 감쇠, 8 에폭 (21장)",
        shipped=False,
    ),
    BookModel(
        "ensemble",
        "nsmc-ensemble",
        "views",
        "서로 다른 입력(음절·형태소·BPE·자모)을 읽는 양방향 GRU 네 개의 앙상블 (21장)",
        shipped=False,
    ),
)


class SentimentModel(Protocol):
    """What the command and the demo ask of a sentiment model: one classifier
    (`sentiment.SavedClassifier`) or an ensemble of them (`ensemble.SavedEnsemble`)."""

    @property
    def name(self) -> str: ...

    @property
    def metrics(self) -> dict: ...  # the run's measurements, e.g. "test_accuracy"

    @property
    def readers(self) -> tuple[SavedClassifier, ...]: ...  # the classifiers that read a review

    def predict(self, text: str) -> TextPrediction: ...


def translator_candidates() -> dict[tuple[str, str], str]:
    """The translators the book trains at full scale, (experiment, variant) → what each is: the
    recurrent ones of chapter 9 and the Transformer of chapter 20."""
    recurrent = experiments.EXPERIMENTS[TRANSLATION_EXPERIMENT].variants
    return {
        **{
            (TRANSLATION_EXPERIMENT, v): f"양방향 GRU 인코더–디코더, {v} 어텐션 (9장)"
            for v in recurrent
        },
        (TRANSFORMER_EXPERIMENT, "transformer"): "트랜스포머 인코더–디코더 (20장)",
    }


def translator() -> BookModel:
    """The translator the book would pick: the best mean validation BLEU (greedy) among
    `translator_candidates` that have results."""
    means = {}
    for experiment in dict.fromkeys(e for e, _ in translator_candidates()):
        try:
            scores = experiments.validation_means(experiment, "val_bleu")
        except FileNotFoundError:  # an experiment not run (yet): not a candidate
            continue
        means |= {(experiment, v): m for v, m in scores.items()}
    candidates = {key: means[key] for key in translator_candidates() if key in means}
    if not candidates:
        raise FileNotFoundError(
            f"{TRANSLATION_EXPERIMENT}의 결과 파일이 없어 책의 번역기를 정할 수 "
            "없습니다(results/ 폴더가 있는 저장소에서 실행하세요)."
        )
    experiment, variant = max(candidates, key=candidates.get)
    about = translator_candidates()[experiment, variant]
    return BookModel("translator", experiment, variant, about)


def named(name: str) -> BookModel:
    """A model by its command-line name ("translator" or one of SENTIMENT)."""
    if name == "translator":
        return translator()
    return next(m for m in SENTIMENT if m.name == name)


def catalogue() -> dict[str, BookModel]:
    """Every model by name: the sentiment models, then the translator."""
    return {m.name: m for m in (*SENTIMENT, translator())}


def available_sentiment() -> list[BookModel]:
    return [m for m in SENTIMENT if m.path() is not None]


def load_sentiment(model: BookModel) -> SentimentModel:
    """The classifier (or ensemble), with its stored results' measurements when it is the shipped
    one."""
    path = model.path()
    if path is None:
        raise FileNotFoundError(model.missing_message())
    saved: SavedClassifier | SavedEnsemble
    if experiments.EXPERIMENTS[model.experiment].task is ensemble:
        saved = ensemble.load_ensemble(path, model.name)
    else:
        saved = sentiment.load_classifier(path, model.name)
    return replace(saved, metrics=measurements(model, path, saved.metrics))


def load_translator(model: BookModel) -> SavedTranslator:
    path = model.path()
    if path is None:
        raise FileNotFoundError(model.missing_message())
    saved = translation.load_translator(path, model.name)
    return replace(saved, metrics=measurements(model, path, saved.metrics))


def measurements(model: BookModel, path: Path, in_file: dict) -> dict:
    """The results JSON's metrics for a shipped model; one trained here reports its own run's."""
    stored = model.stored_result()
    shipped = stored is not None and path == model.shipped_path()
    return asdict(stored.metrics) if shipped else in_file


def best_of(models: list[SentimentModel]) -> SentimentModel:
    """The model the book would pick: the highest validation accuracy (chapter 6's rule)."""
    return max(models, key=lambda m: m.metrics.get("val_accuracy", 0.0))


def check_text(text: str, empty_message: str) -> None:
    """Refuse input no model should read, with a Korean message: too long, or nothing but whitespace
    and invisible characters."""
    if len(text) > MAX_CHARS:
        raise ValueError(
            f"문장이 너무 깁니다 ({len(text):,}자). {MAX_CHARS:,}자 이하로 줄여 주세요."
        )
    if not normalize_text(text).strip():
        raise ValueError(empty_message)


def reads_nothing(tokens: list[str], vocab: Vocab) -> str | None:
    """The message for input in which the model knows no letter or digit (only spaces, punctuation,
    emoji or a script it never saw: its answer would say nothing about the text), else None."""
    if any(t in vocab and any(unicodedata.category(c)[0] in "LN" for c in t) for t in tokens):
        return None
    return (
        "모델이 아는 글자가 하나도 없습니다. 이모지, 문장 부호, "
        "학습 데이터에 없던 문자 체계만으로는 예측할 수 없습니다. 한국어로 써 주세요."
    )


def predict_review(model: SentimentModel, text: str) -> TextPrediction:
    """The model's prediction, after `check_text`; a review none of its readers can read at all is
    refused."""
    check_text(text, EMPTY_REVIEW)
    refusals = [reads_nothing(r.tokenizer(text), r.vocab) for r in model.readers]
    if all(refusals):
        raise ValueError(refusals[0])
    return model.predict(text)


def decoding_setting(metrics: dict) -> tuple[int, float]:
    """The beam size and length penalty α chosen on validation (chapter 10), else 4 and α = 0."""
    return metrics.get("selected_beam", 4), metrics.get("selected_alpha", 0.0)


def score_text(metrics: dict) -> str:
    """A model's measured test score in Korean: accuracy for a classifier, BLEU for a translator."""
    if "test_accuracy" in metrics:
        return f"평가 정확도 {metrics['test_accuracy']:.2%}"
    text = f"평가 BLEU {metrics['test_bleu']:.2f} (탐욕 탐색)"
    if "selected_beam" in metrics:
        text += (
            f", 빔 {metrics['selected_beam']}·α {metrics['selected_alpha']:g}(검증으로 고름) "
            f"{metrics['test_bleu_selected']:.2f}"
        )
    return text
