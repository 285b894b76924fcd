import unicodedata
from dataclasses import replace

import pytest

from probing_rnns import cli, sentiment
from probing_rnns.training import save_checkpoint
from probing_rnns.vocab import Vocab

REVIEW = "배우들 연기가 정말 좋았다"


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    mp = pytest.MonkeyPatch()
    mp.setenv("PROBING_RNNS_CACHE", str(tmp_path_factory.mktemp("cache")))
    assert cli.main(["train", "--model", "gru", "--train-size", "300", "--epochs", "1"]) == 0
    yield
    mp.undo()


def test_predict_prints_a_label_and_a_probability(trained, capsys):
    assert cli.main(["predict", "정말 재미있는 영화였다", "--model", "gru"]) == 0
    out = capsys.readouterr().out
    assert "gru:" in out and ("긍정" in out or "부정" in out) and "확률" in out


@pytest.mark.parametrize("text", ["", "   \n\t"])
def test_an_empty_review_is_a_clear_error_not_a_traceback(trained, capsys, text):
    assert cli.main(["predict", text, "--model", "gru"]) == 2
    assert "비어 있습니다" in capsys.readouterr().err


@pytest.mark.parametrize("text, note", [
    ("😀😀😀🎬", "모르는 토큰"),
    ("what a wonderful movie", "모르는 토큰"),
    ("재미" * 2_500, "앞부분만 읽음"),
    ("이 영화 plot이 너무 boring 해요 ㅋㅋ", None),
    ("뷁뷁 쀍쀍 똠방각하", None),
])
def test_odd_reviews_get_a_prediction_and_a_note(trained, capsys, text, note):
    assert cli.main(["predict", text, "--model", "gru"]) == 0
    out = capsys.readouterr().out
    assert "긍정 확률" in out
    if note:
        assert note in out


def test_a_missing_model_says_how_to_train_it(trained, capsys):
    assert cli.main(["predict", "좋아요", "--model", "bilstm"]) == 2
    assert "probing-rnns train --model bilstm" in capsys.readouterr().err


def test_all_compares_every_trained_model(trained, capsys):
    assert cli.main(["predict", "좋아요", "--model", "all"]) == 0
    assert capsys.readouterr().out.strip().startswith("gru:")


def test_translate_refuses_an_empty_sentence_before_training(capsys, tmp_path, monkeypatch):
    monkeypatch.setenv("PROBING_RNNS_CACHE", str(tmp_path))
    assert cli.main(["translate", "  "]) == 2
    assert "문장을 입력하세요" in capsys.readouterr().err
    assert not (tmp_path / "models").exists()


def test_decomposed_hangul_predicts_like_composed_hangul(trained, capsys):
    answers = []
    invisible = "배우들\u200b 연기가 정말\ufeff 좋았다"  # a zero-width space and a byte-order mark
    for text in [REVIEW, unicodedata.normalize("NFD", REVIEW), invisible]:
        assert cli.main(["predict", text, "--model", "gru"]) == 0
        answers.append(capsys.readouterr().out)
    assert answers[0] == answers[1] == answers[2] and "모르는 토큰" not in answers[0]


TINY_BPE = replace(sentiment.LIVE, tokenizer="bpe-2000", train_size=300, val_size=100,
                   test_size=100, epochs=1, embed_dim=8, hidden_size=8)


def test_a_model_with_a_learned_tokenizer_carries_it(tmp_path, monkeypatch):
    monkeypatch.setenv("PROBING_RNNS_CACHE", str(tmp_path / "cache"))
    result = sentiment.run(TINY_BPE, progress=False)
    model, vocab, tokenizer = result["model"], result["vocab"], result["data"].tokenizer
    with pytest.raises(ValueError, match="learned from data"):  # the name alone cannot rebuild it
        sentiment.predict_text(model, vocab, TINY_BPE, REVIEW)
    path = tmp_path / "bpe.pt"
    sentiment.save_classifier(path, model, TINY_BPE, vocab, tokenizer, result["metrics"])
    monkeypatch.setenv("PROBING_RNNS_CACHE", str(tmp_path / "elsewhere"))  # no cached subword model
    loaded = sentiment.load_classifier(path, "bpe")
    assert loaded.tokenizer(REVIEW) == tokenizer(REVIEW)
    expected = sentiment.predict_text(model, vocab, TINY_BPE, REVIEW, tokenizer)
    assert loaded.predict(REVIEW) == expected
    assert loaded.metrics == result["metrics"]


def test_a_model_saved_without_its_tokenizer_still_loads(tmp_path):
    cfg = replace(sentiment.LIVE, embed_dim=8, hidden_size=8)
    vocab = Vocab.build([list("정말 재미있는 영화")])
    model = sentiment.build_model(cfg, len(vocab))
    save_checkpoint(tmp_path / "old.pt", model, cfg, vocab=vocab.itos)  # as the CLI saved before
    loaded = sentiment.load_classifier(tmp_path / "old.pt", "old")
    assert loaded.tokenizer.name == "syllable"
    assert loaded.predict("재미있는 영화").label in ("긍정", "부정")
