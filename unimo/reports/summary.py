"""``metrics.json``: every test number with what produced it (config, checkpoint, versions, device).

Values are plain JSON: tensors become floats or lists, and non-finite numbers become ``null`` (JSON has
no NaN), so any JSON reader can load the file.
"""

from __future__ import annotations

import json
import math
import platform
import sys
from collections.abc import Mapping
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path
from typing import Any

import torch

PACKAGES = ("unimo", "torch", "lightning", "torchmetrics", "numpy")


def versions() -> dict[str, str]:
    """Return the versions of Python, the platform and the packages that shape the numbers."""
    found = {"python": sys.version.split()[0], "platform": platform.platform()}
    for name in PACKAGES:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            found[name] = "not installed"
    return found


def device_name(device: torch.device) -> str:
    """Return a readable name of ``device`` (the GPU model on CUDA)."""
    if device.type == "cuda":
        return torch.cuda.get_device_name(device)
    return f"{device.type} ({platform.processor() or platform.machine()})"


def json_safe(value: Any) -> Any:
    """Return ``value`` with tensors/arrays as numbers or lists and non-finite floats as ``None``."""
    if isinstance(value, torch.Tensor):
        value = value.detach().cpu().tolist()
    elif hasattr(value, "tolist") and not isinstance(value, (str, bytes)):  # numpy values
        value = value.tolist()
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, Mapping):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_safe(v) for v in value]
    if value is None or isinstance(value, (bool, int, str)):
        return value
    return str(value)  # paths, dtypes, classes: their readable form


def summary(task: str, metrics: Mapping[str, Any], not_computed: Mapping[str, str], ckpt_path: str | None,
            config: Mapping[str, Any], device: torch.device, **extra: Any) -> dict[str, Any]:
    """Return the ``metrics.json`` content (``extra``: profiles, sample counts, file names)."""
    return json_safe({
        "task": task,
        "metrics": dict(sorted(metrics.items())),
        "not_computed": dict(not_computed),
        "ckpt_path": ckpt_path,
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "device": device_name(device),
        "versions": versions(),
        **extra,
        "config": config,
    })


def write_json(path: str | Path, content: Mapping[str, Any]) -> Path:
    """Write ``content`` as indented JSON (strict: no NaN/Infinity tokens)."""
    Path(path).write_text(json.dumps(content, indent=2, allow_nan=False) + "\n")
    return Path(path)
