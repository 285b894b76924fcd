"""Tokens coloured by a number each (an attention weight, a unit's value), as HTML for notebooks."""

from __future__ import annotations

import html
from typing import Sequence

from probing_rnns.tokenizers import SPACE

BLUE, RED = "31, 119, 180", "214, 39, 40"  # RGB of matplotlib's C0 and C3


def highlight_tokens(
    tokens: Sequence[str],
    values: Sequence[float],
    scale: float | None = None,
    positive: str = BLUE,
    negative: str = RED,
    title: str = "{:+.2f}",
) -> str:
    """Tokens as HTML spans whose background is darker the larger |value|: `positive` where
    value > 0, `negative` elsewhere (RGB strings). Full colour at |value| = `scale` (default: the
    largest |value|); hovering shows the value formatted by `title`. A word boundary `▁` is a space.
    """
    values = [float(v) for v in values]
    scale = scale or max((abs(v) for v in values), default=0.0) or 1.0
    spans = []
    for token, v in zip(tokens, values):
        colour = f"{positive if v > 0 else negative}, {abs(v) / scale:.2f}"
        text = html.escape(" " if token == SPACE else token)
        style = f"background: rgba({colour})"
        spans.append(f'<span title="{title.format(v)}" style="{style}">{text}</span>')
    return "".join(spans)
