"""The built site's search, used as a reader uses it: `search.html?q=…` in headless Chromium.

    python tools/site_search.py _build/html            # recall and ranking on the built site
    python tools/site_search.py --build /tmp/site      # build it first, chapters not executed

For every word in WORDS the search's result pages are compared with the pages whose text contains
the word: the text of the page's article (`article.bd-article`, else Sphinx's `[role=main]`: not the
navigation around it, such as the links to the previous and next chapters), without header links,
scripts and styles. Recall is the share of those pages that the search returns.
For every word in TITLE_WORDS the chapter with the word in its title must come first.
The site is served on 127.0.0.1 and one Chromium run opens every query in an iframe.
"""

from __future__ import annotations

import argparse
import functools
import html
import json
import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Iterator

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from tools.screenshots import chromium  # noqa: E402

# Words a reader of this book searches for: nouns of one to four syllables that the chapters
# write with particles attached (어텐션을, 모델의, 셀에서) and inside compounds (검증손실).
WORDS = [
    "어텐션",
    "모델",
    "손실",
    "학습",
    "기울기",
    "게이트",
    "은닉",
    "상태",
    "토큰",
    "문장",
    "번역",
    "리뷰",
    "정확도",
    "디코더",
    "인코더",
    "임베딩",
    "패딩",
    "마스크",
    "풀링",
    "배치",
    "시드",
    "학습률",
    "형태소",
    "음절",
    "양방향",
    "가중치",
    "확률",
    "어휘",
    "셀",
    "층",
]
# A word in one chapter's title → that chapter must be the first result.
TITLE_WORDS = {
    "어텐션": "book/09_attention",
    "디코딩": "book/10_decoding",
    "기울기 소실": "book/11_vanishing_gradients",
    "패딩": "book/12_padding",
    "풀링": "book/13_pooling",
    "은닉 유닛": "book/14_hidden_units",
    "오류 분석": "book/15_error_analysis",
    "토큰화": "book/16_tokenization",
    "학습 동역학": "book/17_training_dynamics",
    "양방향": "book/05_bidirectional",
    "언어 모델": "book/19_language_model",
    "인코더": "book/07_seq2seq",
    "용어집": "book/glossary",
}

# Opens search.html?q=WORD for each word in an iframe and waits for Sphinx's "search finished"
# summary and the results' excerpts; fetches every page and keeps its article's text.
# Writes JSON into <pre id=out>.
HARNESS = """<!doctype html><meta charset="utf-8"><pre id="out"></pre><script>
const words = WORDS, pages = PAGES;
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
async function searchFor(word) {
  const frame = document.body.appendChild(document.createElement("iframe"));
  frame.src = "search.html?q=" + encodeURIComponent(word);
  for (let waited = 0; waited < 30000; waited += 50) {
    await sleep(50);
    const doc = frame.contentDocument, summary = doc && doc.querySelector("p.search-summary");
    if (!summary || !summary.textContent.trim()) continue;  // still searching
    const items = [...doc.querySelectorAll("ul.search > li")];
    if (!items.every((li) => li.querySelector("p.context"))) continue;  // excerpts still loading
    const marked = [...doc.querySelectorAll("ul.search .highlighted")];
    frame.remove();
    return {links: items.map((li) => li.querySelector("a").getAttribute("href")),
            highlighted: marked.map((el) => el.textContent)};
  }
  frame.remove();
  return null;
}
async function mainText(page) {
  const html = await (await fetch(page + ".html")).text();
  const doc = new DOMParser().parseFromString(html, "text/html");
  doc.querySelectorAll(".headerlink, script, style").forEach((el) => el.remove());
  const main = doc.querySelector("article.bd-article") || doc.querySelector('[role="main"]');
  return main ? main.textContent : "";
}
(async () => {
  const out = {results: {}, texts: {}};
  for (const page of pages) out.texts[page] = await mainText(page);
  for (const word of words) out.results[word] = await searchFor(word);
  document.getElementById("out").textContent = JSON.stringify(out);
})();
</script>"""


@dataclass(frozen=True)
class WordCheck:
    word: str
    containing: frozenset[str]  # pages whose main text contains the word
    found: tuple[str, ...]  # result pages in the order the search lists them (first occurrence)
    highlighted: frozenset[str]  # the text marked in the results' excerpts

    @property
    def missed(self) -> frozenset[str]:
        return self.containing - set(self.found)

    @property
    def extra(self) -> frozenset[str]:
        """Result pages whose text does not contain the word (e.g. its syllables stand apart)."""
        return frozenset(self.found) - self.containing


def docnames(site: Path) -> list[str]:
    """The pages in the site's search index (searchindex.js: `Search.setIndex({...})`)."""
    text = (site / "searchindex.js").read_text(encoding="utf-8")
    return json.loads(text[len("Search.setIndex(") : -1])["docnames"]


def page_of(href: str) -> str:
    """book/09_attention.html#sec-x → book/09_attention"""
    return href.split("#")[0].split("?")[0].removesuffix(".html")


class _Harness(SimpleHTTPRequestHandler):
    page = b""

    def do_GET(self) -> None:  # noqa: N802 (http.server's name)
        if self.path != "/__search_harness.html":
            return super().do_GET()
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.end_headers()
        self.wfile.write(self.page)

    def log_message(self, *args) -> None:
        pass


@contextmanager
def serve(site: Path, harness: str) -> Iterator[str]:
    """The site on 127.0.0.1, with the harness at /__search_harness.html; yields the harness URL."""
    handler = type("Handler", (_Harness,), {"page": harness.encode()})
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(handler, directory=str(site)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/__search_harness.html"
    finally:
        server.shutdown()
        server.server_close()


def run_searches(site: Path, words: list[str]) -> dict:
    """{"results": {word: {"links": [href, ...], "highlighted": [text, ...]} or None},
    "texts": {page: article text}} from Chromium."""
    harness = HARNESS.replace("WORDS", json.dumps(words))
    harness = harness.replace("PAGES", json.dumps(docnames(site)))
    with serve(site, harness) as url:
        dom = chromium("--dump-dom", "--virtual-time-budget=600000", url, timeout=600)
    start = dom.index('<pre id="out">') + len('<pre id="out">')
    raw = dom[start : dom.index("</pre>", start)]
    if not raw:
        raise RuntimeError("the search harness wrote nothing: did search.html load?")
    return json.loads(html.unescape(raw))


def check_words(site: Path, words: list[str]) -> list[WordCheck]:
    answer = run_searches(site, words)
    checks = []
    for word in words:
        hits = answer["results"][word]
        if hits is None:
            raise RuntimeError(f"search.html?q={word}: the search did not finish")
        found = tuple(dict.fromkeys(page_of(href) for href in hits["links"]))
        containing = frozenset(
            page for page, text in answer["texts"].items() if word.lower() in text.lower()
        )
        checks.append(WordCheck(word, containing, found, frozenset(hits["highlighted"])))
    return checks


def recall(checks: list[WordCheck]) -> float:
    """Found pages that contain the word over all pages that contain it, summed over words."""
    containing = sum(len(c.containing) for c in checks)
    return 1 - sum(len(c.missed) for c in checks) / containing


def build_without_execution(out: Path, builder: str = "html") -> tuple[Path, float]:
    """Build the book into out/_build/<builder> with the chapters not executed; (its dir, seconds).

    Jupyter Book reads one config file, so a copy of _config.yml with execution off is written
    next to the output, its local extension folders made absolute (they are relative to the file).
    """
    config = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))
    config["execute"]["execute_notebooks"] = "off"
    extensions = config["sphinx"]["local_extensions"]
    config["sphinx"]["local_extensions"] = {
        name: str(ROOT / folder) for name, folder in extensions.items()
    }
    out.mkdir(parents=True, exist_ok=True)
    path = out / "_config.noexec.yml"
    path.write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    start = time.perf_counter()
    jupyter_book = Path(sys.executable).parent / "jupyter-book"
    subprocess.run(
        [
            str(jupyter_book),
            "build",
            str(ROOT),
            "--all",
            "-q",
            "--config",
            str(path),
            "--builder",
            builder,
            "--path-output",
            str(out),
        ],
        check=True,
        capture_output=True,
    )
    return out / "_build" / builder, time.perf_counter() - start


def first_results(checks: list[WordCheck]) -> dict[str, str]:
    return {c.word: (c.found[:1] or ("-",))[0] for c in checks}


def report(site: Path) -> int:
    checks = check_words(site, WORDS + [w for w in TITLE_WORDS if w not in WORDS])
    words = [c for c in checks if c.word in WORDS]
    for c in words:
        print(
            f"{c.word}\t{len(c.containing)} pages\t{len(c.containing) - len(c.missed)} found\t"
            f"missed: {' '.join(sorted(c.missed)) or '-'}\t"
            f"extra: {' '.join(sorted(c.extra)) or '-'}"
        )
    extra = sum(len(c.extra) for c in words) / sum(len(c.found) for c in words)
    print(
        f"recall {recall(words):.3f} over {len(words)} words; {extra:.1%} of results lack the word"
    )
    firsts = {w: page for w, page in first_results(checks).items() if w in TITLE_WORDS}
    wrong = {w: page for w, page in firsts.items() if page != TITLE_WORDS[w]}
    print(
        f"title words ranked first: {len(firsts) - len(wrong)}/{len(firsts)}; wrong: {wrong or '-'}"
    )
    print(f"searchindex.js: {(site / 'searchindex.js').stat().st_size:,} bytes")
    return 0 if recall(words) >= 0.97 and not wrong else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("site", nargs="?", type=Path, help="a built site (…/_build/html)")
    parser.add_argument(
        "--build", type=Path, metavar="OUT", help="build the site into OUT, chapters not executed"
    )
    args = parser.parse_args(argv)
    site = args.site
    if args.build:
        site, seconds = build_without_execution(args.build.resolve())
        print(f"built {site} in {seconds:.0f} s")
    if site is None or not (site / "searchindex.js").is_file():
        parser.error("give a built site (its searchindex.js) or --build OUT")
    return report(site.resolve())


if __name__ == "__main__":
    sys.exit(main())
