"""Smooth 1D curves for procedural animation: periodic keyframe splines, easing envelopes, smooth noise."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy.interpolate import CubicSpline
from scipy.ndimage import gaussian_filter1d


def periodic(keys: Sequence[tuple[float, float]], phase: np.ndarray) -> np.ndarray:
    """Evaluate a periodic cubic spline through ``(phase, value)`` keys (phase in [0, 1)) at ``phase``."""
    x = np.array([k[0] for k in keys] + [keys[0][0] + 1.0])
    y = np.array([k[1] for k in keys] + [keys[0][1]])
    return CubicSpline(x, y, bc_type="periodic")(np.mod(phase - x[0], 1.0) + x[0])


def smoothstep(x: np.ndarray) -> np.ndarray:
    """Ease from 0 to 1 (clamped, zero slope at both ends)."""
    x = np.clip(x, 0.0, 1.0)
    return x * x * (3 - 2 * x)


def envelope(t: np.ndarray, start: float, rise: float, hold: float, fall: float) -> np.ndarray:
    """Return 0 -> 1 -> 0: up over ``rise`` s from ``start``, ``hold`` s at 1, down over ``fall`` s."""
    up = smoothstep((t - start) / max(rise, 1e-6))
    down = smoothstep((t - start - rise - hold) / max(fall, 1e-6))
    return up * (1 - down)


def keyframes(t: np.ndarray, times: Sequence[float], values: Sequence[float]) -> np.ndarray:
    """Interpolate keyframes with smoothstep easing between consecutive keys (flat before/after)."""
    out = np.full_like(t, values[0], dtype=float)
    for t0, t1, v0, v1 in zip(times[:-1], times[1:], values[:-1], values[1:], strict=True):
        seg = smoothstep((t - t0) / max(t1 - t0, 1e-6))
        out = np.where(t >= t0, v0 + (v1 - v0) * seg, out)
    return out


def smooth_noise(
    rng: np.random.Generator,
    num_frames: int,
    fps: float,
    amplitude: float,
    period_s: float = 1.5,
    channels: int = 1,
) -> np.ndarray:
    """Return band-limited noise ``(T, channels)`` of std ~``amplitude`` and features ~``period_s`` long."""
    pad = int(2 * period_s * fps) + 1
    white = rng.standard_normal((num_frames + 2 * pad, channels))
    sigma = max(period_s * fps / 4, 0.5)
    smooth = gaussian_filter1d(white, sigma, axis=0, mode="wrap")[pad : pad + num_frames]
    scale = np.sqrt(2 * np.sqrt(np.pi) * sigma)  # gaussian filtering shrinks unit white noise by ~this
    return smooth * scale * amplitude


def phase_from_frequency(freq_hz: np.ndarray, fps: float, start: float = 0.0) -> np.ndarray:
    """Integrate a (possibly varying) frequency ``(T,)`` into a cycle phase ``(T,)`` (in cycles)."""
    return start + np.concatenate([[0.0], np.cumsum(freq_hz[:-1]) / fps])
