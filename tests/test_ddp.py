"""Two-process DDP on CPU (gloo) through the real ``unimo fit``: sharded exact epochs, synced validation
metrics, one checkpoint, and resuming from it.

The run is a subprocess (``python -m unimo.cli fit ... --trainer.strategy ddp --trainer.devices 2``), which
Lightning relaunches once for rank 1, exactly as a user's command line would; ``tests/ddp_probe.py`` makes
every rank write what it saw. The whole process group is killed after ``TIMEOUT_S``, so a hang (the bug of
issue #10: ranks with unequal batch counts waiting in different collectives) fails the test instead of CI.
"""

from __future__ import annotations

import json
import math
import os
import signal
import subprocess
import sys
from pathlib import Path

import lightning as L
import pytest
import torch

from unimo.data.datamodules import WebDatasetDataModule
from unimo.data.shards.manifest import read_manifest
from unimo.data.shards.synth import SynthSpec, synthesize
from unimo.tasks import MotionTokenizerTask
from unimo.tokenizers.loading import load_tokenizer

ROOT = Path(__file__).resolve().parents[1]
TIMEOUT_S = 120  # a healthy fit + resume takes ~25 s on 2 cores; a DDP hang would block for 30 min (gloo)
BATCH, EPOCHS = 2, 2
# 13 shards of 2 clips: 11 train shards (22 clips), 1 val shard, 1 test shard. Split by shard over 2 ranks
# (as before issue #10), rank 0 would get 6 train batches and rank 1 five, and no validation clip at all:
# both hang DDP. Dealt out clip by clip, every rank gets 11 train clips (6 batches) and 1 val clip.
SPEC = SynthSpec(num_clips=26, num_frames=24, size=16, fps=20.0, seed=3, clips_per_shard=2)
# Epoch-level validation values that do not depend on how clips are grouped into batches: per-clip means
# (batch-size-weighted by Lightning's sync) and torchmetrics states (sums, histograms).
BATCHING_FREE = ["val/mpjpe_mm", "val/pa_mpjpe_mm", "val/loss", "val/recon_pose", "val/recon_transl",
                 "val/codebook_usage"]

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def shards(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("ddp_shards")
    synthesize(out, SPEC, progress=False)
    return out


def fit(tmp: Path, data_dir: Path, probe_dir: Path, *extra: str) -> str:
    """Run ``unimo fit`` (configs/debug.yaml, exact epochs) on 2 CPU processes; return its output."""
    callback = [{"class_path": "ddp_probe.RecordRanks", "init_args": {"out_dir": str(probe_dir)}}]
    logger = {"class_path": "CSVLogger", "init_args": {"save_dir": str(tmp)}}
    args = ["fit", "--config", str(ROOT / "configs" / "debug.yaml"),
            "--trainer.strategy", "ddp", "--trainer.devices", "2", "--trainer.accelerator", "cpu",
            "--trainer.max_steps", "-1", "--trainer.limit_val_batches", "1.0",
            "--trainer.default_root_dir", str(tmp), "--trainer.logger", json.dumps(logger),
            "--trainer.callbacks", json.dumps(callback), "--trainer.enable_progress_bar", "false",
            "--data.init_args.data_dir", str(data_dir), "--data.init_args.resampled", "false",
            "--data.init_args.batch_size", str(BATCH), *extra]
    env = {k: v for k, v in os.environ.items()
           if k not in {"MASTER_ADDR", "MASTER_PORT", "RANK", "LOCAL_RANK", "WORLD_SIZE", "NODE_RANK"}}
    env.update(PYTHONPATH=os.pathsep.join([str(ROOT / "tests"), env.get("PYTHONPATH", "")]),
               OMP_NUM_THREADS="1", UNIMO_PLUGINS_DIR=str(ROOT / "plugins"))
    proc = subprocess.Popen([sys.executable, "-m", "unimo.cli", *args], cwd=tmp, env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        out, _ = proc.communicate(timeout=TIMEOUT_S)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)  # rank 1 is a child of rank 0: kill the whole group we started
        out, _ = proc.communicate()
        pytest.fail(f"2-process DDP fit did not finish in {TIMEOUT_S} s (hang?):\n{out[-4000:]}")
    assert proc.returncode == 0, out[-4000:]
    return out


def ranks(probe_dir: Path) -> list[dict]:
    records = [json.loads((probe_dir / f"rank{r}.json").read_text()) for r in (0, 1)]
    assert all(r["world_size"] == 2 and r["strategy"] == "DDPStrategy" for r in records)
    return records


def split_keys(data_dir: Path, split: str) -> set[str]:
    manifest = read_manifest(data_dir)
    names = set(manifest["splits"][split])
    first = {s["name"]: i * SPEC.clips_per_shard for i, s in enumerate(manifest["shards"])}
    return {f"synth-{first[n] + j:07d}" for n in names for j in range(SPEC.clips_per_shard)}


def assert_exact_epoch(records: list[dict], epoch: str, expected: set[str]) -> None:
    """Both ranks: same number of batches, disjoint clips, together every clip of the split once."""
    per_rank = [r["train_keys"][epoch] for r in records]
    assert [len(k) for k in per_rank] == [len(expected) // 2] * 2
    assert not set(per_rank[0]) & set(per_rank[1]), f"epoch {epoch}: a clip went to both ranks"
    union = per_rank[0] + per_rank[1]
    assert len(union) == len(set(union)) and set(union) == expected, f"epoch {epoch}: not every clip once"


def test_two_process_ddp_fit_validate_checkpoint_resume(tmp_path: Path, shards: Path) -> None:
    train, val = split_keys(shards, "train"), split_keys(shards, "val")
    assert (len(train), len(val)) == (22, 2)

    fit(tmp_path, shards, tmp_path / "probe1", "--trainer.max_epochs", str(EPOCHS))
    records = ranks(tmp_path / "probe1")
    steps = math.ceil(len(train) // 2 / BATCH)  # optimizer steps per epoch: one per batch on every rank
    assert [r["end_step"] for r in records] == [EPOCHS * steps] * 2
    for epoch in map(str, range(EPOCHS)):
        assert_exact_epoch(records, epoch, train)
        assert records[0]["train_keys"][epoch] != records[1]["train_keys"][epoch]
        assert sorted(records[0]["val_keys"][epoch] + records[1]["val_keys"][epoch]) == sorted(val)
    assert records[0]["train_keys"]["0"] != records[0]["train_keys"]["1"], "shuffle must change per epoch"
    assert records[0]["weights_sha256"] == records[1]["weights_sha256"], "ranks ended with different weights"

    # Validation metrics: one synced value, the same on both ranks ...
    last = str(EPOCHS - 1)
    synced = [r["val_metrics"][last] for r in records]
    assert set(BATCHING_FREE) <= set(synced[0])
    assert synced[0] == synced[1]

    # ... and the one a single process computes on the whole validation split with the same weights.
    checkpoints = sorted(tmp_path.rglob("*.ckpt"))
    assert [c.name for c in checkpoints] == [f"epoch={EPOCHS - 1}-step={EPOCHS * steps}.ckpt"]
    (ckpt,) = checkpoints
    task = MotionTokenizerTask.load_from_checkpoint(ckpt, map_location="cpu")
    data = WebDatasetDataModule(str(shards), batch_size=BATCH, num_workers=0, num_frames=16,
                                modalities=("motion",), resampled=False)
    single = L.Trainer(accelerator="cpu", devices=1, logger=False, enable_progress_bar=False,
                       enable_model_summary=False).validate(task, datamodule=data, verbose=False)[0]
    for key in BATCHING_FREE:
        assert single[key] == pytest.approx(synced[0][key], rel=1e-5, abs=1e-6), key
    motion = torch.randn(2, 16, 79) * 0.1
    tokenizer = load_tokenizer(ckpt).eval()
    assert torch.equal(tokenizer.encode(motion), task.eval().tokenizer.encode(motion))

    # Resume: the third epoch starts at the checkpoint's step and is again exact over both ranks.
    fit(tmp_path, shards, tmp_path / "probe2", "--trainer.max_epochs", str(EPOCHS + 1),
        "--ckpt_path", str(ckpt))
    resumed = ranks(tmp_path / "probe2")
    assert [r["start_step"] for r in resumed] == [EPOCHS * steps] * 2
    assert [r["end_step"] for r in resumed] == [(EPOCHS + 1) * steps] * 2
    assert all(list(r["train_keys"]) == [str(EPOCHS)] for r in resumed)
    assert_exact_epoch(resumed, str(EPOCHS), train)
    assert resumed[0]["weights_sha256"] == resumed[1]["weights_sha256"]
    assert len(sorted(tmp_path.rglob("*.ckpt"))) == 1 + 1  # the resumed run wrote its own, once
