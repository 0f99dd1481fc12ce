"""``VideoTokenizerTask``: train and evaluate a video tokenizer (e.g. ``CausalVideoTokenizer``).

Objective: the tokenizer's own reconstruction losses (L1 + structural term), plus, after
``adversarial_start_step``, a hinge PatchGAN term (VQGAN, Esser et al. 2021) that sharpens texture.
Generator and discriminator are trained by ONE optimizer and ONE backward: the discriminator sees
detached reconstructions, and the generator's adversarial term is computed through a copy of the
discriminator's weights with gradients cut (``torch.func.functional_call``), so neither loss leaks into
the other's parameters. That keeps Lightning's automatic optimization (gradient clipping, accumulation,
``max_steps``) intact, which two manually stepped optimizers would break.

Checkpoints carry the tokenizer config (``hyper_parameters["tokenizer"]`` and ``"unimo_tokenizer"``),
so ``unimo.tokenizers.loading.load_tokenizer(ckpt)`` rebuilds the tokenizer without Lightning.

Validation logs ``val/psnr_db``, ``val/ssim`` (torchmetrics, frames in ``[0, 1]``), ``val/l1``,
``val/codebook_usage`` and ``val/codebook_perplexity`` of the discrete round trip, and writes
``previews/step{N}.mp4`` (input | reconstruction) under the logger's folder. Test logs the same under
``test/`` and returns per-frame PSNR and (input, reconstruction) for ``unimo test``'s report.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import lightning as L
import torch
from torch.func import functional_call

from unimo.data.shards.frames import video_to_uint8
from unimo.metrics.codebook import CodebookUsage
from unimo.metrics.video_quality import VideoPSNR, VideoSSIM, frame_psnr
from unimo.tasks.tokenizer import log_codebook_usage
from unimo.tokenizers.base import Tokenizer
from unimo.tokenizers.discriminator import PatchDiscriminator
from unimo.tokenizers.image_losses import hinge_discriminator_loss, hinge_generator_loss
from unimo.tokenizers.loading import build_tokenizer, tokenizer_config


def _fps(batch: dict[str, torch.Tensor]) -> float:
    """Return the clips' frame rate from the batch (8 when the batch does not say)."""
    return float(batch["fps"].flatten()[0]) if "fps" in batch else 8.0


class VideoTokenizerTask(L.LightningModule):
    """Train a video tokenizer on batches ``{"video": (B, T, 3, H, W) in [-1, 1], ...}``.

    Args:
        tokenizer: The tokenizer to train (``class_path: CausalVideoTokenizer`` in YAML). The adversarial
            term needs its ``reconstruct(video)`` and ``reconstruction_losses(video, recon)``.
        lr: Peak AdamW learning rate (after linear warmup, then cosine decay to 10% at the last step).
        weight_decay: AdamW weight decay of the tokenizer's weights.
        warmup_steps: Linear warmup steps.
        adversarial_weight: Weight of the generator's hinge term; 0 disables the discriminator.
        adversarial_start_step: Global step at which the adversarial terms switch on (late, once
            reconstructions are reasonable, as in VQGAN).
        discriminator_channels: Width of the first discriminator layer.
        num_preview: Videos of the first validation batch written side by side to the preview mp4
            (0 disables previews).
    """

    def __init__(
        self,
        tokenizer: Tokenizer,
        lr: float = 3e-4,
        weight_decay: float = 1e-4,
        warmup_steps: int = 200,
        adversarial_weight: float = 0.0,
        adversarial_start_step: int = 5_000,
        discriminator_channels: int = 32,
        num_preview: int = 2,
    ) -> None:
        super().__init__()
        # A dict is the {"class_path", "init_args"} config that load_from_checkpoint passes back.
        self.tokenizer = tokenizer if isinstance(tokenizer, Tokenizer) else build_tokenizer(tokenizer)
        self.save_hyperparameters(ignore=["tokenizer"])
        config = tokenizer_config(self.tokenizer)
        if config is not None:  # a plain dict, so checkpoints rebuild without pickled modules
            self.hparams["tokenizer"] = config
        self.discriminator = PatchDiscriminator(discriminator_channels) if adversarial_weight > 0 else None
        # One metric object per stage: Lightning computes and resets logged metrics per loop.
        self.val_psnr, self.val_ssim = VideoPSNR(), VideoSSIM()
        self.val_usage = CodebookUsage(self.tokenizer.vocab_size)
        self.test_psnr, self.test_ssim = VideoPSNR(), VideoSSIM()
        self.test_usage = CodebookUsage(self.tokenizer.vocab_size)

    # ------------------------------------------------------------------ training
    def _adversarial_active(self) -> bool:
        return self.discriminator is not None and self.global_step >= self.hparams.adversarial_start_step

    def _adversarial_losses(
        self, video: torch.Tensor, recon: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Return ``(generator term, discriminator term)`` for videos ``(B, T, 3, H, W)``."""
        real, fake = video.flatten(0, 1), recon.flatten(0, 1)  # frames (B*T, 3, H, W)
        d_loss = hinge_discriminator_loss(self.discriminator(real), self.discriminator(fake.detach()))
        frozen = {k: v.detach() for k, v in self.discriminator.state_dict(keep_vars=True).items()}
        g_loss = hinge_generator_loss(functional_call(self.discriminator, frozen, (fake,)))
        return g_loss, d_loss

    def training_step(self, batch: dict[str, torch.Tensor], batch_idx: int) -> torch.Tensor:
        """Return the loss of one batch."""
        video = batch["video"]  # (B, T, 3, H, W)
        if not hasattr(self.tokenizer, "reconstruct"):
            losses = self.tokenizer.loss(video)
        else:
            recon, _ = self.tokenizer.reconstruct(video)
            losses = dict(self.tokenizer.reconstruction_losses(video, recon))
            if self._adversarial_active():
                g_loss, d_loss = self._adversarial_losses(video, recon)
                losses.update(adv_g=g_loss.detach(), adv_d=d_loss.detach())
                losses["loss"] = losses["loss"] + self.hparams.adversarial_weight * g_loss + d_loss
        logged = {f"train/{k}": v.detach() for k, v in losses.items() if k != "loss"}
        self.log_dict(logged, batch_size=video.shape[0])
        self.log("train/loss", losses["loss"].detach(), prog_bar=True, batch_size=video.shape[0])
        return losses["loss"]

    def configure_optimizers(self) -> dict[str, Any]:
        """AdamW (decay on weights of rank >= 2 only) with linear warmup and cosine decay to 10%."""
        decay = [p for p in self.tokenizer.parameters() if p.requires_grad and p.ndim >= 2]
        no_decay = [p for p in self.tokenizer.parameters() if p.requires_grad and p.ndim < 2]
        groups = [
            {"params": decay, "weight_decay": self.hparams.weight_decay},
            {"params": no_decay, "weight_decay": 0.0},
        ]
        if self.discriminator is not None:
            groups.append({"params": list(self.discriminator.parameters()), "weight_decay": 0.0})
        optimizer = torch.optim.AdamW(groups, lr=self.hparams.lr, betas=(0.9, 0.95))
        total = max(int(self.trainer.estimated_stepping_batches), 1) if self._trainer is not None else 100_000
        warmup = min(self.hparams.warmup_steps, max(total - 1, 0))

        def factor(step: int) -> float:
            if step < warmup:
                return (step + 1) / warmup
            progress = min((step - warmup) / max(total - warmup, 1), 1.0)
            return 0.1 + 0.45 * (1 + math.cos(math.pi * progress))

        scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, factor)
        return {"optimizer": optimizer, "lr_scheduler": {"scheduler": scheduler, "interval": "step"}}

    # ------------------------------------------------------------------ validation
    def validation_step(self, batch: dict[str, torch.Tensor], batch_idx: int) -> None:
        """Round-trip through discrete ids and accumulate PSNR, SSIM and codebook usage."""
        video = batch["video"]  # (B, T, 3, H, W)
        recon = self._evaluate(video, "val")
        if batch_idx == 0 and self.hparams.num_preview > 0 and self.trainer.is_global_zero:
            self.write_preview(video[: self.hparams.num_preview], recon[: self.hparams.num_preview],
                               _fps(batch))

    def test_step(self, batch: dict[str, torch.Tensor], batch_idx: int) -> dict[str, Any]:
        """As validation, logged as ``test/...``; return what ``unimo test``'s report draws."""
        video = batch["video"].float()  # (B, T, 3, H, W)
        recon = self._evaluate(video, "test").float()
        return {"frame_values": {"psnr_db": frame_psnr(recon, video)}, "videos": (video, recon),
                "panels": {"input": video, "reconstruction": recon}, "fps": _fps(batch)}

    def _evaluate(self, video: torch.Tensor, stage: str) -> torch.Tensor:
        """Log ``{stage}/...`` metrics of the discrete round trip of ``video``; return the reconstruction."""
        ids = self.tokenizer.encode(video)  # (B, t, h, w)
        recon = self.tokenizer.decode(ids).to(video.dtype)  # (B, T, 3, H, W)
        psnr, ssim, usage = self._stage_metrics(stage)
        # torchmetrics' SSIM convolves: under bf16-mixed its conv would run in bf16 and misstate SSIM by ~0.1.
        with torch.autocast(device_type=video.device.type, enabled=False):
            psnr.update(recon.float(), video.float())
            ssim.update(recon.float(), video.float())
        usage.update(ids)
        b = video.shape[0]
        self.log(f"{stage}/l1", (recon.float() - video.float()).abs().mean(), batch_size=b, sync_dist=True)
        self.log(f"{stage}/psnr_db", psnr, batch_size=b, prog_bar=True)
        self.log(f"{stage}/ssim", ssim, batch_size=b)
        return recon

    def _stage_metrics(self, stage: str) -> tuple[VideoPSNR, VideoSSIM, CodebookUsage]:
        """Return the (PSNR, SSIM, codebook usage) metrics of ``stage`` ("val" or "test")."""
        if stage == "val":
            return self.val_psnr, self.val_ssim, self.val_usage
        return self.test_psnr, self.test_ssim, self.test_usage

    def on_validation_epoch_end(self) -> None:
        """Log codebook usage over the whole validation set, then reset it."""
        self._log_usage("val")

    def on_test_epoch_end(self) -> None:
        """Log codebook usage over the whole test set, then reset it."""
        self._log_usage("test")

    def _log_usage(self, stage: str) -> None:
        log_codebook_usage(self, stage, self._stage_metrics(stage)[2])

    def on_save_checkpoint(self, checkpoint: dict[str, Any]) -> None:
        """Store the tokenizer config so ``unimo.tokenizers.loading.load_tokenizer(ckpt)`` rebuilds it."""
        checkpoint["unimo_tokenizer"] = tokenizer_config(self.tokenizer)

    def preview_dir(self) -> Path:
        """Return the folder previews go to: ``<logger log_dir>/previews`` (or the trainer's root)."""
        root = None
        if self.logger is not None:
            root = getattr(self.logger, "log_dir", None) or getattr(self.logger, "save_dir", None)
        return Path(root or self.trainer.default_root_dir) / "previews"

    def write_preview(self, video: torch.Tensor, recon: torch.Tensor, fps: float) -> Path:
        """Write ``(N, T, 3, H, W)`` inputs beside reconstructions as one mp4 (N rows, 2 columns)."""
        from unimo.render.video_io import write_video  # PyAV import only when previews are written

        rows = [
            torch.cat([video_to_uint8(v), video_to_uint8(r)], dim=2)
            for v, r in zip(video, recon, strict=True)
        ]
        frames = torch.cat(rows, dim=1).numpy()  # (T, N*H, 2*W, 3)
        path = self.preview_dir() / f"step{self.global_step:07d}.mp4"
        path.parent.mkdir(parents=True, exist_ok=True)
        write_video(path, frames, fps=fps)
        return path
