"""Training-time augmentation of SMPL-X motion for tokenizers trained on narrow (e.g. synthetic) data.

A tokenizer only reconstructs what it has seen. Procedural motion uses idealised joints (a hinge elbow
never twists, wrists stay in a few planes), so real mocap lands far outside the training distribution
in some rotation channels (and mocap pelvises tilt where procedural ones stay upright). ``perturb_pose``
widens the distribution: every clip gets a random, constant rotation offset per joint, the root (global
orientation) included (a different "posture" or joint convention), plus optionally a slow random drift
and a random oscillation (``wiggle_deg``): procedural joints rest still for long stretches where mocap joints
never stop moving (median joint speeds 5-10x the generator's, benchmarks/results/motion_stats.md); at 5
degrees it made a motion tokenizer worse on synthetic and real clips alike (motion_tokenizer_cpu_speed.md).
The tokenizer is still trained to reproduce its (augmented) input exactly.
"""

from __future__ import annotations

import math

import torch

from unimo.body.motion import ORIENT_SLICE, POSE_SLICE
from unimo.body.rotations import axis_angle_to_matrix, matrix_to_axis_angle


def perturb_pose(motion: torch.Tensor, std_deg: float, drift_deg: float = 0.0,
                 generator: torch.Generator | None = None, wiggle_deg: float = 0.0,
                 wiggle_cycles: tuple[float, float] = (0.5, 4.0)) -> torch.Tensor:
    """Return ``motion`` ``(B, T, 79)`` with the root and each body joint rotated by a random offset.

    Args:
        motion: SMPL-X motion channels.
        std_deg: Standard deviation (degrees) of each axis-angle component of the constant offset.
        drift_deg: Amplitude (degrees) of an extra offset that varies linearly over the clip.
        generator: Random generator on ``motion``'s device (None: the global one).
        wiggle_deg: Amplitude (degrees) of a sinusoidal offset per joint and axis, random phase.
        wiggle_cycles: Range of its frequency, in cycles per clip (uniform).
    """
    if std_deg <= 0 and drift_deg <= 0 and wiggle_deg <= 0:
        return motion
    b, t, _ = motion.shape
    opts = {"device": motion.device, "dtype": motion.dtype, "generator": generator}
    offset = torch.randn(b, 1, 22, 3, **opts) * math.radians(std_deg)  # (B, 1, 22, 3): root + 21 joints
    if drift_deg > 0:
        ramp = torch.linspace(-1, 1, t, device=motion.device, dtype=motion.dtype)[None, :, None, None]
        offset = offset + ramp * torch.randn(b, 1, 22, 3, **opts) * math.radians(drift_deg)  # (B, T, 22, 3)
    if wiggle_deg > 0:
        low, high = wiggle_cycles
        cycles = low + (high - low) * torch.rand(b, 1, 22, 3, **opts)
        phase = 2 * math.pi * torch.rand(b, 1, 22, 3, **opts)
        time = torch.arange(t, device=motion.device, dtype=motion.dtype)[None, :, None, None] / t
        offset = offset + math.radians(wiggle_deg) * torch.sin(2 * math.pi * cycles * time + phase)
    joints = torch.cat([motion[..., None, ORIENT_SLICE], motion[..., POSE_SLICE].unflatten(-1, (21, 3))], -2)
    rot = axis_angle_to_matrix(joints) @ axis_angle_to_matrix(offset)  # (B, T, 22, 3, 3), in the joint frame
    aa = matrix_to_axis_angle(rot)  # (B, T, 22, 3)
    out = motion.clone()
    out[..., ORIENT_SLICE] = aa[..., 0, :]
    out[..., POSE_SLICE] = aa[..., 1:, :].flatten(-2)
    return out
