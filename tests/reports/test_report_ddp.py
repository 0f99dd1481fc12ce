"""`unimo test` on 2 CPU processes (DDP, gloo): one report, written by rank 0, from both ranks' clips."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from unimo.cli import main
from unimo.data.shards.synth import SynthSpec, synthesize

ROOT = Path(__file__).resolve().parents[2]
TIMEOUT_S = 120  # ~15 s when healthy; a DDP hang in a report collective fails here instead of blocking CI

pytestmark = pytest.mark.slow


def test_ddp_report_reduces_over_ranks(tmp_path: Path) -> None:
    data = tmp_path / "shards"  # 1 test shard of 2 clips, dealt out clip by clip: one clip per rank
    synthesize(data, SynthSpec(num_clips=6, num_frames=24, size=16, fps=20.0, seed=3, clips_per_shard=2),
               progress=False)
    common = ["--config", str(ROOT / "configs" / "debug.yaml"), "--data.init_args.data_dir", str(data),
              "--trainer.enable_progress_bar", "false"]
    main(["fit", *common, "--trainer.max_steps", "2", "--trainer.limit_val_batches", "0",
          "--trainer.default_root_dir", str(tmp_path / "fit")])
    (ckpt,) = (tmp_path / "fit").rglob("*.ckpt")
    out = tmp_path / "report"
    args = ["test", *common, "--ckpt", str(ckpt), "--data.init_args.batch_size", "1",
            "--trainer.strategy", "ddp", "--trainer.devices", "2", "--trainer.accelerator", "cpu",
            "--trainer.default_root_dir", str(tmp_path / "test"), "--report.dirpath", str(out),
            "--report.panel_size", "32"]
    env = {**os.environ, "UNIMO_PLUGINS_DIR": str(ROOT / "plugins")}
    proc = subprocess.Popen([sys.executable, "-m", "unimo.cli", *args], cwd=ROOT, env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        output, _ = proc.communicate(timeout=TIMEOUT_S)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)  # the test process and the rank Lightning launched
        pytest.fail(f"DDP `unimo test` did not finish in {TIMEOUT_S} s (a hang in a collective?)")
    assert proc.returncode == 0, output[-3000:]
    assert output.count("report: ") == 1  # only rank 0 writes
    report = json.loads((out / "metrics.json").read_text())
    assert report["num_clips"] == 2  # both ranks' clips
    per_joint = list(report["per_joint_mm"].values())  # summed over ranks, like the synced test/mpjpe_mm
    assert sum(per_joint) / len(per_joint) == pytest.approx(report["metrics"]["test/mpjpe_mm"], rel=1e-4)
    assert len(report["sample_columns"]) == 2 and (out / "samples.gif").is_file()
