"""JointTask training iterations from raw shards (tokenizers every step) vs token shards (ids read from disk).

Usage from the repository root (``pip install -e .`` or ``PYTHONPATH=.``)::

    python benchmarks/token_step_speed.py              # writes benchmarks/results/token_step_speed.{json,md}
    python benchmarks/token_step_speed.py --model tiny --steps 40

Both runs use the same clips (synthetic, configs/joint.yaml's 17-frame 64 px windows), the shipped
tokenizers, the same backbone (``--model joint``: configs/joint.yaml's; ``tiny``: 2 layers of width 64) and
a real Lightning ``Trainer`` (fp32, one device). An iteration is the wall time between the starts of two
consecutive training batches: loading (video decoding for raw shards, in the training process with
``--num_workers 0``), tokenizing (raw only), forward, backward and the optimizer step. ``--rounds`` fits per
data path alternate raw and tokens, so both meet the same changes in machine load; the median over the
iterations after each fit's ``--warmup`` is reported as wall time and as this process's CPU time (with one
torch thread and no loader workers, CPU time is the work done and is less disturbed by other jobs on a
shared machine than wall time). Speed-ups are raw / tokens.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import lightning as L
import torch
from common import git_commit, write_atomic
from loader_speed import environment

from unimo.backbones import BACKBONES
from unimo.data.datamodules import TokenShardDataModule, WebDatasetDataModule
from unimo.data.shards.synth import SynthSpec, synthesize
from unimo.data.tokens import TokenizeSpec, tokenize_shards
from unimo.tasks.joint import JointTask

TOKENIZERS = Path(__file__).resolve().parents[1] / "unimo" / "assets" / "tokenizers"
MODELS = {"joint": {"dim": 256, "num_layers": 6, "num_heads": 4}, "tiny": {"dim": 64, "num_layers": 2,
                                                                           "num_heads": 2}}


class IterationTimer(L.Callback):
    """Record the wall and process CPU time at the start of every training batch."""

    def __init__(self) -> None:
        self.starts: list[tuple[float, float]] = []

    def on_train_batch_start(self, trainer: L.Trainer, pl_module: L.LightningModule, batch: Any,
                             batch_idx: int) -> None:
        self.starts.append((time.perf_counter(), time.process_time()))


def make_task(model: str) -> JointTask:
    """Return a JointTask with the shipped tokenizers and the ``model`` backbone (seeded)."""
    torch.manual_seed(0)
    backbone = BACKBONES.build("GPTBackbone", vocab_sizes={"special": 16, "video": 64000, "motion": 1024},
                               **MODELS[model])
    return JointTask(backbone=backbone, video_tokenizer=str(TOKENIZERS / "video.pt"),
                     motion_tokenizer=str(TOKENIZERS / "motion.pt"), warmup_steps=1)


def time_fit(data: L.LightningDataModule, args: argparse.Namespace) -> list[tuple[float, float]]:
    """Train ``--steps`` steps; return (wall, CPU) seconds of every iteration after ``--warmup``."""
    timer = IterationTimer()
    trainer = L.Trainer(accelerator="cpu", devices=1, max_steps=args.steps, limit_val_batches=0,
                        logger=False, enable_checkpointing=False, enable_progress_bar=False,
                        enable_model_summary=False, callbacks=[timer], num_sanity_val_steps=0)
    trainer.fit(make_task(args.model), datamodule=data)
    pairs = list(zip(timer.starts, timer.starts[1:], strict=False))[args.warmup:]
    return [(b[0] - a[0], b[1] - a[1]) for a, b in pairs]


def summarise(times: list[tuple[float, float]]) -> dict[str, Any]:
    """Return the median wall and CPU seconds, the wall range and the number of iterations."""
    wall, cpu = [w for w, _ in times], [c for _, c in times]
    return {"median_s": round(statistics.median(wall), 4), "min_s": round(min(wall), 4),
            "max_s": round(max(wall), 4), "median_cpu_s": round(statistics.median(cpu), 4),
            "steps_timed": len(wall)}


def run(args: argparse.Namespace, folder: Path) -> dict[str, Any]:
    """Make the data, time both data paths and write the report."""
    raw, tokens, env = folder / "raw", folder / "tokens", environment()  # load average before the runs
    synthesize(raw, SynthSpec(num_clips=args.num_clips, num_frames=41, size=64, fps=20.0, seed=0), workers=2)
    tokenize_shards(tokens, TokenizeSpec(source_dir=str(raw), video_tokenizer=str(TOKENIZERS / "video.pt"),
                                         motion_tokenizer=str(TOKENIZERS / "motion.pt"), device="cpu"))
    common = {"batch_size": args.batch_size, "num_workers": args.num_workers, "resampled": True,
              "epoch_length": args.batch_size * args.steps, "num_frames": 17}
    times: dict[str, list[tuple[float, float]]] = {"raw": [], "tokens": []}
    for _ in range(args.rounds):
        times["raw"] += time_fit(WebDatasetDataModule(str(raw), **common), args)
        times["tokens"] += time_fit(TokenShardDataModule(str(tokens), **common), args)
    results = {name: summarise(t) for name, t in times.items()}
    speedup = results["raw"]["median_s"] / results["tokens"]["median_s"]
    cpu_speedup = results["raw"]["median_cpu_s"] / results["tokens"]["median_cpu_s"]
    report = {"benchmark": "token_step_speed", "config": vars(args) | {"out": str(args.out)},
              "environment": env, "git_commit": git_commit(), "results": results,
              "speedup": round(speedup, 2), "cpu_speedup": round(cpu_speedup, 2)}
    write_atomic(args.out / "token_step_speed.json", json.dumps(report, indent=2) + "\n")
    write_atomic(args.out / "token_step_speed.md", markdown(report))
    print(markdown(report))
    return report


def markdown(report: dict[str, Any]) -> str:
    """Render the report as a short Markdown table."""
    cfg, env, res = report["config"], report["environment"], report["results"]
    rows = [f"| {name} | {r['median_s']} | {r['min_s']}-{r['max_s']} | {r['median_cpu_s']} |"
            for name, r in res.items()]
    return "\n".join([
        "# JointTask training iteration: raw shards vs token shards (CPU)", "",
        f"Model `{cfg['model']}` ({MODELS[cfg['model']]}), batch {cfg['batch_size']} of 17-frame 64 px "
        f"windows, {cfg['num_workers']} loader worker(s), {env['torch_threads']} torch thread(s), "
        f"{env['cpu_count']} CPU cores (shared; 1-min load {env['load_average']} at the start).", "",
        "| data | median iteration, wall (s) | range, wall (s) | median iteration, CPU (s) |",
        "|---|---:|---:|---:|", *rows, "",
        f"Token shards make an iteration **{report['speedup']}x** faster in wall time, "
        f"**{report['cpu_speedup']}x** in CPU time.", ""])


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--model", choices=sorted(MODELS), default="joint")
    p.add_argument("--num_clips", type=int, default=16)
    p.add_argument("--batch_size", type=int, default=8)
    p.add_argument("--num_workers", type=int, default=0)
    p.add_argument("--steps", type=int, default=10, help="training steps per fit")
    p.add_argument("--rounds", type=int, default=3, help="fits per data path (alternating)")
    p.add_argument("--warmup", type=int, default=2, help="first iterations of a fit left out of the median")
    p.add_argument("--torch_threads", type=int, default=1, help="see loader_speed.py: 2 threads on a busy "
                   "2-core machine were up to 10x slower")
    p.add_argument("--out", type=Path, default=Path(__file__).parent / "results")
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> dict[str, Any]:
    """Run the benchmark in a temporary data folder."""
    args = parse_args(argv)
    torch.set_num_threads(args.torch_threads)
    with tempfile.TemporaryDirectory(prefix="unimo_token_step_") as tmp:
        return run(args, Path(tmp))


if __name__ == "__main__":
    main(sys.argv[1:])
