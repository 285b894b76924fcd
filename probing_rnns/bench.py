"""How fast is one training step? torch.nn's recurrent layers against ours, variant by variant
(chapter 18).

    # the full run on one thread (--threads), writes results/bench/cpu.json
    python -m probing_rnns.bench
    # tiny shapes, a few steps: checks that it runs
    python -m probing_rnns.bench --quick --out /tmp/bench.json

The full run takes about 2 minutes of CPU time (longer in wall time when other processes share the
cores). One step = forward + backward + Adam step. Each step's CPU time (`time.process_time`: what
this process computed, which other processes on the machine barely change) and wall time are
recorded. Within a group every model steps in turn (round robin), so a burst of load slows all of
them alike. The report gives each model's median CPU ms over the timed steps, its 10th–90th
percentile, and the ratio of its median to torch.nn's for the same cell (the wall-time median and
ratio beside them). Groups: the sentiment classifier (embedding → recurrent layer → linear head) at
its training shape, the recurrent layer alone at that shape and at a bigger one, and the embedding's
Adam update alone (dense gradients with Adam, sparse with SparseAdam).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable

import torch
from torch import Tensor, nn

from probing_rnns import cells
from probing_rnns.models import Classifier, Encoder
from probing_rnns.provenance import ROOT, git_commit

RESULT = ROOT / "results" / "bench" / "cpu.json"
TORCH_LAYERS = {"rnn": nn.RNN, "lstm": nn.LSTM, "gru": nn.GRU}
OUR_LAYERS = {"rnn": cells.RNN, "lstm": cells.LSTM, "gru": cells.GRU}


@dataclass(frozen=True)
class Shape:
    batch: int
    length: int
    embed: int
    hidden: int
    vocab: int


SHAPES = {
    # nsmc-cells' training batch
    "classifier": Shape(batch=64, length=40, embed=128, hidden=128, vocab=20_000),
    "bigger": Shape(batch=64, length=100, embed=128, hidden=256, vocab=20_000),
}
QUICK_SHAPES = {"classifier": Shape(4, 6, 8, 8, 50), "bigger": Shape(4, 9, 8, 16, 50)}


@dataclass(frozen=True)
class Settings:
    warmup: int = 5  # untimed steps first (allocator, oneDNN primitives, caches)
    steps: int = 30  # timed steps per model
    threads: int = 1  # torch.set_num_threads: one core, so other processes disturb less
    seed: int = 0


def variants_of(cell: str) -> list[str]:
    """Our variants that apply to `cell`, naive first (the hand-written backward is the LSTM's
    only)."""
    return [name for name, s in cells.VARIANTS.items() if cell == "lstm" or not s.manual_backward]


def recurrent_layer(cell: str, shape: Shape, variant: str | None) -> nn.Module:
    """torch.nn's layer (variant None) or ours, run as `variant`."""
    if variant is None:
        return TORCH_LAYERS[cell](shape.embed, shape.hidden, batch_first=True)
    return OUR_LAYERS[cell](shape.embed, shape.hidden, variant=variant)


def classifier(cell: str, shape: Shape, variant: str | None) -> Classifier:
    """The sentiment classifier with torch.nn's layer (variant None) or ours, run as `variant`."""
    encoder = Encoder(
        shape.vocab,
        shape.embed,
        shape.hidden,
        cell=cell,
        impl="torch" if variant is None else "ours",
    )
    if variant is not None:
        encoder.rnn = recurrent_layer(cell, shape, variant)
    return Classifier(encoder)


def classifier_loss(model: Classifier, ids: Tensor, labels: Tensor) -> Callable[[], Tensor]:
    return lambda: nn.functional.cross_entropy(model(ids), labels)


def layer_loss(layer: nn.Module, x: Tensor) -> Callable[[], Tensor]:
    """The recurrent layer alone: its outputs' squared mean as the loss (the input is data, no
    gradient)."""
    return lambda: layer(x)[0].pow(2).mean()


def embedding_loss(table: nn.Embedding, ids: Tensor) -> Callable[[], Tensor]:
    return lambda: table(ids).pow(2).mean()


def training_step(
    loss_fn: Callable[[], Tensor], optimizer: torch.optim.Optimizer
) -> Callable[[], None]:
    def step() -> None:
        optimizer.zero_grad(set_to_none=True)
        loss_fn().backward()
        optimizer.step()

    return step


def time_round_robin(
    steps: dict[str, Callable[[], None]], settings: Settings
) -> dict[str, dict[str, list[float]]]:
    """Each step function run warmup + steps times, in turn → per name, the timed steps' "cpu" and
    "wall" ms.

    CPU time (`time.process_time`) counts only the time this process computed, so it is what the
    step costs even while other processes share the cores; wall time is what a user waits, load
    included.
    """
    times: dict[str, dict[str, list[float]]] = {name: {"cpu": [], "wall": []} for name in steps}
    for i in range(settings.warmup + settings.steps):
        for name, step in steps.items():
            cpu, wall = time.process_time(), time.perf_counter()
            step()
            if i >= settings.warmup:
                times[name]["cpu"].append((time.process_time() - cpu) * 1e3)
                times[name]["wall"].append((time.perf_counter() - wall) * 1e3)
    return times


def summary(cpu_ms: list[float], wall_ms: list[float]) -> dict[str, float]:
    deciles = statistics.quantiles(cpu_ms, n=10, method="inclusive")
    return {
        "median_ms": statistics.median(cpu_ms),
        "p10_ms": deciles[0],
        "p90_ms": deciles[-1],
        "wall_median_ms": statistics.median(wall_ms),
    }


def group_steps(
    scope: str, shape: Shape, cells_: list[str], seed: int
) -> dict[str, Callable[[], None]]:
    """The step functions of one group ("model" or "layer"), keyed "cell/impl", impl "torch" or one
    of our variants."""
    torch.manual_seed(seed)
    ids = torch.randint(1, shape.vocab, (shape.batch, shape.length))  # (B, T)
    labels = torch.randint(0, 2, (shape.batch,))
    x = torch.randn(shape.batch, shape.length, shape.embed)  # (B, T, E)
    steps = {}
    for cell in cells_:
        for impl in ["torch", *variants_of(cell)]:
            variant = None if impl == "torch" else impl
            torch.manual_seed(seed)
            if scope == "model":
                model = classifier(cell, shape, variant)
                loss_fn = classifier_loss(model, ids, labels)
            else:
                model = recurrent_layer(cell, shape, variant)
                loss_fn = layer_loss(model, x)
            steps[f"{cell}/{impl}"] = training_step(
                loss_fn, torch.optim.Adam(model.parameters(), lr=1e-3)
            )
    return steps


def embedding_steps(shape: Shape, seed: int) -> dict[str, Callable[[], None]]:
    """The embedding table alone: dense gradients + Adam (every row, every step) vs sparse +
    SparseAdam (used rows)."""
    torch.manual_seed(seed)
    ids = torch.randint(1, shape.vocab, (shape.batch, shape.length))
    steps = {}
    for name, sparse, optimizer in (
        ("dense/Adam", False, torch.optim.Adam),
        ("sparse/SparseAdam", True, torch.optim.SparseAdam),
    ):
        table = nn.Embedding(shape.vocab, shape.embed, sparse=sparse)
        steps[f"embedding/{name}"] = training_step(
            embedding_loss(table, ids), optimizer(table.parameters(), lr=1e-3)
        )
    return steps


# (group name, shape, scope, cells); scope "model" = the classifier, "layer" = the recurrent layer
# alone
GROUPS = [
    ("classifier model", "classifier", "model", ["lstm", "gru", "rnn"]),
    ("classifier layer", "classifier", "layer", ["lstm", "gru", "rnn"]),
    ("bigger layer", "bigger", "layer", ["lstm"]),
    ("embedding", "classifier", "embedding", []),
]


def measure(
    group: str, shape: Shape, scope: str, cells_: list[str], settings: Settings
) -> list[dict]:
    """Time one group; one row per model, with its ratio to torch.nn's layer for the same cell (CPU
    and wall medians)."""
    if scope == "embedding":
        steps = embedding_steps(shape, settings.seed)
    else:
        steps = group_steps(scope, shape, cells_, settings.seed)
    threads = torch.get_num_threads()
    torch.set_num_threads(settings.threads)
    try:
        times = time_round_robin(steps, settings)
    finally:
        torch.set_num_threads(threads)  # as the caller had it
    stats = {name: summary(t["cpu"], t["wall"]) for name, t in times.items()}
    rows = []
    for name, s in stats.items():
        cell, impl = name.split("/", 1)
        ref = stats.get(f"{cell}/torch")
        ratios = {
            "ratio_to_torch": s["median_ms"] / ref["median_ms"] if ref else None,
            "wall_ratio_to_torch": s["wall_median_ms"] / ref["wall_median_ms"] if ref else None,
        }
        rows.append({"group": group, "scope": scope, "cell": cell, "impl": impl, **s, **ratios})
    return rows


def run(settings: Settings, shapes: dict[str, Shape]) -> list[dict]:
    rows = []
    for group, shape_name, scope, cells_ in GROUPS:
        start = time.process_time()
        rows += [
            {**row, "shape": shape_name}
            for row in measure(group, shapes[shape_name], scope, cells_, settings)
        ]
        print(f"[{group}: {time.process_time() - start:.0f} s CPU]", file=sys.stderr, flush=True)
    return rows


def table(rows: list[dict]) -> str:
    lines = [
        f"{'group':<18} {'cell':<9} {'impl':<18} {'CPU ms':>8} {'p10–p90':>13} {'× torch':>8} "
        f"{'wall ms':>8} {'× torch':>8}"
    ]
    for r in rows:
        ratio, wall_ratio = (
            f"{r[k]:.2f}" if r[k] is not None else "—"
            for k in ("ratio_to_torch", "wall_ratio_to_torch")
        )
        spread = f"{r['p10_ms']:.1f}–{r['p90_ms']:.1f}"
        lines.append(
            f"{r['group']:<18} {r['cell']:<9} {r['impl']:<18} {r['median_ms']:>8.2f} "
            f"{spread:>13} {ratio:>8} {r['wall_median_ms']:>8.2f} {wall_ratio:>8}"
        )
    return "\n".join(lines)


def ratios(rows: list[dict]) -> dict[str, float]:
    """'group/cell/impl' → median ÷ torch.nn's median, for our variants."""
    return {
        f"{r['group']}/{r['cell']}/{r['impl']}": round(r["ratio_to_torch"], 3)
        for r in rows
        if r["ratio_to_torch"] is not None and r["impl"] != "torch"
    }


def cpu_model() -> str:
    try:
        lines = Path("/proc/cpuinfo").read_text().splitlines()
    except OSError:
        return platform.processor() or "unknown"
    return next(
        (line.split(":", 1)[1].strip() for line in lines if line.startswith("model name")),
        "unknown",
    )


def environment(settings: Settings) -> dict:
    return {
        "torch": torch.__version__,
        "python": platform.python_version(),
        "threads": settings.threads,
        "cpu": cpu_model(),
        "cpu_count": os.cpu_count(),
        "mkldnn": torch.backends.mkldnn.is_available(),
        "git_commit": git_commit(),
        "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
    }


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(
        prog="python -m probing_rnns.bench",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help="tiny shapes and 3 steps: a smoke test, not a measurement",
    )
    parser.add_argument(
        "--out",
        type=Path,
        help="where to write the JSON (default results/bench/cpu.json; none with --quick)",
    )
    parser.add_argument("--threads", type=int, default=Settings.threads)
    args = parser.parse_args(argv)
    if args.threads < 1:
        parser.error(f"--threads must be at least 1, got {args.threads}")
    settings = (
        Settings(warmup=1, steps=3, threads=args.threads)
        if args.quick
        else Settings(threads=args.threads)
    )
    shapes = QUICK_SHAPES if args.quick else SHAPES
    out = args.out if args.out or args.quick else RESULT

    load_before = os.getloadavg()
    start = time.perf_counter()
    rows = run(settings, shapes)
    report = {
        "command": " ".join(
            ["python -m probing_rnns.bench", *(sys.argv[1:] if argv is None else argv)]
        ),
        "environment": {
            **environment(settings),
            "loadavg_before": load_before,
            "loadavg_after": os.getloadavg(),
        },
        "settings": asdict(settings),
        "shapes": {name: asdict(shape) for name, shape in shapes.items()},
        "seconds": round(time.perf_counter() - start, 1),
        "rows": rows,
        "ratios": ratios(rows),
    }
    print(table(rows))
    print(
        f"load average (1, 5, 15 min) before {load_before}, "
        f"after {report['environment']['loadavg_after']}"
    )
    if out:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(report, indent=1, ensure_ascii=False) + "\n")
    print("FINAL " + json.dumps({"ratios": report["ratios"], "seconds": report["seconds"]}))
    return report


def load(path: Path = RESULT) -> dict:
    """The committed benchmark report (results/bench/cpu.json)."""
    if not path.exists():
        raise FileNotFoundError(
            f"{path} is missing: run `python -m probing_rnns.bench` to measure and write it"
        )
    return json.loads(path.read_text())


if __name__ == "__main__":
    main()
