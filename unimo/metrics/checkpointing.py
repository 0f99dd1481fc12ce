"""Keep a metric's frozen feature network out of the checkpoints of the module that holds the metric.

FID and FVD hold published networks (InceptionV3 ~95 MB, I3D ~50 MB) as submodules, so that ``.to(device)``
moves them. Without care, every Lightning checkpoint of a task that owns such a metric would carry those
weights, and would need them to load. The hooks here drop the network's entries on ``state_dict()`` and
refill them from the live network on ``load_state_dict()``, so strict loading works with checkpoints
written either way. The hooks are module-level functions bound with ``functools.partial`` so that the
metric stays picklable (DDP spawn, ``deepcopy``).
"""

from __future__ import annotations

from functools import partial
from typing import Any

from torch import nn


def exclude_from_checkpoints(metric: nn.Module, attribute: str) -> None:
    """Hide the submodule ``metric.<attribute>`` from ``state_dict`` and ``load_state_dict``."""
    metric.register_state_dict_post_hook(partial(_drop_entries, attribute))
    metric.register_load_state_dict_pre_hook(partial(_fill_entries, attribute))


def _drop_entries(
    attribute: str, _module: nn.Module, state_dict: dict[str, Any], prefix: str, *_: Any
) -> None:
    """Remove ``<prefix><attribute>.*`` keys from a state dict being saved."""
    for key in [k for k in state_dict if k.startswith(f"{prefix}{attribute}.")]:
        del state_dict[key]


def _fill_entries(
    attribute: str, module: nn.Module, state_dict: dict[str, Any], prefix: str, *_: Any
) -> None:
    """Add the live network's tensors for keys a loaded state dict lacks, so strict loading passes."""
    for key, value in getattr(module, attribute).state_dict().items():
        state_dict.setdefault(f"{prefix}{attribute}.{key}", value)
