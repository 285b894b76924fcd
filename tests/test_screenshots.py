"""tools/screenshots.py: the dark-mode shots see the page as a reader who prefers dark sees it."""

from __future__ import annotations

from tests.browser import needs_chromium
from tools.screenshots import background_brightness, ink, screenshot

# the theme's "auto" mode works the same way: prefers-color-scheme decides
PAGE = """<!doctype html><meta charset="utf-8"><style>
body { background: #ffffff; color: #222222; }
@media (prefers-color-scheme: dark) { body { background: #121212; color: #eeeeee; } }
</style><h1>어두운 모드</h1><p>한글 문장이 배경 위에 보입니다.</p>"""


@needs_chromium
def test_a_dark_shot_sees_the_page_in_the_dark_scheme(tmp_path):
    page = tmp_path / "page.html"
    page.write_text(PAGE, encoding="utf-8")
    light, dark = tmp_path / "light.png", tmp_path / "dark.png"
    screenshot(page.as_uri(), light, width=400, height=300)
    screenshot(page.as_uri(), dark, width=400, height=300, dark=True)
    assert background_brightness(light) > 0.95 and background_brightness(dark) < 0.1
    assert 0.001 < ink(dark) < 0.5 and 0.001 < ink(light) < 0.5  # the text, on either background
