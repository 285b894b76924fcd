"""Lecture slides (reveal.js) from the executed chapters: `make slides` → _build/slides/.

The decks work offline (a classroom without the internet): reveal.js 5 comes from the pinned
sphinx-revealjs package and MathJax 3 from django-static-mathjax (as for the site), copied beside
the decks with the figures they show (_build/slides/reveal.js, mathjax, figures). Nothing comes
from a CDN (tools/slides_template/offline_reveal replaces nbconvert's jQuery, require.js and
unpkg links).

Each markdown cell that opens with a heading starts a new slide. What the decks leave out or change:
- left out: the Colab install cell (the first code cell of every chapter), cells tagged remove-cell
  (glue bookkeeping, hidden checks) and hide-cell (exercise solutions, folded on the site) with the
  folded admonitions that explain them (풀이, `:class: dropdown`): the solutions stay in the book;
- outputs without their code: cells tagged remove-input or hide-input;
- MyST written as Markdown, which nbconvert knows: glued values ({glue:text}`name`) filled in from
  the outputs, citations as on the site (Cho et al. [2014], [Cho et al., 2014]), {ref} and {doc}
  as their target's title, figures as images with their captions, other admonitions as quotes,
  labels such as (ch-bleu)= dropped.

    python tools/slides.py _build/jupyter_execute/book _build/slides
"""

from __future__ import annotations

import functools
import re
import shutil
import sys
from pathlib import Path

import nbformat
from nbconvert import SlidesExporter
from pybtex.database import parse_file
from traitlets.config import Config

ROOT = Path(__file__).resolve().parent.parent
BOOK = ROOT / "book"
sys.path.insert(0, str(ROOT / "_ext"))
import offline_mathjax  # noqa: E402

TEMPLATES = Path(__file__).with_name("slides_template")
GLUE_ROLE = re.compile(r"\{glue(?::text|:)?\}`([^`]+)`")
ROLE = re.compile(r"\{([\w:-]+)\}`([^`]*)`")  # {cite:p}`key`, {ref}`text <label>`
TEXT_AND_TARGET = re.compile(r"^(.*?)\s*<([^>]+)>$")  # `용어집 <glossary>`
# ```{figure} path  … ``` or :::{admonition} … ::: — possibly indented inside a list item
DIRECTIVE = re.compile(
    r"^(?P<indent>[ \t]*)(?P<fence>`{3,}|:{3,})\{(?P<name>[\w:-]+)\}"
    r"[ \t]*(?P<arg>[^\n]*)\n(?P<body>.*?)^(?P=indent)(?P=fence)[ \t]*(?:\n|\Z)",
    re.MULTILINE | re.DOTALL,
)
OPTION = re.compile(r"^:([\w-]+):[ \t]*(.*)$")
MYST_LABEL = re.compile(r"^\([\w-]+\)=\n", re.MULTILINE)  # (ch-bleu)= : a {ref} target, not text
INSTALL_MARKER = 'find_spec("probing_rnns")'  # in the Colab install cell that opens every chapter
LEFT_OUT_TAGS = {"remove-cell", "hide-cell"}
INPUT_HIDDEN_TAGS = {"remove-input", "hide-input"}
# what the decks load: reveal.js (from sphinx-revealjs) and the theme's fonts
REVEAL_FILES = (
    "LICENSE",
    "dist/reveal.js",
    "dist/reveal.css",
    "dist/reset.css",
    "dist/theme/white.css",
    "dist/theme/fonts/source-sans-pro",
    "plugin/notes/notes.js",
)


def glued_values(nb: nbformat.NotebookNode) -> dict[str, str]:
    """name → text of every glue() call, read from the executed cells' outputs."""
    values = {}
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            record = out.get("metadata", {}).get("scrapbook", {})  # mime_prefix + "text/plain"
            text = out.get("data", {}).get(record.get("mime_prefix", "") + "text/plain")
            if "name" in record and text is not None:
                values[record["name"]] = text.strip("'\"")
    return values


@functools.cache
def bibliography() -> dict[str, tuple[str, str]]:
    """key → (authors as the site cites them: "Cho et al.", "Hochreiter and Schmidhuber"; year)."""
    entries = {}
    for key, entry in parse_file(ROOT / "references.bib").entries.items():
        names = [" ".join(p.last_names).strip("{}") for p in entry.persons.get("author", [])]
        authors = (
            names[0]
            if len(names) == 1
            else (" and ".join(names) if len(names) == 2 else f"{names[0]} et al.")
        )
        entries[key] = (authors, entry.fields.get("year", ""))
    return entries


def citation(role: str, keys: str) -> str:
    """{cite:t}`a` → Cho et al. [2014]; {cite:p}`a,b` → [Cho et al., 2014; Chung et al., 2014]."""
    cited = [bibliography().get(key.strip(), (key.strip(), "")) for key in keys.split(",")]
    if role == "cite:t":
        return ", ".join(f"{authors} [{year}]" for authors, year in cited)
    return "[" + "; ".join(f"{authors}, {year}" for authors, year in cited) + "]"


@functools.cache
def target_titles() -> dict[str, str]:
    """{ref} labels and {doc} names → the title they stand for: ch-bleu → "8. BLEU: …"."""
    titles = {}
    for path in BOOK.glob("*.md"):
        text = path.read_text(encoding="utf-8")
        titles[path.stem] = re.search(r"^# (.+)$", text, re.MULTILINE)[1]
        titles.update(re.findall(r"^\(([\w-]+)\)=\n#+ (.+)$", text, re.MULTILINE))
    return titles


def role_text(role: str, content: str) -> str:
    """What a MyST role shows as plain text."""
    if role.startswith("cite"):
        return citation(role, content)
    if shown := TEXT_AND_TARGET.match(content):  # {ref}`text <label>`, {doc}`text <name>`
        return shown[1]
    if role in ("ref", "doc"):
        return target_titles().get(content.strip("/"), content)
    return content


def directive_markdown(match: re.Match) -> str:
    """A MyST directive as Markdown: figures as images, admonitions as quotes, no dropdowns."""
    indent, name, arg = match["indent"], match["name"], match["arg"].strip()
    lines = [
        line[len(indent) :] if line.startswith(indent) else line
        for line in match["body"].splitlines()
    ]
    options = {}
    while lines and (option := OPTION.match(lines[0])):
        options[option[1]] = option[2]
        lines.pop(0)
    body = "\n".join(lines).strip()
    if name == "bibliography" or "dropdown" in options.get("class", ""):
        return ""
    if name == "figure":
        block = f"![{options.get('alt', '')}]({arg})\n\n{body}"
    elif name == "admonition" or name in ("note", "tip", "important", "warning"):
        title = arg or name
        block = "\n".join(f"> {line}".rstrip() for line in [f"**{title}**", "", *body.splitlines()])
    else:
        block = body
    return "".join(f"{indent}{line}\n" if line else "\n" for line in block.splitlines()) + "\n"


def myst_to_markdown(source: str, values: dict[str, str]) -> str:
    source = GLUE_ROLE.sub(lambda m: values.get(m[1], m[0]), source)
    source = DIRECTIVE.sub(directive_markdown, source)
    return MYST_LABEL.sub("", ROLE.sub(lambda m: role_text(m[1], m[2]), source))


def split_at_headings(source: str) -> list[str]:
    """A markdown cell's text cut before each heading (not before `#` lines inside fenced code)."""
    parts, fenced = [[]], False
    for line in source.splitlines():
        fenced ^= line.lstrip().startswith(("```", "~~~"))
        if line.startswith("#") and not fenced and any(part.strip() for part in parts[-1]):
            parts.append([])
        parts[-1].append(line)
    return ["\n".join(part).strip("\n") for part in parts]


def is_shown(cell: nbformat.NotebookNode) -> bool:
    tags = set(cell.get("metadata", {}).get("tags", []))
    install = cell.cell_type == "code" and INSTALL_MARKER in cell.source
    return not (tags & LEFT_OUT_TAGS or install)


def as_slides(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    values = glued_values(nb)
    cells = []
    for cell in filter(is_shown, nb.cells):
        if cell.cell_type == "markdown":  # one slide per heading
            cells += [
                nbformat.v4.new_markdown_cell(part, metadata=dict(cell.metadata))
                for part in split_at_headings(myst_to_markdown(cell.source, values))
            ]
        else:
            cells.append(cell)
    nb.cells = cells
    for cell in nb.cells:
        if cell.cell_type == "code" and INPUT_HIDDEN_TAGS & set(cell.metadata.get("tags", [])):
            cell.transient = {"remove_source": True}  # as nbconvert's TagRemovePreprocessor does
        new_slide = cell.cell_type == "markdown" and cell.source.lstrip().startswith("#")
        cell.metadata["slideshow"] = {"slide_type": "slide" if new_slide else "-"}
    nb.cells = [cell for cell in nb.cells if cell.source.strip() or cell.get("outputs")]
    return nb


def figures(nb: nbformat.NotebookNode) -> set[str]:
    """The image files (relative to book/) that the deck's markdown shows."""
    return {
        path
        for cell in nb.cells
        if cell.cell_type == "markdown"
        for path in re.findall(r"!\[[^\]]*\]\(([^)\s]+)\)", cell.source)
        if (BOOK / path).is_file()
    }


def copy_assets(target: Path, shown: set[str]) -> None:
    """reveal.js, MathJax and the figures the decks show, beside the decks."""
    import sphinx_revealjs  # the pinned package that carries reveal.js (requirements.txt)

    reveal = Path(sphinx_revealjs.__file__).parent / "_static" / "revealjs"
    for part in REVEAL_FILES:
        source, copy = reveal / part, target / "reveal.js" / part
        copy.parent.mkdir(parents=True, exist_ok=True)
        if source.is_dir():
            shutil.copytree(source, copy, dirs_exist_ok=True)
        else:
            shutil.copy2(source, copy)
    offline_mathjax.copy_mathjax(offline_mathjax.mathjax_dir(), target)
    for path in shown:
        (target / path).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(BOOK / path, target / path)


def exporter() -> SlidesExporter:
    config = Config()
    config.SlidesExporter.extra_template_basedirs = [str(TEMPLATES)]
    config.SlidesExporter.template_name = "offline_reveal"
    config.SlidesExporter.reveal_url_prefix = "reveal.js"
    config.SlidesExporter.reveal_theme = "white"
    config.SlidesExporter.reveal_scroll = True
    config.SlidesExporter.exclude_input_prompt = True  # no "In [6]:": the code gets the width
    config.SlidesExporter.exclude_output_prompt = True
    return SlidesExporter(config=config)


def main(source: Path, target: Path) -> None:
    chapters = sorted(source.glob("[0-9]*.ipynb"))
    if not chapters:
        sys.exit(f"{source}에 실행된 장이 없습니다. 먼저 `make book`을 실행하세요.")
    target.mkdir(parents=True, exist_ok=True)
    slides, shown = exporter(), set()
    for path in chapters:
        nb = as_slides(nbformat.read(path, as_version=4))
        shown |= figures(nb)
        html, _ = slides.from_notebook_node(nb)
        (target / f"{path.stem}.slides.html").write_text(html, encoding="utf-8")
        print(target / f"{path.stem}.slides.html")
    copy_assets(target, shown)


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]))
