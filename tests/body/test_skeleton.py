"""Forward kinematics: levels, a hand-computed two-bone chain, and gradients."""

from __future__ import annotations

import math

import pytest
import torch

from unimo.body.rotations import axis_angle_to_matrix
from unimo.body.skeleton import SMPLX_BODY_PARENTS, forward_kinematics, kinematic_levels


def test_levels_cover_every_joint_once_in_dependency_order() -> None:
    levels = kinematic_levels(SMPLX_BODY_PARENTS)
    seen = {0}
    for joints, parents in levels:
        assert all(p in seen for p in parents)
        seen.update(joints)
    # Deepest chain: pelvis -> spine1 -> spine2 -> spine3 -> collar -> shoulder -> elbow -> wrist.
    assert seen == set(range(22)) and len(levels) == 7
    with pytest.raises(ValueError, match="parent"):
        kinematic_levels((-1, 2, 0))


def test_two_bone_chain_by_hand() -> None:
    # Root at (0, 0, 0), joint 1 one metre along +x, joint 2 one metre further along +x.
    rest = torch.tensor([[0.0, 0, 0], [1.0, 0, 0], [2.0, 0, 0]], dtype=torch.float64)
    quarter = [0.0, 0, math.pi / 2]
    local = axis_angle_to_matrix(torch.tensor([[quarter, quarter, [0.0, 0, 0]]], dtype=torch.float64))
    transl = torch.tensor([[0.0, 0, 5.0]], dtype=torch.float64)
    rot, pos = forward_kinematics(local, rest, (-1, 0, 1), transl)
    # Root turns +x to +y; joint 1 turns a further quarter: the second bone points along -x.
    expected = torch.tensor([[0.0, 0, 5], [0.0, 1, 5], [-1.0, 1, 5]], dtype=torch.float64)
    torch.testing.assert_close(pos[0], expected)
    half_turn = axis_angle_to_matrix(torch.tensor([0.0, 0, math.pi], dtype=torch.float64))
    torch.testing.assert_close(rot[0, 2], half_turn)


def test_forward_kinematics_gradcheck() -> None:
    parents = (-1, 0, 0, 1, 3)
    axis_angle = (0.5 * torch.randn(2, 5, 3, dtype=torch.float64)).requires_grad_(True)
    rest = torch.randn(2, 5, 3, dtype=torch.float64, requires_grad=True)
    transl = torch.randn(2, 3, dtype=torch.float64, requires_grad=True)

    def positions(aa: torch.Tensor, r: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
        return forward_kinematics(axis_angle_to_matrix(aa), r, parents, t)[1]

    assert torch.autograd.gradcheck(positions, (axis_angle, rest, transl))
