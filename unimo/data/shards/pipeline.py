"""Assemble the webdataset pipeline: shard list -> rank/worker split -> tar reading -> shuffle -> decode.

Two epoch modes:

- **exact** (``resampled=False``): shards are split across DDP ranks (``webdataset.split_by_node``) and then
  across DataLoader workers (``webdataset.split_by_worker``); every sample of the split is seen exactly once
  per epoch. Ranks get equal work only when the shard count divides evenly (see ``uneven_split_warning``).
- **resampled** (``resampled=True``): every worker draws shards with replacement, forever, and the epoch
  is cut at a fixed number of samples per worker, so all ranks see the same number of batches (DDP-safe).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable, Iterator
from typing import Any

import webdataset as wds

from unimo.data.shards.decode import ClipDecoder
from unimo.data.shards.reader import TarSamples
from unimo.data.shards.workers import ShuffleSamples, ShuffleShards, resample_worker_seed


def clip_pipeline(urls: list[str], reader: TarSamples, decoder: ClipDecoder, *, shuffle: bool = False,
                  shuffle_buffer: int = 0, resampled: bool = False, samples_per_worker: int | None = None,
                  seed: int = 0, rank: tuple[int, int] | None = None) -> wds.DataPipeline:
    """Return an ``IterableDataset`` of decoded clips from the shards ``urls``.

    Args:
        urls: Shard paths.
        reader: Tar reading stage.
        decoder: Window sampling and decoding stage.
        shuffle: Shuffle shard order and samples (training).
        shuffle_buffer: Samples in the shuffle buffer (0 disables sample shuffling).
        resampled: Draw shards with replacement (see the module docstring); needs ``samples_per_worker``.
        samples_per_worker: Samples each worker yields per epoch in resampled mode.
        seed: Base seed of the shuffles and shard draws.
        rank: ``(rank, world_size)`` known in the main process (from the Trainer). DataLoader workers that are
            spawned rather than forked do not see ``torch.distributed``, so passing it is safer than
            ``webdataset.split_by_node``'s detection, which is used when None.
    """
    if resampled:
        if not samples_per_worker or samples_per_worker < 1:
            raise ValueError("resampled=True needs samples_per_worker >= 1 (epoch_length)")
        source = [wds.ResampledShards(urls, seed=seed, worker_seed=resample_worker_seed, deterministic=True)]
    else:
        by_node = wds.split_by_node if rank is None else SplitByRank(*rank)
        source = [wds.SimpleShardList(urls), by_node, wds.split_by_worker]
        source += [ShuffleShards(seed)] if shuffle else []
    sample_shuffle = [ShuffleSamples(shuffle_buffer, seed)] if shuffle and shuffle_buffer > 1 else []
    pipeline = wds.DataPipeline(*source, reader, *sample_shuffle, decoder)
    return pipeline.with_epoch(samples_per_worker) if resampled else pipeline


class SplitByRank:
    """Pipeline stage: keep every ``world_size``-th shard starting at ``rank`` (like ``split_by_node``).

    Args:
        rank: This process's global rank.
        world_size: Number of ranks.
    """

    def __init__(self, rank: int, world_size: int) -> None:
        if not 0 <= rank < world_size:
            raise ValueError(f"need 0 <= rank < world_size, got rank {rank}, world_size {world_size}")
        self.rank, self.world_size = rank, world_size

    def __call__(self, sources: Iterable[dict[str, Any]]) -> Iterator[dict[str, Any]]:
        return itertools.islice(sources, self.rank, None, self.world_size)


def samples_per_worker(epoch_length: int, batch_size: int, num_workers: int) -> int:
    """Samples each worker yields so a rank's epoch is ``>= epoch_length`` samples in whole batches.

    Each worker batches its own samples, so its count is rounded up to whole batches; otherwise every
    worker would end the epoch with a partial batch.
    """
    workers = max(1, num_workers)
    return math.ceil(epoch_length / (batch_size * workers)) * batch_size


def uneven_split_warning(num_shards: int, world_size: int, num_workers: int) -> str | None:
    """Explain why exact epochs would give ranks or workers unequal work, or return None."""
    parts = world_size * max(1, num_workers)
    if num_shards % parts == 0:
        return None
    hang = ", which can hang DDP training; use resampled=True" if world_size > 1 else ""
    return (f"{num_shards} shards do not divide evenly over {world_size} rank(s) x {max(1, num_workers)} "
            f"worker(s): some get more samples than others{hang}")
