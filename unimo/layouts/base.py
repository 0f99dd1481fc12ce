"""The ``Layout`` base class, the token ``Modality`` ids and the ``LAYOUTS`` registry.

A layout arranges the tokens of one task (e.g. image -> video + motion) into one sequence and reads
generated sequences back. Plain PyTorch, no parameters.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from enum import IntEnum

import torch

from unimo.registry import Registry


class Modality(IntEnum):
    """Which embedding table / output head a position uses."""

    SPECIAL = 0
    VIDEO = 1
    MOTION = 2


@dataclass
class TokenSequence:
    """One arranged batch, all ``(B, N)``.

    ``targets[:, i]`` is the id expected at position ``i + 1``'s input, i.e. already shifted, and
    ``loss_mask`` says which targets are trained on.
    """

    input_ids: torch.Tensor
    modality_ids: torch.Tensor
    positions: torch.Tensor
    targets: torch.Tensor
    loss_mask: torch.Tensor


class Layout(ABC):
    """Arrange tokenized video and motion of one task into a ``TokenSequence`` and back."""

    @abstractmethod
    def arrange(self, video_ids: torch.Tensor | None, motion_ids: torch.Tensor | None) -> TokenSequence:
        """Build the training sequence from tokenizer outputs."""


LAYOUTS: Registry[Layout] = Registry("layout", Layout)
