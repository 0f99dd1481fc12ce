"""Where an error comes from: per-joint and per-frame breakdowns, as ``torchmetrics`` metrics.

``PerJointError`` splits root-aligned joint error (the quantity ``MPJPE`` averages) by joint and by frame
index, so a report can show which joints and which moments of a clip are worst; the mean of its per-joint
(or per-frame) values equals ``MPJPE`` on the same data. ``PerFrameMean`` averages any per-frame value
(e.g. PSNR) by frame index. Both keep float64 sums with ``dist_reduce_fx="sum"``, so under DDP the result
covers every clip of every process. Frame indices are bounded by ``max_frames`` because distributed
reduction needs states of one shape on every process.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torchmetrics import Metric

from unimo.body.skeleton import HIP_JOINTS, NUM_BODY_MODEL_JOINTS
from unimo.metrics.motion import M_TO_MM


class _FrameSums(Metric):
    """Shared state: a sum and a count per frame index, up to ``max_frames``."""

    is_differentiable = False
    full_state_update = False

    def __init__(self, max_frames: int = 1024, **kwargs: object) -> None:
        super().__init__(**kwargs)
        self.max_frames = max_frames
        zeros = torch.zeros(max_frames, dtype=torch.float64)
        self.add_state("frame_sum", default=zeros.clone(), dist_reduce_fx="sum")
        self.add_state("frame_count", default=zeros.clone(), dist_reduce_fx="sum")

    def _add_frames(self, values: torch.Tensor, valid: torch.Tensor) -> None:
        """Add ``values`` ``(B, T)`` where ``valid`` ``(B, T)`` holds."""
        t = values.shape[1]
        if t > self.max_frames:
            raise ValueError(f"{type(self).__name__}: clips of {t} frames exceed "
                             f"max_frames={self.max_frames}")
        self.frame_sum[:t] += torch.where(valid, values, torch.zeros_like(values)).sum(0)
        self.frame_count[:t] += valid.sum(0)

    def _frame_means(self) -> torch.Tensor:
        """Return means ``(T,)`` over the frame indices seen (NaN where a seen index had no valid value)."""
        seen = (self.frame_count > 0).nonzero()
        length = int(seen.max()) + 1 if len(seen) else 0
        return (self.frame_sum[:length] / self.frame_count[:length]).float()


class PerFrameMean(_FrameSums):
    """Mean of a per-frame value ``(B, T)`` by frame index, skipping non-finite values (infinite PSNR).

    Args:
        max_frames: Longest clip accepted.
    """

    def update(self, values: torch.Tensor) -> None:
        """Add per-frame values ``(B, T)``."""
        if values.ndim != 2:
            raise ValueError(f"PerFrameMean: expected values (B, T), got {tuple(values.shape)}")
        values = values.detach().double()
        self._add_frames(values, torch.isfinite(values))

    def compute(self) -> torch.Tensor:
        """Return the mean value of each frame index ``(T,)``."""
        return self._frame_means()


class PerJointError(_FrameSums):
    """Root-aligned joint position error (mm) by joint and by frame index; their means equal ``MPJPE``.

    Args:
        num_joints: Joints per skeleton (22 SMPL-X body joints).
        max_frames: Longest clip accepted.
        pelvis_indices: Joints whose mean is subtracted per frame, as in ``MPJPE`` (the two hips).
    """

    higher_is_better = False

    def __init__(self, num_joints: int = NUM_BODY_MODEL_JOINTS, max_frames: int = 1024,
                 pelvis_indices: Sequence[int] = HIP_JOINTS, **kwargs: object) -> None:
        super().__init__(max_frames=max_frames, **kwargs)
        self.num_joints, self.pelvis_indices = num_joints, list(pelvis_indices)
        zeros = torch.zeros(num_joints, dtype=torch.float64)
        self.add_state("joint_sum", default=zeros, dist_reduce_fx="sum")

    def update(self, preds: torch.Tensor, target: torch.Tensor) -> None:
        """Add joints ``(B, T, J, 3)`` in metres."""
        if preds.ndim != 4 or preds.shape != target.shape or preds.shape[2] != self.num_joints:
            raise ValueError(f"PerJointError: expected preds and target (B, T, {self.num_joints}, 3), got "
                             f"{tuple(preds.shape)} and {tuple(target.shape)}")
        preds, target = preds.detach().double(), target.detach().double()
        if self.pelvis_indices:
            preds = preds - preds[:, :, self.pelvis_indices].mean(2, keepdim=True)
            target = target - target[:, :, self.pelvis_indices].mean(2, keepdim=True)
        errors = (preds - target).norm(dim=-1)  # (B, T, J) metres
        self.joint_sum += errors.sum((0, 1))
        every = torch.ones(errors.shape[:2], dtype=torch.bool, device=errors.device)  # (B, T)
        self._add_frames(errors.mean(-1), every)

    def compute(self) -> dict[str, torch.Tensor]:
        """Return ``{"per_joint_mm": (J,), "per_frame_mm": (T,)}``."""
        frames = self.frame_count.sum()
        return {"per_joint_mm": (self.joint_sum / frames * M_TO_MM).float(),
                "per_frame_mm": self._frame_means() * M_TO_MM}
