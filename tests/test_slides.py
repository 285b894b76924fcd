"""Lecture slides (tools/slides.py): MyST written as Markdown, what the decks leave out, and a deck
that opens offline in headless Chromium as reveal.js slides with its math typeset."""

from __future__ import annotations

import re

import jupytext
import nbformat
import pytest

from tests.browser import needs_chromium
from tools.screenshots import chromium, raw_tex
from tools.slides import (
    BOOK,
    DIRECTIVE,
    ROLE,
    as_slides,
    main,
    myst_to_markdown,
    split_at_headings,
)

INSTALL_CELL = 'if importlib.util.find_spec("probing_rnns") is None:\n    pass'
CHAPTERS = sorted(BOOK.glob("[0-9]*.md"))


def test_myst_roles_become_text():
    source = (
        "(ch-x)=\n# 제목\n정확도는 {glue:text}`acc`입니다 "
        "{cite:p}`cho2014learning,chung2014empirical`. {cite:t}`hochreiter1997long`, "
        "{ref}`ch-bleu`, {doc}`용어집 <glossary>`, {ref}`앞 장 <ch-rnn>`"
    )
    text = myst_to_markdown(source, {"acc": "75.1%"})
    assert text == (
        "# 제목\n정확도는 75.1%입니다 [Cho et al., 2014; Chung et al., 2014]. "
        "Hochreiter and Schmidhuber [1997], 8. BLEU: 번역을 숫자 하나로 재기, 용어집, 앞 장"
    )


def test_figures_become_images_dropdowns_go_and_admonitions_quote_in_their_list_item():
    source = """1. 문제

   ```{admonition} 풀이
   :class: dropdown
   위의 접힌 셀이 답합니다.
   ```

   ```{admonition} 힌트
   :class: tip
   두 구현은 같은 값을 냅니다.
   ```

```{figure} figures/lstm_cell.svg
:name: fig-lstm-cell
:alt: LSTM 셀
:width: 100%

LSTM 셀의 한 시점 $h_t$.
```
"""
    text = myst_to_markdown(source, {})
    assert "풀이" not in text and "접힌 셀" not in text
    assert "   > **힌트**\n   >\n   > 두 구현은 같은 값을 냅니다.\n" in text
    assert "![LSTM 셀](figures/lstm_cell.svg)\n\nLSTM 셀의 한 시점 $h_t$.\n" in text
    assert not DIRECTIVE.search(text) and ":width:" not in text


def test_a_cell_is_cut_at_each_heading_but_not_at_comments_in_code():
    source = "## 정리\n- 하나\n```python\n# 주석\nx = 1\n```\n## 연습문제\n1. 둘"
    assert split_at_headings(source) == [
        "## 정리\n- 하나\n```python\n# 주석\nx = 1\n```",
        "## 연습문제\n1. 둘",
    ]


def test_install_cell_solutions_and_bookkeeping_are_left_out_and_plumbing_shows_its_output():
    cells = [
        nbformat.v4.new_markdown_cell("# 1. 장\n본문\n## 준비"),
        nbformat.v4.new_code_cell(INSTALL_CELL),
        nbformat.v4.new_code_cell("glue('a', 1)", metadata={"tags": ["remove-cell"]}),
        nbformat.v4.new_code_cell("answer = 42", metadata={"tags": ["hide-cell"]}),
        nbformat.v4.new_code_cell("draw()", metadata={"tags": ["hide-input"]}),
        nbformat.v4.new_code_cell("x = 1"),
    ]
    slides = as_slides(nbformat.v4.new_notebook(cells=cells)).cells
    assert [c.source for c in slides] == ["# 1. 장\n본문", "## 준비", "draw()", "x = 1"]
    assert [c.metadata["slideshow"]["slide_type"] for c in slides] == ["slide", "slide", "-", "-"]
    assert slides[2].transient == {"remove_source": True} and "transient" not in slides[3]


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_no_myst_syntax_is_left_in_a_chapters_slides(path):
    nb = as_slides(jupytext.read(path, fmt="md:myst"))  # not executed: glued values stay roles
    text = "\n".join(cell.source for cell in nb.cells if cell.cell_type == "markdown")
    left = [m[0] for m in ROLE.finditer(text) if not m[1].startswith("glue")]
    assert left == [] and not DIRECTIVE.search(text) and not re.search(r"^\([\w-]+\)=$", text, re.M)
    assert not any("find_spec" in cell.source for cell in nb.cells)


@needs_chromium
def test_a_deck_opens_offline_as_slides_with_its_math_and_figure(tmp_path):
    source, target = tmp_path / "executed", tmp_path / "slides"
    source.mkdir()
    table = nbformat.v4.new_output(
        "execute_result",
        execution_count=1,
        data={"text/html": "<table><tr><td>75.1%</td></tr></table>", "text/plain": "75.1%"},
    )
    cells = [
        nbformat.v4.new_markdown_cell("# 3. LSTM\n셀 상태 $c_t = f_t \\odot c_{t-1}$"),
        nbformat.v4.new_code_cell(INSTALL_CELL),
        nbformat.v4.new_markdown_cell(
            "## 그림\n```{figure} figures/lstm_cell.svg\n:alt: LSTM 셀\n\nLSTM 셀\n```"
        ),
        nbformat.v4.new_code_cell("table", outputs=[table], execution_count=1),
    ]
    nbformat.write(nbformat.v4.new_notebook(cells=cells), source / "03_lstm.ipynb")
    main(source, target)
    deck = target / "03_lstm.slides.html"
    html = deck.read_text(encoding="utf-8")
    loaded = re.findall(r'(?:src|href)="([^"#]+)"', html)
    assert loaded and not [url for url in loaded if "://" in url]  # nothing from a CDN
    assert all((target / url).is_file() for url in loaded)  # reveal.js, MathJax, the figure
    dom = chromium(
        "--dump-dom", "--virtual-time-budget=8000", "--window-size=1280,800", deck.as_uri()
    )
    assert re.search(r'class="reveal[^"]*\bready\b', dom)  # reveal.js ran
    assert re.search(r"<section[^>]*present", dom)  # a slide is on screen
    assert "<mjx-container" in dom and raw_tex(dom) == []
    assert "75.1%" in dom and "find_spec" not in dom
