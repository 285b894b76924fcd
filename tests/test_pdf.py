"""The printed book (`make pdf`, tools/pdf.py): every chapter opens a page with its title, Hangul is
drawn with an embedded Korean font, math is typeset.

The slow test checks _build/pdf/probing-rnns.pdf when `make pdf` made it, else prints a draft
(chapters not executed) into a temporary folder, about 2 minutes:

    .venv/bin/python -m pytest -m slow tests/test_pdf.py
"""

from __future__ import annotations

import shutil
import subprocess
import sys

import pytest

from tests.browser import needs_chromium
from tools.pdf import (
    ROOT,
    chapter_titles,
    check_pdf,
    embedded_font_problems,
    print_page,
)

needs_poppler = pytest.mark.skipif(
    not shutil.which("pdftotext"), reason="no poppler-utils (apt-get install poppler-utils)"
)
needs_korean_font = pytest.mark.skipif(
    not shutil.which("fc-list"), reason="fontconfig is not installed"
)

FONTS = """name                       type          encoding    emb sub uni object ID
-------------------------- ------------- ----------- --- --- --- ---------
AAAAAA+NanumGothic         CID TrueType  Identity-H  yes yes yes      4  0
BAAAAA+DejaVuSansMono      CID TrueType  Identity-H  yes yes yes      8  0
[none]                     Type 3        Custom      yes no  yes     12  0
"""


def test_the_titles_are_those_of_the_table_of_contents():
    titles = chapter_titles()
    assert titles[0] == "프로빙 RNN: 실험으로 배우는 순환 신경망"  # the root document
    assert "9. 어텐션: 디코더가 원문을 다시 보게 하기" in titles and titles[-1] == "참고 문헌"
    files = (ROOT / "_toc.yml").read_text(encoding="utf-8").count("file:")
    assert len(titles) == len(set(titles)) == files + 1


@needs_korean_font
def test_fonts_must_be_embedded_and_one_korean():
    assert embedded_font_problems(FONTS) == []
    not_embedded = FONTS.replace("Identity-H  yes yes yes      8", "Identity-H  no  no  yes      8")
    assert embedded_font_problems(not_embedded) == [
        "글꼴이 들어 있지 않습니다: BAAAAA+DejaVuSansMono"
    ]
    no_korean = FONTS.replace("NanumGothic", "DejaVuSans     ")
    assert embedded_font_problems(no_korean) == [
        "한국어 글꼴이 PDF에 없습니다 (한글이 네모로 찍혔을 수 있습니다)"
    ]


def test_the_printed_page_sits_at_the_root_with_the_print_style(tmp_path):
    (tmp_path / "book").mkdir()
    page = (
        '<html><head><link href="_static/x.css"></head>'
        '<body><img src="_images/a.svg"></body></html>'
    )
    (tmp_path / "book" / "intro.html").write_text(page, encoding="utf-8")
    printed = print_page(tmp_path)
    assert printed == tmp_path / "print.html"  # where `_static/…` and `_images/…` resolve
    text = printed.read_text(encoding="utf-8")
    head, body = text.split("</head>")
    assert "@page" in head and 'find_spec("probing_rnns")' in body


@pytest.mark.slow
@needs_chromium
@needs_poppler
def test_the_book_prints_every_chapter_in_korean(tmp_path):
    pdf = ROOT / "_build" / "pdf" / "probing-rnns.pdf"
    if not pdf.is_file():
        pdf = tmp_path / "draft.pdf"
        subprocess.run(
            [
                sys.executable,
                str(ROOT / "tools" / "pdf.py"),
                str(pdf),
                "--draft",
                str(tmp_path / "build"),
            ],
            check=True,
        )
    assert check_pdf(pdf) == []
