"""The ``Backbone`` base class and the ``BACKBONES`` registry.

A backbone is the sequence model: it reads a token sequence in which every position carries a
modality id (``unimo.layouts.base.Modality``) and returns next-token logits per modality. Plain PyTorch.

Subclasses implement three primitives: ``hidden`` (final hidden states, optionally continuing a
``Cache``), ``head`` (logits of one modality) and ``new_cache``. ``forward``, ``loss`` and the sampler
(``unimo.backbones.sampling``) are built on them, so every backbone trains and generates the same way.
"""

from __future__ import annotations

from abc import ABC, abstractmethod

import torch
from torch import nn

from unimo.backbones.cache import Cache
from unimo.layouts.sequence import Modality, TokenSequence
from unimo.registry import Registry


def trained_mask(seq: TokenSequence, modality: str) -> torch.Tensor:
    """Positions ``(B, N)`` whose next-token target is trained and of ``modality`` (e.g. ``"motion"``)."""
    return seq.loss_mask & (seq.target_modality_ids == int(Modality.from_key(modality)))


class Backbone(nn.Module, ABC):
    """Predict next-token logits over a mixed-modality sequence."""

    @property
    @abstractmethod
    def head_modalities(self) -> list[str]:
        """Modality names that have an output head (the ones that can be generated or trained)."""

    @abstractmethod
    def hidden(
        self,
        input_ids: torch.Tensor,
        modality_ids: torch.Tensor,
        positions: torch.Tensor | None = None,
        cache: Cache | None = None,
    ) -> torch.Tensor:
        """Return final hidden states ``(B, N, D)`` for ids ``(B, N)``.

        With ``cache``, the ids continue the cached sequence (their keys are appended to it);
        ``positions`` default to ``cache.length + arange(N)``.
        """

    @abstractmethod
    def head(self, h: torch.Tensor, modality: str) -> torch.Tensor:
        """Return logits ``(..., V_modality)`` over ``modality``'s vocabulary for ``h`` ``(..., D)``."""

    @abstractmethod
    def new_cache(self, batch_size: int, max_seq_len: int) -> Cache:
        """Allocate an empty cache for ``batch_size`` sequences of up to ``max_seq_len`` tokens."""

    def forward(
        self,
        input_ids: torch.Tensor,
        modality_ids: torch.Tensor,
        positions: torch.Tensor | None = None,
        select: torch.Tensor | None = None,
    ) -> dict[str, torch.Tensor]:
        """Return ``{modality name: logits}`` for ids ``(B, N)``.

        Args:
            input_ids: ``(B, N)`` ids, each within its modality's vocabulary.
            modality_ids: ``(B, N)`` ``Modality`` values.
            positions: ``(B, N)`` RoPE positions; ``arange(N)`` when omitted.
            select: Optional ``(B, N)`` modality of the head to apply at each position (-1: none), e.g.
                ``where(seq.loss_mask, seq.target_modality_ids, -1)``. Without it every head runs on every
                position and logits are ``(B, N, V_m)``; with it logits are ``(K_m, V_m)`` for the ``K_m``
                positions where ``select == m``, in row-major order (matching ``targets[select == m]``),
                which avoids a 64k-wide video head on positions nobody trains.
        """
        h = self.hidden(input_ids, modality_ids, positions)  # (B, N, D)
        if select is None:
            return {key: self.head(h, key) for key in self.head_modalities}
        return {key: self.head(h[select == int(Modality.from_key(key))], key) for key in self.head_modalities}

    def loss(self, seq: TokenSequence) -> dict[str, torch.Tensor]:
        """Return next-token cross-entropy: ``"loss"`` (mean over trained targets) and a mean per modality.

        Heads run only on trained positions. A modality without trained targets in the batch contributes
        an exact zero that still touches its head, so DDP sees every parameter used.
        """
        h = self.hidden(seq.input_ids, seq.modality_ids, seq.positions)  # (B, N, D)
        sums, counts = {}, {}
        for key in self.head_modalities:
            mine = trained_mask(seq, key)  # (B, N)
            sums[key] = self._ce_sum(h[mine], seq.targets[mine], key)  # h[mine]: (K, D)
            counts[key] = mine.sum()
        headless = int(seq.loss_mask.sum()) - int(sum(counts.values()))
        if headless:
            raise ValueError(f"{headless} trained targets have a modality without a head "
                             f"(heads: {self.head_modalities})")
        out = {key: sums[key] / counts[key].clamp(min=1) for key in sums}
        out["loss"] = sum(sums.values()) / sum(counts.values()).clamp(min=1)
        return out

    def _ce_sum(self, h: torch.Tensor, targets: torch.Tensor, modality: str) -> torch.Tensor:
        """Return summed cross-entropy of ``targets`` ``(K,)`` from ``h`` ``(K, D)``; override to change
        the normalisation (e.g. one softmax over every modality)."""
        return torch.nn.functional.cross_entropy(self.head(h, modality), targets, reduction="sum")


BACKBONES: Registry[Backbone] = Registry("backbone", Backbone)
