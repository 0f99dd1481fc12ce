"""Tests for unimo.tasks.video_tokenizer: a tiny CPU fit, previews, metrics, checkpoint reload."""

from __future__ import annotations

import math
from pathlib import Path

import lightning as L
import numpy as np
import pytest
import torch
from lightning.pytorch.loggers import CSVLogger
from torch.utils.data import DataLoader, Dataset

from unimo.metrics.video_quality import VideoSSIM
from unimo.render.video_io import read_video
from unimo.tasks.video_tokenizer import VideoTokenizerTask
from unimo.tokenizers.loading import load_tokenizer
from unimo.tokenizers.video_causal import CausalVideoTokenizer

TINY = dict(channels=16, channel_mult=[1, 2, 2, 2], levels=[8, 8, 8, 5, 5, 5], height=32, width=32)


def moving_square(seed: int, frames: int = 5, size: int = 32) -> torch.Tensor:
    """A coloured square gliding over a smooth two-colour gradient: (T, 3, H, W) in [-1, 1]."""
    g = torch.Generator().manual_seed(seed)
    c0, c1, fg = (torch.rand(3, 1, 1, generator=g) * 2 - 1 for _ in range(3))
    ramp = torch.linspace(0, 1, size).view(1, 1, size)
    background = c0 + (c1 - c0) * ramp  # (3, 1, W)
    x0, y0 = (torch.rand(2, generator=g) * size / 2).tolist()
    vx, vy = (torch.rand(2, generator=g) * 4 - 2).tolist()
    ys, xs = torch.meshgrid(torch.arange(size), torch.arange(size), indexing="ij")
    clip = []
    for t in range(frames):
        x, y = x0 + vx * t, y0 + vy * t
        inside = ((xs - x).abs() < 6) & ((ys - y).abs() < 6)  # (H, W)
        clip.append(torch.where(inside, fg, background.expand(3, size, size)))
    return torch.stack(clip)


class Squares(Dataset):
    def __init__(self, n: int, offset: int = 0) -> None:
        self.n, self.offset = n, offset

    def __len__(self) -> int:
        return self.n

    def __getitem__(self, i: int) -> dict[str, torch.Tensor]:
        return {"video": moving_square(self.offset + i), "fps": torch.tensor(10.0)}


def _trainer(tmp_path: Path, max_steps: int) -> L.Trainer:
    return L.Trainer(
        max_steps=max_steps,
        accelerator="cpu",
        devices=1,
        logger=CSVLogger(tmp_path, name="tok"),
        default_root_dir=tmp_path,
        enable_progress_bar=False,
        enable_model_summary=False,
        limit_val_batches=1,
        check_val_every_n_epoch=None,
        val_check_interval=max_steps,
        num_sanity_val_steps=0,
        log_every_n_steps=1,
    )


def _eval_loss(task: VideoTokenizerTask, batch: torch.Tensor) -> float:
    with torch.no_grad():
        return float(task.tokenizer.loss(batch)["loss"])


def test_tiny_fit_lowers_loss_writes_preview_and_reloads(tmp_path: Path) -> None:
    task = VideoTokenizerTask(CausalVideoTokenizer(**TINY), lr=2e-3, warmup_steps=5, num_preview=2)
    held_out = torch.stack([moving_square(1000 + i) for i in range(4)])  # (4, 5, 3, 32, 32)
    before = _eval_loss(task, held_out)
    trainer = _trainer(tmp_path, max_steps=80)
    trainer.fit(
        task, DataLoader(Squares(16), batch_size=4, shuffle=True), DataLoader(Squares(4, 500), batch_size=4)
    )
    after = _eval_loss(task, held_out)
    assert after < 0.75 * before, (before, after)

    metrics = trainer.callback_metrics
    assert math.isfinite(float(metrics["val/psnr_db"])) and float(metrics["val/psnr_db"]) > 12
    assert 0 < float(metrics["val/ssim"]) <= 1
    assert 0 < float(metrics["val/codebook_usage"]) <= 1
    assert 1 <= float(metrics["val/codebook_perplexity"]) <= 64_000

    previews = sorted((Path(trainer.logger.log_dir) / "previews").glob("*.mp4"))
    assert [p.name for p in previews] == ["step0000080.mp4"]
    frames, fps = read_video(previews[0])
    assert frames.shape == (5, 64, 64, 3) and fps == pytest.approx(10.0)

    ckpt = tmp_path / "tok.ckpt"
    trainer.save_checkpoint(ckpt)
    hparams = torch.load(ckpt, weights_only=False)["hyper_parameters"]
    assert hparams["tokenizer"]["class_path"] == "unimo.tokenizers.video_causal.CausalVideoTokenizer"
    assert hparams["tokenizer"]["init_args"]["levels"] == [8, 8, 8, 5, 5, 5]
    reloaded = VideoTokenizerTask.load_from_checkpoint(ckpt).eval()
    task.eval()
    with torch.no_grad():
        assert torch.equal(reloaded.tokenizer.encode(held_out), task.tokenizer.encode(held_out))
        assert torch.equal(
            reloaded.tokenizer.decode(task.tokenizer.encode(held_out)),
            task.tokenizer.decode(task.tokenizer.encode(held_out)),
        )


def test_adversarial_terms_train_only_their_own_side() -> None:
    task = VideoTokenizerTask(
        CausalVideoTokenizer(**TINY),
        adversarial_weight=0.1,
        adversarial_start_step=0,
        discriminator_channels=8,
    )
    video = torch.stack([moving_square(i) for i in range(2)])
    recon, _ = task.tokenizer.reconstruct(video)
    g_loss, d_loss = task._adversarial_losses(video, recon)

    def grad_norms(loss: torch.Tensor) -> tuple[float, float]:
        task.zero_grad(set_to_none=True)
        loss.backward(retain_graph=True)
        norm = lambda module: sum(float(p.grad.norm()) for p in module.parameters() if p.grad is not None)  # noqa: E731
        return norm(task.tokenizer), norm(task.discriminator)

    tok_g, disc_g = grad_norms(g_loss)
    assert tok_g > 0 and disc_g == 0  # generator term moves only the tokenizer
    tok_d, disc_d = grad_norms(d_loss)
    assert tok_d == 0 and disc_d > 0  # discriminator term moves only the discriminator


def test_adversarial_switches_on_at_start_step(tmp_path: Path) -> None:
    task = VideoTokenizerTask(
        CausalVideoTokenizer(**TINY),
        adversarial_weight=0.1,
        adversarial_start_step=3,
        discriminator_channels=8,
        num_preview=0,
    )
    start = [p.detach().clone() for p in task.discriminator.parameters()]
    trainer = _trainer(tmp_path, max_steps=3)
    trainer.fit(task, DataLoader(Squares(8), batch_size=2))
    # Before step 3 the discriminator gets no gradient, so AdamW (decay 0 on it) leaves it untouched.
    assert all(torch.equal(a, b) for a, b in zip(start, task.discriminator.parameters(), strict=True))
    assert "train/adv_d" not in trainer.callback_metrics
    trainer = _trainer(tmp_path, max_steps=5)
    trainer.fit(task, DataLoader(Squares(8), batch_size=2))
    assert "train/adv_d" in trainer.callback_metrics
    assert any(not torch.equal(a, b) for a, b in zip(start, task.discriminator.parameters(), strict=True))


def test_checkpoint_loads_through_load_tokenizer(tmp_path: Path) -> None:
    task = VideoTokenizerTask(CausalVideoTokenizer(**TINY), num_preview=0)
    trainer = _trainer(tmp_path, max_steps=2)
    trainer.fit(task, DataLoader(Squares(4), batch_size=2))
    ckpt = tmp_path / "tok.ckpt"
    trainer.save_checkpoint(ckpt)
    tok = load_tokenizer(ckpt)
    assert isinstance(tok, CausalVideoTokenizer) and tok.init_args == task.tokenizer.init_args
    video = torch.stack([moving_square(i) for i in range(2)])
    task.eval()
    with torch.no_grad():
        assert torch.equal(tok.encode(video), task.tokenizer.encode(video))


def test_moving_square_is_in_range() -> None:
    clip = moving_square(3)
    assert clip.shape == (5, 3, 32, 32)
    assert float(clip.min()) >= -1 and float(clip.max()) <= 1
    assert not np.allclose(clip[0].numpy(), clip[-1].numpy())


def test_validation_metrics_are_float32_under_bf16_autocast() -> None:
    # Issue #6: under bf16-mixed, torchmetrics' SSIM convolution ran in bf16 (SSIM ~0.1 too low).
    task = VideoTokenizerTask(CausalVideoTokenizer(**TINY), num_preview=0).eval()
    video = torch.stack([moving_square(i) for i in range(2)])  # (2, 5, 3, 32, 32)
    with torch.no_grad():
        recon = task.tokenizer.decode(task.tokenizer.encode(video))
        task.tokenizer.decode = lambda ids: recon  # the metric, not the bf16 decoder, is under test
        with torch.autocast("cpu", dtype=torch.bfloat16):
            task._evaluate(video, "val")
    expected = VideoSSIM()
    expected.update(recon, video)
    assert float(task.val_ssim.compute()) == pytest.approx(float(expected.compute()), abs=1e-6)
