"""`unimo test --config ... --ckpt ...` writes a report with pictures; numbers match the metric classes."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
import torch
import yaml
from PIL import Image

from unimo.cli import main
from unimo.reports.plots import DPI, FIGSIZE
from unimo.reports.sheet import GAP, LABEL_HEIGHT

TINY_JOINT = {
    "class_path": "JointTask", "init_args": {
        "video_tokenizer": {"class_path": "CausalVideoTokenizer", "init_args": {
            "channels": 8, "channel_mult": [1, 2, 2, 2], "levels": [8, 5, 5], "height": 32, "width": 32}},
        "motion_tokenizer": {"class_path": "MotionVQVAETokenizer", "init_args": {
            "codebook_size": 32, "code_dim": 8, "scale": 2, "width": 16, "depth": 1}},
        "backbone": {"class_path": "GPTBackbone", "init_args": {
            "vocab_sizes": {"special": 16, "video": 200, "motion": 32}, "dim": 32, "num_layers": 2,
            "num_heads": 2}},
        "warmup_steps": 1, "val_generate_batches": 1}}
PANEL = 64


def _config(folder: Path, data_dir: Path, model: dict, num_frames: int, modalities: list[str]) -> Path:
    config = {
        "seed_everything": 0,
        "trainer": {"accelerator": "cpu", "max_steps": 2, "limit_val_batches": 0, "logger": False,
                    "enable_model_summary": False, "default_root_dir": str(folder)},
        "model": model,
        "data": {"class_path": "WebDatasetDataModule", "init_args": {
            "data_dir": str(data_dir), "batch_size": 2, "num_workers": 0, "num_frames": num_frames,
            "resampled": True, "epoch_length": 4, "modalities": modalities}},
    }
    path = folder / "config.yaml"
    path.write_text(yaml.safe_dump(config))
    return path


@pytest.fixture(scope="module")
def joint_run(tmp_path_factory: pytest.TempPathFactory, tiny_shards: Path) -> tuple[Path, Path]:
    """(config, ckpt) of a tiny JointTask trained 2 steps by `unimo fit`: the checkpoints users have."""
    folder = tmp_path_factory.mktemp("joint_fit")
    config = _config(folder, tiny_shards, TINY_JOINT, 17, ["video", "motion"])
    main(["fit", "--config", str(config)])
    (ckpt,) = folder.rglob("*.ckpt")
    return config, ckpt


def _independent_mpjpe(ckpt: Path, data_dir: Path) -> float:
    """MPJPE of V2M capture on the test split, computed here with the metric class alone."""
    from unimo.data.datamodules import WebDatasetDataModule
    from unimo.metrics.motion import MPJPE
    from unimo.tasks.joint import JointTask
    from unimo.tokenizers.motion_losses import body_joints

    task = JointTask.from_checkpoint(str(ckpt)).eval()
    data = WebDatasetDataModule(str(data_dir), batch_size=2, num_workers=0, num_frames=17)
    metric = MPJPE()
    for batch in data.test_dataloader():
        captured = task.capture(task.video_tokenizer.encode(batch["video"]), num_frames=17)
        truth = task.motion_tokenizer.canonicalize(batch["motion"].float())  # decoded motion's frame
        metric.update(body_joints(captured), body_joints(truth))
    return float(metric.compute())


def test_joint_report_files_and_numbers(joint_run: tuple[Path, Path], tiny_shards: Path, tmp_path: Path,
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("UNIMO_WEIGHTS_DIR", str(tmp_path / "no_weights"))
    config, ckpt = joint_run
    out = tmp_path / "report"
    main(["test", "--config", str(config), "--ckpt", str(ckpt), "--report.dirpath", str(out),
          "--report.panel_size", str(PANEL)])
    report = json.loads((out / "metrics.json").read_text())
    metrics = report["metrics"]
    assert report["task"] == "JointTask" and report["ckpt_path"] == str(ckpt) and report["num_clips"] == 1
    assert report["config"]["model"]["class_path"].endswith("JointTask") and report["versions"]["torch"]
    assert all(math.isfinite(v) for v in metrics.values()), metrics
    # The report's breakdowns and the task's logged MPJPE are two code paths over the same captures.
    mpjpe = metrics["test/mpjpe_mm"]
    per_joint = list(report["per_joint_mm"].values())
    assert len(per_joint) == 22 and "left_wrist" in report["per_joint_mm"]
    assert sum(per_joint) / 22 == pytest.approx(mpjpe, rel=1e-4)
    frames = report["per_frame"]["mpjpe_mm"]
    assert len(frames) == 17 and sum(frames) / 17 == pytest.approx(mpjpe, rel=1e-4)
    assert mpjpe == pytest.approx(_independent_mpjpe(ckpt, tiny_shards), rel=1e-4)
    assert "test/i2vm_consistency_mpjpe_mm" in metrics
    for name in ("test/fid", "test/fvd"):  # no weights: said why, in one actionable line
        assert str(tmp_path / "no_weights") in report["not_computed"][name]
    assert metrics["test/pose_fid"] >= 0  # the shipped pose network always scores the frames
    assert "(1 clips)" in report["not_computed"]["test/pose_fvd"]  # one clip: no covariance
    markdown = (out / "report.md").read_text()
    assert f"| `test/mpjpe_mm` | {mpjpe:.4g} |" in markdown and "![Samples](samples.gif)" in markdown

    columns = report["sample_columns"]
    assert columns == ["input", "true motion", "V2M capture", "I2VM video", "I2VM motion"]
    sheet = Image.open(out / "samples.gif")
    rows = 1  # the tiny test split holds one clip
    assert sheet.size == (5 * PANEL + 4 * GAP, LABEL_HEIGHT + rows * PANEL) and sheet.n_frames == 17
    assert torch.tensor(list(sheet.convert("L").getdata()), dtype=torch.float).std() > 10  # not blank
    for name in ("per_joint_error.png", "error_over_time.png"):
        assert Image.open(out / name).size == (FIGSIZE[0] * DPI, FIGSIZE[1] * DPI)
    assert (out / "samples.mp4").stat().st_size > 0


def test_missing_checkpoint_is_one_clear_message(joint_run: tuple[Path, Path], tmp_path: Path) -> None:
    config, _ = joint_run
    with pytest.raises(SystemExit) as info:
        main(["test", "--config", str(config), "--ckpt", str(tmp_path / "nope.ckpt")])
    message = str(info.value.code)
    assert "nope.ckpt" in message and "unimo fit" in message and "\n" not in message


def test_missing_data_is_one_clear_message(joint_run: tuple[Path, Path], tmp_path: Path) -> None:
    config, ckpt = joint_run
    with pytest.raises(SystemExit) as info:
        main(["test", "--config", str(config), "--ckpt", str(ckpt), "--data.init_args.data_dir",
              str(tmp_path / "no_data"), "--trainer.enable_progress_bar", "false"])
    message = str(info.value.code)
    assert message.startswith("unimo test: ") and "no_data" in message and "unimo data synth" in message
