"""Figures that render Korean: one call before plotting."""

from __future__ import annotations

import matplotlib


def use_korean_font() -> None:
    """Use the NanumGothic font shipped with koreanize-matplotlib (no tofu boxes, minus signs intact)."""
    import koreanize_matplotlib  # noqa: F401  (importing it sets the rcParams)

    matplotlib.rcParams["axes.unicode_minus"] = False


def draw_unrolled_rnn(ax, steps: int = 4) -> None:
    """The RNN unrolled over time: forward arrows (계산) and the backward path of BPTT (기울기)."""
    ax.set_xlim(-1.1, steps - 0.5)
    ax.set_ylim(-1.6, 2.3)
    ax.axis("off")
    box = dict(boxstyle="round,pad=0.35", fc="#e8f0fe", ec="#1a73e8")
    for t in range(steps):
        ax.text(t, 0, f"$h_{t + 1}$", ha="center", va="center", fontsize=13, bbox=box)
        ax.text(t, -1.2, f"$x_{t + 1}$", ha="center", va="center", fontsize=13)
        ax.annotate("", (t, -0.3), (t, -0.95), arrowprops=dict(arrowstyle="->"))
        ax.annotate("", (t - 0.25, 0), (t - 0.7 if t else -0.65, 0), arrowprops=dict(arrowstyle="->"))
        ax.annotate("", (t - 0.7, 0.45), (t - 0.3, 0.45),
                    arrowprops=dict(arrowstyle="->", color="#d93025", linestyle="--"))
    ax.text(-0.85, 0, "$h_0$", ha="center", va="center", fontsize=13)
    ax.text(steps - 1, 1.2, "손실 $L$", ha="center", va="center", fontsize=12, bbox=dict(boxstyle="round", fc="#fce8e6", ec="#d93025"))
    ax.annotate("", (steps - 1, 0.95), (steps - 1, 0.3), arrowprops=dict(arrowstyle="->"))
    ax.text((steps - 1) / 2, 1.9, "검은 화살표: 앞으로 계산 (같은 가중치 $W_{hh}$를 매 시점 재사용)\n"
            "빨간 점선: 시간 펼침 역전파(BPTT)로 거꾸로 흐르는 기울기", ha="center", fontsize=10)


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


def plot_metric_vs_cost(ax, rows: list[dict], cost: str, metric: str = "test_accuracy", xlabel: str = "",
                        ylabel: str = "평가 정확도") -> None:
    """One point per model: mean `metric` with a ± std error bar against a cost (e.g. params, train_seconds)."""
    for row in rows:
        ax.errorbar(row[cost], row[metric], yerr=row[f"{metric}_std"], fmt="o", capsize=4, markersize=7)
        ax.annotate(row["model"], (row[cost], row[metric]), textcoords="offset points", xytext=(6, 6))
    ax.set(xlabel=xlabel or cost, ylabel=ylabel)
    ax.grid(alpha=0.3)


def plot_attention(ax, weights, source: list[str], output: list[str]) -> None:
    """A heatmap of attention weights (T, S): output tokens down, source tokens across."""
    image = ax.imshow(weights, cmap="Blues", vmin=0, vmax=1, aspect="auto")
    ax.set_xticks(range(len(source)), source, rotation=60, ha="right")
    ax.set_yticks(range(len(output)), output)
    ax.set(xlabel="원문 토큰", ylabel="출력 토큰")
    ax.figure.colorbar(image, ax=ax, fraction=0.046, pad=0.04, label="어텐션 가중치")


def plot_seed_spread(ax, records: list[dict], metric: str = "test_accuracy", order: list[str] | None = None,
                     ylabel: str = "평가 정확도") -> None:
    """A strip plot of experiment results: one dot per seed for each model and a bar at the model's mean."""
    by_model: dict[str, list[float]] = {}
    for record in records:
        by_model.setdefault(record["model"], []).append(record["metrics"][metric])
    models = [m for m in (order or sorted(by_model)) if m in by_model]
    for i, model in enumerate(models):
        values = by_model[model]
        ax.scatter([i] * len(values), values, color=f"C{i}", alpha=0.7, zorder=3)
        ax.hlines(sum(values) / len(values), i - 0.25, i + 0.25, color=f"C{i}", linewidth=2)
    ax.set_xticks(range(len(models)), models)
    ax.set(ylabel=ylabel)
    ax.grid(axis="y", alpha=0.3)
