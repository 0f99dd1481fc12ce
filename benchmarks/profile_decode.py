"""Where does one decoded token's time go? torch.profiler over static-KV-cache decode steps.

Usage from the repository root (``pip install -e .`` or ``PYTHONPATH=.``), on a GPU::

    python benchmarks/profile_decode.py --context 4096 --batch 1 --out benchmarks/results

The steps run eagerly (a CUDA-graph replay hides its kernels from the profiler) with the same static cache
``GraphedStep`` captures, so the summed GPU kernel time per step is what a graph replay cannot go below,
and kernel launches per step say how launch-bound the eager path is. Writes ``profile_decode.json`` and a
Markdown table of the most expensive kernels.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import torch
from common import device_name, git_commit, write_atomic  # noqa: E402
from generate_speed import VOCAB, prompt_and_schedule  # noqa: E402
from torch.profiler import ProfilerActivity, profile

from unimo.backbones import PRESETS, GPTBackbone
from unimo.backbones.graphed import GraphedStep
from unimo.tasks.joint.pipelines import PRECISION_DTYPES


def profile_steps(args: argparse.Namespace) -> dict:
    """Profile ``--steps`` eager static-cache decode steps after a prefill of ``--context`` tokens."""
    device = torch.device("cuda")
    model = GPTBackbone(vocab_sizes=VOCAB, max_seq_len=args.context + 64, **PRESETS[args.size])
    model = model.to(device, PRECISION_DTYPES[args.weights]).eval()
    if args.compiled:  # the kernels of generate_speed's graph_compiled path
        model.compile_decoding(args.compile_mode)
    prompt, schedule = prompt_and_schedule(args.batch, args.context, args.steps + 1, VOCAB, device)
    token = torch.zeros(args.batch, dtype=torch.long, device=device)
    with torch.no_grad(), torch.autocast("cuda", dtype=torch.bfloat16):
        stepper = GraphedStep(model, args.batch, args.context + 64, use_graph=False)
        stepper.prefill(prompt.input_ids, prompt.modality_ids, prompt.positions)
        for i in range(3):  # warm-up
            stepper.step(token, 1, schedule.positions[i])
        torch.cuda.synchronize()
        with profile(activities=[ProfilerActivity.CPU, ProfilerActivity.CUDA]) as prof:
            for i in range(args.steps):
                stepper.step(token, 1, schedule.positions[i])
            torch.cuda.synchronize()
    events = [e for e in prof.key_averages() if e.self_device_time_total > 0]
    total_us = sum(e.self_device_time_total for e in events)  # self times add up to all kernel time
    launches = sum(len(getattr(e, "kernels", [])) for e in prof.events())
    top = sorted(events, key=lambda e: e.self_device_time_total, reverse=True)[: args.top]
    return {"gpu_kernel_us_per_step": total_us / args.steps, "kernels_per_step": launches / args.steps,
            "top_ops": [{"name": e.key, "calls_per_step": e.count / args.steps,
                         "self_gpu_us_per_step": e.self_device_time_total / args.steps} for e in top]}


def main(argv: list[str] | None = None) -> dict:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--size", default="125m", choices=[k for k in PRESETS if k != "tiny"])
    p.add_argument("--context", type=int, default=4096)
    p.add_argument("--batch", type=int, default=1)
    p.add_argument("--steps", type=int, default=20)
    p.add_argument("--top", type=int, default=15)
    p.add_argument("--compiled", action="store_true", help="compile the blocks first (compile_decoding)")
    p.add_argument("--compile_mode", default=None, help="torch.compile mode of --compiled")
    p.add_argument("--weights", default="fp32", choices=["fp32", "bf16"],
                   help="dtype of the weights (fp32 weights are cast to bf16 by autocast every step)")
    p.add_argument("--out", default="benchmarks/results")
    args = p.parse_args(argv)
    report = {"device": device_name("cuda"), "git_commit": git_commit(), "config": vars(args),
              **profile_steps(args)}
    blocks = ("compiled blocks" if args.compiled else "eager") + f", {args.weights} weights"
    title = f"# One decode step ({args.size}, context {args.context}, batch {args.batch}; {report['device']})"
    lines = [title,
             "", f"GPU kernel time per step: {report['gpu_kernel_us_per_step']:.0f} us in "
             f"{report['kernels_per_step']:.0f} kernels (static cache, {blocks}).", "",
             "| op | calls/step | self GPU us/step |", "|---|---:|---:|"]
    lines += [f"| `{o['name']}` | {o['calls_per_step']:.0f} | {o['self_gpu_us_per_step']:.1f} |"
              for o in report["top_ops"]]
    write_atomic(Path(args.out) / "profile_decode.json", json.dumps(report, indent=2))
    write_atomic(Path(args.out) / "profile_decode.md", "\n".join(lines) + "\n")
    print("\n".join(lines), file=sys.stderr)
    return report


if __name__ == "__main__":
    main()
