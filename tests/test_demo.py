"""`probing-rnns demo`: the book's models side by side with what drove each decision, and a
translation panel; its JSON answers, its Korean messages for bad input, the page in Chromium."""

from __future__ import annotations

import json
import re
import socket
import threading
import unicodedata
import urllib.error
import urllib.request
from urllib.parse import quote

import pytest

from probing_rnns import book_models, cli, demo
from tests.browser import needs_chromium
from tests.tiny_book import SHIPPED, place_ensemble, ship_book, train_ensemble
from tools.screenshots import (
    background_brightness,
    chromium,
    hangul_glyphs_are_distinct,
    ink,
    screenshot,
)

REVIEW = "배우들 연기가 정말 좋았다"
NAMES = [m.name for m in book_models.SENTIMENT if m.name in SHIPPED]


@pytest.fixture(scope="module")
def book(tmp_path_factory):
    mp = pytest.MonkeyPatch()
    ship_book(tmp_path_factory.mktemp("book"), mp)
    classifiers = [book_models.load_sentiment(m) for m in book_models.available_sentiment()]
    yield classifiers, book_models.load_translator(book_models.translator())
    mp.undo()


def start(classifiers, translator) -> tuple[str, object]:
    server = demo.make_server(classifiers, translator, port=0)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_address[1]}/", server


@pytest.fixture(scope="module")
def url(book):
    address, server = start(*book)
    yield address
    server.shutdown()
    server.server_close()


def call(url: str, path: str, body: bytes | None, headers: dict | None = None) -> tuple[int, dict]:
    """Status and JSON answer of a request (POST when there is a body)."""
    headers = {"Content-Type": "application/json", **(headers or {})}
    request = urllib.request.Request(url + path, data=body, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=30) as reply:
            return reply.status, json.load(reply)
    except urllib.error.HTTPError as error:
        return error.code, json.load(error)


def ask(url: str, path: str, **fields) -> tuple[int, dict]:
    return call(url, path, json.dumps(fields).encode())


def test_every_model_gets_a_row_with_its_score_and_what_drove_it(book):
    classifiers, _ = book
    rows = demo.compare(classifiers, REVIEW)["rows"]
    assert [r["model"] for r in rows] == NAMES
    for r, m in zip(rows, classifiers):
        assert r["positive"] == pytest.approx(m.predict(REVIEW).positive)
        assert r["label"] == ("긍정" if r["positive"] >= 0.5 else "부정")
        assert r["test_accuracy"] == m.metrics["test_accuracy"] and "평가 정확도" in r["score"]
        assert r["method"] == ("attention" if r["model"] == "attention" else "saliency")
        assert len(r["values"]) == len(r["tokens"]) == r["highlight"].count("<span")
    attention = next(r for r in rows if r["method"] == "attention")
    assert (
        sum(attention["values"]) == pytest.approx(1.0) and "어텐션 풀링" in attention["method_text"]
    )


def test_a_trained_ensemble_gets_a_row_with_every_members_tokens(tmp_path):
    mp = pytest.MonkeyPatch()
    ship_book(tmp_path, mp)
    try:
        place_ensemble(train_ensemble(), val_accuracy=0.6)
        classifiers = [book_models.load_sentiment(m) for m in book_models.available_sentiment()]
    finally:
        mp.undo()
    assert [m["name"] for m in demo.page_config(classifiers, None)["models"]] == [
        *NAMES,
        "ensemble",
    ]
    row = demo.compare(classifiers, REVIEW)["rows"][-1]
    members = classifiers[-1].readers
    assert row["model"] == "ensemble" and [m.name for m in members] == ["0-syllable", "1-jamo"]
    assert row["positive"] == pytest.approx(sum(m.predict(REVIEW).positive for m in members) / 2)
    assert row["tokens"] == [t for m in members for t in m.tokenizer(REVIEW)]
    assert len(row["values"]) == len(row["tokens"]) == row["highlight"].count("<span")
    assert row["highlight"].count("<div><b>") == 2 and "<b>1-jamo</b>" in row["highlight"]
    assert row["method"] == "saliency" and "구성원마다" in row["method_text"]


def test_decomposed_hangul_and_invisible_characters_change_no_row(book):
    classifiers, _ = book
    pasted = unicodedata.normalize("NFD", REVIEW) + "\u200b"
    assert demo.compare(classifiers, pasted) == demo.compare(classifiers, REVIEW)


@pytest.mark.parametrize(
    "text, message",
    [
        ("", "비어 있습니다"),
        ("   \n\t", "비어 있습니다"),
        ("\u200b", "비어 있습니다"),
        ("😀😀😀🎬", "아는 글자가 하나도 없습니다"),
        ("Привет, как дела", "아는 글자가 하나도 없습니다"),
        ("재미" * 10_000 + "!", "너무 깁니다 (20,001자)"),
    ],
)
def test_bad_reviews_get_a_korean_message(url, text, message):
    status, answer = ask(url, "api/predict", text=text)
    assert status == 400 and "rows" not in answer and message in answer["error"]


def test_a_20000_character_review_is_read_up_to_max_len(url):
    status, answer = ask(url, "api/predict", text="재미" * 10_000)
    assert status == 200 and all("앞부분만 읽음" in r["notes"] for r in answer["rows"])
    assert all(len(r["tokens"]) == 128 for r in answer["rows"])


def test_the_translation_panel_gets_greedy_and_beam_candidates_with_attention(url):
    status, answer = ask(url, "api/translate", text="나는 학생이다.")
    assert status == 200 and answer["model"] == "translator" and answer["beam_size"] == 4
    assert answer["length_penalty"] == 1.0 and answer["chosen_on_validation"]
    assert answer["greedy"]["search"] == "greedy" and len(answer["beam"]) == 4
    for candidate in [answer["greedy"], *answer["beam"]]:
        rows = candidate["attention"]
        assert len(rows) == len(candidate["tokens"])
        assert all(len(r) == len(answer["source_tokens"]) for r in rows)
        assert all(sum(r) == pytest.approx(1.0, abs=1e-5) for r in rows)
    status, answer = ask(url, "api/translate", text="나는 학생이다.", beam=2)
    assert status == 200 and len(answer["beam"]) == 2


@pytest.mark.parametrize(
    "fields, message",
    [
        ({"text": " "}, "문장을 입력하세요"),
        ({"text": "🎬"}, "아는 글자가 하나도 없습니다"),
        ({"text": "학생" * 10_001}, "너무 깁니다"),
        ({"text": "학생", "beam": 0}, "1에서 16 사이의 정수"),
        ({"text": "학생", "beam": 17}, "1에서 16 사이의 정수"),
        ({"text": "학생", "beam": "4"}, "1에서 16 사이의 정수"),
        ({"text": "학생", "beam": True}, "1에서 16 사이의 정수"),
    ],
)
def test_bad_translation_requests_get_a_korean_message(url, fields, message):
    status, answer = ask(url, "api/translate", **fields)
    assert status == 400 and message in answer["error"]


@pytest.mark.parametrize("path", ["api/predict", "api/translate"])
@pytest.mark.parametrize(
    "body",
    [
        b"not json",
        b'{"review": "x"}',
        b'{"text": 3}',
        b'["text"]',
        b"",
        "\ud800".encode("utf-8", "surrogatepass"),
        b"\xff\xfe",
    ],
)
def test_a_malformed_request_gets_a_korean_message(url, path, body):
    status, answer = call(url, path, body)
    assert status == 400 and "요청을 읽을 수 없습니다" in answer["error"]


@pytest.mark.parametrize(
    "path, body, headers, status, message",
    [
        ("api/predict", None, {}, 405, "POST로 JSON"),  # a GET
        ("nowhere", None, {}, 404, "없는 주소"),
        ("nowhere", b"{}", {}, 404, "없는 주소"),
        ("api/predict", b"{}", {"Content-Length": "-1"}, 411, "Content-Length"),
        ("api/predict", b"{}", {"Content-Length": str(10**9)}, 413, "요청이 너무 큽니다"),
    ],
)
def test_requests_the_demo_does_not_serve_get_a_korean_message(
    url, path, body, headers, status, message
):
    answered, answer = call(url, path, body, headers)
    assert answered == status and message in answer["error"]


def test_without_a_translator_the_panel_says_how_to_get_one(book, tmp_path):
    classifiers, _ = book
    address, server = start(classifiers, None)
    try:
        status, answer = ask(address, "api/translate", text="나는 학생이다.")
        page = urllib.request.urlopen(address, timeout=30).read().decode()
    finally:
        server.shutdown()
        server.server_close()
    assert status == 400 and "probing-rnns train --full --model translator" in answer["error"]
    assert "train --full --model translator" in page  # the page's config: shown instead of the form


def test_demo_without_models_says_where_they_come_from(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("PROBING_RNNS_RESULTS", str(tmp_path / "results"))
    monkeypatch.setenv("PROBING_RNNS_CACHE", str(tmp_path / "cache"))
    assert cli.main(["demo", "--port", "0"]) == 2
    assert "probing-rnns models" in capsys.readouterr().err


def test_a_port_in_use_is_a_clear_error(book, capsys):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        with pytest.raises(OSError, match="서버를 열 수 없습니다"):
            demo.serve(*book, taken.getsockname()[1], "127.0.0.1")


def page_url(url: str) -> str:
    return url + "?text=" + quote(REVIEW) + "&ko=" + quote("나는 학생이다.")


@needs_chromium
def test_the_page_shows_every_model_with_highlights_and_the_translation_in_chromium(url):
    dom = chromium("--dump-dom", "--virtual-time-budget=10000", page_url(url))
    assert re.findall(r'<tr class="model" data-model="(\w+)"', dom) == NAMES
    saliency = re.findall(r'<span title="[+-]\d\.\d{3}" style="background: rgba', dom)
    assert len(saliency) >= len(REVIEW)
    assert "어텐션 풀링 가중치 (합 1)" in dom and "기울기 × 입력" in dom
    searches = re.findall(r'<tr class="candidate[^"]*" data-search="(\w+)"', dom)
    assert searches == ["greedy"] + ["beam"] * 4
    assert 'class="candidate chosen" data-search="beam"' in dom  # the beam's best, drawn below
    heatmap = re.search(r'<div class="heatmap" id="heatmap"><table>(.*?)</table>', dom, re.S)[1]
    head, *rows = re.findall(r"<tr>(.*?)</tr>", heatmap, re.S)
    assert rows and all(row.count("<td") == head.count("<th>") - 1 for row in rows)  # per source


@needs_chromium
def test_the_page_shows_the_message_for_an_empty_review_in_chromium(url):
    dom = chromium("--dump-dom", "--virtual-time-budget=10000", url + "?text=%20%20")
    assert 'data-model="' not in dom
    assert re.search(r'<p id="review-error" class="error" role="alert">[^<]*비어 있습니다', dom)


@needs_chromium
@pytest.mark.parametrize("dark", [False, True], ids=["light", "dark"])
def test_the_page_is_readable_in_light_and_dark(url, tmp_path, dark):
    png = tmp_path / "demo.png"
    screenshot(page_url(url), png, width=1280, height=1600, dark=dark)
    assert ink(png) > 0.02 and hangul_glyphs_are_distinct()
    assert (background_brightness(png) < 0.3) == dark
