"""BestPerTaskCheckpoint with a real Lightning trainer: one best checkpoint per logged layout loss."""

from __future__ import annotations

from pathlib import Path

import lightning as L
import torch
from torch.utils.data import DataLoader, TensorDataset

from unimo.tasks.joint import BestPerTaskCheckpoint

# validation loss per epoch for each layout: their minima fall in different epochs
SCRIPT = {"I2VMLayout": [5.0, 4.0, 3.0, 3.5], "V2MLayout": [2.0, 1.0, 1.5, 1.2]}


class ScriptedLosses(L.LightningModule):
    """A real (tiny) module whose logged per-layout validation losses follow ``SCRIPT`` epoch by epoch."""

    def __init__(self) -> None:
        super().__init__()
        self.layer = torch.nn.Linear(2, 1)

    def training_step(self, batch: list[torch.Tensor], batch_idx: int) -> torch.Tensor:
        return self.layer(batch[0]).pow(2).mean()

    def validation_step(self, batch: list[torch.Tensor], batch_idx: int) -> None:
        for layout, losses in SCRIPT.items():
            self.log(f"val/{layout}/loss", losses[self.current_epoch])
        self.log("val/V2MLayout/accuracy", 0.0)  # not a loss: no checkpoint for it

    def configure_optimizers(self) -> torch.optim.Optimizer:
        return torch.optim.SGD(self.parameters(), lr=0.01)


def _loader() -> DataLoader:
    return DataLoader(TensorDataset(torch.randn(4, 2)), batch_size=2)


def _fit(tmp_path: Path, epochs: int, ckpt_path: Path | None = None) -> BestPerTaskCheckpoint:
    callback = BestPerTaskCheckpoint()
    trainer = L.Trainer(max_epochs=epochs, default_root_dir=tmp_path, logger=False, accelerator="cpu",
                        enable_progress_bar=False, enable_model_summary=False, num_sanity_val_steps=0,
                        callbacks=[callback])
    trainer.fit(ScriptedLosses(), _loader(), _loader(), ckpt_path=ckpt_path)
    return callback


def _epoch_of(path: Path) -> int:
    return torch.load(path, map_location="cpu", weights_only=False)["epoch"]


def test_each_layout_keeps_the_checkpoint_of_its_lowest_validation_loss(tmp_path: Path) -> None:
    callback = _fit(tmp_path, epochs=4)
    folder = tmp_path / "checkpoints"
    assert sorted(p.name for p in folder.iterdir() if p.name.startswith("best-")) == [
        "best-I2VMLayout.ckpt", "best-V2MLayout.ckpt"]
    assert _epoch_of(folder / "best-I2VMLayout.ckpt") == 2  # losses 5, 4, 3, 3.5
    assert _epoch_of(folder / "best-V2MLayout.ckpt") == 1  # losses 2, 1, 1.5, 1.2
    assert callback.best == {"I2VMLayout": {"loss": 3.0, "step": 6}, "V2MLayout": {"loss": 1.0, "step": 4}}
    assert not [p for p in folder.iterdir() if p.name.endswith(".tmp")], "a temporary file was left"


def test_resumed_run_does_not_replace_a_better_checkpoint(tmp_path: Path) -> None:
    _fit(tmp_path, epochs=2)  # V2M best so far: epoch 1 (loss 1.0)
    folder = tmp_path / "checkpoints"
    resumed = _fit(tmp_path, epochs=4, ckpt_path=next(folder.glob("epoch=1*.ckpt")))
    assert resumed.best["V2MLayout"] == {"loss": 1.0, "step": 4}  # 1.5 and 1.2 later are worse
    assert _epoch_of(folder / "best-V2MLayout.ckpt") == 1
    assert _epoch_of(folder / "best-I2VMLayout.ckpt") == 2
