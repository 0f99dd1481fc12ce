"""``EvaluationReport``: the Lightning callback behind ``unimo test``'s report folder.

A task's ``test_step`` logs its ``test/...`` metrics and returns what the report needs (any key may be
absent):

- ``"joints"``: ``(pred, target)`` joints ``(B, T, J, 3)`` in metres: error by joint and by frame;
- ``"frame_values"``: ``{name: (B, T)}`` per-frame values (e.g. ``psnr_db``) averaged by frame index;
- ``"videos"``: ``(real, generated)`` videos ``(B, T, 3, H, W)`` in ``[-1, 1]``: FID and FVD, when their
  weights are on disk; ``"video_start_frame"``: frames of the generated videos copied from the input
  (I2VM: 1), left out of FID;
- ``"panels"``: ``{column: video (B, T, 3, H, W) | motion (B, T, 79)}``: the sample sheet's columns;
- ``"fps"``: frame rate of the clips.

At the end of the test run it writes, on global rank 0 only, ``metrics.json``, ``report.md``,
``samples.gif``/``samples.mp4``, ``per_joint_error.png`` and ``error_over_time.png``. Profiles and
FID/FVD are torchmetrics states summed over DDP processes; the sample sheet shows rank 0's first clips.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import lightning as L
import torch
from lightning.pytorch.utilities import rank_zero_info

from unimo.body.skeleton import SMPLX_BODY_JOINT_NAMES
from unimo.metrics.profile import PerFrameMean, PerJointError
from unimo.reports.video_scores import VideoScores
from unimo.reports.writer import ReportData, write_report


class EvaluationReport(L.Callback):
    """Write a report with pictures after ``trainer.test`` (``unimo test`` adds it as ``--report.*``).

    Args:
        dirpath: Folder of the report; default ``<log dir>/report`` (the logger's version folder, or
            ``trainer.default_root_dir`` without a logger).
        num_samples: Test clips shown in the sample sheet (0: no sheet).
        panel_size: Pixel size of each square panel of the sample sheet.
        video_metrics: Compute FID/FVD on generated (or reconstructed) videos when their weights are in
            ``UNIMO_WEIGHTS_DIR``; otherwise the report says why they were not computed.
    """

    def __init__(self, dirpath: str | None = None, num_samples: int = 4, panel_size: int = 128,
                 video_metrics: bool = True) -> None:
        self.dirpath, self.num_samples = dirpath, num_samples
        self.panel_size, self.video_metrics = panel_size, video_metrics
        self.config: dict[str, Any] | None = None  # set by `unimo test`: the resolved CLI configuration
        self.written: dict[str, Path] = {}

    def on_test_start(self, trainer: L.Trainer, pl_module: L.LightningModule) -> None:
        # log_dir broadcasts from rank 0 under DDP, so every process asks for it here, together.
        self.out_dir = Path(self.dirpath) if self.dirpath else Path(trainer.log_dir or ".") / "report"
        self.joints = PerJointError().to(pl_module.device)
        self.frames: dict[str, PerFrameMean] = {}  # keyed by name; every process sees the same names
        self.videos = VideoScores(self.video_metrics)
        self.rows: list[dict[str, torch.Tensor]] = []
        self.columns: list[str] = []
        self.num_clips, self.fps = 0, 20.0

    def on_test_batch_end(self, trainer: L.Trainer, pl_module: L.LightningModule, outputs: Any, batch: Any,
                          batch_idx: int, dataloader_idx: int = 0) -> None:
        self.num_clips += _batch_size(batch)
        if not isinstance(outputs, Mapping):
            return  # a task without report outputs still gets metrics.json and report.md
        self.fps = float(outputs.get("fps", self.fps))
        if "joints" in outputs:
            self.joints.update(*outputs["joints"])
        for name, values in outputs.get("frame_values", {}).items():
            self.frames.setdefault(name, PerFrameMean().to(pl_module.device)).update(values)
        if "videos" in outputs:
            self.videos.update(*outputs["videos"], start_frame=outputs.get("video_start_frame", 0))
        if trainer.is_global_zero and "panels" in outputs:
            self._keep_samples(outputs["panels"])

    def _keep_samples(self, panels: Mapping[str, torch.Tensor]) -> None:
        """Keep CPU copies of clips until ``num_samples`` rows are held; note new column names."""
        self.columns += [name for name in panels if name not in self.columns]
        size = len(next(iter(panels.values()), []))
        for i in range(min(size, self.num_samples - len(self.rows))):
            self.rows.append({name: panel[i].detach().float().cpu() for name, panel in panels.items()})

    def on_test_end(self, trainer: L.Trainer, pl_module: L.LightningModule) -> None:
        # Collectives under DDP: every process computes (a task returns the same keys on every process).
        profile = self.joints.compute() if self.joints.update_called else None
        per_frame = {name: metric.compute().tolist() for name, metric in self.frames.items()}
        video_scores = self.videos.compute()
        clips = torch.tensor(self.num_clips, device=pl_module.device)
        self.num_clips = int(trainer.strategy.reduce(clips, reduce_op="sum"))  # clips of all processes
        if not trainer.is_global_zero:
            return
        data = ReportData(
            task=type(pl_module).__name__, metrics=_test_metrics(trainer, video_scores),
            not_computed={f"test/{name}": reason for name, reason in self.videos.reasons.items()},
            rows=self.rows, columns=self.columns, fps=self.fps, num_clips=self.num_clips,
            ckpt_path=str(trainer.ckpt_path) if trainer.ckpt_path else None,
            config=self.config if self.config is not None else _hparams(trainer, pl_module),
            device=pl_module.device)
        if profile is not None:
            data.per_joint_mm = dict(zip(_joint_names(len(profile["per_joint_mm"])),
                                         profile["per_joint_mm"].tolist(), strict=True))
            data.per_frame = {"mpjpe_mm": profile["per_frame_mm"].tolist(), **per_frame}
        else:
            data.per_frame = per_frame
        self.written = write_report(self.out_dir, data, self.panel_size,
                                    progress=trainer.progress_bar_callback is not None)
        rank_zero_info(f"report: {self.out_dir / 'report.md'}")


def _test_metrics(trainer: L.Trainer, video_scores: Mapping[str, float]) -> dict[str, float]:
    """Return the logged ``test/...`` metrics plus FID/FVD."""
    logged = {k: float(v) for k, v in trainer.callback_metrics.items() if k.startswith("test/")}
    return {**logged, **{f"test/{name}": value for name, value in video_scores.items()}}


def _batch_size(batch: Any) -> int:
    """Return the clips in a batch: the length of its first tensor (0 when it has none)."""
    tensors = [v for v in batch.values() if torch.is_tensor(v)] if isinstance(batch, Mapping) else []
    return len(tensors[0]) if tensors else 0


def _joint_names(count: int) -> list[str]:
    names = SMPLX_BODY_JOINT_NAMES
    return list(names) if count == len(names) else [f"joint_{i}" for i in range(count)]


def _hparams(trainer: L.Trainer, pl_module: L.LightningModule) -> dict[str, Any]:
    """The configuration when not run from ``unimo test``: model and data hyper-parameters."""
    datamodule = getattr(trainer, "datamodule", None)
    return {"model": {"class_path": type(pl_module).__name__, "init_args": dict(pl_module.hparams)},
            "data": dict(getattr(datamodule, "hparams", {}))}
