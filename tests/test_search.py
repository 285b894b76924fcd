"""Korean search on the book's site (_ext/korean_search.py): the index terms, the JavaScript query
splitter against its Python reference, and the built site's search page in headless Chromium.

The browser tests on the site are slow. They use _build/html when it was built with this search
(after `make book`), else they build the site without executing the chapters (about 15 s):

    .venv/bin/python -m pytest -m slow tests/test_search.py
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from urllib.parse import quote

import pytest
from sphinx.search.en import SearchEnglish

from tests.browser import needs_chromium
from tools.screenshots import chromium
from tools.site_search import (
    TITLE_WORDS,
    WORDS,
    build_without_execution,
    check_words,
    first_results,
    recall,
)

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "_ext"))
from korean_search import SearchKorean, split_query  # noqa: E402

QUERIES = [
    "어텐션",
    "어텐션을",
    "셀",
    "LSTM의 셀 상태",
    "기울기 소실",
    "h_t와 c_t",
    "BLEU-4 점수",
    "셀프어텐션",
    "ㅋㅋ 재밌다",
    "running models",
    "  모델  ",
]
TEXT = "LSTM의 셀 상태는 셀프어텐션을 쓰는 모델에서도 쓰입니다. 검증손실이 줄었습니다."


def index_terms(text: str) -> set[str]:
    korean = SearchKorean({})
    return {korean.stem(word).lower() for word in korean.split(text)}


@pytest.mark.parametrize(
    "word", ["어텐션", "셀", "모델", "손실", "상태", "lstm", "셀 상태", "쓰입니다"]
)
def test_a_word_in_the_text_is_found_with_its_particles_and_in_compounds(word):
    assert set(split_query(word)) <= index_terms(TEXT)


def test_english_splitting_misses_a_word_with_a_particle():
    """The bug this language fixes: the English index holds "셀프어텐션을", not "어텐션"."""
    english = {SearchEnglish({}).stem(w) for w in SearchEnglish({}).split(TEXT)}
    assert "어텐션" not in english and set(split_query("어텐션")) <= index_terms(TEXT)


def test_words_absent_from_the_text_are_not_found():
    for word in ["디코더", "어텐셔", "셀프모델"]:
        assert not set(split_query(word)) <= index_terms(TEXT)


def test_query_terms():
    assert split_query("어텐션을") == ["어텐", "텐션", "션을"]
    assert split_query("셀") == ["셀"]
    assert split_query("LSTM의 셀") == ["LSTM", "의", "셀"]
    assert split_query("h_t와") == ["h_t", "와"]


def test_latin_words_are_stemmed_as_in_english_and_hangul_is_left_alone():
    korean, english = SearchKorean({}), SearchEnglish({})
    assert (
        [korean.stem(w) for w in ["running", "models", "gates"]]
        == [english.stem(w) for w in ["running", "models", "gates"]]
        == ["run", "model", "gate"]
    )
    assert [korean.stem(w) for w in ["어텐", "셀", "션을"]] == ["어텐", "셀", "션을"]


@needs_chromium
def test_the_browser_splits_and_stems_queries_as_python_does():
    """korean_search.js (splitQuery) and the stemmer wrapper, run in Chromium, against Python."""
    korean = SearchKorean({})
    page = (
        '<!doctype html><meta charset="utf-8"><pre id="out"></pre><script>'
        + korean.js_stemmer_code
        + korean.js_splitter_code
        + f"const queries = {json.dumps(QUERIES)}; const stemmer = new Stemmer();"
        + "document.getElementById('out').textContent = JSON.stringify(queries.map("
        + "(q) => splitQuery(q.toLowerCase()).map((t) => stemmer.stemWord(t))));</script>"
    )
    dom = chromium("--dump-dom", "data:text/html;charset=utf-8," + quote(page))
    start = dom.index('<pre id="out">') + len('<pre id="out">')
    in_browser = json.loads(dom[start : dom.index("</pre>", start)])
    in_python = [[korean.stem(t) for t in split_query(q.lower())] for q in QUERIES]
    assert in_browser == in_python


def built_with_korean_search(site: Path) -> bool:
    language_data = site / "_static" / "language_data.js"
    return language_data.is_file() and SearchKorean.js_splitter_code in language_data.read_text(
        encoding="utf-8"
    )


@pytest.fixture(scope="module")
def checks(tmp_path_factory):
    site = ROOT / "_build" / "html"
    if not built_with_korean_search(site):
        site, _ = build_without_execution(tmp_path_factory.mktemp("site"))
    words = WORDS + [w for w in TITLE_WORDS if w not in WORDS]
    return {c.word: c for c in check_words(site, words)}


@pytest.mark.slow
@needs_chromium
def test_search_page_finds_every_page_that_contains_the_word(checks):
    words = [checks[w] for w in WORDS]
    missed = {c.word: sorted(c.missed) for c in words if c.missed}
    assert len(words) >= 20 and recall(words) >= 0.97, missed


@pytest.mark.slow
@needs_chromium
def test_search_page_highlights_the_words_not_their_bigrams(checks):
    words = [checks[w] for w in WORDS]
    assert any(c.highlighted for c in words)
    assert {c.word: c.highlighted for c in words if not c.highlighted <= {c.word}} == {}


@pytest.mark.slow
@needs_chromium
def test_search_page_lists_the_chapter_with_the_word_in_its_title_first(checks):
    firsts = first_results([checks[w] for w in TITLE_WORDS])
    assert firsts == TITLE_WORDS
