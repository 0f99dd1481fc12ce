"""The z-buffer rasterizer against hand-computable scenes: coverage, barycentrics, depth order, culling."""

from __future__ import annotations

import numpy as np
import torch

from unimo.render.rasterizer import rasterize


def _cube(center: tuple[float, float, float], half: float) -> tuple[torch.Tensor, torch.Tensor]:
    """Axis-aligned cube, 12 triangles wound counter-clockwise seen from outside."""
    corners = torch.tensor(
        [[x, y, z] for x in (-1, 1) for y in (-1, 1) for z in (-1, 1)], dtype=torch.float32
    )
    verts = corners * half + torch.tensor(center)
    quads = [(0, 1, 3, 2), (4, 6, 7, 5), (0, 4, 5, 1), (2, 3, 7, 6), (0, 2, 6, 4), (1, 5, 7, 3)]
    faces = []
    for a, b, c, d in quads:
        faces += [(a, b, c), (a, c, d)]
    faces = torch.tensor(faces)
    # make every face point away from the centre (fix winding where needed)
    tri = verts[faces]
    normal = torch.cross(tri[:, 1] - tri[:, 0], tri[:, 2] - tri[:, 0], dim=-1)
    outward = (normal * (tri.mean(1) - torch.tensor(center))).sum(-1) > 0
    faces = torch.where(outward[:, None], faces, faces[:, [0, 2, 1]])
    return verts, faces


def _to_screen(verts: torch.Tensor, focal: float, size: int) -> torch.Tensor:
    """Pinhole projection with the camera at the origin looking along +z (y down)."""
    z = verts[:, 2:]
    return torch.cat([verts[:, :2] / z * focal + size / 2, z], -1)[None]  # (1, V, 3)


def test_triangle_covers_exactly_the_pixel_centres_inside() -> None:
    # right triangle with legs 8 px: centres (j + .5, i + .5) inside x >= 2, y >= 2, x + y <= 12
    verts = torch.tensor([[[2.0, 2.0, 1.0], [2.0, 10.0, 1.0], [10.0, 2.0, 1.0]]])
    frags = rasterize(verts, torch.tensor([[0, 1, 2]]), 12, 12)
    j, i = np.meshgrid(np.arange(12) + 0.5, np.arange(12) + 0.5)
    expected = (j >= 2) & (i >= 2) & (j + i <= 12)
    assert np.array_equal(frags.mask[0].numpy(), expected)
    # barycentrics reproduce the pixel centre and sum to one
    b = frags.bary[0, 3, 4]
    corner_xy = verts[0, :, :2]
    assert torch.allclose((b[:, None] * corner_xy).sum(0), torch.tensor([4.5, 3.5]), atol=1e-5)
    assert torch.allclose(frags.bary[frags.mask].sum(-1), torch.ones(int(frags.mask.sum())), atol=1e-5)
    assert torch.all(frags.depth[frags.mask] == 1.0) and torch.isinf(frags.depth[~frags.mask]).all()


def test_backfaces_are_culled_unless_asked() -> None:
    verts = torch.tensor([[[2.0, 2.0, 1.0], [10.0, 2.0, 1.0], [2.0, 10.0, 1.0]]])  # clockwise on screen
    assert not rasterize(verts, torch.tensor([[0, 1, 2]]), 12, 12).mask.any()
    assert rasterize(verts, torch.tensor([[0, 1, 2]]), 12, 12, cull_backfaces=False).mask.sum() == 36


def test_cube_silhouette_area_and_front_face_depth() -> None:
    size, focal = 64, 64.0
    verts, faces = _cube((0.0, 0.0, 4.0), 0.5)
    frags = rasterize(_to_screen(verts, focal, size), faces, size, size)
    # the front face (z = 3.5) spans 2 * 0.5 / 3.5 * 64 = 18.3 px; side faces add nothing seen head-on
    side = 2 * 0.5 / 3.5 * focal
    assert abs(int(frags.mask.sum()) - side**2) < 4 * side
    assert torch.allclose(frags.depth[frags.mask], torch.tensor(3.5), atol=1e-4)


def test_nearer_cube_occludes_farther_one_in_any_triangle_order() -> None:
    size, focal = 64, 64.0
    near_v, near_f = _cube((0.1, 0.0, 3.0), 0.4)
    far_v, far_f = _cube((-0.1, 0.0, 5.0), 0.8)
    verts = torch.cat([far_v, near_v])
    for faces in (torch.cat([far_f, near_f + 8]), torch.cat([near_f + 8, far_f])):
        frags = rasterize(_to_screen(verts, focal, size), faces, size, size)
        centre_face = int(frags.face[0, size // 2, size // 2 + 2])
        assert int(faces[centre_face].min()) >= 8  # a triangle of the near cube
        assert abs(float(frags.depth[0, size // 2, size // 2 + 2]) - 2.6) < 1e-3
        assert (frags.depth[frags.mask] > 2.59).all() and (frags.depth[frags.mask] < 4.21).all()


def test_batch_frames_are_independent() -> None:
    one = torch.tensor([[[2.0, 2.0, 1.0], [2.0, 10.0, 1.0], [10.0, 2.0, 1.0]]])
    two = torch.cat([one, one + torch.tensor([1.0, 1.0, 0.0])])
    frags = rasterize(two, torch.tensor([[0, 1, 2]]), 16, 16)
    assert torch.equal(frags.mask[1, 1:, 1:], frags.mask[0, :-1, :-1])
    assert int(frags.mask[0].sum()) == int(frags.mask[1].sum())
