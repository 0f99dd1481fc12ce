"""Video FID: frame sampling, quantisation, values against a scipy reference, accumulation and syncing."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
import scipy.linalg
import torch
from frechet_checks import assert_zero_then_growing_with_noise, refuse_downloads
from torch import nn

from unimo.metrics.fid import VideoFrechetInceptionDistance, sample_frames, to_uint8
from unimo.metrics.inception import FID_WEIGHTS_NAMES, FIDInceptionV3
from unimo.metrics.weights import WEIGHTS_ENV, MissingWeightsError


class _ColourStats(nn.Module):
    """A tiny stand-in feature network: per-channel mean and standard deviation of uint8 images."""

    num_features = 6

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        x = images.float() / 255  # (N, 3, H, W)
        return torch.cat([x.mean(dim=(2, 3)), x.std(dim=(2, 3))], dim=1)  # (N, 6)


def _videos(batch: int, frames: int = 5, shift: float = 0.0, size: int = 8) -> torch.Tensor:
    base = torch.rand(batch, 1, 3, 1, 1) * 1.2 - 0.6 + shift  # per-video colour
    return (base + 0.3 * torch.randn(batch, frames, 3, size, size)).clamp(-1, 1)  # (B, T, 3, H, W)


def _reference_fid(real: torch.Tensor, fake: torch.Tensor, start: int = 0, stride: int = 1) -> float:
    """Stack features of every sampled frame and apply the TTUR/scipy formula."""
    net = _ColourStats()
    feats = [net(to_uint8(v[:, start::stride].flatten(0, 1))).double().numpy() for v in (real, fake)]
    mu1, mu2 = feats[0].mean(0), feats[1].mean(0)
    s1, s2 = np.cov(feats[0], rowvar=False), np.cov(feats[1], rowvar=False)
    root = scipy.linalg.sqrtm(s1 @ s2)
    return float(np.real(np.square(mu1 - mu2).sum() + np.trace(s1 + s2 - 2 * root)))


def _fid(**kwargs: object) -> VideoFrechetInceptionDistance:
    return VideoFrechetInceptionDistance(network=_ColourStats(), **kwargs)


def test_sample_frames_takes_every_kth_frame_video_major() -> None:
    videos = torch.arange(6.0).view(1, 6, 1, 1, 1).expand(2, 6, 3, 2, 2)  # frame t holds value t
    frames = sample_frames(videos, start_frame=1, frame_stride=2)
    assert frames.shape == (6, 3, 2, 2)
    assert frames[:, 0, 0, 0].tolist() == [1, 3, 5, 1, 3, 5]
    assert sample_frames(torch.zeros(4, 3, 2, 2)).shape == (4, 3, 2, 2)  # images are one-frame videos


def test_sample_frames_errors() -> None:
    with pytest.raises(ValueError, match=r"\(B, T, 3, H, W\)"):
        sample_frames(torch.zeros(2, 5, 4, 8, 8))
    with pytest.raises(ValueError, match="leaves no frames"):
        sample_frames(torch.zeros(2, 3, 3, 8, 8), start_frame=3)


def test_to_uint8_rounds_and_clamps() -> None:
    values = torch.tensor([-2.0, -1.0, -0.5, 0.0, 0.5, 1.0, 1.5])
    assert to_uint8(values).tolist() == [0, 0, 64, 128, 191, 255, 255]


def test_value_matches_scipy_reference() -> None:
    real, fake = _videos(6), _videos(6, shift=0.3)
    metric = _fid(start_frame=1, frame_stride=2)
    metric.update(real, real=True)
    metric.update(fake, real=False)
    value = metric.compute()
    assert value.dtype == torch.float64
    assert value.item() == pytest.approx(_reference_fid(real, fake, start=1, stride=2), rel=1e-6)
    assert int(metric.real_features_num_samples) == 6 * 2  # frames 1 and 3 of 5


def test_same_videos_give_zero() -> None:
    real = _videos(5)
    metric = _fid()
    metric.update(real, real=True)
    metric.update(real, real=False)
    assert abs(metric.compute().item()) < 1e-8


def test_chunks_batches_and_process_merge_do_not_change_the_value() -> None:
    real, fake = _videos(6), _videos(6, shift=0.2)
    whole = _fid(chunk_size=64)
    whole.update(real, real=True)
    whole.update(fake, real=False)
    split, other = _fid(chunk_size=1), _fid(chunk_size=3)  # two "processes", each with half the clips
    split.update(real[:2], real=True)
    split.update(fake[:4], real=False)
    other.update(real[2:], real=True)
    other.update(fake[4:], real=False)
    split.merge_state(other)  # the same sum reduction torchmetrics applies across processes
    assert split.compute().item() == pytest.approx(whole.compute().item(), rel=1e-9)


def test_reset_can_keep_real_statistics() -> None:
    real, fake = _videos(4), _videos(4, shift=0.2)
    metric = _fid(reset_real_features=False)
    metric.update(real, real=True)
    metric.update(fake, real=False)
    first = metric.compute().item()
    metric.reset()
    assert int(metric.real_features_num_samples) == 4 * 5 and int(metric.fake_features_num_samples) == 0
    metric.update(fake, real=False)
    assert metric.compute().item() == pytest.approx(first, rel=1e-12)


def test_with_inception_network_end_to_end() -> None:
    torch.manual_seed(0)
    network = FIDInceptionV3(input_size=75)
    for module in network.modules():  # variance-preserving init, so random features are not ~1e-8
        if isinstance(module, nn.Conv2d):
            nn.init.kaiming_normal_(module.weight, nonlinearity="relu")
    metric = VideoFrechetInceptionDistance(network=network, chunk_size=5)
    real = _videos(3, frames=4, size=24)
    fake = (real + 0.5 * torch.randn_like(real)).clamp(-1, 1)
    metric.update(real, real=True)
    metric.update(fake, real=False)
    expected_sum = network(to_uint8(real.flatten(0, 1))).double().sum(0)  # (2048,)
    torch.testing.assert_close(metric.real_features_sum, expected_sum)
    assert metric.real_features_cov_sum.shape == (2048, 2048)
    value = metric.compute().item()
    assert np.isfinite(value) and value > 0


def test_missing_weights_are_reported(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(WEIGHTS_ENV, str(tmp_path))
    with pytest.raises(MissingWeightsError, match="pt_inception-2015-12-05-6726825d.pth"):
        VideoFrechetInceptionDistance()


def _published_weights() -> Path:
    folder = os.environ.get(WEIGHTS_ENV)
    if not folder or not any((Path(folder) / name).is_file() for name in FID_WEIGHTS_NAMES):
        pytest.skip(f"no FID weights: set {WEIGHTS_ENV} to a folder with {FID_WEIGHTS_NAMES[0]}")
    return Path(folder)


def _smooth_videos(batch: int, frames: int = 2, size: int = 64) -> torch.Tensor:
    """Blurry colour fields: image-like enough for Inception features to respond to added noise."""
    coarse = torch.rand(batch * frames, 3, 4, 4) * 2 - 1
    fine = nn.functional.interpolate(coarse, size=(size, size), mode="bilinear", align_corners=False)
    return fine.view(batch, frames, 3, size, size)


@pytest.mark.slow
def test_published_weights_zero_for_same_set_and_growing_with_noise() -> None:
    metric = VideoFrechetInceptionDistance(weights_path=_published_weights(), reset_real_features=False)
    torch.manual_seed(0)
    real = _smooth_videos(8)
    assert_zero_then_growing_with_noise(metric, real)


def test_loading_weights_never_touches_the_network(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    refuse_downloads(monkeypatch)
    torch.save(FIDInceptionV3(input_size=75).state_dict(), tmp_path / FID_WEIGHTS_NAMES[0])
    metric = VideoFrechetInceptionDistance(weights_path=tmp_path)
    assert isinstance(metric.inception, FIDInceptionV3) and metric.inception.input_size == 299


def test_network_weights_stay_out_of_holder_checkpoints() -> None:
    holder = nn.ModuleDict({"fid": VideoFrechetInceptionDistance(network=FIDInceptionV3(input_size=75))})
    state = holder.state_dict()
    assert not any(".inception." in k for k in state)
    other = nn.ModuleDict({"fid": VideoFrechetInceptionDistance(network=FIDInceptionV3(input_size=75))})
    weight = other["fid"].inception.fc.weight.clone()
    other.load_state_dict(state, strict=True)
    assert torch.equal(other["fid"].inception.fc.weight, weight)  # the live network is kept, not overwritten
