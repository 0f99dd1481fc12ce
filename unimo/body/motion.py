"""``Motion``: T frames of SMPL-X body parameters, the motion representation used everywhere in unimo.

Per frame (UniMo, Pang et al. 2025): body pose 63 (21 joints x axis-angle), betas 10, global
orientation 3, translation 3 = 79 channels, in that order when flattened (``to_tensor``).
``motion[a:b]`` slices frames; ``motion.resample(fps)`` changes the frame rate (slerp for rotations).
Reading other formats (AMASS, GVHMR, ...): ``unimo.data.load_motion``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from unimo.atomic import temp_beside

NUM_BODY_JOINTS = 21
NUM_BETAS = 10
# Channel layout of the flattened (T, 79) representation.
POSE_SLICE = slice(0, 63)
BETAS_SLICE = slice(63, 73)
ORIENT_SLICE = slice(73, 76)
TRANSL_SLICE = slice(76, 79)
NUM_CHANNELS = 79


@dataclass
class Motion:
    """SMPL-X body motion of one person.

    Attributes:
        global_orient: ``(T, 3)`` root orientation, axis-angle.
        body_pose: ``(T, 63)`` 21 body joints, axis-angle, SMPL-X joint order.
        betas: ``(10,)`` (constant shape) or ``(T, 10)``.
        transl: ``(T, 3)`` root translation in metres.
        fps: frames per second.
    """

    global_orient: torch.Tensor
    body_pose: torch.Tensor
    betas: torch.Tensor
    transl: torch.Tensor
    fps: float

    def __post_init__(self) -> None:
        t = self.global_orient.shape[0]
        expected = {"global_orient": (t, 3), "body_pose": (t, 63), "transl": (t, 3)}
        for name, shape in expected.items():
            if tuple(getattr(self, name).shape) != shape:
                got = tuple(getattr(self, name).shape)
                raise ValueError(f"Motion.{name}: expected shape {shape}, got {got}")
        if tuple(self.betas.shape) not in {(NUM_BETAS,), (t, NUM_BETAS)}:
            raise ValueError(f"Motion.betas: expected (10,) or ({t}, 10), got {tuple(self.betas.shape)}")
        if not self.fps > 0:
            raise ValueError(f"Motion.fps: expected a positive number, got {self.fps}")

    @property
    def num_frames(self) -> int:
        return self.global_orient.shape[0]

    def __len__(self) -> int:
        return self.num_frames

    def per_frame_betas(self) -> torch.Tensor:
        """Return betas as ``(T, 10)``."""
        return self.betas.expand(self.num_frames, NUM_BETAS) if self.betas.ndim == 1 else self.betas

    def to_tensor(self) -> torch.Tensor:
        """Return the ``(T, 79)`` channel layout: pose 63, betas 10, orientation 3, translation 3."""
        return torch.cat([self.body_pose, self.per_frame_betas(), self.global_orient, self.transl], dim=-1)

    @classmethod
    def from_tensor(cls, x: torch.Tensor, fps: float) -> Motion:
        """Build from the ``(T, 79)`` channel layout of ``to_tensor``."""
        if x.ndim != 2 or x.shape[-1] != NUM_CHANNELS:
            raise ValueError(f"expected a (T, {NUM_CHANNELS}) tensor, got {tuple(x.shape)}")
        return cls(
            global_orient=x[:, ORIENT_SLICE], body_pose=x[:, POSE_SLICE], betas=x[:, BETAS_SLICE],
            transl=x[:, TRANSL_SLICE], fps=fps,
        )

    def save(self, path: str | Path) -> None:
        """Write an ``.npz`` atomically (temp file, then rename)."""
        path = Path(path)
        tmp = temp_beside(path)
        with open(tmp, "wb") as f:  # a file object: np.savez would append ".npz" to a name
            np.savez(f, **{k: v.detach().cpu().numpy().astype(np.float32) for k, v in self._arrays().items()},
                     fps=np.float32(self.fps))
        tmp.replace(path)

    @classmethod
    def load(cls, path: str | Path) -> Motion:
        """Read an ``.npz`` written by ``save``."""
        with np.load(path) as f:
            missing = {"global_orient", "body_pose", "betas", "transl", "fps"} - set(f.files)
            if missing:
                raise KeyError(f"{path}: not a unimo motion file, missing fields {sorted(missing)}")
            names = ("global_orient", "body_pose", "betas", "transl")
            arrays = {k: torch.from_numpy(f[k].astype(np.float32)) for k in names}
            return cls(**arrays, fps=float(f["fps"]))

    def __getitem__(self, index: slice | int) -> Motion:
        """Return the frames selected by a slice (or one frame, as a 1-frame motion); fps is kept."""
        if isinstance(index, int):
            if not -self.num_frames <= index < self.num_frames:
                raise IndexError(f"frame {index} out of range for a motion of {self.num_frames} frames")
            index = slice(index % self.num_frames, index % self.num_frames + 1)
        if not isinstance(index, slice):
            raise TypeError(f"Motion indices must be slices or ints, got {type(index).__name__}")
        if index.step is not None and index.step <= 0:
            raise ValueError("Motion slices need a positive step (use resample to change the frame rate)")
        betas = self.betas if self.betas.ndim == 1 else self.betas[index]
        return Motion(self.global_orient[index], self.body_pose[index], betas, self.transl[index], self.fps)

    def resample(self, fps: float) -> Motion:
        """Return the motion at another frame rate: slerp for rotations, linear for translation and betas."""
        from unimo.body.resample import resample_motion_channels  # resample imports this module

        x = resample_motion_channels(self.to_tensor(), self.fps, fps)  # (T', 79)
        out = Motion.from_tensor(x, fps=float(fps))
        if self.betas.ndim == 1:  # keep constant shape as (10,)
            out.betas = self.betas.clone()
        return out

    def to(self, *args: object, **kwargs: object) -> Motion:
        """Return a copy with every tensor moved/cast like ``torch.Tensor.to`` (fps unchanged)."""
        moved = {k: v.to(*args, **kwargs) for k, v in self._arrays().items()}
        return Motion(**moved, fps=self.fps)

    def _arrays(self) -> dict[str, torch.Tensor]:
        return {"global_orient": self.global_orient, "body_pose": self.body_pose, "betas": self.betas,
                "transl": self.transl}
