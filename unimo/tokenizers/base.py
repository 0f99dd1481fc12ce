"""The ``Tokenizer`` base class and the ``TOKENIZERS`` registry.

A tokenizer turns one modality (``"motion"`` or ``"video"``) into discrete ids and back. Tokenizers are
plain PyTorch modules: training code lives in ``unimo.tasks``.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import asdict, is_dataclass
from typing import Any, ClassVar

import torch
from torch import nn

from unimo.registry import Registry


class Tokenizer(nn.Module, ABC):
    """Map a modality to discrete ids and back.

    Subclasses set ``modality`` (the batch key they read) and implement ``encode``, ``decode``,
    ``vocab_size``, ``tokens_per_frame`` and ``loss`` (the training objective, so one generic task can
    train any registered tokenizer).
    """

    modality: ClassVar[str] = "motion"

    @property
    @abstractmethod
    def vocab_size(self) -> int:
        """Number of distinct ids ``encode`` can return."""

    @property
    @abstractmethod
    def tokens_per_frame(self) -> float:
        """Average ids per input frame (e.g. 0.25 * s for a motion tokenizer with 4x downsampling)."""

    @abstractmethod
    def encode(self, x: torch.Tensor) -> torch.Tensor:
        """Return integer ids for input ``x`` (batch first)."""

    @abstractmethod
    def decode(self, ids: torch.Tensor) -> torch.Tensor:
        """Return the reconstruction for ids from ``encode``."""

    @abstractmethod
    def loss(self, x: torch.Tensor) -> dict[str, torch.Tensor]:
        """Return training losses; key ``"loss"`` is optimised, the others are logged."""

    def config(self) -> dict[str, Any] | None:
        """Return ``{"class_path", "init_args"}`` (JSON-friendly) to rebuild this tokenizer, or None.

        Subclasses that set ``self.init_args`` in their constructor get checkpoints and exports that
        rebuild them without the original config (``unimo.tokenizers.loading``).
        """
        init_args = getattr(self, "init_args", None)
        if init_args is None:
            return None
        args = {k: asdict(v) if is_dataclass(v) and not isinstance(v, type) else v
                for k, v in init_args.items()}
        return {"class_path": f"{type(self).__module__}.{type(self).__name__}", "init_args": args}


TOKENIZERS: Registry[Tokenizer] = Registry("tokenizer", Tokenizer)
