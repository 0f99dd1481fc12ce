"""Modality-aware input embeddings and output heads.

UniMo (Pang et al. 2025) gives video tokens and motion tokens *independent* embedding layers to bridge
their distribution gap and ablates this against a shared table. Here:

- ``ModalityEmbedding`` / ``ModalityHeads``: one table and one head per modality; a motion id never
  touches a video row, and each head's softmax covers only its own vocabulary.
- ``SharedEmbedding`` / ``SharedHead``: one table and one head over the concatenated vocabulary
  (modality offsets keep ids apart). Training normalises over the *whole* vocabulary, so the model must
  also learn which modality comes next; that single softmax is the real difference from the
  independent variant (rows of disjoint ranges are independent either way). Sampling restricts the
  logits to the expected modality's range for both.

``code_levels`` (``ModalityEmbedding``) embeds the ids of a product codebook, e.g. FSQ video ids over levels
``[8, 8, 8, 5, 5, 5]``, with ``MixedRadixEmbedding``: one small table per code digit, summed, plus the full
table. Neighbouring codes then share most of their embedding, so the 64,000 video ids are learnt from ~40
digit rows instead of 64,000 independent ones (rare codes are not random vectors).

Heads expose ``logits(h, modality)`` (sampling, restricted to that modality) and
``ce_sum(h, targets, modality)`` (training; summed cross-entropy of targets of that modality).
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

from unimo.backbones.digit_head import DigitHead
from unimo.backbones.mixed_radix import MixedRadix
from unimo.layouts.sequence import Modality


def check_vocab_sizes(vocab_sizes: dict[str, int]) -> None:
    """Raise unless keys are modality names (``"special"`` required) and sizes are positive."""
    known = {m.key for m in Modality}
    if not set(vocab_sizes) <= known or "special" not in vocab_sizes:
        raise ValueError(f"vocab_sizes: expected keys from {sorted(known)} including 'special', "
                         f"got {sorted(vocab_sizes)}")
    bad = {k: v for k, v in vocab_sizes.items() if int(v) < 1}
    if bad:
        raise ValueError(f"vocab_sizes: sizes must be >= 1, got {bad}")


def check_ids(input_ids: torch.Tensor, modality_ids: torch.Tensor, limits: torch.Tensor) -> None:
    """Raise if an id is negative or not below its modality's vocabulary size ``limits[modality]``.

    Costs one host sync per call; an out-of-range id would otherwise be a device-side assert on GPU.
    Skipped while a CUDA graph is being captured (a sync is not allowed there).
    """
    if input_ids.is_cuda and torch.cuda.is_current_stream_capturing():
        return
    bad = (input_ids < 0) | (input_ids >= limits[modality_ids])  # (B, N)
    if bool(bad.any()):
        b, n = (int(i) for i in bad.nonzero()[0])
        raise ValueError(
            f"input_ids[{b}, {n}] = {int(input_ids[b, n])} is outside the vocabulary of modality "
            f"{Modality(int(modality_ids[b, n])).key!r} (size {int(limits[modality_ids[b, n]])})"
        )


def _limits(vocab_sizes: dict[str, int]) -> torch.Tensor:
    """Return vocabulary size per ``Modality`` value (0 for modalities the backbone lacks)."""
    return torch.tensor([int(vocab_sizes.get(m.key, 0)) for m in Modality])


class MixedRadixEmbedding(nn.Module):
    """Embed ids of a product codebook as the sum of one embedding per digit, plus a full table.

    An id is the mixed-radix number ``sum(digit_i * prod(levels[:i]))`` (``FiniteScalarQuantizer``'s
    order). The full table starts at zero, so training begins from the shared digit structure and only
    learns per-code corrections where data supports them.

    Args:
        levels: Values per digit; ``prod(levels)`` ids.
        dim: Embedding width ``D``.
        full_table: Add the per-id table (``False``: digits only, ``sum(levels)`` rows).
    """

    def __init__(self, levels: list[int], dim: int, full_table: bool = True) -> None:
        super().__init__()
        self.radix = MixedRadix(levels)
        self.num_embeddings = self.radix.size
        self.digits = nn.Embedding(sum(self.radix.sizes), dim)
        self.full = nn.Embedding(self.num_embeddings, dim) if full_table else None
        self.reset_parameters()

    def reset_parameters(self) -> None:
        # The sum of len(levels) digit rows has the spread of one GPT embedding row (std 0.02).
        nn.init.normal_(self.digits.weight, std=0.02 / math.sqrt(len(self.radix.sizes)))
        if self.full is not None:
            nn.init.zeros_(self.full.weight)

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        """Embed ids ``(...)`` to ``(..., D)``."""
        out = self.digits(self.radix.digits(ids) + self.radix.offsets).sum(-2)
        return out if self.full is None else out + self.full(ids)


class ModalityEmbedding(nn.Module):
    """One ``nn.Embedding`` per modality, picked per position by ``modality_ids``.

    Args:
        vocab_sizes: Vocabulary size per modality name.
        dim: Embedding width ``D``.
        code_levels: ``{modality: levels}`` for modalities whose ids come from a product codebook (FSQ):
            those are embedded by ``MixedRadixEmbedding``; ``prod(levels)`` must equal the vocabulary size.
    """

    def __init__(self, vocab_sizes: dict[str, int], dim: int,
                 code_levels: dict[str, list[int]] | None = None) -> None:
        super().__init__()
        check_vocab_sizes(vocab_sizes)
        code_levels = dict(code_levels or {})
        for key, levels in code_levels.items():
            if key not in vocab_sizes or math.prod(levels) != vocab_sizes[key]:
                raise ValueError(f"code_levels[{key!r}] = {levels} (product {math.prod(levels)}) must "
                                 f"multiply to vocab_sizes[{key!r}] = {vocab_sizes.get(key)}")
        self.tables = nn.ModuleDict({
            k: MixedRadixEmbedding(code_levels[k], dim) if k in code_levels else nn.Embedding(v, dim)
            for k, v in vocab_sizes.items()
        })
        self.register_buffer("limits", _limits(vocab_sizes), persistent=False)

    def forward(self, input_ids: torch.Tensor, modality_ids: torch.Tensor) -> torch.Tensor:
        """Embed ids ``(B, N)`` to ``(B, N, D)``; every table is looked up with masked ids (no sync)."""
        check_ids(input_ids, modality_ids, self.limits)
        out = None
        for key, table in self.tables.items():
            mine = modality_ids == int(Modality.from_key(key))  # (B, N)
            emb = table(torch.where(mine, input_ids, 0))  # (B, N, D)
            out = emb if out is None else torch.where(mine[..., None], emb, out)
        return out


class ModalityHeads(nn.Module):
    """One linear head per generated modality (``"special"`` is never a target, so it has none).

    Args:
        vocab_sizes: Vocabulary size per modality name.
        dim: Input width ``D``.
        digit_levels: ``{modality: levels}`` whose head predicts the code's digits (``DigitHead``) instead of
            one logit per id.
    """

    def __init__(self, vocab_sizes: dict[str, int], dim: int,
                 digit_levels: dict[str, list[int]] | None = None) -> None:
        super().__init__()
        digit_levels = dict(digit_levels or {})
        self.heads = nn.ModuleDict({
            k: DigitHead(digit_levels[k], dim) if k in digit_levels else nn.Linear(dim, v, bias=False)
            for k, v in vocab_sizes.items() if k != "special"
        })

    @property
    def modalities(self) -> list[str]:
        return list(self.heads)

    def logits(self, h: torch.Tensor, modality: str) -> torch.Tensor:
        """Map ``(..., D)`` to ``(..., V_modality)``."""
        return self.heads[modality](h)

    def ce_sum(self, h: torch.Tensor, targets: torch.Tensor, modality: str) -> torch.Tensor:
        """Return the summed cross-entropy of ``targets`` ``(K,)`` given ``h`` ``(K, D)``."""
        head = self.heads[modality]
        if isinstance(head, DigitHead):  # per-digit terms, no (K, V) table
            return head.ce_sum(h, targets)
        return F.cross_entropy(head(h), targets, reduction="sum")


class SharedEmbedding(nn.Module):
    """One ``nn.Embedding`` over the concatenated vocabularies; ids are shifted by modality offsets.

    Args:
        vocab_sizes: Vocabulary size per modality name; rows are laid out in ``Modality`` order.
        dim: Embedding width ``D``.
    """

    def __init__(self, vocab_sizes: dict[str, int], dim: int) -> None:
        super().__init__()
        check_vocab_sizes(vocab_sizes)
        limits = _limits(vocab_sizes)
        self.table = nn.Embedding(int(limits.sum()), dim)
        self.register_buffer("limits", limits, persistent=False)
        self.register_buffer("offsets", limits.cumsum(0) - limits, persistent=False)

    def forward(self, input_ids: torch.Tensor, modality_ids: torch.Tensor) -> torch.Tensor:
        """Embed ids ``(B, N)`` to ``(B, N, D)``."""
        check_ids(input_ids, modality_ids, self.limits)
        return self.table(input_ids + self.offsets[modality_ids])


class SharedHead(nn.Module):
    """One linear head over the concatenated vocabularies (same row layout as ``SharedEmbedding``).

    Args:
        vocab_sizes: Vocabulary size per modality name.
        dim: Input width ``D``.
    """

    def __init__(self, vocab_sizes: dict[str, int], dim: int) -> None:
        super().__init__()
        limits = _limits(vocab_sizes)
        self.proj = nn.Linear(dim, int(limits.sum()), bias=False)
        self.ranges = {m.key: (int(limits[:m].sum()), int(limits[m])) for m in Modality if limits[m] > 0}
        self.ranges.pop("special")

    @property
    def modalities(self) -> list[str]:
        return list(self.ranges)

    def logits(self, h: torch.Tensor, modality: str) -> torch.Tensor:
        """Map ``(..., D)`` to ``(..., V_modality)``: only that modality's rows (masked head)."""
        start, size = self.ranges[modality]
        return F.linear(h, self.proj.weight[start : start + size])

    def ce_sum(self, h: torch.Tensor, targets: torch.Tensor, modality: str) -> torch.Tensor:
        """Return the summed cross-entropy over the whole concatenated vocabulary."""
        return F.cross_entropy(self.proj(h), targets + self.ranges[modality][0], reduction="sum")
