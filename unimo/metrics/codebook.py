"""``CodebookUsage``: how much of a tokenizer's vocabulary a dataset actually uses.

A collapsed codebook (few codes used) wastes vocabulary and limits reconstruction; both numbers are
computed from the id histogram accumulated over an epoch (synchronised across processes by torchmetrics).
"""

from __future__ import annotations

import torch
from torchmetrics import Metric


class CodebookUsage(Metric):
    """Accumulate token ids and report ``{"usage": fraction of ids seen, "perplexity": exp(entropy)}``.

    Args:
        codebook_size: Number of possible ids ``V``.

    Example:
        >>> m = CodebookUsage(4)
        >>> m.update(torch.tensor([0, 1, 1, 0]))
        >>> {k: round(float(v), 3) for k, v in m.compute().items()}
        {'usage': 0.5, 'perplexity': 2.0}
    """

    full_state_update = False

    def __init__(self, codebook_size: int) -> None:
        super().__init__()
        if codebook_size < 1:
            raise ValueError(f"CodebookUsage.codebook_size: expected >= 1, got {codebook_size}")
        self.codebook_size = codebook_size
        self.add_state("counts", default=torch.zeros(codebook_size, dtype=torch.long), dist_reduce_fx="sum")

    def update(self, ids: torch.Tensor) -> None:
        """Add integer ids of any shape, all in ``[0, V)``."""
        ids = ids.detach().flatten().long()
        if ids.numel() and (int(ids.min()) < 0 or int(ids.max()) >= self.codebook_size):
            raise ValueError(f"CodebookUsage: ids must lie in [0, {self.codebook_size}), "
                             f"got range [{int(ids.min())}, {int(ids.max())}]")
        self.counts += torch.bincount(ids, minlength=self.codebook_size)

    def compute(self) -> dict[str, torch.Tensor]:
        counts = self.counts.float()
        probs = counts / counts.sum().clamp_min(1.0)
        entropy = -(probs * torch.log(probs.clamp_min(1e-12))).sum()
        return {"usage": (counts > 0).float().mean(), "perplexity": entropy.exp()}
