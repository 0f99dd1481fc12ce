"""Canonical motion features for the motion tokenizer: SMPL-X ``(B, T, 79)`` <-> ``(B, T, F)`` and back.

Tokens must not depend on where the person stands or which way they face at the start, and every data
source has its own world "up" (AMASS is Z-up, SMPL-X fits and GVHMR are Y-up, camera frames are -Y-up).
So each sequence is first moved by one rigid transform ``G`` (per sequence) into a *canonical frame*:

- ``+Y`` is up. ``up_axis="auto"`` picks, per sequence, the signed world axis closest to the mean
  direction of the body's own ``+Y`` axis (the SMPL-X template stands along ``+Y``); or name it ("z").
- The first frame faces ``+Z``: the heading (yaw of the body's ``+Z`` axis about the up axis) of
  frame 0 is rotated away.
- The root starts above the origin: translation is shifted so frame 0 has zero horizontal position.

SMPL-X rotates the body about its rest pelvis ``p`` (``joints = R (J - p) + p + transl``), so rotating the
world by ``G`` gives ``global_orient' = G @ global_orient`` and ``transl' = G (transl + p) - p - shift``.
``p`` depends a little on betas; we use the mean-shape pelvis ``PELVIS_REST`` for every body, so canonical
joints are exactly ``G @ joints`` for mean-shape bodies and ``G @ joints`` plus one constant offset of a
few millimetres otherwise: always a rigid motion of the whole sequence, so joint errors are unaffected,
and the height channel means the same for Z-up and Y-up sources.

Per frame the features are (``r`` = 6 for the 6D rotation representation, 3 for axis-angle):

=========  ============  ==========================================================================
group      channels      content
=========  ============  ==========================================================================
pose       21 * r        body joint rotations (local, unchanged by canonicalisation)
betas      10            shape
orient     r             canonical global orientation (relative to the first frame's heading)
transl     3             horizontal root velocity ``(dx, dz)`` in metres/frame in the canonical
                         (first-frame heading) frame, 0 at frame 0; then the height ``y``
=========  ============  ==========================================================================

Decoding integrates the velocity (cumulative sum) back to positions, so the decoded motion is the
*canonical* motion; ``to_world`` puts it back where a reference first frame was. Orientation is stored
directly (not as a yaw rate) so heading errors do not accumulate over time.

Per-channel mean/std of the features are buffers (saved in checkpoints); ``fit`` computes them from data.
"""

from __future__ import annotations

from collections.abc import Iterable

import torch
from torch import nn

from unimo.body.motion import BETAS_SLICE, NUM_CHANNELS, ORIENT_SLICE, POSE_SLICE, TRANSL_SLICE
from unimo.body.rotations import (
    axis_angle_to_matrix,
    matrix_to_axis_angle,
    matrix_to_rot6d,
    rot6d_to_matrix,
)

UP_AXES = ("auto", "x", "y", "z", "-x", "-y", "-z")
# Rest-pose pelvis of the mean SMPL-X body (metres, template frame): SMPL-X rotates about this point.
PELVIS_REST = (0.0031, -0.3514, 0.0120)
# Proper rotations taking each signed world axis to +Y, in the order of _signed_axis_index.
_TO_Y_UP = torch.tensor([
    [[0, -1, 0], [1, 0, 0], [0, 0, 1]],   # +x -> +y (Rz +90)
    [[1, 0, 0], [0, 1, 0], [0, 0, 1]],    # +y
    [[1, 0, 0], [0, 0, 1], [0, -1, 0]],   # +z -> +y (Rx -90)
    [[0, 1, 0], [-1, 0, 0], [0, 0, 1]],   # -x -> +y (Rz -90)
    [[1, 0, 0], [0, -1, 0], [0, 0, -1]],  # -y -> +y (Rx 180)
    [[1, 0, 0], [0, 0, -1], [0, 1, 0]],   # -z -> +y (Rx +90)
], dtype=torch.float32)


def yaw_matrix(yaw: torch.Tensor) -> torch.Tensor:
    """Rotation ``(..., 3, 3)`` by ``yaw`` radians about ``+Y``; it maps ``+Z`` to ``(sin, 0, cos)``."""
    c, s = torch.cos(yaw), torch.sin(yaw)
    zero, one = torch.zeros_like(yaw), torch.ones_like(yaw)
    return torch.stack([c, zero, s, zero, one, zero, -s, zero, c], dim=-1).reshape(*yaw.shape, 3, 3)


class MotionFeatures(nn.Module):
    """Convert SMPL-X motion to normalised, canonical per-frame features and back.

    Args:
        rotation: ``"6d"`` (continuous, Zhou et al. 2019; default) or ``"axis_angle"`` for pose and
            orientation channels.
        up_axis: World up axis of the input data: ``"auto"`` (detected per sequence) or one of ``"x"``,
            ``"y"``, ``"z"``, ``"-x"``, ``"-y"``, ``"-z"``.
        min_std: Floor on the per-channel std of betas and root channels, so channels that are constant in
            the fitting data (e.g. zero betas) do not blow up unseen values.
        rotation_min_std: The same floor for rotation channels. Larger, because a synthetic or single-source
            training set can leave a rotation channel nearly constant (a hinge elbow never twists) while
            real data moves it by tenths of a radian; at 0.1 such a channel sees ~5 sigma, not ~50.
    """

    def __init__(self, rotation: str = "6d", up_axis: str = "auto", min_std: float = 1e-2,
                 rotation_min_std: float = 0.1) -> None:
        super().__init__()
        if rotation not in ("6d", "axis_angle"):
            raise ValueError(f"MotionFeatures.rotation: expected '6d' or 'axis_angle', got {rotation!r}")
        if up_axis not in UP_AXES:
            raise ValueError(f"MotionFeatures.up_axis: expected one of {UP_AXES}, got {up_axis!r}")
        self.rotation, self.up_axis = rotation, up_axis
        self.rot_dim = 6 if rotation == "6d" else 3
        sizes = {"pose": 21 * self.rot_dim, "betas": 10, "orient": self.rot_dim, "transl": 3}
        self.groups: dict[str, slice] = {}
        start = 0
        for name, size in sizes.items():
            self.groups[name] = slice(start, start + size)
            start += size
        self.num_features = start
        floor = torch.full((start,), float(min_std))
        for name in ("pose", "orient"):
            floor[self.groups[name]] = rotation_min_std
        self.register_buffer("std_floor", floor, persistent=False)  # (F,)
        # Constants as buffers, so they follow .to(device) and no step copies them host -> GPU (a sync).
        self.register_buffer("to_y_up", _TO_Y_UP.clone(), persistent=False)  # (6, 3, 3)
        self.register_buffer("pelvis", torch.tensor(PELVIS_REST), persistent=False)  # (3,)
        self.register_buffer("mean", torch.zeros(start))
        self.register_buffer("std", torch.ones(start))
        self.register_buffer("fitted", torch.tensor(False))

    # ------------------------------------------------------------------ canonical frame
    def canonical_transform(self, motion: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Return ``G`` ``(B, 3, 3)`` and the shift ``(B, 3)`` that canonicalise ``motion`` ``(B, T, 79)``."""
        _check_motion(motion)
        rot = axis_angle_to_matrix(motion[..., ORIENT_SLICE])  # (B, T, 3, 3)
        up = self.to_y_up.to(motion.dtype)[self._up_index(rot)]  # (B, 3, 3)
        forward = up @ rot[:, 0, :, 2:3]  # (B, 3, 1): body +Z of frame 0, y-up world
        yaw = torch.atan2(forward[:, 0, 0], forward[:, 2, 0])  # (B,)
        g = yaw_matrix(-yaw) @ up  # (B, 3, 3)
        pelvis = self.pelvis.to(motion.dtype)
        start = (g @ (motion[:, 0, TRANSL_SLICE] + pelvis)[..., None])[..., 0] - pelvis  # (B, 3)
        shift = torch.stack([start[:, 0], torch.zeros_like(start[:, 1]), start[:, 2]], dim=-1)  # horizontal
        return g, shift

    def _up_index(self, rot: torch.Tensor) -> torch.Tensor:
        """Index into ``_TO_Y_UP`` of the world up axis, ``(B,)``."""
        if self.up_axis != "auto":
            idx = "xyz".index(self.up_axis[-1]) + (3 if self.up_axis.startswith("-") else 0)
            return torch.full(rot.shape[:1], idx, dtype=torch.long, device=rot.device)
        body_up = rot[..., :, 1].mean(dim=1)  # (B, 3): mean body +Y axis in world coordinates
        axis = body_up.abs().argmax(dim=-1)  # (B,)
        negative = body_up.gather(-1, axis[:, None])[:, 0] < 0
        return axis + 3 * negative.long()

    def canonicalize(self, motion: torch.Tensor) -> torch.Tensor:
        """Return ``motion`` ``(B, T, 79)`` moved into the canonical frame (see the module docstring)."""
        g, shift = self.canonical_transform(motion)
        return self._apply_rigid(motion, g, shift)

    def to_world(self, canonical: torch.Tensor, first_frame: torch.Tensor) -> torch.Tensor:
        """Undo ``canonicalize``: put canonical motion ``(B, T, 79)`` where ``first_frame`` ``(B, 79)`` was.

        ``first_frame`` is frame 0 of the original (world-frame) motion; it fixes ``G`` and the shift.
        """
        g, shift = self.canonical_transform(first_frame[:, None])
        g_inv = g.transpose(-1, -2)  # (B, 3, 3): rotations invert by transposing
        return self._apply_rigid(canonical, g_inv, -(g_inv @ shift[..., None])[..., 0])

    def _apply_rigid(self, motion: torch.Tensor, g: torch.Tensor, shift: torch.Tensor) -> torch.Tensor:
        """Rotate the world of ``motion`` ``(B, T, 79)`` by ``g`` ``(B, 3, 3)``, then move it by -shift."""
        pelvis = self.pelvis.to(motion.dtype)
        rot = g[:, None] @ axis_angle_to_matrix(motion[..., ORIENT_SLICE])  # (B, T, 3, 3)
        moved = (g[:, None] @ (motion[..., TRANSL_SLICE] + pelvis)[..., None])[..., 0]  # (B, T, 3): pelvis
        transl = moved - pelvis - shift[:, None]
        parts = [motion[..., POSE_SLICE], motion[..., BETAS_SLICE], matrix_to_axis_angle(rot), transl]
        return torch.cat(parts, dim=-1)

    # ------------------------------------------------------------------ features
    def to_features(self, motion: torch.Tensor) -> torch.Tensor:
        """Return raw (un-normalised) canonical features ``(B, T, F)`` of world motion ``(B, T, 79)``."""
        canon = self.canonicalize(motion)
        transl = canon[..., TRANSL_SLICE]  # (B, T, 3)
        velocity = torch.diff(transl[..., [0, 2]], dim=1, prepend=transl[:, :1, [0, 2]])  # (B, T, 2)
        parts = [
            self._encode_rotations(canon[..., POSE_SLICE]),
            canon[..., BETAS_SLICE],
            self._encode_rotations(canon[..., ORIENT_SLICE]),
            velocity,
            transl[..., 1:2],
        ]
        return torch.cat(parts, dim=-1)

    def from_features(self, features: torch.Tensor) -> torch.Tensor:
        """Return canonical motion ``(B, T, 79)`` from raw features ``(B, T, F)``, integrating velocity."""
        if features.shape[-1] != self.num_features:
            raise ValueError(f"MotionFeatures: expected {self.num_features} feature channels, "
                             f"got {tuple(features.shape)}")
        g = self.groups
        root = features[..., g["transl"]]  # (B, T, 3): dx, dz, height
        horizontal = torch.cumsum(root[..., :2], dim=1)  # (B, T, 2)
        transl = torch.stack([horizontal[..., 0], root[..., 2], horizontal[..., 1]], dim=-1)
        parts = [
            self._decode_rotations(features[..., g["pose"]]),
            features[..., g["betas"]],
            self._decode_rotations(features[..., g["orient"]]),
            transl,
        ]
        return torch.cat(parts, dim=-1)

    def _encode_rotations(self, axis_angle: torch.Tensor) -> torch.Tensor:
        """Axis-angle ``(..., 3k)`` -> ``(..., r*k)`` in the configured representation."""
        if self.rotation == "axis_angle":
            return axis_angle
        rot = axis_angle_to_matrix(axis_angle.unflatten(-1, (-1, 3)))  # (..., k, 3, 3)
        return matrix_to_rot6d(rot).flatten(-2)

    def _decode_rotations(self, features: torch.Tensor) -> torch.Tensor:
        """``(..., r*k)`` in the configured representation -> axis-angle ``(..., 3k)``."""
        if self.rotation == "axis_angle":
            return features
        rot = rot6d_to_matrix(features.unflatten(-1, (-1, 6)))  # (..., k, 3, 3)
        return matrix_to_axis_angle(rot).flatten(-2)

    # ------------------------------------------------------------------ normalisation
    def normalize(self, features: torch.Tensor) -> torch.Tensor:
        """Standardise raw features ``(..., F)`` with the stored statistics."""
        return (features - self.mean) / self.std

    def denormalize(self, features: torch.Tensor) -> torch.Tensor:
        """Invert ``normalize``."""
        return features * self.std + self.mean

    @torch.no_grad()
    def fit(self, motions: Iterable[torch.Tensor]) -> None:
        """Set mean/std from batches of world motion ``(B, T, 79)`` (float64 running sums)."""
        total = torch.zeros(self.num_features, dtype=torch.float64)
        total_sq = torch.zeros_like(total)
        count = 0
        for motion in motions:
            feats = self.to_features(motion.float().to(self.mean.device)).double().flatten(0, 1).cpu()
            total += feats.sum(0)
            total_sq += (feats * feats).sum(0)
            count += feats.shape[0]
        if count < 2:
            raise ValueError("MotionFeatures.fit: need at least 2 frames of motion to compute statistics")
        mean = total / count
        var = (total_sq / count - mean * mean).clamp_min(0.0)
        self.set_statistics(mean.float(), var.sqrt().float())

    def set_statistics(self, mean: torch.Tensor, std: torch.Tensor) -> None:
        """Store per-channel statistics ``(F,)``; ``std`` is floored (``min_std``, ``rotation_min_std``)."""
        if mean.shape != self.mean.shape or std.shape != self.std.shape:
            raise ValueError(f"MotionFeatures.set_statistics: expected ({self.num_features},) tensors, "
                             f"got {tuple(mean.shape)} and {tuple(std.shape)}")
        self.mean.copy_(mean)
        self.std.copy_(torch.maximum(std.to(self.std), self.std_floor))
        self.fitted.fill_(True)


def _check_motion(motion: torch.Tensor) -> None:
    if motion.ndim != 3 or motion.shape[-1] != NUM_CHANNELS:
        raise ValueError(f"expected motion of shape (B, T, {NUM_CHANNELS}), got {tuple(motion.shape)}")
