"""Rigid and similarity alignment of corresponding 3D point sets (Umeyama 1991), batched in torch.

Used by the Procrustes-aligned and world-grounded joint errors (PA-MPJPE, W-MPJPE, WA-MPJPE) in
``unimo.metrics.motion``, following the evaluation code of WHAM and GVHMR.
"""

from __future__ import annotations

import torch


def similarity_transform(
    source: torch.Tensor, target: torch.Tensor, with_scale: bool = True
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Find ``s, R, t`` minimising ``sum ||s R source_i + t - target_i||^2`` (least squares, det R = +1).

    Args:
        source: ``(..., N, 3)`` points to move.
        target: ``(..., N, 3)`` corresponding points.
        with_scale: Fit a uniform scale ``s``; otherwise ``s = 1`` (rigid fit).

    Returns:
        ``scale (...,)``, ``rotation (..., 3, 3)``, ``translation (..., 3)``.
    """
    if source.shape != target.shape or source.shape[-1] != 3:
        raise ValueError(f"alignment needs two (..., N, 3) point sets of one shape, got "
                         f"{tuple(source.shape)} and {tuple(target.shape)}")
    mu_src, mu_tgt = source.mean(-2, keepdim=True), target.mean(-2, keepdim=True)  # (..., 1, 3)
    src, tgt = source - mu_src, target - mu_tgt
    cov = tgt.transpose(-1, -2) @ src / source.shape[-2]  # (..., 3, 3)
    u, sigma, vh = torch.linalg.svd(cov)
    # Flip the weakest axis when the best orthogonal map would be a reflection.
    sign = torch.sign(torch.linalg.det(u) * torch.linalg.det(vh))
    sign = torch.where(sign == 0, torch.ones_like(sign), sign)
    d = torch.ones_like(sigma)
    d[..., 2] = sign
    rotation = u @ (d[..., :, None] * vh)
    if with_scale:
        var_src = src.square().sum((-1, -2)) / source.shape[-2]  # (...,)
        scale = (sigma * d).sum(-1) / var_src.clamp_min(torch.finfo(source.dtype).tiny)
    else:
        scale = torch.ones(source.shape[:-2], dtype=source.dtype, device=source.device)
    translation = mu_tgt[..., 0, :] - scale[..., None] * (rotation @ mu_src[..., 0, :, None])[..., 0]
    return scale, rotation, translation


def apply_similarity(
    points: torch.Tensor, scale: torch.Tensor, rotation: torch.Tensor, translation: torch.Tensor
) -> torch.Tensor:
    """Return ``s R p + t`` for points ``(..., N, 3)`` and a transform with batch shape ``(...)``."""
    return scale[..., None, None] * points @ rotation.transpose(-1, -2) + translation[..., None, :]


def align_points(source: torch.Tensor, target: torch.Tensor, with_scale: bool = True) -> torch.Tensor:
    """Return ``source`` ``(..., N, 3)`` moved by its best similarity (or rigid) fit onto ``target``."""
    return apply_similarity(source, *similarity_transform(source, target, with_scale))
