"""Cut a raw shard clip (video + motion) into the fixed windows that get tokenized.

Windows start at ``0, stride, 2 * stride, ...`` while a whole window of ``num_frames`` frames fits; frames
after the last whole window are dropped. The default stride is ``num_frames``: non-overlapping windows, so
every stored frame is tokenized at most once. Each window is exactly what ``WebDatasetDataModule`` returns for
that start (same frame decoding, same optional resize/crop, bit-identical motion), so its ids equal those the
joint model would compute online; the datamodule draws any start in training, token shards fix them, and a
smaller stride buys more distinct windows with disk and tokenizing time.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from unimo.data.shards.frames import frames_to_tensor
from unimo.data.shards.reader import RawSample
from unimo.data.shards.sample import MOTION, VIDEO, motion_from_npz_bytes
from unimo.render.video_io import decode_video_bytes


@dataclass
class ClipWindow:
    """One window of a clip, ready for the tokenizers."""

    clip: str  # the source sample key
    start: int  # first stored frame
    fps: float
    video: torch.Tensor  # (T, 3, H, W) in [-1, 1]
    motion: torch.Tensor  # (T, 79)

    @property
    def key(self) -> str:
        """Return the token sample key ``<clip>-<start>``."""
        return f"{self.clip}-{self.start:06d}"


def window_starts(total: int, num_frames: int, stride: int) -> list[int]:
    """Return the start frames of the whole ``num_frames`` windows of a ``total``-frame clip."""
    if num_frames < 1 or stride < 1:
        raise ValueError(f"need num_frames >= 1 and stride >= 1, got {num_frames}, {stride}")
    return list(range(0, total - num_frames + 1, stride))


@dataclass
class ClipFrames:
    """A decoded clip and where its windows start: the windows are views of one frame tensor, so a clip
    crosses a process boundary once, not once per window."""

    clip: str
    fps: float
    video: torch.Tensor  # (N, 3, H, W) in [-1, 1], N = last window's end
    motion: torch.Tensor  # (N', 79), N' >= N
    starts: list[int]
    num_frames: int

    def windows(self) -> list[ClipWindow]:
        """Return the clip's windows (views of ``video`` and ``motion``)."""
        t = self.num_frames
        return [ClipWindow(self.clip, s, self.fps, self.video[s:s + t], self.motion[s:s + t])
                for s in self.starts]


def clip_frames(raw: RawSample, num_frames: int, stride: int, size: int | None) -> ClipFrames:
    """Decode a raw shard sample once, up to the end of its last whole window.

    Raises:
        ValueError: The clip is shorter than ``num_frames``, or its video and motion disagree (naming both).
    """
    motion = motion_from_npz_bytes(raw[MOTION])
    starts = window_starts(motion.num_frames, num_frames, stride)
    if not starts:
        raise ValueError(f"clip has {motion.num_frames} frames, need {num_frames} (num_frames)")
    last = starts[-1] + num_frames  # decoding stops after the last frame any window needs
    frames, fps = decode_video_bytes(raw[VIDEO], start=0, num_frames=last)  # (N, H, W, 3)
    if abs(fps - motion.fps) > 1e-3 * motion.fps:
        raise ValueError(f"video is {fps:g} fps but motion is {motion.fps:g} fps")
    if len(frames) < last:
        raise ValueError(f"video has {len(frames)} frames but motion has {motion.num_frames}")
    return ClipFrames(raw["__key__"], float(motion.fps), frames_to_tensor(frames, size), motion.to_tensor(),
                      starts, num_frames)

