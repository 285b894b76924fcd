"""Simulated Colab: a fresh venv holding only what Colab has preinstalled, plus a chapter's first cell,
gives a working chapter.

The first cell of every chapter clones https://github.com/probing-rnns/probing-rnns into
/content/probing-rnns and pip-installs it when `probing_rnns` is not importable. Here git's
`url.<base>.insteadOf` (set through GIT_CONFIG_* environment variables) sends that URL to this repository,
so the clone is the committed HEAD: commit before running this test. The chapter is run as committed too
(as Colab opens it), unchanged except for the clone target, which moves from /content to a temporary folder.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import jupytext
import nbformat
import pytest

from tests.nbval_myst import BOOK, ROOT, read_chapter

GITHUB_URL = "https://github.com/probing-rnns/probing-rnns"
COLAB_TARGET = "/content/probing-rnns"
FRONT_AND_BACK_MATTER = ("intro", "notation", "glossary", "references")  # no install cell
CHAPTER = BOOK / "06_results.md"  # reads the committed results: about 10 s once installed
# What Colab has preinstalled that the book uses. torch is pinned: this exact version installs the local
# CPU wheel, an unpinned torch would pull the multi-GB CUDA build.
COLAB_PACKAGES = ["torch==2.13.0", "numpy", "pandas", "matplotlib", "tqdm", "ipykernel", "nbclient", "jupytext"]

EXECUTE = """
import sys, nbformat
from nbclient import NotebookClient
nb = nbformat.read(sys.argv[1], as_version=4)
NotebookClient(nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": sys.argv[2]}}).execute()
nbformat.write(nb, sys.argv[1])
"""


def install_cell(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    return next(cell for cell in nb.cells if cell.cell_type == "code")


def committed(chapter: Path) -> nbformat.NotebookNode:
    text = subprocess.run(["git", "show", f"HEAD:{chapter.relative_to(ROOT)}"], cwd=ROOT, capture_output=True,
                          text=True, check=True).stdout
    return jupytext.reads(text, fmt="md:myst")


def colab_env(tmp_path: Path) -> dict[str, str]:
    """The environment of a fresh process: no PYTHONPATH, no user Jupyter kernels, GitHub → this repository."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "JUPYTER", "VIRTUAL_ENV", "GIT_"))}
    env.update(
        HOME=str(tmp_path / "home"),
        MPLCONFIGDIR=str(tmp_path / "mpl"),
        GIT_CONFIG_COUNT="1",
        GIT_CONFIG_KEY_0=f"url.file://{ROOT}.insteadOf",
        GIT_CONFIG_VALUE_0=GITHUB_URL,
        OMP_NUM_THREADS=env.get("OMP_NUM_THREADS", "1"),
    )
    env["PIP_CACHE_DIR"] = os.environ.get("PIP_CACHE_DIR", str(Path.home() / ".cache" / "pip"))  # shared, for speed
    return env


@pytest.fixture(scope="module")
def colab(tmp_path_factory) -> tuple[Path, dict[str, str]]:
    """A fresh venv with Colab's preinstalled packages only (no probing_rnns, no myst_nb)."""
    tmp_path = tmp_path_factory.mktemp("colab")
    env = colab_env(tmp_path)
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", venv], check=True)
    python = venv / "bin" / "python"
    subprocess.run([python, "-m", "pip", "install", "-q", *COLAB_PACKAGES], check=True, env=env)
    return python, env


def test_every_chapter_starts_with_the_same_install_cell():
    reference = install_cell(read_chapter(BOOK / "11_vanishing_gradients.md")).source
    assert GITHUB_URL in reference and COLAB_TARGET in reference
    for path in sorted(p for p in BOOK.glob("*.md") if p.stem not in FRONT_AND_BACK_MATTER):  # chapters, appendices
        assert install_cell(read_chapter(path)).source == reference, f"{path.name}: the first code cell differs"


@pytest.mark.slow
def test_a_chapter_runs_in_a_fresh_colab_like_venv(colab, tmp_path):
    python, env = colab
    found = subprocess.run([python, "-c", "import importlib.util as u; print(u.find_spec('probing_rnns'))"],
                           capture_output=True, text=True, env=env, cwd=tmp_path, check=True)
    assert found.stdout.strip() == "None", "the fresh venv must not see this repository's package"

    nb = committed(CHAPTER)
    target = tmp_path / "content" / "probing-rnns"
    cell = install_cell(nb)
    cell.source = cell.source.replace(COLAB_TARGET, str(target))
    path = tmp_path / "chapter.ipynb"
    nbformat.write(nb, path)

    start = time.perf_counter()
    run = subprocess.run([python, "-c", EXECUTE, path, tmp_path], capture_output=True, text=True, env=env)
    seconds = time.perf_counter() - start
    assert run.returncode == 0, run.stderr[-3000:]
    print(f"{CHAPTER.name} in a fresh venv: {seconds:.0f} s (clone + install + run)")

    assert (target / "probing_rnns" / "__init__.py").is_file(), "the first cell did not clone the repository"
    versions = json.loads(subprocess.run(
        [python, "-c", "import json, probing_rnns, torch; print(json.dumps([probing_rnns.__file__, torch.__version__]))"],
        capture_output=True, text=True, env=env, cwd=tmp_path, check=True).stdout)
    assert versions[0].startswith(str(target)), versions  # the clone is what the chapter imported
    assert versions[1].startswith("2.13.0"), versions  # and installing it left Colab's torch alone
