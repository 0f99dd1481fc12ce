"""Differentiable image reconstruction terms for tokenizer training: SSIM and hinge GAN losses.

SSIM follows Wang et al., "Image Quality Assessment: From Error Visibility to Structural Similarity"
(IEEE TIP 2004): 11x11 Gaussian window, sigma 1.5, ``K1 = 0.01``, ``K2 = 0.03``, averaged over "valid"
window positions. Written here (not torchmetrics) so model code stays free of training dependencies, and
computed with autocast disabled: under bf16 autocast ``F.conv2d`` runs in bf16 even on float32 inputs, and
the local variances ``E[x^2] - E[x]^2`` then cancel catastrophically in flat regions (issue #6: SSIM 0.78
instead of 0.93 on a good reconstruction, and bf16 training of the video tokenizer fell ~2 dB behind).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F


def _gaussian_window(size: int, sigma: float, channels: int, device: torch.device) -> torch.Tensor:
    coords = torch.arange(size, dtype=torch.float32, device=device) - (size - 1) / 2
    g = torch.exp(-(coords**2) / (2 * sigma**2))
    g = g / g.sum()
    return (g[:, None] * g[None, :]).expand(channels, 1, size, size).contiguous()  # (C, 1, k, k)


def ssim(
    x: torch.Tensor, y: torch.Tensor, data_range: float = 1.0, window_size: int = 11, sigma: float = 1.5
) -> torch.Tensor:
    """Return the mean SSIM of two image batches.

    Args:
        x: ``(N, C, H, W)`` images; ``H`` and ``W`` must be at least ``window_size``.
        y: Same shape as ``x``.
        data_range: Value range of the images. SSIM is not shift-invariant: map ``[-1, 1]`` video to
            ``[0, 1]`` first to match the usual metric (``unimo.metrics.video_quality``).
        window_size: Gaussian window side (odd).
        sigma: Gaussian standard deviation in pixels.

    Returns:
        Scalar float32 tensor, 1 for identical images.
    """
    if x.shape != y.shape or x.ndim != 4:
        raise ValueError(
            f"ssim: expected two (N, C, H, W) tensors of equal shape, got {tuple(x.shape)} and "
            f"{tuple(y.shape)}"
        )
    if min(x.shape[-2:]) < window_size:
        raise ValueError(
            f"ssim: images of {tuple(x.shape[-2:])} are smaller than the {window_size}-pixel window"
        )
    x, y = x.float(), y.float()
    c = x.shape[1]
    win = _gaussian_window(window_size, sigma, c, x.device)
    moments = torch.cat([x, y, x * x, y * y, x * y], dim=1)  # (N, 5C, H, W)
    with torch.autocast(device_type=x.device.type, enabled=False):  # .float() alone does not stop autocast
        stats = F.conv2d(moments, win.repeat(5, 1, 1, 1), groups=5 * c)
    mu_x, mu_y, xx, yy, xy = stats.chunk(5, dim=1)  # each (N, C, H', W')
    var_x, var_y, cov = xx - mu_x**2, yy - mu_y**2, xy - mu_x * mu_y
    c1, c2 = (0.01 * data_range) ** 2, (0.03 * data_range) ** 2
    num = (2 * mu_x * mu_y + c1) * (2 * cov + c2)
    den = (mu_x**2 + mu_y**2 + c1) * (var_x + var_y + c2)
    return (num / den).mean()


def hinge_discriminator_loss(real_logits: torch.Tensor, fake_logits: torch.Tensor) -> torch.Tensor:
    """Return the hinge loss that trains a discriminator to score real > 1 and fake < -1."""
    return 0.5 * (F.relu(1 - real_logits.float()).mean() + F.relu(1 + fake_logits.float()).mean())


def hinge_generator_loss(fake_logits: torch.Tensor) -> torch.Tensor:
    """Return the generator's hinge loss: raise the discriminator's score of reconstructions."""
    return -fake_logits.float().mean()
