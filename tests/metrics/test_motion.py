"""Motion metrics against hand-computed values and scipy least-squares references."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from scipy.optimize import least_squares
from scipy.spatial.transform import Rotation

from unimo.metrics.motion import (
    MPJPE,
    PAMPJPE,
    WAMPJPE100,
    WMPJPE100,
    AccelError,
    FootSkate,
    FootSliding,
    Jitter,
)


def _joints(batch: int, frames: int, joints: int = 6, seed: int = 0) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed)
    walk = torch.cumsum(0.02 * torch.randn(batch, frames, 1, 3, generator=g, dtype=torch.float64), dim=1)
    return walk + 0.3 * torch.randn(batch, frames, joints, 3, generator=g, dtype=torch.float64)


def _similarity(points: np.ndarray, scale: float, rotvec: list[float], shift: list[float]) -> np.ndarray:
    return scale * points @ Rotation.from_rotvec(rotvec).as_matrix().T + np.asarray(shift)


def _fit_and_apply(source: np.ndarray, target: np.ndarray) -> np.ndarray:
    """Move ``source`` (N, 3) by its least-squares similarity fit onto ``target`` (generic optimiser)."""

    def residual(p: np.ndarray) -> np.ndarray:
        return (_similarity(source, np.exp(p[0]), p[1:4], p[4:7]) - target).ravel()

    x = least_squares(residual, x0=np.zeros(7), xtol=1e-14, ftol=1e-14, gtol=1e-14).x
    return _similarity(source, np.exp(x[0]), x[1:4], x[4:7])


def _best_similarity_error(source: np.ndarray, target: np.ndarray) -> float:
    return float(np.linalg.norm(_fit_and_apply(source, target) - target, axis=-1).mean())


def test_mpjpe_by_hand() -> None:
    target = torch.zeros(1, 2, 4, 3)
    preds = target.clone()
    preds[0, :, 3, 0] = 0.03  # one of four joints 3 cm off in every frame
    raw = MPJPE(pelvis_indices=())
    raw.update(preds, target)
    assert raw.compute().item() == pytest.approx(7.5)  # 30 mm / 4 joints
    shifted = MPJPE()  # hips (1, 2) aligned: a rigid shift of everything costs nothing
    shifted.update(target + torch.tensor([0.1, -0.2, 0.3]), target)
    assert shifted.compute().item() == pytest.approx(0.0, abs=1e-6)


def test_pampjpe_ignores_similarity_and_matches_least_squares() -> None:
    target = _joints(1, 3, seed=1)
    moved = _similarity(target.numpy(), 1.7, [0.3, -1.2, 2.0], [1.0, 2.0, -0.5])
    metric = PAMPJPE()
    metric.update(torch.from_numpy(moved), target)
    assert metric.compute().item() < 1e-6
    noisy = moved + 0.02 * np.random.default_rng(0).normal(size=moved.shape)
    metric = PAMPJPE()
    metric.update(torch.from_numpy(noisy), target)
    expected = np.mean([_best_similarity_error(noisy[0, t], target[0, t].numpy()) for t in range(3)]) * 1000
    assert metric.compute().item() == pytest.approx(expected, rel=1e-5)


def test_wmpjpe_aligns_first_two_frames_of_each_window() -> None:
    target = _joints(1, 250, seed=2)
    # Known errors in the aligned frame: zero on the first two frames of each 100-frame window.
    errors = 0.01 * torch.arange(1, 251, dtype=torch.float64)[None, :, None, None] * torch.tensor([1.0, 0, 0])
    errors = errors.expand(1, 250, 6, 3).clone()
    for start in (0, 100, 200):
        errors[:, start : start + 2] = 0
    preds = torch.empty_like(target)
    for k, start in enumerate((0, 100, 200)):  # a different unknown similarity per window
        window = slice(start, start + 100)
        preds[:, window] = torch.from_numpy(
            _similarity((target + errors)[:, window].numpy(), 0.5 + k, [0.2 * k, 1.0, -0.4], [k, 2.0, 3.0]))
    metric = WMPJPE100()
    metric.update(preds, target)
    assert metric.compute().item() == pytest.approx(errors.norm(dim=-1).mean().item() * 1000, rel=1e-6)


def test_wampjpe_fits_whole_windows_and_matches_least_squares() -> None:
    target = _joints(1, 25, joints=4, seed=3)
    preds = target.numpy() + 0.05 * np.random.default_rng(1).normal(size=target.shape)
    metric = WAMPJPE100(window=10)  # windows 10 + 10 + 5 frames
    metric.update(torch.from_numpy(preds), target)
    per_frame = []
    for start in (0, 10, 20):
        p, t = preds[0, start : start + 10], target[0, start : start + 10].numpy()
        fit = _fit_and_apply(p.reshape(-1, 3), t.reshape(-1, 3)).reshape(p.shape)
        per_frame += list(np.linalg.norm(fit - t, axis=-1).mean(-1))
    assert metric.compute().item() == pytest.approx(np.mean(per_frame) * 1000, rel=1e-5)
    exact = WAMPJPE100(window=10)
    exact.update(torch.from_numpy(_similarity(target.numpy(), 2.0, [1.0, 0, 0], [0, 0, 1.0])), target)
    assert exact.compute().item() < 1e-6


def test_accel_error_constant_acceleration_and_mask() -> None:
    t = torch.arange(10, dtype=torch.float64)[None, :, None, None]
    preds = 0.5 * 0.002 * t**2 * torch.tensor([1.0, 0, 0])  # 2 mm/frame^2 along x
    preds = preds.expand(1, 10, 5, 3)
    target = torch.zeros_like(preds)
    metric = AccelError()
    metric.update(preds, target)
    assert metric.compute().item() == pytest.approx(2.0)
    assert metric.count.item() == 8
    masked = AccelError()
    mask = torch.ones(1, 10, dtype=torch.bool)
    mask[0, 5] = False
    masked.update(preds, target, mask)
    assert masked.count.item() == 5  # windows 3..5, 4..6, 5..7 dropped


def test_jitter_of_constant_jerk() -> None:
    t = torch.arange(12, dtype=torch.float64)[None, :, None, None]
    preds = (1e-5 * t**3 / 6 * torch.tensor([0.0, 1.0, 0.0])).expand(2, 12, 3, 3)
    metric = Jitter(fps=30.0)
    metric.update(preds, torch.zeros_like(preds))
    assert metric.compute().item() == pytest.approx(1e-5 * 30**3 / 10, rel=1e-6)


def test_foot_sliding_counts_only_target_contacts() -> None:
    target = torch.zeros(1, 6, 22, 3)
    target[0, 3:, :, 2] = torch.tensor([0.1, 0.2, 0.3])[:, None]  # moves 10 cm/frame from frame 2->3 on
    preds = (0.005 * torch.arange(6.0))[None, :, None, None] * torch.tensor([1.0, 0, 0])
    preds = preds.expand(1, 6, 22, 3)
    metric = FootSliding()
    metric.update(preds, target)
    assert metric.compute().item() == pytest.approx(5.0, rel=1e-6)
    assert metric.count.item() == 2 * 4  # contact steps 0->1 and 1->2, four foot joints


def test_foot_skate_measures_horizontal_motion_near_the_ground() -> None:
    frames = torch.arange(8.0)
    joints = torch.zeros(1, 8, 22, 3)
    joints[0, :, :, 1] = 0.3  # the body floats 30 cm up: ground is relative
    joints[0, :, :, 0] = 0.003 * frames[:, None]  # slides 3 mm/frame along x ...
    joints[0, 5:, :, 1] += 0.2  # ... and steps up 20 cm from frame 5 on, moving fast
    joints[0, 5:, :, 2] = 0.1 * frames[5:, None]
    metric = FootSkate(up_axis=1)
    metric.update(joints, torch.zeros_like(joints))
    assert metric.compute().item() == pytest.approx(3.0, rel=1e-5)
    assert metric.count.item() == 4 * 4  # steps 0->1 .. 3->4 on the ground, four foot joints
    planted = joints.clone()
    planted[0, :5, :, 0] = 0.0  # no sliding while on the ground; the fast step in the air is not skating
    still = FootSkate(up_axis=1)
    still.update(planted, torch.zeros_like(planted))
    assert still.compute().item() == 0.0


def test_sums_and_counts_reduce_like_one_big_batch() -> None:
    # Small motions (x 0.03) so that the foot metrics see contacts in both batches.
    a, b = 0.03 * _joints(2, 7, joints=22, seed=4), 0.03 * _joints(3, 7, joints=22, seed=5)
    pa, pb = a + 0.001 * torch.randn_like(a), b + 0.005 * torch.randn_like(b)
    for cls in (MPJPE, PAMPJPE, WMPJPE100, WAMPJPE100, AccelError, Jitter, FootSliding, FootSkate):
        whole = cls()
        whole.update(torch.cat([pa, pb]), torch.cat([a, b]))
        first, second = cls(), cls()
        first.update(pa, a)
        second.update(pb, b)
        first.merge_state(second)  # applies the dist_reduce_fx ("sum") of each state, as sync does
        assert 0 < first.count.item() < whole.count.item() + 1 and second.count.item() > 0
        assert first.compute().item() == pytest.approx(whole.compute().item(), rel=1e-6)
        assert all(fx is not None for fx in first._reductions.values())


def test_mask_skips_nan_padding() -> None:
    target = _joints(1, 8, seed=6)
    preds = target + 0.01
    preds[0, 6:] = float("nan")
    mask = torch.ones(1, 8, dtype=torch.bool)
    mask[0, 6:] = False
    metric = MPJPE(pelvis_indices=())
    metric.update(preds, target, mask)
    assert metric.compute().item() == pytest.approx(np.sqrt(3) * 10, rel=1e-6)


def test_bad_shapes_fail_clearly() -> None:
    with pytest.raises(ValueError, match=r"MPJPE.*\(B, T, J, 3\)"):
        MPJPE().update(torch.zeros(2, 4, 3), torch.zeros(2, 4, 3))
    with pytest.raises(ValueError, match="mask"):
        MPJPE().update(torch.zeros(1, 4, 2, 3), torch.zeros(1, 4, 2, 3), torch.ones(4, dtype=torch.bool))
    with pytest.raises(ValueError, match=r"FootSliding: joint indices \[7, 8, 10, 11\] do not fit 6 joints"):
        FootSliding().update(torch.zeros(1, 4, 6, 3), torch.zeros(1, 4, 6, 3))
