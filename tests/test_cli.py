import pytest

from probing_rnns import cli


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
