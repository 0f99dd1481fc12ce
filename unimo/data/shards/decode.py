"""Pipeline stage: sample a window of frames from each raw shard sample and decode it for the model.

Only the frames of the window are decoded (``read_video`` stops after the last one), and with
``modalities=("motion",)`` the video is not decoded at all.
"""

from __future__ import annotations

import json
import random
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

import torch

from unimo.data.shards.batch import ShardBatch, stack
from unimo.data.shards.frames import frames_to_tensor
from unimo.data.shards.reader import RawSample
from unimo.data.shards.sample import CAMERA, MOTION, VIDEO, motion_from_npz_bytes
from unimo.data.shards.skips import NothingUsableGuard, SkipReporter
from unimo.data.shards.workers import worker_rng
from unimo.render.video_io import decode_video_bytes

MODALITIES = ("video", "motion")
# What a damaged member can raise while being decoded (VideoDecodeError and JSONDecodeError are ValueErrors).
DECODE_ERRORS = (ValueError, KeyError, OSError, EOFError, zipfile.BadZipFile, RuntimeError)


class ClipDecoder:
    """Decode raw samples into training clips of ``num_frames`` frames taken every ``frame_stride``.

    Args:
        reporter: Where undecodable samples are reported.
        num_frames: Frames per returned clip.
        frame_stride: Step between returned frames (2 halves the frame rate).
        random_start: Draw the window start uniformly (training); otherwise start at frame 0 (val/test).
        size: Resize the shorter side and centre-crop to ``size x size``; None keeps the stored size.
        modalities: Subset of ``("video", "motion")``; motion is always decoded (its length sets the window).
        seed: Base seed of the window starts.
    """

    def __init__(self, reporter: SkipReporter, num_frames: int, frame_stride: int = 1,
                 random_start: bool = False, size: int | None = None, modalities: Sequence[str] = MODALITIES,
                 seed: int = 0) -> None:
        unknown = set(modalities) - set(MODALITIES)
        if unknown or not modalities:
            raise ValueError(f"modalities: expected a non-empty subset of {MODALITIES}, "
                             f"got {list(modalities)}")
        if num_frames < 1 or frame_stride < 1:
            raise ValueError(f"need num_frames >= 1 and frame_stride >= 1, got {num_frames}, {frame_stride}")
        self.reporter, self.num_frames, self.frame_stride = reporter, num_frames, frame_stride
        self.random_start, self.size, self.seed = random_start, size, seed
        self.video = "video" in modalities
        self._calls = 0
        self.nothing_usable = NothingUsableGuard()

    @property
    def span(self) -> int:
        """Stored frames one clip covers."""
        return (self.num_frames - 1) * self.frame_stride + 1

    def __call__(self, samples: Iterable[RawSample]) -> Iterator[dict[str, Any]]:
        self._calls += 1
        rng = worker_rng(self.seed, "start", self._calls)
        held = None  # yield one clip late, so skips at the end of the stream still ride on a clip
        for raw in samples:
            clip = self._try_decode(raw, rng)
            if clip is None:
                continue
            self.nothing_usable.usable()
            if held is not None:
                held["skipped"] = self.reporter.take_pending()  # records from this worker since the last clip
                yield held
            held = clip
        if held is not None:
            held["skipped"] = self.reporter.take_pending()
            yield held

    def _try_decode(self, raw: RawSample, rng: random.Random) -> dict[str, Any] | None:
        member = MOTION
        try:
            motion = motion_from_npz_bytes(raw[MOTION])
            total = motion.num_frames
            if total < self.span:
                raise ValueError(f"clip has {total} frames, need {self.span} "
                                 f"(num_frames={self.num_frames}, frame_stride={self.frame_stride})")
            start = rng.randrange(total - self.span + 1) if self.random_start else 0
            clip = {"key": raw["__key__"], "fps": float(motion.fps) / self.frame_stride, "start": start,
                    "motion": motion.to_tensor()[start:start + self.span:self.frame_stride]}  # (T, 79)
            member = CAMERA
            clip["camera"] = json.loads(raw[CAMERA]) if CAMERA in raw else None
            if self.video:
                member = VIDEO
                clip["video"] = self._decode_video(raw[VIDEO], start, motion.fps)  # (T, 3, H, W)
            return clip
        except DECODE_ERRORS as exc:
            self.nothing_usable.skipped(self.reporter.report(raw["__url__"], f"{raw['__key__']}.{member}",
                                                             f"{type(exc).__name__}: {exc}"))
            return None

    def _decode_video(self, data: bytes, start: int, motion_fps: float) -> torch.Tensor:
        frames, fps = decode_video_bytes(data, start=start, num_frames=self.num_frames,
                                         stride=self.frame_stride)  # (T, H, W, 3)
        if abs(fps - motion_fps) > 1e-3 * motion_fps:
            raise ValueError(f"video is {fps:g} fps but motion is {motion_fps:g} fps")
        return frames_to_tensor(frames, self.size)


def collate_clips(clips: list[dict[str, Any]]) -> ShardBatch:
    """Batch decoded clips: tensors are stacked, keys/cameras listed, skip records concatenated.

    Runs in the DataLoader worker; the ``ShardBatch`` it returns is pinned and moved to the device without
    walking the cameras (see ``unimo.data.shards.batch``).

    Returns:
        ``{"motion": (B, T, 79), "video": (B, T, 3, H, W) if decoded, "fps": (B,), "start": (B,),
        "key": list[str], "camera": list[dict | None], "skipped": list[dict]}``.
    """
    batch = ShardBatch({
        "motion": stack([c["motion"] for c in clips]),  # (B, T, 79)
        "fps": torch.tensor([c["fps"] for c in clips], dtype=torch.float32),  # (B,)
        "start": torch.tensor([c["start"] for c in clips], dtype=torch.long),  # (B,)
        "key": [c["key"] for c in clips],
        "camera": [c.get("camera") for c in clips],
        "skipped": [record for c in clips for record in c.get("skipped", [])],
    })
    if "video" in clips[0]:
        shapes = {tuple(c["video"].shape) for c in clips}
        if len(shapes) > 1:
            raise ValueError(f"clips in a batch have different video shapes {sorted(shapes)}; "
                             "set size= to resize")
        batch["video"] = stack([c["video"] for c in clips])  # (B, T, 3, H, W)
    return batch
