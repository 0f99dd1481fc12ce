"""``ShardStreamDataModule``: what every shard-folder DataModule shares (manifest, epochs, ranks, skips).

Subclasses say how to read (``_reader``), decode (``_decoder``) and batch (``collate``) samples; this base
builds the webdataset pipeline (``unimo.data.shards.pipeline``) with the same exact/resampled epochs,
rank and worker splits and damaged-sample accounting for raw video+motion shards and for token shards.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any, Literal

import lightning as L
import torch
from lightning.pytorch.utilities import rank_zero_warn
from torch.utils.data import DataLoader

from unimo.data.shards.manifest import longest_clip, manifest_path, read_manifest, split_urls
from unimo.data.shards.pipeline import clip_pipeline, samples_per_worker, uneven_split_warning
from unimo.data.shards.reader import RawSample, TarSamples
from unimo.data.shards.skips import SkipReporter

MAX_SKIP_RECORDS = 1000  # detailed records kept; the count (num_skipped) is always exact
Decoder = Callable[[Iterable[RawSample]], Iterator[dict[str, Any]]]
Collate = Callable[[list[dict[str, Any]]], dict[str, Any]]


class ShardStreamDataModule(L.LightningDataModule):
    """Stream batches from a folder of tar shards with ``manifest.json`` (base class; see the subclasses).

    Args:
        data_dir: Shard folder with ``manifest.json``.
        batch_size: Samples per batch (per DDP rank).
        num_workers: DataLoader worker processes (0 loads in the training process).
        shuffle_buffer: Training samples held in the shuffle buffer (0 or 1: no sample shuffling).
        resampled: Endless training epochs cut at ``epoch_length`` samples per rank (DDP-safe), else exact.
        epoch_length: Samples per rank per training epoch when ``resampled``.
        error_policy: ``"warn"``: log and skip damaged samples; ``"strict"``: raise.
        seed: Base seed of shuffling (combined with rank, worker and epoch).
    """

    collate: Collate  # a plain function (staticmethod), so spawned workers need not pickle the module

    def __init__(self, data_dir: str, batch_size: int, num_workers: int, shuffle_buffer: int, resampled: bool,
                 epoch_length: int, error_policy: Literal["warn", "strict"], seed: int) -> None:
        super().__init__()
        self.data_dir = Path(data_dir)
        self.batch_size, self.num_workers = batch_size, num_workers
        self.shuffle_buffer, self.resampled, self.epoch_length = shuffle_buffer, resampled, epoch_length
        self.error_policy, self.seed = error_policy, seed
        SkipReporter(error_policy)  # validates the policy at construction (config time)
        self.skip_records: deque[dict] = deque(maxlen=MAX_SKIP_RECORDS)
        self._reporter: SkipReporter | None = None
        self._manifest: dict[str, Any] | None = None

    def how_to_make(self) -> str:
        """Return the hint printed when ``data_dir`` holds no finished dataset."""
        return f"`unimo data synth --out {self.data_dir}`"

    def setup(self, stage: str | None = None) -> None:
        """Read the manifest (after ``prepare_data`` ran on rank 0)."""
        manifest = read_manifest(self.data_dir)
        if manifest is None or not manifest.get("complete"):
            raise FileNotFoundError(f"{manifest_path(self.data_dir)}: missing or unfinished; run "
                                    f"prepare_data (Trainer does) or {self.how_to_make()}")
        self._manifest = manifest
        if self._reporter is None:
            self._reporter = SkipReporter(self.error_policy)

    def train_dataloader(self) -> DataLoader:
        return self._loader("train", train=True)

    def val_dataloader(self) -> DataLoader:
        return self._loader("val", train=False)

    def test_dataloader(self) -> DataLoader:
        return self._loader("test", train=False)

    def on_before_batch_transfer(self, batch: Any, dataloader_idx: int) -> Any:
        """Collect the skip records that workers attached to the batch (main process)."""
        if isinstance(batch, dict):
            self.skip_records.extend(batch.pop("skipped", []))
        return batch

    @property
    def num_skipped(self) -> int:
        """Samples skipped so far (all splits, all workers of this rank); log it to see data damage."""
        return 0 if self._reporter is None else self._reporter.total

    def _reader(self) -> TarSamples:
        raise NotImplementedError

    def _decoder(self, train: bool) -> Decoder:
        raise NotImplementedError

    def _check_clip_length(self, split: str, span: int | None) -> None:
        """Stop before loading when no clip of ``split`` is long enough: every sample would be skipped."""
        longest = longest_clip(self._manifest or {}, split)
        if span is not None and longest is not None and longest < span:
            raise ValueError(f"{manifest_path(self.data_dir)}: the longest clip of the {split} split has "
                             f"{longest} frames, but each sample needs {span} (from num_frames and "
                             "frame_stride): lower num_frames or make longer clips")

    def _loader(self, split: str, train: bool) -> DataLoader:
        if self._manifest is None:
            self.setup()
        urls = split_urls(self.data_dir, self._manifest, split)
        decoder = self._decoder(train)
        self._check_clip_length(split, getattr(decoder, "span", None))
        resampled = self.resampled and train
        rank = (self.trainer.global_rank, self.trainer.world_size) if self.trainer is not None else None
        if not resampled:
            world_size = rank[1] if rank else 1
            message = uneven_split_warning(len(urls), world_size, self.num_workers)
            if message and (world_size > 1 or len(urls) < max(1, self.num_workers)):
                rank_zero_warn(f"{split} split of {self.data_dir}: {message}")
        dataset = clip_pipeline(
            urls, self._reader(), decoder, shuffle=train, shuffle_buffer=self.shuffle_buffer,
            resampled=resampled, seed=self.seed, rank=rank,
            samples_per_worker=samples_per_worker(self.epoch_length, self.batch_size, self.num_workers)
            if resampled else None)
        return DataLoader(dataset, batch_size=self.batch_size, num_workers=self.num_workers,
                          collate_fn=self.collate, persistent_workers=self.num_workers > 0,
                          pin_memory=torch.cuda.is_available())
