"""Rendering a person: framing, shading, anti-aliasing, backgrounds fixed in the world."""

from __future__ import annotations

import numpy as np
import torch

from unimo.body.motion import Motion
from unimo.render.appearance import sample_appearance, vertex_colours
from unimo.render.background import TEXTURES, render_background, sample_background
from unimo.render.body_mesh import BodyMesh
from unimo.render.camera import Camera, intrinsics, look_at
from unimo.render.scene import render_person


def _standing(num_frames: int = 2) -> Motion:
    pose = torch.zeros(num_frames, 63)
    return Motion(
        torch.zeros(num_frames, 3),
        pose,
        torch.zeros(10),
        torch.tensor([[0.0, 1.303, 0.0]]).repeat(num_frames, 1),
        fps=30.0,
    )


def _front_camera(size: int, num_frames: int = 2, yaw: float = 0.0) -> Camera:
    eye = np.tile([3.0 * np.sin(yaw), 1.0, 3.0 * np.cos(yaw)], (num_frames, 1))
    rot, trans = look_at(eye, np.tile([0.0, 0.9, 0.0], (num_frames, 1)))
    return Camera(intrinsics(45, size, size), rot, trans, size, size)


def test_person_is_drawn_where_projected_and_shaded() -> None:
    rng = np.random.default_rng(0)
    look = sample_appearance(rng)
    frames = render_person(_standing(), _front_camera(64), look, None, supersample=2)
    assert frames.shape == (2, 64, 64, 3) and frames.dtype == np.uint8
    body = np.abs(frames[0].astype(int) - 128).sum(-1) > 6  # the grey backdrop is 128 everywhere else
    rows, cols = np.nonzero(body)
    # 1.7 m at 3 m with a 45 deg field of view is ~ 0.68 of the image height, centred horizontally
    assert 0.55 < (rows.max() - rows.min()) / 64 < 0.8 and abs(cols.mean() - 32) < 3
    assert np.array_equal(frames[0], frames[1])  # same pose, same camera
    # anti-aliasing produces intermediate edge values
    assert len(np.unique(frames[0].reshape(-1, 3), axis=0)) > 30


def test_alpha_marks_the_person_and_leaves_the_frames_alone() -> None:
    look = sample_appearance(np.random.default_rng(0))
    args = (_standing(), _front_camera(64), look, None)
    plain = render_person(*args, supersample=2)
    frames, alpha = render_person(*args, supersample=2, return_alpha=True)
    assert np.array_equal(frames, plain) and alpha.shape == (2, 64, 64) and alpha.dtype == np.uint8
    assert (frames[alpha == 0] == 128).all()  # uncovered pixels show only the grey backdrop
    assert alpha.max() == 255 and 0 < (alpha > 0).mean() < 0.3  # a standing person, a small part of the frame
    assert len(np.unique(alpha)) > 3  # anti-aliased edges: partial coverage


def test_vertex_colours_follow_the_garments() -> None:
    look = sample_appearance(np.random.default_rng(3))
    mesh = BodyMesh(np.zeros(10))
    colours = vertex_colours(mesh, look)
    assert np.allclose(colours[mesh.vertex_joint == 9], look.top)  # chest wears the shirt
    assert np.allclose(colours[mesh.vertex_joint == 10], look.shoes)
    assert np.allclose(colours[mesh.vertex_joint == 20], look.skin)  # hands


def test_backgrounds_are_anchored_in_the_world() -> None:
    rng = np.random.default_rng(5)
    for texture in TEXTURES:
        scene = sample_background(rng)
        scene.ground, scene.wall = texture, ""
        cam = _front_camera(32, 1)
        image = render_background(scene, cam, np.zeros(3))
        assert image.shape == (1, 32, 32, 3) and (image >= 0).all() and (image <= 1).all()
        # a pixel showing the ground point p shows it again from another viewpoint
        moved = _front_camera(32, 1, yaw=0.3)
        point = np.array([[[0.3, 0.0, 0.5]]])
        (u0, v0), (u1, v1) = cam.project(point)[0][0, 0], moved.project(point)[0][0, 0]
        again = render_background(scene, moved, np.zeros(3))
        a, b = image[0, int(v0), int(u0)], again[0, int(v1), int(u1)]
        if texture in ("noise", "plain"):  # smooth textures: nearly the same colour (fog differs slightly)
            assert torch.allclose(a, b, atol=0.08)
