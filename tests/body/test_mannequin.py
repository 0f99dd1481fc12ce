"""The torch mannequin body equals mannequin-x's own numpy output, for random poses, shapes, roots."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from mannequin import Mannequin

from unimo.body.models import MannequinBodyModel, default_body_model


def _random_motion(num_frames: int, seed: int, constant_betas: bool = True) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed)
    x = torch.zeros(num_frames, 79)
    x[:, :63] = 0.6 * torch.randn(num_frames, 63, generator=g)
    betas = 1.5 * torch.randn(10, generator=g)
    x[:, 63:73] = betas if constant_betas else 1.5 * torch.randn(num_frames, 10, generator=g)
    x[:, 73:76] = 2.0 * torch.randn(num_frames, 3, generator=g)
    x[:, 76:79] = torch.randn(num_frames, 3, generator=g)
    return x


def _reference_pose(x: torch.Tensor) -> dict[str, np.ndarray]:
    t = x.shape[0]
    return {
        "body_pose": x[:, :63].reshape(t, 21, 3).numpy(),
        "hand_pose": np.zeros((t, 30, 3), np.float32),
        "head_pose": np.zeros((t, 3, 3), np.float32),
        # SMPL-X global_orient turns the body about the pelvis: mannequin's pelvis_rotation.
        "pelvis_rotation": x[:, 73:76].numpy(),
        "global_translation": x[:, 76:79].numpy(),
        "shape": x[:, 63:73].numpy(),
    }


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_joints_match_mannequin_joint_transforms(seed: int) -> None:
    x = _random_motion(16, seed)
    ours = MannequinBodyModel().joints(x)
    reference = Mannequin(shape=x[0, 63:73].numpy()).joint_transforms(_reference_pose(x))[:, :22, :3, 3]
    assert ours.shape == (16, 22, 3)
    assert np.abs(ours.numpy() - reference).max() < 1e-4


def test_per_frame_betas_match_reference_frame_by_frame() -> None:
    x = _random_motion(3, seed=5, constant_betas=False)
    ours = MannequinBodyModel().joints(x)
    for t in range(3):
        model = Mannequin(shape=x[t, 63:73].numpy())
        ref = model.joint_transforms(_reference_pose(x[t : t + 1]))[0, :22, :3, 3]
        assert np.abs(ours[t].numpy() - ref).max() < 1e-4


def test_vertices_match_mannequin_skinning() -> None:
    x = _random_motion(2, seed=3)
    body = MannequinBodyModel()
    ours = body.vertices(x)
    reference = Mannequin(shape=x[0, 63:73].numpy()).vertices(_reference_pose(x))
    assert ours.shape == reference.shape == (2, 24256, 3)
    assert np.abs(ours.numpy() - reference).max() < 1e-4
    faces = body.faces
    assert faces.dtype == torch.int64 and faces.shape == (48396, 3) and int(faces.max()) == 24255


def test_rest_pose_is_smplx_like_and_translation_moves_every_joint() -> None:
    body = MannequinBodyModel()
    rest = body.joints(torch.zeros(1, 79))[0]
    # SMPL-X neutral: pelvis ~(0, -0.35, 0.01), head above neck above pelvis, left hip at +x.
    np.testing.assert_allclose(rest[0].numpy(), [0.003, -0.351, 0.012], atol=5e-3)
    assert rest[15, 1] > rest[12, 1] > rest[0, 1] and rest[1, 0] > 0 > rest[2, 0]
    shifted = torch.zeros(1, 79)
    shifted[0, 76:79] = torch.tensor([1.0, 2.0, 3.0])
    moved = (body.joints(shifted)[0] - rest).numpy()
    np.testing.assert_allclose(moved, np.tile([1.0, 2.0, 3.0], (22, 1)), atol=1e-6)


def test_global_orient_rotates_about_the_pelvis() -> None:
    body = MannequinBodyModel()
    x = torch.zeros(1, 79)
    x[0, 73:76] = torch.tensor([0.0, np.pi / 2, 0.0])  # quarter turn about +y
    rest, turned = body.joints(torch.zeros(1, 79))[0], body.joints(x)[0]
    np.testing.assert_allclose(turned[0].numpy(), rest[0].numpy(), atol=1e-6)
    rel_rest, rel_turned = rest - rest[0], turned - turned[0]
    expected = torch.stack([rel_rest[:, 2], rel_rest[:, 1], -rel_rest[:, 0]], dim=-1)
    np.testing.assert_allclose(rel_turned.numpy(), expected.numpy(), atol=1e-6)


def test_leading_dims_gradients_and_api() -> None:
    body = default_body_model()
    assert isinstance(body, MannequinBodyModel)
    assert body.num_joints == 22 == len(body.joint_names) == len(body.parents)
    assert body.parents[0] == -1 and body.joint_names[0] == "pelvis" and body.joint_names[21] == "right_wrist"
    x = _random_motion(12, seed=4).reshape(3, 4, 79).requires_grad_(True)
    joints = body(x)
    assert joints.shape == (3, 4, 22, 3)
    single = body.joints(x[1, 2:3])[0].detach()
    np.testing.assert_allclose(joints[1, 2].detach().numpy(), single.numpy(), atol=1e-6)
    joints.square().sum().backward()
    assert torch.isfinite(x.grad).all() and x.grad[..., 63:73].abs().sum() > 0  # betas get gradients too
    assert body.state_dict() == {}  # constants are not checkpointed


def test_float64_input_keeps_dtype_and_bad_channels_fail() -> None:
    body = MannequinBodyModel()
    assert body.joints(torch.zeros(2, 79, dtype=torch.float64)).dtype == torch.float64
    with pytest.raises(ValueError, match="79"):
        body.joints(torch.zeros(2, 78))
