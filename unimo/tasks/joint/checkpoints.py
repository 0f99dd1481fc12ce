"""``BestPerTaskCheckpoint``: one best checkpoint per task of a multi-task model.

The tasks of one model overfit at different rates (H100, benchmarks/results/joint.md, session 15: V2M-only's
validation loss is lowest at step 800 of 2302, I2VM-only's at 1100 of 1560), so one monitored metric keeps
weights that are a compromise. This callback keeps, for every ``val/<Layout>/loss`` the module logs, the
checkpoint where that loss was lowest: ``best-<Layout>.ckpt``. It follows the layouts the run trains, so
overlays need no edits.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import lightning as L

from unimo.atomic import temp_beside

LAYOUT_LOSS = re.compile(r"val/(\w+)/loss")


class BestPerTaskCheckpoint(L.Callback):
    """Save ``best-<Layout>.ckpt`` whenever a layout's validation loss reaches a new low.

    Args:
        dirpath: Folder of the checkpoints; default: that of the trainer's ``ModelCheckpoint`` (else
            ``<default_root_dir>/checkpoints``).
    """

    def __init__(self, dirpath: str | None = None) -> None:
        self.dirpath = dirpath
        self.best: dict[str, dict[str, float]] = {}  # layout -> {"loss", "step"}; kept on resume

    @property
    def state_key(self) -> str:
        return self._generate_state_key(dirpath=self.dirpath)

    def _folder(self, trainer: L.Trainer) -> Path:
        if self.dirpath:
            return Path(self.dirpath)
        checkpoint = trainer.checkpoint_callback
        if checkpoint is not None and getattr(checkpoint, "dirpath", None):
            return Path(checkpoint.dirpath)
        return Path(trainer.default_root_dir) / "checkpoints"

    def on_validation_end(self, trainer: L.Trainer, pl_module: L.LightningModule) -> None:
        if trainer.sanity_checking or trainer.fast_dev_run:
            return
        for key, value in sorted(trainer.callback_metrics.items()):
            match = LAYOUT_LOSS.fullmatch(key)
            if match is None:
                continue
            layout, loss = match.group(1), float(value)
            if loss < self.best.get(layout, {}).get("loss", float("inf")):
                self.best[layout] = {"loss": loss, "step": trainer.global_step}
                self._save(trainer, self._folder(trainer) / f"best-{layout}.ckpt")

    def _save(self, trainer: L.Trainer, path: Path) -> None:
        """Write through a temporary name (every rank joins the save; rank 0 renames), so an interrupted save
        never replaces the previous best with half a file."""
        temp = temp_beside(path)
        temp = trainer.strategy.broadcast(temp)  # rank 0's name: only rank 0 writes
        if trainer.is_global_zero:
            path.parent.mkdir(parents=True, exist_ok=True)
        trainer.save_checkpoint(temp)
        if trainer.is_global_zero:
            os.replace(temp, path)

    def state_dict(self) -> dict[str, Any]:
        return {"best": self.best}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        self.best = dict(state_dict.get("best", {}))
