"""A tiny, fast stand-in for the synthetic generator: smooth moving colour fields, random SMPL-X params."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest
import torch

from unimo.body.motion import Motion


def toy_frames(seed: int, num_frames: int, size: int) -> np.ndarray:
    """Smooth, seed-dependent uint8 ``(T, size, size, 3)`` frames that H.264 reproduces closely.

    Mostly luma (chroma subsampling loses little) and moving fast (neighbouring frames differ by ~44/255,
    H.264 at crf 18 errs by ~3.5/255), so a frame misalignment cannot pass for coding noise.
    """
    phase = np.random.default_rng(seed).random(3)
    t = np.arange(num_frames)[:, None, None]
    y = np.linspace(0, 1, size)[None, :, None]
    x = np.linspace(0, 1, size)[None, None, :]
    base = np.sin(2 * np.pi * (x + 0.5 * y + 0.15 * t + phase[0]))
    channels = np.broadcast_arrays(*[base + 0.3 * np.cos(2 * np.pi * (y + phase[k])) for k in range(3)])
    return (np.stack(channels, -1) * 0.3 * 255 + 128).clip(0, 255).astype(np.uint8)


def toy_motion(seed: int, num_frames: int, fps: float) -> Motion:
    g = torch.Generator().manual_seed(seed % 2**31)
    return Motion(global_orient=torch.randn(num_frames, 3, generator=g),
                  body_pose=torch.randn(num_frames, 63, generator=g), betas=torch.randn(10, generator=g),
                  transl=torch.randn(num_frames, 3, generator=g), fps=fps)


class ToyMaker:
    """Clip generator with ``generate_clip``'s signature; raises at call ``fail_at`` to simulate a crash."""

    def __init__(self, fail_at: int | None = None) -> None:
        self.fail_at, self.calls = fail_at, 0

    def __call__(self, seed: int, num_frames: int, size: int, fps: float, camera_motion: bool = True):
        self.calls += 1
        if self.fail_at is not None and self.calls >= self.fail_at:
            raise KeyboardInterrupt("simulated kill")
        return SimpleNamespace(frames=toy_frames(seed, num_frames, size),
                               motion=toy_motion(seed, num_frames, fps),
                               camera={"K": [[1, 0, 0], [0, 1, 0], [0, 0, 1]], "seed": seed},
                               meta={"maker": "toy"})


@pytest.fixture
def toy() -> SimpleNamespace:
    """The toy helpers (conftest modules are not importable under ``--import-mode=importlib``)."""
    return SimpleNamespace(frames=toy_frames, motion=toy_motion, Maker=ToyMaker)
