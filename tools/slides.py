"""Lecture slides (reveal.js) from the executed chapters: `make slides` → _build/slides/<chapter>.slides.html.

Each markdown cell that opens with a heading starts a new slide; cells tagged remove-cell (glue
bookkeeping) are dropped; glued values ({glue:text}`name`) are written into the text, since
nbconvert knows nothing of MyST roles; MyST labels like (ch-bleu)= are dropped.

    python tools/slides.py _build/jupyter_execute/book _build/slides
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import nbformat
from nbconvert import SlidesExporter

GLUE_ROLE = re.compile(r"\{glue(?::text|:)?\}`([^`]+)`")
MYST_LABEL = re.compile(r"^\([\w-]+\)=\n", re.MULTILINE)  # (ch-bleu)= : a target for {ref}, not text
INSTALL_MARKER = 'find_spec("probing_rnns")'  # in the Colab install cell that opens every chapter


def glued_values(nb: nbformat.NotebookNode) -> dict[str, str]:
    """name → text of every glue() call, read from the executed cells' outputs."""
    values = {}
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            name = out.get("metadata", {}).get("scrapbook", {}).get("name")
            if name and "text/plain" in out.get("data", {}):
                values[name] = out["data"]["text/plain"].strip("'\"")
    return values


def as_slides(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    values = glued_values(nb)
    nb.cells = [c for c in nb.cells if "remove-cell" not in c.get("metadata", {}).get("tags", [])]
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            cell.source = MYST_LABEL.sub("", GLUE_ROLE.sub(lambda m: values.get(m.group(1), m.group(0)), cell.source))
        new_slide = cell.cell_type == "markdown" and cell.source.lstrip().startswith("#")
        cell.metadata["slideshow"] = {"slide_type": "slide" if new_slide else "-"}
    return nb


def main(source: Path, target: Path) -> None:
    chapters = sorted(source.glob("[0-9]*.ipynb"))
    if not chapters:
        sys.exit(f"{source}에 실행된 장이 없습니다. 먼저 `make book`을 실행하세요.")
    target.mkdir(parents=True, exist_ok=True)
    exporter = SlidesExporter(reveal_scroll=True)
    for path in chapters:
        html, _ = exporter.from_notebook_node(as_slides(nbformat.read(path, as_version=4)))
        (target / f"{path.stem}.slides.html").write_text(html, encoding="utf-8")
        print(target / f"{path.stem}.slides.html")


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]))
