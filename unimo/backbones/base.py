"""The ``Backbone`` base class and the ``BACKBONES`` registry.

A backbone is the sequence model: it reads a token sequence in which every position carries a
modality id (``unimo.layouts.base.Modality``) and returns next-token logits per modality. Plain PyTorch.
"""

from __future__ import annotations

from abc import ABC, abstractmethod

import torch
from torch import nn

from unimo.registry import Registry


class Backbone(nn.Module, ABC):
    """Predict next-token logits over a mixed-modality sequence."""

    @abstractmethod
    def forward(
        self,
        input_ids: torch.Tensor,
        modality_ids: torch.Tensor,
        positions: torch.Tensor | None = None,
    ) -> dict[str, torch.Tensor]:
        """Return ``{modality name: logits (B, N, V_modality)}`` for ids ``(B, N)``."""


BACKBONES: Registry[Backbone] = Registry("backbone", Backbone)
