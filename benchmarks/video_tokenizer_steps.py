"""Per-step learning speed of ``CausalVideoTokenizer`` variants: same clips, same batches, PSNR every N steps.

Usage from the repository root (CPU is enough; the numbers of issue #6 came from this script)::

    python benchmarks/video_tokenizer_steps.py --size 32 --steps 800 --bf16 \\
        --variant original '{"residual": false}' --variant residual '{"residual": true}'

Each ``--variant NAME JSON`` is a ``CausalVideoTokenizer`` built with ``JSON`` on top of the defaults. Every
variant trains from the same seed on the same sequence of batches (random clips, windows and flips of
``--train-clips`` synthetic clips, cached under ``--cache``), with AdamW, linear warmup and cosine decay as
``benchmarks/video_tokenizer.py``, and is scored on held-out clips through the discrete round trip every
``--eval-every`` steps. ``--bf16`` trains under CPU/GPU bf16 autocast, the regime of GPU runs. Writes JSON
and Markdown (default ``/tmp/video_tokenizer_steps.*``).
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from pathlib import Path
from typing import Any

import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import device_name, write_atomic  # noqa: E402
from video_tokenizer import EVAL_SEED, evaluate, sample_batch, synthetic_clips, to_video  # noqa: E402

from unimo.tokenizers import TOKENIZERS  # noqa: E402


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--variant", nargs=2, action="append", metavar=("NAME", "JSON"), default=None)
    p.add_argument("--size", type=int, default=32)
    p.add_argument("--frames", type=int, default=9)
    p.add_argument("--clip-frames", type=int, default=21)
    p.add_argument("--train-clips", type=int, default=512)
    p.add_argument("--eval-clips", type=int, default=16)
    p.add_argument("--steps", type=int, default=400)
    p.add_argument("--eval-every", type=int, default=100)
    p.add_argument("--batch-size", type=int, default=8)
    p.add_argument("--lr", type=float, default=6e-4)
    p.add_argument("--warmup", type=int, default=50)
    p.add_argument("--bf16", action="store_true", help="train under bf16 autocast")
    p.add_argument("--device", default="cpu")
    p.add_argument("--threads", type=int, default=1, help="torch threads (run variants side by side)")
    p.add_argument("--workers", type=int, default=2, help="clip generation processes")
    p.add_argument("--cache", type=Path, default=Path("/tmp/unimo_video_steps"))
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", type=Path, default=Path("/tmp/video_tokenizer_steps.json"))
    args = p.parse_args(argv)
    args.variant = args.variant or [["original", '{"residual": false}'], ["residual", '{"residual": true}']]
    return args


def clips(args: argparse.Namespace) -> tuple[torch.Tensor, torch.Tensor]:
    """Return uint8 training clips ``(N, T, H, W, 3)`` and float held-out clips, cached on disk."""
    path = args.cache / f"clips_{args.size}_{args.train_clips}x{args.clip_frames}_{args.eval_clips}.pt"
    if not path.is_file():
        train = synthetic_clips(0, args.train_clips, args.clip_frames, args.size, args.workers)
        held_out = synthetic_clips(EVAL_SEED, args.eval_clips, args.frames, args.size, args.workers)
        path.parent.mkdir(parents=True, exist_ok=True)
        torch.save({"train": train, "eval": held_out}, path)
    data = torch.load(path)
    return data["train"], to_video(data["eval"][:, : args.frames])


def run(
    name: str, kwargs: dict[str, Any], train: torch.Tensor, held_out: torch.Tensor, args: argparse.Namespace
) -> dict[str, Any]:
    """Train one variant for ``--steps``; return its settings and PSNR curve."""
    torch.manual_seed(args.seed)
    tok = TOKENIZERS.build("CausalVideoTokenizer", height=args.size, width=args.size, **kwargs)
    tok = tok.to(args.device)
    opt = torch.optim.AdamW(tok.parameters(), lr=args.lr, betas=(0.9, 0.95), weight_decay=1e-4)
    gen = torch.Generator().manual_seed(args.seed)
    device_type = torch.device(args.device).type
    curve, start = [], time.perf_counter()
    for step in range(1, args.steps + 1):
        progress = (step - args.warmup) / max(args.steps - args.warmup, 1)
        cosine = 0.1 + 0.45 * (1 + math.cos(math.pi * progress))  # to 10% at the last step
        factor = step / args.warmup if step <= args.warmup else cosine
        for group in opt.param_groups:
            group["lr"] = args.lr * factor
        video = sample_batch(train, args.batch_size, args.frames, gen)[0].to(args.device)  # (B, T, 3, H, W)
        with torch.autocast(device_type, dtype=torch.bfloat16, enabled=args.bf16):
            losses = tok.loss(video)
        opt.zero_grad(set_to_none=True)
        losses["loss"].backward()
        torch.nn.utils.clip_grad_norm_(tok.parameters(), 1.0)
        opt.step()
        if step % args.eval_every == 0 or step == args.steps:
            scores = evaluate(tok, held_out, args.device)
            tok.train()
            curve.append({"step": step, "loss": round(float(losses["loss"].detach()), 4), **scores})
            print(name, curve[-1], flush=True)
    params_m = round(sum(p.numel() for p in tok.parameters()) / 1e6, 2)
    return {
        "kwargs": kwargs,
        "params_m": params_m,
        "seconds": round(time.perf_counter() - start, 1),
        "curve": curve,
    }


def markdown(r: dict[str, Any]) -> str:
    cfg = r["config"]
    steps = [c["step"] for c in next(iter(r["variants"].values()))["curve"]]
    lines = [
        "# Video tokenizer: PSNR (dB) per training step",
        "",
        f"Device: {r['device']}; {cfg['size']}x{cfg['size']}, batch {cfg['batch_size']} x {cfg['frames']} "
        f"frames, lr {cfg['lr']}, bf16 autocast: {cfg['bf16']}; held-out: {cfg['eval_clips']} clips.",
        "",
        "| variant | params (M) | " + " | ".join(f"step {s}" for s in steps) + " |",
        "|---|---|" + "---|" * len(steps),
    ]
    for name, v in r["variants"].items():
        cells = " | ".join(str(c["psnr_db"]) for c in v["curve"])
        lines.append(f"| {name} `{json.dumps(v['kwargs'])}` | {v['params_m']} | {cells} |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> dict[str, Any]:
    args = parse_args(argv)
    torch.set_num_threads(args.threads)
    train, held_out = clips(args)
    variants = {name: run(name, json.loads(kw), train, held_out, args) for name, kw in args.variant}
    result = {
        "variants": variants,
        "device": device_name(args.device),
        "config": {k: str(v) if isinstance(v, Path) else v for k, v in vars(args).items()},
        "versions": {"torch": torch.__version__},
    }
    write_atomic(args.out, json.dumps(result, indent=2) + "\n")
    write_atomic(args.out.with_suffix(".md"), markdown(result))
    print(markdown(result))
    return result


if __name__ == "__main__":
    main()
