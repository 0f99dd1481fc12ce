"""``BodyModel``: the one interface from unimo's ``(..., T, 79)`` motion channels to 3D joints and meshes."""

from __future__ import annotations

from abc import ABC, abstractmethod

import torch
from torch import nn

from unimo.body.motion import NUM_CHANNELS


class BodyModel(nn.Module, ABC):
    """Map SMPL-X parameters to joint positions (and a mesh where the model has one), differentiably.

    Subclasses set ``joint_names`` and ``parents`` and implement ``joints``; meshes are optional
    (``has_vertices``). All positions are world coordinates in metres, translation included.
    """

    joint_names: tuple[str, ...] = ()
    parents: tuple[int, ...] = ()  # parent index per joint, -1 for the root (for drawing skeletons)
    has_vertices: bool = False

    @property
    def num_joints(self) -> int:
        """Number of joints returned by ``joints``."""
        return len(self.parents)

    @abstractmethod
    def joints(self, motion: torch.Tensor) -> torch.Tensor:
        """Return joint positions ``(..., T, J, 3)`` for motion channels ``(..., T, 79)``."""

    def vertices(self, motion: torch.Tensor) -> torch.Tensor:
        """Return mesh vertices ``(..., T, V, 3)`` for motion channels ``(..., T, 79)``."""
        raise NotImplementedError(f"{type(self).__name__} has no mesh")

    @property
    def faces(self) -> torch.Tensor:
        """Mesh triangles ``(F, 3)`` as vertex indices (LongTensor)."""
        raise NotImplementedError(f"{type(self).__name__} has no mesh")

    def forward(self, motion: torch.Tensor) -> torch.Tensor:
        """Same as ``joints``: ``(..., T, 79) -> (..., T, J, 3)``."""
        return self.joints(motion)


def flatten_motion(motion: torch.Tensor) -> tuple[torch.Tensor, tuple[int, ...]]:
    """Check the channel layout and flatten leading dims: ``(..., 79) -> (N, 79)`` plus the leading shape."""
    if motion.ndim < 1 or motion.shape[-1] != NUM_CHANNELS:
        raise ValueError(f"body model input: expected (..., T, {NUM_CHANNELS}) motion channels, "
                         f"got shape {tuple(motion.shape)}")
    if not motion.is_floating_point():
        raise TypeError(f"body model input: expected a floating point tensor, got {motion.dtype}")
    return motion.reshape(-1, NUM_CHANNELS), tuple(motion.shape[:-1])
