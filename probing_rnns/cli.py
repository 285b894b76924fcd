"""The `probing-rnns` command: try the book's models on your own sentences.

    probing-rnns train --model bilstm            # a small NSMC sentiment model, saved in the cache folder
    probing-rnns predict "정말 재미있는 영화"       # 긍정 (0.97)
    probing-rnns predict "정말 재미있는 영화" --model all   # every trained model, side by side
    probing-rnns translate "나는 학생이다."         # the Tatoeba translator (trained on first use)
    probing-rnns demo                             # a web page comparing every trained model (probing_rnns/demo.py)

Models live in `$PROBING_RNNS_CACHE/cli` (default `~/.cache/probing_rnns/cli`).
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from pathlib import Path

from probing_rnns import demo, sentiment, translation
from probing_rnns.tokenizers import cache_dir

MODELS = {
    "rnn": dict(cell="rnn"),
    "lstm": dict(cell="lstm"),
    "gru": dict(cell="gru"),
    "bilstm": dict(cell="lstm", bidirectional=True),
    "bigru": dict(cell="gru", bidirectional=True),
}


def model_path(name: str) -> Path:
    return cache_dir() / "cli" / f"sentiment-{name}.pt"


def train(name: str, train_size: int, epochs: int) -> Path:
    """Train a sentiment model on an NSMC subset (the chapters' LIVE setting) and save it with its vocabulary."""
    cfg = replace(sentiment.LIVE, train_size=train_size, epochs=epochs, **MODELS[name])
    result = sentiment.run(cfg)
    path = model_path(name)
    sentiment.save_classifier(path, result["model"], cfg, result["vocab"], result["data"].tokenizer,
                              result["metrics"])
    print(f"{name}: 평가 정확도 {result['metrics']['test_accuracy']:.1%} (리뷰 {train_size:,}개로 학습) → {path}")
    return path


def trained_names() -> list[str]:
    return [name for name in MODELS if model_path(name).is_file()]


def load(name: str) -> sentiment.SavedClassifier:
    path = model_path(name)
    if not path.is_file():
        raise FileNotFoundError(f"{name} 모델이 없습니다. 먼저 `probing-rnns train --model {name}`을 실행하세요 ({path}).")
    return sentiment.load_classifier(path, name)


def predict(text: str, names: list[str]) -> list[str]:
    """One line per model: label, probability, and a note on unknown tokens or a cut review."""
    lines = []
    for name in names:
        p = load(name).predict(text)
        note = f"  [{', '.join(p.notes())}]" if p.notes() else ""
        lines.append(f"{name:>7}: {p.label} (긍정 확률 {p.positive:.2f}){note}")
    return lines


def translate(text: str, beam_size: int) -> str:
    if not text.strip():  # before any training
        raise ValueError("번역할 한국어 문장을 입력하세요 (the sentence is empty).")
    cfg = replace(translation.LIVE, attention="dot")
    if not translation.cache_path(cfg).is_file():
        print("처음 실행: 번역기를 학습합니다 (CPU 2코어에서 몇 분 걸립니다).", file=sys.stderr)
    trained = translation.train(cfg, progress=False, cache=True)
    return translation.translate(trained.model, trained.corpus, text, cfg, beam_size)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="probing-rnns", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="action", required=True)
    train_p = sub.add_parser("train", help="NSMC 감성 분류 모델 학습")
    train_p.add_argument("--model", choices=list(MODELS), default="bilstm")
    train_p.add_argument("--train-size", type=int, default=20_000)
    train_p.add_argument("--epochs", type=int, default=3)
    predict_p = sub.add_parser("predict", help="리뷰 한 문장의 감성")
    predict_p.add_argument("text")
    predict_p.add_argument("--model", default="bilstm", help=f"{', '.join(MODELS)} 또는 all (학습된 모든 모델)")
    translate_p = sub.add_parser("translate", help="한국어 문장을 영어로")
    translate_p.add_argument("text")
    translate_p.add_argument("--beam", type=int, default=4)
    demo_p = sub.add_parser("demo", help="학습된 모든 모델을 나란히 비교하는 웹 페이지")
    demo_p.add_argument("--port", type=int, default=8000)
    demo_p.add_argument("--host", default="127.0.0.1")
    args = parser.parse_args(argv)
    try:
        if args.action == "train":
            train(args.model, args.train_size, args.epochs)
        elif args.action == "predict":
            names = trained_names() if args.model == "all" else [args.model]
            if args.model not in MODELS and args.model != "all":
                parser.error(f"모델은 {', '.join(MODELS)} 또는 all 가운데 하나입니다: {args.model!r}")
            if not names:
                raise FileNotFoundError(demo.NO_MODELS)
            print("\n".join(predict(args.text, names)))
        elif args.action == "translate":
            print(translate(args.text, args.beam))
        else:
            demo.serve([load(name) for name in trained_names()], args.port, args.host)
    except (ValueError, OSError) as error:  # OSError: a missing model, a port in use
        print(f"probing-rnns: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
