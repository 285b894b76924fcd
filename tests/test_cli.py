"""`probing-rnns`: the book's models on your own sentences, from a fresh clone (tiny stand-ins of
the shipped models, tests/tiny_book.py), with clear Korean messages for input no model can read."""

import json
import os
import subprocess
import sys
import unicodedata
from dataclasses import asdict, replace

import pytest
import torch

from probing_rnns import book_models, cli, ensemble, experiments, sentiment, translation
from probing_rnns.provenance import ROOT
from probing_rnns.training import save_checkpoint
from probing_rnns.vocab import Vocab
from tests.tiny_book import (
    SHIPPED,
    TINY_ENSEMBLE,
    TINY_GRU,
    place_ensemble,
    ship_book,
    ship_translator,
    train_ensemble,
    write_result,
)

REVIEW = "배우들 연기가 정말 좋았다"
MB = 1_000_000


@pytest.fixture(scope="module")
def book(tmp_path_factory):
    mp = pytest.MonkeyPatch()
    yield ship_book(tmp_path_factory.mktemp("book"), mp)
    mp.undo()


def run(capsys, *args: str) -> tuple[int, str, str]:
    code = cli.main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_predict_answers_with_the_best_model_on_validation_and_names_its_score(book, capsys):
    code, out, _ = run(capsys, "predict", REVIEW)
    first, second = out.splitlines()
    assert code == 0 and first.startswith("combined: ") and "긍정 확률" in first
    assert "nsmc-combined 시드 0" in second and "평가 정확도 86.00%" in second  # its results JSON


def test_all_compares_every_model_there_is_in_the_books_order(book, capsys):
    code, out, _ = run(capsys, "predict", REVIEW, "--model", "all")
    names = [line.split(":")[0] for line in out.splitlines()[::2]]
    assert code == 0 and names == [m.name for m in book_models.SENTIMENT if m.name in SHIPPED]


def test_a_missing_model_says_how_to_train_it_and_how_long_it_takes(book, capsys):
    code, _, err = run(capsys, "predict", REVIEW, "--model", "lstm")
    assert code == 2 and "probing-rnns train --full --model lstm" in err and "약 20분" in err


@pytest.mark.parametrize(
    "text, message",
    [
        ("", "비어 있습니다"),
        ("   \n\t", "비어 있습니다"),
        ("\u200b\ufeff", "비어 있습니다"),  # invisible characters only
        ("😀😀😀🎬", "아는 글자가 하나도 없습니다"),
        ("Привет, как дела", "아는 글자가 하나도 없습니다"),  # a script the models never saw
        ("재미" * 10_000 + "!", "너무 깁니다 (20,001자)"),
    ],
)
def test_input_no_model_can_read_gets_a_korean_message(book, capsys, text, message):
    code, out, err = run(capsys, "predict", text, "--model", "all")
    assert code == 2 and out == "" and message in err and "Traceback" not in err


@pytest.mark.parametrize(
    "text, note",
    [
        # 20,000 characters: read, but only the first max_len tokens
        ("재미" * 10_000, "앞부분만 읽음"),
        # mixed scripts: a prediction, with a warning
        ("연기는 so so, story is boring", "모르는 토큰"),
    ],
)
def test_odd_but_readable_reviews_get_a_prediction_and_a_note(book, capsys, text, note):
    code, out, _ = run(capsys, "predict", text, "--model", "gru")
    assert code == 0 and "긍정 확률" in out and note in out


def test_decomposed_hangul_predicts_like_composed_hangul(book, capsys):
    pasted = [unicodedata.normalize("NFD", REVIEW), "배우들\u200b 연기가 정말\ufeff 좋았다"]
    answers = [run(capsys, "predict", text, "--model", "all")[1] for text in [REVIEW, *pasted]]
    assert answers[0] == answers[1] == answers[2] and "모르는 토큰" not in answers[0]
    assert len(unicodedata.normalize("NFD", REVIEW)) > len(REVIEW)  # the test really decomposes


def test_translate_shows_greedy_and_the_beam_chosen_on_validation(book, capsys):
    code, out, _ = run(capsys, "translate", "나는 학생이다.")
    lines = out.splitlines()
    assert (
        code == 0 and lines[0].startswith("번역기: translator — ") and "평가 BLEU 9.50" in lines[0]
    )
    assert "빔 4·α 1(검증으로 고름) 10.25" in lines[0]
    assert lines[2].startswith("탐욕 탐색: ") and lines[3].startswith("빔 탐색 (빔 4, α 1;")
    assert [line.split(".")[0].strip() for line in lines[4:]] == ["1", "2", "3", "4"]
    code, out, _ = run(capsys, "translate", "나는 학생이다.", "--beam", "2", "--alpha", "0")
    assert code == 0 and "빔 탐색 (빔 2, α 0;" in out and len(out.splitlines()) == 6


def test_translate_reads_decomposed_hangul_as_composed(book, capsys):
    texts = ("학생이다", unicodedata.normalize("NFD", "학생이다"))
    answers = [run(capsys, "translate", text)[1] for text in texts]
    assert answers[0] == answers[1]


@pytest.mark.parametrize(
    "transformer_val_bleu, picked", [(12.0, "tatoeba-transformer"), (10.0, "tatoeba-attention")]
)
def test_the_translator_is_the_best_on_validation_of_the_grus_and_the_transformer(
    tmp_path, capsys, transformer_val_bleu, picked
):
    mp = pytest.MonkeyPatch()
    ship_book(tmp_path, mp)  # chapter 9's "dot", validation BLEU 11
    ship_translator("transformer", True, book_models.TRANSFORMER_EXPERIMENT, transformer_val_bleu)
    try:
        assert book_models.translator().experiment == picked
        code, out, _ = run(capsys, "translate", "나는 학생이다.")
        assert code == 0 and f"{picked} 시드 0" in out.splitlines()[0]
        assert ("트랜스포머" in out.splitlines()[0]) == (picked == "tatoeba-transformer")
    finally:
        mp.undo()


@pytest.mark.parametrize(
    "args, message",
    [
        (["  "], "문장을 입력하세요"),
        (["🎬🎬"], "아는 글자가 하나도 없습니다"),
        (["학생" * 10_001], "너무 깁니다"),
        (["학생", "--beam", "0"], "빔 크기는 1에서 16 사이"),
        (["학생", "--beam", "17"], "빔 크기는 1에서 16 사이"),
    ],
)
def test_translate_refuses_what_it_cannot_read_in_korean(book, capsys, args, message):
    code, _, err = run(capsys, "translate", *args)
    assert code == 2 and message in err


def test_models_lists_each_model_with_its_file_size_or_how_to_get_it(book, capsys):
    code, out, _ = run(capsys, "models")
    assert code == 0 and "gru-seed0.pt (" in out and " MB)" in out
    assert "probing-rnns train --full --model bilstm" in out
    assert "probing-rnns train --full --model gru" not in out  # shipped
    assert all(name in out for name in [*[m.name for m in book_models.SENTIMENT], "translator"])


def test_train_without_full_says_what_it_would_cost(book, capsys):
    code, _, err = run(capsys, "train", "--model", "lstm")
    assert code == 2 and "--full" in err and "약 20분" in err


def test_the_ensemble_is_not_shipped_and_says_how_to_get_it(book, capsys):
    code, out, err = run(capsys, "predict", REVIEW, "--model", "ensemble")
    assert code == 2 and out == "" and "Traceback" not in err
    assert "probing-rnns train --full --model ensemble" in err and "저장소에 싣지 않는" in err
    assert "probing-rnns train --full --model ensemble" in run(capsys, "models")[1]
    code, _, err = run(capsys, "train", "--model", "ensemble")  # no results JSON yet
    assert code == 2 and "시간은 기록이 없음" in err


@pytest.fixture(scope="module")
def trained_ensemble():
    return train_ensemble()


def members_mean(trained: ensemble.EnsembleRun, text: str) -> float:
    """The ensemble's positive probability on `text`, from its members in memory."""
    found = [
        sentiment.predict_text(m.model, m.vocab, m.config, text, m.data.tokenizer).positive
        for m in trained.members
    ]
    return torch.tensor(found).mean().item()


def test_a_trained_ensemble_answers_beside_the_single_models(tmp_path, capsys, trained_ensemble):
    mp = pytest.MonkeyPatch()
    ship_book(tmp_path, mp)
    try:
        place_ensemble(trained_ensemble, val_accuracy=0.99)
        loaded = book_models.load_sentiment(book_models.named("ensemble"))
        assert loaded.predict(REVIEW).positive == members_mean(trained_ensemble, REVIEW)
        code, out, _ = run(capsys, "predict", REVIEW, "--model", "ensemble")
        first, second = out.splitlines()
        assert code == 0 and first.startswith("ensemble: ")
        assert f"(긍정 확률 {members_mean(trained_ensemble, REVIEW):.2f})" in first
        accuracy = trained_ensemble.metrics.test_accuracy
        assert "nsmc-ensemble 시드 0" in second and f"평가 정확도 {accuracy:.2%}" in second
        out = run(capsys, "predict", REVIEW, "--model", "all")[1]
        names = [line.split(":")[0] for line in out.splitlines()[::2]]
        assert names == [*(m.name for m in book_models.SENTIMENT if m.name in SHIPPED), "ensemble"]
        assert run(capsys, "predict", REVIEW)[1].startswith("ensemble: ")  # best on validation
        place_ensemble(trained_ensemble, val_accuracy=0.5)
        assert run(capsys, "predict", REVIEW)[1].startswith("combined: ")
    finally:
        mp.undo()


def test_train_full_trains_the_ensemble_from_its_stored_runs_cost(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("PROBING_RNNS_RESULTS", str(tmp_path / "results"))
    monkeypatch.setenv("PROBING_RNNS_CACHE", str(tmp_path / "cache"))
    monkeypatch.setitem(experiments.EXPERIMENTS["nsmc-ensemble"].variants, "views", TINY_ENSEMBLE)
    model = book_models.named("ensemble")
    metrics = asdict(ensemble.Metrics(0.8, 0.8, 0.8, [[1, 0], [0, 1]], (0.8, 0.8), (0.8, 0.8)))
    write_result(model, metrics, train_seconds=3_600.0)  # its results, not its model
    code, _, err = run(capsys, "predict", REVIEW, "--model", "ensemble")
    assert code == 2 and "train --full --model ensemble" in err and "약 60분" in err
    assert run(capsys, "train", "--model", "ensemble", "--full")[0] == 0
    saved = ensemble.load_ensemble(model.trained_path(), "ensemble")
    assert saved.cfg == replace(TINY_ENSEMBLE, seed=0)  # the runner's config, with the book's seed
    code, out, _ = run(capsys, "predict", REVIEW, "--model", "ensemble")
    assert code == 0 and f"평가 정확도 {saved.metrics['test_accuracy']:.2%}" in out  # its own run's


def test_train_full_trains_the_runners_config_and_predict_then_finds_it(book, capsys, monkeypatch):
    monkeypatch.setitem(experiments.EXPERIMENTS["nsmc-cells"].variants, "bigru", TINY_GRU)
    code, out, _ = run(capsys, "train", "--model", "bigru", "--full")
    trained = book_models.named("bigru").trained_path()
    assert code == 0 and trained.is_file() and "걸린 시간" in out and str(trained) in out
    saved = sentiment.load_classifier(trained, "bigru")
    assert saved.cfg == replace(TINY_GRU, seed=0)  # the runner's config, with the book's seed
    code, out, _ = run(capsys, "predict", REVIEW, "--model", "bigru")
    assert code == 0 and f"평가 정확도 {saved.metrics['test_accuracy']:.2%}" in out  # its own run's


TINY_TRANSLATOR = replace(
    translation.LIVE,
    src_tokenizer="syllable",
    train_size=300,
    val_size=50,
    test_size=50,
    epochs=1,
    embed_dim=8,
    hidden_size=8,
    beam_sizes=(2,),
    max_output_len=8,
)


def test_train_full_translator_keeps_what_translate_needs(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("PROBING_RNNS_RESULTS", str(tmp_path / "results"))
    monkeypatch.setenv("PROBING_RNNS_CACHE", str(tmp_path / "cache"))
    ship_translator("general", model_file=False)  # results only: the book's translator is "general"
    assert run(capsys, "translate", "학생")[0] == 2  # no model yet
    monkeypatch.setitem(
        experiments.EXPERIMENTS["tatoeba-attention"].variants,
        "general",
        replace(TINY_TRANSLATOR, attention="general"),
    )
    assert run(capsys, "train", "--model", "translator", "--full")[0] == 0
    saved = translation.load_translator(book_models.translator().trained_path(), "translator")
    code, out, _ = run(capsys, "translate", "나는 학생이다.")
    beam = saved.metrics["selected_beam"]
    assert code == 0 and f"빔 {beam}·α" in out and f"빔 탐색 (빔 {beam}," in out


def test_a_fresh_clone_with_an_empty_home_answers_out_of_the_box(book, tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "PROBING_RNNS_CACHE"}
    env.update(HOME=str(tmp_path / "home"), PROBING_RNNS_RESULTS=str(book))
    (tmp_path / "home").mkdir()
    done = subprocess.run(
        [sys.executable, "-m", "probing_rnns.cli", "predict", REVIEW],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0 and done.stdout.startswith("combined: "), done.stderr


def shipped_models() -> list:
    """The model files the repository ships beside its results."""
    return sorted((ROOT / "results").glob("*/models/*.pt"))


def test_the_shipped_models_fit_in_20_mb():
    assert sum(p.stat().st_size for p in shipped_models()) <= 20 * MB


@pytest.mark.parametrize("path", shipped_models(), ids=lambda p: f"{p.parent.parent.name}/{p.name}")
def test_a_shipped_model_is_the_one_its_results_json_measured(path):
    result = path.parent.parent / f"{path.stem}.json"
    stored = experiments.load_result(path.parent.parent.name, result)
    if experiments.EXPERIMENTS[stored.experiment].task is sentiment:
        saved = sentiment.load_classifier(path, path.stem)
    else:
        saved = translation.load_translator(path, path.stem)
    assert saved.metrics == json.loads(result.read_text(encoding="utf-8"))["metrics"]
    # where it trained is the environment's "device", not the setting (verify re-runs on "cpu")
    assert replace(saved.cfg, device=stored.config.device) == stored.config


# TINY_GRU's sizes, LIVE's one-direction LSTM, a BPE of 2,000 pieces
TINY_BPE = replace(TINY_GRU, cell=sentiment.LIVE.cell, bidirectional=False, tokenizer="bpe-2000")


def test_a_model_with_a_learned_tokenizer_carries_it(tmp_path, monkeypatch):
    monkeypatch.setenv("PROBING_RNNS_CACHE", str(tmp_path / "cache"))
    result = sentiment.run(TINY_BPE, progress=False)
    model, vocab, tokenizer = result.model, result.vocab, result.data.tokenizer
    with pytest.raises(ValueError, match="learned from data"):  # the name alone cannot rebuild it
        sentiment.predict_text(model, vocab, TINY_BPE, REVIEW)
    path = tmp_path / "bpe.pt"
    metrics = asdict(result.metrics)
    sentiment.save_classifier(path, model, TINY_BPE, vocab, tokenizer, metrics)
    monkeypatch.setenv("PROBING_RNNS_CACHE", str(tmp_path / "elsewhere"))  # no cached subword model
    loaded = sentiment.load_classifier(path, "bpe")
    assert loaded.tokenizer(REVIEW) == tokenizer(REVIEW)
    expected = sentiment.predict_text(model, vocab, TINY_BPE, REVIEW, tokenizer)
    assert loaded.predict(REVIEW) == expected
    assert loaded.metrics == metrics


def test_a_model_saved_without_its_tokenizer_still_loads(tmp_path):
    cfg = replace(sentiment.LIVE, embed_dim=8, hidden_size=8)
    vocab = Vocab.build([list("정말 재미있는 영화")])
    model = sentiment.build_model(cfg, len(vocab))
    save_checkpoint(tmp_path / "old.pt", model, cfg, vocab=vocab.itos)  # as the CLI saved before
    loaded = sentiment.load_classifier(tmp_path / "old.pt", "old")
    assert loaded.tokenizer.name == "syllable"
    assert loaded.predict("재미있는 영화").label in ("긍정", "부정")
