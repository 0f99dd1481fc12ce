"""Loader throughput: ``WebDatasetDataModule`` (clips/s) and ``TokenShardDataModule`` (windows/s, tokens/s).

Usage from the repository root (``pip install -e .`` or ``PYTHONPATH=.``)::

    python benchmarks/loader_speed.py                 # writes benchmarks/results/loader_speed.{json,md}
    python benchmarks/loader_speed.py --workers 0 4 8 --samples 2048

It first generates (or reuses) a synthetic shard folder with ``unimo.data.shards.synthesize`` and times
that too, then for every worker count iterates the training loader (resampled epochs, so every
configuration reads the same number of samples) 1 + ``--repeats`` times: the first epoch includes worker
start-up, the median of the others (persistent workers) is the steady state. Clips are read as
configs/joint.yaml reads them (video and motion, no cameras); one run with cameras (most workers) shows
what they cost, a motion-only run what skipping video decoding saves. Then the same clips are tokenized
(``unimo data tokenize`` with the shipped tokenizers, ``--token_frames`` windows, timed) and the
token-shard loader is timed the same way; tokens/s counts the video and motion ids of the windows read.
Figures depend on the CPU and on what else runs on it: the report records the machine.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import torch
from common import write_atomic  # noqa: E402

from unimo.data.datamodules import TokenShardDataModule, WebDatasetDataModule
from unimo.data.shards.manifest import read_manifest
from unimo.data.shards.synth import SynthSpec, synthesize
from unimo.data.tokens import TokenizeSpec, tokenize_shards

TOKENIZERS = Path(__file__).resolve().parents[1] / "unimo" / "assets" / "tokenizers"


def time_epochs(dm: WebDatasetDataModule | TokenShardDataModule, epochs: int) -> list[dict[str, float]]:
    """Iterate the training loader ``epochs`` times; return samples, seconds and samples/s per epoch.

    Also the CPU time of this (the training) process per batch, all its threads (the DataLoader's pin-memory
    thread too) but not the workers': work no number of workers shortens, so ``main_process_cap_per_s``
    (samples per CPU second of this process) is the most this loader can deliver.
    """
    loader = dm.train_dataloader()
    out = []
    for _ in range(epochs):
        start, cpu, samples, tokens, batches = time.perf_counter(), time.process_time(), 0, 0, 0
        for batch in loader:
            samples, batches = samples + len(batch["key"]), batches + 1
            tokens += sum(batch[k].numel() for k in ("video_ids", "motion_ids") if k in batch)  # 0 for raw
        seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
        out.append({"samples": samples, "seconds": round(seconds, 3),
                    "samples_per_s": round(samples / seconds, 1), "tokens_per_s": round(tokens / seconds),
                    "main_cpu_ms_per_batch": round(1000 * cpu / max(batches, 1), 2),
                    "main_process_cap_per_s": round(samples / cpu) if cpu > 0 else None})
    return out


def steady_state(dm: WebDatasetDataModule | TokenShardDataModule, args: argparse.Namespace) -> dict:
    """Return the first epoch and the median of the ``--repeats`` later ones (the CPU is shared)."""
    first, *rest = time_epochs(dm, 1 + args.repeats)
    return {"first_epoch": first, "steady": sorted(rest, key=lambda r: r["samples_per_s"])[len(rest) // 2]}


def bench_loader(data_dir: Path, workers: int, modalities: tuple[str, ...], args: argparse.Namespace) -> dict:
    """Time one loader configuration."""
    dm = WebDatasetDataModule(str(data_dir), batch_size=args.batch_size, num_workers=workers,
                              num_frames=args.clip_frames, resampled=True, epoch_length=args.samples,
                              shuffle_buffer=64, modalities=modalities)
    dm.setup("fit")
    timing = steady_state(dm, args)
    return {"num_workers": workers, "modalities": list(modalities), **timing,
            "samples_per_s": timing["steady"]["samples_per_s"], "skipped": dm.num_skipped}


def make_tokens(args: argparse.Namespace) -> dict[str, Any]:
    """Tokenize the benchmark clips into ``--token_frames`` windows with the shipped tokenizers; time it."""
    spec = TokenizeSpec(source_dir=str(args.data_dir), video_tokenizer=str(TOKENIZERS / "video.pt"),
                        motion_tokenizer=str(TOKENIZERS / "motion.pt"), num_frames=args.token_frames,
                        device="cpu")
    start = time.perf_counter()
    manifest = tokenize_shards(args.token_dir, spec, progress=True)
    seconds = time.perf_counter() - start
    return {"num_frames": spec.num_frames, "stride": manifest["source"]["stride"],
            "windows": manifest["num_clips"], "tokenize_seconds": round(seconds, 2),
            "tokenize_windows_per_s": round(manifest["num_clips"] / seconds, 2),
            "total_bytes": manifest["total_bytes"]}


def bench_token_loader(workers: int, args: argparse.Namespace) -> dict:
    """Time the token-shard loader with ``workers`` DataLoader workers."""
    dm = TokenShardDataModule(str(args.token_dir), batch_size=args.batch_size, num_workers=workers,
                              resampled=True, epoch_length=args.samples, shuffle_buffer=64)
    dm.setup("fit")
    timing = steady_state(dm, args)
    return {"num_workers": workers, **timing, "samples_per_s": timing["steady"]["samples_per_s"],
            "tokens_per_s": timing["steady"]["tokens_per_s"], "skipped": dm.num_skipped}


def make_data(args: argparse.Namespace) -> dict[str, Any]:
    """Generate the synthetic shards unless a finished folder with the same spec exists; time it."""
    spec = SynthSpec(num_clips=args.num_clips, num_frames=args.num_frames, size=args.size, fps=20.0, seed=0)
    reused = (read_manifest(args.data_dir) or {}).get("complete", False)
    start = time.perf_counter()
    manifest = synthesize(args.data_dir, spec, workers=args.synth_workers, progress=True)
    seconds = time.perf_counter() - start
    return {"spec": spec.__dict__, "synth_workers": args.synth_workers, "reused_existing": reused,
            "synth_seconds": None if reused else round(seconds, 2),
            "synth_clips_per_s": None if reused else round(spec.num_clips / seconds, 2),
            "total_bytes": manifest["total_bytes"], "num_shards": manifest["num_shards"]}


def environment() -> dict[str, Any]:
    """Versions and machine facts the figures depend on."""
    import av
    import webdataset

    return {"python": platform.python_version(), "torch": torch.__version__, "av": av.__version__,
            "webdataset": getattr(webdataset, "__version__", "?"), "platform": platform.platform(),
            "cpu_count": os.cpu_count(), "torch_threads": torch.get_num_threads(),
            "processor": platform.processor() or platform.machine(),
            "load_average": round(os.getloadavg()[0], 2) if hasattr(os, "getloadavg") else None}


def markdown(report: dict[str, Any]) -> str:
    """Render the report as a Markdown table."""
    data, cfg = report["data"], report["config"]
    lines = [
        "# Loader speed (WebDatasetDataModule, CPU)",
        "",
        f"Data: {data['spec']['num_clips']} synthetic clips of {data['spec']['num_frames']} frames at "
        f"{data['spec']['size']} px in {data['num_shards']} shards ({data['total_bytes'] / 1e6:.1f} MB); "
        f"synthesis: {data['synth_clips_per_s']} clips/s with {data['synth_workers']} worker(s).",
        f"Loader: batch {cfg['batch_size']}, clips of {cfg['clip_frames']} frames, {cfg['samples']} samples "
        f"per epoch; machine: {report['environment']['cpu_count']} CPU cores (shared), torch "
        f"{report['environment']['torch']} with {report['environment']['torch_threads']} thread(s) in the "
        "main process (workers use 1).",
        "",
        f"Machine load (1-min average) at the start: {report['environment']['load_average']}; other jobs "
        "share these cores, so treat differences under ~30% as noise.",
        "",
        "Main-process CPU: CPU time of the training process per batch (its pin-memory thread included, "
        "workers not); batch size / that time is the most the loader can deliver with any number of workers.",
        "",
        "| workers | modalities | first epoch (clips/s) | steady, median (clips/s) | main-process CPU "
        "(ms/batch) | main-process cap (clips/s) |",
        "|---:|---|---:|---:|---:|---:|",
    ]
    for r in report["results"]:
        first, steady = r["first_epoch"]["samples_per_s"], r["steady"]["samples_per_s"]
        kinds = "+".join(r["modalities"])
        lines.append(f"| {r['num_workers']} | {kinds} | {first} | {steady} | {cpu_cells(r)} |")
    return "\n".join(lines + token_markdown(report)) + "\n"


def cpu_cells(result: dict[str, Any]) -> str:
    """Markdown cells: main-process CPU per batch and the cap it sets (steady state)."""
    steady = result["steady"]
    return f"{steady.get('main_cpu_ms_per_batch')} | {steady.get('main_process_cap_per_s')}"


def token_markdown(report: dict[str, Any]) -> list[str]:
    """Render the token-shard part of the report."""
    tokens = report.get("tokens")
    if not tokens:
        return []
    lines = ["", "## Token shards (TokenShardDataModule)", "",
             f"{tokens['windows']} windows of {tokens['num_frames']} frames (stride {tokens['stride']}), "
             f"{tokens['total_bytes'] / 1e6:.2f} MB; tokenizing with the shipped tokenizers on this CPU: "
             f"{tokens['tokenize_windows_per_s']} windows/s.", "",
             "| workers | first epoch (windows/s) | steady, median (windows/s) | steady (tokens/s) | "
             "main-process CPU (ms/batch) | main-process cap (windows/s) |",
             "|---:|---:|---:|---:|---:|---:|"]
    for r in report["token_results"]:
        lines.append(f"| {r['num_workers']} | {r['first_epoch']['samples_per_s']} | "
                     f"{r['steady']['samples_per_s']} | {r['steady']['tokens_per_s']} | {cpu_cells(r)} |")
    return lines


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--workers", type=int, nargs="+", default=[0, 1, 2], help="DataLoader worker counts")
    p.add_argument("--num_clips", type=int, default=48)
    p.add_argument("--num_frames", type=int, default=32, help="frames per stored clip")
    p.add_argument("--size", type=int, default=64)
    p.add_argument("--clip_frames", type=int, default=16, help="frames per loaded clip")
    p.add_argument("--batch_size", type=int, default=8)
    p.add_argument("--samples", type=int, default=256, help="samples per epoch")
    p.add_argument("--repeats", type=int, default=3, help="steady-state epochs (the median is reported)")
    p.add_argument("--synth_workers", type=int, default=2)
    p.add_argument("--token_frames", type=int, default=17, help="frames per token-shard window (1 + 4k)")
    p.add_argument("--no_tokens", action="store_true", help="skip tokenizing and the token-shard loader")
    p.add_argument("--torch_threads", type=int, default=1,
                   help="intra-op threads of this process (DataLoader workers always use 1); on a busy "
                        "2-core machine the default 2 made the 0-worker loader 5x slower")
    p.add_argument("--data_dir", type=Path, default=None,
                   help="reuse/keep the data here (default: a temp folder)")
    p.add_argument("--out", type=Path, default=Path(__file__).parent / "results")
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> dict[str, Any]:
    """Run the benchmark; write ``loader_speed.json`` and ``loader_speed.md`` to ``--out``."""
    args = parse_args(argv)
    torch.set_num_threads(args.torch_threads)
    if args.data_dir is None:
        with tempfile.TemporaryDirectory(prefix="unimo_loader_bench_") as tmp:
            args.data_dir = Path(tmp) / "data"
            return run(args)
    return run(args)


def run(args: argparse.Namespace) -> dict[str, Any]:
    """Generate the data, time every loader configuration and write the report."""
    report = {"benchmark": "loader_speed", "config": vars(args) | {"data_dir": str(args.data_dir),
                                                                  "out": str(args.out)},
              "environment": environment(), "data": make_data(args), "results": []}
    for workers in args.workers:
        report["results"].append(bench_loader(args.data_dir, workers, ("video", "motion"), args))
        print(report["results"][-1], file=sys.stderr, flush=True)
    with_cameras = ("video", "motion", "camera")
    report["results"].append(bench_loader(args.data_dir, max(args.workers), with_cameras, args))
    report["results"].append(bench_loader(args.data_dir, 0, ("motion",), args))
    if not args.no_tokens:
        args.token_dir = args.data_dir.with_name(args.data_dir.name + "_tokens")
        report["tokens"], report["token_results"] = make_tokens(args), []
        for workers in args.workers:
            report["token_results"].append(bench_token_loader(workers, args))
            print(report["token_results"][-1], file=sys.stderr, flush=True)
    args.out.mkdir(parents=True, exist_ok=True)
    write_atomic(args.out / "loader_speed.json", json.dumps(report, indent=2) + "\n")
    write_atomic(args.out / "loader_speed.md", markdown(report))
    print(markdown(report))
    return report


if __name__ == "__main__":
    main()
