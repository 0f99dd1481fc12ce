"""rotate_world moves every joint by the rotation, pelvis offset included."""

from __future__ import annotations

import pytest
import torch

from unimo.body.models import MannequinBodyModel
from unimo.body.motion import Motion
from unimo.body.transforms import Z_UP_TO_Y_UP, rotate_world


def test_rotated_world_rotates_every_joint() -> None:
    g = torch.Generator().manual_seed(0)
    motion = Motion(global_orient=torch.randn(5, 3, generator=g),
                    body_pose=0.4 * torch.randn(5, 63, generator=g), betas=torch.randn(10, generator=g),
                    transl=torch.randn(5, 3, generator=g), fps=30.0)
    body = MannequinBodyModel()
    turned = rotate_world(motion, Z_UP_TO_Y_UP, body)
    expected = body.joints(motion.to_tensor()) @ Z_UP_TO_Y_UP.T  # (T, 22, 3)
    torch.testing.assert_close(body.joints(turned.to_tensor()), expected, atol=1e-5, rtol=0)
    # A point on +z (up in AMASS) ends on +y (up in SMPL-X).
    torch.testing.assert_close(Z_UP_TO_Y_UP @ torch.tensor([0.0, 0.0, 1.0]), torch.tensor([0.0, 1.0, 0.0]))


def test_rejects_non_rotations() -> None:
    motion = Motion(torch.zeros(1, 3), torch.zeros(1, 63), torch.zeros(10), torch.zeros(1, 3), 30.0)
    with pytest.raises(ValueError, match="rotation matrix"):
        rotate_world(motion, torch.diag(torch.tensor([1.0, 1.0, -1.0])))
