"""Joint-position metrics for 3D human motion, as ``torchmetrics`` metrics that reduce across processes.

Inputs are joints ``(B, T, J, 3)`` in metres (e.g. ``BodyModel.joints``) and an optional validity mask
``(B, T)``; distances are returned in millimetres. Definitions follow the evaluation code of WHAM
(Shin et al., CVPR 2024) and GVHMR (Shen et al., SIGGRAPH Asia 2024, ``hmr4d/utils/eval/eval_utils.py``):

- ``MPJPE``: mean joint distance after subtracting each frame's pelvis (mean of the hips by default).
- ``PAMPJPE``: per frame, the prediction is aligned to the target by a similarity transform (Procrustes
  with scale) first.
- ``WMPJPE100``: the sequence is cut into windows of 100 frames; each predicted window is moved by the
  similarity transform that best aligns its FIRST TWO frames to the target, then errors are averaged.
- ``WAMPJPE100``: as above, with the similarity transform fitted on the WHOLE window.
- ``AccelError``: distance between second differences ``x[t-1] - 2x[t] + x[t+1]`` (mm/frame^2).
- ``Jitter``: mean jerk magnitude of the prediction, in the 10 m/s^3 unit of WHAM/GVHMR tables.
- ``FootSliding``: mean displacement (mm/frame) of predicted foot joints over the frames where the target's
  foot moves less than 1 cm/frame (GVHMR measures 4 foot vertices; we use the ankle and foot joints).
- ``FootSkate``: reference-free (for generated motion): mean horizontal displacement (mm/frame) of each
  foot joint over steps where it stays within 5 cm of its lowest height in the sequence (ours, in the
  spirit of the foot-skating measures of motion-generation papers; needs the world's up axis).

Every metric keeps a sum and a count with ``dist_reduce_fx="sum"``, so the distributed result is the
mean over all frames of all processes, not a mean of per-process means.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torchmetrics import Metric

from unimo.body.alignment import align_points, apply_similarity, similarity_transform
from unimo.body.skeleton import FOOT_JOINTS, HIP_JOINTS

M_TO_MM = 1000.0


class JointErrorMetric(Metric):
    """Base class: accumulate per-frame errors ``(B, T')`` over valid frames; ``compute`` returns the mean.

    Subclasses implement ``frame_errors(preds, target, mask) -> (errors, valid)`` in metres (or their
    unit before ``scale``).
    """

    is_differentiable = False
    higher_is_better = False
    full_state_update = False
    scale = M_TO_MM

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)
        self.add_state("error_sum", default=torch.tensor(0.0, dtype=torch.float64), dist_reduce_fx="sum")
        self.add_state("count", default=torch.tensor(0.0, dtype=torch.float64), dist_reduce_fx="sum")

    def update(self, preds: torch.Tensor, target: torch.Tensor, mask: torch.Tensor | None = None) -> None:
        """Add a batch: ``preds``, ``target`` ``(B, T, J, 3)`` in metres; ``mask`` ``(B, T)``, True=valid."""
        mask = _check_inputs(type(self).__name__, preds, target, mask)
        errors, valid = self.frame_errors(preds.detach().double(), target.detach().double(), mask)
        # where, not multiply: invalid (e.g. padded NaN) frames must not poison the sum.
        self.error_sum += torch.where(valid, errors, torch.zeros_like(errors)).sum()
        self.count += valid.sum()

    def compute(self) -> torch.Tensor:
        """Return the mean error over every valid frame seen (NaN before any update)."""
        return (self.error_sum / self.count * self.scale).float()

    def frame_errors(self, preds: torch.Tensor, target: torch.Tensor,
                     mask: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        raise NotImplementedError


def _check_inputs(
    name: str, preds: torch.Tensor, target: torch.Tensor, mask: torch.Tensor | None
) -> torch.Tensor:
    if preds.ndim != 4 or preds.shape[-1] != 3 or preds.shape != target.shape:
        raise ValueError(f"{name}: expected preds and target joints of one shape (B, T, J, 3), got "
                         f"{tuple(preds.shape)} and {tuple(target.shape)}")
    if mask is None:
        return torch.ones(preds.shape[:2], dtype=torch.bool, device=preds.device)
    if mask.shape != preds.shape[:2]:
        raise ValueError(f"{name}: mask must be (B, T) = {tuple(preds.shape[:2])}, got {tuple(mask.shape)}")
    return mask.bool()


def _check_indices(metric: Metric, indices: Sequence[int], num_joints: int) -> None:
    if any(not -num_joints <= i < num_joints for i in indices):
        raise ValueError(f"{type(metric).__name__}: joint indices {list(indices)} do not fit {num_joints} "
                         "joints (defaults assume the 22 SMPL-X body joints)")


def mean_joint_distance(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """Return the mean over joints of Euclidean distances: ``(..., J, 3) -> (...)``."""
    return (a - b).norm(dim=-1).mean(-1)


class MPJPE(JointErrorMetric):
    """Mean per-joint position error (mm) after root alignment of each frame.

    Args:
        pelvis_indices: Joints whose mean is subtracted per frame from each skeleton (default: the two hips,
            as WHAM/GVHMR); empty for no alignment (raw world/camera coordinates).
    """

    def __init__(self, pelvis_indices: Sequence[int] = HIP_JOINTS, **kwargs: object) -> None:
        super().__init__(**kwargs)
        self.pelvis_indices = list(pelvis_indices)

    def frame_errors(self, preds: torch.Tensor, target: torch.Tensor,
                     mask: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        _check_indices(self, self.pelvis_indices, preds.shape[2])
        if self.pelvis_indices:
            preds = preds - preds[:, :, self.pelvis_indices].mean(2, keepdim=True)
            target = target - target[:, :, self.pelvis_indices].mean(2, keepdim=True)
        return mean_joint_distance(preds, target), mask


class PAMPJPE(JointErrorMetric):
    """Procrustes-aligned MPJPE (mm): each predicted frame is first fitted to the target by s, R, t."""

    def frame_errors(self, preds: torch.Tensor, target: torch.Tensor,
                     mask: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        return mean_joint_distance(align_points(preds, target, with_scale=True), target), mask


class _WindowedMPJPE(JointErrorMetric):
    """World-grounded MPJPE over windows of ``window`` valid frames (see module docstring)."""

    fit_frames: int | None = None  # frames of each window used for the fit; None = all

    def __init__(self, window: int = 100, **kwargs: object) -> None:
        super().__init__(**kwargs)
        if window < 2:
            raise ValueError(f"{type(self).__name__}: window must be >= 2 frames, got {window}")
        self.window = window

    def frame_errors(self, preds: torch.Tensor, target: torch.Tensor,
                     mask: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        errors = torch.zeros(mask.shape, dtype=preds.dtype, device=preds.device)
        for b in range(preds.shape[0]):
            frames = mask[b].nonzero()[:, 0]  # invalid frames are skipped, as in WHAM/GVHMR
            for start in range(0, len(frames), self.window):
                idx = frames[start : start + self.window]
                pred, tgt = preds[b, idx], target[b, idx]  # (W, J, 3)
                k = len(idx) if self.fit_frames is None else self.fit_frames
                fit_pred, fit_tgt = pred[:k].reshape(1, -1, 3), tgt[:k].reshape(1, -1, 3)
                aligned = _apply_fit(pred, fit_pred, fit_tgt)
                errors[b, idx] = mean_joint_distance(aligned, tgt)
        return errors, mask


def _apply_fit(points: torch.Tensor, fit_source: torch.Tensor, fit_target: torch.Tensor) -> torch.Tensor:
    """Move ``points`` ``(W, J, 3)`` by the similarity fit of ``fit_source`` onto ``fit_target``."""
    scale, rotation, translation = similarity_transform(fit_source, fit_target, with_scale=True)
    return apply_similarity(points.reshape(1, -1, 3), scale, rotation, translation).reshape(points.shape)


class WMPJPE100(_WindowedMPJPE):
    """W-MPJPE (mm): windows of 100 frames aligned by a similarity fit on their first two frames."""

    fit_frames = 2


class WAMPJPE100(_WindowedMPJPE):
    """WA-MPJPE (mm): windows of 100 frames aligned by a similarity fit on the whole window."""

    fit_frames = None


def _window_valid(mask: torch.Tensor, width: int) -> torch.Tensor:
    """Return ``(B, T - width + 1)``: True where all ``width`` consecutive frames are valid."""
    return mask.unfold(1, width, 1).all(-1) if mask.shape[1] >= width else mask[:, :0]


class AccelError(JointErrorMetric):
    """Acceleration error (mm/frame^2): mean joint distance of second differences of pred and target."""

    def frame_errors(self, preds: torch.Tensor, target: torch.Tensor,
                     mask: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        accel_p = preds[:, :-2] - 2 * preds[:, 1:-1] + preds[:, 2:]  # (B, T-2, J, 3)
        accel_t = target[:, :-2] - 2 * target[:, 1:-1] + target[:, 2:]
        return mean_joint_distance(accel_p, accel_t), _window_valid(mask, 3)


class Jitter(JointErrorMetric):
    """Jitter of the prediction: mean jerk magnitude, in 10 m/s^3 as reported by WHAM and GVHMR.

    ``target`` is only checked for shape (the metric describes the prediction alone).

    Args:
        fps: Frame rate of the joints (GVHMR evaluates at 30).
    """

    scale = 0.1  # m/s^3 -> 10 m/s^3

    def __init__(self, fps: float = 30.0, **kwargs: object) -> None:
        super().__init__(**kwargs)
        self.fps = fps

    def frame_errors(self, preds: torch.Tensor, target: torch.Tensor,
                     mask: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        jerk = preds[:, 3:] - 3 * preds[:, 2:-1] + 3 * preds[:, 1:-2] - preds[:, :-3]  # (B, T-3, J, 3)
        return jerk.norm(dim=-1).mean(-1) * self.fps**3, _window_valid(mask, 4)


class FootSliding(JointErrorMetric):
    """Foot sliding (mm/frame): predicted foot-joint displacement where the target foot is in contact.

    Args:
        foot_indices: Foot joints (default: SMPL-X ankles and feet 7, 8, 10, 11).
        contact_threshold: Target displacement (metres per frame) below which a foot is in contact.
    """

    def __init__(self, foot_indices: Sequence[int] = FOOT_JOINTS, contact_threshold: float = 0.01,
                 **kwargs: object) -> None:
        super().__init__(**kwargs)
        self.foot_indices, self.contact_threshold = list(foot_indices), contact_threshold

    def frame_errors(self, preds: torch.Tensor, target: torch.Tensor,
                     mask: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        _check_indices(self, self.foot_indices, preds.shape[2])
        feet_p, feet_t = preds[:, :, self.foot_indices], target[:, :, self.foot_indices]  # (B, T, F, 3)
        disp_p = (feet_p[:, 1:] - feet_p[:, :-1]).norm(dim=-1)  # (B, T-1, F)
        contact = (feet_t[:, 1:] - feet_t[:, :-1]).norm(dim=-1) < self.contact_threshold
        contact = contact & _window_valid(mask, 2)[..., None]
        # Each (frame, foot) contact is one sample, as in GVHMR's error = pred_disp[contact].
        return disp_p, contact


class FootSkate(JointErrorMetric):
    """Foot skating of the prediction alone (mm/frame): horizontal foot motion while near the ground.

    ``target`` is only checked for shape. The ground of each foot joint is its lowest valid height in the
    sequence, so a body floating or sinking by a constant does not change the result.

    Args:
        up_axis: World axis pointing up (1 for y-up SMPL-X/GVHMR, 2 for z-up AMASS).
        foot_indices: Foot joints (default: SMPL-X ankles and feet 7, 8, 10, 11).
        height_threshold: Height above that joint's ground (metres) counted as contact.
    """

    def __init__(self, up_axis: int = 1, foot_indices: Sequence[int] = FOOT_JOINTS,
                 height_threshold: float = 0.05, **kwargs: object) -> None:
        super().__init__(**kwargs)
        self.up_axis, self.foot_indices = up_axis, list(foot_indices)
        self.height_threshold = height_threshold

    def frame_errors(self, preds: torch.Tensor, target: torch.Tensor,
                     mask: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        _check_indices(self, self.foot_indices, preds.shape[2])
        feet = preds[:, :, self.foot_indices]  # (B, T, F, 3)
        height = feet[..., self.up_axis]  # (B, T, F)
        inf = torch.full_like(height, float("inf"))
        ground = torch.where(mask[..., None], height, inf).amin(1, keepdim=True)  # (B, 1, F) lowest valid
        low = height - ground < self.height_threshold
        horizontal = [a for a in range(3) if a != self.up_axis]
        step = (feet[:, 1:] - feet[:, :-1])[..., horizontal].norm(dim=-1)  # (B, T-1, F)
        contact = low[:, 1:] & low[:, :-1] & _window_valid(mask, 2)[..., None]
        return step, contact


__all__ = [
    "MPJPE", "PAMPJPE", "WAMPJPE100", "WMPJPE100", "AccelError", "FootSkate", "FootSliding",
    "JointErrorMetric", "Jitter",
]
