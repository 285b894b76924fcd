"""One Korean rendering per term: every page keeps to book/glossary.md (tools/glossary.py)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tools import glossary
from tools.glossary import ROOT, Term

TERMS = glossary.read_glossary()
PAGES = glossary.read_pages()


def report(findings) -> str:
    return "\n".join(str(f) for f in findings)


def test_the_glossary_has_one_row_per_term_and_no_variant_is_a_preferred_rendering():
    korean = [t.korean for t in TERMS]
    assert len(korean) == len(set(korean)), sorted(k for k in korean if korean.count(k) > 1)
    assert all(t.english for t in TERMS)
    preferred = set(korean)
    assert not [v for t in TERMS for v in t.variants if v in preferred]


def test_no_page_uses_a_rendering_the_glossary_rules_out():
    findings = glossary.variant_uses(TERMS, PAGES)
    assert not findings, "다른 표기를 쓴 곳 (용어집의 한국어로 바꾸세요):\n" + report(findings)


def test_every_term_a_page_glosses_is_in_the_glossary_with_the_same_korean():
    findings = glossary.gloss_problems(TERMS, PAGES)
    hint = "용어집에 없거나 한국어가 다른 용어 (용어집에 한 줄을 더하거나 표기를 맞추세요):\n"
    assert not findings, hint + report(findings)


def test_every_glossary_term_is_used_and_its_first_page_is_computed():
    first = glossary.first_pages(TERMS, PAGES)
    assert not [term for term, page in first.items() if page is None], "어느 장도 쓰지 않는 용어"
    # terms a chapter introduces with a gloss, whatever earlier pages mention in passing
    assert first["은닉 상태"] == "book/02_rnn" and first["셀 상태"] == "book/03_lstm"
    assert first["교사 강요"] == "book/07_seq2seq" and first["빔 탐색"] == "book/10_decoding"


def test_prose_leaves_out_code_inline_code_and_math_but_keeps_admonitions():
    page = glossary.split_page(
        "p",
        "---\njupytext: {}\n---\n# 제목\n\n본문 `마지막 상태` $h_T$\n\n"
        "```{code-cell} ipython3\nx = '코드 속 문자열'\n```\n\n"
        "```{admonition} 풀이\n:class: dropdown\n접힌 풀이\n```\n\n"
        "````{admonition} 바깥\n```python\n안쪽 코드\n```\n"
        "바깥 글\n````\n끝",
    )
    assert all(words in page.prose for words in ("본문", "접힌 풀이", "바깥 글", "끝"))
    assert "마지막 상태" not in page.prose and "h_T" not in page.prose
    assert "코드 속 문자열" in page.code and "안쪽 코드" in page.code
    assert "안쪽 코드" not in page.prose


def test_the_checks_find_a_variant_a_missing_term_and_a_second_rendering():
    terms = [
        Term("망각 게이트", "forget gate", ("삭제 게이트 (위키독스)",)),
        Term("장기 의존성", "long-term dependency", ("장기 의존",)),
    ]
    page = glossary.split_page(
        "book/x",
        "장기 의존성(long-term dependency)은 어렵습니다.\n"
        "삭제 게이트가 지웁니다. 망각 게이트(forget gate),\n"
        "잊음 게이트(forget gate), 주의(attention).",
    )
    variants = glossary.variant_uses(terms, [page])
    assert [f.found for f in variants] == ["삭제 게이트"]  # and not 장기 의존 inside 장기 의존성
    problems = [(p.term, p.found) for p in glossary.gloss_problems(terms, [page])]
    assert problems == [("망각 게이트", "forget gate"), ("(용어집에 없음)", "attention")]


def test_the_first_page_is_the_page_that_glosses_a_term():
    terms = [Term("셀 상태", "cell state", ())]
    mention = glossary.split_page("book/a", "셀 상태는 다음 장에서 봅니다.")
    gloss = glossary.split_page("book/b", "기억을 셀 상태(cell state)에 담습니다.")
    later = glossary.split_page("book/c", "셀 상태(cell state)를 다시 봅니다.")
    assert glossary.first_pages(terms, [mention, gloss, later]) == {"셀 상태": "book/b"}
    assert glossary.first_pages(terms, [mention]) == {"셀 상태": "book/a"}
    assert glossary.first_pages(terms, []) == {"셀 상태": None}


@pytest.fixture
def book_copy(tmp_path: Path) -> Path:
    """The table of contents and the pages, copied: a test plants a mistake in a real chapter."""
    shutil.copy(ROOT / "_toc.yml", tmp_path / "_toc.yml")
    skip = shutil.ignore_patterns("*.ipynb", "figures")
    shutil.copytree(ROOT / "book", tmp_path / "book", ignore=skip)
    return tmp_path


def test_a_variant_planted_in_a_chapter_is_found(book_copy):
    chapter = book_copy / "book" / "03_lstm.md"
    chapter.write_text(
        chapter.read_text(encoding="utf-8") + "\n삭제 게이트가 기억을 지웁니다.\n", encoding="utf-8"
    )
    before = set(glossary.variant_uses(TERMS, PAGES))
    planted = set(glossary.variant_uses(TERMS, glossary.read_pages(book_copy))) - before
    assert [(f.page, f.term, f.found) for f in planted] == [
        ("book/03_lstm", "망각 게이트", "삭제 게이트")
    ]


def test_a_term_missing_from_the_glossary_is_found(book_copy):
    chapter = book_copy / "book" / "02_rnn.md"
    chapter.write_text(
        chapter.read_text(encoding="utf-8") + "\n순환 가중치의 고윳값(eigenvalue)을 봅니다.\n",
        encoding="utf-8",
    )
    before = set(glossary.gloss_problems(TERMS, PAGES))
    planted = set(glossary.gloss_problems(TERMS, glossary.read_pages(book_copy))) - before
    assert [(f.page, f.found) for f in planted] == [("book/02_rnn", "eigenvalue")]
