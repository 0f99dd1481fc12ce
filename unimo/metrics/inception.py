"""The FID InceptionV3 feature network (2048-d pool features), loaded from a local weights file.

This is the network behind every published FID number: the TensorFlow InceptionV3 graph of 2015-12-05
as used by the original TTUR FID code, in the PyTorch port of pytorch-fid / torch-fidelity (which
torchmetrics uses). Its input pipeline is part of the metric and is reproduced here:

1. images are uint8 RGB (generated images are quantised as if saved to disk);
2. they are resized to 299x299 with TensorFlow 1.x bilinear resizing (no half-pixel offset, no
   antialiasing), as torch-fidelity does; PyTorch's ``interpolate`` would shift FID;
3. pixels map to [-1, 1] by ``(x - 128) / 128``.

Weights: ``$UNIMO_WEIGHTS_DIR/pt_inception-2015-12-05-6726825d.pth`` (pytorch-fid release ``fid_weights``);
torch-fidelity's ``weights-inception-2015-12-05-6726825d.pth`` (same graph, same key names) is accepted too.
Nothing is ever downloaded; see :mod:`unimo.metrics.weights`.
"""

from __future__ import annotations

import os

import torch
from torch import nn

from unimo.metrics.inception_blocks import (
    BasicConv2d,
    InceptionA,
    InceptionB,
    InceptionC,
    InceptionD,
    InceptionE,
)
from unimo.metrics.weights import find_weights, load_state_dict, load_strict

FID_WEIGHTS_NAMES = ("pt_inception-2015-12-05-6726825d.pth", "weights-inception-2015-12-05-6726825d.pth")
FID_WEIGHTS_SOURCE = (
    "get it from https://github.com/mseitzer/pytorch-fid/releases/download/fid_weights/"
    "pt_inception-2015-12-05-6726825d.pth on a machine with internet access"
)
# Inception blocks after the stem, in network order.
_MIXED = (
    "Mixed_5b", "Mixed_5c", "Mixed_5d", "Mixed_6a", "Mixed_6b", "Mixed_6c", "Mixed_6d", "Mixed_6e",
    "Mixed_7a", "Mixed_7b", "Mixed_7c",
)


def resize_bilinear_tf1(x: torch.Tensor, size: tuple[int, int]) -> torch.Tensor:
    """Resize (N, C, H, W) float images like TensorFlow 1.x ``resize_bilinear(align_corners=False)``.

    Output pixel ``i`` samples input position ``i * in / out`` (no half-pixel centre offset), clamped at
    the last pixel; width is interpolated before height, in TensorFlow's order.
    """
    return _resize_axis(_resize_axis(x, size[1], dim=3), size[0], dim=2)


def _resize_axis(x: torch.Tensor, out: int, dim: int) -> torch.Tensor:
    """Linearly resample ``x`` along ``dim`` to ``out`` samples at positions ``i * in / out``."""
    n_in = x.shape[dim]
    if n_in == out:
        return x
    src = torch.arange(out, dtype=torch.float32, device=x.device) * (n_in / out)  # (out,)
    lo = src.floor().long().clamp(max=n_in - 1)
    hi = (lo + 1).clamp(max=n_in - 1)
    shape = [1] * x.dim()
    shape[dim] = out
    frac = (src - lo).to(x.dtype).view(shape)
    low, high = x.index_select(dim, lo), x.index_select(dim, hi)
    return low + (high - low) * frac


class FIDInceptionV3(nn.Module):
    """InceptionV3 returning the 2048-d average-pooled features FID is defined on; always in eval mode.

    Args:
        input_size: Side the images are resized to. 299 is the standard and the only value comparable to
            published FIDs; smaller values (>= 75) only serve fast shape tests.
    """

    num_features = 2048

    def __init__(self, input_size: int = 299) -> None:
        super().__init__()
        if input_size < 75:
            raise ValueError(f"FIDInceptionV3 input_size must be >= 75 (its minimum), got {input_size}")
        self.input_size = input_size
        self.Conv2d_1a_3x3 = BasicConv2d(3, 32, 3, stride=2)
        self.Conv2d_2a_3x3 = BasicConv2d(32, 32, 3)
        self.Conv2d_2b_3x3 = BasicConv2d(32, 64, 3, padding=1)
        self.Conv2d_3b_1x1 = BasicConv2d(64, 80, 1)
        self.Conv2d_4a_3x3 = BasicConv2d(80, 192, 3)
        self.Mixed_5b = InceptionA(192, pool_features=32)
        self.Mixed_5c = InceptionA(256, pool_features=64)
        self.Mixed_5d = InceptionA(288, pool_features=64)
        self.Mixed_6a = InceptionB(288)
        self.Mixed_6b = InceptionC(768, channels_7x7=128)
        self.Mixed_6c = InceptionC(768, channels_7x7=160)
        self.Mixed_6d = InceptionC(768, channels_7x7=160)
        self.Mixed_6e = InceptionC(768, channels_7x7=192)
        self.Mixed_7a = InceptionD(768)
        self.Mixed_7b = InceptionE(1280)
        self.Mixed_7c = InceptionE(2048, max_pool=True)
        self.fc = nn.Linear(2048, 1008)  # unused for FID; kept so the published state dict loads strictly
        self.requires_grad_(False)
        self.eval()

    def train(self, mode: bool = True) -> FIDInceptionV3:
        """Stay in eval mode: ``.train()`` from a LightningModule must not make BatchNorm use batch stats."""
        return super().train(False)

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        """Map uint8 images (N, 3, H, W) in [0, 255] to features (N, 2048)."""
        if images.dtype != torch.uint8 or images.dim() != 4 or images.shape[1] != 3:
            raise ValueError(
                f"FIDInceptionV3 expects uint8 images (N, 3, H, W); got {images.dtype} {tuple(images.shape)}"
            )
        dtype = self.Conv2d_1a_3x3.conv.weight.dtype
        x = resize_bilinear_tf1(images.to(dtype), (self.input_size, self.input_size))  # (N, 3, 299, 299)
        x = (x - 128) / 128
        x = self.Conv2d_2b_3x3(self.Conv2d_2a_3x3(self.Conv2d_1a_3x3(x)))  # (N, 64, 147, 147)
        x = nn.functional.max_pool2d(x, kernel_size=3, stride=2)  # (N, 64, 73, 73)
        x = self.Conv2d_4a_3x3(self.Conv2d_3b_1x1(x))  # (N, 192, 71, 71)
        x = nn.functional.max_pool2d(x, kernel_size=3, stride=2)  # (N, 192, 35, 35)
        for name in _MIXED:
            x = getattr(self, name)(x)  # ends at (N, 2048, 8, 8)
        return x.mean(dim=(2, 3)).float()  # (N, 2048)


def load_fid_inception(weights_path: str | os.PathLike | None = None) -> FIDInceptionV3:
    """Build :class:`FIDInceptionV3` with the published FID weights read from local disk.

    Args:
        weights_path: The ``.pth`` file, or a folder holding it; default ``$UNIMO_WEIGHTS_DIR``.

    Raises:
        MissingWeightsError: The file is absent; the message says which file to put where.
        ValueError: The file is not the FID InceptionV3 state dict.
    """
    path = find_weights(FID_WEIGHTS_NAMES, weights_path, "FID InceptionV3 weights", FID_WEIGHTS_SOURCE)
    network = FIDInceptionV3()
    load_strict(network, load_state_dict(path), path)
    return network.eval()
