"""A vectorised z-buffer triangle rasterizer in plain PyTorch (CPU, no OpenGL, no compiled extension).

Why this design: the machines unimo targets for data generation have no GPU and no OpenGL, and the meshes
are small (1-10 k triangles) against small images (64-256 px), so most triangles cover a few pixels.
Every (triangle, pixel-in-its-bounding-box) pair of a whole batch of frames is enumerated at once, tested
with edge functions, and the nearest one per pixel wins through one ``scatter_reduce(amin)`` over a key
that packs quantised depth (high bits) with the triangle id (low bits). There is no per-triangle Python
loop; the cost is linear in the number of candidate pairs.

Screen convention: x to the right, y down, in pixels; the centre of pixel (row i, col j) is (j + 0.5, i + 0.5)
(see ``unimo.render.camera``). Depth is the camera-space z (> 0 in front of the camera).
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

_TRI_BITS = 24  # low bits of the z-buffer key hold the triangle id
_DEPTH_LEVELS = 2**24 - 1
_EMPTY = torch.iinfo(torch.int64).max
_MAX_PAIRS = 1 << 22  # candidate pairs per chunk: bounds peak memory (~0.5 GB worst case)


@dataclass
class Fragments:
    """The nearest triangle at every pixel.

    Attributes:
        face: ``(B, H, W)`` int64 index into ``faces``, -1 where no triangle covers the pixel centre.
        bary: ``(B, H, W, 3)`` perspective-correct barycentric weights of the face's three vertices.
        depth: ``(B, H, W)`` camera-space depth, ``inf`` on background.
    """

    face: torch.Tensor
    bary: torch.Tensor
    depth: torch.Tensor

    @property
    def mask(self) -> torch.Tensor:
        """``(B, H, W)`` bool, True where a triangle was drawn."""
        return self.face >= 0


def rasterize(
    verts: torch.Tensor,
    faces: torch.Tensor,
    height: int,
    width: int,
    cull_backfaces: bool = True,
    near: float = 1e-2,
) -> Fragments:
    """Rasterize a batch of triangle meshes sharing one topology.

    Args:
        verts: ``(B, V, 3)`` screen-space vertices: pixel x, pixel y, camera depth z.
        faces: ``(F, 3)`` vertex indices, counter-clockwise seen from outside (outward normals).
        height: Image height in pixels.
        width: Image width in pixels.
        cull_backfaces: Skip triangles facing away from the camera (right for closed meshes; halves work).
        near: Triangles with a vertex closer than this depth are dropped (no clipping).

    Returns:
        ``Fragments`` of shape ``(B, H, W)``.
    """
    batch = verts.shape[0]
    tri = verts[:, faces]  # (B, F, 3 corners, 3 coords)
    coeffs, keep = _edge_coefficients(tri, height, width, cull_backfaces, near)
    b_idx, f_idx = keep.nonzero(as_tuple=True)  # (N,) each: the surviving triangles
    if len(b_idx) >= 2**_TRI_BITS:
        raise ValueError(
            f"rasterize: {len(b_idx)} visible triangles exceed the key's {_TRI_BITS} bits; "
            "render fewer frames per call"
        )
    tri, coeffs = tri[b_idx, f_idx], coeffs[b_idx, f_idx]  # (N, 3, 3), (N, 3, 3)
    inv_z = 1.0 / tri[..., 2]  # (N, 3)
    # 1/z is linear in screen space: its plane is the barycentric planes weighted by the corners' 1/z.
    planes = torch.cat([coeffs[:, :2], (coeffs * inv_z.unsqueeze(-1)).sum(1, keepdim=True)], 1)  # (N, 3, 3)
    z_max = float(tri[..., 2].max()) * 1.001 if len(tri) else 1.0
    zbuf = torch.full((batch * height * width,), _EMPTY, dtype=torch.int64)
    for lo, hi in _chunks(_pixel_counts(tri, height, width)[0]):
        pix, tid = _candidate_pairs(tri[lo:hi], planes[lo:hi], height, width)
        tid = tid + lo
        depth = 1.0 / _eval_plane(planes[tid, 2], pix % width, pix // width)  # perspective-correct, (P,)
        key = (depth / z_max * _DEPTH_LEVELS).long() * (1 << _TRI_BITS) + tid
        zbuf.scatter_reduce_(0, pix + b_idx[tid] * (height * width), key, reduce="amin")
    return _resolve(zbuf, planes, inv_z, f_idx, batch, height, width)


def _edge_coefficients(
    tri: torch.Tensor, height: int, width: int, cull: bool, near: float
) -> tuple[torch.Tensor, torch.Tensor]:
    """Return per-triangle linear barycentric coefficients ``(B, F, 3, 3)`` and a keep mask ``(B, F)``.

    Barycentric weight k at pixel (x, y) is ``a_k * x + b_k * y + c_k`` (screen space, not yet
    perspective-corrected); the mask drops degenerate, behind-camera, off-screen and back-facing triangles.
    """
    x, y = tri[..., 0], tri[..., 1]  # (B, F, 3)
    x1, y1, x2, y2 = x.roll(-1, -1), y.roll(-1, -1), x.roll(-2, -1), y.roll(-2, -1)  # the other two corners
    area = (x[..., 1] - x[..., 0]) * (y[..., 2] - y[..., 0]) - (x[..., 2] - x[..., 0]) * (
        y[..., 1] - y[..., 0]
    )  # (B, F), twice the signed area
    # Outward normals face the camera when the screen-space winding is negative (y points down).
    keep = area < -1e-9 if cull else area.abs() > 1e-9
    keep &= (tri[..., 2] > near).all(-1)
    keep &= (
        (x.max(-1).values > 0)
        & (x.min(-1).values < width)
        & (y.max(-1).values > 0)
        & (y.min(-1).values < height)
    )
    safe = torch.where(keep, area, torch.ones_like(area)).unsqueeze(-1)
    a = (y1 - y2) / safe
    b = (x2 - x1) / safe
    c = (x1 * y2 - x2 * y1) / safe
    return torch.stack([a, b, c], dim=-1), keep  # (B, F, 3 weights, 3 coefficients)


def _pixel_counts(tri: torch.Tensor, height: int, width: int) -> tuple[torch.Tensor, ...]:
    """Return candidate-pixel counts ``(N,)`` and each triangle's pixel-centre box (x0, y0, width)."""
    x0 = torch.ceil(tri[..., 0].min(-1).values - 0.5).clamp(0, width).long()
    x1 = torch.floor(tri[..., 0].max(-1).values - 0.5).clamp(-1, width - 1).long()
    y0 = torch.ceil(tri[..., 1].min(-1).values - 0.5).clamp(0, height).long()
    y1 = torch.floor(tri[..., 1].max(-1).values - 0.5).clamp(-1, height - 1).long()
    bw = (x1 - x0 + 1).clamp(min=0)
    bh = (y1 - y0 + 1).clamp(min=0)
    return bw * bh, x0, y0, bw


def _chunks(counts: torch.Tensor) -> list[tuple[int, int]]:
    """Split triangles into consecutive ranges of at most ``_MAX_PAIRS`` candidate pairs (or one triangle)."""
    total = counts.cumsum(0)
    bounds, lo, offset = [], 0, 0
    while lo < len(counts):
        hi = int(torch.searchsorted(total, offset + _MAX_PAIRS, right=True))
        hi = max(hi, lo + 1)
        bounds.append((lo, hi))
        offset, lo = int(total[hi - 1]), hi
    return bounds


def _candidate_pairs(
    tri: torch.Tensor, planes: torch.Tensor, height: int, width: int
) -> tuple[torch.Tensor, torch.Tensor]:
    """Enumerate covered (pixel, triangle) pairs: flat pixel ``(P,)`` and triangle ``(P,)`` indices."""
    counts, x0, y0, bw = _pixel_counts(tri, height, width)
    tid = torch.repeat_interleave(torch.arange(len(tri)), counts)  # (P,)
    # Position inside the triangle's box, in float32 (exact below 2**24; integer div/mod is ~3x slower).
    starts = (counts.cumsum(0) - counts).float()
    local = torch.arange(len(tid), dtype=torch.float32) - starts[tid]
    bwt = bw.float()[tid]
    dy = torch.floor((local + 0.5) / bwt)
    px = x0.float()[tid] + (local - dy * bwt)  # (P,) pixel column
    py = y0.float()[tid] + dy  # (P,) pixel row
    w = _eval_plane(planes[tid, :2], px.unsqueeze(-1), py.unsqueeze(-1))  # (P, 2) first two barycentrics
    inside = (w >= 0).all(-1) & (w.sum(-1) <= 1)  # the third is 1 - w0 - w1
    return (py[inside] * width + px[inside]).long(), tid[inside]


def _eval_plane(plane: torch.Tensor, px: torch.Tensor, py: torch.Tensor) -> torch.Tensor:
    """Evaluate linear screen-space functions ``a x + b y + c`` (``plane[..., 0:3]``) at pixel centres."""
    cx = px.to(plane.dtype) + 0.5
    cy = py.to(plane.dtype) + 0.5
    return plane[..., 0] * cx + plane[..., 1] * cy + plane[..., 2]


def _resolve(
    zbuf: torch.Tensor,
    planes: torch.Tensor,
    inv_z: torch.Tensor,
    f_idx: torch.Tensor,
    batch: int,
    height: int,
    width: int,
) -> Fragments:
    """Turn the packed z-buffer into ``Fragments`` with perspective-correct barycentrics."""
    hit = (zbuf != _EMPTY).nonzero(as_tuple=True)[0]  # (M,) flat pixel ids over the batch
    tid = zbuf[hit] & ((1 << _TRI_BITS) - 1)
    pix = hit % (height * width)
    vals = _eval_plane(planes[tid], (pix % width).unsqueeze(-1), (pix // width).unsqueeze(-1))  # (M, 3)
    w = torch.stack([vals[:, 0], vals[:, 1], 1 - vals[:, 0] - vals[:, 1]], -1) * inv_z[tid]  # (M, 3)
    inv_depth = vals[:, 2:]  # (M, 1) = sum of w
    face = torch.full((batch * height * width,), -1, dtype=torch.int64)
    face[hit] = f_idx[tid]
    bary = torch.zeros(batch * height * width, 3, dtype=planes.dtype)
    bary[hit] = w / inv_depth
    depth = torch.full((batch * height * width,), float("inf"), dtype=planes.dtype)
    depth[hit] = 1.0 / inv_depth.squeeze(-1)
    shape = (batch, height, width)
    return Fragments(face.view(shape), bary.view(*shape, 3), depth.view(shape))
