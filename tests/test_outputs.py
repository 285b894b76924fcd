"""What the book shows its readers: no stray object reprs under cells, code that fits the page.

The repr test reads the executed chapters from the execution cache that `make test` (nbval) and
`make book` fill (_build/.jupyter_cache), each chapter only when its cached run is of its current
code; a chapter not run since it changed is skipped, saying so.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import jupytext
import nbformat
import pytest
from jupyter_cache import get_cache

ROOT = Path(__file__).resolve().parent.parent
BOOK = ROOT / "book"
EXECUTION_CACHE = ROOT / "_build" / ".jupyter_cache"
CHAPTERS = sorted(path.stem for path in BOOK.glob("*.md"))
MAX_LINE = 100
HIDDEN_TAGS = {"remove-cell", "remove-output"}  # cells whose outputs the book does not show
RICH_MIMES = (
    "text/html",
    "image/png",
    "image/svg+xml",
    "image/jpeg",
    "text/latex",
    "text/markdown",
)
# The value of a cell's last expression that only says what object a call returned:
# <matplotlib.legend.Legend at 0x7f…>, [<matplotlib.lines.Line2D at 0x…>], <Axes: title=…>,
# Text(0.5, 1.0, '제목'), <BarContainer object of 5 artists>, <Figure size 640x480 …> (no picture)
STRAY_REPR = re.compile(
    r"<[\w.]+ at 0x[0-9a-f]+>|<\w*Axes\w*:|\bText\(-?[\d.e+-]+, -?[\d.e+-]+, "
    r"|<\w+ object of \d+ artists>|<Figure size \d+x\d+"
)


def shown_text(output: nbformat.NotebookNode) -> str:
    """The plain text a reader sees for an execute_result or display_data output ('' for others):
    none where a picture, a table or a glue record is shown instead."""
    data = output.get("data", {})
    shown = output.output_type in ("execute_result", "display_data")
    if not shown or "scrapbook" in output.metadata:
        return ""
    return "" if any(mime in data for mime in RICH_MIMES) else data.get("text/plain", "")


def stray_reprs(cells: list[nbformat.NotebookNode]) -> list[str]:
    """'cell N: repr' for every stray repr among the outputs the book shows."""
    return [
        f"code cell {n}: {match[0]}"
        for n, cell in enumerate(cells, start=1)
        if not HIDDEN_TAGS & set(cell.metadata.get("tags", []))
        for output in cell.get("outputs", [])
        for match in STRAY_REPR.finditer(shown_text(output))
    ]


@cache
def execution_cache():
    return get_cache(str(EXECUTION_CACHE)) if EXECUTION_CACHE.is_dir() else None


def executed_code_cells(chapter: str) -> list[nbformat.NotebookNode] | None:
    """The chapter's code cells (with their tags) and the outputs of its cached run; None when the
    cache holds no run of its current code."""
    nb = jupytext.read(BOOK / f"{chapter}.md", fmt="md:myst")
    if not any(cell.cell_type == "code" for cell in nb.cells):
        return []  # nothing runs, nothing to check
    try:
        record = execution_cache().match_cache_notebook(nb)
    except KeyError:
        return None
    bundle = execution_cache().get_cache_bundle(record.pk)
    executed = [cell for cell in bundle.nb.cells if cell.cell_type == "code"]
    cells = [cell for cell in nb.cells if cell.cell_type == "code"]
    for cell, done in zip(cells, executed, strict=True):
        cell.outputs = done.get("outputs", [])
    return cells


def test_stray_reprs_are_found_and_pictures_tables_and_prints_are_not():
    def cell(*outputs, tags=()):
        return nbformat.v4.new_code_cell("", outputs=list(outputs), metadata={"tags": list(tags)})

    def result(**data):
        return nbformat.v4.new_output("execute_result", data=data)

    legend = result(**{"text/plain": "<matplotlib.legend.Legend at 0x7f6987fea550>"})
    titles = result(**{"text/plain": "[Text(0.5, 0, '원문 길이'), Text(0, 0.5, 'BLEU')]"})
    figure = nbformat.v4.new_output(
        "display_data",
        data={"text/plain": "<Figure size 700x350 with 1 Axes>", "image/png": "iVBORw0KGgo="},
    )
    table = result(**{"text/plain": "   a\n0  1", "text/html": "<table></table>"})
    printed = nbformat.v4.new_output("stream", name="stdout", text="<Axes: > at 0x1\n")
    hidden = cell(legend, tags=["remove-output"])
    found = stray_reprs([cell(legend), cell(figure, table, printed), cell(titles), hidden])
    assert found == [
        "code cell 1: <matplotlib.legend.Legend at 0x7f6987fea550>",
        "code cell 3: Text(0.5, 0, ",
        "code cell 3: Text(0, 0.5, ",
    ]
    axes = result(**{"text/plain": "<Axes: title={'center': 'x'}>"})
    assert stray_reprs([cell(axes)]) == ["code cell 1: <Axes:"]


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_no_stray_object_reprs_under_cells(chapter):
    if execution_cache() is None:
        pytest.skip("no execution cache yet (make test or make book fills _build/.jupyter_cache)")
    cells = executed_code_cells(chapter)
    if cells is None:
        pytest.skip(f"{chapter} has not run since it changed (make test runs it)")
    assert stray_reprs(cells) == [], "end the cell with `;` or plt.show()"


def long_code_lines(chapter: str) -> list[str]:
    """Lines over MAX_LINE characters in the code cells the book shows (not tagged remove-*)."""
    nb = jupytext.read(BOOK / f"{chapter}.md", fmt="md:myst")
    return [
        f"{len(line)}: {line.strip()[:60]}…"
        for cell in nb.cells
        if cell.cell_type == "code"
        if not {"remove-cell", "remove-input"} & set(cell.metadata.get("tags", []))
        for line in cell.source.splitlines()
        if len(line) > MAX_LINE
    ]


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_code_the_book_shows_fits_the_page(chapter):
    assert long_code_lines(chapter) == []
