"""Math without a CDN: _ext/offline_mathjax.py serves MathJax from the build, and the screenshot
check (tools/screenshots.py) fails when a page shows raw TeX."""

from __future__ import annotations

import sys
from pathlib import Path

from tests.browser import needs_chromium
from tools.screenshots import chromium, raw_tex

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "_ext"))
import offline_mathjax  # noqa: E402

MATH_PAGE = """<!doctype html><meta charset="utf-8">{script}
<p>점수 함수 <span class="math">\\(q^\\top m\\)</span>와
<span class="math">\\(v^\\top \\tanh(W_q q)\\)</span></p>
<div class="math">\\[\\sum_s a_s m_s\\]</div>"""


def test_raw_tex_is_found_in_prose_but_not_in_code():
    page = (
        "<p>식 \\(h_t = \\tanh(x_t)\\)을 봅니다</p><pre>re.compile(r'\\(')</pre>"
        "<script>const a = '\\\\(';</script><code>$$</code><div>\\[x\\]</div>"
    )
    found = raw_tex(page)  # \( \) in the paragraph, \[ \] in the div; not pre, script, code
    assert len(found) == 4 and "re.compile" not in "".join(found)
    assert raw_tex("<p>식 <mjx-container><mjx-math>h</mjx-math></mjx-container>을 봅니다</p>") == []


def test_only_sphinx_cdn_address_is_replaced():
    class Config:
        mathjax_path = offline_mathjax.SPHINX_CDN

    offline_mathjax.use_local_mathjax(None, Config)
    assert Config.mathjax_path == "mathjax/tex-mml-chtml.js"
    Config.mathjax_path = "https://example.org/mathjax/tex-svg.js"
    offline_mathjax.use_local_mathjax(None, Config)
    assert Config.mathjax_path == "https://example.org/mathjax/tex-svg.js"


def test_the_component_its_fonts_and_licence_are_copied(tmp_path):
    target = offline_mathjax.copy_mathjax(offline_mathjax.mathjax_dir(), tmp_path / "_static")
    assert (target / "tex-mml-chtml.js").read_text(encoding="utf-8").count("3.2.2") >= 1
    assert (target / "output/chtml/fonts/woff-v2/MathJax_Main-Regular.woff").is_file()
    assert (target / "input/tex/extensions/boldsymbol.js").is_file()
    assert "Apache License" in (target / "LICENSE").read_text(encoding="utf-8")
    size = sum(f.stat().st_size for f in target.rglob("*") if f.is_file())
    assert size < 5_000_000  # the speech-rule maps and other bundles are left out


@needs_chromium
def test_the_copied_mathjax_renders_a_page_opened_from_disk_without_the_internet(tmp_path):
    offline_mathjax.copy_mathjax(offline_mathjax.mathjax_dir(), tmp_path)
    with_mathjax = tmp_path / "with.html"
    script = '<script defer src="mathjax/tex-mml-chtml.js"></script>'
    with_mathjax.write_text(MATH_PAGE.format(script=script), encoding="utf-8")
    without = tmp_path / "without.html"
    without.write_text(MATH_PAGE.format(script=""), encoding="utf-8")
    rendered = chromium("--dump-dom", "--virtual-time-budget=5000", with_mathjax.as_uri())
    assert rendered.count("<mjx-container") == 3 and raw_tex(rendered) == []
    assert len(raw_tex(chromium("--dump-dom", "--virtual-time-budget=5000", without.as_uri()))) == 6
