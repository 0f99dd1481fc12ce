"""PerJointError / PerFrameMean: hand-computed values, and agreement with MPJPE on the same data."""

from __future__ import annotations

import pytest
import torch

from unimo.metrics.motion import MPJPE
from unimo.metrics.profile import PerFrameMean, PerJointError


def test_per_joint_error_by_hand() -> None:
    target = torch.zeros(1, 2, 3, 3)  # B=1, T=2, J=3
    preds = target.clone()
    preds[0, 0, 2] = torch.tensor([0.003, 0.004, 0.0])  # joint 2, frame 0: 5 mm off
    preds[0, 1, 1] = torch.tensor([0.0, 0.0, 0.012])  # joint 1, frame 1: 12 mm off
    metric = PerJointError(num_joints=3, pelvis_indices=[])  # no root alignment: distances as given
    metric.update(preds, target)
    out = metric.compute()
    assert torch.allclose(out["per_joint_mm"], torch.tensor([0.0, 6.0, 2.5]))  # means over 2 frames
    assert torch.allclose(out["per_frame_mm"], torch.tensor([5 / 3, 4.0]))  # means over 3 joints


def test_means_equal_mpjpe_over_uneven_batches() -> None:
    torch.manual_seed(1)
    profile, mpjpe = PerJointError(), MPJPE()
    for batch in (3, 1):  # clips of one length in batches of different sizes
        preds, target = torch.randn(batch, 7, 22, 3), torch.randn(batch, 7, 22, 3)
        profile.update(preds, target)
        mpjpe.update(preds, target)
    out = profile.compute()
    assert out["per_frame_mm"].shape == (7,)
    assert out["per_joint_mm"].mean() == pytest.approx(float(mpjpe.compute()), rel=1e-5)
    assert out["per_frame_mm"].mean() == pytest.approx(float(mpjpe.compute()), rel=1e-5)


def test_shorter_clips_count_only_their_frames() -> None:
    metric = PerFrameMean(max_frames=8)
    metric.update(torch.tensor([[1.0, 2.0, 3.0]]))
    metric.update(torch.tensor([[3.0, float("inf")]]))  # inf (identical frames' PSNR) is skipped
    assert torch.equal(metric.compute(), torch.tensor([2.0, 2.0, 3.0]))


def test_too_long_clips_and_wrong_shapes_raise() -> None:
    with pytest.raises(ValueError, match="max_frames=4"):
        PerFrameMean(max_frames=4).update(torch.zeros(1, 5))
    with pytest.raises(ValueError, match=r"\(B, T, 22, 3\)"):
        PerJointError().update(torch.zeros(1, 2, 21, 3), torch.zeros(1, 2, 21, 3))
