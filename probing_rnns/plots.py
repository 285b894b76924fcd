"""Figures that render Korean: one call before plotting."""

from __future__ import annotations

import matplotlib


def use_korean_font() -> None:
    """Use the NanumGothic font shipped with koreanize-matplotlib (no tofu boxes, minus signs intact)."""
    import koreanize_matplotlib  # noqa: F401  (importing it sets the rcParams)

    matplotlib.rcParams["axes.unicode_minus"] = False
