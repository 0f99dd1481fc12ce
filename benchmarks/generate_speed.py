"""Generation speed of ``GPTBackbone``: static KV cache against recomputing the prefix every token.

Usage from the repository root (``pip install -e .`` or ``PYTHONPATH=.``)::

    python benchmarks/generate_speed.py                 # GPU: 125m, contexts 1k/4k, batch 1/8
    python benchmarks/generate_speed.py --quick         # tiny CPU smoke run, writes to /tmp

Prompts are real I2VM sequences (16x16 video + 8 motion tokens per latent step) cut to the context
length; the next ``--new_tokens`` positions follow the layout's schedule, so decoding switches between
the video and motion heads as in use. Both paths run eagerly under bf16 autocast on GPU (fp32 on CPU),
sampling greedily. On GPU a third path replays the decode step as a CUDA graph over a static cache
(``--no-cuda_graph`` skips it; an error there is recorded, not fatal). Reported: generated tokens/s
(batch x new tokens / seconds, prefill included), ``kv_cache_speedup`` = cached / recomputed tokens/s,
and whether the paths chose the same tokens (bf16 rounding differs between a cached step and a full
pass, so a few flips are possible).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path

import torch
from common import device_name, git_commit  # noqa: E402
from pipeline_speed import SIZES, bench_pipelines  # noqa: E402

from unimo.backbones import PRESETS, GPTBackbone
from unimo.backbones.sampling import generate
from unimo.layouts import I2VMLayout, Modality, Schedule, TokenGrid, TokenSequence

VOCAB = {"special": 16, "video": 64000, "motion": 1024}
QUICK_VOCAB = {"special": 16, "video": 512, "motion": 64}
GRID = (16, 16, 8)  # h, w, s


def prompt_and_schedule(batch: int, context: int, new: int, vocab: dict[str, int],
                        device: torch.device) -> tuple[TokenSequence, Schedule]:
    """Cut an I2VM sequence into a ``context``-token prompt and a ``new``-token schedule."""
    h, w, s = GRID
    grid = TokenGrid(num_steps=(context + new) // (h * w + s) + 1, height=h, width=w, motion_per_step=s)
    layout = I2VMLayout()
    video = torch.randint(0, vocab["video"], (batch, grid.num_steps, h, w))
    motion = torch.randint(0, vocab["motion"], (batch, grid.motion_tokens))
    seq = layout.arrange(video, motion)
    prompt = TokenSequence(**{k: getattr(seq, k)[:, :context] for k in seq.__dataclass_fields__}).to(device)
    schedule = Schedule(modality_ids=seq.modality_ids[0, context : context + new],
                        positions=seq.positions[0, context : context + new])
    return prompt, schedule


def timed_generate(model: GPTBackbone, prompt: TokenSequence, schedule: Schedule, use_cache: bool,
                   device: torch.device, repeats: int = 3) -> tuple[float, torch.Tensor]:
    """Return the median seconds of ``repeats`` greedy generations (after an untimed warm-up) and the ids."""
    bf16 = device.type == "cuda"
    sync = torch.cuda.synchronize if device.type == "cuda" else (lambda: None)
    times = []
    with torch.autocast(device.type, dtype=torch.bfloat16, enabled=bf16):
        short = Schedule(schedule.modality_ids[:2], schedule.positions[:2])
        generate(model, prompt, short, temperature=0, use_cache=use_cache)
        for _ in range(repeats):
            sync()
            start = time.perf_counter()
            ids = generate(model, prompt, schedule, temperature=0, use_cache=use_cache)
            sync()
            times.append(time.perf_counter() - start)
    return statistics.median(times), ids


def graphed_generate(model: GPTBackbone, prompt: TokenSequence,
                     schedule: Schedule) -> tuple[float, torch.Tensor]:
    """Greedy decoding whose per-token transformer pass is one CUDA-graph replay over a static KV cache.

    Returns seconds (prefill + decoding; warm-up and capture excluded, they are paid once per batch
    shape) and the ids. Heads and argmax run eagerly since the head depends on the scheduled modality.
    """
    b, device = prompt.batch_size, prompt.input_ids.device
    positions = schedule.positions.to(device)
    modalities = [Modality(int(m)) for m in schedule.modality_ids.tolist()]
    cache = model.new_cache(b, len(prompt) + len(schedule), static=True)
    tok, mod, pos = (torch.zeros(b, 1, dtype=torch.long, device=device) for _ in range(3))  # graph inputs
    side = torch.cuda.Stream()
    side.wait_stream(torch.cuda.current_stream())
    with torch.cuda.stream(side):  # warm up off the default stream before capturing, as PyTorch asks
        for _ in range(2):
            model.hidden(tok, mod, pos, cache=cache)
    torch.cuda.current_stream().wait_stream(side)
    graph = torch.cuda.CUDAGraph()
    with torch.cuda.graph(graph):
        h_out = model.hidden(tok, mod, pos, cache=cache)  # (B, 1, D); records the in-place position += 1
    torch.cuda.synchronize()
    start = time.perf_counter()
    cache.reset()
    h = model.hidden(prompt.input_ids, prompt.modality_ids, prompt.positions, cache=cache)[:, -1]  # prefill
    out = []
    for i, modality in enumerate(modalities):
        token = model.head(h, modality.key).argmax(-1)  # (B,)
        out.append(token)
        if i + 1 < len(modalities):
            tok.copy_(token[:, None])
            mod.fill_(int(modality))
            pos.copy_(positions[i].expand(b, 1))
            graph.replay()
            h = h_out[:, -1]
    torch.cuda.synchronize()
    return time.perf_counter() - start, torch.cat([prompt.input_ids, torch.stack(out, 1)], 1)


def bench_one(model: GPTBackbone, context: int, batch: int, args: argparse.Namespace) -> dict:
    """Time both paths for one (context, batch)."""
    device = torch.device(args.device)
    vocab = QUICK_VOCAB if args.quick else VOCAB
    prompt, schedule = prompt_and_schedule(batch, context, args.new_tokens, vocab, device)
    if device.type == "cuda":
        torch.cuda.reset_peak_memory_stats()
    kv_s, kv_ids = timed_generate(model, prompt, schedule, True, device, args.repeats)
    peak = torch.cuda.max_memory_allocated() / 2**30 if device.type == "cuda" else None
    re_s, re_ids = timed_generate(model, prompt, schedule, False, device, args.repeats)
    tokens = batch * args.new_tokens
    graphed: dict = {}
    if device.type == "cuda" and args.cuda_graph:
        try:
            with torch.autocast("cuda", dtype=torch.bfloat16):
                g_s, g_ids = graphed_generate(model, prompt, schedule)
            graphed = {"graph_tokens_per_s": tokens / g_s, "graph_speedup_over_kv": kv_s / g_s,
                       "graph_same_tokens_fraction": float((g_ids == kv_ids)[:, context:].float().mean())}
        except Exception as err:  # experimental path, never run before on this device: report, go on
            graphed = {"graph_error": f"{type(err).__name__}: {err}"}
    same = float((kv_ids[:, context:] == re_ids[:, context:]).float().mean())  # generated part only
    return {"context": context, "batch": batch, "new_tokens": args.new_tokens,
            "kv_tokens_per_s": tokens / kv_s, "recompute_tokens_per_s": tokens / re_s,
            "kv_cache_speedup": re_s / kv_s, "kv_ms_per_step": 1000 * kv_s / args.new_tokens,
            "kv_peak_mem_gb": peak, "same_tokens_fraction": same, **graphed}


def markdown(report: dict) -> str:
    title = f"# Generation speed ({report['device']}, torch {report['torch']}, {report['config']['size']})"
    lines = [title, "",
             "| context | batch | new | KV tok/s | recompute tok/s | KV speedup | KV ms/step | same tokens "
             "| CUDA-graph tok/s |", "|" + "---|" * 9]
    for r in report["runs"]:
        lines.append(f"| {r['context']} | {r['batch']} | {r['new_tokens']} | {r['kv_tokens_per_s']:.1f} | "
                     f"{r['recompute_tokens_per_s']:.1f} | {r['kv_cache_speedup']:.2f}x | "
                     f"{r['kv_ms_per_step']:.2f} | {r['same_tokens_fraction']:.1%} | "
                     f"{r.get('graph_tokens_per_s', r.get('graph_error', '-'))} |")
    lines += ["", "End to end (pipeline_speed.py; batch 1; untrained weights: the work per clip is fixed):",
              "",
              "| backbone | params (M) | capture frames/s | x real time | I2VM s/clip (frames) |",
              "|---|---|---|---|---|"]
    for r in report.get("pipelines", []):
        lines.append(f"| {r['size']} | {r['backbone_params_M']} | {r['capture_fps_batch1']:.1f} | "
                     f"{r['capture_realtime_factor']:.2f}x of {r['video_fps']:g} fps | "
                     f"{r['i2vm_seconds_per_clip']:.2f} ({r['i2vm_frames_per_clip']}) |")
    return "\n".join(lines) + "\n"


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--size", default="125m", choices=[k for k in PRESETS if k != "tiny"])
    p.add_argument("--contexts", nargs="+", type=int, default=[1024, 4096])
    p.add_argument("--batches", nargs="+", type=int, default=[1, 8])
    p.add_argument("--new_tokens", type=int, default=64)
    p.add_argument("--cuda_graph", action=argparse.BooleanOptionalAction, default=True,
                   help="also time decoding with the static cache captured as a CUDA graph (GPU only)")
    p.add_argument("--repeats", type=int, default=3, help="timed runs per figure (the median is kept)")
    p.add_argument("--pipeline_sizes", nargs="*", default=["main_job", "125m"], choices=list(SIZES),
                   help="backbone sizes of the end-to-end capture/generate timings (pipeline_speed.py)")
    p.add_argument("--capture_seconds", type=float, default=10.0, help="length of the captured video")
    p.add_argument("--out", type=Path, default=None, help="output folder (default benchmarks/results)")
    p.add_argument("--quick", action="store_true", help="tiny model, short contexts, CPU, output to /tmp")
    p.add_argument("--device", default=None, help="default: cuda when available (cpu with --quick)")
    args = p.parse_args(argv)
    args.device = args.device or ("cuda" if torch.cuda.is_available() and not args.quick else "cpu")
    if args.quick:
        args.size, args.contexts, args.batches, args.new_tokens = "quick", [64, 256], [1, 4], 16
        args.repeats, args.pipeline_sizes, args.capture_seconds = 1, ["main_job"], 1.0
    args.out = args.out or Path("/tmp/unimo_bench" if args.quick else Path(__file__).parent / "results")
    return args


def main(argv: list[str] | None = None) -> dict:
    """Run the benchmark and write ``generate.json`` and ``generate.md`` to ``--out``."""
    args = parse_args(argv)
    device = torch.device(args.device)
    size = {"dim": 64, "num_layers": 2, "num_heads": 4} if args.quick else PRESETS[args.size]
    vocab = QUICK_VOCAB if args.quick else VOCAB
    max_len = max(args.contexts) + args.new_tokens
    model = GPTBackbone(vocab_sizes=vocab, max_seq_len=max_len, **size).to(device).eval()
    report = {"device": device_name(args.device), "torch": torch.__version__,
              "python": platform.python_version(), "git_commit": git_commit(),
              "config": {**vars(args), "out": str(args.out)}, "runs": []}
    for context in args.contexts:
        for batch in args.batches:
            print(f"[context={context} batch={batch}] ...", file=sys.stderr, flush=True)
            report["runs"].append(bench_one(model, context, batch, args))
            print(f"  {report['runs'][-1]}", file=sys.stderr, flush=True)
    longest = max(r["context"] for r in report["runs"])
    report["kv_cache_speedup"] = min(r["kv_cache_speedup"] for r in report["runs"] if r["context"] == longest)
    report["kv_cache_speedup_context"] = longest  # the smallest speedup over batches at the longest context
    del model
    report["pipelines"] = [bench_pipelines(size, args.capture_seconds, 20.0, args.repeats, device)
                           for size in args.pipeline_sizes]
    if report["pipelines"]:  # headline figures: the main job's model (configs/joint.yaml)
        main_run = report["pipelines"][0]
        report.update({k: main_run[k] for k in ("capture_fps_batch1", "video_fps", "i2vm_seconds_per_clip")})
    args.out.mkdir(parents=True, exist_ok=True)
    for fname, text in [("generate.json", json.dumps(report, indent=2)), ("generate.md", markdown(report))]:
        tmp = args.out / (fname + ".tmp")
        tmp.write_text(text)
        os.replace(tmp, args.out / fname)
    print(markdown(report))
    return report


if __name__ == "__main__":
    main()
