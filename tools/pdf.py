"""The whole book as one PDF: `make pdf` → _build/pdf/probing-rnns.pdf.

Jupyter Book's single-page HTML build (`--builder singlehtml`: the chapters' outputs come from the
execution cache that `make test` and `make book` fill, so nothing runs twice) printed by headless
Chromium once MathJax has typeset the math (served from the build, see _ext/offline_mathjax.py).
Chromium embeds the subset of every font it draws with: Hangul in a Korean system font
(`apt-get install fonts-nanum`), code in a monospace one. The PDF has bookmarks from the headings.

On paper (tools/book_print.css and PRINT_SCRIPT): A4 with page numbers, each chapter on a new page,
code and outputs wrapped instead of scrolled, folded cells and exercise solutions open, and the
Colab install cell (the first cell of every chapter) left out.

    python tools/pdf.py _build/pdf/probing-rnns.pdf                 # the executed book
    python tools/pdf.py /tmp/draft.pdf --draft /tmp/draft-build     # not executed: layout only
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from tools.screenshots import HANGUL, RAW_TEX, chromium  # noqa: E402
from tools.site_search import build_without_execution  # noqa: E402
from tools.slides import INSTALL_MARKER  # noqa: E402

PRINT_CSS = Path(__file__).with_name("book_print.css")
# Runs after the theme's scripts (on load): what is folded on the site is open on paper.
PRINT_SCRIPT = (
    """<script>
window.addEventListener("load", () => {
  for (const cell of document.querySelectorAll("div.cell"))
    if (cell.querySelector(".cell_input")?.textContent.includes('%s')) cell.remove();
  for (const details of document.querySelectorAll("details")) details.open = true;
  for (const folded of document.querySelectorAll(".toggle-hidden"))
    folded.classList.remove("toggle-hidden");
});
</script>"""
    % INSTALL_MARKER
)
# virtual milliseconds Chromium waits (while idle) before printing: MathJax typesets the whole book
VIRTUAL_TIME_MS = 120_000


def build_single_page() -> Path:
    """`jupyter-book build --builder singlehtml` with the book's own config and execution cache."""
    jupyter_book = Path(sys.executable).parent / "jupyter-book"
    subprocess.run([str(jupyter_book), "build", str(ROOT), "--builder", "singlehtml"], check=True)
    return ROOT / "_build" / "singlehtml"


def print_page(site: Path) -> Path:
    """The book's one page, ready to print, at the root of the build.

    singlehtml writes the page as the root document (book/intro.html) but with addresses relative
    to the build's root (`_static/…`, `_images/…`), so the copy that is printed sits there.
    """
    root_doc = yaml.safe_load((ROOT / "_toc.yml").read_text(encoding="utf-8"))["root"]
    page = (site / f"{root_doc}.html").read_text(encoding="utf-8")
    css = PRINT_CSS.read_text(encoding="utf-8")
    page = page.replace("</head>", f"<style>\n{css}</style>\n</head>", 1)
    page = page.replace("</body>", f"{PRINT_SCRIPT}\n</body>", 1)
    target = site / "print.html"
    target.write_text(page, encoding="utf-8")
    return target


def print_to_pdf(page: Path, pdf: Path) -> None:
    pdf.parent.mkdir(parents=True, exist_ok=True)
    pdf.unlink(missing_ok=True)
    chromium(
        f"--print-to-pdf={pdf}",
        "--no-pdf-header-footer",
        "--generate-pdf-document-outline",
        f"--virtual-time-budget={VIRTUAL_TIME_MS}",
        page.as_uri(),
        timeout=1200,
    )
    if not pdf.is_file():
        raise RuntimeError(f"chromium가 PDF를 쓰지 않았습니다: {pdf}")


def poppler(tool: str, pdf: Path, *args: str) -> str:
    """What a poppler-utils tool (pdftotext, pdffonts, pdfinfo) prints about the PDF."""
    try:
        return subprocess.run(
            [tool, *args, str(pdf), *(["-"] if tool == "pdftotext" else [])],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    except FileNotFoundError:
        sys.exit(f"{tool}가 없습니다: apt-get install -y poppler-utils")


def chapter_titles() -> list[str]:
    """The title (first `# ` heading) of every file in the table of contents, in its order."""
    toc = (ROOT / "_toc.yml").read_text(encoding="utf-8")
    files = re.findall(r"^\s*(?:root|- file):\s*(\S+)", toc, re.MULTILINE)
    texts = [(ROOT / f"{file}.md").read_text(encoding="utf-8") for file in files]
    return [re.search(r"^# (.+)$", text, re.MULTILINE)[1] for text in texts]


def embedded_font_problems(fonts: str) -> list[str]:
    """pdffonts' table → fonts not embedded, or no Korean font (fc-list :lang=ko) among them."""
    rows = [line.split() for line in fonts.splitlines()[2:] if line.strip()]
    problems = [f"글꼴이 들어 있지 않습니다: {row[0]}" for row in rows if row[-5] != "yes"]
    listed = subprocess.run(["fc-list", ":lang=ko", "family"], capture_output=True, text=True)
    korean = {
        name.replace(" ", "").lower()
        for line in listed.stdout.splitlines()
        for name in line.split(",")
    }
    if not any(row[0].split("+")[-1].split("-")[0].lower() in korean for row in rows):
        problems.append("한국어 글꼴이 PDF에 없습니다 (한글이 네모로 찍혔을 수 있습니다)")
    return problems


def check_pdf(pdf: Path) -> list[str]:
    """Problems with the printed book: a chapter that does not open a page with its title,
    too little Hangul, raw TeX (MathJax did not typeset), fonts not embedded or none Korean."""
    pages = [re.sub(r"\s+", "", page) for page in poppler("pdftotext", pdf).split("\f")]
    problems = [
        f"장 제목으로 시작하는 쪽이 없습니다: {title}"
        for title in chapter_titles()
        if not any(page.startswith(re.sub(r"\s+", "", title)) for page in pages)
    ]
    if (hangul := sum(len(HANGUL.findall(page)) for page in pages)) < 10_000:
        problems.append(f"한글이 {hangul}자뿐입니다")
    if tex := [m.group() for page in pages for m in RAW_TEX.finditer(page)]:
        problems.append(f"수식이 TeX 그대로 찍혔습니다 ({len(tex)}곳)")
    return problems + embedded_font_problems(poppler("pdffonts", pdf))


def main() -> None:
    parser = argparse.ArgumentParser(description="책 전체를 PDF 하나로 만듭니다.")
    parser.add_argument("pdf", type=Path, nargs="?", default=ROOT / "_build/pdf/probing-rnns.pdf")
    parser.add_argument(
        "--draft",
        type=Path,
        metavar="DIR",
        help="장을 실행하지 않고 DIR에 빌드합니다 (출력 없음, 쪽 배치 확인용)",
    )
    args = parser.parse_args()
    start = time.perf_counter()
    if args.draft:
        site = build_without_execution(args.draft, "singlehtml")[0]
    else:
        site = build_single_page()
    built = time.perf_counter()
    print_to_pdf(print_page(site), args.pdf.resolve())
    pages = poppler("pdfinfo", args.pdf).split("Pages:")[1].split()[0]
    print(
        f"{args.pdf}: {pages} pages, {args.pdf.stat().st_size / 1e6:.1f} MB "
        f"(build {built - start:.0f} s, print {time.perf_counter() - built:.0f} s)"
    )
    for problem in (problems := check_pdf(args.pdf)):
        print(f"pdf: {problem}", file=sys.stderr)
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
