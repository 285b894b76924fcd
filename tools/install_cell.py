"""The first code cell of every chapter: in Colab (or any Python without `probing_rnns`) it clones
the book's repository, installs it, and makes sure Okt (KoNLPy) has a Java runtime.

The repository address is set in one place, `repository.url` in _config.yml (the site's repository
and Colab buttons read it too). A chapter opened in Colab cannot read _config.yml, so the address is
written into each chapter's first cell; this tool writes it there, and tests/test_colab.py checks
that every chapter's first cell is `install_cell()` of _config.yml's address.

    python tools/install_cell.py           # rewrite the first cell of every chapter that differs
    python tools/install_cell.py --check   # only list them (exit status 1 if any)

A fork changes `repository.url` in _config.yml, runs this tool, and commits the chapters.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import jupytext
import yaml

ROOT = Path(__file__).resolve().parent.parent
BOOK = ROOT / "book"
CONFIG = ROOT / "_config.yml"
COLAB_TARGET = "/content/probing-rnns"  # where Colab keeps the clone
FRONT_AND_BACK_MATTER = ("intro", "notation", "glossary", "references")  # no install cell
JRE_PACKAGE = "default-jre-headless"  # Debian/Ubuntu's Java runtime, as Colab's image is Ubuntu

TEMPLATE = """import importlib.util, os, shutil, subprocess, sys

if importlib.util.find_spec("probing_rnns") is None:  # Colab 등: 저장소를 받아 설치합니다
    repo = "{url}"  # _config.yml의 repository.url
    target = "{target}"
    subprocess.run(["git", "clone", "-q", "--depth", "1", repo, target], check=True)
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "-e", target, "myst-nb"],
                   check=True)
    sys.path.insert(0, target)
    if not shutil.which("java") and shutil.which("apt-get") and os.geteuid() == 0:  # Colab: 관리자
        subprocess.run(["apt-get", "update", "-qq"], check=False)  # Okt(KoNLPy)가 쓰는 자바
        subprocess.run(["apt-get", "install", "-y", "-qq", "{jre}"], check=False)
    if not shutil.which("java"):
        raise SystemExit("Okt 형태소 분석기(KoNLPy)가 쓰는 자바(Java)가 없고, 여기서는 설치할 수 "
                         "없습니다. 자바 17을 설치한 뒤(예: sudo apt-get install -y {jre}) "
                         "다음 셀부터 실행하세요. probing_rnns는 설치되었으므로 Okt를 쓰지 않는 "
                         "장은 그대로 실행됩니다.")"""


def repository_url(config: Path = CONFIG) -> str:
    """`repository.url` of the book's _config.yml: the one place the repository address is set."""
    return yaml.safe_load(config.read_text(encoding="utf-8"))["repository"]["url"].rstrip("/")


def install_cell(url: str | None = None) -> str:
    """The source of every chapter's first code cell, cloning `url` (default: _config.yml's)."""
    return TEMPLATE.format(url=url or repository_url(), target=COLAB_TARGET, jre=JRE_PACKAGE)


def chapters() -> list[Path]:
    """Every chapter and appendix: the pages that start with the install cell."""
    return sorted(p for p in BOOK.glob("*.md") if p.stem not in FRONT_AND_BACK_MATTER)


def first_cell(text: str) -> str:
    """The source of a chapter's first code cell (its MyST text)."""
    notebook = jupytext.reads(text, fmt="md:myst")
    return next(cell.source for cell in notebook.cells if cell.cell_type == "code")


def with_install_cell(text: str, cell: str) -> str:
    """The chapter's text, its first code cell's source replaced by `cell`, the rest as it was."""
    old = first_cell(text)
    if old == cell:
        return text
    if text.count(old) != 1:
        raise ValueError("the first code cell's source is not found exactly once in the chapter")
    return text.replace(old, cell)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--check", action="store_true", help="only list chapters that differ")
    args = parser.parse_args(argv)
    cell = install_cell()
    differing = [p for p in chapters() if first_cell(p.read_text(encoding="utf-8")) != cell]
    for path in differing:
        if not args.check:
            text = path.read_text(encoding="utf-8")
            path.write_text(with_install_cell(text, cell), encoding="utf-8")
        print(f"{path.relative_to(ROOT)}: {'differs' if args.check else 'rewritten'}")
    return 1 if args.check and differing else 0


if __name__ == "__main__":
    sys.exit(main())
