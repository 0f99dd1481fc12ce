"""Re-time a keyframed gait cycle so the body moves forward at a near-constant speed.

With the pelvis driven by the planted foot (``root_motion``), forward speed is the rate at which the
support point slides backwards under the hip. Keyframed joint curves rarely make that rate constant: the
body would surge at push-off and stall at mid-stance, which real walkers do far less (their centre of
mass speed varies by ~10-20 %). A planar two-segment leg model (thigh, shank, foot with heel and toe)
estimates the support point's backward distance per unit of phase, ``g(phase)``; the phase then advances
in time at a rate proportional to ``g ** -alpha``, which evens out the speed while keeping every pose of
the cycle. ``alpha < 1`` keeps part of the natural variation and avoids whipping through mid-stance.
"""

from __future__ import annotations

import numpy as np
from scipy.ndimage import median_filter

from unimo.data.synthetic.curves import periodic

# Neutral SMPL-X segment lengths (metres): thigh, shank, ankle height, heel behind and toe ahead of the ankle.
_THIGH, _SHANK, _ANKLE_H, _HEEL, _TOE = 0.38, 0.40, 0.077, 0.05, 0.17
_SAMPLES = 256


def support_speed(keys: dict, step: float, phase: np.ndarray) -> np.ndarray:
    """Return ``g`` (support distance travelled per cycle, metres) at ``phase`` ``(N,)`` for a gait's keys."""
    points = [_support_point(keys, step, phase + offset) for offset in (0.0, 0.5)]  # left, right
    stance_left = points[0][1] < points[1][1]  # the lower foot carries the body
    dphase = np.gradient(phase)
    g = np.where(stance_left, -np.gradient(points[0][0]), -np.gradient(points[1][0])) / dphase
    return median_filter(np.clip(g, 0.05, 5.0), size=9, mode="wrap")  # drop heel->toe switch spikes


def warp(keys: dict, step: float, tau: np.ndarray, alpha: float = 0.6) -> np.ndarray:
    """Map uniform time-phase ``tau`` (cycles) to gait phase so forward speed is near constant.

    The warp has period 0.5 (each step is timed alike) and preserves the mean cadence.
    """
    if alpha == 0:
        return tau
    grid = np.linspace(0.0, 0.5, _SAMPLES, endpoint=False)
    g = support_speed(keys, step, np.concatenate([grid, grid + 0.5]))
    g = 0.5 * (g[:_SAMPLES] + g[_SAMPLES:])  # both steps alike
    dwell = g**alpha  # time spent per unit phase grows with the distance it covers
    time_of_phase = np.concatenate([[0.0], np.cumsum(dwell)])
    time_of_phase *= 0.5 / time_of_phase[-1]  # (S + 1,) from 0 to 0.5
    phase_grid = np.linspace(0.0, 0.5, _SAMPLES + 1)
    half, rest = np.divmod(tau, 0.5)
    return 0.5 * half + np.interp(rest, time_of_phase, phase_grid)


def _support_point(keys: dict, step: float, phase: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Forward and vertical position ``(N,)`` each of a leg's lowest sole point relative to its hip."""
    hip_deg = periodic(keys["hip"], phase)
    hip = np.radians(hip_deg.mean() + step * (hip_deg - hip_deg.mean()))
    knee = np.radians(periodic(keys["knee"], phase))
    ankle = np.radians(step * periodic(keys["ankle"], phase))
    shank = hip - knee  # shank angle from vertical, forward positive
    ax = _THIGH * np.sin(hip) + _SHANK * np.sin(shank)
    ay = -_THIGH * np.cos(hip) - _SHANK * np.cos(shank)
    toes_down = knee - hip - ankle
    c, s = np.cos(toes_down), np.sin(toes_down)
    heel = (ax - _HEEL * c - _ANKLE_H * s, ay + _HEEL * s - _ANKLE_H * c)
    toe = (ax + _TOE * c - _ANKLE_H * s, ay - _TOE * s - _ANKLE_H * c)
    heel_low = heel[1] < toe[1]
    return np.where(heel_low, heel[0], toe[0]), np.minimum(heel[1], toe[1])
