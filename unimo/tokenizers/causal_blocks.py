"""Causal 3D convolution blocks for video tokenizers (layout ``(B, C, T, H, W)``).

Design follows the Cosmos tokenizer (Agarwal et al., "Cosmos World Foundation Model Platform for Physical
AI", arXiv 2501.03575): temporal padding replicates the first frame on the left only, so output frame
``t`` never sees input frames ``> t``, and temporal downsampling keeps the first frame on its own
(``1 + 2k`` frames -> ``1 + k``), so an image is a 1-frame video. Normalisation is per frame (over
``(C, H, W)``), because statistics pooled over time would leak future frames into the past.
``ResidualDownsample``/``ResidualUpsample`` add the parameter-free space/time-to-channel shortcuts of
residual autoencoding (DC-AE, Chen et al., "Deep Compression Autoencoder for Efficient High-Resolution
Diffusion Models", arXiv 2410.10733) in the same causal layout.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn


class CausalConv3d(nn.Module):
    """3D convolution that is causal in time and "same"-padded (zeros) in space.

    Args:
        in_channels: Input channels.
        out_channels: Output channels.
        kernel_size: ``(kt, kh, kw)``; ``kh`` and ``kw`` must be odd.
        stride: ``(st, sh, sw)``.
    """

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: tuple[int, int, int] = (3, 3, 3),
        stride: tuple[int, int, int] = (1, 1, 1),
    ) -> None:
        super().__init__()
        kt, kh, kw = kernel_size
        if kh % 2 == 0 or kw % 2 == 0:
            raise ValueError(f"CausalConv3d.kernel_size: spatial sizes must be odd, got {kernel_size}")
        self.time_pad = kt - 1
        self.conv = nn.Conv3d(
            in_channels, out_channels, kernel_size, stride=stride, padding=(0, kh // 2, kw // 2)
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Map ``(B, C, T, H, W)`` to ``(B, C', T', H', W')``."""
        if self.time_pad:
            first = x[:, :, :1].expand(-1, -1, self.time_pad, -1, -1)  # (B, C, kt-1, H, W)
            x = torch.cat([first, x], dim=2)
        return self.conv(x)


class FrameNorm(nn.Module):
    """Normalise every frame over ``(C, H, W)`` (GroupNorm with one group, per frame), then scale and shift.

    Per frame, so normalisation stays causal; one group, because per-channel statistics (many groups)
    remove every channel's mean, i.e. much of a frame's colour, which the decoder must then rebuild (in
    small CPU runs, decoders with many groups learned markedly slower). Statistics are taken in float32
    so bf16 autocast stays accurate.

    Args:
        channels: Channels ``C``.
        eps: Added to the variance.
    """

    def __init__(self, channels: int, eps: float = 1e-6) -> None:
        super().__init__()
        self.eps = eps
        self.weight = nn.Parameter(torch.ones(channels, 1, 1, 1))
        self.bias = nn.Parameter(torch.zeros(channels, 1, 1, 1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Normalise ``(B, C, T, H, W)`` per ``(batch, frame)``."""
        xf = x.float()
        var, mean = torch.var_mean(xf, dim=(1, 3, 4), keepdim=True, correction=0)  # (B, 1, T, 1, 1)
        y = (xf - mean) * torch.rsqrt(var + self.eps)
        return (y * self.weight + self.bias).to(x.dtype)


def frame_norm(channels: int) -> FrameNorm:
    """Return the per-frame normalisation used throughout the video tokenizer."""
    return FrameNorm(channels)


class FactorizedConv3d(nn.Sequential):
    """A spatial ``1x3x3`` conv followed by a temporal causal ``3x1x1`` conv (cheaper than ``3x3x3``)."""

    def __init__(self, in_channels: int, out_channels: int) -> None:
        super().__init__(
            CausalConv3d(in_channels, out_channels, (1, 3, 3)),
            CausalConv3d(out_channels, out_channels, (3, 1, 1)),
        )


class CausalResBlock(nn.Module):
    """Pre-norm residual block: ``x + conv(act(norm(conv(act(norm(x))))))``.

    Args:
        in_channels: Input channels.
        out_channels: Output channels (a 1x1x1 conv matches the skip path when they differ).
    """

    def __init__(self, in_channels: int, out_channels: int) -> None:
        super().__init__()
        self.norm1 = frame_norm(in_channels)
        self.conv1 = FactorizedConv3d(in_channels, out_channels)
        self.norm2 = frame_norm(out_channels)
        self.conv2 = FactorizedConv3d(out_channels, out_channels)
        nn.init.zeros_(self.conv2[1].conv.weight)  # start as identity: stabler early training
        self.skip = nn.Identity() if in_channels == out_channels else nn.Conv3d(in_channels, out_channels, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Map ``(B, C, T, H, W)`` to ``(B, C', T, H, W)``."""
        h = self.conv1(F.silu(self.norm1(x)))
        h = self.conv2(F.silu(self.norm2(h)))
        return self.skip(x) + h


class CausalDownsample(nn.Module):
    """Halve space and/or time; time goes ``1 + 2k -> 1 + k`` with the first frame kept alone.

    A parameter-free average-pooling shortcut is added to the strided convolutions (as Cosmos' hybrid
    downsampling does), so pixels reach the latents through a well-conditioned path from the first step.

    Args:
        channels: Channels (unchanged).
        spatial: Halve ``H`` and ``W`` (strided ``1x3x3`` conv + 2x2 average pooling).
        temporal: Halve time causally (strided ``3x1x1`` conv over two replicated first frames, so
            output ``j`` sees input frames ``<= 2j``; + the mean of frames ``2j - 1`` and ``2j``).
    """

    def __init__(self, channels: int, spatial: bool, temporal: bool) -> None:
        super().__init__()
        self.do_spatial, self.do_temporal = spatial, temporal
        self.spatial_conv = CausalConv3d(channels, channels, (1, 3, 3), (1, 2, 2)) if spatial else None
        self.temporal_conv = CausalConv3d(channels, channels, (3, 1, 1), (2, 1, 1)) if temporal else None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Map ``(B, C, T, H, W)`` to ``(B, C, T', H', W')``."""
        if self.spatial_conv is not None:
            pooled = x.unflatten(4, (-1, 2)).unflatten(3, (-1, 2)).mean(dim=(4, 6))  # 2x2 mean, any dtype
            x = self.spatial_conv(x) + pooled
        if self.temporal_conv is not None:
            pairs = torch.cat([x[:, :, :1], x], dim=2)  # (B, C, 2 + 2k, H, W): frame 0 pairs with itself
            pooled = pairs.unflatten(2, (-1, 2)).mean(dim=3)  # (B, C, 1 + k, H, W)
            x = self.temporal_conv(x) + pooled
        return x


class CausalUpsample(nn.Module):
    """Double space and/or time, the inverse layout of ``CausalDownsample`` (``1 + k -> 1 + 2k`` frames).

    Args:
        channels: Channels (unchanged).
        spatial: Nearest-neighbour 2x in ``H`` and ``W``, plus a ``1x3x3`` conv of the result.
        temporal: Repeat every latent frame twice and drop the first copy (frame 0 stays alone), plus a
            causal ``3x1x1`` conv of the result.
    """

    def __init__(self, channels: int, spatial: bool, temporal: bool) -> None:
        super().__init__()
        self.spatial_conv = CausalConv3d(channels, channels, (1, 3, 3)) if spatial else None
        self.temporal_conv = CausalConv3d(channels, channels, (3, 1, 1)) if temporal else None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Map ``(B, C, T, H, W)`` to ``(B, C, T', H', W')``."""
        if self.temporal_conv is not None:
            x = x.repeat_interleave(2, dim=2)[:, :, 1:]  # (B, C, 2T - 1, H, W)
            x = x + self.temporal_conv(x)
        if self.spatial_conv is not None:
            x = F.interpolate(x, scale_factor=(1.0, 2.0, 2.0), mode="nearest")  # (B, C, T, 2H, 2W)
            x = x + self.spatial_conv(x)
        return x


def patchify(x: torch.Tensor, patch_size: int) -> torch.Tensor:
    """Fold ``p x p`` pixel patches into channels: ``(B, C, T, H, W) -> (B, C*p*p, T, H/p, W/p)``.

    Cheap lossless spatial compression before any convolution (Cosmos uses a Haar wavelet for the same job).
    """
    if patch_size == 1:
        return x
    b, c, t, h, w = x.shape
    frames = x.transpose(1, 2).reshape(b * t, c, h, w)  # (B*T, C, H, W)
    frames = F.pixel_unshuffle(frames, patch_size)  # (B*T, C*p*p, H/p, W/p)
    return frames.reshape(b, t, -1, h // patch_size, w // patch_size).transpose(1, 2)


def unpatchify(x: torch.Tensor, patch_size: int) -> torch.Tensor:
    """Inverse of ``patchify``: ``(B, C*p*p, T, h, w) -> (B, C, T, h*p, w*p)``."""
    if patch_size == 1:
        return x
    b, c, t, h, w = x.shape
    frames = x.transpose(1, 2).reshape(b * t, c, h, w)  # (B*T, C*p*p, h, w)
    frames = F.pixel_shuffle(frames, patch_size)  # (B*T, C, h*p, w*p)
    return frames.reshape(b, t, -1, h * patch_size, w * patch_size).transpose(1, 2)


def space_time_to_channels(x: torch.Tensor, spatial: bool, temporal: bool) -> torch.Tensor:
    """Fold 2x time and/or 2x2 space into channels, causally (the inverse of ``channels_to_space_time``).

    Time goes ``1 + 2k -> 1 + k`` as in ``CausalDownsample``: frame 0 is paired with itself, then frames
    ``(2j - 1, 2j)``. ``(B, C, T, H, W) -> (B, C * 2^temporal * 4^spatial, T', H', W')``.
    """
    if temporal:
        x = torch.cat([x[:, :, :1], x], dim=2)  # (B, C, 2 + 2k, H, W)
        b, c, t, h, w = x.shape
        x = x.view(b, c, t // 2, 2, h, w).transpose(2, 3)  # (B, C, 2, 1 + k, H, W)
        x = x.reshape(b, 2 * c, t // 2, h, w)  # (B, 2C, 1 + k, H, W)
    return patchify(x, 2) if spatial else x


def channels_to_space_time(x: torch.Tensor, spatial: bool, temporal: bool) -> torch.Tensor:
    """Unfold channels into 2x2 space and/or 2x time (``1 + k -> 1 + 2k`` frames; frame 0's copy dropped)."""
    if spatial:
        x = unpatchify(x, 2)
    if temporal:
        b, c, t, h, w = x.shape
        x = x.view(b, c // 2, 2, t, h, w).transpose(2, 3)  # (B, C/2, T, 2, H, W)
        x = x.reshape(b, c // 2, 2 * t, h, w)[:, :, 1:]  # (B, C/2, 2T - 1, H, W)
    return x


def fit_channels(x: torch.Tensor, channels: int) -> torch.Tensor:
    """Average channel groups (fewer out) or repeat channels (more out): ``(B, C, ...) -> (B, C', ...)``.

    Parameter-free shortcut of residual autoencoding (DC-AE, Chen et al., arXiv 2410.10733). Output channel
    ``o`` averages (or copies) input channels ``c`` with ``c // ratio == o`` when one count divides the other,
    else those with ``c % channels == o`` (e.g. a 128-wide feature map onto 6 FSQ channels).
    """
    c = x.shape[1]
    if c == channels:
        return x
    if c > channels and c % channels == 0:
        return x.unflatten(1, (channels, c // channels)).mean(dim=2)
    if c < channels and channels % c == 0:
        return x.repeat_interleave(channels // c, dim=1)
    if c < channels:
        return x[:, torch.arange(channels, device=x.device) % c]
    groups = F.one_hot(torch.arange(c, device=x.device) % channels, channels).to(x.dtype)  # (C, channels)
    return torch.einsum("bc...,co->bo...", x, groups / groups.sum(dim=0))


class ResidualDownsample(nn.Module):
    """Halve space and/or time and change the width, with a space/time-to-channel shortcut (DC-AE style).

    ``out = convs(x) + fit_channels(space_time_to_channels(x))``: unlike ``CausalDownsample``'s pooling,
    the shortcut keeps every input value when the width grows, so information reaches the latents through
    a parameter-free path from the first step.

    Args:
        in_channels: Input channels.
        out_channels: Output channels.
        spatial: Halve ``H`` and ``W`` (strided ``1x3x3`` conv).
        temporal: Halve time causally (strided ``3x1x1`` conv, as in ``CausalDownsample``).
    """

    def __init__(self, in_channels: int, out_channels: int, spatial: bool, temporal: bool) -> None:
        super().__init__()
        self.spatial, self.temporal, self.out_channels = spatial, temporal, out_channels
        width = out_channels if spatial else in_channels
        self.spatial_conv = CausalConv3d(in_channels, width, (1, 3, 3), (1, 2, 2)) if spatial else None
        self.temporal_conv = CausalConv3d(width, out_channels, (3, 1, 1), (2, 1, 1)) if temporal else None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Map ``(B, C, T, H, W)`` to ``(B, C', T', H', W')``."""
        shortcut = fit_channels(space_time_to_channels(x, self.spatial, self.temporal), self.out_channels)
        if self.spatial_conv is not None:
            x = self.spatial_conv(x)
        if self.temporal_conv is not None:
            x = self.temporal_conv(x)
        return x + shortcut


class ResidualUpsample(nn.Module):
    """Double space and/or time and change the width, with a channel-to-space/time shortcut (DC-AE style).

    ``out = unfold(conv(x)) + unfold(fit_channels(x))``, where ``unfold`` is ``channels_to_space_time``
    (sub-pixel upsampling); the shortcut alone is a nearest-neighbour upsampling of channel groups.

    Args:
        in_channels: Input channels.
        out_channels: Output channels.
        spatial: Double ``H`` and ``W``.
        temporal: Double time causally (``1 + k -> 1 + 2k`` frames).
    """

    def __init__(self, in_channels: int, out_channels: int, spatial: bool, temporal: bool) -> None:
        super().__init__()
        self.spatial, self.temporal = spatial, temporal
        self.folded = out_channels * (4 if spatial else 1) * (2 if temporal else 1)
        self.conv = FactorizedConv3d(in_channels, self.folded)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Map ``(B, C, T, H, W)`` to ``(B, C', T', H', W')``."""
        h = self.conv(x) + fit_channels(x, self.folded)  # (B, C' * factor, T, H, W)
        return channels_to_space_time(h, self.spatial, self.temporal)
