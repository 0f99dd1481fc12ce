"""`unimo test` reports for the tokenizer tasks: reconstruction errors and input-vs-reconstruction sheets."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from PIL import Image

from unimo.cli import main
from unimo.reports.sheet import GAP, LABEL_HEIGHT

PANEL = 48


def _fit_and_test(folder: Path, data_dir: Path, model: dict, num_frames: int, modalities: list[str]) -> dict:
    """`unimo fit` 1 step, then `unimo test --ckpt` it; return the report's metrics.json."""
    config = folder / "config.yaml"
    config.write_text(yaml.safe_dump({
        "seed_everything": 0,
        "trainer": {"accelerator": "cpu", "max_steps": 1, "limit_val_batches": 0, "logger": False,
                    "enable_model_summary": False, "default_root_dir": str(folder)},
        "model": model,
        "data": {"class_path": "WebDatasetDataModule", "init_args": {
            "data_dir": str(data_dir), "batch_size": 2, "num_workers": 0, "num_frames": num_frames,
            "resampled": True, "epoch_length": 2, "modalities": modalities}},
    }))
    main(["fit", "--config", str(config)])
    (ckpt,) = folder.rglob("*.ckpt")
    main(["test", "--config", str(config), "--ckpt", str(ckpt), "--report.panel_size", str(PANEL),
          "--report.video_metrics", "false"])
    return json.loads((folder / "report" / "metrics.json").read_text())  # no logger: <root>/report


def test_motion_tokenizer_report(tmp_path: Path, tiny_shards: Path) -> None:
    model = {"class_path": "MotionTokenizerTask", "init_args": {"warmup_steps": 1, "normalization_batches": 1,
             "tokenizer": {"class_path": "MotionVQVAETokenizer", "init_args": {
                 "codebook_size": 16, "code_dim": 8, "scale": 1, "width": 16, "depth": 1}}}}
    report = _fit_and_test(tmp_path, tiny_shards, model, 16, ["motion"])
    metrics = report["metrics"]
    assert {"test/mpjpe_mm", "test/pa_mpjpe_mm", "test/codebook_usage", "test/pose_err_deg"} <= set(metrics)
    per_joint = list(report["per_joint_mm"].values())
    assert sum(per_joint) / len(per_joint) == pytest.approx(metrics["test/mpjpe_mm"], rel=1e-4)
    assert len(report["per_frame"]["mpjpe_mm"]) == 16
    assert report["sample_columns"] == ["input motion", "reconstruction"]
    assert Image.open(tmp_path / "report" / "samples.gif").size == (2 * PANEL + GAP, LABEL_HEIGHT + PANEL)
    assert set(report["not_computed"]) == set()  # no videos: FID/FVD are not claimed at all


def test_video_tokenizer_report(tmp_path: Path, tiny_shards: Path) -> None:
    model = {"class_path": "VideoTokenizerTask", "init_args": {"warmup_steps": 1, "num_preview": 0,
             "tokenizer": {"class_path": "CausalVideoTokenizer", "init_args": {
                 "channels": 8, "channel_mult": [1, 2, 2, 2], "levels": [8, 5, 5], "height": 32,
                 "width": 32}}}}
    report = _fit_and_test(tmp_path, tiny_shards, model, 9, ["video"])
    metrics = report["metrics"]
    assert {"test/psnr_db", "test/ssim", "test/l1", "test/codebook_usage"} <= set(metrics)
    psnr = report["per_frame"]["psnr_db"]  # every frame index has the same number of clips
    assert len(psnr) == 9 and sum(psnr) / 9 == pytest.approx(metrics["test/psnr_db"], rel=1e-4)
    assert report["per_joint_mm"] == {} and "per_joint_error.png" not in report["files"]
    assert report["num_clips"] == 1  # counted from the batches, with or without joints
    assert report["not_computed"] == {f"test/{name}": "disabled (video_metrics=false)"
                                      for name in ("fid", "fvd", "pose_fid", "pose_fvd")}
    assert Image.open(tmp_path / "report" / "error_over_time.png").size == (800, 400)
