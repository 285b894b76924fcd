"""Point the book's Colab buttons at real notebooks.

The chapters are MyST markdown (book/*.md); Colab opens only .ipynb files. The book's workflow
converts every chapter with jupytext and pushes the notebooks to the `notebooks` branch
(.github/workflows/book.yml); this extension rewrites the theme's Colab link

    https://colab.research.google.com/github/ORG/REPO/blob/main/book/02_rnn.md
 →  https://colab.research.google.com/github/ORG/REPO/blob/notebooks/book/02_rnn.ipynb
"""

from __future__ import annotations

import re

NOTEBOOK_BRANCH = "notebooks"
_MARKDOWN_SOURCE = re.compile(r"/blob/[^/]+/(?P<path>.+)\.md$")


def colab_url(url: str) -> str:
    """The Colab link of a markdown chapter, moved to its converted notebook on NOTEBOOK_BRANCH."""
    return _MARKDOWN_SOURCE.sub(rf"/blob/{NOTEBOOK_BRANCH}/\g<path>.ipynb", url)


def rewrite_colab_buttons(app, pagename, templatename, context, doctree) -> None:
    for group in context.get("header_buttons", []):
        for button in group.get("buttons", []):
            if button.get("text") == "Colab":
                button["url"] = colab_url(button["url"])


def setup(app):
    app.connect("html-page-context", rewrite_colab_buttons, priority=502)  # after the theme's (501)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
