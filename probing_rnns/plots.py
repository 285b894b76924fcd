"""Figures that render Korean: one call before plotting."""

from __future__ import annotations

from typing import TYPE_CHECKING

import matplotlib

if TYPE_CHECKING:
    from probing_rnns.run_result import StoredResult


def use_korean_font() -> None:
    """Use the NanumGothic font shipped with koreanize-matplotlib (no tofu boxes, minus signs
    intact)."""
    import koreanize_matplotlib  # noqa: F401  (importing it sets the rcParams)

    matplotlib.rcParams["axes.unicode_minus"] = False


def draw_unrolled_rnn(ax, steps: int = 4) -> None:
    """The RNN unrolled over time: forward arrows (계산) and the backward path of BPTT (기울기),
    thinner at each step back to show it shrinking. Colours from `diagrams.PALETTE`, white page."""
    from probing_rnns.diagrams import PALETTE

    hidden, gradient = PALETTE["hidden"], PALETTE["gradient"]
    ax.figure.set_facecolor("white")
    ax.set_xlim(-1.1, steps - 0.5)
    ax.set_ylim(-1.6, 2.3)
    ax.axis("off")
    box = dict(boxstyle="round,pad=0.35", fc=hidden.fill, ec=hidden.stroke)
    for t in range(steps):
        ax.text(t, 0, f"$h_{t + 1}$", ha="center", va="center", fontsize=13, bbox=box)
        ax.text(t, -1.2, f"$x_{t + 1}$", ha="center", va="center", fontsize=13)
        ax.annotate("", (t, -0.3), (t, -0.95), arrowprops=dict(arrowstyle="->"))
        start = t - 0.7 if t else -0.65
        ax.annotate("", (t - 0.25, 0), (start, 0), arrowprops=dict(arrowstyle="->"))
        width = 0.8 + 2.2 * (t + 1) / steps  # thinner the further back
        ax.annotate(
            "",
            (t - 0.7, 0.45),
            (t - 0.3, 0.45),
            arrowprops=dict(
                arrowstyle="->", color=gradient.stroke, linestyle="--", linewidth=width
            ),
        )
    ax.text(-0.85, 0, "$h_0$", ha="center", va="center", fontsize=13)
    ax.text(
        steps - 1,
        1.2,
        "손실 $L$",
        ha="center",
        va="center",
        fontsize=12,
        bbox=dict(boxstyle="round", fc=gradient.fill, ec=gradient.stroke),
    )
    ax.annotate("", (steps - 1, 0.95), (steps - 1, 0.3), arrowprops=dict(arrowstyle="->"))
    ax.text(
        (steps - 1) / 2,
        1.9,
        "검은 화살표: 앞으로 계산 (같은 가중치 $W_{hh}$를 매 시점 재사용)\n"
        "빨간 점선: 시간 펼침 역전파(BPTT)의 기울기, 소실될 때는 거슬러 갈수록 가늘어집니다",
        ha="center",
        fontsize=10,
    )


def plot_accuracy_by_length(ax, predictions: dict, edges) -> None:
    """Grouped bars: accuracy per review-length bucket for each named model's `Predictions`."""
    from probing_rnns.probes import accuracy_by_length

    width = 0.8 / len(predictions)
    for i, (name, pred) in enumerate(predictions.items()):
        rows = accuracy_by_length(pred, edges)
        xs = [j + (i - (len(predictions) - 1) / 2) * width for j in range(len(rows))]
        ax.bar(xs, [r["정확도"] for r in rows], width, label=name)
    ax.set_xticks(range(len(rows)), [f"{r['길이']}\n(n={r['리뷰 수']})" for r in rows])
    ax.set(xlabel="리뷰 길이 (토큰)", ylabel="평가 정확도", ylim=(0.5, 1.0))
    ax.legend()


def plot_metric_vs_cost(
    ax,
    rows: list[dict],
    cost: str,
    metric: str = "test_accuracy",
    xlabel: str = "",
    ylabel: str = "평가 정확도",
) -> None:
    """One point per model: mean `metric` with a ± std error bar against a cost (e.g. params,
    train_seconds)."""
    for row in rows:
        ax.errorbar(
            row[cost], row[metric], yerr=row[f"{metric}_std"], fmt="o", capsize=4, markersize=7
        )
        ax.annotate(
            row["model"], (row[cost], row[metric]), textcoords="offset points", xytext=(6, 6)
        )
    ax.set(xlabel=xlabel or cost, ylabel=ylabel)
    ax.grid(alpha=0.3)


def plot_attention(ax, weights, source: list[str], output: list[str]) -> None:
    """A heatmap of attention weights (T, S): output tokens down, source tokens across."""
    image = ax.imshow(weights, cmap="Blues", vmin=0, vmax=1, aspect="auto")
    ax.set_xticks(range(len(source)), source, rotation=60, ha="right")
    ax.set_yticks(range(len(output)), output)
    ax.set(xlabel="원문 토큰", ylabel="출력 토큰")
    ax.figure.colorbar(image, ax=ax, fraction=0.046, pad=0.04, label="어텐션 가중치")


def plot_seed_spread(
    ax,
    records: list[StoredResult],
    metric: str = "test_accuracy",
    order: list[str] | None = None,
    ylabel: str = "평가 정확도",
) -> None:
    """A strip plot of experiment results: one dot per seed for each model and a bar at the model's
    mean."""
    by_model: dict[str, list[float]] = {}
    for record in records:
        by_model.setdefault(record.model, []).append(getattr(record.metrics, metric))
    models = [m for m in (order or sorted(by_model)) if m in by_model]
    for i, model in enumerate(models):
        values = by_model[model]
        ax.scatter([i] * len(values), values, color=f"C{i}", alpha=0.7, zorder=3)
        ax.hlines(sum(values) / len(values), i - 0.25, i + 0.25, color=f"C{i}", linewidth=2)
    ax.set_xticks(range(len(models)), models)
    ax.set(ylabel=ylabel)
    ax.grid(axis="y", alpha=0.3)


def beam_tree_layout(prefixes: list[tuple[int, ...]]) -> dict[tuple[int, ...], tuple[float, float]]:
    """(x, y) for each node of a search tree given by its token prefixes (with or without the root
    ()):
    x is the depth, leaves take rows 0, -1, -2, … in depth-first order, a parent sits level with its
    first child, so each hypothesis's best continuation runs straight on. `prefixes` are ordered
    best first within each parent."""
    children: dict[tuple[int, ...], list[tuple[int, ...]]] = {}
    for prefix in prefixes:
        if prefix:
            children.setdefault(prefix[:-1], []).append(prefix)
    place: dict[tuple[int, ...], tuple[float, float]] = {}

    def visit(node: tuple[int, ...], next_row: int) -> int:
        kids = children.get(node, [])
        for kid in kids:
            next_row = visit(kid, next_row)
        y = place[kids[0]][1] if kids else -next_row
        place[node] = (len(node), y)
        return next_row + (0 if kids else 1)

    visit((), 0)
    return place


def _search_path(tokens: tuple[int, ...]) -> list[tuple[int, ...]]:
    return [tokens[:k] for k in range(len(tokens) + 1)]


def plot_beam_tree(
    trace: list,
    names,
    answer: tuple[int, ...],
    greedy: list | None = None,
    column_width: float = 1.3,
    row_height: float = 0.27,
):
    """The search tree of one `decoding.beam_search(..., trace=trace)` run, drawn from the trace:
    every ranked continuation with its token (`names[id]`) and log p, kept / pruned / finished by
    <eos>; the search's answer `answer` (token ids) as a thick path and, from a beam-1 trace
    `greedy`, the path greedy search took (nodes it reached outside the beam are added).
    Returns the figure (white background)."""
    import matplotlib.pyplot as plt
    from matplotlib.lines import Line2D

    from probing_rnns.diagrams import PALETTE

    nodes = {c.tokens: c for c in sorted(trace, key=lambda c: (c.step, -c.log_prob))}
    greedy_path: list[tuple[int, ...]] = []
    if greedy:
        chosen = [c for c in greedy if c.fate != "pruned"]
        end = next((c for c in chosen if c.fate == "finished"), chosen[-1])
        greedy_path = _search_path(end.tokens)
        for c in greedy:
            if c.tokens in greedy_path and c.tokens not in nodes:
                nodes[c.tokens] = c
    order = sorted(nodes, key=lambda p: (len(p), -nodes[p].log_prob))
    place = beam_tree_layout(order)
    rows, columns = 1 - min(y for _, y in place.values()), 1 + max(x for x, _ in place.values())
    fig, ax = plt.subplots(
        figsize=(max(8.0, columns * column_width), max(3.0, rows * row_height)), facecolor="white"
    )
    ax.set_facecolor("white")
    ax.axis("off")
    answer_path, on = _search_path(tuple(answer)), set(greedy_path)

    def elbows(path: list[tuple[int, ...]]) -> tuple[list[float], list[float]]:
        """Parent → child as right, down, right (a bracket), through every node of `path`."""
        xs, ys = [place[path[0]][0]], [place[path[0]][1]]
        for node in path[1:]:
            (px, py), (x, y) = place[node[:-1]], place[node]
            xs += [px + 0.5, px + 0.5, x]
            ys += [py, y, y]
        return xs, ys

    for prefix in place:
        if prefix:
            ax.plot(
                *elbows([prefix[:-1], prefix]), color=PALETTE["pruned"].stroke, lw=0.8, zorder=1
            )
    for path, role, style in ((greedy_path, "greedy_path", "--"), (answer_path, "beam_path", "-")):
        if path:
            ax.plot(
                *elbows([p for p in path if p in place]),
                color=PALETTE[role].stroke,
                ls=style,
                lw=3.2 if role == "beam_path" else 2.4,
                zorder=2,
                alpha=0.85,
            )
    ax.text(
        0,
        place[()][1],
        "<bos>",
        ha="center",
        va="center",
        fontsize=9,
        bbox=dict(boxstyle="round,pad=0.3", fc="white", ec=PALETTE["prediction"].stroke),
    )
    for prefix, c in nodes.items():
        x, y = place[prefix]
        role = PALETTE[{"kept": "prediction", "finished": "finished", "pruned": "pruned"}[c.fate]]
        edge = PALETTE["greedy_path"].stroke if prefix in on and c.fate == "pruned" else role.stroke
        ax.text(
            x,
            y,
            f"{names[prefix[-1]]}  {c.log_prob:.2f}",
            ha="center",
            va="center",
            fontsize=8.5,
            color=role.stroke if c.fate == "pruned" else "#202124",
            zorder=3,
            bbox=dict(boxstyle="round,pad=0.25", fc=role.fill, ec=edge, lw=1.2),
        )
    ax.set_xlim(-0.5, max(x for x, _ in place.values()) + 0.6)
    ax.set_ylim(min(y for _, y in place.values()) - 0.8, 0.8)
    handles = [
        Line2D([], [], color=PALETTE[r].stroke, ls=s, lw=3, label=PALETTE[r].name)
        for r, s in (("beam_path", "-"), ("greedy_path", "--"))
    ]
    boxes = (
        ("prediction", "빔에 남은 가설"),
        ("finished", PALETTE["finished"].name),
        ("pruned", PALETTE["pruned"].name),
    )
    handles += [
        Line2D(
            [],
            [],
            marker="s",
            ls="",
            ms=11,
            mfc=PALETTE[r].fill,
            mec=PALETTE[r].stroke,
            label=label,
        )
        for r, label in boxes
    ]
    ax.legend(
        handles=handles,
        loc="lower left",
        fontsize=9,
        frameon=True,
        facecolor="white",
        ncol=5,
        bbox_to_anchor=(0, 1.0),
    )
    return fig
