"""Lambert + ambient shading of rasterized fragments (smooth per-vertex normals, per-vertex albedo)."""

from __future__ import annotations

import torch

from unimo.render.rasterizer import Fragments


def vertex_normals(verts: torch.Tensor, faces: torch.Tensor) -> torch.Tensor:
    """Return unit per-vertex normals ``(B, V, 3)``: area-weighted mean of the adjacent face normals.

    The convex pieces share no vertices, so normals are smooth within a piece and never blend across pieces.
    """
    tri = verts[:, faces]  # (B, F, 3, 3)
    face_n = torch.cross(tri[:, :, 1] - tri[:, :, 0], tri[:, :, 2] - tri[:, :, 0], dim=-1)  # (B, F, 3)
    normals = torch.zeros_like(verts)
    for corner in range(3):
        normals.index_add_(1, faces[:, corner], face_n)
    return torch.nn.functional.normalize(normals, dim=-1)


def interpolate(frags: Fragments, faces: torch.Tensor, attrs: torch.Tensor) -> torch.Tensor:
    """Interpolate per-vertex attributes over covered pixels.

    Interpolate everything needed in one call (concatenate attributes along C): the gathers dominate.

    Args:
        frags: ``Fragments`` ``(B, H, W)``.
        faces: ``(F, 3)`` vertex indices.
        attrs: ``(B, V, C)`` per-frame or ``(V, C)`` shared per-vertex attributes.

    Returns:
        ``(M, C)`` values at the ``M`` covered pixels, in ``frags.mask.nonzero()`` order.
    """
    flat = frags.face.reshape(-1)
    hit = (flat >= 0).nonzero(as_tuple=True)[0]  # (M,) flat pixel ids, same order as mask.nonzero()
    corners = faces[flat[hit]]  # (M, 3)
    if attrs.ndim == 3:
        b = hit // (frags.face.shape[1] * frags.face.shape[2])
        corners = corners + (b * attrs.shape[1]).unsqueeze(-1)  # index the flattened (B * V, C) table
        attrs = attrs.reshape(-1, attrs.shape[-1])
    bary = frags.bary.reshape(-1, 3)[hit]  # (M, 3)
    return torch.einsum("mk,mkc->mc", bary, attrs[corners])


def lambert(
    normals: torch.Tensor,
    albedo: torch.Tensor,
    light_dir: torch.Tensor,
    view_dir: torch.Tensor,
    ambient: float,
    fill: float = 0.25,
) -> torch.Tensor:
    """Shade ``(M, 3)`` albedo with a directional key light, a camera fill light and ambient light.

    Args:
        normals: ``(M, 3)`` surface normals (need not be unit: interpolated normals are renormalised).
        albedo: ``(M, 3)`` colours in [0, 1].
        light_dir: ``(3,)`` unit vector from the surface towards the key light (world).
        view_dir: ``(M, 3)`` unit vectors from the surface towards the camera; the fill light sits there so
            the side facing away from the key light is not black.
        ambient: Ambient fraction in [0, 1].
        fill: Strength of the camera fill light.

    Returns:
        ``(M, 3)`` shaded colours in [0, 1].
    """
    n = torch.nn.functional.normalize(normals, dim=-1)
    key = (n @ light_dir).clamp(min=0)  # (M,)
    front = (n * view_dir).sum(-1).clamp(min=0)  # (M,)
    intensity = ambient + (1 - ambient) * key + fill * front
    return (albedo * intensity.unsqueeze(-1)).clamp(0, 1)
