"""Causal 3D convolutional encoder and decoder of ``CausalVideoTokenizer`` (layout ``(B, C, T, H, W)``).

A pixel-unshuffle patch embedding takes the first ``patch_size`` of spatial compression for free, then
``num_stages`` stages of residual blocks each halve space and/or time until the requested compression is
reached (``spatial_compression / patch_size`` in space, ``temporal_compression`` in time). The decoder
mirrors the encoder. Cosmos (arXiv 2501.03575) uses the same causal, first-frame-alone structure.

With ``residual=True`` the resampling blocks change the width themselves and carry DC-AE's parameter-free
shortcuts (space/time folded into channels and back, ``unimo.tokenizers.causal_blocks``), and the
bottleneck gets the same kind of shortcut: the encoder adds channel-group means of its last features to
the latents, the decoder adds the latents repeated to its width. In CPU runs (issue #6) this learned
0.3-0.7 dB faster per step; ``residual=False`` is the original layout (and the shipped weights).
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

from unimo.tokenizers.causal_blocks import (
    CausalConv3d,
    CausalDownsample,
    CausalResBlock,
    CausalUpsample,
    FactorizedConv3d,
    ResidualDownsample,
    ResidualUpsample,
    fit_channels,
    frame_norm,
    patchify,
    unpatchify,
)


def _log2(value: int, name: str) -> int:
    if value < 1 or value & (value - 1):
        raise ValueError(f"{name}: expected a power of two, got {value}")
    return int(math.log2(value))


class StagePlan:
    """Which stage halves space and which halves time, plus the width of every level.

    Args:
        temporal_compression: Total time factor (power of two).
        spatial_compression: Total space factor (power of two, >= ``patch_size``).
        patch_size: Space factor taken by the patch embedding.
        channels: Base width.
        channel_mult: Width multiplier per level; needs ``num_stages + 1`` entries.
    """

    def __init__(
        self,
        temporal_compression: int,
        spatial_compression: int,
        patch_size: int,
        channels: int,
        channel_mult: list[int],
    ) -> None:
        self.num_temporal = _log2(temporal_compression, "temporal_compression")
        num_spatial_total = _log2(spatial_compression, "spatial_compression")
        num_patch = _log2(patch_size, "patch_size")
        if num_patch > num_spatial_total:
            raise ValueError(f"patch_size {patch_size} exceeds spatial_compression {spatial_compression}")
        self.num_spatial = num_spatial_total - num_patch
        self.num_stages = max(self.num_spatial, self.num_temporal)
        if len(channel_mult) < self.num_stages + 1:
            raise ValueError(
                f"channel_mult: need {self.num_stages + 1} entries for {self.num_stages} stages, "
                f"got {channel_mult}"
            )
        self.widths = [channels * m for m in channel_mult[: self.num_stages + 1]]

    def flags(self, stage: int) -> tuple[bool, bool]:
        """Return ``(spatial, temporal)``: whether ``stage`` halves space / time (both as early as can be)."""
        return stage < self.num_spatial, stage < self.num_temporal


class CausalVideoEncoder(nn.Module):
    """Encode ``(B, 3, T, H, W)`` video to ``(B, latent_dim, t, h, w)`` continuous latents.

    Args:
        plan: Stage layout and widths.
        patch_size: Pixel-unshuffle factor of the input.
        num_res_blocks: Residual blocks per stage.
        latent_dim: Output channels (the FSQ width).
        residual: DC-AE shortcuts in the downsampling blocks and around the output projection.
    """

    def __init__(
        self, plan: StagePlan, patch_size: int, num_res_blocks: int, latent_dim: int, residual: bool = False
    ) -> None:
        super().__init__()
        self.patch_size, self.residual = patch_size, residual
        w = plan.widths
        self.conv_in = CausalConv3d(3 * patch_size**2, w[0], (1, 3, 3))
        stages = []
        for i in range(plan.num_stages):
            blocks = [CausalResBlock(w[i], w[i]) for _ in range(num_res_blocks)]
            if residual:  # the downsampling widens; a block at the new width follows
                down = [ResidualDownsample(w[i], w[i + 1], *plan.flags(i))]
                down.append(CausalResBlock(w[i + 1], w[i + 1]))
            else:
                down = [CausalDownsample(w[i], *plan.flags(i)), CausalResBlock(w[i], w[i + 1])]
            stages.append(nn.Sequential(*blocks, *down))
        self.stages = nn.Sequential(*stages)
        self.mid = CausalResBlock(w[-1], w[-1])
        self.norm_out = frame_norm(w[-1])
        self.conv_out = CausalConv3d(w[-1], latent_dim, (1, 1, 1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Map video ``(B, 3, T, H, W)`` to latents ``(B, latent_dim, t, h, w)``."""
        h = self.conv_in(patchify(x, self.patch_size))  # (B, C0, T, H/p, W/p)
        h = self.mid(self.stages(h))  # (B, C_top, t, h, w)
        z = self.conv_out(F.silu(self.norm_out(h)))  # (B, latent_dim, t, h, w)
        return z + fit_channels(h, z.shape[1]) if self.residual else z


class CausalVideoDecoder(nn.Module):
    """Decode ``(B, latent_dim, t, h, w)`` latents to ``(B, 3, T, H, W)`` video (unbounded; clamp outside).

    Args:
        plan: Stage layout and widths (the encoder's).
        patch_size: Pixel-shuffle factor of the output.
        num_res_blocks: Residual blocks per stage.
        latent_dim: Input channels (the FSQ width).
        residual: DC-AE shortcuts in the upsampling blocks and around the input projection.
    """

    def __init__(
        self, plan: StagePlan, patch_size: int, num_res_blocks: int, latent_dim: int, residual: bool = False
    ) -> None:
        super().__init__()
        self.patch_size, self.residual = patch_size, residual
        w = plan.widths
        self.conv_in = FactorizedConv3d(latent_dim, w[-1])
        self.mid = CausalResBlock(w[-1], w[-1])
        stages = []
        for i in reversed(range(plan.num_stages)):
            blocks = [CausalResBlock(w[i + 1], w[i + 1]) for _ in range(num_res_blocks)]
            if residual:  # the upsampling narrows; a block at the new width follows
                up = [ResidualUpsample(w[i + 1], w[i], *plan.flags(i)), CausalResBlock(w[i], w[i])]
            else:
                up = [CausalUpsample(w[i + 1], *plan.flags(i)), CausalResBlock(w[i + 1], w[i])]
            stages.append(nn.Sequential(*blocks, *up))
        self.stages = nn.Sequential(*stages)
        self.out_blocks = nn.Sequential(*[CausalResBlock(w[0], w[0]) for _ in range(num_res_blocks)])
        self.norm_out = frame_norm(w[0])
        self.conv_out = CausalConv3d(w[0], 3 * patch_size**2, (1, 3, 3))

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        """Map latents ``(B, latent_dim, t, h, w)`` to video ``(B, 3, T, H, W)``."""
        h = self.conv_in(z)  # (B, C_top, t, h, w)
        if self.residual:
            h = h + fit_channels(z, h.shape[1])
        h = self.stages(self.mid(h))  # (B, C0, T, H/p, W/p)
        h = self.conv_out(F.silu(self.norm_out(self.out_blocks(h))))  # (B, 3*p*p, T, H/p, W/p)
        return unpatchify(h, self.patch_size)
