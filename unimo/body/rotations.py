"""Batched, differentiable rotation conversions in torch: axis-angle, matrices, quaternions, 6D.

Conventions (fixed, used everywhere in unimo):

- Axis-angle ``(..., 3)``: direction = axis, norm = angle in radians (SMPL/SMPL-X convention).
- Matrices ``(..., 3, 3)`` act on column vectors: ``x_world = R @ x_local``.
- Quaternions ``(..., 4)`` are scalar-first ``(w, x, y, z)`` (scipy uses ``(x, y, z, w)``).
- 6D ``(..., 6)`` is the first two matrix columns concatenated, ``(R[:, 0], R[:, 1])`` (Zhou et al.,
  "On the Continuity of Rotation Representations in Neural Networks", CVPR 2019).

Every function accepts any number of leading batch dimensions and keeps gradients finite at the identity
(zero angle), where the naive formulas divide by zero.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

# Below this squared angle the Taylor series replace sin(t)/t and friends (float32-safe).
_SMALL_ANGLE_SQ = 1e-6


def _skew(v: torch.Tensor) -> torch.Tensor:
    """Return the cross-product matrices ``(..., 3, 3)`` of vectors ``(..., 3)``."""
    x, y, z = v.unbind(-1)
    zero = torch.zeros_like(x)
    return torch.stack([zero, -z, y, z, zero, -x, -y, x, zero], dim=-1).reshape(*v.shape[:-1], 3, 3)


def axis_angle_to_matrix(axis_angle: torch.Tensor) -> torch.Tensor:
    """Convert axis-angle ``(..., 3)`` to rotation matrices ``(..., 3, 3)`` (Rodrigues' formula)."""
    theta_sq = (axis_angle * axis_angle).sum(-1, keepdim=True)[..., None]  # (..., 1, 1)
    small = theta_sq < _SMALL_ANGLE_SQ
    # Clamp before sqrt/division so the branch torch.where discards never produces inf/NaN gradients.
    theta = theta_sq.clamp_min(_SMALL_ANGLE_SQ).sqrt()
    a = torch.where(small, 1.0 - theta_sq / 6.0, torch.sin(theta) / theta)
    b = torch.where(small, 0.5 - theta_sq / 24.0, (1.0 - torch.cos(theta)) / (theta * theta))
    k = _skew(axis_angle)
    eye = torch.eye(3, dtype=axis_angle.dtype, device=axis_angle.device)
    return eye + a * k + b * (k @ k)


def axis_angle_to_quaternion(axis_angle: torch.Tensor) -> torch.Tensor:
    """Convert axis-angle ``(..., 3)`` to unit quaternions ``(..., 4)``, ``w >= 0``."""
    theta_sq = (axis_angle * axis_angle).sum(-1, keepdim=True)  # (..., 1)
    small = theta_sq < _SMALL_ANGLE_SQ
    theta = theta_sq.clamp_min(_SMALL_ANGLE_SQ).sqrt()
    half_sinc = torch.where(small, 0.5 - theta_sq / 48.0, torch.sin(0.5 * theta) / theta)
    w = torch.where(small, 1.0 - theta_sq / 8.0, torch.cos(0.5 * theta))
    return torch.cat([w, axis_angle * half_sinc], dim=-1)


def quaternion_to_axis_angle(quaternion: torch.Tensor) -> torch.Tensor:
    """Convert quaternions ``(..., 4)`` (need not be unit) to axis-angle ``(..., 3)``, angle in [0, pi]."""
    q = F.normalize(quaternion, dim=-1)
    # q and -q are the same rotation; w >= 0 picks the representative with angle <= pi.
    q = torch.where(q[..., :1] < 0, -q, q)
    w, v = q[..., :1], q[..., 1:]
    sin_half_sq = (v * v).sum(-1, keepdim=True)
    small = sin_half_sq < _SMALL_ANGLE_SQ
    sin_half = sin_half_sq.clamp_min(_SMALL_ANGLE_SQ).sqrt()
    # atan2 stays accurate near pi (w -> 0), unlike acos(w).
    scale = torch.where(small, 2.0 / w.clamp_min(1e-6), 2.0 * torch.atan2(sin_half, w) / sin_half)
    return v * scale


def quaternion_to_matrix(quaternion: torch.Tensor) -> torch.Tensor:
    """Convert quaternions ``(..., 4)`` (normalised here) to rotation matrices ``(..., 3, 3)``."""
    w, x, y, z = F.normalize(quaternion, dim=-1).unbind(-1)
    rows = [
        1 - 2 * (y * y + z * z), 2 * (x * y - w * z), 2 * (x * z + w * y),
        2 * (x * y + w * z), 1 - 2 * (x * x + z * z), 2 * (y * z - w * x),
        2 * (x * z - w * y), 2 * (y * z + w * x), 1 - 2 * (x * x + y * y),
    ]
    return torch.stack(rows, dim=-1).reshape(*quaternion.shape[:-1], 3, 3)


def matrix_to_quaternion(matrix: torch.Tensor) -> torch.Tensor:
    """Convert rotation matrices ``(..., 3, 3)`` to unit quaternions ``(..., 4)`` with ``w >= 0``.

    Four algebraically equal formulas exist; each divides by one quaternion component. Using the one whose
    component is largest keeps the result accurate for every rotation, including angles near pi.
    """
    m = matrix
    r00, r01, r02 = m[..., 0, 0], m[..., 0, 1], m[..., 0, 2]
    r10, r11, r12 = m[..., 1, 0], m[..., 1, 1], m[..., 1, 2]
    r20, r21, r22 = m[..., 2, 0], m[..., 2, 1], m[..., 2, 2]
    four_sq = torch.stack([1 + r00 + r11 + r22, 1 + r00 - r11 - r22,
                           1 - r00 + r11 - r22, 1 - r00 - r11 + r22], dim=-1)  # (..., 4) = 4 * q_i^2
    candidates = torch.stack([
        torch.stack([four_sq[..., 0], r21 - r12, r02 - r20, r10 - r01], dim=-1),
        torch.stack([r21 - r12, four_sq[..., 1], r10 + r01, r02 + r20], dim=-1),
        torch.stack([r02 - r20, r10 + r01, four_sq[..., 2], r21 + r12], dim=-1),
        torch.stack([r10 - r01, r02 + r20, r21 + r12, four_sq[..., 3]], dim=-1),
    ], dim=-2)  # (..., 4, 4): row i = 4 q_i * q
    best = four_sq.argmax(dim=-1, keepdim=True)  # (..., 1)
    q = torch.gather(candidates, -2, best[..., None].expand(*best.shape, 4)).squeeze(-2)
    q = F.normalize(q, dim=-1)
    return torch.where(q[..., :1] < 0, -q, q)


def matrix_to_axis_angle(matrix: torch.Tensor) -> torch.Tensor:
    """Convert rotation matrices ``(..., 3, 3)`` to axis-angle ``(..., 3)``; robust near angle pi."""
    return quaternion_to_axis_angle(matrix_to_quaternion(matrix))


def matrix_to_rot6d(matrix: torch.Tensor) -> torch.Tensor:
    """Return the 6D representation ``(..., 6)``: first column then second column of ``matrix``."""
    return torch.cat([matrix[..., :, 0], matrix[..., :, 1]], dim=-1)


def rot6d_to_matrix(rot6d: torch.Tensor) -> torch.Tensor:
    """Map any 6D vectors ``(..., 6)`` to rotation matrices ``(..., 3, 3)`` by Gram-Schmidt."""
    a1, a2 = rot6d[..., :3], rot6d[..., 3:]
    b1 = F.normalize(a1, dim=-1)
    b2 = F.normalize(a2 - (b1 * a2).sum(-1, keepdim=True) * b1, dim=-1)
    b3 = torch.cross(b1, b2, dim=-1)
    return torch.stack([b1, b2, b3], dim=-1)  # columns


def axis_angle_to_rot6d(axis_angle: torch.Tensor) -> torch.Tensor:
    """Convert axis-angle ``(..., 3)`` to 6D ``(..., 6)``."""
    return matrix_to_rot6d(axis_angle_to_matrix(axis_angle))


def rot6d_to_axis_angle(rot6d: torch.Tensor) -> torch.Tensor:
    """Convert 6D ``(..., 6)`` to axis-angle ``(..., 3)``."""
    return matrix_to_axis_angle(rot6d_to_matrix(rot6d))


def quaternion_multiply(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """Return the Hamilton product ``a * b`` ``(..., 4)``: the rotation ``b`` followed by ``a``."""
    aw, ax, ay, az = a.unbind(-1)
    bw, bx, by, bz = b.unbind(-1)
    return torch.stack([
        aw * bw - ax * bx - ay * by - az * bz,
        aw * bx + ax * bw + ay * bz - az * by,
        aw * by - ax * bz + ay * bw + az * bx,
        aw * bz + ax * by - ay * bx + az * bw,
    ], dim=-1)


def quaternion_conjugate(q: torch.Tensor) -> torch.Tensor:
    """Return the conjugate ``(..., 4)``, the inverse rotation of a unit quaternion."""
    return q * torch.tensor([1.0, -1.0, -1.0, -1.0], dtype=q.dtype, device=q.device)


def slerp(q0: torch.Tensor, q1: torch.Tensor, t: torch.Tensor | float) -> torch.Tensor:
    """Spherically interpolate unit quaternions ``(..., 4)`` along the shorter arc.

    Args:
        q0: Start rotations (``t = 0``).
        q1: End rotations (``t = 1``), broadcastable with ``q0``.
        t: Fractions, broadcastable with ``q0[..., 0]``.

    Returns:
        Unit quaternions ``(..., 4)`` rotating at constant angular speed from ``q0`` to ``q1``.
    """
    t = torch.as_tensor(t, dtype=q0.dtype, device=q0.device)[..., None]
    dot = (q0 * q1).sum(-1, keepdim=True)
    q1 = torch.where(dot < 0, -q1, q1)  # shorter arc
    dot = dot.abs().clamp(max=1.0)
    theta = torch.acos(dot)
    sin_theta = torch.sin(theta)
    near = sin_theta < 1e-4  # nearly equal rotations: the linear blend is exact to first order
    safe_sin = torch.where(near, torch.ones_like(sin_theta), sin_theta)
    w0 = torch.where(near, 1.0 - t, torch.sin((1.0 - t) * theta) / safe_sin)
    w1 = torch.where(near, t, torch.sin(t * theta) / safe_sin)
    return F.normalize(w0 * q0 + w1 * q1, dim=-1)


__all__ = [
    "axis_angle_to_matrix", "axis_angle_to_quaternion", "axis_angle_to_rot6d", "matrix_to_axis_angle",
    "matrix_to_quaternion", "matrix_to_rot6d", "quaternion_conjugate", "quaternion_multiply",
    "quaternion_to_axis_angle", "quaternion_to_matrix", "rot6d_to_axis_angle", "rot6d_to_matrix", "slerp",
]
