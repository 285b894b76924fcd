"""Run the book's chapters (MyST markdown notebooks in book/) with nbval, and keep what it executed.

nbval collects `.ipynb` files only; `pytest_collect_file` below hands it `book/*.md` as well, read
with jupytext (no temporary .ipynb). When every cell of a chapter passes, the executed notebook is
stored in the Jupyter Book's execution cache (jupyter-cache, `_build/.jupyter_cache`), so the site
build that follows finds it there instead of running the chapter a second time.
"""

from __future__ import annotations

import copy
import functools
import time
from pathlib import Path
from unittest import mock

import jupytext
import nbformat
import nbval.plugin
import pytest
from jupyter_cache import get_cache
from jupyter_cache.base import CacheBundleIn

ROOT = Path(__file__).resolve().parent.parent
BOOK = ROOT / "book"
EXECUTION_CACHE = ROOT / "_build" / ".jupyter_cache"  # execute.cache in _config.yml


def read_chapter(path: str | Path, as_version: int = 4) -> nbformat.NotebookNode:
    return jupytext.read(path, fmt="md:myst")


def pytest_collect_file(file_path: Path, parent: pytest.Collector):
    if parent.config.option.nbval_lax and file_path.suffix == ".md" and file_path.parent == BOOK:
        return MystNotebook.from_parent(parent, path=file_path)
    return None


class MystNotebook(nbval.plugin.IPyNbFile):
    """nbval's notebook collector, reading a MyST markdown chapter."""

    def setup(self):
        super().setup()
        self.kernel.execute_cell_input = functools.partial(execute_as_notebook, self.kernel)

    def collect(self):
        with mock.patch.object(nbval.plugin.nbformat, "read", read_chapter):
            self.cells = list(super().collect())
        self.all_passed = True
        self.started = time.perf_counter()
        return self.cells

    def teardown(self):
        super().teardown()
        if self.all_passed and all(cell.test_outputs is not None for cell in self.cells):
            seconds = time.perf_counter() - self.started
            cache_executed(self.nb, [cell.test_outputs for cell in self.cells], self.path, seconds)


def execute_as_notebook(kernel, cell_input: str, allow_stdin: bool | None = None) -> str:
    """Run a cell as Jupyter and the book's executor do, with store_history=True (nbval: False).

    IPython hides the value of a cell that ends with `;` only for cells it stores in its history;
    without that, `ax.legend();` shows <matplotlib.legend.Legend at 0x…> in the cached outputs.
    """
    return kernel.kc.execute(
        cell_input, store_history=True, allow_stdin=allow_stdin, stop_on_error=False
    )


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call):
    report = (yield).get_result()
    if isinstance(item.parent, MystNotebook) and not report.passed:
        item.parent.all_passed = False  # failed or skipped: the book build must run it itself


def cache_executed(
    nb: nbformat.NotebookNode, outputs: list[list], path: Path, seconds: float
) -> None:
    """Store `nb` with the outputs nbval collected, keyed (by jupyter-cache) on its code cells."""
    nb = copy.deepcopy(nb)
    code_cells = [cell for cell in nb.cells if cell.cell_type == "code"]
    for count, (cell, outs) in enumerate(zip(code_cells, outputs), start=1):
        cell.execution_count = count
        cell.outputs = [nbformat.from_dict(dict(out)) for out in outs]
        for out in cell.outputs:
            if out.output_type == "execute_result":
                out.execution_count = count
    bundle = CacheBundleIn(nb, str(path), data={"execution_seconds": seconds})
    get_cache(str(EXECUTION_CACHE)).cache_notebook_bundle(
        bundle, check_validity=False, overwrite=True
    )
