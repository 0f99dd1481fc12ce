"""Shared test data: smooth synthetic SMPL-X motions for tokenizer tests.

Importable via pytest's ``pythonpath`` setting.
"""

from __future__ import annotations

import math

import torch


def smooth_motion(batch: int, frames: int, seed: int = 0) -> torch.Tensor:
    """Random smooth Y-up motions ``(B, T, 79)`` of low intrinsic dimension, like real motion.

    Three sinusoids per clip drive all joints through one fixed basis; one of four body shapes; a
    turning walk at 1.2 m/s starting at a random place and heading.
    """
    g = torch.Generator().manual_seed(seed)
    basis = torch.randn(3, 63, generator=torch.Generator().manual_seed(123)) * 0.25  # shared by all clips
    t = torch.arange(frames, dtype=torch.float32)[None, :, None] / 30.0  # (1, T, 1) seconds
    freq = torch.rand(batch, 1, 3, generator=g) * 1.5 + 0.5  # (B, 1, 3) Hz
    phase = torch.rand(batch, 1, 3, generator=g) * 6.28
    x = torch.zeros(batch, frames, 79)
    x[..., :63] = torch.sin(2 * math.pi * freq * t + phase) @ basis  # (B, T, 63)
    shapes = torch.randn(4, 10, generator=torch.Generator().manual_seed(321))
    x[..., 63:73] = shapes[torch.randint(0, 4, (batch,), generator=g)][:, None]
    yaw = torch.rand(batch, 1, generator=g) * 6.28 + 0.5 * t[..., 0]  # (B, T)
    x[..., 73:76] = torch.stack([0.1 * torch.sin(yaw), yaw, torch.zeros_like(yaw)], -1)
    step = torch.stack([torch.sin(yaw), torch.zeros_like(yaw), torch.cos(yaw)], -1) * 0.04  # (B, T, 3)
    start = torch.randn(batch, 1, 3, generator=g) * torch.tensor([3.0, 0.1, 3.0])  # anywhere on the floor
    x[..., 76:79] = torch.cumsum(step, dim=1) + start
    return x
