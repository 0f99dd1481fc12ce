"""Assemble the webdataset pipeline: shards -> worker split -> tar reading -> rank split -> shuffle -> decode.

Two epoch modes:

- **exact** (``resampled=False``): shards are split across DataLoader workers by shard
  (``webdataset.split_by_worker``); every rank reads the same shards in the same order, and each worker's
  sample stream is dealt out to the DDP ranks one clip at a time (``SplitSamplesByRank``): in every round
  of ``world_size`` clips, rank ``r`` keeps the ``r``-th and decodes only that one. Every rank therefore
  gets the same number of clips from each worker, hence the same number of batches, which DDP needs (a
  rank that runs out first leaves the others waiting in a collective forever: the hang of issue #10, see
  also Lightning-AI/pytorch-lightning#20404, webdataset/webdataset#225). The price: the last incomplete
  round of each worker's stream (fewer than ``world_size`` clips) is dropped for that epoch, and every rank
  reads every shard's bytes (decoding only its own clips). Each clip is still seen at most once per epoch,
  and exactly once when every worker's clip count divides by ``world_size``.
- **resampled** (``resampled=True``): every worker draws shards with replacement, forever, and the epoch
  is cut at a fixed number of samples per worker, so all ranks see the same number of batches (DDP-safe,
  and no rank reads another's shards: the better choice for large datasets).
"""

from __future__ import annotations

import math
import warnings
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
            detecting it in the worker (``RANK``/``WORLD_SIZE`` or ``torch.distributed``), used when None.
    """
    if resampled:
        if not samples_per_worker or samples_per_worker < 1:
            raise ValueError("resampled=True needs samples_per_worker >= 1 (epoch_length)")
        source = [wds.ResampledShards(urls, seed=seed, worker_seed=resample_worker_seed, deterministic=True)]
        by_rank = []
    else:
        source = [wds.SimpleShardList(urls), wds.split_by_worker]
        source += [ShuffleShards(seed)] if shuffle else []  # same order on every rank (the split needs it)
        by_rank = [SplitSamplesByRank(*(rank or (None, None)))]
    sample_shuffle = [ShuffleSamples(shuffle_buffer, seed)] if shuffle and shuffle_buffer > 1 else []
    pipeline = wds.DataPipeline(*source, reader, *by_rank, *sample_shuffle, decoder)
    return pipeline.with_epoch(samples_per_worker) if resampled else pipeline


class SplitSamplesByRank:
    """Pipeline stage: deal a worker's raw samples out to the DDP ranks, one per rank per round.

    Of every ``world_size`` consecutive samples, rank ``rank`` keeps the ``rank``-th; an incomplete last
    round is dropped, so every rank keeps exactly ``len(stream) // world_size`` samples. Every rank must
    see the same stream (same shards, same order): the shard shuffle before this stage is rank-independent.

    Args:
        rank: This process's global rank; None detects it where the stream is read (``RANK`` and
            ``WORLD_SIZE``, else ``torch.distributed``, as ``webdataset.split_by_node`` does).
        world_size: Number of ranks (None: detected with ``rank``).
    """

    def __init__(self, rank: int | None = None, world_size: int | None = None) -> None:
        if (rank is None) != (world_size is None):
            raise ValueError("give both rank and world_size, or neither (detected)")
        if rank is not None and not 0 <= rank < world_size:
            raise ValueError(f"need 0 <= rank < world_size, got rank {rank}, world_size {world_size}")
        self.rank, self.world_size = rank, world_size
        self.dropped = 0  # samples dropped in incomplete last rounds, over this process's epochs

    def __call__(self, samples: Iterable[dict[str, Any]]) -> Iterator[dict[str, Any]]:
        rank, world_size = self.rank, self.world_size
        if rank is None:
            rank, world_size, _, _ = wds.utils.pytorch_worker_info()
        if world_size == 1:
            yield from samples
            return
        seen = 0
        for seen, sample in enumerate(samples, start=1):
            if (seen - 1) % world_size == rank:
                held = sample  # yield it only once its round is complete
            if seen % world_size == 0:
                yield held
        tail = seen % world_size
        self.dropped += tail
        if tail and rank == 0:
            worker = wds.utils.pytorch_worker_info()[2]
            warnings.warn(f"exact epoch over {world_size} ranks: dropped the last {tail} of {seen} clips "
                          f"read by worker {worker}, so that every rank gets the same number of batches "
                          "(DDP needs that); see unimo.data.shards.pipeline", stacklevel=1)


def samples_per_worker(epoch_length: int, batch_size: int, num_workers: int) -> int:
    """Samples each worker yields so a rank's epoch is ``>= epoch_length`` samples in whole batches.

    Each worker batches its own samples, so its count is rounded up to whole batches; otherwise every
    worker would end the epoch with a partial batch.
    """
    workers = max(1, num_workers)
    return math.ceil(epoch_length / (batch_size * workers)) * batch_size


def uneven_split_warning(num_shards: int, world_size: int, num_workers: int) -> str | None:
    """Explain what an uneven split costs exact epochs, or return None.

    Shards of equal size that divide evenly over ``world_size x num_workers`` lose nothing; otherwise workers
    read unequal numbers of shards and, with several ranks, each worker's last incomplete round of
    ``world_size`` clips is dropped every epoch (``SplitSamplesByRank``).
    """
    workers = max(1, num_workers)
    if num_shards % (world_size * workers) == 0:
        return None
    cost = (f"exact epochs drop up to {workers * (world_size - 1)} clip(s) per epoch (each worker's last "
            f"incomplete round of {world_size}) so every rank gets the same number of batches; use a shard "
            f"count divisible by {world_size * workers}, or resampled=True for training"
            if world_size > 1 else "some workers read more shards than others")
    return (f"{num_shards} shards do not divide evenly over {world_size} rank(s) x {workers} "
            f"worker(s): {cost}")
