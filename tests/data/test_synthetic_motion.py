"""The procedural motion generator: determinism, limits, smoothness, grounding, no foot sliding, variety."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from unimo.data.synthetic import KINDS, MotionConfig, generate_motion, generate_motion_with_plan
from unimo.data.synthetic.channels import (
    axis_angle_to_euler,
    channels_to_euler,
    euler_to_axis_angle,
    joint_limits_rad,
)
from unimo.render.body_mesh import JOINT_NAMES, BodyMesh
from unimo.render.scene import motion_arrays

FPS = 30.0


def _posed(motion):
    orient, pose, transl, betas = motion_arrays(motion)
    mesh = BodyMesh(betas)
    verts, joints = mesh.pose(orient, pose, transl)
    return mesh, verts, joints


@pytest.fixture(scope="module")
def motions() -> dict[str, list]:
    """Two 2-second motions of every kind (and two random plans), generated once for the module."""
    kinds = list(KINDS) + [None]
    return {str(k): [generate_motion(seed, 60, FPS, k) for seed in (0, 1)] for k in kinds}


def test_same_seed_same_motion_and_shapes() -> None:
    a, b = generate_motion(7, 25, 20.0), generate_motion(7, 25, 20.0)
    assert torch.equal(a.to_tensor(), b.to_tensor()) and a.fps == 20.0
    assert a.to_tensor().shape == (25, 79) and torch.isfinite(a.to_tensor()).all()
    assert not torch.equal(a.to_tensor(), generate_motion(8, 25, 20.0).to_tensor())
    assert a.betas.shape == (10,) and a.betas.abs().max() <= MotionConfig().betas_clip


def test_plan_follows_the_requested_kinds_and_rejects_unknown_ones() -> None:
    _, plan = generate_motion_with_plan(0, 90, FPS, "walk+jump+idle")
    assert [p["kind"] for p in plan] == ["walk", "jump", "idle"]
    assert plan[0]["start"] == 0 and plan[-1]["stop"] == 90
    with pytest.raises(ValueError, match="unknown kind"):
        generate_motion(0, 30, FPS, "moonwalk")
    kinds = {
        k for seed in range(12) for k in (p["kind"] for p in generate_motion_with_plan(seed, 150, FPS)[1])
    }
    assert len(kinds) >= 6  # random plans are varied


def test_channel_signs_match_the_documented_conventions() -> None:
    mesh = BodyMesh(np.zeros(10))
    names = {n: i for i, n in enumerate(JOINT_NAMES)}

    def joints(**channels: float) -> np.ndarray:
        euler = channels_to_euler({k: np.array([v]) for k, v in {"spine_flex": 0.0, **channels}.items()})
        pose = euler_to_axis_angle(euler).reshape(1, 63)
        return mesh.joints(np.zeros((1, 3)), pose, np.zeros((1, 3)))[0]

    rest = joints()
    assert joints(hip_flex_L=40)[names["L_Knee"], 2] > rest[names["L_Knee"], 2] + 0.1  # thigh forward (+z)
    assert joints(knee_L=60)[names["L_Ankle"], 2] < rest[names["L_Ankle"], 2] - 0.1  # shank backward
    assert joints(spine_flex=30)[names["Head"], 2] > rest[names["Head"], 2] + 0.1  # bend forward
    assert joints(sh_abd_L=80)[names["L_Wrist"], 1] > rest[names["L_Wrist"], 1] + 0.3  # raise the arm
    assert joints(sh_abd_R=80)[names["R_Wrist"], 1] > rest[names["R_Wrist"], 1] + 0.3  # mirrored side
    assert joints(elbow_L=90)[names["L_Wrist"], 2] > rest[names["L_Wrist"], 2] + 0.15  # forearm forward
    assert rest[names["L_Wrist"], 1] < rest[names["L_Shoulder"], 1] - 0.3  # arms hang down at zero


def test_joint_limits_hold_on_every_frame(motions: dict[str, list]) -> None:
    limits = joint_limits_rad()  # (21, 3, 2)
    extreme = channels_to_euler({"hip_flex_L": np.array([500.0]), "knee_R": np.array([-90.0])})
    assert (extreme >= limits[..., 0] - 1e-9).all() and (extreme <= limits[..., 1] + 1e-9).all()
    for kind, items in motions.items():
        for motion in items:
            euler = axis_angle_to_euler(motion.body_pose.double().numpy().reshape(-1, 21, 3))
            assert (euler >= limits[..., 0] - 1e-4).all(), kind
            assert (euler <= limits[..., 1] + 1e-4).all(), kind


def test_motions_are_smooth(motions: dict[str, list]) -> None:
    for kind, items in motions.items():
        for motion in items:
            _, _, joints = _posed(motion)
            acc = np.linalg.norm(np.diff(joints, 2, axis=0), axis=-1) * FPS**2  # (T-2, 22) m/s^2
            # limbs of runners, kickers and jumpers reach ~10-20 g briefly; nothing teleports
            assert np.percentile(acc, 99) < 150, kind
            assert acc.max() < 300, kind


def test_feet_touch_the_ground_and_never_sink(motions: dict[str, list]) -> None:
    for kind, items in motions.items():
        for motion in items:
            mesh, verts, joints = _posed(motion)
            sole = verts[:, mesh.foot_vertices, 1].min(1)  # (T,) lowest sole point
            assert sole.min() > -1e-4, kind
            airborne = sole > 0.01
            if kind not in ("jump", "run", "hop", "None"):
                assert not airborne.any(), kind  # grounded kinds stand on y = 0 every frame
            assert airborne.mean() < 0.5, kind
            assert joints[:, [7, 8, 10, 11], 1].min() < 0.12  # ankle/toe joints sit just above the sole


def test_planted_feet_do_not_slide(motions: dict[str, list]) -> None:
    for kind, items in motions.items():
        if kind == "turn":
            continue  # turning on the spot pivots the planted foot about the body axis (by design)
        for motion in items:
            mesh, verts, _ = _posed(motion)
            feet = verts[:, mesh.foot_vertices]  # (T, K, 3)
            planted = feet[:-1, :, 1] < 0.005
            speed = np.linalg.norm(np.diff(feet[..., [0, 2]], axis=0), axis=-1) * FPS  # (T-1, K) m/s
            if planted.any():
                assert np.median(speed[planted]) < 0.1, kind
                assert np.percentile(speed[planted], 90) < 0.35, kind


def test_locomotion_moves_forward_with_alternating_legs(motions: dict[str, list]) -> None:
    speeds = {}
    for kind in ("walk", "run"):
        for motion in motions[kind]:
            _, _, joints = _posed(motion)
            travelled = np.linalg.norm(joints[-1, 0, [0, 2]] - joints[0, 0, [0, 2]]) / (len(joints) / FPS)
            speeds.setdefault(kind, []).append(travelled)
            lead = joints[:, 7] - joints[:, 8]  # left ankle minus right ankle
            facing = np.cross(joints[:, 1] - joints[:, 2], [0.0, 1.0, 0.0])  # forward = left x up
            ahead = np.sign((lead * facing).sum(-1))  # which foot is in front
            assert (np.diff(ahead) != 0).sum() >= 2  # the legs take turns
            pace = np.linalg.norm(np.diff(joints[:, 0, [0, 2]], axis=0), axis=-1) * FPS  # (T-1,) m/s
            assert np.percentile(pace, 10) > 0.5 * np.percentile(pace, 90)  # no surging (gait re-timing)
    assert 0.6 < min(speeds["walk"]) and max(speeds["walk"]) < 2.2
    assert min(speeds["run"]) > max(speeds["walk"])


def test_agrees_with_the_torch_body_model() -> None:
    models = pytest.importorskip("unimo.body.models")
    motion = generate_motion(3, 20, FPS, "dance+jump")
    theirs = models.MannequinBodyModel().joints(motion.to_tensor()).numpy()
    _, _, ours = _posed(motion)
    assert np.abs(theirs - ours).max() < 1e-4


def test_dance_spin_longer_than_the_clip_does_not_fail() -> None:
    """Regression: seed 709 drew a spin longer than its 6.4 s clip (rng.uniform with a negative range)."""
    motion = generate_motion(709, 128, 20.0)
    assert len(motion) == 128 and torch.isfinite(motion.to_tensor()).all()


def test_people_stand_with_feet_together_and_apart() -> None:
    # stance width varies per standing segment: narrow (hip-width) and wide (~2x) stances both occur
    gaps = []
    for seed in range(12):
        _, _, joints = _posed(generate_motion(seed, 30, FPS, "idle"))
        gaps.append(np.linalg.norm(joints[:, 7] - joints[:, 8], axis=-1).mean())  # ankle to ankle, metres
    assert min(gaps) < 0.25 and max(gaps) > 0.4, gaps
