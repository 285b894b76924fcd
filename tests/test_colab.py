"""Simulated Colab: a fresh venv holding only what Colab has preinstalled, plus a chapter's first
cell, gives a working chapter.

The first cell of every chapter (tools/install_cell.py) clones the repository of _config.yml's
`repository.url` into /content/probing-rnns and pip-installs it when `probing_rnns` is not
importable, then makes sure Okt has a Java runtime: where `java` is missing it installs one as root
with apt-get (as Colab runs), else it stops with a Korean message. Here git's `url.<base>.insteadOf`
(set through GIT_CONFIG_* environment variables) sends the repository's URL to this repository, so
the clone is the committed HEAD: commit before running this test. Chapters run as committed too (as
Colab opens them), unchanged except for the clone target, which moves from /content to a temporary
folder.

The slow tests share one venv; after each, probing_rnns is uninstalled again, so every test starts
from a Colab that does not have it (the dependencies the first test installed stay, as pip's cache).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import jupytext
import nbformat
import pytest
import tomllib

from tests.nbval_myst import BOOK, ROOT, read_chapter
from tools import install_cell as cells

GITHUB_URL = cells.repository_url()
COLAB_TARGET = cells.COLAB_TARGET
# One chapter per way a chapter can need more than pip: 6 reads the committed results (pip only,
# about 10 s once installed); 1 runs Okt (KoNLPy on a Java runtime); 7 trains the live translator
# (Tatoeba, Okt, training, the model cache in the home folder).
CHAPTERS = ("06_results.md", "01_data.md", "07_seq2seq.md")
# What Colab has preinstalled that the book uses. torch is pinned: this exact version installs the
# local CPU wheel, an unpinned torch would pull the multi-GB CUDA build.
COLAB_PACKAGES = [
    "torch==2.13.0",
    "numpy",
    "pandas",
    "matplotlib",
    "tqdm",
    "ipykernel",
    "nbclient",
    "jupytext",
]

EXECUTE = """
import sys, nbformat
from nbclient import NotebookClient
nb = nbformat.read(sys.argv[1], as_version=4)
client = NotebookClient(nb, timeout=600, kernel_name="python3",
                        resources={"metadata": {"path": sys.argv[2]}})
client.execute()
nbformat.write(nb, sys.argv[1])
"""
# A stand-in for apt-get (Python: PATH holds nothing else): logs its arguments beside it; `install`
# leaves a `java` there too, as the JRE would.
FAKE_APT_GET = """#!{python}
import os, sys
from pathlib import Path
here = Path(sys.argv[0]).parent
with open(here / "apt-get.log", "a") as log:
    print(*sys.argv[1:], file=log)
if sys.argv[1] == "install":
    (here / "java").write_text("#!/bin/sh\\necho fake java\\n")
    os.chmod(here / "java", 0o755)
"""


def install_cell(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    return next(cell for cell in nb.cells if cell.cell_type == "code")


def committed(chapter: Path) -> nbformat.NotebookNode:
    text = subprocess.run(
        ["git", "show", f"HEAD:{chapter.relative_to(ROOT)}"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return jupytext.reads(text, fmt="md:myst")


def colab_env(tmp_path: Path) -> dict[str, str]:
    """The environment of a fresh process: no PYTHONPATH, no user Jupyter kernels, GitHub → this
    repository."""
    dropped = ("PYTHON", "JUPYTER", "VIRTUAL_ENV", "GIT_")
    env = {k: v for k, v in os.environ.items() if not k.startswith(dropped)}
    env.update(
        HOME=str(tmp_path / "home"),
        MPLCONFIGDIR=str(tmp_path / "mpl"),
        GIT_CONFIG_COUNT="1",
        GIT_CONFIG_KEY_0=f"url.file://{ROOT}.insteadOf",
        GIT_CONFIG_VALUE_0=GITHUB_URL,
        OMP_NUM_THREADS=env.get("OMP_NUM_THREADS", "1"),
    )
    # shared, for speed
    env["PIP_CACHE_DIR"] = os.environ.get("PIP_CACHE_DIR", str(Path.home() / ".cache" / "pip"))
    return env


def without_java(env: dict[str, str], bin_dir: Path) -> dict[str, str]:
    """`env` whose PATH holds only `bin_dir`, with git: no java, no apt-get unless put there."""
    bin_dir.mkdir(parents=True, exist_ok=True)
    (bin_dir / "git").symlink_to(shutil.which("git"))
    return {**{k: v for k, v in env.items() if k != "JAVA_HOME"}, "PATH": str(bin_dir)}


@pytest.fixture(scope="module")
def colab_venv(tmp_path_factory) -> Path:
    """A fresh venv with Colab's preinstalled packages only (no probing_rnns, no myst_nb)."""
    tmp_path = tmp_path_factory.mktemp("colab")
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", venv], check=True)
    python = venv / "bin" / "python"
    subprocess.run(
        [python, "-m", "pip", "install", "-q", *COLAB_PACKAGES], check=True, env=colab_env(tmp_path)
    )
    return python


@pytest.fixture
def colab(colab_venv, tmp_path) -> tuple[Path, dict[str, str]]:
    """The venv as a fresh Colab sees it: without probing_rnns, before and after the test."""
    env = colab_env(tmp_path)
    spec = "import importlib.util as u; print(u.find_spec('probing_rnns'))"
    found = subprocess.run(
        [colab_venv, "-c", spec], capture_output=True, text=True, env=env, cwd=tmp_path, check=True
    )
    assert found.stdout.strip() == "None", "the fresh venv must not see this repository's package"
    yield colab_venv, env
    uninstall = [colab_venv, "-m", "pip", "uninstall", "-q", "-y", "probing-rnns"]
    subprocess.run(uninstall, check=True, env=env)


def run_notebook(python: Path, nb: nbformat.NotebookNode, tmp_path: Path, env: dict[str, str]):
    """Run `nb` in the venv's kernel, cloning into tmp_path: (the process, seconds, clone)."""
    target = tmp_path / "content" / "probing-rnns"
    cell = install_cell(nb)
    cell.source = cell.source.replace(COLAB_TARGET, str(target))
    path = tmp_path / "chapter.ipynb"
    nbformat.write(nb, path)
    start = time.perf_counter()
    run = subprocess.run(
        [python, "-c", EXECUTE, path, tmp_path], capture_output=True, text=True, env=env
    )
    return run, time.perf_counter() - start, target


def first_cell_only(chapter: Path) -> nbformat.NotebookNode:
    nb = committed(chapter)
    nb.cells = [install_cell(nb)]
    return nb


# ---------------------------------------------------------------- fast: the cells and the address


def test_every_chapter_starts_with_the_install_cell_of_the_configured_repository():
    reference = cells.install_cell()
    assert GITHUB_URL in reference and COLAB_TARGET in reference and cells.JRE_PACKAGE in reference
    assert len(cells.chapters()) > 10  # chapters, appendices
    for path in cells.chapters():
        assert install_cell(read_chapter(path)).source == reference, (
            f"{path.name}: the first code cell is not tools/install_cell.py's for _config.yml's "
            "repository.url; run `python tools/install_cell.py`"
        )


def test_every_other_place_names_the_configured_repository():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert project["urls"]["Homepage"] == GITHUB_URL
    assert f"git clone {GITHUB_URL} " in (BOOK / "intro.md").read_text(encoding="utf-8")
    assert re.fullmatch(r"https://[^/\s]+/[^/\s]+/[^/\s]+", GITHUB_URL), GITHUB_URL


def test_the_tool_rewrites_the_first_code_cell_and_nothing_else(tmp_path):
    text = (BOOK / "06_results.md").read_text(encoding="utf-8")
    chapter = jupytext.reads(text, fmt="md:myst")
    fork = cells.install_cell("https://github.com/someone/fork")
    assert "https://github.com/someone/fork" in fork and GITHUB_URL not in fork
    rewritten = cells.with_install_cell(text, fork)
    expected = [fork if cell is install_cell(chapter) else cell.source for cell in chapter.cells]
    assert [cell.source for cell in jupytext.reads(rewritten, fmt="md:myst").cells] == expected
    assert rewritten.replace(fork, install_cell(chapter).source) == text  # the rest, byte for byte
    assert cells.with_install_cell(rewritten, fork) == rewritten  # already there: unchanged
    config = tmp_path / "_config.yml"
    config.write_text("repository:\n  url: https://github.com/someone/fork/\n  branch: main\n")
    assert cells.repository_url(config) == "https://github.com/someone/fork"


# ---------------------------------------------------------------- slow: a fresh Colab-like venv


@pytest.mark.slow
@pytest.mark.parametrize("name", CHAPTERS)
def test_a_chapter_runs_in_a_fresh_colab_like_venv(colab, tmp_path, name):
    python, env = colab
    run, seconds, target = run_notebook(python, committed(BOOK / name), tmp_path, env)
    assert run.returncode == 0, run.stderr[-3000:]
    print(f"{name} in a fresh venv: {seconds:.0f} s (clone + install + run)")

    assert (target / "probing_rnns" / "__init__.py").is_file(), "the first cell did not clone"
    where = (
        "import json, probing_rnns, torch; "
        "print(json.dumps([probing_rnns.__file__, torch.__version__]))"
    )
    versions = json.loads(
        subprocess.run(
            [python, "-c", where], capture_output=True, text=True, env=env, cwd=tmp_path, check=True
        ).stdout
    )
    assert versions[0].startswith(str(target)), versions  # the clone is what the chapter imported
    assert versions[1].startswith("2.13.0"), versions  # and installing it left Colab's torch alone


@pytest.mark.slow
def test_without_java_and_no_way_to_install_it_the_first_cell_stops_saying_what_to_do(
    colab, tmp_path
):
    python, env = colab
    run, _, target = run_notebook(
        python, first_cell_only(BOOK / "01_data.md"), tmp_path, without_java(env, tmp_path / "bin")
    )
    assert run.returncode != 0, "the first cell ran on without Java"
    assert "SystemExit" in run.stderr and "자바(Java)가 없고" in run.stderr, run.stderr[-3000:]
    assert "sudo apt-get install -y default-jre-headless" in run.stderr
    assert (target / "probing_rnns" / "__init__.py").is_file()  # installed first, as it says


@pytest.mark.slow
@pytest.mark.skipif(os.geteuid() != 0, reason="the first cell installs Java as root only (Colab)")
def test_without_java_as_root_the_first_cell_installs_a_jre_with_apt_get(colab, tmp_path):
    python, env = colab
    bin_dir = tmp_path / "bin"
    env = without_java(env, bin_dir)
    (bin_dir / "apt-get").write_text(FAKE_APT_GET.format(python=sys.executable))
    (bin_dir / "apt-get").chmod(0o755)
    run, _, _ = run_notebook(python, first_cell_only(BOOK / "01_data.md"), tmp_path, env)
    assert run.returncode == 0, run.stderr[-3000:]
    log = (bin_dir / "apt-get.log").read_text().splitlines()
    assert log == ["update -qq", "install -y -qq default-jre-headless"]
    assert (bin_dir / "java").is_file()
