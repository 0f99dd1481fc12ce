"""Pose augmentation: random per-clip joint and root offsets of the requested size; shape and translation
untouched."""

from __future__ import annotations

import torch

from unimo.body.rotations import axis_angle_to_matrix
from unimo.tokenizers.motion_augment import perturb_pose


def joint_angles_deg(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """Angle (degrees) between the root + body-joint rotations of two motions: ``(B, T, 22)``."""

    def rotations(m: torch.Tensor) -> torch.Tensor:
        aa = torch.cat([m[..., None, 73:76], m[..., :63].unflatten(-1, (21, 3))], dim=-2)  # (B, T, 22, 3)
        return axis_angle_to_matrix(aa)

    rel = rotations(a).transpose(-1, -2) @ rotations(b)  # (B, T, 22, 3, 3)
    return torch.rad2deg(torch.acos(((rel.diagonal(dim1=-2, dim2=-1).sum(-1) - 1) / 2).clamp(-1, 1)))


def test_constant_offsets_of_the_requested_size() -> None:
    motion = 0.3 * torch.randn(64, 8, 79)
    out = perturb_pose(motion, std_deg=10.0, generator=torch.Generator().manual_seed(0))
    assert torch.equal(out[..., 63:73], motion[..., 63:73]) and torch.equal(out[..., 76:], motion[..., 76:])
    angle = joint_angles_deg(motion, out)
    assert (angle - angle[:, :1]).abs().max() < 0.1  # one offset per clip and joint
    # The norm of a 3D Gaussian with sigma 10 degrees has mean 10 * sqrt(8 / pi) ~ 16 degrees.
    assert 14.0 < angle.mean().item() < 18.0
    assert perturb_pose(motion, std_deg=0.0) is motion


def test_drift_changes_the_offset_over_time() -> None:
    motion = torch.zeros(16, 11, 79)
    out = perturb_pose(motion, std_deg=0.0, drift_deg=20.0, generator=torch.Generator().manual_seed(1))
    angle = joint_angles_deg(motion, out)  # (B, T, 21)
    assert angle[:, 5].max() < 0.1  # the ramp passes through zero mid-clip
    assert angle[:, 0].mean() > 15.0 and angle[:, -1].mean() > 15.0


def test_wiggle_oscillates_within_its_amplitude() -> None:
    motion = torch.zeros(32, 40, 79)
    out = perturb_pose(motion, std_deg=0.0, wiggle_deg=10.0, generator=torch.Generator().manual_seed(2))
    angle = joint_angles_deg(motion, out)  # (B, T, 21)
    assert angle.max() <= 10.0 * 3 ** 0.5 + 1e-3  # three axes, each at most 10 degrees
    assert angle.std(dim=1).mean() > 2.0  # it moves within every clip, unlike the constant offset
    assert torch.equal(out[..., 63:73], motion[..., 63:73]) and torch.equal(out[..., 76:], motion[..., 76:])
