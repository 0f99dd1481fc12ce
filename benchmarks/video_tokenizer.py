"""Reconstruction quality and speed of the trainable causal video tokenizer (``CausalVideoTokenizer``).

Usage from the repository root (``pip install -e .`` or ``PYTHONPATH=.``)::

    python benchmarks/video_tokenizer.py --device cuda     # ~7 min on one H100 (5 min of it training)
    python benchmarks/video_tokenizer.py --quick           # CPU smoke run, writes to /tmp

A tokenizer is trained from scratch (L1 + SSIM, no GAN: too short a run for one) on synthetic clips
(``unimo.data.synthetic.generate_clip``: rendered people, random backgrounds and cameras) for ``--steps``
or ``--seconds``, whichever comes first. It is then evaluated through the discrete round trip
``decode(encode(x))`` on held-out synthetic clips (unseen seeds) and on the real videos in ``--real-dir``
(read with PyAV, shorter side resized and centre-cropped to the training size; never used for training):
PSNR (dB) and SSIM per frame on ``[0, 1]`` (``unimo.metrics.video_quality``), codebook usage. Throughput is
encode + decode frames/s of a bf16 copy at ``--speed-size`` under inference mode. Writes JSON + Markdown
with the full config, device and versions.
"""

from __future__ import annotations

import argparse
import copy
import json
import math
import os
import platform
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from common import device_name, export_fp16, git_commit, single_thread_pool, write_atomic  # noqa: E402

from unimo.metrics.codebook import CodebookUsage  # noqa: E402
from unimo.metrics.video_quality import frame_psnr, frame_ssim  # noqa: E402
from unimo.tokenizers import TOKENIZERS  # noqa: E402
from unimo.tokenizers.loading import load_tokenizer  # noqa: E402

EVAL_SEED = 1_000_000  # held-out clips use seeds from here on; training uses 0 .. train_clips - 1


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    p.add_argument("--quick", action="store_true", help="tiny CPU smoke sizes; results go to /tmp")
    p.add_argument("--out", type=Path, default=None, help="JSON path (Markdown is written beside it)")
    p.add_argument("--size", type=int, default=128, help="training/eval frame size (square)")
    p.add_argument("--frames", type=int, default=17, help="frames per training/eval clip (1 + 4k)")
    p.add_argument("--clip-frames", type=int, default=33, help="frames generated per synthetic clip")
    p.add_argument("--train-clips", type=int, default=1024)
    p.add_argument("--eval-clips", type=int, default=64)
    p.add_argument("--steps", type=int, default=30_000)
    p.add_argument("--seconds", type=float, default=300.0, help="training time cap")
    p.add_argument(
        "--budget",
        type=float,
        default=450.0,
        help="whole-run time cap: training is shortened so data generation + training + 60 s fit",
    )
    p.add_argument("--batch-size", type=int, default=16)
    p.add_argument("--lr", type=float, default=6e-4)
    p.add_argument("--person-weight", type=float, default=0.0,
                   help="L1 weight of the person's pixels is 1 + this (the renderer's coverage; 0: plain L1)")
    p.add_argument("--warmup", type=int, default=300)
    p.add_argument("--channels", type=int, default=64)
    p.add_argument("--channel-mult", type=int, nargs="+", default=[1, 2, 2, 4])
    p.add_argument("--num-res-blocks", type=int, default=1)
    p.add_argument("--temporal-compression", type=int, default=4)
    p.add_argument("--spatial-compression", type=int, default=8)
    p.add_argument("--levels", type=int, nargs="+", default=[8, 8, 8, 5, 5, 5])
    p.add_argument(
        "--residual",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="DC-AE shortcuts (CausalVideoTokenizer(residual=True)); --no-residual: the original layout",
    )
    p.add_argument("--ssim-weight", type=float, default=0.2)
    p.add_argument(
        "--eval-sizes", type=int, nargs="+", default=None, help="held-out synthetic sizes (default: --size)"
    )
    p.add_argument(
        "--export", type=Path, default=None, help="write the trained tokenizer here (fp16 weights)"
    )
    p.add_argument(
        "--evaluate", type=Path, default=None,
        help="score this exported tokenizer (e.g. unimo/assets/tokenizers/video.pt) instead of training one",
    )
    p.add_argument("--speed-size", type=int, default=128, help="frame size of the throughput measurement")
    p.add_argument(
        "--real-dir",
        type=Path,
        default=Path(os.environ.get("UNIMO_REAL_DATA", ROOT.parent / "shared" / "data" / "real")),
    )
    p.add_argument(
        "--workers", type=int, default=min(16, os.cpu_count() or 1), help="clip generation processes"
    )
    p.add_argument("--init", type=Path, default=None,
                   help="fine-tune this export (its architecture; --size must match its frames) instead of "
                        "training a new tokenizer from scratch")
    p.add_argument("--seed", type=int, default=0)
    args = p.parse_args(argv)
    if args.quick:
        args.size, args.frames, args.clip_frames, args.speed_size = 32, 9, 13, 32
        args.train_clips, args.eval_clips, args.batch_size = 16, 4, 2
        args.steps, args.seconds, args.warmup, args.channels = 30, 120.0, 5, 8
        args.eval_sizes = [32]
        args.device = "cpu" if args.device == "cuda" and not torch.cuda.is_available() else args.device
    args.eval_sizes = args.eval_sizes or [args.size]
    args.out = args.out or (
        Path("/tmp/video_tokenizer_quick.json")
        if args.quick
        else ROOT / "benchmarks/results/video_tokenizer.json"
    )
    return args


# ---------------------------------------------------------------------------------------------- data
def _one_clip(job: tuple[int, int, int, bool]) -> np.ndarray:
    from unimo.data.synthetic.clip import generate_clip

    seed, frames, size, alpha = job
    clip = generate_clip(seed, frames, size, fps=20.0, with_alpha=alpha)
    if not alpha:
        return clip.frames  # (T, H, W, 3) uint8
    return np.concatenate([clip.frames, clip.alpha[..., None]], -1)  # (T, H, W, 4): RGB + coverage


def synthetic_clips(first_seed: int, num: int, frames: int, size: int, workers: int,
                    alpha: bool = False) -> torch.Tensor:
    """Return ``num`` generated clips as uint8 ``(N, T, H, W, 3)`` (``(..., 4)`` with the person's coverage
    as a fourth channel when ``alpha``)."""
    jobs = [(first_seed + i, frames, size, alpha) for i in range(num)]
    if workers <= 1:
        return torch.from_numpy(np.stack([_one_clip(j) for j in jobs]))
    with single_thread_pool(workers) as pool:
        return torch.from_numpy(np.stack(list(pool.map(_one_clip, jobs, chunksize=4))))


def to_video(frames: torch.Tensor) -> torch.Tensor:
    """Map uint8 ``(B, T, H, W, 3)`` to float ``(B, T, 3, H, W)`` in ``[-1, 1]`` (drops a 4th channel)."""
    return frames[..., :3].permute(0, 1, 4, 2, 3).float() / 127.5 - 1


def resize_crop(frames: np.ndarray, size: int) -> torch.Tensor:
    """Resize the shorter side of uint8 ``(T, H, W, 3)`` to ``size``, centre-crop: ``(T, 3, S, S)``."""
    x = torch.from_numpy(frames).permute(0, 3, 1, 2).float() / 127.5 - 1  # (T, 3, H, W)
    h, w = x.shape[-2:]
    scale = size / min(h, w)
    x = F.interpolate(
        x,
        size=(max(size, round(h * scale)), max(size, round(w * scale))),
        mode="bilinear",
        antialias=True,
        align_corners=False,
    )
    top, left = (x.shape[-2] - size) // 2, (x.shape[-1] - size) // 2
    return x[..., top : top + size, left : left + size].clamp(-1, 1)


def real_clips(real_dir: Path, frames: int, size: int, per_video: int = 4) -> dict[str, torch.Tensor]:
    """Return ``{video name: (N, T, 3, S, S)}`` windows of the real mp4 files (up to ``per_video`` each)."""
    from unimo.render.video_io import read_video

    out = {}
    for path in sorted(real_dir.glob("*.mp4")) if real_dir.is_dir() else []:
        video, _ = read_video(path)  # whole file: short clips may hold fewer than frames * per_video frames
        windows = [video[i * frames : (i + 1) * frames] for i in range(min(len(video) // frames, per_video))]
        if windows:
            out[path.stem] = torch.stack([resize_crop(w, size) for w in windows])
    return out


# ---------------------------------------------------------------------------------------------- training
def sample_batch(data: torch.Tensor, batch_size: int, frames: int, gen: torch.Generator,
                 person_weight: float = 0.0) -> tuple[torch.Tensor, torch.Tensor | None]:
    """Random clips, windows and flips of uint8 ``data`` (any device): ``(B, T, 3, H, W)`` in [-1, 1], and
    with ``person_weight`` the per-pixel L1 weights ``1 + person_weight * coverage`` ``(B, T, 1, H, W)``."""
    idx = torch.randint(0, data.shape[0], (batch_size,), generator=gen)
    start = torch.randint(0, data.shape[1] - frames + 1, (batch_size,), generator=gen)
    flip = (torch.rand(batch_size, generator=gen) < 0.5).to(data.device)
    window = start[:, None] + torch.arange(frames)  # (B, T)
    clips = data[idx[:, None].to(data.device), window.to(data.device)]  # (B, T, H, W, C)
    clips = torch.where(flip[:, None, None, None, None], clips.flip(-2), clips)
    if not person_weight:
        return to_video(clips), None
    weight = 1 + person_weight * clips[..., 3:].permute(0, 1, 4, 2, 3).float() / 255  # (B, T, 1, H, W)
    return to_video(clips), weight


def lr_factor(progress: float, step: int, warmup: int) -> float:
    if step < warmup:
        return (step + 1) / warmup
    return 0.1 + 0.45 * (1 + math.cos(math.pi * min(progress, 1.0)))


def train(tokenizer: torch.nn.Module, data: torch.Tensor, args: argparse.Namespace) -> dict[str, Any]:
    """Train with AdamW under bf16 autocast (CUDA); stop at ``--steps`` or ``--seconds``."""
    opt = torch.optim.AdamW(tokenizer.parameters(), lr=args.lr, betas=(0.9, 0.95), weight_decay=1e-4)
    gen = torch.Generator().manual_seed(args.seed)
    use_bf16 = args.device.startswith("cuda")
    start, step, history = time.perf_counter(), 0, []
    while step < args.steps and time.perf_counter() - start < args.seconds:
        progress = max(step / args.steps, (time.perf_counter() - start) / args.seconds)
        for group in opt.param_groups:
            group["lr"] = args.lr * lr_factor(progress, step, args.warmup)
        video, weight = sample_batch(data, args.batch_size, args.frames, gen, args.person_weight)  # on device
        with torch.autocast("cuda", dtype=torch.bfloat16, enabled=use_bf16):
            losses = tokenizer.loss(video, weight)
        opt.zero_grad(set_to_none=True)
        losses["loss"].backward()
        torch.nn.utils.clip_grad_norm_(tokenizer.parameters(), 1.0)
        opt.step()
        step += 1
        if step == 1 or time.perf_counter() - start >= len(history) * args.seconds / 40:  # ~40 records
            history.append(
                {
                    "step": step,
                    "seconds": round(time.perf_counter() - start, 1),
                    **{k: round(float(v.detach()), 5) for k, v in losses.items()},
                }
            )
    return {
        "steps": step,
        "seconds": round(time.perf_counter() - start, 1),
        "history": history,
        "final": {k: round(float(v.detach()), 5) for k, v in losses.items()} if step else {},
        "clips_seen": step * args.batch_size,
    }


# ---------------------------------------------------------------------------------------------- evaluation
@torch.inference_mode()
def evaluate(
    tokenizer: torch.nn.Module, clips: torch.Tensor, device: str, batch_size: int = 8
) -> dict[str, float]:
    """Round-trip float clips ``(N, T, 3, H, W)``; return PSNR (dB), SSIM and codebook statistics.

    ``codebook_usage`` (distinct ids / vocabulary) cannot exceed ``tokens / vocab_size``: 64 clips of 17
    frames at 64x64 hold 20,480 ids, at most 32% of 64,000. ``distinct_per_token`` (distinct ids / ids)
    and ``perplexity`` (exp of the id entropy) say how much of that the tokenizer uses.
    """
    tokenizer.eval()
    usage = CodebookUsage(tokenizer.vocab_size)
    psnr, ssim, tokens = [], [], 0
    for chunk in clips.split(batch_size):
        video = chunk.to(device)
        with torch.autocast("cuda", dtype=torch.bfloat16, enabled=device.startswith("cuda")):
            ids = tokenizer.encode(video)
            recon = tokenizer.decode(ids).float()
        psnr.append(frame_psnr(recon, video).cpu())  # (B, T)
        ssim.append(frame_ssim(recon, video).flatten().cpu())
        usage.update(ids.cpu())
        tokens += ids.numel()
    stats = usage.compute()
    psnr = torch.cat(psnr)  # (N, T)
    distinct = float(stats["usage"]) * tokenizer.vocab_size
    return {
        "psnr_db": round(float(psnr.mean()), 3),
        "psnr_first_frame_db": round(float(psnr[:, 0].mean()), 3),  # frame 0 has a latent frame of its own
        "ssim": round(float(torch.cat(ssim).mean()), 4),
        "codebook_usage": round(float(stats["usage"]), 4),
        "codebook_usage_max": round(min(1.0, tokens / tokenizer.vocab_size), 4),
        "distinct_per_token": round(distinct / max(tokens, 1), 4),
        "perplexity": round(float(stats["perplexity"]), 1),
        "frames": int(clips.shape[0] * clips.shape[1]),
    }


def _sync(device: str) -> None:
    if device.startswith("cuda"):
        torch.cuda.synchronize()


@torch.inference_mode()
def throughput(
    tokenizer: torch.nn.Module, args: argparse.Namespace, batch: int = 8, iters: int = 10
) -> dict[str, float]:
    """Frames/s of encode, decode and encode + decode of a bf16 copy (inference mode)."""
    model = copy.deepcopy(tokenizer).to(args.device, torch.bfloat16).eval()
    video = (
        torch.rand(
            batch, args.frames, 3, args.speed_size, args.speed_size, device=args.device, dtype=torch.bfloat16
        )
        * 2
        - 1
    )
    ids = model.encode(video)
    timings = {}
    for name, fn in {
        "encode": lambda: model.encode(video),
        "decode": lambda: model.decode(ids),
        "encode_decode": lambda: model.decode(model.encode(video)),
    }.items():
        for _ in range(2 if args.quick else 3):  # warm-up (cuDNN autotuning)
            fn()
        _sync(args.device)
        start = time.perf_counter()
        for _ in range(2 if args.quick else iters):
            fn()
        _sync(args.device)
        timings[f"{name}_fps"] = round(
            batch * args.frames * (2 if args.quick else iters) / (time.perf_counter() - start), 1
        )
    return {**timings, "batch": batch, "frames": args.frames, "size": args.speed_size}


# ---------------------------------------------------------------------------------------------- report
def _row(name: str, clips: int, m: dict[str, Any]) -> str:
    usage = f"{m['codebook_usage']} (max {m.get('codebook_usage_max', '?')})"
    return (
        f"| {name} | {clips} | {m['psnr_db']} | {m.get('psnr_first_frame_db', '')} | {m['ssim']} "
        f"| {m.get('distinct_per_token', '')} | {usage} | {m.get('perplexity', '')} |"
    )


def markdown(r: dict[str, Any]) -> str:
    speed, cfg = r["speed"], r["config"]
    if r["train"].get("loaded_from"):
        trained = f"evaluated {r['train']['loaded_from']} (not trained in this run)"
    else:
        trained = (
            f"trained {r['train']['steps']} steps in {r['train']['seconds']} s (batch {cfg['batch_size']}, "
            f"{cfg['frames']} frames of {cfg['size']}x{cfg['size']}, {cfg['train_clips']} synthetic clips, "
            "bf16 autocast on CUDA)"
        )
        if r["train"].get("init"):
            trained = f"fine-tuned from {r['train']['init']}: {trained}"
        if cfg.get("person_weight"):
            trained += f"; loss weighted {cfg['person_weight']:g}x more on the person's pixels"
    residual = r.get("tokenizer", {}).get("init_args", {}).get("residual", cfg.get("residual", False))
    lines = [
        "# Causal video tokenizer (CausalVideoTokenizer)",
        "",
        f"Device: {r['device']}; torch {r['versions']['torch']}; {trained}; "
        f"residual (DC-AE) shortcuts: {residual}; compression t x h x w = "
        f"{r['compression']}, vocabulary {r['vocab_size']:,}, {r['params_m']} M parameters.",
        "",
        "Round trip `decode(encode(x))`. Codebook: distinct ids / ids, distinct ids / vocabulary (at most "
        "ids / vocabulary: few clips cannot show the whole codebook), perplexity of the id histogram.",
        "",
        "| data | clips | PSNR (dB) | PSNR frame 0 | SSIM | distinct / ids | usage | perplexity |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for size, m in r.get("synthetic_by_size", {cfg["size"]: r["synthetic"]}).items():
        lines.append(_row(f"synthetic {size}x{size}, held-out seeds", cfg["eval_clips"], m))
    for name, m in r["real"].get("videos", {}).items():
        lines.append(_row(f"real: {name}", m["frames"] // cfg["frames"], m))
    if r.get("export"):
        e = r["export"]
        lines.append(_row(f"fp16 export ({e['megabytes']} MB), synthetic", cfg["eval_clips"], e["synthetic"]))
    lines += [
        "",
        f"Throughput (bf16, {speed['size']}x{speed['size']}, batch {speed['batch']} x {speed['frames']} "
        "frames): "
        f"encode {speed['encode_fps']:,} frames/s, decode {speed['decode_fps']:,} frames/s, "
        f"encode + decode {speed['encode_decode_fps']:,} frames/s.",
        "",
        f"Command: `python benchmarks/video_tokenizer.py {' '.join(r['argv'])}`",
        "",
    ]
    return "\n".join(lines)


def compression(tokenizer: torch.nn.Module) -> list[int]:
    """``[t, h, w]`` compression of ``tokenizer`` (read from it: an evaluated export has its own)."""
    init = tokenizer.init_args
    return [init["temporal_compression"], init["spatial_compression"], init["spatial_compression"]]


def build(args: argparse.Namespace) -> torch.nn.Module:
    return TOKENIZERS.build(
        "CausalVideoTokenizer",
        levels=args.levels,
        temporal_compression=args.temporal_compression,
        spatial_compression=args.spatial_compression,
        channels=args.channels,
        channel_mult=args.channel_mult,
        num_res_blocks=args.num_res_blocks,
        height=args.size,
        width=args.size,
        ssim_weight=args.ssim_weight,
        residual=args.residual,
    ).to(args.device)


def fine_tunable(path: Path, device: str) -> torch.nn.Module:
    """An export loaded in float32 and trainable (exports are fp16 and load frozen)."""
    return load_tokenizer(path, map_location=device, freeze=False).float().train()


def evaluate_real(tokenizer: torch.nn.Module, args: argparse.Namespace) -> dict[str, Any]:
    clips = real_clips(args.real_dir, args.frames, args.size)
    if not clips:
        return {"skipped": f"no mp4 files in {args.real_dir}"}
    videos = {name: evaluate(tokenizer, c, args.device) for name, c in clips.items()}
    total = sum(v["frames"] for v in videos.values())
    mean = {
        k: round(sum(v[k] * v["frames"] for v in videos.values()) / total, 4) for k in ("psnr_db", "ssim")
    }
    return {**mean, "frames": total, "videos": videos, "dir": str(args.real_dir)}


def main(argv: list[str] | None = None) -> dict[str, Any]:
    args = parse_args(argv)
    argv_used = list(argv if argv is not None else sys.argv[1:])
    torch.manual_seed(args.seed)
    t0 = time.perf_counter()
    # Generate everything before CUDA is initialised (the worker processes are forked).
    train_data = None if args.evaluate else synthetic_clips(0, args.train_clips, args.clip_frames, args.size,
                                                            args.workers, alpha=args.person_weight > 0)
    eval_data = {
        size: to_video(synthetic_clips(EVAL_SEED, args.eval_clips, args.frames, size, args.workers))
        for size in args.eval_sizes
    }
    if train_data is not None:
        train_data = train_data.to(args.device)  # uint8 (N, T, H, W, 3 or 4); batches are cut on the device
    gen_seconds = round(time.perf_counter() - t0, 1)
    train_clips = 0 if train_data is None else args.train_clips
    print(f"generated {train_clips} + {args.eval_clips} clips in {gen_seconds} s", flush=True)
    if args.device.startswith("cuda"):
        torch.backends.cudnn.benchmark = True
    if args.evaluate:
        tokenizer = load_tokenizer(args.evaluate, map_location=args.device)
        training = {"loaded_from": str(args.evaluate), "steps": None, "seconds": None}
    else:
        tokenizer = build(args) if args.init is None else fine_tunable(args.init, args.device)
        args.seconds = max(min(args.seconds, args.budget - gen_seconds - 60.0), 10.0)
        training = {**train(tokenizer, train_data, args), "init": args.init and str(args.init)}
        print(f"trained {training['steps']} steps in {training['seconds']} s", flush=True)
    synthetic = {str(size): evaluate(tokenizer, clips, args.device) for size, clips in eval_data.items()}
    export = {}
    if args.export is not None:
        provenance = {"benchmark": "benchmarks/video_tokenizer.py", "argv": argv_used, **training,
                      "device": device_name(args.device), "git_commit": git_commit()}
        export = {"path": str(args.export), "megabytes": export_fp16(tokenizer, args.export, provenance)}
        reloaded = load_tokenizer(args.export, map_location=args.device)
        export["synthetic"] = evaluate(reloaded, eval_data[args.eval_sizes[0]], args.device)
        print(f"exported {export}", flush=True)
    results = {
        "synthetic": synthetic[str(args.eval_sizes[0])],
        "synthetic_by_size": synthetic,
        "export": export,
        "real": evaluate_real(tokenizer, args),
        "speed": throughput(tokenizer, args),
        "train": training,
        "generation_seconds": gen_seconds,
        "compression": compression(tokenizer),
        "vocab_size": tokenizer.vocab_size,
        "tokenizer": tokenizer.config(),
        "params_m": round(sum(p.numel() for p in tokenizer.parameters()) / 1e6, 2),
        "device": device_name(args.device),
        "config": {k: str(v) if isinstance(v, Path) else v for k, v in vars(args).items()},
        "versions": {"python": platform.python_version(), "torch": torch.__version__},
        "argv": argv_used,
        "total_seconds": None,
    }
    results["encode_decode_fps"] = results["speed"]["encode_decode_fps"]
    results["total_seconds"] = round(time.perf_counter() - t0, 1)
    write_atomic(args.out, json.dumps(results, indent=2) + "\n")
    write_atomic(args.out.with_suffix(".md"), markdown(results))
    print(markdown(results))
    return results


if __name__ == "__main__":
    main()
