"""Serve MathJax from the built site instead of a CDN, so that math renders offline.

Sphinx loads MathJax 3 from jsDelivr by default; a site opened without the internet (a classroom,
a local build, the screenshots) then shows raw TeX such as `\\(q^\\top m\\)`. This extension points
`mathjax_path` at `_static/mathjax/tex-mml-chtml.js` and copies that component, with its fonts and
the parts it loads on demand, from the pinned `django-static-mathjax` package (MathJax 3.2.2,
Apache-2.0, no Django needed) into every HTML build.
"""

from __future__ import annotations

import importlib.resources
import shutil
from pathlib import Path

SPHINX_CDN = "https://cdn.jsdelivr.net/npm/mathjax@3/es5/tex-mml-chtml.js"
COMPONENT = "tex-mml-chtml.js"
LOCAL_PATH = f"mathjax/{COMPONENT}"  # mathjax_path is relative to _static
# what the component loads by itself: CHTML fonts, TeX packages (autoload, \require), the menu,
# the accessibility extensions; the speech-rule maps (sre/, 4 MB) are left out
ON_DEMAND = ("output/chtml/fonts/woff-v2", "input/tex/extensions", "input/mml", "ui", "a11y")
LICENSE = "../LICENSE"


def mathjax_dir() -> Path:
    """The es5 folder of the MathJax package (`pip install django-static-mathjax`)."""
    try:
        es5 = Path(str(importlib.resources.files("mathjax"))) / "static" / "mathjax" / "es5"
    except ModuleNotFoundError:
        es5 = None
    if es5 is None or not (es5 / COMPONENT).is_file():
        raise RuntimeError(
            "MathJax가 없습니다: pip install -r requirements.txt (django-static-mathjax)"
        )
    return es5


def copy_mathjax(source: Path, static: Path) -> Path:
    """Copy the component, what it loads on demand and the licence into static/mathjax."""
    target = static / "mathjax"
    target.mkdir(parents=True, exist_ok=True)
    shutil.copy2(source / COMPONENT, target / COMPONENT)
    shutil.copy2(source / LICENSE, target / "LICENSE")
    for part in ON_DEMAND:
        shutil.copytree(source / part, target / part, dirs_exist_ok=True)
    return target


def use_local_mathjax(app, config) -> None:
    """Replace Sphinx's CDN address (a book that sets another mathjax_path keeps it)."""
    if config.mathjax_path == SPHINX_CDN:
        mathjax_dir()  # fail now, not after the build, when the package is missing
        config.mathjax_path = LOCAL_PATH


def install_mathjax(app, exception) -> None:
    if exception is None and app.builder.format == "html" and app.config.mathjax_path == LOCAL_PATH:
        copy_mathjax(mathjax_dir(), Path(app.outdir) / "_static")


def setup(app):
    app.setup_extension("sphinx.ext.mathjax")
    app.connect("config-inited", use_local_mathjax)
    app.connect("build-finished", install_mathjax)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
