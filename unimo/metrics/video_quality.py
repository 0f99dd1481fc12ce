"""PSNR and SSIM for videos (B, T, 3, H, W) in [-1, 1]: thin wrappers over torchmetrics.

Both are computed per frame on images mapped to [0, 1] (``data_range=1``), the convention of image and
video-tokenizer papers, then averaged over all frames of all videos. The mapping matters for SSIM: its
luminance term is not shift-invariant, so SSIM on [-1, 1] with ``data_range=2`` would differ. Inputs
are clamped to [-1, 1] first, as a decoded video would be before saving. Identical frames give an
infinite PSNR (zero error), as in torchmetrics. SSIM's 11x11 Gaussian window needs frames of at least
11x11 pixels.
"""

from __future__ import annotations

from typing import Any

import torch
from torchmetrics.functional.image import peak_signal_noise_ratio, structural_similarity_index_measure
from torchmetrics.image import PeakSignalNoiseRatio, StructuralSimilarityIndexMeasure


def _frames01(video: torch.Tensor, name: str) -> torch.Tensor:
    """Flatten (B, T, 3, H, W) in [-1, 1] to (B*T, 3, H, W) in [0, 1]."""
    if video.dim() != 5 or video.shape[2] != 3:
        raise ValueError(f"{name}: expected a video (B, T, 3, H, W) in [-1, 1], got {tuple(video.shape)}")
    return (video.clamp(-1, 1).flatten(0, 1) + 1) / 2  # (B*T, 3, H, W)


def _check_pair(preds: torch.Tensor, target: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    if preds.shape != target.shape:
        raise ValueError(
            f"preds and target must have equal shapes, got {tuple(preds.shape)} and {tuple(target.shape)}"
        )
    return _frames01(preds, "preds"), _frames01(target, "target")


def frame_psnr(preds: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Return the PSNR in dB of every frame, shape (B, T), for videos (B, T, 3, H, W) in [-1, 1]."""
    p, t = _check_pair(preds, target)
    values = peak_signal_noise_ratio(p, t, data_range=1.0, reduction="none", dim=(1, 2, 3))  # (B*T,)
    return values.view(preds.shape[:2])  # (B, T)


def frame_ssim(preds: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Return the SSIM of every frame, shape (B, T), for videos (B, T, 3, H, W) in [-1, 1]."""
    p, t = _check_pair(preds, target)
    values = structural_similarity_index_measure(p, t, data_range=1.0, reduction="none")  # (B*T,)
    return values.view(preds.shape[:2])  # (B, T)


class VideoPSNR(PeakSignalNoiseRatio):
    """Mean per-frame PSNR (dB) over all frames seen; ``update(preds, target)`` on (B, T, 3, H, W) in [-1, 1].

    Args:
        **kwargs: torchmetrics ``Metric`` options (``sync_on_compute``, ...).
    """

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(data_range=1.0, dim=(1, 2, 3), **kwargs)

    def update(self, preds: torch.Tensor, target: torch.Tensor) -> None:
        """Add the frames of a batch of videos."""
        super().update(*_check_pair(preds, target))


class VideoSSIM(StructuralSimilarityIndexMeasure):
    """Mean per-frame SSIM over all frames seen; ``update(preds, target)`` on (B, T, 3, H, W) in [-1, 1].

    Args:
        **kwargs: torchmetrics ``Metric`` options (``sync_on_compute``, ...).
    """

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(data_range=1.0, **kwargs)

    def update(self, preds: torch.Tensor, target: torch.Tensor) -> None:
        """Add the frames of a batch of videos."""
        super().update(*_check_pair(preds, target))
