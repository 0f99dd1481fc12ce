"""``TokenizerTask``: train any registered tokenizer through its own ``loss``.

The generic trainer for tokenizers that need nothing beyond their objective (plugin tokenizers, quick
experiments). The motion and video tokenizers have richer tasks (``MotionTokenizerTask``,
``VideoTokenizerTask``) that add metrics and previews.
"""

from __future__ import annotations

import lightning as L
import torch

from unimo.metrics.codebook import CodebookUsage
from unimo.tokenizers.base import Tokenizer


def log_codebook_usage(task: L.LightningModule, stage: str, usage: CodebookUsage) -> None:
    """Log ``<stage>/codebook_usage`` and ``<stage>/codebook_perplexity`` over the epoch, then reset."""
    stats = usage.compute()
    task.log(f"{stage}/codebook_usage", stats["usage"])
    task.log(f"{stage}/codebook_perplexity", stats["perplexity"])
    usage.reset()


class TokenizerTask(L.LightningModule):
    """Optimise ``tokenizer.loss(batch[tokenizer.modality])["loss"]`` with AdamW.

    Args:
        tokenizer: Any ``Tokenizer``; its ``modality`` names the batch key it reads ("motion" or "video").
        lr: AdamW learning rate.
        weight_decay: AdamW weight decay.
    """

    def __init__(self, tokenizer: Tokenizer, lr: float = 1e-3, weight_decay: float = 0.0) -> None:
        super().__init__()
        self.save_hyperparameters(ignore=["tokenizer"])
        self.tokenizer = tokenizer

    def _step(self, batch: dict[str, torch.Tensor], stage: str) -> torch.Tensor:
        key = self.tokenizer.modality
        if key not in batch:
            raise KeyError(f"{type(self.tokenizer).__name__} reads batch[{key!r}], "
                           f"but the batch has {sorted(batch)}")
        losses = self.tokenizer.loss(batch[key])
        size = batch[key].shape[0]
        self.log_dict({f"{stage}/{name}": value.detach() for name, value in losses.items()},
                      prog_bar=stage == "train", batch_size=size, sync_dist=stage != "train")
        return losses["loss"]

    def training_step(self, batch: dict[str, torch.Tensor], batch_idx: int) -> torch.Tensor:
        return self._step(batch, "train")

    def validation_step(self, batch: dict[str, torch.Tensor], batch_idx: int) -> None:
        self._step(batch, "val")

    def test_step(self, batch: dict[str, torch.Tensor], batch_idx: int) -> None:
        self._step(batch, "test")

    def configure_optimizers(self) -> torch.optim.Optimizer:
        return torch.optim.AdamW(self.parameters(), lr=self.hparams.lr,
                                 weight_decay=self.hparams.weight_decay)
