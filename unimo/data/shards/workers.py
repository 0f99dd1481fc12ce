"""Per-worker randomness and shuffling stages for the shard pipeline.

Each DataLoader worker on each DDP rank needs its own random stream that still reproduces under
``seed_everything``. ``torch.initial_seed()`` inside a worker is ``base_seed + worker_id`` with ``base_seed``
drawn from the main process's generator each epoch, so mixing it with the rank, the worker id and a call
counter gives distinct, epoch-varying and reproducible streams.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Iterator
from typing import Any

import torch
import webdataset as wds


def worker_rng(seed: int, salt: str, calls: int) -> random.Random:
    """Return a random generator for this (rank, worker, epoch); ``salt`` separates independent uses."""
    rank, _, worker, _ = wds.utils.pytorch_worker_info()
    return random.Random(f"{seed}/{salt}/{rank}/{worker}/{torch.initial_seed()}/{calls}")


def resample_worker_seed() -> int:
    """Worker seed for ``webdataset.ResampledShards``: distinct per rank and worker, varies per epoch."""
    rank, _, worker, _ = wds.utils.pytorch_worker_info()
    return hash((rank, worker, torch.initial_seed())) & 0x7FFFFFFF


class ShuffleShards:
    """Pipeline stage: shuffle this worker's shard list (after the worker split, so no shard repeats).

    The order depends only on ``seed``, the worker id and the epoch (calls to this stage), never on the
    rank or the process's torch seed: every DDP rank must read the same stream for
    ``SplitSamplesByRank`` to deal it out without overlap. Epochs differ when the stage persists between
    them (persistent DataLoader workers, or ``num_workers=0``), as in ``WebDatasetDataModule``.

    Args:
        seed: Base seed.
    """

    def __init__(self, seed: int = 0) -> None:
        self.seed = seed
        self._calls = 0

    def __call__(self, sources: Iterable[dict[str, Any]]) -> Iterator[dict[str, Any]]:
        self._calls += 1
        sources = list(sources)
        worker = wds.utils.pytorch_worker_info()[2]
        random.Random(f"{self.seed}/shards/{worker}/{self._calls}").shuffle(sources)
        return iter(sources)


class ShuffleSamples:
    """Pipeline stage: shuffle samples through a buffer of ``buffer_size`` (``webdataset.shuffle``).

    Args:
        buffer_size: Samples held in memory; larger mixes shards better and costs memory.
        seed: Base seed.
    """

    def __init__(self, buffer_size: int, seed: int = 0) -> None:
        self.buffer_size = buffer_size
        self.seed = seed
        self._calls = 0

    def __call__(self, samples: Iterable[dict[str, Any]]) -> Iterator[dict[str, Any]]:
        self._calls += 1
        rng = worker_rng(self.seed, "samples", self._calls)
        initial = max(1, self.buffer_size // 4)  # start yielding before the buffer is full
        return wds.shuffle(self.buffer_size, initial, rng=rng)(iter(samples))
