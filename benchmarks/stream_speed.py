"""Training windows per second from the synthetic stream (``SyntheticStreamDataModule``'s loader).

Usage from the repository root (``pip install -e .`` or ``PYTHONPATH=.``)::

    python benchmarks/stream_speed.py                     # writes benchmarks/results/stream_speed.{json,md}
    python benchmarks/stream_speed.py --workers 14 --seconds 60 --out-dir /tmp/out   # on a GPU machine

Synthesis, not the GPT, limits stream training (~92 clips/s from 14 workers on the H100 machine against
thousands of windows/s the GPT consumes; benchmarks/results/joint.md, session 17). Each setting runs the real
DataLoader (``--workers`` processes, batches of ``--batch-size``) for ``--seconds`` after a warm-up batch and
counts the 17-frame windows that arrive: one random window per 21-frame clip (the default), every window
at stride 4 of a 41-frame clip (``stride``: 7 overlapping windows per clip), each with and without the H.264
round trip. Settings run one after another in this process, so they see the same machine; ``--repeats``
alternates them (A B ... A B) and each figure is the best run.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
from pathlib import Path
from typing import Any

import torch
from common import git_commit, write_atomic
from torch.utils.data import DataLoader

from unimo.data.datamodules import SyntheticClipStream
from unimo.data.shards.synth import SynthSpec

RESULTS = Path(__file__).resolve().parent / "results"
SETTINGS = {  # name: (generated frames, stride or None for one random window, H.264 round trip)
    "21 frames, 1 window, h264": (21, None, True),
    "21 frames, 1 window, no h264": (21, None, False),
    "41 frames, stride 4 (7 windows), h264": (41, 4, True),
    "41 frames, stride 4 (7 windows), no h264": (41, 4, False),
}


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    p.add_argument("--batch-size", type=int, default=8)
    p.add_argument("--seconds", type=float, default=30.0, help="timed seconds per setting and repeat")
    p.add_argument("--repeats", type=int, default=2)
    p.add_argument("--size", type=int, default=64)
    p.add_argument("--window", type=int, default=17)
    p.add_argument("--out-dir", type=Path, default=RESULTS)
    return p.parse_args()


def windows_per_second(args: argparse.Namespace, frames: int, stride: int | None, h264: bool) -> float:
    """Windows/s the loader delivers once warm (the first batch waits for the workers to start)."""
    spec = SynthSpec(num_frames=frames, size=args.size, fps=20.0, seed=1001, fill=(0.8, 0.95))
    stream = SyntheticClipStream(spec, h264=h264, window=args.window, stride=stride)
    loader = iter(DataLoader(stream, batch_size=args.batch_size, num_workers=args.workers))
    next(loader)
    count, start = 0, time.perf_counter()
    while time.perf_counter() - start < args.seconds:
        count += len(next(loader)["key"])
    rate = count / (time.perf_counter() - start)
    del loader  # stops the workers before the next setting starts its own
    return rate


def main() -> None:
    args = parse_args()
    torch.set_num_threads(1)
    runs: dict[str, list[float]] = {name: [] for name in SETTINGS}
    for _ in range(args.repeats):
        for name, setting in SETTINGS.items():
            runs[name].append(windows_per_second(args, *setting))
            print(f"{name}: {runs[name][-1]:.1f} windows/s", flush=True)
    best = {name: max(rates) for name, rates in runs.items()}
    report: dict[str, Any] = {
        "windows_per_second": best, "runs": runs, "workers": args.workers, "batch_size": args.batch_size,
        "seconds": args.seconds, "size": args.size, "window": args.window,
        "machine": f"{platform.machine()}, {os.cpu_count()} cores", "torch": torch.__version__,
        "load_at_start": os.getloadavg()[0], "git_commit": git_commit(), "date": time.strftime("%Y-%m-%d")}
    args.out_dir.mkdir(parents=True, exist_ok=True)
    write_atomic(args.out_dir / "stream_speed.json", json.dumps(report, indent=2) + "\n")
    lines = ["# Synthetic stream: training windows per second (`benchmarks/stream_speed.py`)", "",
             f"{args.workers} loader workers, batches of {args.batch_size}, {args.window}-frame windows at "
             f"{args.size} px; best of {args.repeats} runs of {args.seconds:g} s each (settings alternated). "
             f"Machine: {report['machine']}, torch {report['torch']}, code {report['git_commit']}.", "",
             "| setting | windows/s |", "|---|---|"]
    lines += [f"| {name} | {rate:.1f} |" for name, rate in best.items()]
    write_atomic(args.out_dir / "stream_speed.md", "\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
