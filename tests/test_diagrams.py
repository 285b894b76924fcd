import re
import xml.etree.ElementTree as ET
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import pytest
import torch
from torch.nn import functional as F

from probing_rnns import decoding, diagrams, plots

FIGURES = Path(__file__).parent.parent / "book" / "figures"
SVG = "{http://www.w3.org/2000/svg}"
NEUTRALS = {diagrams.INK, diagrams.MUTED, diagrams.FRAME, diagrams.PAPER, "#f8f9fa", "none"}
V, BOS, EOS = 5, 0, 1


@pytest.mark.parametrize("name", sorted(diagrams.FIGURES))
def test_committed_svg_is_what_the_code_draws(name, tmp_path):
    [fresh] = [p for p in diagrams.write_figures(tmp_path) if p.stem == name]
    committed = FIGURES / f"{name}.svg"
    assert committed.is_file(), "run: python -m probing_rnns.diagrams book/figures"
    same = committed.read_text(encoding="utf-8") == fresh.read_text(encoding="utf-8")
    assert same, "stale: regenerate it"


@pytest.mark.parametrize("name", sorted(diagrams.FIGURES))
def test_svg_has_a_light_background_korean_fonts_and_only_palette_colours(name):
    root = ET.fromstring(diagrams.FIGURES[name]().render())
    fonts = root.get("font-family")
    for font in ("'Nanum Gothic'", "NanumGothic", "'Noto Sans CJK KR'", "sans-serif"):
        assert font in fonts
    background = root.find(f"{SVG}rect")
    assert background.get("fill") == diagrams.PAPER  # dark mode: the figure brings its own page
    assert float(background.get("width")) >= int(root.get("width")) - 2
    allowed = NEUTRALS | {c for role in diagrams.PALETTE.values() for c in (role.stroke, role.fill)}
    used = {el.get(a) for el in root.iter() for a in ("fill", "stroke") if el.get(a)}
    assert used <= allowed, used - allowed
    texts = "".join(root.itertext())
    assert re.search("[가-힣]", texts), "Korean labels"


def test_every_gate_and_state_has_its_own_colour():
    keys = [
        "hidden",
        "cell",
        "input_gate",
        "forget_gate",
        "output_gate",
        "candidate",
        "reset_gate",
        "update_gate",
        "token",
    ]
    strokes = [diagrams.PALETTE[k].stroke for k in keys]
    assert len(set(strokes)) == len(strokes)


def test_markup_turns_math_into_italic_letters_and_subscripts():
    svg = diagrams.markup("$h_{t-1}$ <pad>")
    assert '<tspan font-style="italic">h</tspan>' in svg
    assert 'baseline-shift="sub"' in svg and "−1" in svg  # the minus sign in "t−1"
    assert "&lt;pad&gt;" in svg
    forget = diagrams.PALETTE["forget_gate"].stroke
    assert diagrams.markup("[[forget_gate:$f_t$]]").count(forget) == 1


def test_lstm_draws_three_gates_and_a_candidate_gru_two_gates_and_a_candidate():
    def gate_boxes(svg: diagrams.Svg) -> set[str]:
        gates = {
            "input_gate",
            "forget_gate",
            "output_gate",
            "reset_gate",
            "update_gate",
            "candidate",
        }
        fills = {diagrams.PALETTE[g].fill: g for g in gates}
        root = ET.fromstring(svg.render())
        return {fills[r.get("fill")] for r in root.iter(f"{SVG}rect") if r.get("fill") in fills}

    lstm = {"input_gate", "forget_gate", "output_gate", "candidate"}
    assert gate_boxes(diagrams.lstm_cell()) == lstm
    assert gate_boxes(diagrams.gru_cell()) == {"reset_gate", "update_gate", "candidate"}


# --- the beam-search trace behind chapter 10's tree ----------------------------------------------


def _second_order(table: torch.Tensor):
    """log p(next | previous two) with the previous token kept in the state (K, 1)."""

    def step(tokens, state):
        return F.log_softmax(table[state[:, 0].long(), tokens], dim=-1), tokens[:, None].float()

    return step, torch.full((1, 1), float(BOS))


@pytest.mark.parametrize("alpha", [0.0, 1.0])
@pytest.mark.parametrize("beam_size", [1, 2, 3])
def test_tracing_a_beam_search_leaves_its_results_unchanged(alpha, beam_size):
    gen = torch.Generator().manual_seed(0)
    for _ in range(20):
        step, state = _second_order(torch.randn(V, V, V, generator=gen) * 2)
        args = (step, state, BOS, EOS, beam_size, 6, alpha, beam_size)
        trace: list[decoding.Candidate] = []
        plain, traced = decoding.beam_search(*args), decoding.beam_search(*args, trace=trace)

        def fields(hyps):
            return [(h.tokens, h.log_prob, h.score) for h in hyps]

        assert fields(plain) == fields(traced)
        for h in traced:  # each answer is in the trace: finished by <eos>, or kept to max_len
            [c] = [c for c in trace if c.tokens == tuple(h.tokens)]
            assert c.log_prob == pytest.approx(h.log_prob)
            assert c.fate == ("finished" if h.tokens[-1] == EOS else "kept")
        for t in range(max(c.step for c in trace) + 1):
            ranked = [c for c in trace if c.step == t]
            assert len(ranked) <= 2 * beam_size
            scores = [c.log_prob for c in ranked]
            assert scores == sorted(scores, reverse=True)
            assert sum(c.fate == "kept" for c in ranked) <= beam_size
            parents = {c.tokens for c in trace if c.step == t - 1 and c.fate == "kept"}
            assert all(c.tokens[:-1] in parents for c in ranked) if t else True


def test_a_beam_of_one_traces_the_greedy_path():
    gen = torch.Generator().manual_seed(1)
    step, state = _second_order(torch.randn(V, V, V, generator=gen) * 2)
    trace: list[decoding.Candidate] = []
    decoding.beam_search(step, state, BOS, EOS, 1, 6, trace=trace)
    greedy = tuple(decoding.greedy(step, state, BOS, EOS, 6).tokens)
    kept = [c.tokens for c in trace if c.fate == "kept"]
    end = next((c.tokens for c in trace if c.fate == "finished"), kept[-1])
    assert end == greedy
    assert kept[: len(greedy) - 1] == [greedy[:k] for k in range(1, len(greedy))]


def _toy():
    """Chapter 10's toy model: greedy takes A (0.5), ends at 0.15; beam 2 finds B <eos> (0.36)."""
    probs = torch.tensor(
        [
            [0, 0, 0.5, 0.4, 0.1],
            [0, 1, 0, 0, 0],
            [0, 0.3, 0.25, 0.2, 0.25],
            [0, 0.9, 0.05, 0.05, 0],
            [0, 0.5, 0.2, 0.2, 0.1],
        ]
    )
    table = probs.clamp_min(1e-9).log()
    return (lambda tokens, state: (table[tokens], state)), torch.zeros(1, 1)


def test_beam_tree_layout_puts_children_right_of_parents_and_leaves_on_their_own_rows():
    prefixes = [(2,), (3,), (2, 1), (2, 4), (3, 1)]
    place = plots.beam_tree_layout(prefixes)
    assert set(place) == {(), *prefixes}
    for p in prefixes:
        assert place[p][0] == place[p[:-1]][0] + 1
    leaves = [(2, 1), (2, 4), (3, 1)]
    assert [place[p][1] for p in leaves] == [0, -1, -2]  # depth-first, in the given order
    assert place[(2,)][1] == place[()][1] == 0  # level with the first child
    assert place[(3,)][1] == -2


def test_beam_tree_draws_every_candidate_and_both_paths_on_white():
    plots.use_korean_font()
    step, state = _toy()
    trace, greedy = [], []
    best = decoding.beam_search(step, state, BOS, EOS, 2, 4, trace=trace)[0]
    decoding.beam_search(step, state, BOS, EOS, 1, 4, trace=greedy)
    assert best.tokens == [3, EOS]
    names = ["<bos>", "<eos>", "A", "B", "C"]
    fig = plots.plot_beam_tree(trace, names, tuple(best.tokens), greedy=greedy)
    ax = fig.axes[0]
    labels = {t.get_text() for t in ax.texts}
    for c in trace:
        assert f"{names[c.tokens[-1]]}  {c.log_prob:.2f}" in labels
    assert matplotlib.colors.to_hex(fig.get_facecolor()) == "#ffffff"
    paths = {matplotlib.colors.to_hex(line.get_color()): line for line in ax.lines}
    beam_line = paths[diagrams.PALETTE["beam_path"].stroke]
    greedy_line = paths[diagrams.PALETTE["greedy_path"].stroke]
    # <bos> → B → <eos> and <bos> → A → <eos>: two steps each, drawn as brackets (3 points a step)
    assert len(beam_line.get_xdata()) == len(greedy_line.get_xdata()) == 1 + 3 * 2
    assert beam_line.get_xdata()[-1] == greedy_line.get_xdata()[-1] == 2  # both end at depth 2
    assert beam_line.get_ydata()[-1] != greedy_line.get_ydata()[-1]  # at different <eos> nodes
    plt.close(fig)
