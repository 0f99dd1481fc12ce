"""``LayoutMixture``: which task layout each training step uses, drawn by configured ratios.

One layout per step (not per sample) keeps sequences of a batch the same length, so no padding is
trained. The draw depends only on ``(seed, step)``, so every DDP rank picks the same layout at the same
step and resumed runs continue the same schedule.
"""

from __future__ import annotations

import torch

from unimo.layouts.base import LAYOUTS, Layout


class LayoutMixture:
    """Sample registered layouts by weight.

    Args:
        weights: ``{layout class name: sampling weight}``, e.g. ``{"I2VMLayout": 1, "V2MLayout": 1}``.
        seed: Base seed of the per-step draw.
    """

    def __init__(self, weights: dict[str, float], seed: int = 0) -> None:
        if not weights:
            raise ValueError("layouts: expected at least one {LayoutName: weight} entry")
        bad = {name: w for name, w in weights.items() if not w >= 0}
        if bad or sum(weights.values()) <= 0:
            raise ValueError(f"layouts: weights must be >= 0 with a positive sum, got {weights}")
        self.layouts: dict[str, Layout] = {name: LAYOUTS.build(name) for name in weights}
        self.names = list(weights)
        self.probs = torch.tensor([float(weights[n]) for n in self.names]) / sum(weights.values())
        self.seed = seed

    def pick(self, step: int) -> tuple[str, Layout]:
        """Return ``(name, layout)`` for training step ``step``."""
        generator = torch.Generator().manual_seed(self.seed * 1_000_003 + step)
        index = int(torch.multinomial(self.probs, 1, generator=generator))
        name = self.names[index]
        return name, self.layouts[name]

    def get(self, name: str) -> Layout:
        """Return the layout named ``name`` (it need not be in the mixture: evaluation uses V2M anyway)."""
        return self.layouts[name] if name in self.layouts else LAYOUTS.build(name)
