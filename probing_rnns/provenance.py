"""Where the repository and its results live, and what a run needs to be reproduced.

A stored result is evidence only if someone else can get the same numbers again. The runner fixes
what it can (seeds, the thread count, cuDNN's algorithm choice) and records the rest with each
result: the code version (and whether it had uncommitted changes), the command, the threads, torch,
Python, the machine, the device and the checksums of the data it read.
"""

from __future__ import annotations

import os
import platform
import subprocess
import sys
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import torch

from probing_rnns import data, distributed

ROOT = Path(__file__).resolve().parent.parent
RESULTS_ENV = "PROBING_RNNS_RESULTS"
CODE_PATHS = ("probing_rnns", "pyproject.toml", "requirements.txt")  # what decides the numbers


def results_dir() -> Path:
    """`$PROBING_RNNS_RESULTS` if set, else the repository's `results/` folder."""
    return Path(os.environ.get(RESULTS_ENV, ROOT / "results"))


def _git(*args: str) -> str | None:
    try:
        done = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, check=True)
    except (OSError, subprocess.CalledProcessError):
        return None
    return done.stdout.strip()


def git_commit() -> str:
    """The checked-out commit, or "unknown" outside a git checkout."""
    return _git("rev-parse", "HEAD") or "unknown"


def code_is_dirty() -> bool | None:
    """Whether the library or its requirements differ from the commit (None outside a git checkout).

    Only the code counts: results/ and the chapters change while experiments run.
    """
    status = _git("status", "--porcelain", "--", *CODE_PATHS)
    return None if status is None else bool(status)


def use_threads(threads: int) -> None:
    """Fix what the numbers depend on besides the seed: torch's intra-op thread count (a sum split
    over two threads adds in another order) and, on a GPU, cuDNN's choice of algorithm."""
    if threads < 1:
        raise ValueError(f"threads must be at least 1 (got {threads})")
    torch.set_num_threads(threads)
    torch.backends.cudnn.deterministic = True
    torch.backends.cudnn.benchmark = False


def cpu_name() -> str:
    """The processor's model name (Linux), else what `platform` knows."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.partition(":")[2].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def device_name(device: torch.device) -> str:
    """The device a run trained on, as results record it: "cpu (model)", "cuda:0 (GPU name)"."""
    if device.type == "cuda":
        return f"{device} ({torch.cuda.get_device_name(device)})"
    if device.type == "cpu":
        return f"cpu ({cpu_name()})"
    return str(device)


@dataclass(frozen=True)
class RunEnvironment:
    """What a result records besides its config: enough to re-run it and to tell why numbers
    differ."""

    git_commit: str
    code_dirty: bool | None  # uncommitted changes to the library when the run started
    command: str
    threads: int  # torch.get_num_threads() while training
    torch_version: str
    python_version: str
    platform: str
    device: str
    world_size: int  # processes that trained it (torchrun)
    data_sha256: dict[str, str]  # the vendored files, verified on load
    created: str


def current_environment(command: str, device: torch.device = torch.device("cpu")) -> RunEnvironment:
    """The environment of this process, now (call it when the run starts: commits may land
    meanwhile); `device`: where it trains, resolved (`devices.resolve_device`)."""
    return RunEnvironment(
        git_commit=git_commit(),
        code_dirty=code_is_dirty(),
        command=command,
        threads=torch.get_num_threads(),
        torch_version=torch.__version__,
        python_version=platform.python_version(),
        platform=f"{sys.platform} {platform.machine()}",
        device=device_name(device),
        world_size=distributed.world_size(),
        data_sha256=dict(data.SHA256),
        created=datetime.now(timezone.utc).isoformat(timespec="seconds"),
    )
