"""Pose augmentation: random per-clip joint offsets of the requested size, nothing else touched."""

from __future__ import annotations

import torch

from unimo.body.rotations import axis_angle_to_matrix
from unimo.tokenizers.motion_augment import perturb_pose


def joint_angles_deg(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """Angle (degrees) between the body-joint rotations of two motions: ``(B, T, 21)``."""
    rel = axis_angle_to_matrix(a[..., :63].unflatten(-1, (21, 3))).transpose(-1, -2) @ \
        axis_angle_to_matrix(b[..., :63].unflatten(-1, (21, 3)))  # (B, T, 21, 3, 3)
    return torch.rad2deg(torch.acos(((rel.diagonal(dim1=-2, dim2=-1).sum(-1) - 1) / 2).clamp(-1, 1)))


def test_constant_offsets_of_the_requested_size() -> None:
    motion = 0.3 * torch.randn(64, 8, 79)
    out = perturb_pose(motion, std_deg=10.0, generator=torch.Generator().manual_seed(0))
    assert torch.equal(out[..., 63:], motion[..., 63:])  # shape, orientation, translation untouched
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
