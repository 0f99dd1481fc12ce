"""PSNR and SSIM on (B, T, 3, H, W) videos in [-1, 1], against hand-computed values."""

from __future__ import annotations

import math

import pytest
import torch

from unimo.metrics.video_quality import VideoPSNR, VideoSSIM, frame_psnr, frame_ssim


def _offset_videos() -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Target in [-0.5, 0.5] and a prediction offset by a different constant per frame."""
    target = torch.rand(2, 3, 3, 16, 16) - 0.5  # (B, T, 3, H, W)
    offsets = torch.tensor([[0.02, 0.1, 0.4], [0.2, 0.05, 0.3]])  # (B, T), in [-1, 1] units
    return target + offsets.view(2, 3, 1, 1, 1), target, offsets


def test_frame_psnr_matches_hand_formula() -> None:
    preds, target, offsets = _offset_videos()
    # In [0, 1] units the error is offset / 2, so MSE = offset^2 / 4 and PSNR = 10 log10(4 / offset^2).
    expected = 10 * torch.log10(4 / offsets.square())
    torch.testing.assert_close(frame_psnr(preds, target), expected, rtol=1e-4, atol=1e-4)


def test_video_psnr_is_the_mean_of_frame_values_over_batches() -> None:
    preds, target, offsets = _offset_videos()
    metric = VideoPSNR()
    metric.update(preds[:1], target[:1])
    metric.update(preds[1:], target[1:])
    expected = (10 * torch.log10(4 / offsets.square())).mean()
    assert metric.compute().item() == pytest.approx(expected.item(), rel=1e-4)


def test_psnr_clamps_to_the_valid_range() -> None:
    target = torch.full((1, 1, 3, 4, 4), 1.0)
    preds = torch.full((1, 1, 3, 4, 4), 1.5)  # clamped to 1: a perfect frame
    assert math.isinf(frame_psnr(preds, target).item())


def test_frame_ssim_of_constant_frames_is_the_luminance_term() -> None:
    # Constant images have zero variance, so SSIM = (2ab + C1) / (a^2 + b^2 + C1) with C1 = (0.01 * 1)^2.
    a, b = 0.2, 0.6  # in [0, 1]
    target = torch.full((1, 2, 3, 16, 16), 2 * a - 1)
    preds = torch.full((1, 2, 3, 16, 16), 2 * b - 1)
    c1 = 0.01**2
    expected = (2 * a * b + c1) / (a * a + b * b + c1)
    torch.testing.assert_close(frame_ssim(preds, target), torch.full((1, 2), expected), rtol=1e-4, atol=1e-5)


def test_video_ssim_is_one_for_identical_and_lower_for_noisy_videos() -> None:
    target = torch.rand(2, 2, 3, 16, 16) * 2 - 1
    metric = VideoSSIM()
    metric.update(target, target)
    assert metric.compute().item() == pytest.approx(1.0, abs=1e-5)
    metric.reset()
    noisy_videos = (target + 0.3 * torch.randn_like(target)).clamp(-1, 1)
    metric.update(noisy_videos, target)
    noisy = metric.compute().item()
    assert 0 < noisy < 0.9
    assert noisy == pytest.approx(frame_ssim(noisy_videos, target).mean().item(), abs=1e-6)


def test_shape_errors_name_the_argument() -> None:
    with pytest.raises(ValueError, match="equal shapes"):
        frame_psnr(torch.zeros(1, 2, 3, 8, 8), torch.zeros(1, 3, 3, 8, 8))
    with pytest.raises(ValueError, match=r"preds: expected a video \(B, T, 3, H, W\)"):
        frame_ssim(torch.zeros(2, 3, 16, 16), torch.zeros(2, 3, 16, 16))
