"""``MotionTokenizerTask``: train and evaluate a motion tokenizer (``MotionVQVAETokenizer`` and variants).

Training optimises ``tokenizer.loss(batch["motion"])["loss"]`` (AdamW, linear warmup then cosine decay),
optionally on pose-augmented motion (``pose_noise_deg``, see ``unimo.tokenizers.motion_augment``).
Before the first step the feature normalisation (per-channel mean/std, buffers of the tokenizer saved in
the checkpoint) is computed from up to ``normalization_batches`` training batches, unless the tokenizer
already has statistics (e.g. when resuming).

Validation round-trips through discrete ids and logs, on the canonical frame (see
``unimo.tokenizers.motion_features``): ``val/mpjpe_mm`` and ``val/pa_mpjpe_mm`` (body-model joints),
per-expert errors ``val/pose_err_deg``, ``val/orient_err_deg``, ``val/transl_err_mm``, ``val/betas_err``,
the loss terms, and ``val/codebook_usage`` / ``val/codebook_perplexity`` over the whole epoch. Test logs
the same under ``test/`` and returns joints and (input, reconstruction) for ``unimo test``'s report.

Checkpoints carry the tokenizer config under ``"unimo_tokenizer"`` so
``unimo.tokenizers.loading.load_tokenizer(ckpt)`` rebuilds the tokenizer without Lightning.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from itertools import islice
from typing import Any

import lightning as L
import torch

from unimo.body.rotations import axis_angle_to_matrix
from unimo.metrics.codebook import CodebookUsage
from unimo.tasks.tokenizer import log_codebook_usage
from unimo.tokenizers.base import Tokenizer
from unimo.tokenizers.loading import build_tokenizer, tokenizer_config
from unimo.tokenizers.motion_augment import perturb_pose
from unimo.tokenizers.motion_base import MotionTokenizerBase
from unimo.tokenizers.motion_losses import body_joints


def rotation_error_deg(pred_aa: torch.Tensor, target_aa: torch.Tensor) -> torch.Tensor:
    """Mean geodesic angle (degrees) between axis-angle rotations ``(..., 3k)`` and ``(..., 3k)``."""
    rel = axis_angle_to_matrix(pred_aa.unflatten(-1, (-1, 3))).transpose(-1, -2) @ \
        axis_angle_to_matrix(target_aa.unflatten(-1, (-1, 3)))  # (..., k, 3, 3)
    cos = ((rel.diagonal(dim1=-2, dim2=-1).sum(-1) - 1) / 2).clamp(-1.0, 1.0)
    return torch.rad2deg(torch.acos(cos)).mean()


def parameter_errors(pred: torch.Tensor, target: torch.Tensor) -> dict[str, torch.Tensor]:
    """Per-expert errors between motions ``(B, T, 79)``: pose/orient in degrees, translation in mm, betas."""
    return {
        "pose_err_deg": rotation_error_deg(pred[..., :63], target[..., :63]),
        "betas_err": (pred[..., 63:73] - target[..., 63:73]).abs().mean(),
        "orient_err_deg": rotation_error_deg(pred[..., 73:76], target[..., 73:76]),
        "transl_err_mm": 1000 * (pred[..., 76:] - target[..., 76:]).norm(dim=-1).mean(),
    }


def _joint_metrics() -> tuple[Any, Any] | None:
    """Return ``(MPJPE, PAMPJPE)`` metric classes, or None while ``unimo.metrics.motion`` is missing."""
    try:
        from unimo.metrics.motion import MPJPE, PAMPJPE
    except ImportError:
        return None
    return MPJPE, PAMPJPE


class MotionTokenizerTask(L.LightningModule):
    """Train a motion tokenizer on batches ``{"motion": (B, T, 79), ...}``.

    Args:
        tokenizer: The motion tokenizer (a ``MotionTokenizerBase`` subclass, e.g. ``MotionVQVAETokenizer``).
        lr: Peak AdamW learning rate.
        weight_decay: AdamW weight decay.
        warmup_steps: Linear warmup steps.
        min_lr_ratio: Final learning rate as a fraction of ``lr`` after cosine decay.
        normalization_batches: Training batches used to compute feature statistics before training.
        pose_noise_deg: Std (degrees) of random per-clip joint rotation offsets added to training motion,
            widening the pose distribution beyond narrow (e.g. synthetic) data; 0 disables.
        compile: ``torch.compile`` the tokenizer's training loss from the second step on (the first one
            initialises the codebook from data): ``True`` (inductor) or a backend name (``"aot_eager"`` to
            debug). A small tokenizer is launch-bound on a GPU; compiled, the loss is one graph
            (``tests/tokenizers/test_motion_losses.py``).
    """

    def __init__(self, tokenizer: Tokenizer, lr: float = 2e-4, weight_decay: float = 0.0,
                 warmup_steps: int = 500, min_lr_ratio: float = 0.05, normalization_batches: int = 50,
                 pose_noise_deg: float = 0.0, compile: bool | str = False) -> None:
        super().__init__()
        tokenizer = tokenizer if isinstance(tokenizer, Tokenizer) else build_tokenizer(tokenizer)
        if not isinstance(tokenizer, MotionTokenizerBase):
            raise TypeError("MotionTokenizerTask.tokenizer: expected a motion tokenizer (MotionTokenizerBase "
                            f"subclass), got {type(tokenizer).__name__}")
        self.save_hyperparameters(ignore=["tokenizer"])
        # Stored as its config, not the module, so load_from_checkpoint rebuilds it from the checkpoint alone.
        self.hparams["tokenizer"] = tokenizer_config(tokenizer)
        self.tokenizer = tokenizer
        # One metric object per stage: Lightning computes and resets logged metrics per loop.
        size, joint = tokenizer.vocab_size, _joint_metrics()
        self.val_usage, self.test_usage = CodebookUsage(size), CodebookUsage(size)
        self.val_mpjpe, self.test_mpjpe = (joint[0](), joint[0]()) if joint else (None, None)
        self.val_pa_mpjpe, self.test_pa_mpjpe = (joint[1](), joint[1]()) if joint else (None, None)

    # ------------------------------------------------------------------ normalisation
    def on_fit_start(self) -> None:
        """Compute the tokenizer's feature statistics from training batches if it has none yet."""
        features = self.tokenizer.features
        if bool(features.fitted):
            return
        limit = self.hparams.normalization_batches
        self.tokenizer.fit_normalization(b["motion"] for b in islice(self._train_batches(), limit))
        # Every rank saw different batches: use rank 0's statistics everywhere.
        mean, std = self.trainer.strategy.broadcast((features.mean.cpu(), features.std.cpu()), src=0)
        features.set_statistics(mean.to(self.device), std.to(self.device))

    def _train_batches(self) -> Iterator[dict[str, torch.Tensor]]:
        datamodule = getattr(self.trainer, "datamodule", None)
        if datamodule is not None:
            return iter(datamodule.train_dataloader())
        # Dataloaders passed to trainer.fit directly: Lightning keeps them in the fit loop's data source.
        return iter(self.trainer.fit_loop._data_source.dataloader())

    # ------------------------------------------------------------------ training
    def training_step(self, batch: dict[str, torch.Tensor], batch_idx: int) -> torch.Tensor:
        losses = self._training_loss()(perturb_pose(batch["motion"], self.hparams.pose_noise_deg))
        b = batch["motion"].shape[0]
        self.log_dict({f"train/{k}": v.detach() for k, v in losses.items() if k != "loss"}, batch_size=b)
        self.log("train/loss", losses["loss"].detach(), batch_size=b, prog_bar=True)
        return losses["loss"]

    def _training_loss(self) -> Callable[[torch.Tensor], dict[str, torch.Tensor]]:
        """Return the tokenizer's loss, compiled once the first step has run when ``compile`` is set."""
        if not self.hparams.compile or self.global_step == 0:
            return self.tokenizer.loss
        if getattr(self, "_compiled_loss", None) is None:
            backend = "inductor" if self.hparams.compile is True else str(self.hparams.compile)
            self._compiled_loss = torch.compile(self.tokenizer.loss, backend=backend)
        return self._compiled_loss

    def configure_optimizers(self) -> dict[str, Any]:
        hp = self.hparams
        optimizer = torch.optim.AdamW(self.tokenizer.parameters(), lr=hp.lr, betas=(0.9, 0.99),
                                      weight_decay=hp.weight_decay)
        total = max(int(self.trainer.estimated_stepping_batches), 1)

        def factor(step: int) -> float:
            if step < hp.warmup_steps:
                return (step + 1) / hp.warmup_steps
            progress = min((step - hp.warmup_steps) / max(total - hp.warmup_steps, 1), 1.0)
            return hp.min_lr_ratio + (1 - hp.min_lr_ratio) * 0.5 * (1 + math.cos(math.pi * progress))

        scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, factor)
        return {"optimizer": optimizer, "lr_scheduler": {"scheduler": scheduler, "interval": "step"}}

    # ------------------------------------------------------------------ validation
    def validation_step(self, batch: dict[str, torch.Tensor], batch_idx: int) -> None:
        """Round-trip through discrete ids; accumulate joint, parameter and codebook metrics."""
        self._evaluate(batch["motion"].float(), "val")

    def test_step(self, batch: dict[str, torch.Tensor], batch_idx: int) -> dict[str, Any]:
        """As validation, logged as ``test/...``; return what ``unimo test``'s report draws."""
        recon, target, joints = self._evaluate(batch["motion"].float(), "test")
        fps = batch.get("fps")
        return {"joints": joints, "fps": float(fps.flatten()[0]) if torch.is_tensor(fps) else 20.0,
                "panels": {"input motion": target, "reconstruction": recon}}

    def _evaluate(self, motion: torch.Tensor, stage: str,
                  ) -> tuple[torch.Tensor, torch.Tensor, tuple[torch.Tensor, torch.Tensor]]:
        """Log ``{stage}/...`` metrics of the round trip of ``motion`` ``(B, T, 79)``; return the canonical
        reconstruction and target ``(B, T, 79)`` and their joints ``(B, T, J, 3)``."""
        b = motion.shape[0]
        losses = self.tokenizer.loss(motion)
        recon, quantized = self.tokenizer.reconstruct(motion)  # (B, T, 79) canonical
        target = self.tokenizer.features.canonicalize(motion)
        logs = {f"{stage}/{k}": v for k, v in losses.items()}
        logs.update({f"{stage}/{k}": v for k, v in parameter_errors(recon, target).items()})
        self.log_dict(logs, batch_size=b, sync_dist=True)
        usage, mpjpe, pa_mpjpe = self._stage_metrics(stage)
        usage.update(quantized.ids)
        joints = body_joints(recon), body_joints(target)  # (B, T, J, 3) metres
        if mpjpe is not None:
            mpjpe.update(*joints)
            pa_mpjpe.update(*joints)
            self.log(f"{stage}/mpjpe_mm", mpjpe, batch_size=b, prog_bar=True)
            self.log(f"{stage}/pa_mpjpe_mm", pa_mpjpe, batch_size=b)
        return recon, target, joints

    def on_validation_epoch_end(self) -> None:
        """Log codebook usage and perplexity over the whole validation set, then reset them."""
        self._log_usage("val")

    def on_test_epoch_end(self) -> None:
        """Log codebook usage and perplexity over the whole test set, then reset them."""
        self._log_usage("test")

    def _stage_metrics(self, stage: str) -> tuple[CodebookUsage, Any, Any]:
        """Return the (codebook usage, MPJPE, PA-MPJPE) metrics of ``stage`` ("val" or "test")."""
        if stage == "val":
            return self.val_usage, self.val_mpjpe, self.val_pa_mpjpe
        return self.test_usage, self.test_mpjpe, self.test_pa_mpjpe

    def _log_usage(self, stage: str) -> None:
        log_codebook_usage(self, stage, self._stage_metrics(stage)[0])

    def on_save_checkpoint(self, checkpoint: dict[str, Any]) -> None:
        """Store the tokenizer config so ``load_tokenizer`` needs nothing but the checkpoint."""
        checkpoint["unimo_tokenizer"] = tokenizer_config(self.tokenizer)
