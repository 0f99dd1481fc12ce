"""FVD: clip preprocessing, values against a scipy reference, float64 sum states and process merging."""

from __future__ import annotations

import os
import pickle
from pathlib import Path

import numpy as np
import pytest
import scipy.linalg
import torch
from frechet_checks import assert_zero_then_growing_with_noise, refuse_downloads
from torch import nn

from unimo.metrics.fvd import FrechetVideoDistance, preprocess_clips
from unimo.metrics.i3d import I3D_WEIGHTS_NAMES, InceptionI3d
from unimo.metrics.weights import WEIGHTS_ENV, MissingWeightsError


class _ClipStats(nn.Module):
    """A tiny stand-in for I3D: per-channel mean and standard deviation of a clip (B, 3, T, H, W)."""

    num_features = 6

    def forward(self, clips: torch.Tensor) -> torch.Tensor:
        return torch.cat([clips.mean(dim=(2, 3, 4)), clips.std(dim=(2, 3, 4))], dim=1)  # (B, 6)


def _videos(batch: int, frames: int = 4, shift: float = 0.0, size: int = 8) -> torch.Tensor:
    base = torch.rand(batch, 1, 3, 1, 1) * 1.2 - 0.6 + shift
    return (base + 0.3 * torch.randn(batch, frames, 3, size, size)).clamp(-1, 1)  # (B, T, 3, H, W)


def _fvd(**kwargs: object) -> FrechetVideoDistance:
    return FrechetVideoDistance(network=_ClipStats(), num_frames=3, resolution=8, **kwargs)


def test_preprocess_takes_first_frames_crops_centre_and_moves_channels() -> None:
    levels = torch.arange(16.0).view(1, 1, 1, 1, 16) * 8 / 127.5 - 1  # exact uint8 levels, varying with x
    frame_ids = torch.arange(5.0).view(1, 5, 1, 1, 1) / 127.5  # frame t brightened by t levels
    channel_ids = torch.tensor([0.0, 1.0, 2.0]).view(1, 1, 3, 1, 1) * 16 / 127.5
    videos = (levels + frame_ids + channel_ids).expand(2, 5, 3, 8, 16)  # (B, T, 3, H=8, W=16)
    clips = preprocess_clips(videos, num_frames=3, resolution=8)
    assert clips.shape == (2, 3, 3, 8, 8)  # (B, 3, T, R, R)
    expected = videos[:, :3, :, :, 4:12].transpose(1, 2)  # shorter side already 8: centre 8 columns
    torch.testing.assert_close(clips, expected, atol=1e-6, rtol=0)


def test_preprocess_resizes_shorter_side_and_quantises() -> None:
    videos = torch.full((1, 2, 3, 4, 6), 0.3)  # 0.3 is not a uint8 level: 165.75 -> 166
    clips = preprocess_clips(videos, num_frames=2, resolution=8)
    assert clips.shape == (1, 3, 2, 8, 8)  # 4x6 -> 8x12 -> centre 8x8
    torch.testing.assert_close(clips, torch.full_like(clips, 166 / 127.5 - 1))


def test_preprocess_errors_name_the_problem() -> None:
    with pytest.raises(ValueError, match="first 16 frames.*T=8"):
        preprocess_clips(torch.zeros(1, 8, 3, 32, 32))
    with pytest.raises(ValueError, match=r"\(B, T, 3, H, W\)"):
        preprocess_clips(torch.zeros(1, 3, 16, 32, 32))


def test_value_matches_scipy_reference() -> None:
    real, fake = _videos(8), _videos(8, shift=0.3)
    metric = _fvd()
    metric.update(real, real=True)
    metric.update(fake, real=False)
    value = metric.compute()
    feats = [_ClipStats()(preprocess_clips(v, 3, 8)).double().numpy() for v in (real, fake)]
    mu1, mu2 = feats[0].mean(0), feats[1].mean(0)
    s1, s2 = np.cov(feats[0], rowvar=False), np.cov(feats[1], rowvar=False)
    expected = np.real(np.square(mu1 - mu2).sum() + np.trace(s1 + s2 - 2 * scipy.linalg.sqrtm(s1 @ s2)))
    assert value.dtype == torch.float64
    assert value.item() == pytest.approx(float(expected), rel=1e-6)


def test_states_are_float64_sums_and_merge_like_processes() -> None:
    metric = _fvd(chunk_size=2)
    for name in ("real_features_sum", "fake_features_cov_sum", "real_features_num_samples"):
        assert metric._reductions[name].__name__ == "dim_zero_sum"
    assert metric.fake_features_cov_sum.dtype == torch.float64
    real, fake = _videos(6), _videos(6, shift=0.2)
    whole = _fvd()
    whole.update(real, real=True)
    whole.update(fake, real=False)
    other = _fvd()
    metric.update(real[:3], real=True)
    metric.update(fake[:1], real=False)
    other.update(real[3:], real=True)
    other.update(fake[1:], real=False)
    metric.merge_state(other)  # the sum reduction torchmetrics applies across processes
    assert int(metric.fake_features_num_samples) == 6
    assert metric.compute().item() == pytest.approx(whole.compute().item(), rel=1e-9)


def test_reset_can_keep_real_statistics() -> None:
    real, fake = _videos(4), _videos(4, shift=0.2)
    metric = _fvd(reset_real_features=False)
    metric.update(real, real=True)
    metric.update(fake, real=False)
    first = metric.compute().item()
    metric.reset()
    assert int(metric.real_features_num_samples) == 4 and int(metric.fake_features_num_samples) == 0
    metric.update(fake, real=False)
    assert metric.compute().item() == pytest.approx(first, rel=1e-12)
    plain = _fvd()
    plain.update(real, real=True)
    plain.reset()
    assert int(plain.real_features_num_samples) == 0


def test_with_i3d_network_same_set_zero_and_noise_positive() -> None:
    torch.manual_seed(0)
    network = InceptionI3d()
    for module in network.modules():  # variance-preserving init, so random features are not vanishingly small
        if isinstance(module, nn.Conv3d):
            nn.init.kaiming_normal_(module.weight, nonlinearity="relu")
    metric = FrechetVideoDistance(network=network, num_frames=8, resolution=32)
    real = _videos(3, frames=8, size=32)
    metric.update(real, real=True)
    metric.update(real, real=False)
    # Not exactly 0: with 3 clips in 400 dims the covariances are singular and sqrt() of rounding-level
    # eigenvalues (~1e-16) adds ~1e-8 each; the scale of the features here is ~1.
    same = metric.compute().item()
    assert abs(same) < 1e-4
    metric.reset()
    metric.update(real, real=True)
    metric.update((real + 0.5 * torch.randn_like(real)).clamp(-1, 1), real=False)
    assert metric.compute().item() > 100 * abs(same) + 1e-3


def test_missing_weights_are_reported(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(WEIGHTS_ENV, str(tmp_path))
    with pytest.raises(MissingWeightsError, match="i3d_torchscript.pt"):
        FrechetVideoDistance()


def _published_weights() -> Path:
    folder = os.environ.get(WEIGHTS_ENV)
    if not folder or not any((Path(folder) / name).is_file() for name in I3D_WEIGHTS_NAMES):
        pytest.skip(f"FVD I3D weights not found: set {WEIGHTS_ENV} to a folder with {I3D_WEIGHTS_NAMES[0]}")
    return Path(folder)


@pytest.mark.slow
def test_published_weights_zero_for_same_set_and_growing_with_noise() -> None:
    metric = FrechetVideoDistance(weights_path=_published_weights(), reset_real_features=False)
    torch.manual_seed(0)
    coarse = torch.rand(4 * 16, 3, 4, 4) * 2 - 1  # smooth colour fields, 4 clips of 16 frames
    real = nn.functional.interpolate(coarse, size=(64, 64), mode="bilinear", align_corners=False)
    real = real.view(4, 16, 3, 64, 64)
    assert_zero_then_growing_with_noise(metric, real)


def test_loading_weights_never_touches_the_network(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    refuse_downloads(monkeypatch)
    torch.save(InceptionI3d().state_dict(), tmp_path / "rgb_imagenet.pt")
    metric = FrechetVideoDistance(weights_path=tmp_path / "rgb_imagenet.pt")
    assert isinstance(metric.network, InceptionI3d)
    assert metric.real_features_cov_sum.shape == (400, 400)


class _Task(nn.Module):
    """A stand-in for a LightningModule that owns an FVD metric."""

    def __init__(self) -> None:
        super().__init__()
        self.head = nn.Linear(2, 2)
        self.fvd = FrechetVideoDistance(network=_LinearClip(), num_frames=3, resolution=8)


def test_network_weights_stay_out_of_holder_checkpoints() -> None:
    task = _Task()
    state = task.state_dict()
    assert "head.weight" in state and not any(k.startswith("fvd.network.") for k in state)
    before = task.fvd.network.proj.weight.clone()
    fresh = _Task()
    fresh.load_state_dict(state, strict=True)  # missing network entries are refilled from the live network
    assert torch.equal(fresh.head.weight, task.head.weight)
    assert torch.equal(task.fvd.network.proj.weight, before)
    copy = pickle.loads(pickle.dumps(task))  # hooks must not break pickling (DDP spawn)
    assert not any(k.startswith("fvd.network.") for k in copy.state_dict())


class _LinearClip(nn.Module):
    """A stand-in network with parameters: a linear map of per-channel clip means."""

    num_features = 4

    def __init__(self) -> None:
        super().__init__()
        self.proj = nn.Linear(3, 4)

    def forward(self, clips: torch.Tensor) -> torch.Tensor:
        return self.proj(clips.mean(dim=(2, 3, 4)))  # (B, 4)
