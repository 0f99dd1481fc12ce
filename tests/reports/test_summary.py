"""metrics.json is strict JSON with versions; report.md tabulates the same numbers and links the pictures."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import torch

from unimo.reports.markdown import report_markdown
from unimo.reports.summary import json_safe, summary, write_json
from unimo.reports.writer import ReportData, write_report


def test_json_safe_converts_tensors_and_non_finite() -> None:
    value = {"a": torch.tensor(1.5), "b": [float("nan"), np.float32(2.0)], "c": Path("x/y"), 3: float("inf")}
    assert json_safe(value) == {"a": 1.5, "b": [None, 2.0], "c": "x/y", "3": None}


def test_summary_round_trips_as_strict_json(tmp_path: Path) -> None:
    metrics = {"test/b": torch.tensor(2.0), "test/a": float("nan")}
    content = summary("Task", metrics, {"test/fid": "no weights"}, "run.ckpt", {"model": {"lr": 1e-3}},
                      torch.device("cpu"), num_clips=3)
    write_json(tmp_path / "m.json", content)
    loaded = json.loads((tmp_path / "m.json").read_text())
    assert list(loaded["metrics"]) == ["test/a", "test/b"] and loaded["metrics"]["test/a"] is None
    assert loaded["versions"]["torch"] == torch.__version__ and loaded["num_clips"] == 3
    assert loaded["config"] == {"model": {"lr": 1e-3}}


def test_markdown_table_reasons_and_pictures() -> None:
    content = {"task": "T", "metrics": {"test/mpjpe_mm": 12.34567, "test/psnr_db": None},
               "not_computed": {"test/fvd": "put i3d_torchscript.pt in $UNIMO_WEIGHTS_DIR"}, "versions": {}}
    text = report_markdown(content, [("Samples", "samples.gif"), ("Samples", "samples.mp4")], ["in", "out"])
    assert "| `test/mpjpe_mm` | 12.35 |" in text and "| `test/psnr_db` | n/a |" in text
    assert "- `test/fvd`: put i3d_torchscript.pt in $UNIMO_WEIGHTS_DIR" in text
    assert "![Samples](samples.gif)" in text and "[samples.mp4](samples.mp4)" in text
    assert text.count("Columns: in | out.") == 1


def test_write_report_without_pictures_writes_json_and_markdown(tmp_path: Path) -> None:
    files = write_report(tmp_path, ReportData(task="TokenizerTask", metrics={"test/loss": 0.5}))
    assert sorted(files) == ["metrics.json", "report.md"]
    assert json.loads((tmp_path / "metrics.json").read_text())["metrics"] == {"test/loss": 0.5}
