"""Tests for the video tokenizer blocks (unimo.tokenizers.causal_blocks, video_autoencoder, image_losses)."""

from __future__ import annotations

import pytest
import torch
from torch import nn
from torchmetrics.functional.image import structural_similarity_index_measure

from unimo.tokenizers.causal_blocks import (
    CausalConv3d,
    CausalDownsample,
    CausalUpsample,
    FrameNorm,
    ResidualDownsample,
    ResidualUpsample,
    channels_to_space_time,
    fit_channels,
    patchify,
    space_time_to_channels,
    unpatchify,
)
from unimo.tokenizers.discriminator import PatchDiscriminator
from unimo.tokenizers.image_losses import ssim
from unimo.tokenizers.video_autoencoder import StagePlan


def test_frame_norm_is_group_norm_per_frame() -> None:
    x = torch.randn(2, 6, 3, 5, 4)
    norm = FrameNorm(6)
    with torch.no_grad():
        norm.weight.uniform_(0.5, 1.5)
        norm.bias.uniform_(-1, 1)
    ref = nn.GroupNorm(1, 6, eps=1e-6)
    ref.load_state_dict({"weight": norm.weight.flatten(), "bias": norm.bias.flatten()})
    frames = x.transpose(1, 2).reshape(6, 6, 5, 4)  # (B*T, C, H, W)
    expected = ref(frames).reshape(2, 3, 6, 5, 4).transpose(1, 2)
    assert torch.allclose(norm(x), expected, atol=1e-5)


def test_causal_conv_pads_with_the_first_frame() -> None:
    conv = CausalConv3d(1, 1, (3, 1, 1))
    with torch.no_grad():
        conv.conv.weight.copy_(torch.tensor([1.0, 10.0, 100.0]).view(1, 1, 3, 1, 1))
        conv.conv.bias.zero_()
    x = torch.tensor([1.0, 2.0, 3.0]).view(1, 1, 3, 1, 1)
    # Output t = x[t-2] + 10 x[t-1] + 100 x[t], with x[-1] = x[-2] = x[0].
    assert conv(x).flatten().tolist() == [111.0, 211.0, 321.0]


def test_down_and_upsample_layouts_and_shortcuts() -> None:
    down, up = CausalDownsample(4, True, True), CausalUpsample(4, True, True)
    x = torch.randn(1, 4, 9, 8, 8)
    assert down(x).shape == (1, 4, 5, 4, 4)
    assert up(torch.randn(1, 4, 5, 4, 4)).shape == (1, 4, 9, 8, 8)
    for module in (down, up):
        for p in module.parameters():
            nn.init.zeros_(p)
    # With the convolutions zeroed only the shortcuts remain: causal pair means / repeats.
    frames = torch.arange(5.0).view(1, 1, 5, 1, 1).expand(1, 4, 5, 2, 2)
    assert down(frames)[0, 0, :, 0, 0].tolist() == [0.0, 1.5, 3.5]
    latent = torch.tensor([0.0, 1.0, 2.0]).view(1, 1, 3, 1, 1).expand(1, 4, 3, 1, 1)
    assert up(latent)[0, 0, :, 0, 0].tolist() == [0.0, 1.0, 1.0, 2.0, 2.0]


@pytest.mark.parametrize(("spatial", "temporal"), [(True, True), (True, False), (False, True)])
def test_space_time_folding_round_trip(spatial: bool, temporal: bool) -> None:
    x = torch.randn(2, 3, 9, 8, 8)
    folded = space_time_to_channels(x, spatial, temporal)
    factor = (4 if spatial else 1) * (2 if temporal else 1)
    assert folded.shape == (2, 3 * factor, 5 if temporal else 9, 4 if spatial else 8, 4 if spatial else 8)
    assert torch.equal(channels_to_space_time(folded, spatial, temporal), x)


def test_fit_channels_averages_or_repeats_groups() -> None:
    x = torch.arange(6.0).view(1, 6, 1, 1, 1)
    assert fit_channels(x, 3).flatten().tolist() == [0.5, 2.5, 4.5]  # consecutive pairs
    assert fit_channels(x, 12).flatten().tolist() == [v for v in range(6) for _ in range(2)]
    assert fit_channels(x, 4).flatten().tolist() == [2.0, 3.0, 2.0, 3.0]  # c % 4: (0, 4), (1, 5), 2, 3
    assert fit_channels(x[:, :4], 6).flatten().tolist() == [0.0, 1.0, 2.0, 3.0, 0.0, 1.0]


def test_residual_resampling_shortcuts() -> None:
    frames = torch.tensor([0.0, 1.0, 2.0, 3.0, 4.0]).view(1, 1, 5, 1, 1).expand(1, 4, 5, 2, 2)
    same, wider = ResidualDownsample(4, 4, False, True), ResidualDownsample(4, 8, False, True)
    up = ResidualUpsample(4, 4, True, True)
    for module in (same, wider, up):
        for p in module.parameters():
            nn.init.zeros_(p)
    # Zeroed convolutions leave the shortcuts: causal pair means at equal width, the pairs themselves when
    # the width doubles (channel 2c holds frame 2j - 1, channel 2c + 1 frame 2j), nearest upsampling.
    assert same(frames)[0, 0, :, 0, 0].tolist() == [0.0, 1.5, 3.5]
    assert wider(frames)[0, :2, :, 0, 0].T.tolist() == [[0.0, 0.0], [1.0, 2.0], [3.0, 4.0]]
    latent = torch.tensor([0.0, 1.0, 2.0]).view(1, 1, 3, 1, 1).expand(1, 4, 3, 1, 1)
    out = up(latent)
    assert out.shape == (1, 4, 5, 2, 2)
    assert out[0, 0, :, 1, 0].tolist() == [0.0, 1.0, 1.0, 2.0, 2.0]


def test_patchify_round_trip() -> None:
    x = torch.randn(2, 3, 5, 16, 8)
    p = patchify(x, 4)
    assert p.shape == (2, 48, 5, 4, 2)
    assert torch.equal(unpatchify(p, 4), x)


@pytest.mark.parametrize(
    ("tc", "sc", "patch", "spatial", "temporal"), [(4, 8, 4, 1, 2), (8, 16, 4, 2, 3), (1, 8, 8, 0, 0)]
)
def test_stage_plan(tc: int, sc: int, patch: int, spatial: int, temporal: int) -> None:
    plan = StagePlan(tc, sc, patch, 16, [1, 2, 4, 4])
    assert (plan.num_spatial, plan.num_temporal) == (spatial, temporal)
    assert plan.widths == [16, 32, 64, 64][: max(spatial, temporal) + 1]


def test_ssim_matches_torchmetrics_on_valid_windows() -> None:
    x = torch.rand(3, 3, 32, 32)
    y = (x + 0.1 * torch.randn_like(x)).clamp(0, 1)
    ours = ssim(x, y)
    # torchmetrics pads by reflection and crops the border (the same valid windows); its window
    # discretisation differs slightly, hence 1e-3 rather than float precision.
    ref = structural_similarity_index_measure(y, x, data_range=1.0)
    assert abs(float(ours) - float(ref)) < 1e-3
    assert float(ssim(x, x)) == pytest.approx(1.0, abs=1e-6)
    with pytest.raises(ValueError, match="smaller than"):
        ssim(torch.zeros(1, 3, 8, 8), torch.zeros(1, 3, 8, 8))


def test_ssim_is_float32_under_bf16_autocast() -> None:
    # Issue #6: under autocast F.conv2d ran in bf16 although the inputs were float32; E[x^2] - E[x]^2 then
    # cancelled in flat regions (SSIM 0.78 instead of 0.93 here) and bf16 training lost ~2 dB.
    g = torch.Generator().manual_seed(0)
    target = torch.full((2, 3, 32, 32), 0.4)
    target[:, :, 8:20, 10:24] = 0.7  # a flat background with one flat square: low local variance
    recon = (target + 0.02 * torch.randn(target.shape, generator=g)).requires_grad_()
    exact = ssim(recon, target)
    (grad_exact,) = torch.autograd.grad(exact, recon)
    with torch.autocast("cpu", dtype=torch.bfloat16):
        mixed = ssim(recon, target)
    (grad_mixed,) = torch.autograd.grad(mixed, recon)
    assert mixed.dtype == torch.float32
    assert float(mixed.detach()) == pytest.approx(float(exact.detach()), abs=1e-6)
    assert torch.allclose(grad_mixed, grad_exact, rtol=1e-4, atol=1e-9)


@pytest.mark.parametrize("channels", [7, 32])
def test_patch_discriminator_shapes(channels: int) -> None:
    disc = PatchDiscriminator(channels, num_layers=3)
    logits = disc(torch.rand(2, 3, 32, 48) * 2 - 1)
    assert logits.shape == (2, 1, 4, 6)  # one logit per 8x8-strided patch
