"""Where tensors live (장치): one device setting, resolved once, and one helper that moves them.

    device = resolve_device(cfg.device)         # "auto": a CUDA GPU if there is one, else the CPU
    model = to_device(model, device)             # a module, a tensor, or a batch of them
    batch = to_device(batch, device_of(model))   # a dataclass, tuple, list or dict of tensors

`training.fit` resolves `TrainConfig.device` and trains there; evaluation, prediction, decoding and
the probes read the device off the model they are given (`device_of`), so a model trained on a GPU
is evaluated there. On the CPU every move is a no-op: the numbers are those of a library that never
moved anything.
"""

from __future__ import annotations

import dataclasses
import os
import warnings
from contextlib import nullcontext
from typing import Any, ContextManager

import torch
from torch import nn

DEVICE_TYPES = ("cpu", "cuda", "meta")  # meta: shapes without numbers (tests of a forgotten move)
EXAMPLES = "'auto', 'cpu', 'cuda', 'cuda:1'"


def resolve_device(spec: str | torch.device = "auto") -> torch.device:
    """The device a setting names, checked: "auto" is CUDA when available, else the CPU.

    Under torchrun "auto" and "cuda" mean this process's GPU, cuda:LOCAL_RANK (one GPU per rank).
    A device this machine lacks is a clear error, not a crash deep inside training.
    """
    if isinstance(spec, str) and spec.strip().lower() == "auto":
        spec = "cuda" if torch.cuda.is_available() else "cpu"
    try:
        device = torch.device(spec)
    except (RuntimeError, TypeError):
        raise ValueError(
            f"알 수 없는 장치 {spec!r}입니다. {EXAMPLES}처럼 쓰세요 (unknown device)"
        ) from None
    if device.type not in DEVICE_TYPES:
        raise ValueError(
            f"장치 {spec!r}는 지원하지 않습니다. {EXAMPLES} 가운데 하나를 쓰세요 "
            "(unsupported device)"
        )
    return _cuda(device, str(spec)) if device.type == "cuda" else device


def _cuda(device: torch.device, spec: str) -> torch.device:
    if not torch.cuda.is_available():
        raise ValueError(
            f"장치 {spec!r}: 이 컴퓨터에는 쓸 수 있는 CUDA GPU가 없습니다. "
            "device='cpu'나 'auto'(GPU가 있으면 GPU, 없으면 CPU)를 쓰세요. "
            "Colab이라면 [런타임] → [런타임 유형 변경]에서 GPU를 고르세요 "
            "(no CUDA GPU available)."
        )
    index = device.index if device.index is not None else int(os.environ.get("LOCAL_RANK", 0))
    count = torch.cuda.device_count()
    if index >= count:
        raise ValueError(
            f"장치 {spec!r}: GPU {index}번이 없습니다. 이 컴퓨터의 GPU는 {count}개"
            f"(cuda:0–cuda:{count - 1})입니다 (no such GPU)."
        )
    return torch.device("cuda", index)


def device_of(obj: Any) -> torch.device:
    """Where `obj` lives: a module's first parameter (or buffer), a tensor, or the first tensor in
    a tuple, list, dict or dataclass (e.g. a decoding state). The CPU when it holds no tensor."""
    if isinstance(obj, nn.Module):
        tensor = next(iter(obj.parameters()), next(iter(obj.buffers()), None))
        return torch.device("cpu") if tensor is None else tensor.device
    if isinstance(obj, torch.Tensor):
        return obj.device
    for part in _parts(obj):
        if _holds_tensor(part):
            return device_of(part)
    return torch.device("cpu")


def _parts(obj: Any) -> list:
    if isinstance(obj, (tuple, list)):
        return list(obj)
    if isinstance(obj, dict):
        return list(obj.values())
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return [getattr(obj, f.name) for f in dataclasses.fields(obj)]
    return []


def _holds_tensor(obj: Any) -> bool:
    return isinstance(obj, (torch.Tensor, nn.Module)) or any(map(_holds_tensor, _parts(obj)))


def to_device(obj: Any, device: str | torch.device) -> Any:
    """`obj` on `device`: a tensor or module, or a tuple, list, dict or dataclass of them (a batch,
    a decoding state) rebuilt with every tensor moved; anything else (numbers, None) unchanged.

    A tensor already there is returned as it is (no copy); a module is moved in place and returned.
    """
    if isinstance(obj, (torch.Tensor, nn.Module)):
        return obj.to(device)
    if isinstance(obj, tuple) and hasattr(obj, "_fields"):  # a named tuple
        return type(obj)(*(to_device(part, device) for part in obj))
    if isinstance(obj, (tuple, list)):
        return type(obj)(to_device(part, device) for part in obj)
    if isinstance(obj, dict):
        return {key: to_device(value, device) for key, value in obj.items()}
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        fields = (f.name for f in dataclasses.fields(obj) if f.init)
        moved = {name: to_device(getattr(obj, name), device) for name in fields}
        return dataclasses.replace(obj, **moved)
    return obj


def amp_enabled(device: torch.device, requested: bool) -> bool:
    """Whether mixed precision (혼합 정밀도, bf16 autocast) applies: asked for, on a CUDA GPU that
    supports bfloat16. Asked for where it cannot apply (the CPU, an older GPU), it is ignored with a
    note, and the numbers stay those of float32."""
    if not requested:
        return False
    if device.type == "cuda" and torch.cuda.is_bf16_supported():
        return True
    warnings.warn(
        f"amp=True는 bfloat16을 지원하는 CUDA GPU에서만 켜집니다. 장치 {device}에서는 "
        "무시하고 float32로 학습합니다 (amp ignored: no bf16-capable CUDA device).",
        stacklevel=2,
    )
    return False


def autocast(device: torch.device, enabled: bool) -> ContextManager:
    """What a forward pass runs under: bf16 autocast on `device` when `enabled` (`amp_enabled`),
    else nothing (float32)."""
    return torch.autocast(device.type, dtype=torch.bfloat16) if enabled else nullcontext()
