"""The book's mechanism diagrams: one palette, and the SVG files drawn with it (book/figures/*.svg).

Every diagram takes its colours from `PALETTE`, so a gate or a state has the same colour in every
chapter (the matplotlib figures in `plots` use it too). Each SVG has its own white rounded
background, so it reads the same in the site's light and dark modes, and its labels are real text in
a Korean font.

    python -m probing_rnns.diagrams book/figures   # writes every SVG (a test checks they match)
"""

from __future__ import annotations

import math
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Callable
from xml.sax.saxutils import escape

FONTS = "'Nanum Gothic', NanumGothic, 'Noto Sans CJK KR', sans-serif"
INK, MUTED, FRAME, PAPER = "#202124", "#5f6368", "#dadce0", "#ffffff"
TEXT_SCALE = 1.15  # the figures are shown about 15% narrower than drawn; sizes below are as seen


@dataclass(frozen=True)
class Role:
    stroke: str  # lines, outlines and coloured text
    fill: str  # the light fill of a box
    name: str  # what it stands for (Korean), for legends


PALETTE: dict[str, Role] = {
    # states and gates: one colour each in every diagram
    "token": Role("#5f6368", "#f1f3f4", "토큰 (입력, 정답)"),
    "padding": Role("#9aa0a6", "#ffffff", "패딩"),
    "hidden": Role("#1a73e8", "#e8f0fe", "은닉 상태 h"),
    "cell": Role("#188038", "#e6f4ea", "셀 상태 c"),
    "input_gate": Role("#e8710a", "#feefe3", "입력 게이트 i"),
    "forget_gate": Role("#9334e6", "#f3e8fd", "망각 게이트 f"),
    "output_gate": Role("#007b83", "#e4f7fb", "출력 게이트 o"),
    "candidate": Role("#d01884", "#fde7f3", "후보 g, n"),
    "reset_gate": Role("#795548", "#efebe9", "리셋 게이트 r"),
    "update_gate": Role("#827717", "#f9fbe7", "업데이트 게이트 z"),
    "gradient": Role("#d93025", "#fce8e6", "기울기, 손실"),
    "wrong": Role("#d93025", "#fce8e6", "어긋난 결과"),
    "weight": Role("#3c4043", "#ffffff", "학습되는 가중치"),
    "attention": Role("#b06000", "#fef7e0", "어텐션 점수와 가중치"),
    "prediction": Role("#202124", "#ffffff", "모델이 만든 토큰"),
    # searches (chapter 10)
    "pruned": Role("#9aa0a6", "#f1f3f4", "잘린 가설"),
    "finished": Role("#b06000", "#fef7e0", "<eos>로 끝난 가설"),
    "beam_path": Role("#3949ab", "#e8eaf6", "빔 탐색의 답"),
    "greedy_path": Role("#e52592", "#fde7f3", "탐욕 탐색의 길"),
}
OPERATION = Role(INK, PAPER, "연산")  # ⊙, +, tanh: black on white


def _math(text: str) -> str:
    """`$…$` as tspans: letters italic (tanh, softmax… upright), _x/_{…} lowered, ^x/^{…} raised."""
    out, i = [], 0
    while i < len(text):
        word = re.match(r"tanh|softmax|diag|exp|log|max", text[i:])
        if word:
            out.append(escape(word.group()))
            i += len(word.group())
        elif text[i] in "_^":
            group = re.match(r"\{([^}]*)\}|(.)", text[i + 1 :])
            inner = group.group(1) if group.group(1) is not None else group.group(2)
            shift = "sub" if text[i] == "_" else "super"
            out.append(f'<tspan font-size="72%" baseline-shift="{shift}">{_math(inner)}</tspan>')
            i += 1 + len(group.group())
        elif text[i].isascii() and text[i].isalpha():
            out.append(f'<tspan font-style="italic">{text[i]}</tspan>')
            i += 1
        else:
            out.append(escape(text[i].replace("-", "−")))
            i += 1
    return "".join(out)


def markup(text: str) -> str:
    """A label as SVG text: `$…$` is math (see `_math`), `[[role:…]]` colours its content."""

    def coloured(match: re.Match) -> str:
        inner = markup(match.group(2))
        return f'<tspan fill="{PALETTE[match.group(1)].stroke}" font-weight="bold">{inner}</tspan>'

    parts = re.split(r"(\[\[\w+:.+?\]\])", text)
    out = []
    for part in parts:
        match = re.fullmatch(r"\[\[(\w+):(.+?)\]\]", part)
        if match:
            out.append(coloured(match))
            continue
        pieces = part.split("$")
        out += [_math(p) if k % 2 else escape(p) for k, p in enumerate(pieces)]
    return "".join(out)


class Svg:
    """A small SVG canvas: boxes, circles, arrows and text, on a white rounded background."""

    def __init__(self, width: int, height: int, title: str):
        self.width, self.height, self.title = width, height, title
        self.parts: list[str] = []

    def text(
        self,
        x: float,
        y: float,
        label: str,
        size: float = 14,
        color: str = INK,
        anchor: str = "middle",
        bold: bool = False,
    ) -> None:
        weight = ' font-weight="bold"' if bold else ""
        self.parts.append(
            f'<text x="{x:g}" y="{y:g}" font-size="{size * TEXT_SCALE:.4g}" '
            f'fill="{color}" text-anchor="{anchor}" dominant-baseline="central"'
            f"{weight}>{markup(label)}</text>"
        )

    def box(
        self,
        cx: float,
        cy: float,
        w: float,
        h: float,
        label: str = "",
        role: Role | str = OPERATION,
        size: float = 14,
        dashed: bool = False,
        radius: float = 7,
        bold: bool = False,
        sub: str = "",
        line: float = 1.8,
    ) -> None:
        """A rounded box centred at (cx, cy); `sub` is a smaller second line under the label."""
        role = PALETTE[role] if isinstance(role, str) else role
        dash = ' stroke-dasharray="5 4"' if dashed else ""
        self.parts.append(
            f'<rect x="{cx - w / 2:g}" y="{cy - h / 2:g}" width="{w:g}" '
            f'height="{h:g}" rx="{radius:g}" fill="{role.fill}" '
            f'stroke="{role.stroke}" stroke-width="{line:g}"{dash}/>'
        )
        if sub:
            self.text(cx, cy - size * 0.55, label, size, INK, bold=bold)
            self.text(cx, cy + size * 0.65, sub, size * 0.82, INK)
        elif label:
            self.text(cx, cy, label, size, INK, bold=bold)

    def circle(
        self,
        cx: float,
        cy: float,
        r: float,
        label: str = "",
        role: Role | str = OPERATION,
        size: float = 16,
    ) -> None:
        role = PALETTE[role] if isinstance(role, str) else role
        self.parts.append(
            f'<circle cx="{cx:g}" cy="{cy:g}" r="{r:g}" fill="{role.fill}" '
            f'stroke="{role.stroke}" stroke-width="1.8"/>'
        )
        if label:
            self.text(cx, cy, label, size, INK)

    def frame(
        self,
        x: float,
        y: float,
        w: float,
        h: float,
        color: str = FRAME,
        fill: str = "none",
        dashed: bool = False,
        radius: float = 12,
    ) -> None:
        """A plain rectangle (x, y: top left) that groups other shapes."""
        dash = ' stroke-dasharray="6 5"' if dashed else ""
        self.parts.append(
            f'<rect x="{x:g}" y="{y:g}" width="{w:g}" height="{h:g}" rx="{radius:g}" '
            f'fill="{fill}" stroke="{color}" stroke-width="1.5"{dash}/>'
        )

    def arrow(
        self,
        points: list[tuple[float, float]],
        color: str = INK,
        width: float = 1.8,
        dashed: bool = False,
        head: bool = True,
        halo: bool = False,
    ) -> None:
        """A polyline through `points` with an arrowhead at the last one; `halo` draws a white edge
        under it (so that it reads as passing over the lines it crosses)."""
        points = list(points)
        (x0, y0), (x1, y1) = points[-2], points[-1]
        length = math.hypot(x1 - x0, y1 - y0)
        size = 7 + 2 * width
        ux, uy = (x1 - x0) / length, (y1 - y0) / length
        if head:
            points[-1] = (x1 - ux * size * 0.8, y1 - uy * size * 0.8)  # line stops inside the head
        path = " ".join(f"{x:g},{y:g}" for x, y in points)
        dash = f' stroke-dasharray="{4 + 2 * width:g} {3 + width:g}"' if dashed else ""
        if halo:
            self.parts.append(
                f'<polyline points="{path}" fill="none" stroke="{PAPER}" '
                f'stroke-width="{width + 6:g}" stroke-linejoin="round"/>'
            )
        self.parts.append(
            f'<polyline points="{path}" fill="none" stroke="{color}" '
            f'stroke-width="{width:g}" stroke-linejoin="round"{dash}/>'
        )
        if head:
            px, py = -uy, ux
            tip, half = (x1, y1), size * 0.45
            base = (x1 - ux * size, y1 - uy * size)
            corners = [
                tip,
                (base[0] + px * half, base[1] + py * half),
                (base[0] - px * half, base[1] - py * half),
            ]
            path = " ".join(f"{x:g},{y:g}" for x, y in corners)
            self.parts.append(f'<polygon points="{path}" fill="{color}"/>')

    def legend(
        self, x: float, y: float, roles: list[str], size: float = 12.5, step: float = 0
    ) -> None:
        """A row of colour chips with each role's name, from (x, y)."""
        for key in roles:
            role = PALETTE[key]
            self.box(x + 9, y, 18, 14, role=role, radius=3, line=1.6)
            self.text(x + 24, y, role.name, size, INK, anchor="start")
            x += step or 40 + 13 * len(role.name)

    def render(self) -> str:
        head = (
            f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {self.width} {self.height}" '
            f'width="{self.width}" height="{self.height}" font-family="{FONTS}" role="img">\n'
            f"<title>{escape(self.title)}</title>\n"
            f'<rect x="1" y="1" width="{self.width - 2}" height="{self.height - 2}" rx="14" '
            f'fill="{PAPER}" '
            f'stroke="{FRAME}" stroke-width="1.5"/>\n'
        )
        return head + "\n".join(self.parts) + "\n</svg>\n"


def _gate(
    svg: Svg, cx: float, cy: float, role: str, name: str, formula: str, w: float = 94
) -> None:
    svg.box(cx, cy, w, 52, name, role, size=13.5, sub=formula, bold=True)


def _colour(role: str) -> str:
    return PALETTE[role].stroke


def lstm_cell() -> Svg:
    """The LSTM cell: three gates and a candidate from [h_{t-1}, x_t]; the cell state path across
    the top."""
    svg = Svg(780, 420, "LSTM 셀: 입력·망각·출력 게이트 세 개와 후보, 셀 상태 경로")
    cell, hidden = _colour("cell"), _colour("hidden")
    svg.frame(112, 48, 560, 304)
    svg.text(598, 340, "LSTM 셀 (시점 t)", 12.5, MUTED, anchor="end")
    svg.text(390, 24, "셀 상태 경로: 곱셈(⊙) 한 번과 덧셈(+) 한 번만 지납니다", 14, cell, bold=True)
    # the cell state path: c_{t-1} → ⊙ f → + i⊙g → c_t
    svg.text(52, 84, "$c_{t-1}$", 17, cell)
    svg.text(738, 84, "$c_t$", 17, cell)
    svg.arrow([(22, 105), (211, 105)], cell, 3)
    svg.arrow([(239, 105), (368, 105)], cell, 3)
    svg.arrow([(396, 105), (760, 105)], cell, 3)
    svg.circle(225, 105, 14, "⊙")
    svg.circle(382, 105, 14, "+")
    svg.text(225, 72, "$f_t ⊙ c_{t-1}$", 13)
    svg.text(382, 72, "$+ i_t ⊙ g_t$", 13)
    # the gates' common input: [h_{t-1}, x_t]
    svg.text(52, 312, "$h_{t-1}$", 17, hidden)
    svg.arrow([(22, 330), (170, 330)], hidden, 3, head=False)
    svg.arrow([(170, 330), (170, 290), (540, 290)], MUTED, 2, head=False)
    svg.box(170, 388, 44, 30, "$x_t$", "token", size=16)
    svg.arrow([(170, 373), (170, 332)], MUTED, 2, head=False)
    svg.circle(170, 330, 3.5, role=Role(MUTED, MUTED, ""))
    svg.text(400, 310, "$[h_{t-1}, x_t]$가 세 게이트와 후보에 모두 들어갑니다", 12.5, MUTED)
    for x in (225, 330, 435, 540):
        svg.arrow([(x, 290), (x, 252)], MUTED, 2)
    _gate(svg, 225, 225, "forget_gate", "망각 게이트", "$f_t$ = σ(·)")
    _gate(svg, 330, 225, "input_gate", "입력 게이트", "$i_t$ = σ(·)")
    _gate(svg, 435, 225, "candidate", "후보", "$g_t$ = tanh(·)")
    _gate(svg, 540, 225, "output_gate", "출력 게이트", "$o_t$ = σ(·)")
    # f forgets, i lets the candidate in
    svg.arrow([(225, 199), (225, 120)], _colour("forget_gate"), 2.4)
    svg.arrow([(330, 199), (330, 160), (367, 160)], _colour("input_gate"), 2.4)
    svg.arrow([(435, 199), (435, 160), (397, 160)], _colour("candidate"), 2.4)
    svg.circle(382, 160, 14, "⊙")
    svg.arrow([(382, 146), (382, 120)], INK, 2)
    # o lets tanh(c_t) out as h_t
    svg.circle(625, 105, 3.5, role=Role(cell, cell, ""))
    svg.arrow([(625, 105), (625, 148)], cell, 2.4)
    svg.box(625, 163, 56, 28, "tanh")
    svg.arrow([(625, 177), (625, 210)], INK, 2)
    svg.circle(625, 225, 14, "⊙")
    svg.arrow([(587, 225), (610, 225)], _colour("output_gate"), 2.4)
    svg.arrow([(625, 240), (625, 330), (760, 330)], hidden, 3)
    svg.text(738, 312, "$h_t$", 17, hidden)
    svg.text(440, 390, "게이트 세 개(σ, 0–1) + 후보 하나(tanh)", 12.5, MUTED)
    return svg


def gru_cell() -> Svg:
    """The GRU cell: reset and update gates and a candidate; h_{t-1} passes through z_t ⊙ across the
    top."""
    svg = Svg(780, 420, "GRU 셀: 리셋·업데이트 게이트 두 개와 후보, 은닉 상태 경로")
    hidden, update = _colour("hidden"), _colour("update_gate")
    svg.frame(112, 48, 580, 304)
    svg.text(680, 340, "GRU 셀 (시점 t)", 12.5, MUTED, anchor="end")
    svg.text(
        390,
        24,
        "은닉 상태 경로: $z_t$ ≈ 1이면 $h_{t-1}$이 거의 그대로 넘어갑니다",
        14,
        hidden,
        bold=True,
    )
    # the hidden state path: h_{t-1} → ⊙ z → + (1−z)⊙n → h_t
    svg.text(52, 84, "$h_{t-1}$", 17, hidden)
    svg.text(738, 84, "$h_t$", 17, hidden)
    svg.arrow([(22, 105), (216, 105)], hidden, 3)
    svg.arrow([(244, 105), (606, 105)], hidden, 3)
    svg.arrow([(634, 105), (760, 105)], hidden, 3)
    svg.circle(230, 105, 14, "⊙")
    svg.circle(620, 105, 14, "+")
    svg.text(230, 72, "$z_t ⊙ h_{t-1}$", 13)
    svg.text(620, 72, "$+ (1-z_t) ⊙ n_t$", 13)
    # the gates' common input
    svg.circle(140, 105, 3.5, role=Role(hidden, hidden, ""))
    svg.arrow([(140, 105), (140, 300)], hidden, 2.4, head=False)
    svg.arrow([(140, 300), (620, 300)], MUTED, 2, head=False)
    svg.box(140, 388, 44, 30, "$x_t$", "token", size=16)
    svg.arrow([(140, 373), (140, 302)], MUTED, 2, head=False)
    svg.circle(140, 300, 3.5, role=Role(MUTED, MUTED, ""))
    svg.text(150, 318, "$[h_{t-1}, x_t]$", 12.5, MUTED, anchor="start")
    for x, bottom in ((230, 257), (360, 257), (470, 245), (620, 257)):
        svg.arrow([(x, 300), (x, bottom)], MUTED, 2)
    svg.text(477, 274, "$W_{hn}h_{t-1}$", 12, MUTED, anchor="start")
    svg.text(627, 274, "$W_{in}x_t$", 12, MUTED, anchor="start")
    _gate(svg, 230, 230, "update_gate", "업데이트 게이트", "$z_t$ = σ(·)", w=116)
    _gate(svg, 360, 230, "reset_gate", "리셋 게이트", "$r_t$ = σ(·)")
    _gate(svg, 620, 230, "candidate", "후보", "$n_t$ = tanh(·)")
    # r decides how much of h_{t-1} the candidate sees
    svg.arrow([(407, 230), (455, 230)], _colour("reset_gate"), 2.4)
    svg.circle(470, 230, 14, "⊙")
    svg.arrow([(484, 230), (572, 230)], INK, 2)
    # z keeps h_{t-1}; 1 − z lets the candidate in
    svg.arrow([(230, 204), (230, 120)], update, 2.4)
    svg.circle(230, 150, 3.5, role=Role(update, update, ""))
    svg.arrow([(230, 150), (530, 150), (530, 158)], update, 2.4)
    svg.circle(530, 175, 16, "1−", size=14)
    svg.arrow([(546, 175), (605, 175)], update, 2.4)
    svg.arrow([(620, 204), (620, 190)], _colour("candidate"), 2.4)
    svg.circle(620, 175, 14, "⊙")
    svg.arrow([(620, 161), (620, 120)], INK, 2)
    svg.text(440, 390, "게이트 두 개(σ, 0–1) + 후보 하나(tanh) · 셀 상태는 없습니다", 12.5, MUTED)
    return svg


def _chips(svg: Svg, x: float, y: float, chips: list[tuple[str, str]], gap: float = 10) -> None:
    """Coloured boxes side by side from x: (role, label) each, sized to the label."""
    for role, label in chips:
        w = 24 + 8.5 * len(re.sub(r"[$_{}]", "", label)) + 5 * len(re.findall("[가-힣]", label))
        svg.box(x + w / 2, y, w, 30, label, role, size=14, bold=True)
        x += w + gap


def cells_compare() -> Svg:
    """LSTM and GRU side by side: states, gates, candidate, the additive path, the output, the
    weights.
    """
    svg = Svg(780, 410, "LSTM과 GRU 한눈에: 상태, 게이트, 후보, 덧셈 경로")
    left, right = 175, 475
    svg.text(left + 140, 24, "LSTM", 17, bold=True)
    svg.text(left + 140, 46, "게이트 세 개 + 후보 하나", 13, MUTED)
    svg.text(right + 140, 24, "GRU", 17, bold=True)
    svg.text(right + 140, 46, "게이트 두 개 + 후보 하나", 13, MUTED)
    svg.arrow([(460, 14), (460, 396)], FRAME, 1.5, head=False)
    rows = ["넘기는 상태", "게이트", "후보", "덧셈 경로", "출력", "가중치 묶음"]
    for k, name in enumerate(rows):
        y = 85 + 58 * k
        svg.text(24, y, name, 14, MUTED, anchor="start", bold=True)
        if k:
            svg.arrow([(20, y - 29), (760, y - 29)], FRAME, 1, head=False)
    _chips(svg, left, 85, [("hidden", "$h_t$ 은닉"), ("cell", "$c_t$ 셀")])
    _chips(svg, right, 85, [("hidden", "$h_t$ 은닉")])
    _chips(
        svg,
        left,
        143,
        [
            ("input_gate", "$i_t$ 입력"),
            ("forget_gate", "$f_t$ 망각"),
            ("output_gate", "$o_t$ 출력"),
        ],
    )
    _chips(svg, right, 143, [("reset_gate", "$r_t$ 리셋"), ("update_gate", "$z_t$ 업데이트")])
    _chips(svg, left, 201, [("candidate", "$g_t$ = tanh(…)")])
    _chips(svg, right, 201, [("candidate", "$n_t$ = tanh(…)")])
    svg.text(right + 150, 201, "$r_t$로 거른 $h_{t-1}$을 봄", 12.5, MUTED, anchor="start")
    svg.text(
        left,
        259,
        "$c_t$ = [[forget_gate:$f_t$]] ⊙ $c_{t-1}$ + [[input_gate:$i_t$]] ⊙ [[candidate:$g_t$]]",
        15,
        anchor="start",
    )
    svg.text(
        right,
        259,
        "$h_t$ = [[update_gate:$z_t$]] ⊙ $h_{t-1}$ + "
        "(1 − [[update_gate:$z_t$]]) ⊙ "
        "[[candidate:$n_t$]]",
        15,
        anchor="start",
    )
    svg.text(left, 317, "$h_t$ = [[output_gate:$o_t$]] ⊙ tanh($c_t$)", 15, anchor="start")
    svg.text(right, 317, "$h_t$ 그대로 (출력 게이트 없음)", 15, anchor="start")
    svg.text(left, 375, "4H × E: i, f, g, o 네 묶음", 14, anchor="start")
    svg.text(right, 375, "3H × E: r, z, n 세 묶음", 14, anchor="start")
    return svg


def _chain(svg: Svg, y: float, role: str, symbol: str, xs: list[float], inputs: bool) -> None:
    """Boxes symbol_1 … symbol_T at height y, forward arrows between them, tokens x_t under them if
    `inputs`."""
    for t, x in enumerate(xs, start=1):
        svg.box(x, y, 58, 36, f"${symbol}_{t}$", role, size=16)
        if t > 1:
            svg.arrow([(xs[t - 2] + 29, y), (x - 29, y)], INK, 1.8)
        if inputs:
            svg.box(x, y + 66, 44, 28, f"$x_{t}$", "token", size=15)
            svg.arrow([(x, y + 52), (x, y + 18)], MUTED, 1.8)


def _gradient_path(svg: Svg, y: float, xs: list[float], widths: list[float], label: str) -> None:
    """Red arrows right to left above the chain, as thick as the gradient is large, each
    labelled."""
    red = _colour("gradient")
    ends = [xs[-1] + 95] + xs[::-1]
    for k, width in enumerate(widths):
        svg.arrow([(ends[k] - 6, y), (ends[k + 1] + 6, y)], red, width)
        svg.text((ends[k] + ends[k + 1]) / 2, y - 17, label, 12.5, red)


def bptt() -> Svg:
    """The unrolled RNN with the gradient flowing back (thinner at each step), and the LSTM's
    cell-state path."""
    svg = Svg(
        780,
        470,
        "시간 펼침 역전파: RNN의 기울기는 시점마다 줄고, "
        "LSTM의 셀 상태 경로는 망각 게이트만 곱합니다",
    )
    red, xs = _colour("gradient"), [130, 250, 370, 490, 610]
    svg.text(
        24,
        26,
        "RNN: 한 시점 거슬러 갈 때마다 야코비 행렬 $J_s$ = diag(1 − $h_s^2$) $W_{hh}$를 곱합니다",
        14,
        anchor="start",
        bold=True,
    )
    _chain(svg, 140, "hidden", "h", xs, inputs=True)
    svg.box(722, 140, 50, 36, "$L$", "gradient", size=16)
    svg.arrow([(639, 140), (697, 140)], INK, 1.8)
    _gradient_path(svg, 88, xs, [7, 4.6, 2.8, 1.6, 0.9], "× $J_s$")
    svg.text(
        24,
        240,
        "멀리 있는 $x_1$에 닿는 기울기가 가장 작습니다(기울기 소실). "
        "곱이 1보다 크면 거꾸로 폭주합니다.",
        13,
        red,
        anchor="start",
    )
    svg.arrow([(16, 266), (764, 266)], FRAME, 1.2, head=False)
    svg.text(
        24,
        296,
        "LSTM의 셀 상태 경로: diag([[forget_gate:$f_s$]])만 곱합니다. "
        "행렬 곱도 tanh 미분도 없습니다",
        14,
        anchor="start",
        bold=True,
    )
    _chain(svg, 400, "cell", "c", xs, inputs=False)
    svg.box(722, 400, 50, 36, "$L$", "gradient", size=16)
    svg.arrow([(639, 400), (697, 400)], INK, 1.8, dashed=True)
    svg.text(668, 420, "$h_T$를 거쳐", 11.5, MUTED)
    _gradient_path(svg, 348, xs, [7, 6.4, 5.8, 5.2, 4.6], "× [[forget_gate:$f_s$]]")
    svg.text(
        24,
        448,
        "망각 게이트 $f_s$가 1에 가까우면 기울기가 덜 줄어듭니다. "
        "$f_s$가 작으면 여기서도 줄어듭니다.",
        13,
        red,
        anchor="start",
    )
    return svg


def _bidirectional_layer(svg: Svg, y: float, xs: list[float], first: int, label: str) -> None:
    """One bidirectional layer at height y: per time step a frame with the forward box (below) and
    the backward box (above); forward arrows left to right, backward right to left; final states
    tagged h_n[k]."""
    hidden = _colour("hidden")
    for x in xs:
        svg.frame(x - 46, y - 52, 92, 104, fill="#f8f9fa")
    for k, x in enumerate(xs):
        svg.box(x, y + 25, 62, 32, "→", "hidden", size=17, bold=True)
        svg.box(x, y - 25, 62, 32, "←", "hidden", size=17, bold=True)
        if k:
            svg.arrow([(xs[k - 1] + 31, y + 25), (x - 31, y + 25)], hidden, 2.2)
            svg.arrow([(x - 31, y - 25), (xs[k - 1] + 31, y - 25)], hidden, 2.2)
    svg.arrow([(xs[-1] + 31, y + 25), (xs[-1] + 78, y + 25)], hidden, 2.2)
    svg.box(xs[-1] + 112, y + 25, 66, 28, f"h_n[{first}]", "hidden", size=13.5)
    svg.arrow([(xs[0] - 31, y - 25), (xs[0] - 78, y - 25)], hidden, 2.2)
    svg.box(xs[0] - 112, y - 25, 66, 28, f"h_n[{first + 1}]", "hidden", size=13.5)
    svg.text(24, y, label, 15, anchor="start", bold=True)


def bidirectional_stacked() -> Svg:
    """Two bidirectional layers: each step's two directions concatenated feed the next layer; h_n's
    order."""
    svg = Svg(
        820,
        520,
        "양방향 층 두 개: 시점마다 두 방향을 이어 붙여 윗층에 넘기고, "
        "최종 상태는 h_n에 층·방향 순서로",
    )
    xs = [270, 400, 530, 660]
    svg.text(24, 24, "→ 정방향: $t$ = 1 → T 순서로 읽기", 13.5, anchor="start")
    svg.text(290, 24, "← 역방향: $t$ = T → 1 순서로 읽기 (가중치 따로)", 13.5, anchor="start")
    svg.text(
        24,
        48,
        "분류기는 맨 윗층의 h_n[2](정방향)과 h_n[3](역방향)을 이어 붙입니다: (B, 2H)",
        13.5,
        MUTED,
        anchor="start",
    )
    for t, x in enumerate(xs, start=1):
        svg.arrow([(x, 160), (x, 104)], INK, 1.8)
        svg.text(x, 90, f"$y_{t}$", 15)
        svg.arrow([(x, 328), (x, 266)], INK, 1.8)
        svg.box(x, 488, 44, 28, f"$x_{t}$", "token", size=15)
        svg.arrow([(x, 473), (x, 434)], MUTED, 1.8)
    svg.text(806, 90, "출력 (B, T, 2H)", 13, MUTED, anchor="end")
    svg.text(xs[0] - 14, 297, "[→ ; ←] 이어 붙여 2H", 12.5, MUTED, anchor="end")
    svg.text(xs[-1] + 20, 297, "층 사이 드롭아웃", 12.5, MUTED, anchor="start")
    _bidirectional_layer(svg, 212, xs, 2, "2층")
    _bidirectional_layer(svg, 381, xs, 0, "1층")
    return svg


def _tokens(svg: Svg, xs: list[float], y: float, tokens: list[str], w: float = 62) -> None:
    """A row of token boxes; "<pad>" is drawn as padding (dashed)."""
    for x, token in zip(xs, tokens):
        pad = token == "<pad>"
        svg.box(x, y, w, 30, token, "padding" if pad else "token", size=14, dashed=pad)


def reverse_direction_mask() -> Svg:
    """A right-padded review read backwards: without a mask the reverse direction starts on <pad>;
    with a mask the padding steps leave the state alone and it starts at the last real token."""
    svg = Svg(
        780,
        290,
        "오른쪽 패딩에서 역방향: 마스크가 없으면 패딩부터 읽고, "
        "마스크가 있으면 진짜 토큰부터 읽습니다",
    )
    hidden, red = _colour("hidden"), _colour("gradient")
    xs = [230 + 90 * t for t in range(6)]
    _tokens(svg, xs, 143, ["재", "밌", "다", "<pad>", "<pad>", "<pad>"])
    # without a mask: every step updates the state, padding first
    svg.text(24, 40, "마스크 없음", 15, anchor="start", bold=True)
    svg.text(xs[-1] + 66, 60, "h = 0", 13, MUTED)
    svg.arrow([(xs[-1] + 66, 72), (xs[-1] + 66, 85), (xs[-1] + 29, 85)], hidden, 2.2)
    for k, x in enumerate(xs):
        svg.box(x, 85, 58, 32, "←", "hidden", size=17, bold=True)
        svg.arrow([(x, 127), (x, 102)], MUTED, 1.6)
        if k:
            svg.arrow([(x - 29, 85), (xs[k - 1] + 29, 85)], hidden, 2.2)
    svg.text(xs[4] - 30, 47, "패딩을 세 번 읽고 나서야 진짜 토큰에 닿습니다", 12.5, red)
    svg.arrow([(xs[0] - 29, 85), (xs[0] - 52, 85)], hidden, 2.2)
    svg.box(92, 85, 136, 44, "최종 상태", "wrong", size=13, sub="패딩 없이 읽은 것과 다름")
    # with a mask: the padding steps pass the state on unchanged
    svg.text(24, 190, "마스크", 15, anchor="start", bold=True)
    svg.text(xs[-1] + 66, 262, "h = 0", 13, MUTED)
    svg.arrow([(xs[-1] + 66, 250), (xs[-1] + 66, 225), (xs[2] + 29, 225)], MUTED, 2, dashed=True)
    svg.text(xs[4] - 30, 262, "패딩 자리: 상태를 고치지 않고 그대로 넘김", 12.5, MUTED)
    for k, x in enumerate(xs[:3]):
        svg.box(x, 225, 58, 32, "←", "hidden", size=17, bold=True)
        svg.arrow([(x, 159), (x, 208)], MUTED, 1.6)
        if k:
            svg.arrow([(x - 29, 225), (xs[k - 1] + 29, 225)], hidden, 2.2)
    svg.arrow([(xs[0] - 29, 225), (xs[0] - 52, 225)], hidden, 2.2)
    svg.box(92, 225, 136, 44, "최종 상태", "hidden", size=13, sub="패딩 없이 읽은 것과 같음")
    return svg


def _read_direction(
    svg: Svg, xs: list[float], y: float, pads: list[bool], forward: bool, note: str
) -> None:
    """An arrow along a token row, read left to right or right to left: solid over real tokens,
    dashed red over padding; `note` at the right end."""
    hidden, red = _colour("hidden"), _colour("wrong")
    order = list(range(len(xs))) if forward else list(range(len(xs)))[::-1]
    step = 45 if forward else -45
    for k in order:
        start, end = xs[k] - step, xs[k] + step
        last = k == order[-1]
        colour = red if pads[k] else hidden
        svg.arrow([(start, y), (end, y)], colour, 2.6, dashed=pads[k], head=last)
    svg.text(xs[-1] + 70, y, note, 13, red if "패딩" in note else INK, anchor="start")


def padding_directions() -> Svg:
    """Without a mask, a bidirectional layer meets the padding in one direction whichever side it is
    on."""
    svg = Svg(
        780, 320, "마스크 없는 양방향: 오른쪽 패딩이든 왼쪽 패딩이든 한 방향은 패딩과 엮입니다"
    )
    svg.text(24, 24, '마스크 없이 양방향 층이 리뷰 "굿"을 읽을 때', 14, MUTED, anchor="start")
    xs = [210 + 80 * t for t in range(4)]
    for y, side, tokens in (
        (95, "오른쪽 패딩", ["굿", "<pad>", "<pad>", "<pad>"]),
        (245, "왼쪽 패딩", ["<pad>", "<pad>", "<pad>", "굿"]),
    ):
        pads = [t == "<pad>" for t in tokens]
        svg.text(24, y, side, 15, anchor="start", bold=True)
        _tokens(svg, xs, y, tokens, w=58)
        first_pad_late = pads[-1]
        _read_direction(
            svg,
            xs,
            y - 42,
            pads,
            True,
            "→ 정방향: 패딩을 읽고 끝남" if first_pad_late else "→ 정방향: 패딩을 읽은 뒤 출발",
        )
        _read_direction(
            svg,
            xs,
            y + 42,
            pads,
            False,
            "← 역방향: 패딩을 읽은 뒤 출발" if first_pad_late else "← 역방향: 패딩을 읽고 끝남",
        )
    svg.text(
        390, 170, "빨간 점선: 마스크가 없어 패딩을 진짜 토큰처럼 읽는 시점", 12.5, _colour("wrong")
    )
    return svg


def padding_packing() -> Svg:
    """Three reviews padded on the right with their mask, and the same batch packed: time step by
    time step, only the reviews that have not ended."""
    svg = Svg(800, 330, "패딩과 마스크, 그리고 패킹: 같은 배치 두 가지 모양")
    reviews = [["최", "고"], ["정", "말", "▁", "재", "미", "없", "다"], ["굿"]]
    T, cell = 7, 34
    svg.text(24, 26, "패딩(오른쪽) + 마스크", 15, anchor="start", bold=True)
    svg.text(24, 47, "ids (B, T)", 12.5, MUTED, anchor="start")
    svg.text(24, 176, "mask (B, T): 1 = 진짜 토큰, 0 = 패딩", 12.5, MUTED, anchor="start")
    for b, tokens in enumerate(reviews):
        for t in range(T):
            x, real = 40 + cell * t, t < len(tokens)
            role = "token" if real else "padding"
            svg.box(
                x,
                75 + 32 * b,
                cell - 4,
                28,
                tokens[t] if real else "pad",
                role,
                size=14 if real else 10.5,
                dashed=not real,
                radius=4,
            )
            svg.box(
                x,
                205 + 32 * b,
                cell - 4,
                28,
                "1" if real else "0",
                role,
                size=14,
                dashed=not real,
                radius=4,
            )
    svg.arrow([(300, 107), (392, 107)], INK, 2)
    svg.text(346, 88, "패킹", 13, bold=True)
    svg.text(346, 128, "길이순", 12, MUTED)
    svg.text(430, 26, "패킹 (packed sequence)", 15, anchor="start", bold=True)
    svg.text(430, 47, "시점마다 아직 끝나지 않은 리뷰만", 12.5, MUTED, anchor="start")
    by_length = sorted(reviews, key=len, reverse=True)
    for t in range(T):
        x = 446 + 46 * t
        alive = [r[t] for r in by_length if t < len(r)]
        for b, token in enumerate(alive):
            svg.box(x, 75 + 32 * b, cell - 4, 28, token, "token", size=14, radius=4)
        svg.text(x, 183, str(len(alive)), 14, bold=True)
        svg.text(x, 165, f"t={t + 1}", 11, MUTED)
    svg.text(430, 205, "batch_sizes: 시점마다 계산할 리뷰 수", 12.5, MUTED, anchor="start")
    svg.text(430, 245, "RNN은 리뷰마다 자기 길이만큼만 읽고,", 13, anchor="start")
    svg.text(430, 268, "최종 상태는 각 리뷰의 마지막 진짜 토큰에서 나옵니다.", 13, anchor="start")
    svg.text(430, 298, "▁: 띄어쓰기 자리", 12.5, MUTED, anchor="start")
    return svg


def _decoder_panel(
    svg: Svg, y: float, inputs: list[str], outputs: list[str], wrong: int, fed_back: bool
) -> None:
    """Encoder → h_0 → four decoder steps at height y: outputs above, inputs below; with `fed_back`
    each output is the next step's input (arrows), otherwise the inputs are the reference tokens."""
    hidden, xs = _colour("hidden"), [260 + 130 * t for t in range(4)]
    svg.box(95, y, 124, 56, "인코더", "hidden", size=14, sub="양방향 GRU", bold=True)
    svg.text(95, y + 48, "원문: 나는 고양이를 좋아해", 11.5, MUTED)
    svg.arrow([(157, y), (227, y)], hidden, 2.4)
    svg.text(192, y - 14, "$h_0$", 15, hidden)
    if fed_back:
        for t in range(3):
            x = xs[t]
            corner = [
                (x + 24, y - 62),
                (x + 62, y - 62),
                (x + 62, y + 62),
                (xs[t + 1] - 32, y + 62),
            ]
            svg.arrow(corner, _colour("prediction"), 1.8, dashed=True)
    for t, x in enumerate(xs):
        svg.box(x, y, 64, 36, f"$h_{t + 1}$", "hidden", size=16)
        if t:
            svg.arrow([(xs[t - 1] + 32, y), (x - 32, y)], hidden, 2.4, halo=True)
        role = "prediction" if fed_back else "token"
        svg.box(x, y + 62, 64 if t else 70, 28, inputs[t], role if t else "token", size=14)
        svg.arrow([(x, y + 48), (x, y + 19)], MUTED, 1.8)
        role = "wrong" if t == wrong else "prediction"
        svg.box(x, y - 62, 56, 28, outputs[t], role, size=14, bold=True)
        svg.arrow([(x, y - 18), (x, y - 47)], INK, 1.8)


def teacher_forcing() -> Svg:
    """The decoder in training (teacher forcing: the reference is the next input) and in generation
    (its own previous output is the next input, so one mistake changes every input after it)."""
    svg = Svg(800, 475, "교사 강요와 생성: 디코더의 다음 입력이 정답인가, 자기 출력인가")
    red = _colour("wrong")
    svg.text(24, 22, "학습: 교사 강요(teacher forcing)", 15, anchor="start", bold=True)
    svg.text(
        24,
        44,
        "다음 입력은 정답 토큰입니다. 2번째 예측이 틀려도(love) 3번째 입력은 정답 like입니다.",
        13,
        MUTED,
        anchor="start",
    )
    _decoder_panel(
        svg, 150, ["<bos>", "I", "like", "cats"], ["I", "love", "cats", "."], 1, fed_back=False
    )
    svg.text(700, 212, "← 정답 문장", 12.5, MUTED, anchor="start")
    svg.text(700, 88, "← 예측", 12.5, MUTED, anchor="start")
    svg.arrow([(16, 245), (784, 245)], FRAME, 1.2, head=False)
    svg.text(24, 270, "생성: 직전 출력을 다음 입력으로", 15, anchor="start", bold=True)
    svg.text(
        24,
        292,
        "정답이 없으므로 모델이 만든 토큰을 다시 넣습니다. "
        "한 번 틀리면(love) 그 뒤 입력이 모두 달라집니다.",
        13,
        red,
        anchor="start",
    )
    _decoder_panel(
        svg, 385, ["<bos>", "I", "love", "cat"], ["I", "love", "cat", "<eos>"], 1, fed_back=True
    )
    svg.text(700, 323, "← 예측", 12.5, MUTED, anchor="start")
    svg.text(700, 447, "← 직전 예측", 12.5, MUTED, anchor="start")
    return svg


def _score_inputs(svg: Svg, cx: float) -> None:
    svg.box(cx - 58, 320, 86, 44, "$q$", "hidden", size=16, sub="디코더 상태")
    svg.box(cx + 58, 320, 86, 44, "$m_s$", "hidden", size=16, sub="인코더 출력")
    svg.box(cx, 80, 56, 30, "$e_s$", "attention", size=16, bold=True)


def attention_scores() -> Svg:
    """The three score functions as small computation graphs, then what every one of them shares:
    mask, softmax, weighted average."""
    svg = Svg(800, 490, "어텐션 점수 함수 세 가지(dot, general, concat)와 그 뒤의 공통 단계")
    attention = _colour("attention")
    heads = [
        ("dot (Luong)", "$e_s$ = $q^⊤ m_s$", "학습 파라미터 없음 (Q = M)"),
        ("general (Luong)", "$e_s$ = $q^⊤ W m_s$", "W: Q × M"),
        ("concat (Bahdanau)", "$e_s$ = $v^⊤$ tanh($W_q q + W_m m_s$)", "$W_q$, $W_m$, $v$"),
    ]
    for k, (name, formula, params) in enumerate(heads):
        cx = 140 + 260 * k
        svg.text(cx, 24, name, 15, bold=True)
        svg.text(cx, 48, formula, 14)
        svg.text(cx, 366, params, 12.5, MUTED)
        _score_inputs(svg, cx)
        if k:
            svg.arrow([(260 * k + 10, 14), (260 * k + 10, 380)], FRAME, 1.2, head=False)
    # dot: q · m
    cx = 140
    svg.circle(cx, 190, 14, "•", size=15)
    svg.arrow([(cx - 58, 298), (cx - 58, 190), (cx - 15, 190)], _colour("hidden"), 2)
    svg.arrow([(cx + 58, 298), (cx + 58, 190), (cx + 15, 190)], _colour("hidden"), 2)
    svg.arrow([(cx, 176), (cx, 96)], attention, 2.2)
    # general: q · (W m)
    cx = 400
    svg.box(cx + 58, 240, 56, 28, "$W$", "weight", size=15, bold=True)
    svg.arrow([(cx + 58, 298), (cx + 58, 255)], _colour("hidden"), 2)
    svg.circle(cx, 175, 14, "•", size=15)
    svg.arrow([(cx - 58, 298), (cx - 58, 175), (cx - 15, 175)], _colour("hidden"), 2)
    svg.arrow([(cx + 58, 226), (cx + 58, 175), (cx + 15, 175)], INK, 2)
    svg.text(cx + 66, 200, "$W m_s$", 12.5, MUTED, anchor="start")
    svg.arrow([(cx, 161), (cx, 96)], attention, 2.2)
    # concat: v · tanh(W_q q + W_m m)
    cx = 660
    svg.box(cx - 58, 250, 56, 28, "$W_q$", "weight", size=15, bold=True)
    svg.box(cx + 58, 250, 56, 28, "$W_m$", "weight", size=15, bold=True)
    svg.arrow([(cx - 58, 298), (cx - 58, 265)], _colour("hidden"), 2)
    svg.arrow([(cx + 58, 298), (cx + 58, 265)], _colour("hidden"), 2)
    svg.circle(cx, 205, 14, "+")
    svg.arrow([(cx - 58, 236), (cx - 58, 205), (cx - 15, 205)], INK, 2)
    svg.arrow([(cx + 58, 236), (cx + 58, 205), (cx + 15, 205)], INK, 2)
    svg.box(cx, 163, 56, 26, "tanh", size=14)
    svg.arrow([(cx, 191), (cx, 177)], INK, 2)
    svg.box(cx, 123, 56, 26, "$v^⊤$ ·", "weight", size=15, bold=True)
    svg.arrow([(cx, 150), (cx, 137)], INK, 2)
    svg.arrow([(cx, 110), (cx, 96)], attention, 2.2)
    # shared by all three
    svg.arrow([(16, 392), (784, 392)], FRAME, 1.2, head=False)
    svg.text(
        24,
        409,
        "세 함수 모두 그다음은 같습니다 (원문 토큰마다 점수 하나)",
        13.5,
        MUTED,
        anchor="start",
    )
    steps = [
        (90, "$e_1 … e_S$", "attention"),
        (245, "패딩 자리 −∞", "padding"),
        (385, "softmax", OPERATION),
        (515, "$a_1 … a_S$", "attention"),
        (655, "$c$ = Σ $a_s m_s$", "hidden"),
    ]
    widths = [110, 126, 90, 104, 136]
    for (x, label, role), w in zip(steps, widths):
        svg.box(x, 455, w, 34, label, role, size=14.5, dashed=role == "padding")
    for (x0, _, _), (x1, _, _), w0, w1 in zip(steps, steps[1:], widths, widths[1:]):
        svg.arrow([(x0 + w0 / 2, 455), (x1 - w1 / 2, 455)], INK, 1.8)
    svg.text(655, 428, "문맥 벡터", 12.5, MUTED)
    svg.text(515, 428, "합이 1인 가중치", 12.5, MUTED)
    return svg


def _sublayer(
    svg: Svg, spine: float, branch: float, start: float, label: str, sub: str, role: str
) -> float:
    """A pre-LN sublayer beside the residual stream at x = `spine`: from height `start` a branch
    goes right, up through layer norm and the sublayer, and back into a "+" on the stream; returns
    the "+"'s height."""
    hidden, plus = _colour("hidden"), start - 118
    # the stream passes the sublayer by
    svg.arrow([(spine, start), (spine, plus + 13)], hidden, 2.4)
    svg.arrow([(spine, start), (branch, start), (branch, start - 14)], hidden, 1.8)
    svg.box(branch, start - 28, 104, 26, "층 정규화", size=12.5)
    svg.arrow([(branch, start - 41), (branch, start - 53)], INK, 1.8)
    svg.box(branch, start - 76, 206, 44, label, role, size=13.5, sub=sub, bold=True)
    svg.arrow([(branch, start - 98), (branch, plus), (spine + 14, plus)], INK, 1.8)
    svg.circle(spine, plus, 13, "+")
    return plus


def transformer_layers() -> Svg:
    """A pre-LN encoder layer and decoder layer: the residual stream straight up, each sublayer a
    side branch (layer norm, then attention or feed-forward) added back; the encoder's output is the
    decoder's memory."""
    svg = Svg(820, 640, "트랜스포머의 인코더 층과 디코더 층 (pre-LN): 잔차 흐름과 그 옆의 하위 층")
    hidden, attention = _colour("hidden"), _colour("attention")
    panels = [
        (
            120,
            "인코더 층",
            [
                ("멀티헤드 셀프 어텐션", "softmax($QK^⊤$/√$d$) $V$ · 패딩 마스크", "attention"),
                ("피드포워드", "위치마다 같은 2층 망 (E → F → E)", "weight"),
            ],
        ),
        (
            520,
            "디코더 층",
            [
                ("인과 셀프 어텐션", "앞 토큰만 봅니다 · 키/값 캐시", "attention"),
                ("교차 어텐션", "질의: 디코더 · 키/값: 인코더 출력", "attention"),
                ("피드포워드", "위치마다 같은 2층 망 (E → F → E)", "weight"),
            ],
        ),
    ]
    tops = []
    for spine, title, sublayers in panels:
        svg.text(spine + 90, 620, title, 15, bold=True)
        svg.box(spine + 80, 568, 250, 34, "토큰 임베딩 + 위치 인코딩", "token", size=13)
        start = 530
        svg.arrow([(spine, 551), (spine, start)], hidden, 2.4, head=False)
        svg.frame(
            spine - 40,
            start - 140 * len(sublayers) + 2,
            310,
            140 * len(sublayers) + 14,
            dashed=True,
        )
        svg.text(spine + 262, start - 140 * len(sublayers) + 18, "× L", 14, MUTED, anchor="end")
        for label, sub, role in sublayers:
            plus = _sublayer(svg, spine, spine + 150, start, label, sub, role)
            start = plus - 22
            svg.arrow([(spine, plus - 13), (spine, start)], hidden, 2.4, head=False)
        tops.append(start)
    # outputs: the encoder's feeds the decoder's cross-attention from the right
    enc_top, dec_top = tops
    svg.arrow([(120, enc_top), (120, enc_top - 22)], hidden, 2.4)
    svg.box(200, enc_top - 40, 190, 34, "인코더 출력 (메모리)", "hidden", size=13)
    svg.arrow(
        [(200, enc_top - 57), (200, 22), (800, 22), (800, 314), (774, 314)], attention, 2, halo=True
    )
    svg.text(208, 110, "키·값으로", 12.5, attention, anchor="start")
    svg.arrow([(520, dec_top), (520, dec_top - 18)], hidden, 2.4)
    svg.box(
        600,
        dec_top - 42,
        230,
        48,
        "다음 토큰의 확률",
        size=13.5,
        sub="층 정규화 → 선형 → softmax",
        bold=True,
    )
    svg.arrow([(20, 620), (48, 620)], hidden, 2.4)
    svg.text(54, 620, "잔차 흐름", 12.5, hidden, anchor="start")
    return svg


# (view, its tokens of ENSEMBLE_REVIEW as the tokenizers cut it, shown); jamo are drawn as the
# compatibility letters (ㅇ, ㅕ …) a font shows one by one, the tokenizer emits conjoining ones
ENSEMBLE_REVIEW = "연기가 참 좋았다"
ENSEMBLE_VIEWS = [
    ("음절", "연 · 기 · 가 · ▁ · 참 · ▁ · 좋 · 았 · 다", 9),
    ("Okt 형태소", "연기 · 가 · 참 · 좋았다", 4),
    ("BPE 서브워드", "▁연기가 · ▁참 · ▁좋았다", 3),
    ("자모", "ㅇ · ㅕ · ㄴ · ㄱ · ㅣ · ㄱ · ㅏ · ▁ · ㅊ · ㅏ · ㅁ · ▁ · …", 20),
]


def ensemble_views() -> Svg:
    """One review read through four views (syllables, Okt morphemes, BPE subwords, jamo), each by
    its own classifier; the ensemble's probability is the mean of the four."""
    svg = Svg(940, 420, "앙상블: 같은 리뷰를 네 가지로 읽는 모델 넷, 그 확률의 평균")
    hidden, muted = _colour("hidden"), MUTED
    svg.box(86, 200, 136, 56, ENSEMBLE_REVIEW, "token", size=14, sub="리뷰 한 개")
    rows = [70 + 88 * i for i in range(len(ENSEMBLE_VIEWS))]
    for i, ((view, tokens, count), y) in enumerate(zip(ENSEMBLE_VIEWS, rows)):
        svg.arrow([(154, 200), (176, 200), (176, y), (196, y)], muted, 1.6)
        svg.text(204, y - 13, f"{view} ({count} 토큰)", 14, INK, anchor="start", bold=True)
        svg.text(204, y + 13, tokens, 13, muted, anchor="start")
        svg.arrow([(532, y), (552, y)], muted, 1.6)
        seed = "시드 s" + (f" + {1000 * i}" if i else "")
        svg.box(632, y, 156, 46, "양방향 GRU", "hidden", size=14, sub=f"구성원 {i + 1}: {seed}")
        svg.arrow([(710, y), (730, y)], hidden, 1.8)
        svg.box(754, y, 44, 32, f"$p_{i + 1}$", "prediction", size=15)
        svg.arrow([(776, y), (796, y), (796, 200), (808, 200)], INK, 1.6, head=i == 0)
    svg.box(870, 200, 120, 64, "평균", "attention", size=14, bold=True, sub="$p̄$ ≥ 0.5 → 긍정")
    svg.text(
        470,
        402,
        "비교 대상: 음절 모델 넷 (시드만 다름)의 평균 · 같은 모델 수, 같은 에폭",
        13,
        muted,
    )
    return svg


FIGURES: dict[str, Callable[[], Svg]] = {
    "lstm_cell": lstm_cell,
    "gru_cell": gru_cell,
    "cells_compare": cells_compare,
    "bptt": bptt,
    "bidirectional_stacked": bidirectional_stacked,
    "reverse_direction_mask": reverse_direction_mask,
    "padding_directions": padding_directions,
    "padding_packing": padding_packing,
    "teacher_forcing": teacher_forcing,
    "attention_scores": attention_scores,
    "transformer_layers": transformer_layers,
    "ensemble_views": ensemble_views,
}


def write_figures(folder: Path | str) -> list[Path]:
    """Write every diagram as `<name>.svg` into `folder`; return the paths."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, draw in FIGURES.items():
        path = folder / f"{name}.svg"
        path.write_text(draw().render(), encoding="utf-8")
        paths.append(path)
    return paths


if __name__ == "__main__":
    for written in write_figures(sys.argv[1] if len(sys.argv) > 1 else "book/figures"):
        print(written)
