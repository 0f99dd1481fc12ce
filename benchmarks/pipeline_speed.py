"""End-to-end speed of ``unimo capture`` (video -> SMPL-X) and ``unimo generate`` (image -> video + motion).

Used by ``generate_speed.py`` (also runnable alone). The joint model is built as ``configs/joint.yaml``
builds it, with the shipped tokenizers (``unimo/assets/tokenizers``) and a backbone of the requested size;
its weights are untrained, which does not change the speed: capture and generation follow a fixed token
schedule (no early stop), so the work per clip is the same for any weights.

- capture: ``capture_from_video`` on a synthetic clip of ``--seconds`` seconds at ``--fps`` (sliding windows
  of the training clip length, V2M decoding with the KV cache, stitching, resampling), batch 1. The
  figure is frames of motion per second of wall time, to compare with the video's own fps (real time).
  ``--decoding`` picks the V2M decoding (default greedy, as every figure before session 15; the main job's
  config now uses ``sampled`` over 8 histories: pass ``--decoding sampled --samples 8`` to time that).
- generate: ``generate_from_image`` of one training-length clip (top-k sampling, KV cache), seconds per clip.

Each figure is the median of ``--repeats`` timed runs after one untimed warm-up run.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import torch

from unimo.backbones import PRESETS, GPTBackbone
from unimo.data.synthetic import generate_clip
from unimo.tasks.joint import JointTask
from unimo.tasks.joint.pipelines import (
    DEFAULT_CLIP,
    capture_from_video,
    generate_from_image,
    set_backbone_precision,
)
from unimo.tasks.joint.task import CAPTURE_DECODINGS

ASSETS = Path(__file__).resolve().parents[1] / "unimo" / "assets" / "tokenizers"
MAIN_JOB = {"dim": 256, "num_layers": 6, "num_heads": 4}  # configs/joint.yaml
SIZES = {"main_job": MAIN_JOB, **{k: v for k, v in PRESETS.items() if k != "tiny"}}


def build_task(size: str, device: torch.device) -> JointTask:
    """Return an (untrained) joint model with the shipped tokenizers on ``device``, in eval mode."""
    backbone = GPTBackbone(vocab_sizes={"special": 16, "video": 64000, "motion": 1024}, max_seq_len=4096,
                           **SIZES[size])
    task = JointTask(backbone, str(ASSETS / "video.pt"), str(ASSETS / "motion.pt"))
    task.clip_spec = dict(DEFAULT_CLIP)
    return task.to(device).eval()


def median_seconds(work, repeats: int, device: torch.device) -> float:
    """Run ``work`` once untimed, then ``repeats`` times; return the median wall seconds."""
    sync = torch.cuda.synchronize if device.type == "cuda" else (lambda: None)
    work()
    times = []
    for _ in range(repeats):
        sync()
        start = time.perf_counter()
        work()
        sync()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def bench_pipelines(size: str, seconds: float, fps: float, repeats: int, device: torch.device,
                    precision: str = "auto", window_batch: int = 8, decoding: str = "greedy",
                    samples: int = 8) -> dict:
    """Time capture and generation end to end for one backbone size, as the CLI runs them (no autocast;
    the backbone's weights in ``precision``, see ``set_backbone_precision``)."""
    task = set_backbone_precision(build_task(size, device), precision)
    task.set_capture_decoding(decoding, samples)
    num_frames = int(DEFAULT_CLIP["num_frames"])
    clip = generate_clip(seed=0, num_frames=round(seconds * fps), size=int(DEFAULT_CLIP["size"]), fps=fps)
    capture_s = median_seconds(lambda: capture_from_video(task, clip.frames, fps, window_batch), repeats,
                               device)
    generate_s = median_seconds(lambda: generate_from_image(task, clip.frames[0], num_frames), repeats,
                                device)
    frames = len(clip.frames)
    params = sum(p.numel() for p in task.backbone.parameters()) / 1e6
    return {"size": size, "backbone_params_M": round(params, 1), "video_frames": frames, "video_fps": fps,
            "capture_seconds": capture_s, "capture_fps_batch1": frames / capture_s,
            "capture_realtime_factor": frames / capture_s / fps, "i2vm_frames_per_clip": num_frames,
            "i2vm_seconds_per_clip": generate_s,
            "backbone_dtype": str(next(task.backbone.parameters()).dtype).removeprefix("torch."),
            "window_batch": window_batch, "capture_decoding": decoding,
            **({"capture_samples": samples} if decoding == "sampled" else {})}


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--sizes", nargs="+", default=["main_job", "125m"], choices=list(SIZES))
    p.add_argument("--seconds", type=float, default=10.0, help="length of the captured video")
    p.add_argument("--fps", type=float, default=20.0, help="frame rate of the captured video")
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    p.add_argument("--precision", default="auto", choices=["auto", "fp32", "bf16"],
                   help="backbone weights, as `unimo capture --precision` (auto: bf16 on CUDA)")
    p.add_argument("--window_batch", type=int, default=8, help="as `unimo capture --window_batch`")
    p.add_argument("--decoding", default="greedy", choices=list(CAPTURE_DECODINGS),
                   help="V2M decoding, as `unimo capture --decoding`")
    p.add_argument("--samples", type=int, default=8, help="histories of --decoding sampled")
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> list[dict]:
    """Print one record per size."""
    args = parse_args(argv)
    runs = []
    for size in args.sizes:
        runs.append(bench_pipelines(size, args.seconds, args.fps, args.repeats, torch.device(args.device),
                                    args.precision, args.window_batch, args.decoding, args.samples))
        print(runs[-1], file=sys.stderr, flush=True)
    return runs


if __name__ == "__main__":
    main()
