"""1D temporal convolution encoder and decoder for motion features.

Architecture after T2M-GPT (Zhang et al., CVPR 2023): stacks of residual blocks with dilated 3-tap
convolutions (dilations 1, 3, 9, ... so a few blocks see a wide temporal context), strided convolutions to
downsample by 2 per stage, nearest-neighbour upsampling + convolution to upsample. Non-causal: a
tokenizer sees the whole clip.
"""

from __future__ import annotations

import math

from torch import Tensor, nn


class ResConv1DBlock(nn.Module):
    """``x + conv1x1(relu(conv3_dilated(relu(x))))`` on ``(B, C, T)``.

    Args:
        width: Channels ``C``.
        dilation: Dilation of the 3-tap convolution (padding keeps ``T``).
    """

    def __init__(self, width: int, dilation: int) -> None:
        super().__init__()
        self.body = nn.Sequential(
            nn.ReLU(), nn.Conv1d(width, width, 3, padding=dilation, dilation=dilation),
            nn.ReLU(), nn.Conv1d(width, width, 1),
        )

    def forward(self, x: Tensor) -> Tensor:
        return x + self.body(x)  # (B, C, T)


def resnet1d(width: int, depth: int, dilation_growth: int = 3, reverse: bool = False) -> nn.Sequential:
    """Return ``depth`` residual blocks with dilations ``1, g, g^2, ...`` (reversed in decoders)."""
    dilations = [dilation_growth**i for i in range(depth)]
    if reverse:  # decoders go from wide to local context, mirroring the encoder
        dilations = dilations[::-1]
    return nn.Sequential(*[ResConv1DBlock(width, d) for d in dilations])


def _num_stages(factor: int) -> int:
    stages = int(round(math.log2(factor))) if factor >= 1 else -1
    if stages < 0 or 2**stages != factor:
        raise ValueError(f"temporal down/upsampling factor must be a power of 2 (1, 2, 4, ...), got {factor}")
    return stages


class MotionEncoder(nn.Module):
    """Map features ``(B, C_in, T)`` to latents ``(B, C_out, T / downsample)``.

    Args:
        in_dim: Input channels.
        out_dim: Output channels (``scale * code_dim`` for temporal expansion).
        width: Hidden channels.
        depth: Residual blocks per stage.
        downsample: Temporal reduction, a power of 2.
    """

    def __init__(self, in_dim: int, out_dim: int, width: int, depth: int, downsample: int) -> None:
        super().__init__()
        layers: list[nn.Module] = [nn.Conv1d(in_dim, width, 3, padding=1), nn.ReLU()]
        for _ in range(_num_stages(downsample)):
            layers += [nn.Conv1d(width, width, 4, stride=2, padding=1), resnet1d(width, depth)]
        layers.append(nn.Conv1d(width, out_dim, 3, padding=1))
        self.net = nn.Sequential(*layers)

    def forward(self, x: Tensor) -> Tensor:
        return self.net(x)  # (B, C_out, T / downsample)


class MotionDecoder(nn.Module):
    """Map latents ``(B, C_in, L)`` to features ``(B, C_out, L * upsample)``.

    Args:
        in_dim: Latent channels.
        out_dim: Output feature channels.
        width: Hidden channels.
        depth: Residual blocks per stage.
        upsample: Temporal expansion, a power of 2.
    """

    def __init__(self, in_dim: int, out_dim: int, width: int, depth: int, upsample: int) -> None:
        super().__init__()
        layers: list[nn.Module] = [nn.Conv1d(in_dim, width, 3, padding=1), nn.ReLU()]
        for _ in range(_num_stages(upsample)):
            layers += [resnet1d(width, depth, reverse=True), nn.Upsample(scale_factor=2, mode="nearest"),
                       nn.Conv1d(width, width, 3, padding=1)]
        layers += [nn.Conv1d(width, width, 3, padding=1), nn.ReLU(), nn.Conv1d(width, out_dim, 3, padding=1)]
        self.net = nn.Sequential(*layers)

    def forward(self, z: Tensor) -> Tensor:
        return self.net(z)  # (B, C_out, L * upsample)
