"""Fréchet Video Distance (Unterthiner et al., 2018) as a distributed-safe ``torchmetrics.Metric``.

Clip preprocessing follows the common PyTorch evaluation (content-debiased-fvd / common_metrics_on_video_
quality, which call StyleGAN-V's ``i3d_torchscript.pt`` with ``rescale=False, resize=False``):

1. the first ``num_frames`` (16) frames of each video are used; shorter videos are an error, not padded;
2. frames are quantised to uint8 levels, as a video saved to disk would be;
3. the shorter side is resized to ``resolution`` (224) with bilinear interpolation
   (``align_corners=False``, no antialiasing) and the centre ``resolution`` square is cropped;
4. values stay in [-1, 1] and clips are laid out (B, 3, T, H, W) for the I3D network.

Features are I3D Kinetics-400 logits (400-d), see :mod:`unimo.metrics.i3d` for the accepted weight files
(``$UNIMO_WEIGHTS_DIR/i3d_torchscript.pt`` or ``rgb_imagenet.pt``); nothing is downloaded. Statistics are
float64 sums (features, outer products, count) with ``dist_reduce_fx="sum"``, so values from several
processes combine exactly as if one process had seen every clip.
"""

from __future__ import annotations

import math
import os
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn
from torchmetrics import Metric

from unimo.metrics.checkpointing import exclude_from_checkpoints
from unimo.metrics.fid import to_uint8
from unimo.metrics.frechet import frechet_distance_from_states
from unimo.metrics.i3d import load_i3d

_KINDS = ("real", "fake")


def preprocess_clips(videos: torch.Tensor, num_frames: int = 16, resolution: int = 224) -> torch.Tensor:
    """Turn (B, T, 3, H, W) videos in [-1, 1] into I3D input clips (B, 3, num_frames, resolution, resolution).

    Raises:
        ValueError: Wrong layout, or fewer than ``num_frames`` frames.
    """
    if videos.dim() != 5 or videos.shape[2] != 3:
        raise ValueError(f"FVD expects videos (B, T, 3, H, W) in [-1, 1], got {tuple(videos.shape)}")
    b, t, _, h, w = videos.shape
    if t < num_frames:
        raise ValueError(f"FVD uses the first {num_frames} frames of each video, got videos with T={t}")
    frames = to_uint8(videos[:, :num_frames].flatten(0, 1)).float() / 127.5 - 1  # (B*T, 3, H, W)
    scale = resolution / min(h, w)
    size = (resolution, math.ceil(w * scale)) if h <= w else (math.ceil(h * scale), resolution)
    frames = F.interpolate(frames, size=size, mode="bilinear", align_corners=False)  # (B*T, 3, h', w')
    top, left = (size[0] - resolution) // 2, (size[1] - resolution) // 2
    frames = frames[:, :, top : top + resolution, left : left + resolution]  # (B*T, 3, R, R)
    return frames.unflatten(0, (b, num_frames)).transpose(1, 2).contiguous()  # (B, 3, T, R, R)


class FrechetVideoDistance(Metric):
    """FVD between generated and real videos; ``update(videos, real)`` then ``compute()``.

    Args:
        weights_path: I3D weights file or folder; default ``$UNIMO_WEIGHTS_DIR`` (see :func:`load_i3d`).
        num_frames: Frames per clip fed to I3D (16 is the standard; report it with the number).
        resolution: Side of the square I3D input (224 is the standard).
        chunk_size: Clips per network call, to bound memory.
        reset_real_features: Whether ``reset()`` also clears real statistics.
        network: Feature network mapping (B, 3, T, H, W) in [-1, 1] to (B, D), with ``num_features``;
            replaces the standard I3D (for tests or other feature spaces: then it is no longer FVD).
        **kwargs: torchmetrics ``Metric`` options (``sync_on_compute``, ...).
    """

    higher_is_better = False
    is_differentiable = False
    full_state_update = False

    def __init__(
        self,
        weights_path: str | os.PathLike | None = None,
        num_frames: int = 16,
        resolution: int = 224,
        chunk_size: int = 8,
        reset_real_features: bool = True,
        network: nn.Module | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.network = network if network is not None else load_i3d(weights_path)
        exclude_from_checkpoints(self, "network")  # published weights stay out of training checkpoints
        self.num_frames, self.resolution, self.chunk_size = num_frames, resolution, chunk_size
        self.reset_real_features = reset_real_features
        dim = int(getattr(self.network, "num_features", 400))
        for kind in _KINDS:  # float64 sums: exact to add across batches and processes
            self.add_state(f"{kind}_features_sum", torch.zeros(dim, dtype=torch.float64), "sum")
            self.add_state(f"{kind}_features_cov_sum", torch.zeros(dim, dim, dtype=torch.float64), "sum")
            self.add_state(f"{kind}_features_num_samples", torch.tensor(0), "sum")

    def update(self, videos: torch.Tensor, real: bool) -> None:
        """Add (B, T, 3, H, W) videos in [-1, 1] (T >= num_frames) to the real or generated statistics."""
        clips = preprocess_clips(videos, self.num_frames, self.resolution)  # (B, 3, T, R, R)
        kind = "real" if real else "fake"
        for chunk in clips.split(self.chunk_size):
            features = self.network(chunk).double()  # (b, D)
            setattr(self, f"{kind}_features_sum", getattr(self, f"{kind}_features_sum") + features.sum(dim=0))
            outer = getattr(self, f"{kind}_features_cov_sum") + features.T @ features  # (D, D)
            setattr(self, f"{kind}_features_cov_sum", outer)
            count = getattr(self, f"{kind}_features_num_samples") + features.shape[0]
            setattr(self, f"{kind}_features_num_samples", count)

    def compute(self) -> torch.Tensor:
        """Return FVD (0-d float64); needs at least 2 real and 2 generated clips."""
        return frechet_distance_from_states(self)

    def reset(self) -> None:
        """Clear statistics; keep the real ones when ``reset_real_features`` is False (a fixed real set)."""
        kept = {}
        if not self.reset_real_features:
            kept = {k: getattr(self, k).clone() for k in self._defaults if k.startswith("real_")}
        super().reset()
        for name, value in kept.items():
            setattr(self, name, value)
