"""MotionTokenizerTask: a tiny CPU fit lowers the loss, logs validation metrics, and its checkpoint reloads
without Lightning (``load_tokenizer``) to the same ids."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import lightning as L
import pytest
import torch
from motion_samples import smooth_motion
from torch.utils.data import DataLoader, Dataset

from unimo.tasks.motion_tokenizer import MotionTokenizerTask, parameter_errors
from unimo.tokenizers.loading import export_tokenizer, load_tokenizer
from unimo.tokenizers.motion_losses import MotionLossWeights
from unimo.tokenizers.motion_vqvae import MotionVQVAETokenizer


class MotionClips(Dataset):
    """Fixed smooth random clips as DataModule-style dict samples."""

    def __init__(self, num: int, frames: int, seed: int) -> None:
        self.motion = smooth_motion(num, frames, seed)

    def __len__(self) -> int:
        return len(self.motion)

    def __getitem__(self, i: int) -> dict[str, torch.Tensor]:
        return {"motion": self.motion[i], "fps": torch.tensor(30.0)}


def tiny_task(**kwargs: object) -> MotionTokenizerTask:
    tokenizer = MotionVQVAETokenizer(codebook_size=32, code_dim=8, scale=2, width=32, depth=1,
                                     loss_weights=MotionLossWeights(joints=1.0))
    return MotionTokenizerTask(tokenizer, lr=3e-3, warmup_steps=5, normalization_batches=4, **kwargs)


@pytest.fixture(scope="module")
def fitted(tmp_path_factory: pytest.TempPathFactory) -> tuple[MotionTokenizerTask, Path, dict]:
    root = tmp_path_factory.mktemp("motion_tok")
    torch.manual_seed(0)
    task = tiny_task(pose_noise_deg=5.0)
    train = DataLoader(MotionClips(64, 17, seed=1), batch_size=16, shuffle=True)
    val = DataLoader(MotionClips(16, 17, seed=2), batch_size=8)
    trainer = L.Trainer(max_steps=120, accelerator="cpu", logger=False, enable_progress_bar=False,
                        enable_model_summary=False, default_root_dir=root, val_check_interval=60,
                        check_val_every_n_epoch=None, num_sanity_val_steps=0, limit_val_batches=2)
    trainer.fit(task, train, val)
    ckpt = root / "last.ckpt"
    trainer.save_checkpoint(ckpt)
    return task, ckpt, dict(trainer.callback_metrics)


def test_fit_fits_normalization_and_lowers_the_loss(fitted: tuple) -> None:
    task, _, metrics = fitted
    assert bool(task.tokenizer.features.fitted)
    assert task.tokenizer.features.std.min() > 0
    untrained = tiny_task()
    untrained.tokenizer.features.load_state_dict(task.tokenizer.features.state_dict())
    motion = MotionClips(64, 17, seed=1).motion[:32]  # training clips: the fit must have learnt them
    with torch.no_grad():
        loss_before = untrained.tokenizer.train().loss(motion)["loss"].item()
        loss_after = task.tokenizer.eval().loss(motion)["loss"].item()
    assert loss_after < 0.8 * loss_before, (loss_before, loss_after)
    for key in ("val/loss", "val/mpjpe_mm", "val/pa_mpjpe_mm", "val/pose_err_deg", "val/orient_err_deg",
                "val/transl_err_mm", "val/betas_err", "val/codebook_usage", "val/codebook_perplexity",
                "train/loss"):
        assert key in metrics and math.isfinite(float(metrics[key])), key
    assert 0 < float(metrics["val/codebook_usage"]) <= 1
    assert 0 < float(metrics["val/pa_mpjpe_mm"]) < float(metrics["val/mpjpe_mm"]) < 1000


def test_lightning_checkpoint_reloads_without_lightning(fitted: tuple) -> None:
    task, ckpt, _ = fitted
    motion = smooth_motion(3, 21, seed=5)
    expected = task.tokenizer.eval().encode(motion)
    tokenizer = load_tokenizer(ckpt)
    assert isinstance(tokenizer, MotionVQVAETokenizer) and not tokenizer.training
    assert torch.equal(tokenizer.encode(motion), expected)
    torch.testing.assert_close(tokenizer.decode(expected), task.tokenizer.decode(expected))
    # The normalisation statistics travel with the checkpoint.
    torch.testing.assert_close(tokenizer.features.mean, task.tokenizer.features.mean)


def test_plain_export_and_pickled_module_reload(fitted: tuple, tmp_path: Path) -> None:
    task, _, _ = fitted
    motion = smooth_motion(2, 9, seed=6)
    expected = task.tokenizer.eval().encode(motion)
    export_tokenizer(task.tokenizer, tmp_path / "motion_tok.pt")
    assert torch.equal(load_tokenizer(tmp_path / "motion_tok.pt").encode(motion), expected)
    torch.save(task.tokenizer, tmp_path / "module.pt")
    assert torch.equal(load_tokenizer(tmp_path / "module.pt").encode(motion), expected)


def test_task_load_from_checkpoint_rebuilds_the_tokenizer(fitted: tuple) -> None:
    task, ckpt, _ = fitted
    restored = MotionTokenizerTask.load_from_checkpoint(ckpt, map_location="cpu")
    motion = smooth_motion(2, 13, seed=7)
    assert torch.equal(restored.tokenizer.eval().encode(motion), task.tokenizer.eval().encode(motion))


def test_load_tokenizer_errors_name_the_file(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="no file"):
        load_tokenizer(tmp_path / "missing.ckpt")
    torch.save({"weights": 1}, tmp_path / "other.pt")
    with pytest.raises(ValueError, match="other.pt"):
        load_tokenizer(tmp_path / "other.pt")


def test_parameter_errors_in_physical_units() -> None:
    target = torch.zeros(1, 2, 79)
    pred = target.clone()
    pred[..., 73] = math.radians(10)  # 10 degrees about x
    pred[..., 76] = 0.02  # 2 cm
    errors = parameter_errors(pred, target)
    assert errors["orient_err_deg"].item() == pytest.approx(10.0, abs=1e-3)
    assert errors["transl_err_mm"].item() == pytest.approx(20.0, abs=1e-3)
    assert errors["pose_err_deg"].item() == pytest.approx(0.0, abs=1e-2)


class LossRecorder(L.Callback):
    """Keep every training step's loss."""

    def __init__(self) -> None:
        self.losses: list[float] = []

    def on_train_batch_end(self, trainer: L.Trainer, pl_module: L.LightningModule, outputs: Any,
                           batch: Any, batch_idx: int) -> None:
        self.losses.append(float(outputs["loss"]))


def test_compiled_training_follows_the_eager_loss(tmp_path: Path) -> None:
    """``compile``: the first step runs eagerly (codebook init), later ones through torch.compile (traced by
    dynamo + AOTAutograd; the ``aot_eager`` backend skips inductor's minutes of CPU codegen), with the same
    losses as eager training."""
    losses = {}
    for compiled in (False, True):
        torch.manual_seed(0)
        task = tiny_task(compile="aot_eager" if compiled else False)
        recorder = LossRecorder()
        trainer = L.Trainer(max_steps=4, accelerator="cpu", logger=False, enable_progress_bar=False,
                            enable_model_summary=False, enable_checkpointing=False, default_root_dir=tmp_path,
                            callbacks=[recorder])
        trainer.fit(task, DataLoader(MotionClips(32, 17, seed=1), batch_size=8))
        losses[compiled] = recorder.losses
        assert (getattr(task, "_compiled_loss", None) is not None) == compiled
    assert len(losses[True]) == 4
    assert losses[True] == pytest.approx(losses[False], rel=1e-4)
