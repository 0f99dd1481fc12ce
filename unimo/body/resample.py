"""Change the frame rate of SMPL-X motion: slerp for rotations, linear for translation and betas.

Interpolating axis-angle vectors linearly is wrong (it does not follow the rotation between two poses and
breaks near angle pi); rotations go through unit quaternions and ``slerp`` along the shorter arc.
Downsampling samples the same continuous curve (no low-pass filter), as motion datasets usually do.
"""

from __future__ import annotations

import math

import torch

from unimo.body.motion import NUM_CHANNELS, ORIENT_SLICE, POSE_SLICE
from unimo.body.rotations import axis_angle_to_quaternion, quaternion_to_axis_angle, slerp


def resample_positions(num_frames: int, fps: float, target_fps: float) -> torch.Tensor:
    """Return the source-frame coordinates ``(T',)`` of frames sampled at ``target_fps``.

    The output starts at the first frame and never runs past the last one, so its duration is
    ``(T' - 1) / target_fps <= (T - 1) / fps``.
    """
    if num_frames < 1 or fps <= 0 or target_fps <= 0:
        raise ValueError(f"resample: need >= 1 frame and positive rates, got T={num_frames}, "
                         f"fps={fps}, target_fps={target_fps}")
    duration = (num_frames - 1) / fps
    count = math.floor(duration * target_fps + 1e-6) + 1  # tolerance: 3 s at 30 fps is 90 intervals, not 89
    return torch.arange(count, dtype=torch.float64) * (fps / target_fps)


def _neighbours(positions: torch.Tensor, num_frames: int) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    lower = positions.floor().long().clamp(0, num_frames - 1)
    upper = (lower + 1).clamp(max=num_frames - 1)
    return lower, upper, (positions - lower.to(positions.dtype))


def interpolate_linear(x: torch.Tensor, positions: torch.Tensor) -> torch.Tensor:
    """Sample ``x`` ``(T, ...)`` at fractional frames ``positions`` ``(T',)`` by linear interpolation."""
    lower, upper, frac = _neighbours(positions, x.shape[0])
    frac = frac.to(x.dtype).reshape(-1, *([1] * (x.ndim - 1)))
    return x[lower] + frac * (x[upper] - x[lower])


def interpolate_axis_angle(axis_angle: torch.Tensor, positions: torch.Tensor) -> torch.Tensor:
    """Sample rotations ``(T, ..., 3)`` at fractional frames ``(T',)`` by slerp; returns ``(T', ..., 3)``.

    Results are canonical axis-angle (angle in [0, pi]); inputs with larger angles come back as the same
    rotation written the short way round.
    """
    quats = axis_angle_to_quaternion(axis_angle)  # (T, ..., 4)
    lower, upper, frac = _neighbours(positions, axis_angle.shape[0])
    frac = frac.to(axis_angle.dtype).reshape(-1, *([1] * (axis_angle.ndim - 2)))
    return quaternion_to_axis_angle(slerp(quats[lower], quats[upper], frac))


def resample_motion_channels(x: torch.Tensor, fps: float, target_fps: float) -> torch.Tensor:
    """Resample motion channels ``(T, 79)`` from ``fps`` to ``target_fps``; returns ``(T', 79)``."""
    if x.ndim != 2 or x.shape[1] != NUM_CHANNELS:
        raise ValueError(f"resample: expected (T, {NUM_CHANNELS}) motion channels, got {tuple(x.shape)}")
    positions = resample_positions(x.shape[0], fps, target_fps)
    out = interpolate_linear(x, positions)  # betas and translation
    t_out = positions.shape[0]
    pose = interpolate_axis_angle(x[:, POSE_SLICE].reshape(-1, 21, 3), positions)  # (T', 21, 3)
    out[:, POSE_SLICE] = pose.reshape(t_out, 63)
    out[:, ORIENT_SLICE] = interpolate_axis_angle(x[:, ORIENT_SLICE], positions)
    return out
