"""``MixedRadix``: the digits of product-codebook (FSQ) ids, shared by digit embeddings and digit heads."""

from __future__ import annotations

import torch
from torch import nn


class MixedRadix(nn.Module):
    """The digits of a product codebook's ids: ``id = sum(digit_i * prod(levels[:i]))``
    (``FiniteScalarQuantizer``'s order); a module so its tables follow the model's device.

    Args:
        levels: Values per digit, each >= 2.
    """

    def __init__(self, levels: list[int]) -> None:
        super().__init__()
        if not levels or any(int(v) < 2 for v in levels):
            raise ValueError(f"code_levels: expected a non-empty list of ints >= 2, got {levels}")
        self.sizes = tuple(int(v) for v in levels)  # on the host: read per step without a device sync
        lv = torch.tensor(self.sizes)
        self.size = int(lv.prod())
        self.register_buffer("levels", lv, persistent=False)
        basis = torch.cumprod(torch.cat([lv.new_ones(1), lv[:-1]]), 0)
        self.register_buffer("basis", basis, persistent=False)
        self.register_buffer("offsets", lv.cumsum(0) - lv, persistent=False)  # each digit's first table row

    def digits(self, ids: torch.Tensor) -> torch.Tensor:
        """Digits ``(..., len(levels))`` of ids ``(...)``."""
        return torch.div(ids[..., None], self.basis, rounding_mode="floor") % self.levels
