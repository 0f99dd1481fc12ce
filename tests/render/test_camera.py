"""Camera: projection, look-at orientation, world <-> camera for points and SMPL-X motions, JSON."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from unimo.body.motion import Motion
from unimo.render.body_mesh import BodyMesh
from unimo.render.camera import Camera, intrinsics, look_at


def _camera(num_frames: int = 3) -> Camera:
    eye = np.stack([np.linspace(0, 1, num_frames), np.full(num_frames, 1.5), np.full(num_frames, 4.0)], -1)
    rot, trans = look_at(eye, np.tile([0.0, 0.9, 0.0], (num_frames, 1)))
    return Camera(intrinsics(50, 96, 64), rot, trans, 96, 64)


def test_look_at_puts_the_target_in_the_image_centre_upright() -> None:
    cam = _camera()
    pix, depth = cam.project(np.tile([[0.0, 0.9, 0.0], [0.0, 1.9, 0.0]], (3, 1, 1)))
    assert np.allclose(pix[:, 0], [48, 32], atol=1e-9)
    assert (pix[:, 1, 1] < pix[:, 0, 1]).all()  # world up is image up (smaller y)
    assert np.allclose(np.linalg.det(cam.R), 1.0) and (depth > 0).all()
    assert np.allclose(cam.centers[:, 2], 4.0)


def test_world_camera_round_trip_and_resize_keeps_projection_relative() -> None:
    cam = _camera()
    pts = np.random.default_rng(0).normal(size=(3, 5, 3))
    assert np.allclose(cam.camera_to_world(cam.world_to_camera(pts)), pts)
    big = cam.resized(192, 128)
    assert np.allclose(big.project(pts)[0], 2 * cam.project(pts)[0])


def test_json_round_trip_is_exact_and_errors_name_fields() -> None:
    cam = _camera()
    back = Camera.from_json(cam.to_json())
    for name in ("K", "R", "t"):
        assert np.array_equal(getattr(back, name), getattr(cam, name))
    assert (back.width, back.height) == (96, 64)
    with pytest.raises(KeyError, match="width"):
        Camera.from_dict({"K": cam.K.tolist(), "R": cam.R.tolist(), "t": cam.t.tolist(), "height": 64})
    with pytest.raises(ValueError, match="Camera.t"):
        Camera(cam.K, cam.R, cam.t[:2], 96, 64)


def test_motion_to_camera_moves_joints_rigidly_and_back() -> None:
    rng = np.random.default_rng(1)
    motion = Motion(
        global_orient=torch.tensor(rng.normal(size=(3, 3)) * 0.5, dtype=torch.float64),
        body_pose=torch.tensor(rng.normal(size=(3, 63)) * 0.2, dtype=torch.float64),
        betas=torch.tensor(rng.normal(size=10), dtype=torch.float64),
        transl=torch.tensor(rng.normal(size=(3, 3)), dtype=torch.float64),
        fps=30.0,
    )
    cam = _camera()
    mesh = BodyMesh(motion.betas.numpy())

    def joints(m: Motion) -> np.ndarray:
        return mesh.joints(m.global_orient.numpy(), m.body_pose.numpy(), m.transl.numpy())

    in_cam = cam.motion_to_camera(motion)
    assert np.allclose(joints(in_cam), cam.world_to_camera(joints(motion)), atol=1e-6)
    back = cam.motion_to_world(in_cam)
    assert torch.allclose(back.transl, motion.transl, atol=1e-9)
    assert np.allclose(joints(back), joints(motion), atol=1e-6)
