"""Write a report folder from collected results: metrics.json, report.md, samples.gif/.mp4 and PNG plots.

Kept apart from the Lightning callback so reports can be written (and tested) from plain data.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch

from unimo.reports.markdown import report_markdown
from unimo.reports.plots import over_time_plot, per_joint_plot
from unimo.reports.sheet import sample_sheet, write_gif
from unimo.reports.summary import summary, write_json


@dataclass
class ReportData:
    """Everything a report shows.

    Attributes:
        task: Name of the evaluated LightningModule class.
        metrics: ``{"test/<name>": value}``.
        not_computed: ``{"test/<name>": reason}`` for metrics that could not be computed.
        per_joint_mm: ``{joint name: error}``; empty when the task has no joints.
        per_frame: ``{series name: values by frame index}``.
        rows: Sample-sheet rows, ``{column: video (T, 3, H, W) | motion (T, 79)}``.
        columns: Sample-sheet column order.
        fps: Frame rate of the clips.
        num_clips: Test clips scored.
        ckpt_path: Checkpoint evaluated.
        config: The resolved configuration of the run.
        device: Where the test ran.
    """

    task: str
    metrics: dict[str, float]
    not_computed: dict[str, str] = field(default_factory=dict)
    per_joint_mm: dict[str, float] = field(default_factory=dict)
    per_frame: dict[str, list[float]] = field(default_factory=dict)
    rows: list[dict[str, torch.Tensor]] = field(default_factory=list)
    columns: list[str] = field(default_factory=list)
    fps: float = 20.0
    num_clips: int = 0
    ckpt_path: str | None = None
    config: dict[str, Any] = field(default_factory=dict)
    device: torch.device = field(default_factory=lambda: torch.device("cpu"))


def write_report(out_dir: str | Path, data: ReportData, panel_size: int = 128,
                 progress: bool = False) -> dict[str, Path]:
    """Write the report files into ``out_dir``; return ``{file name: path}`` of what was written."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    pictures: list[tuple[str, str]] = []
    if data.rows and data.columns:
        frames = sample_sheet(data.rows, data.columns, data.fps, size=panel_size, progress=progress)
        write_gif(out / "samples.gif", frames, data.fps)
        _write_mp4(out / "samples.mp4", frames, data.fps)
        pictures += [("Samples", "samples.gif"), ("Samples", "samples.mp4")]
    if data.per_joint_mm:
        per_joint_plot(out / "per_joint_error.png", list(data.per_joint_mm.values()), list(data.per_joint_mm))
        pictures.append(("Error by joint", "per_joint_error.png"))
    if data.per_frame:
        over_time_plot(out / "error_over_time.png", data.per_frame, fps=data.fps,
                       title="Mean over test clips, by frame")
        pictures.append(("Over time", "error_over_time.png"))
    files = [name for _, name in pictures] + ["metrics.json", "report.md"]
    content = summary(data.task, data.metrics, data.not_computed, data.ckpt_path, data.config, data.device,
                      num_clips=data.num_clips, fps=data.fps, per_joint_mm=data.per_joint_mm,
                      per_frame=data.per_frame, sample_columns=data.columns, files=files)
    write_json(out / "metrics.json", content)
    (out / "report.md").write_text(report_markdown(content, pictures, data.columns))
    return {name: out / name for name in files}


def _write_mp4(path: Path, frames: Any, fps: float) -> None:
    from unimo.render.video_io import write_video  # PyAV only when a sheet is written

    write_video(path, frames, fps=fps)
