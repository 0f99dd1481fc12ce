"""Frame conversions: storage (uint8 ``(T, H, W, 3)``) <-> models (float ``(T, 3, H, W)`` in [-1, 1])."""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F


def resize_short_side(video: torch.Tensor, size: int) -> torch.Tensor:
    """Resize ``(T, C, H, W)`` float frames so the shorter side is ``size`` (antialiased bilinear)."""
    _, _, h, w = video.shape
    if min(h, w) == size:
        return video
    scale = size / min(h, w)
    new_hw = (max(size, round(h * scale)), max(size, round(w * scale)))
    return F.interpolate(video, size=new_hw, mode="bilinear", antialias=True, align_corners=False)


def center_crop(video: torch.Tensor, size: int) -> torch.Tensor:
    """Crop the central ``size x size`` window of ``(T, C, H, W)`` frames."""
    _, _, h, w = video.shape
    top, left = (h - size) // 2, (w - size) // 2
    return video[:, :, top:top + size, left:left + size]


def frames_to_tensor(frames: np.ndarray, size: int | None = None) -> torch.Tensor:
    """Convert uint8 ``(T, H, W, 3)`` frames to float ``(T, 3, size, size)`` in [-1, 1].

    Args:
        frames: uint8 RGB frames.
        size: Resize the shorter side to ``size`` and centre-crop a square; None keeps the frames as they are.
    """
    array = np.ascontiguousarray(frames)
    if not array.flags.writeable:  # e.g. an image decoded read-only: torch would warn (we copy below anyway)
        array = array.copy()
    video = torch.from_numpy(array).permute(0, 3, 1, 2)  # (T, 3, H, W), 0-255
    video = video.to(torch.float32, copy=True)  # our own buffer, even for float input
    if size is not None:
        video = center_crop(resize_short_side(video, size), size)
    # In place: the same values as (video / 127.5 - 1.0) without two more float buffers per clip.
    return video.div_(127.5).sub_(1.0).clamp_(-1.0, 1.0)


def video_to_uint8(video: torch.Tensor) -> torch.Tensor:
    """Map ``(T, 3, H, W)`` in ``[-1, 1]`` to uint8 frames ``(T, H, W, 3)`` on the CPU (``frames_to_tensor``'s
    inverse, up to rounding)."""
    return (
        ((video.detach().float().clamp(-1, 1) + 1) * 127.5).round().to(torch.uint8).permute(0, 2, 3, 1).cpu()
    )


def resize_frames(frames: np.ndarray, size: int) -> np.ndarray:
    """Resize uint8 ``(T, H, W, 3)`` frames so the shorter side is ``size``, keeping the aspect ratio."""
    video = torch.from_numpy(np.ascontiguousarray(frames)).permute(0, 3, 1, 2).float()  # (T, 3, H, W)
    video = resize_short_side(video, size)
    return video.round().clamp(0, 255).to(torch.uint8).permute(0, 2, 3, 1).numpy()  # (T, H', W', 3)
