"""Canonical motion features: invariance to where/which way/which-up, exact round trips, statistics."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from motion_samples import smooth_motion

from unimo.body.rotations import axis_angle_to_matrix, matrix_to_axis_angle
from unimo.tokenizers.motion_features import PELVIS_REST, MotionFeatures


def rigid(motion: torch.Tensor, rot: torch.Tensor, shift: torch.Tensor) -> torch.Tensor:
    """Rotate the world of SMPL-X motion by ``rot`` (3, 3), then shift it by ``shift`` (3,).

    SMPL-X rotates the body about its rest pelvis ``p``, so the translation becomes ``rot (t + p) - p``.
    """
    pelvis = torch.tensor(PELVIS_REST)
    out = motion.clone()
    out[..., 73:76] = matrix_to_axis_angle(rot @ axis_angle_to_matrix(motion[..., 73:76]))
    out[..., 76:79] = (motion[..., 76:79] + pelvis) @ rot.T - pelvis + shift
    return out


Y_UP_TO_Z_UP = torch.tensor([[1.0, 0, 0], [0, 0, -1], [0, 1, 0]])  # Rx(+90): +Y -> +Z


@pytest.mark.parametrize("rotation", ["6d", "axis_angle"])
def test_features_invariant_to_world_heading_and_position(rotation: str) -> None:
    feats = MotionFeatures(rotation=rotation)
    motion = smooth_motion(3, 20)
    yaw = axis_angle_to_matrix(torch.tensor([0.0, 2.0, 0.0]))
    moved = rigid(motion, yaw, torch.tensor([5.0, 0.0, -3.0]))
    torch.testing.assert_close(feats.to_features(moved), feats.to_features(motion), atol=2e-4, rtol=0)


@pytest.mark.parametrize("up_axis", ["auto", "z"])
def test_z_up_data_gives_the_same_features(up_axis: str) -> None:
    motion = smooth_motion(2, 12)
    z_up = rigid(motion, Y_UP_TO_Z_UP, torch.zeros(3))
    ref = MotionFeatures(up_axis="y").to_features(motion)
    torch.testing.assert_close(MotionFeatures(up_axis=up_axis).to_features(z_up), ref, atol=2e-4, rtol=0)


@pytest.mark.parametrize("rotation", ["6d", "axis_angle"])
def test_features_round_trip_to_canonical_motion(rotation: str) -> None:
    feats = MotionFeatures(rotation=rotation)
    motion = smooth_motion(2, 25)
    canonical = feats.canonicalize(motion)
    back = feats.from_features(feats.to_features(motion))
    # Axis-angle is not unique; compare rotations as matrices.
    for part in (slice(0, 63), slice(73, 76)):
        as_matrix = [axis_angle_to_matrix(m[..., part].unflatten(-1, (-1, 3))) for m in (back, canonical)]
        torch.testing.assert_close(*as_matrix, atol=1e-4, rtol=0)
    torch.testing.assert_close(back[..., 63:73], canonical[..., 63:73])
    torch.testing.assert_close(back[..., 76:], canonical[..., 76:], atol=1e-4, rtol=0)
    # Canonical frame: starts at the origin horizontally, first frame faces +Z.
    assert canonical[:, 0, [76, 78]].abs().max() < 1e-5
    forward = axis_angle_to_matrix(canonical[:, 0, 73:76])[..., :, 2]  # (B, 3)
    assert forward[:, 0].abs().max() < 1e-5 and (forward[:, 2] > 0).all()


def test_to_world_inverts_canonicalize() -> None:
    feats = MotionFeatures()
    motion = smooth_motion(2, 10)
    back = feats.to_world(feats.canonicalize(motion), motion[:, 0])
    as_matrix = [axis_angle_to_matrix(m[..., 73:76]) for m in (back, motion)]
    torch.testing.assert_close(*as_matrix, atol=1e-5, rtol=0)
    torch.testing.assert_close(back[..., 76:], motion[..., 76:], atol=1e-5, rtol=0)


def test_canonical_joints_are_a_rigid_copy_of_world_joints() -> None:
    from unimo.body.models import default_body_model

    body = default_body_model()
    motion = rigid(smooth_motion(1, 15), Y_UP_TO_Z_UP, torch.tensor([1.0, 2.0, 3.0]))
    feats = MotionFeatures()
    g, _ = feats.canonical_transform(motion)
    world, canon = body.joints(motion)[0], body.joints(feats.canonicalize(motion))[0]  # (T, J, 3)
    offset = canon - world @ g[0].T  # (T, J, 3): must be one constant vector
    assert (offset - offset[:1, :1]).abs().max() < 1e-4


def test_canonical_joints_do_not_depend_on_the_source_up_axis() -> None:
    from unimo.body.models import default_body_model

    body = default_body_model()
    motion = smooth_motion(2, 10)
    motion[..., 63:73] = 0.0  # mean shape: the rest pelvis is exactly PELVIS_REST
    z_up = rigid(motion, Y_UP_TO_Z_UP, torch.zeros(3))
    feats = MotionFeatures()
    a, b = body.joints(feats.canonicalize(motion)), body.joints(feats.canonicalize(z_up))  # (B, T, J, 3)
    torch.testing.assert_close(a, b, atol=1e-4, rtol=0)
    # Height feature = pelvis height above the source's ground, whatever the source's up axis.
    pelvis_height = body.joints(motion)[..., 0, 1]  # (B, T)
    torch.testing.assert_close(feats.to_features(z_up)[..., -1] - 0.3514, pelvis_height, atol=1e-4, rtol=0)


def test_fit_standardises_and_floors_constant_channels() -> None:
    feats = MotionFeatures(min_std=0.05, rotation_min_std=0.05)
    motion = smooth_motion(8, 30)
    motion[..., 63] = 0.0  # a constant channel (first beta)
    feats.fit([motion[:4], motion[4:]])
    normed = feats.normalize(feats.to_features(motion)).flatten(0, 1)  # (B*T, F)
    assert bool(feats.fitted)
    torch.testing.assert_close(normed.mean(0), torch.zeros(feats.num_features), atol=1e-4, rtol=0)
    varying = feats.std > 0.05
    ones = torch.ones(int(varying.sum()))
    torch.testing.assert_close(normed.std(0, unbiased=False)[varying], ones, atol=1e-3, rtol=0)
    assert feats.std[feats.groups["betas"].start] == pytest.approx(0.05)
    raw = motion[..., :1].expand(-1, -1, feats.num_features)
    torch.testing.assert_close(feats.denormalize(feats.normalize(raw)), raw, atol=1e-5, rtol=0)


def test_bad_input_raises_clear_errors() -> None:
    with pytest.raises(ValueError, match="rotation"):
        MotionFeatures(rotation="quat")
    with pytest.raises(ValueError, match="up_axis"):
        MotionFeatures(up_axis="w")
    with pytest.raises(ValueError, match=r"\(B, T, 79\)"):
        MotionFeatures().to_features(torch.zeros(2, 5, 78))


def test_rotation_channels_have_a_larger_std_floor() -> None:
    feats = MotionFeatures()  # defaults: 0.01 for betas/root, 0.1 for rotations
    motion = smooth_motion(4, 20)
    motion[..., 60:63] = 0.0  # body joint 20 (right wrist) never moves
    motion[..., 63:73] = 0.0  # and every body has the mean shape
    feats.fit([motion])
    wrist = feats.groups["pose"].start + 20 * 6
    assert feats.std[wrist: wrist + 6].min() == pytest.approx(0.1)
    assert feats.std[feats.groups["betas"]].max() == pytest.approx(0.01)


@pytest.mark.real_data
def test_real_mocap_round_trips_through_features(real_data_dir: Path) -> None:
    import warnings

    from unimo.body.models import default_body_model
    from unimo.data import load_motion

    body, feats = default_body_model(), MotionFeatures()
    files = sorted(real_data_dir.glob("*.npz"))
    assert files, f"no .npz motion in {real_data_dir}"
    for path in files:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # importer notes (betas conversion, assumed fps)
            motion = load_motion(path, target_fps=20.0).to_tensor()[None]  # (1, T, 79)
        canonical = feats.canonicalize(motion)
        back = feats.from_features(feats.to_features(motion))
        err_mm = 1000 * (body.joints(back) - body.joints(canonical)).norm(dim=-1).max()
        assert err_mm < 1.0, (path.name, float(err_mm))
        # Canonical frame: pelvis 0.8-1.2 m above the source's ground whatever its up axis (AMASS: Z).
        height = body.joints(canonical)[0, :, 0, 1]
        assert 0.7 < float(height.mean()) < 1.2, (path.name, float(height.mean()))
