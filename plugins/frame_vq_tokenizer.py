"""Worked plugin example: a per-frame VQ motion tokenizer, registered from outside ``unimo/``.

Every ``plugins/*.py`` file is imported once before the CLI parser is built (see ``unimo.plugins``), so
the class below can be named in YAML as ``class_path: FrameVQMotionTokenizer`` without touching unimo:

    model:
      class_path: TokenizerTask
      init_args:
        tokenizer:
          class_path: FrameVQMotionTokenizer
          init_args: {codebook_size: 64, dim: 16}

It is deliberately simple (one code per frame, no temporal model): a baseline to compare the
``MotionVQVAETokenizer`` against, and a template for your own tokenizer.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from unimo.body.motion import NUM_CHANNELS
from unimo.tokenizers import TOKENIZERS, Tokenizer


@TOKENIZERS.register
class FrameVQMotionTokenizer(Tokenizer):
    """Quantize each SMPL-X frame to the nearest of ``codebook_size`` learned codes.

    Args:
        codebook_size: Number of codes (the vocabulary size).
        dim: Width of the code vectors.
        commitment_weight: Weight of the encoder commitment loss.
    """

    modality = "motion"

    def __init__(self, codebook_size: int = 256, dim: int = 32, commitment_weight: float = 0.25) -> None:
        super().__init__()
        self.encoder = nn.Sequential(nn.Linear(NUM_CHANNELS, 128), nn.GELU(), nn.Linear(128, dim))
        self.decoder = nn.Sequential(nn.Linear(dim, 128), nn.GELU(), nn.Linear(128, NUM_CHANNELS))
        self.codebook = nn.Embedding(codebook_size, dim)
        self.commitment_weight = commitment_weight

    @property
    def vocab_size(self) -> int:
        return self.codebook.num_embeddings

    @property
    def tokens_per_frame(self) -> float:
        return 1.0

    def _nearest(self, z: torch.Tensor) -> torch.Tensor:
        return torch.cdist(z, self.codebook.weight.expand(z.shape[0], -1, -1)).argmin(-1)  # (B, T)

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        """Return ids ``(B, T)`` for motion ``(B, T, 79)``."""
        return self._nearest(self.encoder(x))

    def decode(self, ids: torch.Tensor) -> torch.Tensor:
        """Return motion ``(B, T, 79)`` for ids ``(B, T)``."""
        return self.decoder(self.codebook(ids))

    def loss(self, x: torch.Tensor) -> dict[str, torch.Tensor]:
        z = self.encoder(x)  # (B, T, D)
        z_q = self.codebook(self._nearest(z))
        commitment = F.mse_loss(z, z_q.detach())
        codebook = F.mse_loss(z_q, z.detach())
        recon = F.mse_loss(self.decoder(z + (z_q - z).detach()), x)  # straight-through estimator
        loss = recon + codebook + self.commitment_weight * commitment
        return {"loss": loss, "recon": recon, "commitment": commitment}
