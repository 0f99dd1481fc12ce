"""``ShardBatch``: a collated batch whose tensors cross process and device boundaries without its metadata.

Shard loaders yield flat dicts of tensors plus per-sample metadata (keys, cameras, skip records). Two
generic steps walk every object of a batch, once per batch, in the training process: the DataLoader's
pin-memory thread (``torch.utils.data._utils.pin_memory.pin_memory``) and Lightning's batch transfer
(``move_data_to_device``, through ``apply_to_collection``). A synthetic clip's camera (``Camera.to_dict()``,
one rotation per stored frame) is ~700 Python objects, so for 64 clips those walks took 60 ms and 100 ms
on a 2-core EPYC: serial work that no number of DataLoader workers shortens. Both steps call a batch's own
``pin_memory()`` / ``to()`` when it has them (duck typing, which Hugging Face's ``BatchEncoding`` also relies
on), so ``ShardBatch`` pins and moves its top-level tensors and passes the metadata through untouched.

``stack`` collates tensors as ``default_collate`` does: inside a DataLoader worker it writes the batch
straight into shared memory, so handing it to the training process costs no second copy.
"""

from __future__ import annotations

from typing import Any

import torch
from torch.utils.data import default_collate


class ShardBatch(dict):
    """A batch: a plain ``dict`` whose ``pin_memory`` and ``to`` touch only its top-level tensors."""

    def pin_memory(self, device: Any = None) -> ShardBatch:
        """Return a copy with every tensor in pinned memory (the DataLoader's pin-memory thread calls this).

        Args:
            device: Ignored (the accelerator in use), accepted for callers that pass it.
        """
        return ShardBatch({k: v.pin_memory() if isinstance(v, torch.Tensor) else v for k, v in self.items()})

    def to(self, device: torch.device | str, non_blocking: bool = False) -> ShardBatch:
        """Return a copy with every tensor on ``device`` (Lightning's batch transfer calls this)."""
        return ShardBatch({k: v.to(device, non_blocking=non_blocking) if isinstance(v, torch.Tensor) else v
                           for k, v in self.items()})


def stack(tensors: list[torch.Tensor]) -> torch.Tensor:
    """Stack along a new first dimension; in a DataLoader worker, into shared memory (``default_collate``)."""
    return default_collate(tensors)
