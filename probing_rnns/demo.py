"""`probing-rnns demo`: one page to try the book's models and see why they decided.

    probing-rnns demo                      # → http://127.0.0.1:8000/  (Ctrl+C로 종료)

Standard library only (`http.server`): the page is one file (demo_page.html: CSS and script inline,
no CDN, light and dark), the answers come from two JSON endpoints, the models are loaded once.
A framework (Flask, Gradio) would add a dependency and hide the few lines a learner can read here.

    POST /api/predict   {"text": "리뷰"}              → {"rows": [one per model]}
    POST /api/translate {"text": "문장", "beam": 4}   → {"greedy": …, "beam": [n best], …}

Input that cannot be answered gets status 400 (413 if too large, 404/405 for other addresses) and
{"error": "한국어 메시지"}. `/?text=리뷰&ko=문장&beam=4` fills in the boxes and asks at once.
"""

from __future__ import annotations

import html
import json
from dataclasses import asdict
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Callable
from urllib.parse import urlsplit

from probing_rnns import book_models, explain
from probing_rnns.book_models import MAX_BEAM, MAX_CHARS, SentimentModel, score_text
from probing_rnns.explain import Attribution
from probing_rnns.highlight import highlight_tokens
from probing_rnns.tokenizers import SPACE
from probing_rnns.translation import SavedTranslator

PAGE = Path(__file__).with_name("demo_page.html")
MAX_BODY = 12 * MAX_CHARS + 1_000  # bytes: MAX_CHARS characters, ≤ 12 each in JSON (\ud83d\ude00)
METHODS = {
    "attention": "어텐션 풀링 가중치 (합 1)",
    "saliency": "기울기 × 입력 (파랑: 긍정 쪽, 빨강: 부정 쪽)",
}
PER_MEMBER = " — 구성원마다 자기 토큰에서"  # an ensemble's attributions: one line per member
MALFORMED = '요청을 읽을 수 없습니다. {"text": "문장"} 형식의 JSON을 UTF-8로 보내 주세요.'


class BadRequest(ValueError):
    """A request the server cannot answer, with its HTTP status and a Korean message."""

    def __init__(self, message: str, status: HTTPStatus = HTTPStatus.BAD_REQUEST):
        super().__init__(message)
        self.status = status


def highlighted(why: Attribution) -> str:
    """The tokens coloured by their values (signed ones: blue toward 긍정, red toward 부정)."""
    shown = [t.replace(SPACE, " ") for t in why.tokens]
    signed = why.method == "saliency"
    return highlight_tokens(shown, why.values, title="{:+.3f}" if signed else "{:.3f}")


def explanation(model: SentimentModel, text: str) -> dict:
    """What drove the decision: each reader's attribution on its own tokens (an ensemble: one line
    per member, headed by its name; a member's gradient is the ensemble's up to a positive
    factor, since the ensemble averages the members' probabilities)."""
    whys = [explain.explain_review(reader, text) for reader in model.readers]
    methods = list(dict.fromkeys(why.method for why in whys))
    method_text = ", ".join(METHODS[m] for m in methods)
    lines = [highlighted(why) for why in whys]
    if len(whys) > 1:
        lines = [
            f"<div><b>{html.escape(reader.name)}</b> {line}</div>"
            for reader, line in zip(model.readers, lines)
        ]
        method_text += PER_MEMBER
    return {
        "method": "+".join(methods),
        "method_text": method_text,
        "tokens": [t for why in whys for t in why.tokens],
        "values": [v for why in whys for v in why.values],
        "highlight": "".join(lines),
    }


def review_row(model: SentimentModel, text: str) -> dict:
    """One model's prediction and what drove it, as the page shows them."""
    p = book_models.predict_review(model, text)
    return {
        "model": model.name,
        "about": book_models.named(model.name).about,
        "label": p.label,
        "positive": p.positive,
        "unknown_rate": p.unknown_rate,
        "truncated": p.truncated,
        "notes": p.notes(),
        "test_accuracy": model.metrics.get("test_accuracy"),
        "val_accuracy": model.metrics.get("val_accuracy"),
        "score": score_text(model.metrics),
        **explanation(model, text),
    }


def compare(models: list[SentimentModel], text: str) -> dict:
    """Every model's row for `text`, or {"error": a Korean message}."""
    try:
        book_models.check_text(text, explain.EMPTY_REVIEW)
        return {"rows": [review_row(m, text) for m in models]}
    except ValueError as error:
        return {"error": str(error)}


def translate_view(translator: SavedTranslator | None, text: str, beam: int | None = None) -> dict:
    """Greedy output and the beam's candidates with scores and attention, or {"error": …}."""
    if translator is None:
        return {"error": missing_translator()}
    chosen_beam, alpha = book_models.decoding_setting(translator.metrics)
    try:
        book_models.check_text(text, explain.EMPTY_SENTENCE)
        beam = chosen_beam if beam is None else beam
        view = explain.translate_candidates(translator, text, beam, alpha)
    except ValueError as error:
        return {"error": str(error)}
    refusal = book_models.reads_nothing(view.source_tokens, translator.src_vocab)
    if refusal:
        return {"error": refusal}
    return {
        "model": translator.name,
        "about": book_models.named("translator").about,
        "score": score_text(translator.metrics),
        "chosen_on_validation": "selected_beam" in translator.metrics,
        **asdict(view),
    }


def missing_translator() -> str:
    """Why there is no translator, and how to get one (in Korean)."""
    try:
        return book_models.translator().missing_message()
    except FileNotFoundError as error:  # no translation results to choose the translator from
        return str(error)


def request_fields(body: bytes) -> tuple[str, int | None]:
    """The "text" (and optional "beam") of a JSON request body; anything else is a BadRequest."""
    try:
        request = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise BadRequest(MALFORMED) from None
    if not isinstance(request, dict) or not isinstance(request.get("text"), str):
        raise BadRequest(MALFORMED)
    beam = request.get("beam")
    if beam is not None and (type(beam) is not int or not 1 <= beam <= MAX_BEAM):
        raise BadRequest(f"빔 크기(beam)는 1에서 {MAX_BEAM} 사이의 정수여야 합니다: {beam!r}")
    return request["text"], beam


def page_config(classifiers: list[SentimentModel], translator: SavedTranslator | None) -> dict:
    """What the page shows before any request: the models, or how to get a missing translator."""
    return {
        "models": [
            {
                "name": m.name,
                "about": book_models.named(m.name).about,
                "score": score_text(m.metrics),
            }
            for m in classifiers
        ],
        "translator": None
        if translator is None
        else {
            "name": translator.name,
            "about": book_models.named("translator").about,
            "score": score_text(translator.metrics),
            "beam": book_models.decoding_setting(translator.metrics)[0],
        },
        "translator_missing": None if translator else missing_translator(),
        "max_chars": MAX_CHARS,
        "max_beam": MAX_BEAM,
    }


def render_page(classifiers: list[SentimentModel], translator: SavedTranslator | None) -> bytes:
    config = json.dumps(page_config(classifiers, translator), ensure_ascii=False)
    config = config.replace("</", "<\\/")  # no "</script>" inside the page's script
    return PAGE.read_text(encoding="utf-8").replace("{{CONFIG}}", config).encode("utf-8")


def make_server(
    classifiers: list[SentimentModel],
    translator: SavedTranslator | None = None,
    port: int = 8000,
    host: str = "127.0.0.1",
) -> ThreadingHTTPServer:
    """The demo server (port 0: any free port, see `server_address`); `serve_forever()` runs it."""
    page = render_page(classifiers, translator)
    routes: dict[str, Callable[[str, int | None], dict]] = {
        "/api/predict": lambda text, _beam: compare(classifiers, text),
        "/api/translate": lambda text, beam: translate_view(translator, text, beam),
    }

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            path = urlsplit(self.path).path
            if path == "/":
                return self.reply(HTTPStatus.OK, page, "text/html; charset=utf-8")
            if path in routes:
                return self.reply_json(
                    HTTPStatus.METHOD_NOT_ALLOWED,
                    {"error": f"{path}에는 POST로 JSON을 보내 주세요."},
                )
            self.reply_json(HTTPStatus.NOT_FOUND, {"error": f"없는 주소입니다: {path}"})

        def do_POST(self):
            path = urlsplit(self.path).path
            if path not in routes:
                return self.reply_json(HTTPStatus.NOT_FOUND, {"error": f"없는 주소입니다: {path}"})
            try:
                answer = routes[path](*request_fields(self.body()))
            except BadRequest as error:
                return self.reply_json(error.status, {"error": str(error)})
            self.reply_json(HTTPStatus.BAD_REQUEST if "error" in answer else HTTPStatus.OK, answer)

        def body(self) -> bytes:
            length = self.headers.get("Content-Length", "")
            if not length.isdigit():
                raise BadRequest(
                    "요청에 올바른 Content-Length가 없습니다.", HTTPStatus.LENGTH_REQUIRED
                )
            if int(length) > MAX_BODY:
                raise BadRequest(
                    f"요청이 너무 큽니다. 문장은 {MAX_CHARS:,}자 이하로 보내 주세요.",
                    HTTPStatus.REQUEST_ENTITY_TOO_LARGE,
                )
            return self.rfile.read(int(length))

        def reply_json(self, status: HTTPStatus, answer: dict[str, Any]):
            body = json.dumps(answer, ensure_ascii=False).encode()
            self.reply(status, body, "application/json; charset=utf-8")

        def reply(self, status: HTTPStatus, body: bytes, content_type: str):
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format, *args):  # no line on stderr for every request
            pass

    return ThreadingHTTPServer((host, port), Handler)


def serve(
    classifiers: list[SentimentModel], translator: SavedTranslator | None, port: int, host: str
) -> None:
    try:
        server = make_server(classifiers, translator, port, host)
    except OSError as error:
        raise OSError(
            f"{host}:{port}에서 서버를 열 수 없습니다 ({error.strerror}). "
            "--port로 다른 포트를 고르세요."
        ) from None
    names = ", ".join(m.name for m in classifiers)
    print(
        f"http://{host}:{server.server_address[1]}/ — 감성 모델 {len(classifiers)}개({names}), "
        f"번역기 {'있음' if translator else '없음'}. 끝내려면 Ctrl+C."
    )
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
