"""`probing-rnns demo`: every trained model's prediction, side by side, on a page checked in headless Chromium."""

from __future__ import annotations

import json
import re
import shutil
import socket
import threading
import unicodedata
import urllib.request
from urllib.parse import quote

import pytest

from probing_rnns import cli, demo, sentiment
from probing_rnns.tokenizers import SyllableTokenizer
from probing_rnns.vocab import Vocab
from tools.screenshots import chromium, hangul_glyphs_are_distinct, ink, screenshot

NAMES = ["rnn", "gru", "bilstm"]
needs_chromium = pytest.mark.skipif(not (shutil.which("chromium") or shutil.which("google-chrome")),
                                    reason="chromium is not installed (apt-get install -y chromium fonts-nanum)")


def save_untrained(name: str, vocab: Vocab) -> None:
    """A tiny model with random weights, saved where `probing-rnns train --model name` would save it."""
    cfg = sentiment.Config(embed_dim=8, hidden_size=8, **cli.MODELS[name])
    model = sentiment.build_model(cfg, len(vocab))
    sentiment.save_classifier(cli.model_path(name), model, cfg, vocab, SyllableTokenizer(),
                              {"test_accuracy": 0.5})


@pytest.fixture(scope="module")
def models(tmp_path_factory):
    mp = pytest.MonkeyPatch()
    mp.setenv("PROBING_RNNS_CACHE", str(tmp_path_factory.mktemp("cache")))
    vocab = Vocab.build([list("정말 재미있는 영화였다"), list("지루하고 재미없다")])
    for name in NAMES:
        save_untrained(name, vocab)
    yield [cli.load(name) for name in cli.trained_names()]
    mp.undo()


@pytest.fixture(scope="module")
def url(models):
    server = demo.make_server(models, port=0)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


def ask(url: str, body: bytes) -> dict:
    request = urllib.request.Request(url + "api/predict", data=body, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as reply:
        return json.load(reply)


def test_every_trained_model_gets_a_row_in_training_order(models):
    rows = demo.compare(models, "정말 재미있는 영화였다")["rows"]
    assert [r["model"] for r in rows] == NAMES
    for r, m in zip(rows, models):
        assert r["positive"] == pytest.approx(m.predict("정말 재미있는 영화였다").positive)
        assert r["label"] == ("긍정" if r["positive"] >= 0.5 else "부정")


def test_decomposed_hangul_and_invisible_characters_change_no_prediction(models):
    review = "배우들 연기가 정말 좋았다"
    pasted = unicodedata.normalize("NFD", review) + "\u200b"  # decomposed, and a zero-width space
    assert demo.compare(models, pasted)["rows"] == demo.compare(models, review)["rows"]


@pytest.mark.parametrize("text, error", [
    ("", "비어 있습니다"),
    ("   \n\t", "비어 있습니다"),
    ("재미" * 15_000, "너무 깁니다"),
])
def test_bad_input_gets_a_korean_message(url, text, error):
    answer = ask(url, json.dumps({"text": text}).encode())
    assert "rows" not in answer and error in answer["error"]


@pytest.mark.parametrize("text, note", [
    ("😀😀😀🎬", "모르는 토큰"),
    ("재미" * 2_500, "앞부분만 읽음"),  # 5,000 characters
])
def test_odd_reviews_get_predictions_with_a_note(url, text, note):
    rows = ask(url, json.dumps({"text": text}).encode())["rows"]
    assert len(rows) == len(NAMES) and all(note in ", ".join(r["notes"]) for r in rows)


@pytest.mark.parametrize("body", [b"not json", b'{"review": "x"}', b'{"text": 3}', "\ud800".encode("utf-8", "surrogatepass")])
def test_a_malformed_request_gets_a_message_not_a_traceback(url, body):
    assert "요청을 읽을 수 없습니다" in ask(url, body)["error"]


def test_demo_without_models_says_how_to_train(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("PROBING_RNNS_CACHE", str(tmp_path))
    assert cli.main(["demo", "--port", "0"]) == 2
    assert "probing-rnns train --model bilstm" in capsys.readouterr().err


def table_rows(dom: str) -> list[str]:
    return re.findall(r'<tr class="model" data-model="(\w+)"', dom)


@needs_chromium
def test_the_page_shows_one_row_per_model_in_chromium(url, tmp_path):
    dom = chromium("--dump-dom", "--virtual-time-budget=10000", url + "?text=" + quote("정말 재미있는 영화였다"))
    assert table_rows(dom) == NAMES
    assert re.search(r"<td>(긍정|부정)</td>", dom)
    png = tmp_path / "demo.png"
    screenshot(url + "?text=" + quote("정말 재미있는 영화였다"), png, width=1000, height=700)
    assert ink(png) > 0.01 and hangul_glyphs_are_distinct()


@needs_chromium
def test_the_page_shows_the_message_for_an_empty_review_in_chromium(url):
    dom = chromium("--dump-dom", "--virtual-time-budget=10000", url + "?text=%20%20")
    assert table_rows(dom) == [] and re.search(r'<p id="error" role="alert">[^<]*비어 있습니다', dom)


def test_a_port_in_use_is_a_clear_error(models, capsys):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        assert cli.main(["demo", "--port", str(taken.getsockname()[1])]) == 2
    assert "서버를 열 수 없습니다" in capsys.readouterr().err
