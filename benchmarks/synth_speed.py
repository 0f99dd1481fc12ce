"""Throughput of the embedded synthetic generator (frames/s): motion, rendering, and whole clips.

Usage from the repository root (``pip install -e .`` or ``PYTHONPATH=.``)::

    python benchmarks/synth_speed.py                       # writes benchmarks/results/synth_speed.{json,md}
    python benchmarks/synth_speed.py --sizes 128 --clips 16 --frames 64

For every image size it times, over the same seeds: ``generate_motion`` alone, ``render_person`` alone
(motion, camera and looks prepared outside the timer), and ``generate_clip`` end to end in one process
(torch limited to 1 thread) and in a process pool of ``--workers`` processes (spawned and warmed up
before timing, each with 1 torch thread). Each figure is the best of ``--repeats`` runs, because other
jobs share the CPU; the report records the machine, its load and the generator config.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import platform
import sys
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np
import torch
from common import write_atomic

from unimo.data.synthetic import GENERATOR_VERSION, SynthConfig, generate_clip, generate_motion
from unimo.render.appearance import sample_appearance
from unimo.render.background import sample_background
from unimo.render.scene import render_person

RESULTS = Path(__file__).resolve().parent / "results"


def best_rate(work: Callable[[], int], repeats: int) -> tuple[float, float]:
    """Run ``work`` (returns frames made) ``repeats`` times; return the best frames per wall second and per
    CPU second of this process (the latter is what one idle core would give, whatever else runs)."""
    wall, cpu = [], []
    for _ in range(repeats):
        start, start_cpu = time.perf_counter(), time.process_time()
        frames = work()
        wall.append(frames / (time.perf_counter() - start))
        cpu.append(frames / max(time.process_time() - start_cpu, 1e-9))
    return round(max(wall), 1), round(max(cpu), 1)


def bench_size(size: int, pool: ProcessPoolExecutor, args: argparse.Namespace) -> dict[str, Any]:
    """Time motion, rendering, single-process clips and pooled clips at one image size."""
    seeds = list(range(args.clips))
    n, fps = args.frames, args.fps
    config = SynthConfig(supersample=args.supersample)
    scenes = []
    for seed in seeds:  # prepared outside the render timer
        clip = generate_clip(seed, n, size, fps, config=config)
        rng = np.random.default_rng(seed)
        scenes.append((clip.motion, clip.camera, sample_appearance(rng), sample_background(rng)))

    def motions() -> int:
        return sum(generate_motion(seed, n, fps).num_frames for seed in seeds)

    def renders() -> int:
        supersample = config.supersample or (2 if size < 192 else 1)  # as generate_clip resolves 0
        return sum(len(render_person(m, c, look, bg, lod=config.lod, supersample=supersample,
                                     background_scale=config.background_scale)) for m, c, look, bg in scenes)

    def clips() -> int:
        return sum(len(generate_clip(seed, n, size, fps, config=config).frames) for seed in seeds)

    def pooled() -> int:
        k = len(seeds)
        made = pool.map(generate_clip, seeds, [n] * k, [size] * k, [fps] * k, [True] * k, [config] * k)
        return sum(len(c.frames) for c in made)

    row: dict[str, Any] = {"size": size}
    row["motion_fps"], row["motion_fps_cpu"] = best_rate(motions, args.repeats)
    row["render_fps"], row["render_fps_cpu"] = best_rate(renders, args.repeats)
    row["clip_fps_1proc"], row["clip_fps_cpu"] = best_rate(clips, args.repeats)
    row[f"clip_fps_pool{args.workers}"] = best_rate(pooled, args.repeats)[0]  # CPU time is in the workers
    print(row, flush=True)
    return row


def _init_worker() -> None:
    torch.set_num_threads(1)  # the pool already uses the cores


def machine() -> dict[str, Any]:
    """Describe where the figures were measured."""
    load = round(os.getloadavg()[0], 2) if hasattr(os, "getloadavg") else None
    cpu = platform.processor() or platform.machine()
    if Path("/proc/cpuinfo").exists():
        names = [line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                 if line.startswith("model name")]
        cpu = names[0] if names else cpu
    return {"cpu": cpu, "cores": os.cpu_count(), "load_1min_at_start": load, "python": sys.version.split()[0],
            "torch": torch.__version__, "numpy": np.__version__, "platform": platform.platform()}


def write_report(report: dict[str, Any], out: Path) -> None:
    """Write ``out.json`` and ``out.md`` (temp files, then rename)."""
    out.parent.mkdir(parents=True, exist_ok=True)
    pool_key = f"clip_fps_pool{report['args']['workers']}"
    m, a, cfg = report["machine"], report["args"], report["config"]
    lines = [
        "# Synthetic generator speed (frames/s, CPU)",
        "",
        f"Clips of {a['frames']} frames at {a['fps']} fps, {a['clips']} seeds per figure, best of "
        f"{a['repeats']}; generator {report['generator_version']} (mesh lod {cfg['lod']}, supersample "
        f"{cfg['supersample'] or '2 below 192 px, else 1'}, background scale {cfg['background_scale']}).",
        f"Machine: {m['cpu']}, {m['cores']} cores shared with other jobs (1-min load "
        f"{m['load_1min_at_start']} at the start), torch {m['torch']}, 1 thread per process.",
        "",
        "Wall-clock frames/s depend on what else runs; 'per CPU s' divides by this process's CPU time, i.e.",
        "what one idle core gives (an idle machine with N cores and a pool of N gives roughly N times that).",
        "",
        "| size (px) | motion only | render only | clip, 1 process | clip per CPU s "
        f"| clip, pool of {a['workers']} |",
        "|---:|---:|---:|---:|---:|---:|",
    ]
    for r in report["results"]:
        keys = ("size", "motion_fps", "render_fps", "clip_fps_1proc", "clip_fps_cpu", pool_key)
        cells = [r[k] for k in keys]
        lines.append("| " + " | ".join(str(c) for c in cells) + " |")
    lines += ["", "Target: >= 200 frames/s at 128 px on a 2-core machine for the whole clip generator."]
    for suffix, text in ((".json", json.dumps(report, indent=2)), (".md", "\n".join(lines) + "\n")):
        write_atomic(out.with_suffix(suffix), text)


def main(argv: list[str] | None = None) -> dict[str, Any]:
    """Run the benchmark, print the figures and save them."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[64, 128, 256])
    parser.add_argument("--clips", type=int, default=8, help="seeds (clips) per figure")
    parser.add_argument("--frames", type=int, default=32, help="frames per clip")
    parser.add_argument("--fps", type=float, default=15.0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--supersample", type=int, default=SynthConfig().supersample, help="0: automatic")
    parser.add_argument("--out", type=Path, default=RESULTS / "synth_speed")
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    info = machine()
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(args.workers, mp_context=context, initializer=_init_worker) as pool:
        list(pool.map(generate_clip, range(args.workers), [4] * args.workers, [32] * args.workers,
                      [args.fps] * args.workers))  # start and warm the workers outside the timers
        results = [bench_size(size, pool, args) for size in args.sizes]
    config = SynthConfig(supersample=args.supersample).to_dict()
    report = {"generator_version": GENERATOR_VERSION, "config": config, "machine": info,
              "args": {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items()},
              "results": results}
    write_report(report, args.out)
    return report


if __name__ == "__main__":
    main()
