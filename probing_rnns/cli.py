"""The `probing-rnns` command: the book's trained models on your own sentences.

    probing-rnns predict "배우들 연기가 정말 좋았다"  # the book's best model (chosen on validation)
    probing-rnns predict "재미없지 않다" --model all  # every sentiment model, side by side
    probing-rnns predict "지루했다" --model ensemble  # four views averaged (train it first)
    probing-rnns translate "나는 학생이다."           # greedy and beam search, with their scores
    probing-rnns models                               # the models, their files and scores
    probing-rnns train --full --model bilstm          # train one here with the runner's config
    probing-rnns demo                                 # a web page for all of it

The models are the experiment runner's full-scale runs (probing_rnns/book_models.py): shipped beside
their results in results/<experiment>/models/, or trained here by `train --full`.
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import asdict

from probing_rnns import book_models, demo, experiments, explain
from probing_rnns.book_models import BookModel, SentimentModel, score_text
from probing_rnns.provenance import use_threads

CHOICES = ("best", "all")  # besides the models' names


def describe(name: str, metrics: dict) -> str:
    """ "combined — 양방향 GRU … (6장), 평가 정확도 86.51%": the model, what it is, how well it
    scored."""
    model = book_models.named(name)
    return f"{name} — {model.about}, {model.experiment} 시드 {model.seed}, {score_text(metrics)}"


def sentiment_models(choice: str) -> list[SentimentModel]:
    """The named model; "all": every model there is; "best": the best of them on validation."""
    if choice not in CHOICES:
        return [book_models.load_sentiment(book_models.named(choice))]
    found = [book_models.load_sentiment(m) for m in book_models.available_sentiment()]
    if not found:
        raise FileNotFoundError(book_models.NO_MODELS)
    return found if choice == "all" else [book_models.best_of(found)]


def predict(text: str, choice: str) -> list[str]:
    """Two lines per model: its prediction (with notes on unknown tokens or a cut review), and
    which model it is with its measured test accuracy."""
    book_models.check_text(text, explain.EMPTY_REVIEW)
    lines = []
    for model in sentiment_models(choice):
        p = book_models.predict_review(model, text)
        notes = f"  [{', '.join(p.notes())}]" if p.notes() else ""
        lines += [
            f"{model.name}: {p.label} (긍정 확률 {p.positive:.2f}){notes}",
            f"    {describe(model.name, model.metrics)}",
        ]
    return lines


def translate(text: str, beam: int | None, alpha: float | None) -> list[str]:
    """The translator's greedy output and its beam's candidates, each with log p and score."""
    book_models.check_text(text, explain.EMPTY_SENTENCE)
    saved = book_models.load_translator(book_models.translator())
    chosen_beam, chosen_alpha = book_models.decoding_setting(saved.metrics)
    beam = chosen_beam if beam is None else beam
    alpha = chosen_alpha if alpha is None else alpha
    if not 1 <= beam <= book_models.MAX_BEAM:
        raise ValueError(f"빔 크기는 1에서 {book_models.MAX_BEAM} 사이여야 합니다: {beam}")
    view = explain.translate_candidates(saved, text, beam, alpha)
    refusal = book_models.reads_nothing(view.source_tokens, saved.src_vocab)
    if refusal:
        raise ValueError(refusal)
    lines = [
        f"번역기: {describe(saved.name, saved.metrics)}",
        f"입력 토큰: {' '.join(view.source_tokens)}"
        + (f"  [모르는 토큰 {view.unknown_rate:.0%}]" if view.unknown_rate else ""),
        f"탐욕 탐색: {view.greedy.text}  (log p {view.greedy.log_prob:.2f})",
        f"빔 탐색 (빔 {beam}, α {alpha:g}; 점수 = log p / 길이^α):",
    ]
    lines += [
        f"  {rank}. {t.text}  (점수 {t.score:.3f}, log p {t.log_prob:.2f})"
        for rank, t in enumerate(view.beam, 1)
    ]
    return lines


def models_table() -> list[str]:
    """One line per model: name, what it is, its file (or how to get it), its measured score."""
    lines = []
    for model in book_models.catalogue().values():
        path, stored = model.path(), model.stored_result()
        where = (
            f"{path} ({path.stat().st_size / 1e6:.1f} MB)"
            if path
            else f"파일 없음 → probing-rnns train --full --model {model.name}"
        )
        score = score_text(asdict(stored.metrics)) if stored else "결과 파일 없음"
        lines.append(f"{model.name:>10}  {model.about}; {score}\n{'':>12}{where}")
    return lines


def minutes_seconds(seconds: float) -> str:
    return f"{int(seconds // 60)}분 {seconds % 60:.0f}초"


def train(name: str, full: bool, threads: int) -> None:
    """Train one of the book's models with the runner's config (its seed, one thread by default), so
    the file is the model the results JSON measured; saved in the cache folder."""
    model: BookModel = book_models.named(name)
    minutes = model.expected_minutes()
    cost = (
        f"결과 파일을 만든 기계에서 약 {minutes:.0f}분"
        if minutes is not None
        else "시간은 기록이 없음"
    )
    if not full:
        raise ValueError(
            f"{name}: 전체 규모 학습입니다({model.experiment}의 {model.variant}, {cost}). "
            "시작하려면 --full을 붙이세요."
        )
    if threads < 1:
        raise ValueError("--threads는 1 이상이어야 합니다.")
    print(
        f"{name}: {model.experiment}의 {model.variant} 설정 그대로 학습합니다 "
        f"(시드 {model.seed}, 스레드 {threads}; {cost}).",
        flush=True,
    )
    use_threads(threads)
    start = time.perf_counter()
    measured = experiments.measure(
        model.experiment, model.config(), progress=True, save_to=model.trained_path()
    )
    took = minutes_seconds(time.perf_counter() - start)
    print(f"{name}: {score_text(measured['metrics'])}, 걸린 시간 {took} → {model.trained_path()}")
    if model.shipped_path().is_file():
        print(
            f"(저장소에 같은 실행의 모델 {model.shipped_path()}이 있어 "
            "predict와 demo는 그것을 씁니다.)"
        )


def serve_demo(port: int, host: str) -> None:
    classifiers = [book_models.load_sentiment(m) for m in book_models.available_sentiment()]
    if not classifiers:
        raise FileNotFoundError(book_models.NO_MODELS)
    try:
        entry = book_models.translator()
    except FileNotFoundError:  # no translation results: the page says so in the translation panel
        entry = None
    translator = book_models.load_translator(entry) if entry and entry.path() else None
    demo.serve(classifiers, translator, port, host)


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(
        prog="probing-rnns",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = root.add_subparsers(dest="action", required=True)
    names = [m.name for m in book_models.SENTIMENT]
    predict_p = sub.add_parser("predict", help="리뷰 한 문장의 감성")
    predict_p.add_argument("text")
    predict_p.add_argument(
        "--model",
        default="best",
        choices=[*CHOICES, *names],
        help="best: 검증 정확도가 가장 높은 모델 (기본), all: 모든 모델",
    )
    translate_p = sub.add_parser("translate", help="한국어 문장을 영어로 (탐욕 탐색과 빔 탐색)")
    translate_p.add_argument("text")
    translate_p.add_argument("--beam", type=int, help="빔 크기 (기본: 검증으로 고른 값)")
    translate_p.add_argument("--alpha", type=float, help="길이 정규화 α (기본: 검증으로 고른 값)")
    sub.add_parser("models", help="책의 모델 목록: 파일, 측정값, 학습 명령")
    train_p = sub.add_parser("train", help="책의 모델 하나를 실험과 같은 설정으로 학습")
    train_p.add_argument("--model", required=True, choices=[*names, "translator"])
    train_p.add_argument(
        "--full", action="store_true", help="전체 규모 학습을 시작합니다 (몇 분–수십 분)"
    )
    train_p.add_argument(
        "--threads", type=int, default=1, help="torch 스레드 (기본 1: 결과 파일과 같은 숫자)"
    )
    demo_p = sub.add_parser("demo", help="모든 모델을 한 쪽에서 비교하는 웹 페이지")
    demo_p.add_argument("--port", type=int, default=8000)
    demo_p.add_argument("--host", default="127.0.0.1")
    return root


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        if args.action == "predict":
            print("\n".join(predict(args.text, args.model)))
        elif args.action == "translate":
            print("\n".join(translate(args.text, args.beam, args.alpha)))
        elif args.action == "models":
            print("\n".join(models_table()))
        elif args.action == "train":
            train(args.model, args.full, args.threads)
        else:
            serve_demo(args.port, args.host)
    except (ValueError, OSError) as error:  # OSError: a missing model, a port in use
        print(f"probing-rnns: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
