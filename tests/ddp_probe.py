"""A Lightning callback recording what each DDP rank saw, for tests/test_ddp.py (importable via PYTHONPATH).

Every rank writes ``rank{global_rank}.json`` into ``out_dir`` when fitting ends: the clip keys of every
training and validation batch per epoch, the epoch-level validation metrics as that rank sees them, the
global step at start and end, and a checksum of its weights. The test compares the files of the ranks.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from pathlib import Path
from typing import Any

import lightning as L


class RecordRanks(L.Callback):
    """Record per-rank batch keys, validation metrics and a weight checksum (test helper).

    Args:
        out_dir: Folder for the per-rank JSON files.
    """

    def __init__(self, out_dir: str) -> None:
        self.out_dir = Path(out_dir)
        self.train_keys: dict[int, list[str]] = defaultdict(list)
        self.val_keys: dict[int, list[str]] = defaultdict(list)
        self.val_metrics: dict[int, dict[str, float]] = {}
        self.start_step: int | None = None

    def on_train_start(self, trainer: L.Trainer, pl_module: L.LightningModule) -> None:
        self.start_step = trainer.global_step

    def on_train_batch_start(self, trainer: L.Trainer, pl_module: L.LightningModule, batch: Any,
                             batch_idx: int) -> None:
        self.train_keys[trainer.current_epoch].extend(batch["key"])

    def on_validation_batch_start(self, trainer: L.Trainer, pl_module: L.LightningModule, batch: Any,
                                  batch_idx: int, dataloader_idx: int = 0) -> None:
        if not trainer.sanity_checking:
            self.val_keys[trainer.current_epoch].extend(batch["key"])

    def on_validation_end(self, trainer: L.Trainer, pl_module: L.LightningModule) -> None:
        if not trainer.sanity_checking:  # callback_metrics hold this epoch's reduced values by now
            self.val_metrics[trainer.current_epoch] = {
                k: float(v) for k, v in trainer.callback_metrics.items() if k.startswith("val/")}

    def on_fit_end(self, trainer: L.Trainer, pl_module: L.LightningModule) -> None:
        digest = hashlib.sha256()
        for name, tensor in sorted(pl_module.state_dict().items()):
            digest.update(name.encode())
            digest.update(tensor.detach().cpu().contiguous().numpy().tobytes())
        record = {"rank": trainer.global_rank, "world_size": trainer.world_size,
                  "strategy": type(trainer.strategy).__name__, "start_step": self.start_step,
                  "end_step": trainer.global_step, "train_keys": self.train_keys, "val_keys": self.val_keys,
                  "val_metrics": self.val_metrics, "weights_sha256": digest.hexdigest()}
        self.out_dir.mkdir(parents=True, exist_ok=True)
        (self.out_dir / f"rank{trainer.global_rank}.json").write_text(json.dumps(record, indent=1))
