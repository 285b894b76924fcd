"""Screenshots of the built site in headless Chromium, to look at, and checks that Korean renders.

    make screenshots        # after `make book` → _build/screenshots/index.png, chapter.png, …
    python tools/screenshots.py _build/html _build/screenshots

Three pages are shot in the theme's dark mode too (<name>-dark.png): a chapter with matplotlib
figures and tables, one with SVG diagrams, one with the score table in math. The theme follows the
reader's colour scheme when none is stored, so Chromium is told that the reader prefers dark.

Needs Debian's chromium and a Korean font (`apt-get install chromium fonts-nanum`). Fails (exit 1)
when fontconfig has no Korean font, when Chromium draws Hangul syllables as identical boxes (tofu),
when a page has no Korean text or no figure, when a screenshot is blank, when a page shows raw TeX
(`\\(q^\\top m\\)`: MathJax did not load, e.g. from a CDN without the internet), or when a dark-mode
shot is not dark.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tempfile
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import quote

import matplotlib.image
import numpy as np

# Without the background-networking flags Chromium tries to reach Google and hangs in a sandbox
# without internet.
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
]
# the front page, a chapter with figures, one with diagrams, the one with the score table in math:
# page, window height in pixels (tall enough to reach the figures and the table)
PAGES = {
    "index": ("index.html", 1800),
    "chapter": ("book/06_results.html", 6000),
    "diagrams": ("book/03_lstm.html", 5000),
    "attention": ("book/09_attention.html", 3000),
}
DARK_PAGES = ("chapter", "diagrams", "attention")
# prefers-color-scheme: dark (0 is Blink's "dark"); the theme's "auto" mode follows it
DARK_SCHEME = "--blink-settings=preferredColorScheme=0"
HANGUL = re.compile("[가-힣]")
# Sphinx writes math as \(…\) and \[…\]; MathJax replaces them when it renders
RAW_TEX = re.compile(r"\\[()\[\]]|\$\$")

# Draws each character on a canvas and counts the distinct pictures. A missing glyph is drawn as the
# same empty box (.notdef) whatever the character, so 5 means Hangul has real glyphs; 1 or 2 means
# tofu.
GLYPH_PAGE = """<!doctype html><meta charset="utf-8">\
<canvas id="c" width="64" height="40"></canvas><p id="out"></p>
<script>
const ctx = document.getElementById("c").getContext("2d");
function picture(ch) {
  ctx.clearRect(0, 0, 64, 40); ctx.font = "28px sans-serif"; ctx.fillText(ch, 4, 32);
  return ctx.getImageData(0, 0, 64, 40).data.join();
}
document.getElementById("out").textContent = "distinct=" + \
new Set(["가", "나", "한", "글", "\\ue000"].map(picture)).size;
</script>"""


def chromium(*args: str, timeout: int = 120) -> str:
    """Run headless Chromium with a fresh profile; return what it printed (e.g. the DOM for
    --dump-dom)."""
    # Debian; GitHub's Ubuntu runners
    executable = shutil.which("chromium") or shutil.which("google-chrome")
    if executable is None:
        raise FileNotFoundError("chromium이 없습니다: apt-get install -y chromium fonts-nanum")
    with tempfile.TemporaryDirectory() as profile:
        run = subprocess.run(
            [executable, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", *args],
            capture_output=True,
            text=True,
            timeout=timeout,
        )
    if run.returncode != 0:
        raise RuntimeError(f"chromium failed ({run.returncode}): {run.stderr[-2000:]}")
    return run.stdout


def korean_fonts() -> list[str]:
    listed = subprocess.run(
        ["fc-list", ":lang=ko", "family"], capture_output=True, text=True, check=True
    ).stdout
    return sorted(set(listed.splitlines()))


def hangul_glyphs_are_distinct() -> bool:
    dom = chromium("--dump-dom", "data:text/html;charset=utf-8," + quote(GLYPH_PAGE))
    return "distinct=5" in dom


def screenshot(
    url: str, png: Path, width: int = 1280, height: int = 1800, dark: bool = False
) -> None:
    png.parent.mkdir(parents=True, exist_ok=True)
    chromium(
        f"--screenshot={png}",
        f"--window-size={width},{height}",
        "--virtual-time-budget=5000",
        *([DARK_SCHEME] if dark else []),
        url,
    )
    if not png.is_file():
        raise RuntimeError(f"chromium wrote no screenshot for {url}")


def background(image: np.ndarray) -> np.ndarray:
    """The page's colour: the most common colour of every fourth pixel, (3,) in [0, 1]."""
    pixels = np.round(image[::4, ::4].reshape(-1, 3) * 255).astype(np.uint8)  # (N, 3)
    colours, counts = np.unique(pixels, axis=0, return_counts=True)
    return colours[counts.argmax()] / 255


def ink(png: Path) -> float:
    """Share of pixels that differ clearly from the page background."""
    image = matplotlib.image.imread(png)[..., :3]  # (H, W, 3) in [0, 1]
    return float((abs(image - background(image)).sum(axis=-1) > 0.1).mean())


def background_brightness(png: Path) -> float:
    """0 for a black page … 1 for a white one."""
    return float(background(matplotlib.image.imread(png)[..., :3]).mean())


class _ReadableText(HTMLParser):
    """The text a reader sees as prose: outside scripts, styles and code."""

    HIDDEN = {"script", "style", "pre", "code", "textarea", "template"}

    def __init__(self) -> None:
        super().__init__()
        self.hidden_depth, self.parts = 0, []

    def handle_starttag(self, tag: str, attrs) -> None:
        self.hidden_depth += tag in self.HIDDEN

    def handle_endtag(self, tag: str) -> None:
        if tag in self.HIDDEN and self.hidden_depth:
            self.hidden_depth -= 1

    def handle_data(self, data: str) -> None:
        if not self.hidden_depth:
            self.parts.append(data)


def raw_tex(dom: str) -> list[str]:
    """Bits of the page's readable text around TeX delimiters that MathJax left unrendered."""
    reader = _ReadableText()
    reader.feed(dom)
    text = "".join(reader.parts)
    return [text[max(m.start() - 15, 0) : m.end() + 25] for m in RAW_TEX.finditer(text)]


def check_page(html: Path, png: Path) -> list[str]:
    """Problems with one built page: no Korean text, no figure, a blank screenshot, raw TeX."""
    # index.html redirects
    dom = chromium("--dump-dom", "--virtual-time-budget=5000", html.as_uri())
    problems = []
    if len(HANGUL.findall(dom)) < 100:
        problems.append(f"{html.name}: 한글이 거의 없습니다")
    if "<img" not in dom:
        problems.append(f"{html.name}: 그림(<img>)이 없습니다")
    if ink(png) < 0.01:
        problems.append(f"{png.name}: 화면이 비어 있습니다 (ink {ink(png):.3%})")
    if tex := raw_tex(dom):
        problems.append(
            f"{html.name}: 수식이 그려지지 않고 TeX 그대로 보입니다 ({len(tex)}곳): {tex[:2]}"
        )
    return problems


def main(site: Path, out: Path) -> int:
    problems = (
        []
        if korean_fonts()
        else ["fontconfig에 한국어 글꼴이 없습니다: apt-get install -y fonts-nanum"]
    )
    if not hangul_glyphs_are_distinct():
        problems.append("Chromium이 한글을 네모(tofu)로 그립니다")
    for name, (page, height) in PAGES.items():
        html, png = site / page, out / f"{name}.png"
        if not html.is_file():
            problems.append(f"{html}이 없습니다: 먼저 make book")
            continue
        screenshot(html.as_uri(), png, height=height)
        problems += check_page(html, png)
        print(f"{png} ({ink(png):.1%} ink)")
        if name in DARK_PAGES:
            dark = out / f"{name}-dark.png"
            screenshot(html.as_uri(), dark, height=height, dark=True)
            if (brightness := background_brightness(dark)) > 0.3:
                problems.append(f"{dark.name}: 어두운 모드가 아닙니다 (배경 밝기 {brightness:.2f})")
            print(f"{dark} ({ink(dark):.1%} ink)")
    for problem in problems:
        print(f"screenshots: {problem}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    args = sys.argv[1:] + ["_build/html", "_build/screenshots"][len(sys.argv[1:]) :]
    # file:// addresses need absolute paths
    sys.exit(main(Path(args[0]).resolve(), Path(args[1]).resolve()))
