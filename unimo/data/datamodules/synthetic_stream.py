"""Train on synthetic clips generated while training runs: no clip is seen twice.

Why: the V2M model overfits a fixed synthetic set (validation loss lowest after ~1,000 steps, then rising;
benchmarks/results/joint.md), and synthesizing + tokenizing a bigger set up front costs most of a run.
``SyntheticClipStream`` makes clips in the loader workers, each worker its own disjoint clip indices
(clip ``i`` of a seed is the clip ``unimo data synth`` makes with that seed), so the stream is endless and
reproducible. The batches are raw (``video`` + ``motion``); ``JointTask`` tokenizes them on the accelerator.

With ``h264`` (the default) each clip goes through the same H.264 encode (``spec.crf``) and decode as a clip
stored in shards, so the model trains on the kind of frames it is tested on.

``SyntheticStreamDataModule`` trains on the stream and validates/tests on another DataModule (a fixed,
held-out set: token shards of clips made with another seed).
"""

from __future__ import annotations

import dataclasses
import itertools
import random
from collections.abc import Iterator
from typing import Any

import lightning as L
import numpy as np
import torch
from torch.utils.data import DataLoader, IterableDataset, get_worker_info

from unimo.data.shards.frames import frames_to_tensor
from unimo.data.shards.synth import SynthSpec, clip_seed, synth_sample
from unimo.data.tokens.windows import window_starts
from unimo.render.video_io import decode_video_bytes, encode_video_bytes


class SyntheticClipStream(IterableDataset):
    """Endless synthetic clips as ``{"key", "fps", "video" (T, 3, H, W) in [-1, 1], "motion" (T, 79)}``.

    Args:
        spec: Clip length, size, frame rate, framing, camera motion, x264 quality and base seed
            (``num_clips`` and ``clips_per_shard`` are not used).
        h264: Pass the frames through an H.264 encode and decode, as stored clips are.
        window: Frames per yielded clip: a random window of the ``spec.num_frames`` generated (as
            ``WebDatasetDataModule`` and token shards cut windows from stored clips; the generator plans a
            motion for the whole clip, so a short clip is not a window of a longer one); None: whole clips.
        stride: With ``window``, yield every window starting at ``0, stride, 2 * stride, ...`` instead of one
            random window (as ``unimo data tokenize --stride``): more training windows per synthesized clip
            (overlapping, so correlated), where synthesis is what limits the stream. A clip's windows arrive
            together, so batches are not mixed: train through ``JointTask(replay=...)``, which draws its
            batches across the buffer.
        rank: This process's rank and the number of ranks (DDP), so ranks draw disjoint clips.
        clips_per_epoch: Clips per pass over the stream (split over the loader workers), None: endless. A
            later pass goes on with new clips (the workers persist, and so does where each one stopped).
        restart: The training step a resumed run starts at; above 0 the clips come from another stream (base
            seed derived from ``(spec.seed, restart)``), so a resumed run does not see its earlier clips.
    """

    def __init__(self, spec: SynthSpec, h264: bool = True, window: int | None = None,
                 stride: int | None = None, rank: tuple[int, int] = (0, 1),
                 clips_per_epoch: int | None = None, restart: int = 0) -> None:
        super().__init__()
        if window is not None and not 1 <= window <= spec.num_frames:
            raise ValueError(f"window: expected 1 to spec.num_frames = {spec.num_frames}, got {window}")
        if stride is not None and (window is None or stride < 1):
            raise ValueError(f"stride: expected >= 1, with a window to step; got {stride}, window {window}")
        if restart:
            spec = dataclasses.replace(spec, seed=restart_seed(spec.seed, restart))
        self.spec, self.h264, self.window, self.stride = spec, h264, window, stride
        self.rank, self.clips_per_epoch = rank, clips_per_epoch
        self._next: Iterator[int] | None = None  # this worker's clip indices, kept across passes

    def indices(self) -> Iterator[int]:
        """This rank's and worker's clip indices: every ``ranks * workers``-th, disjoint from the others'."""
        info = get_worker_info()
        worker, workers = (info.id, info.num_workers) if info else (0, 1)
        rank, ranks = self.rank
        return itertools.count(rank * workers + worker, ranks * workers)

    def __iter__(self) -> Iterator[dict[str, Any]]:
        spec = self.spec
        self._next = self._next or self.indices()
        count = None
        if self.clips_per_epoch is not None:
            info = get_worker_info()
            count = -(-self.clips_per_epoch // (info.num_workers if info else 1))
        for index in itertools.islice(self._next, count):
            clip = synth_sample(index, spec)
            frames = clip.frames
            if self.h264:
                frames, _ = decode_video_bytes(encode_video_bytes(frames, spec.fps, crf=spec.crf))
            video, motion = frames_to_tensor(frames), clip.motion.to_tensor()
            if self.window is None:
                yield {"key": clip.key, "fps": float(spec.fps), "video": video, "motion": motion}
                continue
            for start in self._starts(index):
                stop = start + self.window
                yield {"key": f"{clip.key}-{start:06d}", "fps": float(spec.fps), "video": video[start:stop],
                       "motion": motion[start:stop]}

    def _starts(self, index: int) -> list[int]:
        """First frames of the windows cut from clip ``index``."""
        if self.stride is not None:
            return window_starts(self.spec.num_frames, self.window, self.stride)
        last = self.spec.num_frames - self.window
        return [random.Random(clip_seed(self.spec.seed, index)).randrange(last + 1)]


def restart_seed(seed: int, restart: int) -> int:
    """Base seed of the stream a run resumed at step ``restart`` draws from (independent of ``clip_seed``'s
    streams: another spawn key)."""
    return int(np.random.SeedSequence([seed, restart], spawn_key=(1,)).generate_state(1)[0])


class SyntheticStreamDataModule(L.LightningDataModule):
    """Training batches from ``SyntheticClipStream``; validation and test batches from ``eval_data``.

    Args:
        spec: What to synthesize (``SyntheticClipStream``); use a seed other than the held-out set's.
        eval_data: DataModule of the fixed validation/test set (set up here, with the same stage).
        h264, window, stride: As ``SyntheticClipStream``.
        batch_size: Clips per training batch (per rank).
        num_workers: Loader processes synthesizing clips (at least 1: generating in the training process
            would stall the accelerator).
        epoch_length: Training batches per epoch (epochs only pace logging and validation here).
    """

    def __init__(self, spec: SynthSpec, eval_data: L.LightningDataModule | None = None, h264: bool = True,
                 window: int | None = None, stride: int | None = None, batch_size: int = 8,
                 num_workers: int = 2, epoch_length: int = 200) -> None:
        super().__init__()
        if num_workers < 1:
            raise ValueError(f"num_workers: expected >= 1 loader processes making clips, got {num_workers}")
        self.spec, self.eval_data, self.h264 = spec, eval_data, h264
        self.window, self.stride = window, stride
        self.batch_size, self.num_workers, self.epoch_length = batch_size, num_workers, epoch_length

    def prepare_data(self) -> None:
        if self.eval_data is not None:
            self.eval_data.prepare_data()  # e.g. synthesize_if_missing of the held-out set

    def setup(self, stage: str | None = None) -> None:
        if self.eval_data is not None:
            self.eval_data.trainer = self.trainer  # its loaders split shards over the trainer's ranks
            self.eval_data.setup(stage)

    def train_dataloader(self) -> DataLoader:
        trainer = self.trainer
        rank = (trainer.global_rank, trainer.world_size) if trainer is not None else (0, 1)
        restart = trainer.global_step if trainer is not None else 0  # restored before the loaders are made
        per_clip = len(window_starts(self.spec.num_frames, self.window, self.stride)) if self.stride else 1
        clips = -(-self.batch_size * self.epoch_length // per_clip)
        stream = SyntheticClipStream(self.spec, self.h264, self.window, self.stride, rank,
                                     clips_per_epoch=clips, restart=restart)
        return DataLoader(stream, batch_size=self.batch_size, num_workers=self.num_workers,
                          persistent_workers=True, pin_memory=torch.cuda.is_available())

    def val_dataloader(self) -> Any:
        return self._eval("val_dataloader")

    def test_dataloader(self) -> Any:
        return self._eval("test_dataloader")

    def _eval(self, name: str) -> Any:
        if self.eval_data is None:
            raise ValueError(f"SyntheticStreamDataModule.{name}: no eval_data was given (a held-out set)")
        return getattr(self.eval_data, name)()
