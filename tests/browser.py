"""What the browser tests share: skip them, saying why, where Chromium is not installed."""

import shutil

import pytest

needs_chromium = pytest.mark.skipif(
    not (shutil.which("chromium") or shutil.which("google-chrome")),
    reason="chromium is not installed (apt-get install -y chromium fonts-nanum)",
)
