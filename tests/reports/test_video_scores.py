"""FID/FVD in reports: computed with weights, 'not computed: <what to do>' without them."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from unimo.metrics.fid import VideoFrechetInceptionDistance
from unimo.reports.video_scores import VideoScores


class MeanColour(torch.nn.Module):
    """A stand-in feature network: mean colour of each uint8 image (N, 3, H, W) -> (N, 3)."""

    num_features = 3

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        return images.float().mean((2, 3))


def test_missing_weights_give_the_reason_and_no_crash(tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("UNIMO_WEIGHTS_DIR", str(tmp_path))
    scores = VideoScores()
    scores.update(torch.zeros(2, 17, 3, 8, 8), torch.zeros(2, 17, 3, 8, 8), start_frame=1)
    assert set(scores.compute()) == {"pose_fid", "pose_fvd"}  # unimo's own pose network always scores
    assert f"{tmp_path}/pt_inception-2015-12-05-6726825d.pth" in scores.reasons["fid"]
    assert f"{tmp_path}/i3d_torchscript.pt" in scores.reasons["fvd"]


def test_scores_with_a_network_skip_conditioning_frames() -> None:
    def fid(start_frame: int) -> VideoFrechetInceptionDistance:
        return VideoFrechetInceptionDistance(start_frame=start_frame, network=MeanColour())

    torch.manual_seed(0)
    real = torch.rand(4, 5, 3, 8, 8) * 2 - 1
    fake = real.clone()
    fake[:, 0] = -1.0  # only the copied conditioning frame differs
    scores = VideoScores(builders={"fid": fid})
    scores.update(real, fake, start_frame=1)
    assert scores.compute()["fid"] == pytest.approx(0.0, abs=1e-6)
    everything = VideoScores(builders={"fid": fid})
    everything.update(real, fake, start_frame=0)
    assert everything.compute()["fid"] > 1.0


def test_too_few_clips_and_disabled_are_reasons() -> None:
    scores = VideoScores(builders={"fid": lambda s: VideoFrechetInceptionDistance(network=MeanColour())})
    scores.update(torch.zeros(1, 1, 3, 8, 8), torch.zeros(1, 1, 3, 8, 8))  # one image per side
    assert scores.compute() == {} and "(1 clips)" in scores.reasons["fid"]
    off = VideoScores(enabled=False)
    assert off.compute() == {} and off.reasons == {}  # no videos: nothing to claim
    off.update(torch.zeros(2, 1, 3, 8, 8), torch.zeros(2, 1, 3, 8, 8))
    assert off.compute() == {} and set(off.reasons) == {"fid", "fvd", "pose_fid", "pose_fvd"}
