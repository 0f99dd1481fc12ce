"""JointTask: a tiny real joint fit through the CLI lowers both task losses; capture/generation run."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
import torch
import yaml

from unimo.cli import main
from unimo.tasks.joint import JointTask
from unimo.tokenizers import TOKENIZERS
from unimo.tokenizers.loading import export_tokenizer

VIDEO_TINY = dict(channels=8, channel_mult=[1, 2, 2, 2], levels=[8, 5, 5], height=32, width=32)
MOTION_TINY = dict(codebook_size=32, code_dim=8, scale=2, width=16, depth=1)
NUM_FRAMES = 17  # 1 + 4k: 5 latent steps for both tokenizers


@pytest.fixture(scope="module")
def tokenizer_files(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """Untrained but deterministic tokenizers, exported the way trained ones are shipped."""
    folder = tmp_path_factory.mktemp("tokenizers")
    torch.manual_seed(0)
    video, motion = folder / "video.pt", folder / "motion.pt"
    export_tokenizer(TOKENIZERS.build("CausalVideoTokenizer", **VIDEO_TINY), video)
    export_tokenizer(TOKENIZERS.build("MotionVQVAETokenizer", **MOTION_TINY), motion)
    return video, motion


def _config(tmp_path: Path, tokenizers: tuple[Path, Path], data_dir: Path) -> Path:
    config = {
        "seed_everything": 0,
        "trainer": {"accelerator": "cpu", "max_steps": 60, "log_every_n_steps": 1, "limit_val_batches": 1,
                    "enable_model_summary": False, "default_root_dir": str(tmp_path),
                    "logger": {"class_path": "CSVLogger", "init_args": {"save_dir": str(tmp_path)}}},
        "model": {"class_path": "JointTask", "init_args": {
            "video_tokenizer": str(tokenizers[0]), "motion_tokenizer": str(tokenizers[1]),
            "layouts": {"I2VMLayout": 1.0, "V2MLayout": 1.0}, "lr": 3e-3, "warmup_steps": 5,
            "val_capture_batches": 1, "val_generate_batches": 1,
            "backbone": {"class_path": "GPTBackbone", "init_args": {
                "vocab_sizes": {"special": 16, "video": 200, "motion": 32}, "dim": 32, "num_layers": 2,
                "num_heads": 2}}}},
        "data": {"class_path": "WebDatasetDataModule", "init_args": {
            "data_dir": str(data_dir), "batch_size": 4, "num_workers": 0, "num_frames": NUM_FRAMES,
            "resampled": True, "epoch_length": 60, "shuffle_buffer": 8}},
    }
    path = tmp_path / "joint.yaml"
    path.write_text(yaml.safe_dump(config))
    return path


def _series(tmp_path: Path, key: str) -> list[float]:
    (metrics,) = tmp_path.rglob("metrics.csv")
    return [float(r[key]) for r in csv.DictReader(metrics.open()) if r.get(key)]


def _steps(tmp_path: Path, key: str) -> list[int]:
    (metrics,) = tmp_path.rglob("metrics.csv")
    return [int(r["step"]) for r in csv.DictReader(metrics.open()) if r.get(key)]


@pytest.mark.slow
def test_tiny_joint_fit_lowers_both_task_losses_and_reloads(tmp_path: Path, tiny_shards: Path,
                                                            tokenizer_files: tuple[Path, Path]) -> None:
    main(["fit", "--config", str(_config(tmp_path, tokenizer_files, tiny_shards))])
    for task in ("I2VMLayout", "V2MLayout"):
        losses = _series(tmp_path, f"train/{task}/loss")
        assert len(losses) >= 10, f"too few {task} steps logged: {len(losses)}"
        first, last = sum(losses[:4]) / 4, sum(losses[-4:]) / 4
        assert last < 0.8 * first, f"{task} loss did not fall: {first:.3f} -> {last:.3f}"
    assert _series(tmp_path, "val/mpjpe_mm") and _series(tmp_path, "val/i2vm_consistency_mpjpe_mm")
    # One layout trains per step: each step has a loss for that layout only, never a repeated old one.
    steps = {task: _steps(tmp_path, f"train/{task}/loss") for task in ("I2VMLayout", "V2MLayout")}
    assert not set(steps["I2VMLayout"]) & set(steps["V2MLayout"])
    assert sorted(steps["I2VMLayout"] + steps["V2MLayout"]) == sorted(_steps(tmp_path, "train/loss"))

    (ckpt,) = tmp_path.rglob("*.ckpt")
    task = JointTask.from_checkpoint(str(ckpt)).eval()  # rebuilt from the checkpoint alone
    video_ids = torch.randint(0, 200, (1, 5, 4, 4))
    motion = task.capture(video_ids, num_frames=NUM_FRAMES)
    assert motion.shape == (1, NUM_FRAMES, 79) and torch.isfinite(motion).all()
