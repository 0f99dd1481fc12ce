"""``DigitHead``: predict an FSQ code digit by digit instead of over its whole vocabulary.

A 64,000-entry video head is a 64,000 x D matrix and a 64,000-wide softmax at every trained video position:
most of the joint model's I2VM training cost on a small model (a 2-core CPU made 18 I2VM steps in 360 s at
D = 128, benchmarks/results/joint.md, session 16). FSQ ids are mixed-radix numbers of a few digits (Cosmos and
unimo video: levels ``[8, 8, 8, 5, 5, 5]``), so the head can instead give one small softmax per digit (39
outputs) and model the code as the product of its digits' probabilities: a normalized distribution over all
64,000 codes whose log-probabilities (``forward``) and NLL are comparable with a full head's. The cost is the
assumption that the digits of one code are independent given the hidden state. Neighbouring codes share digit
statistics, as with ``MixedRadixEmbedding`` on the input side.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from unimo.backbones.mixed_radix import MixedRadix


class DigitHead(nn.Module):
    """One linear map to ``sum(levels)`` digit logits; code log-probabilities are sums of digit ones.

    Args:
        levels: Values per digit (``prod(levels)`` codes), the tokenizer's quantizer levels.
        dim: Input width ``D``.
    """

    def __init__(self, levels: list[int], dim: int) -> None:
        super().__init__()
        self.radix = MixedRadix(levels)
        self.proj = nn.Linear(dim, sum(self.radix.sizes), bias=False)
        codes = self.radix.digits(torch.arange(self.radix.size))  # (V, d): every code's digits
        self.register_buffer("codes", codes, persistent=False)

    def digit_log_probs(self, h: torch.Tensor) -> list[torch.Tensor]:
        """Per digit ``i``: log-probabilities ``(..., levels[i])``, in float32."""
        return [F.log_softmax(part.float(), -1) for part in self.proj(h).split(self.radix.sizes, -1)]

    def forward(self, h: torch.Tensor) -> torch.Tensor:
        """Log-probabilities ``(..., prod(levels))`` of every code for ``h`` ``(..., D)`` (softmax-ready)."""
        return sum(lp[..., self.codes[:, i]] for i, lp in enumerate(self.digit_log_probs(h)))

    def ce_sum(self, h: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
        """Summed NLL of code ids ``targets`` ``(K,)`` given ``h`` ``(K, D)``, with no ``(K, V)`` table."""
        digits = self.radix.digits(targets)  # (K, d)
        log_probs = self.digit_log_probs(h)
        return -sum(lp.gather(-1, digits[:, i : i + 1]).sum() for i, lp in enumerate(log_probs))
