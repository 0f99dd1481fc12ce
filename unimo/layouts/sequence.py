"""``Modality`` ids and ``TokenSequence``, the batch format between layouts and backbones.

Kept apart from ``layouts/base.py`` so backbones can import them without the layout machinery;
both names are re-exported from ``unimo.layouts.base``.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from enum import IntEnum

import torch

from unimo.layouts.special import SpecialToken


class Modality(IntEnum):
    """Which embedding table / output head a position uses."""

    SPECIAL = 0
    VIDEO = 1
    MOTION = 2

    @property
    def key(self) -> str:
        """The name used in ``vocab_sizes`` and logits dicts (``"video"``)."""
        return self.name.lower()

    @classmethod
    def from_key(cls, key: str) -> Modality:
        """Return the member named ``key`` (``"motion"`` -> ``Modality.MOTION``)."""
        try:
            return cls[key.upper()]
        except KeyError:
            raise KeyError(f"unknown modality {key!r}; expected one of {[m.key for m in cls]}") from None


@dataclass
class TokenSequence:
    """One arranged batch, all ``(B, N)``.

    ``input_ids`` holds the whole sequence; ``targets[:, i]`` is the id expected at position ``i + 1``'s
    input, i.e. already shifted (the last target is ``PAD``), and ``loss_mask`` says which targets are
    trained on. ``positions`` are RoPE positions, chosen by the layout.
    """

    input_ids: torch.Tensor
    modality_ids: torch.Tensor
    positions: torch.Tensor
    targets: torch.Tensor
    loss_mask: torch.Tensor

    @classmethod
    def from_ids(
        cls,
        input_ids: torch.Tensor,
        modality_ids: torch.Tensor,
        positions: torch.Tensor,
        trained: torch.Tensor,
    ) -> TokenSequence:
        """Build targets and loss mask by shifting ``input_ids`` and ``trained`` (all ``(B, N)``) left."""
        pad = torch.full_like(input_ids[:, :1], int(SpecialToken.PAD))
        return cls(
            input_ids=input_ids.long().contiguous(),
            modality_ids=modality_ids.long().contiguous(),
            positions=positions.long().contiguous(),
            targets=torch.cat([input_ids[:, 1:], pad], dim=1).long(),
            loss_mask=torch.cat([trained[:, 1:], torch.zeros_like(trained[:, :1])], dim=1).bool(),
        )

    @property
    def batch_size(self) -> int:
        return int(self.input_ids.shape[0])

    def __len__(self) -> int:
        """Return the sequence length ``N``."""
        return int(self.input_ids.shape[1])

    @property
    def target_modality_ids(self) -> torch.Tensor:
        """Return the modality of each target ``(B, N)`` (the next position's; ``SPECIAL`` at the end)."""
        last = torch.full_like(self.modality_ids[:, :1], int(Modality.SPECIAL))
        return torch.cat([self.modality_ids[:, 1:], last], dim=1)

    def to(self, device: torch.device | str) -> TokenSequence:
        """Return a copy on ``device``."""
        return TokenSequence(**{f.name: getattr(self, f.name).to(device) for f in fields(self)})

    def pad_to(self, length: int) -> TokenSequence:
        """Right-pad with untrained ``PAD`` tokens to ``length``; causal attention keeps real tokens exact."""
        extra = length - len(self)
        if extra < 0:
            raise ValueError(f"cannot pad a sequence of length {len(self)} to {length}")
        if extra == 0:
            return self
        b = self.batch_size
        last = self.positions[:, -1:] + torch.arange(1, extra + 1, device=self.positions.device)  # (B, extra)
        pad = torch.full((b, extra), int(SpecialToken.PAD), dtype=torch.long, device=self.input_ids.device)
        return TokenSequence(
            input_ids=torch.cat([self.input_ids, pad], 1),
            modality_ids=torch.cat([self.modality_ids, torch.full_like(pad, int(Modality.SPECIAL))], 1),
            positions=torch.cat([self.positions, last], 1),
            targets=torch.cat([self.targets, pad], 1),
            loss_mask=torch.cat([self.loss_mask, torch.zeros_like(pad, dtype=torch.bool)], 1),
        )

    @classmethod
    def cat(cls, seqs: list[TokenSequence]) -> TokenSequence:
        """Stack sequences along the batch, right-padding to the longest (mixes layouts in one batch)."""
        n = max(len(s) for s in seqs)
        padded = [s.pad_to(n) for s in seqs]
        return cls(**{f.name: torch.cat([getattr(s, f.name) for s in padded]) for f in fields(cls)})
