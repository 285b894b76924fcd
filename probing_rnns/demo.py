"""A web page that shows every trained sentiment model's prediction for the same review, side by side.

    probing-rnns train --model rnn && probing-rnns train --model bilstm
    probing-rnns demo                      # → http://127.0.0.1:8000/  (Ctrl+C로 종료)

Standard library only: `http.server` serves one Korean page (PAGE) and a JSON endpoint,
POST /api/predict {"text": "..."} → {"rows": [one per model]} or {"error": "한국어 메시지"}.
`/?text=...` fills in the review and asks at once (handy for links and for headless browser tests).
The models are those saved by `probing-rnns train` in the cache folder, loaded once at start.
"""

from __future__ import annotations

import json
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from probing_rnns.sentiment import SavedClassifier

MAX_CHARS = 20_000  # longer requests are refused; the models read the first max_len tokens anyway
NO_MODELS = "학습된 모델이 없습니다. 먼저 `probing-rnns train --model bilstm`을 실행하세요."


def compare(models: list[SavedClassifier], text: str) -> dict:
    """Every model's prediction for `text`, or an error message in Korean."""
    if len(text) > MAX_CHARS:
        return {"error": f"리뷰가 너무 깁니다 ({len(text):,}자). {MAX_CHARS:,}자 이하로 줄여 주세요."}
    try:
        predictions = [(m, m.predict(text)) for m in models]
    except ValueError as error:  # an empty review
        return {"error": str(error)}
    return {"rows": [{"model": m.name, "label": p.label, "positive": p.positive, "unknown_rate": p.unknown_rate,
                      "truncated": p.truncated, "test_accuracy": m.metrics.get("test_accuracy"),
                      "notes": p.notes()} for m, p in predictions]}


def make_server(models: list[SavedClassifier], port: int = 8000,
                host: str = "127.0.0.1") -> ThreadingHTTPServer:
    """The demo server (port 0: any free port; see `server.server_address`). Call `serve_forever()` to run it."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            if self.path.split("?")[0] != "/":
                return self.send_error(HTTPStatus.NOT_FOUND)
            self.reply(PAGE.encode(), "text/html; charset=utf-8")

        def do_POST(self):
            if self.path != "/api/predict":
                return self.send_error(HTTPStatus.NOT_FOUND)
            try:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                answer = compare(models, json.loads(body)["text"])
            except (ValueError, KeyError, TypeError):  # not JSON, not UTF-8, no "text"
                answer = {"error": '요청을 읽을 수 없습니다. {"text": "리뷰 문장"} 형식의 JSON을 보내 주세요.'}
            self.reply(json.dumps(answer, ensure_ascii=False).encode(), "application/json; charset=utf-8")

        def reply(self, body: bytes, content_type: str):
            self.send_response(HTTPStatus.OK)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    return ThreadingHTTPServer((host, port), Handler)


def serve(models: list[SavedClassifier], port: int, host: str) -> None:
    if not models:
        raise FileNotFoundError(NO_MODELS)
    try:
        server = make_server(models, port, host)
    except OSError as error:
        raise OSError(f"{host}:{port}에서 서버를 열 수 없습니다 ({error.strerror}). --port로 다른 포트를 고르세요.") from None
    print(f"http://{host}:{server.server_address[1]}/ 에서 모델 {len(models)}개 ({', '.join(m.name for m in models)})를 "
          "비교합니다. 끝내려면 Ctrl+C.")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


PAGE = """<!doctype html>
<html lang="ko">
<head>
<meta charset="utf-8">
<title>프로빙 RNN: 모델 비교</title>
<style>
  body { font-family: "NanumGothic", "Nanum Gothic", "Noto Sans CJK KR", "Malgun Gothic", sans-serif;
         max-width: 56rem; margin: 2rem auto; padding: 0 1rem; line-height: 1.5; }
  textarea { width: 100%; font: inherit; box-sizing: border-box; }
  table { border-collapse: collapse; width: 100%; margin-top: 1rem; }
  th, td { border-bottom: 1px solid #ccc; padding: .4rem .6rem; text-align: left; }
  .bar { display: inline-block; height: .7rem; background: #4c72b0; margin-right: .4rem; }
  #error { color: #b00020; font-weight: bold; }
</style>
</head>
<body>
<h1>프로빙 RNN: 모델 비교</h1>
<p>영화 리뷰를 한 문장 쓰면, <code>probing-rnns train</code>으로 학습한 모든 모델의 감성 예측을 나란히 보여 줍니다.</p>
<form id="form">
  <textarea id="text" rows="3" placeholder="예: 배우들 연기가 정말 좋았다"></textarea>
  <p><button type="submit">예측하기</button></p>
</form>
<p id="error" role="alert"></p>
<table id="results" hidden>
  <thead><tr><th>모델</th><th>예측</th><th>긍정 확률</th><th>모르는 토큰</th><th>평가 정확도</th><th>참고</th></tr></thead>
  <tbody></tbody>
</table>
<script>
const box = document.getElementById("text");
const percent = x => x === null ? "-" : (100 * x).toFixed(1) + "%";

function row(r) {
  const tr = document.createElement("tr");
  tr.className = "model";
  tr.dataset.model = r.model;
  const cells = [r.model, r.label, r.positive.toFixed(2), percent(r.unknown_rate), percent(r.test_accuracy),
                 r.notes.join(", ")];
  for (const text of cells) tr.insertCell().textContent = text;
  const bar = document.createElement("span");
  bar.className = "bar";
  bar.style.width = (4 * r.positive) + "rem";
  tr.cells[2].prepend(bar);
  return tr;
}

async function ask() {
  let answer;
  try {
    const reply = await fetch("/api/predict", {method: "POST", headers: {"Content-Type": "application/json"},
                                               body: JSON.stringify({text: box.value})});
    answer = await reply.json();
  } catch (e) {
    answer = {error: "서버에 연결할 수 없습니다. `probing-rnns demo`가 실행 중인지 확인하세요."};
  }
  document.getElementById("error").textContent = answer.error || "";
  const table = document.getElementById("results");
  table.hidden = !answer.rows;
  table.tBodies[0].replaceChildren(...(answer.rows || []).map(row));
}

document.getElementById("form").addEventListener("submit", event => { event.preventDefault(); ask(); });
const given = new URLSearchParams(location.search).get("text");
if (given !== null) { box.value = given; ask(); }
</script>
</body>
</html>
"""
