"""A small 2D PatchGAN discriminator for the adversarial term of video tokenizer training.

After Isola et al., "Image-to-Image Translation with Conditional Adversarial Networks" (pix2pix, CVPR 2017),
as used by VQGAN (Esser et al., CVPR 2021): strided 4x4 convolutions score overlapping patches. Frames
are scored independently (time folded into the batch), which is enough to sharpen per-frame texture.
"""

from __future__ import annotations

import math

import torch
from torch import nn


class PatchDiscriminator(nn.Module):
    """Score ``(N, 3, H, W)`` images patch by patch (logits ``(N, 1, H/2**num_layers, W/2**num_layers)``).

    Args:
        channels: Width of the first layer; doubles each layer up to 8x.
        num_layers: Number of stride-2 layers.
    """

    def __init__(self, channels: int = 32, num_layers: int = 3) -> None:
        super().__init__()
        layers: list[nn.Module] = [nn.Conv2d(3, channels, 4, stride=2, padding=1), nn.LeakyReLU(0.2)]
        width = channels
        for i in range(1, num_layers):
            out = channels * min(2**i, 8)
            layers += [
                nn.Conv2d(width, out, 4, stride=2, padding=1),
                nn.GroupNorm(math.gcd(32, out), out),
                nn.LeakyReLU(0.2),
            ]
            width = out
        layers.append(nn.Conv2d(width, 1, 3, padding=1))
        self.net = nn.Sequential(*layers)

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        """Map images ``(N, 3, H, W)`` in ``[-1, 1]`` to patch logits ``(N, 1, h, w)``."""
        return self.net(images)
