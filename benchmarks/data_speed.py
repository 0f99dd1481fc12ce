"""Data suite: can the loader feed the trainer? Synthesis frames/s, loader samples/s, trainer samples/s.

Usage from the repository root (``pip install -e .`` or ``PYTHONPATH=.``)::

    python benchmarks/data_speed.py                 # GPU machine: writes benchmarks/results/data.{json,md}
    python benchmarks/data_speed.py --quick         # CPU smoke run, writes to /tmp

Three figures on the same machine, in the same run:

- ``synth_frames_per_s``: ``unimo data synth`` (``synthesize`` with a process pool) writing mp4 shards;
- ``loader_samples_per_s``: the main job's ``WebDatasetDataModule`` (configs/joint.yaml: 17-frame 64 px
  clips, batch 64) for several worker counts (``loader_speed.py`` does the timing; the best count is the
  headline, every count is in the report, with the training process's CPU per batch: the serial part);
- ``token_loader_samples_per_s``: ``TokenShardDataModule`` over the same clips tokenized into 17-frame
  windows with the shipped tokenizers, same batch and worker counts (what training from ids reads);
- ``trainer_samples_per_s``: how fast a real Lightning ``Trainer`` consumes batches of the same clips when
  the loader costs nothing (one batch held in device memory, replayed), for the configs/joint.yaml model
  with the shipped tokenizers, bf16-mixed on GPU: from raw clips (the frozen tokenizers run every step) and
  from token ids (what token shards give, ``trainer_samples_per_s_from_ids``).

The loader is not the bottleneck when ``loader_samples_per_s > trainer_samples_per_s`` (raw clips) and
``token_loader_samples_per_s > trainer_samples_per_s_from_ids`` (token shards).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import lightning as L
import torch
from common import device_name, git_commit, write_atomic  # noqa: E402
from loader_speed import main as loader_main  # noqa: E402
from pipeline_speed import ASSETS, MAIN_JOB  # noqa: E402
from torch.utils.data import DataLoader, Dataset

from unimo.backbones import GPTBackbone
from unimo.data.datamodules import WebDatasetDataModule
from unimo.tasks.joint import JointTask


class ReplayBatch(Dataset):
    """The same pre-collated batch ``length`` times: a loader that costs nothing."""

    def __init__(self, batch: dict[str, Any], length: int) -> None:
        self.batch, self.length = batch, length

    def __len__(self) -> int:
        return self.length

    def __getitem__(self, index: int) -> dict[str, Any]:
        return self.batch


class StepTimer(L.Callback):
    """Wall seconds of every training step (synchronised on GPU), after ``warmup`` steps."""

    def __init__(self, warmup: int) -> None:
        self.warmup, self.times, self._start = warmup, [], 0.0

    def _sync(self, module: L.LightningModule) -> None:
        if module.device.type == "cuda":
            torch.cuda.synchronize(module.device)

    def on_train_batch_start(self, trainer: L.Trainer, module: L.LightningModule, *args: Any) -> None:
        self._sync(module)
        self._start = time.perf_counter()

    def on_train_batch_end(self, trainer: L.Trainer, module: L.LightningModule, *args: Any) -> None:
        self._sync(module)
        if trainer.global_step > self.warmup:
            self.times.append(time.perf_counter() - self._start)


def first_batch(data_dir: Path, batch_size: int, num_frames: int) -> dict[str, Any]:
    """Return one training batch of the main job's loader."""
    dm = WebDatasetDataModule(str(data_dir), batch_size=batch_size, num_workers=0, num_frames=num_frames,
                              resampled=True, epoch_length=batch_size, modalities=("video", "motion"))
    dm.setup("fit")
    return next(iter(dm.train_dataloader()))


def trainer_rate(batch: dict[str, Any], steps: int, warmup: int, accelerator: str) -> float:
    """Return the median samples/s of a Lightning ``fit`` of the main job's model on a replayed batch."""
    backbone = GPTBackbone(vocab_sizes={"special": 16, "video": 64000, "motion": 1024}, max_seq_len=2048,
                           **MAIN_JOB)
    task = JointTask(backbone, str(ASSETS / "video.pt"), str(ASSETS / "motion.pt"), val_capture_batches=0,
                     val_generate_batches=0)
    timer = StepTimer(warmup)
    trainer = L.Trainer(accelerator=accelerator, devices=1, max_steps=warmup + steps, logger=False,
                        enable_checkpointing=False, enable_progress_bar=False, enable_model_summary=False,
                        precision="bf16-mixed" if accelerator == "gpu" else "32-true", callbacks=[timer])
    loader = DataLoader(ReplayBatch(batch, warmup + steps), batch_size=None)
    trainer.fit(task, train_dataloaders=loader)
    return len(batch["key"]) / statistics.median(timer.times)


def tokenized(batch: dict[str, Any], device: str) -> dict[str, Any]:
    """Return ``batch`` with ``video_ids``/``motion_ids`` from the shipped tokenizers (as in token shards)."""
    small = GPTBackbone(vocab_sizes={"special": 16, "video": 64000, "motion": 1024}, dim=32, num_layers=1,
                        num_heads=2)  # unused: only the task's tokenizers run
    task = JointTask(small, str(ASSETS / "video.pt"), str(ASSETS / "motion.pt")).to(device)
    with torch.no_grad():
        moved = {k: v.to(device) if torch.is_tensor(v) else v for k, v in batch.items()}
        video_ids, motion_ids = task.tokenize(moved)
    return {"key": batch["key"], "motion": batch["motion"], "video_ids": video_ids.cpu(),
            "motion_ids": motion_ids.cpu()}


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--workers", type=int, nargs="+", default=[2, 4, 8, 12],
                   help="loader worker counts (the H100 machine has 16 cores)")
    p.add_argument("--num_clips", type=int, default=256)
    p.add_argument("--synth_workers", type=int, default=8)
    p.add_argument("--batch_size", type=int, default=64)
    p.add_argument("--samples", type=int, default=2048, help="loader samples per timed epoch")
    p.add_argument("--steps", type=int, default=30, help="timed trainer steps")
    p.add_argument("--data_dir", type=Path, default=None, help="default /tmp/unimo_data_speed[_quick]")
    p.add_argument("--out", type=Path, default=None, help="output folder (default benchmarks/results)")
    p.add_argument("--quick", action="store_true", help="tiny sizes on CPU, output to /tmp")
    p.add_argument("--replot", action="store_true", help="only redraw data.png from --out/data.json")
    args = p.parse_args(argv)
    if args.quick:
        args.workers, args.num_clips, args.synth_workers, args.batch_size = [0, 1], 8, 0, 4
        args.samples, args.steps = 16, 2
    args.data_dir = args.data_dir or Path("/tmp/unimo_data_speed" + ("_quick" if args.quick else ""))
    args.accelerator = "gpu" if torch.cuda.is_available() and not args.quick else "cpu"
    args.out = args.out or Path("/tmp/unimo_bench" if args.quick else Path(__file__).parent / "results")
    return args


def main(argv: list[str] | None = None) -> dict[str, Any]:
    """Run the three measurements; write ``data.json`` and ``data.md`` to ``--out``."""
    args = parse_args(argv)
    if args.replot:  # draw data.png from an existing data.json
        report = json.loads((args.out / "data.json").read_text())
        plot(report, args.out / "data.png")
        return report
    loader = loader_main(["--workers", *map(str, args.workers), "--num_clips", str(args.num_clips),
                          "--num_frames", "41", "--clip_frames", "17", "--size", "64", "--batch_size",
                          str(args.batch_size), "--samples", str(args.samples), "--synth_workers",
                          str(args.synth_workers), "--data_dir", str(args.data_dir), "--out", str(args.out)])
    main_job = [r for r in loader["results"] if r["modalities"] == ["video", "motion"]]  # configs/joint.yaml
    best = max(main_job, key=lambda r: r["samples_per_s"])
    best_tokens = max(loader["token_results"], key=lambda r: r["samples_per_s"])
    batch = first_batch(args.data_dir, args.batch_size, 17)
    raw = trainer_rate(batch, args.steps, 5 if not args.quick else 1, args.accelerator)
    device = "cuda" if args.accelerator == "gpu" else "cpu"
    ids = trainer_rate(tokenized(batch, device), args.steps, 5 if not args.quick else 1, args.accelerator)
    synth = loader["data"]
    report = {"loader_samples_per_s": best["samples_per_s"], "loader_workers": best["num_workers"],
              "token_loader_samples_per_s": best_tokens["samples_per_s"],
              "token_loader_workers": best_tokens["num_workers"],
              "trainer_samples_per_s": raw, "trainer_samples_per_s_from_ids": ids,
              "synth_frames_per_s": None if synth["synth_clips_per_s"] is None
              else synth["synth_clips_per_s"] * synth["spec"]["num_frames"],
              "loader_is_bottleneck": best["samples_per_s"] < raw,
              "token_loader_is_bottleneck": best_tokens["samples_per_s"] < ids, "device": device_name(device),
              "git_commit": git_commit(), "config": {k: str(v) for k, v in vars(args).items()},
              "loader_runs": loader["results"], "token_loader_runs": loader["token_results"],
              "tokens": loader["tokens"], "synth": synth}
    write_atomic(args.out / "data.json", json.dumps(report, indent=2))
    write_atomic(args.out / "data.md", markdown(report))
    plot(report, args.out / "data.png")
    print(markdown(report), file=sys.stderr)
    return report


def markdown(r: dict[str, Any]) -> str:
    """Render the headline figures."""
    lines = [f"# Data suite ({r['device']})", "", "| figure | value |", "|---|---:|",
             f"| synthesis (`unimo data synth`, pool) frames/s | {r['synth_frames_per_s']} |",
             f"| loader samples/s (best: {r['loader_workers']} workers) | {r['loader_samples_per_s']:.1f} |",
             f"| token-shard loader samples/s (best: {r['token_loader_workers']} workers) | "
             f"{r['token_loader_samples_per_s']:.1f} |",
             f"| trainer samples/s from raw clips (tokenizers run every step) | "
             f"{r['trainer_samples_per_s']:.1f} |",
             f"| trainer samples/s from token ids | {r['trainer_samples_per_s_from_ids']:.1f} |",
             "", f"Loader is the bottleneck of raw-clip training: **{r['loader_is_bottleneck']}**.",
             "Token-shard loader is the bottleneck of training from ids: "
             f"**{r['token_loader_is_bottleneck']}**.",
             "Per worker count, with the training process's CPU per batch: see loader_speed.md (same run)."]
    return "\n".join(lines) + "\n"


def plot(report: dict[str, Any], path: Path) -> None:
    """Loader samples/s against workers (raw clips, token shards) under the trainer's consumption rates."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 4))
    curves = {"raw-shard loader (video + motion)": [r for r in report["loader_runs"]
                                                    if r["modalities"] == ["video", "motion"]],
              "token-shard loader": report.get("token_loader_runs") or []}
    for (label, runs), colour in zip(curves.items(), ("tab:blue", "tab:green"), strict=True):
        runs = sorted(runs, key=lambda r: r["num_workers"])
        if runs:
            ax.plot([r["num_workers"] for r in runs], [r["samples_per_s"] for r in runs], "o-", color=colour,
                    label=label)
    ax.axhline(report["trainer_samples_per_s"], color="tab:blue", ls="--",
               label="trainer from raw clips (tokenizers every step)")
    ax.axhline(report["trainer_samples_per_s_from_ids"], color="tab:green", ls="--",
               label="trainer from token ids")
    ax.set_xlabel("DataLoader workers")
    ax.set_ylabel("samples (17-frame clips) per second")
    ax.set_title(f"Can the loader feed the trainer? ({report['device']})", fontsize=9)
    ax.set_ylim(bottom=0)
    ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


if __name__ == "__main__":
    main()
