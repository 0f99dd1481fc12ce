"""Skeleton overlays, motion-only videos and grids."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from unimo.body.motion import Motion
from unimo.render.skeleton import default_camera, draw_skeleton, grid, project, render_motion_video


def test_draw_skeleton_paints_bones_between_joints_only() -> None:
    frames = np.zeros((1, 40, 40, 3), dtype=np.uint8)
    joints = np.array([[[5.0, 20.3], [35.0, 20.3]]])  # off the pixel grid: edges are partly covered
    out = draw_skeleton(
        frames, joints, parents=(-1, 0), colours=np.array([[255, 0, 0], [255, 0, 0]], np.uint8), width=2.0
    )
    assert out[0, 20, 20, 0] == 255 and out[0, 20, 20, 1] == 0  # on the bone
    assert out[0, 5, 20].sum() == 0 and out[0, 35, 20].sum() == 0  # far from it
    partial = out[0, 18:23, 20, 0]
    assert ((partial > 0) & (partial < 255)).any()  # anti-aliased edge
    assert frames.sum() == 0  # input untouched
    with pytest.raises(ValueError, match="draw_skeleton"):
        draw_skeleton(frames[0], joints)


def test_grid_tiles_and_pads_with_the_last_frame() -> None:
    a = np.full((3, 4, 5, 3), 10, np.uint8)
    b = np.full((2, 4, 5, 3), 200, np.uint8)
    out = grid([a, b, a], cols=2, gap=1)
    assert out.shape == (3, 9, 11, 3)
    assert (out[2, :4, 6:] == 200).all() and (out[:, 5:, :5] == 10).all() and (out[:, 4] == 0).all()
    with pytest.raises(ValueError, match="grid"):
        grid([a, np.zeros((1, 2, 2, 3), np.uint8)], cols=2)


def test_render_motion_video_projects_the_pelvis_onto_the_body() -> None:
    motion = Motion(
        torch.zeros(2, 3),
        torch.zeros(2, 63),
        torch.zeros(10),
        torch.tensor([[0.0, 1.3, 0.0], [0.3, 1.3, 0.0]]),
        fps=10.0,
    )
    frames = render_motion_video(motion, size=48, skeleton=False)
    assert frames.shape == (2, 48, 48, 3)
    cam = default_camera(motion, 48)
    pelvis = project(np.array([[[0.003, 0.952, 0.012]], [[0.303, 0.952, 0.012]]]), cam)  # J0 + transl
    for t in range(2):
        u, v = pelvis[t, 0].astype(int)
        assert 0 <= u < 48 and 0 <= v < 48
        sky_or_floor = frames[t, 0, 0].astype(int)
        assert np.abs(frames[t, v, u].astype(int) - sky_or_floor).sum() > 30  # a body pixel, not backdrop
