"""FID on video frames: torchmetrics' ``FrechetInceptionDistance`` fed with frames sampled from videos.

Frame sampling (documented because it changes the number): from every video (B, T, 3, H, W) in [-1, 1],
frames ``start_frame, start_frame + frame_stride, ...`` are taken, so the default (0, 1) uses ALL frames
and every frame counts as one image sample. For I2VM evaluation pass ``start_frame=1``: frame 0 is the
conditioning image copied from the real clip and would flatter the generated set. Frames of one video are
correlated, so FID over N videos of T frames is not FID over N*T independent images; report the clip
count and the sampling with the number. Frames are quantised to uint8 (as if saved to disk) before the
network, exactly as in image FID pipelines.

Features: the standard FID InceptionV3 pool features (2048-d), see :mod:`unimo.metrics.inception`. Its
weights are read from ``$UNIMO_WEIGHTS_DIR/pt_inception-2015-12-05-6726825d.pth`` or ``weights_path``;
nothing is downloaded (torchmetrics' default extractor would download through torch-fidelity, so this class
always passes its own network). Accumulation is torchmetrics' (float64 sums, ``dist_reduce_fx="sum"``).
"""

from __future__ import annotations

import os
from typing import Any

import torch
from torch import nn
from torchmetrics.image.fid import FrechetInceptionDistance

from unimo.metrics.checkpointing import exclude_from_checkpoints
from unimo.metrics.frechet import frechet_distance_from_states
from unimo.metrics.inception import load_fid_inception


def sample_frames(videos: torch.Tensor, start_frame: int = 0, frame_stride: int = 1) -> torch.Tensor:
    """Return frames ``start_frame::frame_stride`` of every video, flattened to images.

    Args:
        videos: (B, T, 3, H, W) videos, or (B, 3, H, W) images (taken as one-frame videos).
        start_frame: First frame index used.
        frame_stride: Step between used frames.

    Returns:
        (B * T', 3, H, W) frames, video-major.
    """
    if videos.dim() == 4:
        videos = videos.unsqueeze(1)  # (B, 1, 3, H, W)
    if videos.dim() != 5 or videos.shape[2] != 3:
        raise ValueError(f"expected videos (B, T, 3, H, W) or images (B, 3, H, W), got {tuple(videos.shape)}")
    if start_frame < 0 or frame_stride < 1:
        raise ValueError(f"need start_frame >= 0 and frame_stride >= 1, got {start_frame}, {frame_stride}")
    if start_frame >= videos.shape[1]:
        raise ValueError(f"start_frame={start_frame} leaves no frames of videos with T={videos.shape[1]}")
    frames = videos[:, start_frame::frame_stride]  # (B, T', 3, H, W)
    return frames.flatten(0, 1)  # (B * T', 3, H, W)


def to_uint8(images: torch.Tensor) -> torch.Tensor:
    """Quantise [-1, 1] float images to uint8 [0, 255] by rounding, as saving them to a PNG would."""
    return ((images.clamp(-1, 1) + 1) * 127.5).round().to(torch.uint8)


class VideoFrechetInceptionDistance(FrechetInceptionDistance):
    """FID between generated and real videos, over frames sampled as the module docstring describes.

    Call ``update(videos, real=True)`` on real clips and ``update(videos, real=False)`` on generated ones,
    then ``compute()``.

    Args:
        weights_path: FID InceptionV3 weights file or folder; default ``$UNIMO_WEIGHTS_DIR``.
        start_frame: First frame of each video that is used (1 skips an I2VM conditioning frame).
        frame_stride: Use every ``frame_stride``-th frame from ``start_frame`` on.
        chunk_size: Frames per network call, to bound memory.
        reset_real_features: Whether ``reset()`` also clears real statistics (keep them to reuse a fixed
            real set across evaluations).
        network: Feature network taking uint8 (N, 3, H, W) to (N, D), with a ``num_features`` attribute;
            replaces the standard InceptionV3 (for tests or other feature spaces: then it is no longer FID).
        **kwargs: torchmetrics ``Metric`` options (``sync_on_compute``, ...).
    """

    def __init__(
        self,
        weights_path: str | os.PathLike | None = None,
        start_frame: int = 0,
        frame_stride: int = 1,
        chunk_size: int = 64,
        reset_real_features: bool = True,
        network: nn.Module | None = None,
        **kwargs: Any,
    ) -> None:
        network = network if network is not None else load_fid_inception(weights_path)
        super().__init__(feature=network, reset_real_features=reset_real_features, **kwargs)
        exclude_from_checkpoints(self, "inception")  # published weights stay out of training checkpoints
        self.start_frame = start_frame
        self.frame_stride = frame_stride
        self.chunk_size = chunk_size

    def update(self, videos: torch.Tensor, real: bool) -> None:  # type: ignore[override]
        """Add the sampled frames of (B, T, 3, H, W) videos in [-1, 1] to the real or generated statistics."""
        images = to_uint8(sample_frames(videos, self.start_frame, self.frame_stride))  # (N, 3, H, W)
        for chunk in images.split(self.chunk_size):
            super().update(chunk, real=real)

    def compute(self) -> torch.Tensor:
        """Return FID (float64) from the accumulated sums, via the shared :func:`frechet_distance`."""
        return frechet_distance_from_states(self)
