"""Generation speed of ``GPTBackbone``: static KV cache against recomputing the prefix every token.

Usage from the repository root (``pip install -e .`` or ``PYTHONPATH=.``)::

    python benchmarks/generate_speed.py                 # GPU: 125m, contexts 1k/4k, batch 1/8
    python benchmarks/generate_speed.py --quick         # tiny CPU smoke run, writes to /tmp

Prompts are real I2VM sequences (16x16 video + 8 motion tokens per latent step) cut to the context
length; the next ``--new_tokens`` positions follow the layout's schedule, so decoding switches between
the video and motion heads as in use. Four paths of ``unimo.backbones.sampling.generate``, greedy, bf16
on GPU (fp32 on CPU): ``graph`` (static KV cache, each token one CUDA-graph replay: the default on CUDA;
GPU only), ``graph_compiled`` (the same with ``GPTBackbone.compile_decoding()``), ``kv_eager`` (the cache
without the graph) and ``recompute`` (the whole prefix every token). Reported per path: ms per generated
token after the prompt (see ``bench_path``), whole-generation tokens/s; the headline speedups
(``headline_speedups``): recompute / fastest KV path per token, and the same for the default graph path,
smallest over batches at the longest context; whether the paths chose the same
tokens as recomputation (bf16 rounding differs between a cached step and a full pass, so flips happen).
Then the end-to-end capture and generation timings of ``pipeline_speed.py``.
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import sys
import time
from pathlib import Path

import torch
from common import device_name, git_commit, write_atomic  # noqa: E402
from pipeline_speed import SIZES, bench_pipelines  # noqa: E402

from unimo.backbones import PRESETS, GPTBackbone, layers
from unimo.backbones.sampling import generate
from unimo.layouts import I2VMLayout, Schedule, TokenGrid, TokenSequence
from unimo.tasks.joint.pipelines import PRECISION_DTYPES, resolve_precision

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


PATHS = {"graph_compiled": {"use_cache": True, "cuda_graph": True},  # after backbone.compile_decoding()
         "graph": {"use_cache": True, "cuda_graph": True},  # the default on CUDA
         "kv_eager": {"use_cache": True, "cuda_graph": False},
         "recompute": {"use_cache": False, "cuda_graph": False}}


def timed_generate(model: GPTBackbone, prompt: TokenSequence, schedule: Schedule, path: str,
                   device: torch.device, repeats: int = 3) -> tuple[float, torch.Tensor]:
    """Return the median seconds of ``repeats`` greedy generations (after an untimed warm-up) and the ids."""
    sync = torch.cuda.synchronize if device.type == "cuda" else (lambda: None)
    times = []
    with torch.autocast(device.type, dtype=torch.bfloat16, enabled=device.type == "cuda"):
        generate(model, prompt, Schedule(schedule.modality_ids[:2], schedule.positions[:2]), temperature=0,
                 **PATHS[path])
        for _ in range(repeats):
            sync()
            start = time.perf_counter()
            ids = generate(model, prompt, schedule, temperature=0, **PATHS[path])
            sync()
            times.append(time.perf_counter() - start)
    return statistics.median(times), ids


def bench_path(model: GPTBackbone, prompt: TokenSequence, schedule: Schedule, path: str,
               args: argparse.Namespace) -> tuple[dict, torch.Tensor]:
    """Time one decoding path: whole generation, and per generated token after the prompt.

    Per token = (time for N tokens - time for 1 token) / (N - 1): the prefill (or, for recomputation,
    the first full pass) cancels out, leaving what every further token costs at this context.
    """
    device = torch.device(args.device)
    if device.type == "cuda":
        torch.cuda.reset_peak_memory_stats()
    first = Schedule(schedule.modality_ids[:1], schedule.positions[:1])
    one_s, _ = timed_generate(model, prompt, first, path, device, args.repeats)
    all_s, ids = timed_generate(model, prompt, schedule, path, device, args.repeats)
    n = len(schedule)
    per_token = (all_s - one_s) / max(n - 1, 1)
    peak = torch.cuda.max_memory_allocated() / 2**30 if device.type == "cuda" else None
    return {"seconds": all_s, "first_token_s": one_s, "ms_per_token": 1000 * per_token,
            "tokens_per_s": prompt.batch_size * n / all_s, "peak_mem_gb": peak}, ids


def bench_one(model: GPTBackbone, context: int, batch: int, args: argparse.Namespace) -> dict:
    """Time every decoding path for one (context, batch)."""
    device = torch.device(args.device)
    vocab = QUICK_VOCAB if args.quick else VOCAB
    prompt, schedule = prompt_and_schedule(batch, context, args.new_tokens, vocab, device)
    paths = [p for p in PATHS if device.type == "cuda" or not p.startswith("graph")]
    paths = [p for p in paths if args.compile_decoding or p != "graph_compiled"]
    runs, ids = {}, {}
    for path in paths:
        model._decode_blocks = None  # eager blocks unless this path compiles them
        if path == "graph_compiled":
            # Fresh compilation per (context, batch): dynamo's recompile limit (8 per code object) is shared
            # by every config, and once hit the blocks silently run eager (the suite's later rows did).
            torch._dynamo.reset()
            model.compile_decoding(args.compile_mode)
        runs[path], ids[path] = bench_path(model, prompt, schedule, path, args)
    model._decode_blocks = None
    best = "graph" if "graph" in runs else "kv_eager"
    same = {p: float((ids[p][:, context:] == ids["recompute"][:, context:]).float().mean()) for p in paths}
    return {"context": context, "batch": batch, "new_tokens": args.new_tokens, "paths": runs,
            "kv_path": best,
            "kv_cache_speedup": runs["recompute"]["ms_per_token"] / runs[best]["ms_per_token"],
            "kv_eager_speedup": runs["recompute"]["ms_per_token"] / runs["kv_eager"]["ms_per_token"],
            "kv_compiled_graph_speedup": None if "graph_compiled" not in runs
            else runs["recompute"]["ms_per_token"] / runs["graph_compiled"]["ms_per_token"],
            "kv_tokens_per_s": runs[best]["tokens_per_s"], "recompute_tokens_per_s":
            runs["recompute"]["tokens_per_s"], "same_tokens_fraction": same}


def headline_speedups(runs: list[dict]) -> dict:
    """The smallest KV-cache speedup over batches at the longest context, for the fastest KV path measured
    (compiled blocks when timed) and for the default CUDA-graph path of ``unimo generate/capture``."""
    longest = max(r["context"] for r in runs)
    at_longest = [r for r in runs if r["context"] == longest]
    default = min(r["kv_cache_speedup"] for r in at_longest)
    out = {"kv_cache_speedup_context": longest, "kv_cache_speedup_default_path": default}
    if all(r["kv_compiled_graph_speedup"] is not None for r in at_longest):
        out["kv_cache_speedup"] = out["kv_cache_speedup_compiled"] = min(
            r["kv_compiled_graph_speedup"] for r in at_longest)
        out["kv_cache_speedup_definition"] = (
            "recompute ms per token / ms per token decoding with the static KV cache, compiled blocks "
            "(GPTBackbone.compile_decoding) and one CUDA-graph replay per token; smallest over batches at "
            "the longest context. kv_cache_speedup_default_path: the same for the uncompiled CUDA graph "
            "that unimo generate/capture use")
    else:
        out["kv_cache_speedup"] = default
        out["kv_cache_speedup_definition"] = (
            "recompute ms per token / default KV path ms per token; smallest over batches at the longest "
            "context")
    return out


def markdown(report: dict) -> str:
    title = f"# Generation speed ({report['device']}, torch {report['torch']}, {report['config']['size']})"
    weights = report["config"].get("weights", "fp32")
    lines = [title, "", f"Per generated token after the prompt, greedy, bf16 on GPU ({weights} weights). "
             "`graph`: static KV "
             "cache, one CUDA-graph replay per token (the default on CUDA); `kv_eager`: the same cache "
             "without the graph; `recompute`: the whole prefix every token.", "",
             "| context | batch | graph+compile ms/tok | graph ms/tok | kv_eager ms/tok | recompute ms/tok "
             "| KV speedup (graph) | KV speedup (graph+compile) | same tokens as recompute |",
             "|" + "---|" * 9]
    fmt = lambda r, p: f"{r['paths'][p]['ms_per_token']:.2f}" if p in r["paths"] else "-"  # noqa: E731
    for r in report["runs"]:
        same = ", ".join(f"{p} {v:.0%}" for p, v in r["same_tokens_fraction"].items() if p != "recompute")
        compiled = r["kv_compiled_graph_speedup"]
        lines.append(f"| {r['context']} | {r['batch']} | {fmt(r, 'graph_compiled')} | {fmt(r, 'graph')} | "
                     f"{fmt(r, 'kv_eager')} | {fmt(r, 'recompute')} | {r['kv_cache_speedup']:.1f}x | "
                     f"{'-' if compiled is None else format(compiled, '.1f') + 'x'} | {same} |")
    lines += ["", "End to end (pipeline_speed.py, the CLI's path; one video or image at a time; untrained "
              "weights: the work per clip is fixed):", "",
              "| backbone | params (M) | capture frames/s | x real time | windows decoded together "
              "| I2VM s/clip (frames) |",
              "|---|---|---|---|---|---|"]
    for r in report.get("pipelines", []):
        lines.append(f"| {r['size']} | {r['backbone_params_M']} | {r['capture_fps_batch1']:.1f} | "
                     f"{r['capture_realtime_factor']:.2f}x of {r['video_fps']:g} fps | "
                     f"{r.get('window_batch', 1)} | "
                     f"{r['i2vm_seconds_per_clip']:.2f} ({r['i2vm_frames_per_clip']}) |")
    return "\n".join(lines) + "\n"


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--size", default="125m", choices=[k for k in PRESETS if k != "tiny"])
    p.add_argument("--contexts", nargs="+", type=int, default=[1024, 4096])
    p.add_argument("--batches", nargs="+", type=int, default=[1, 8])
    p.add_argument("--new_tokens", type=int, default=64)
    p.add_argument("--weights", default="auto", choices=["auto", "fp32", "bf16"],
                   help="dtype of the backbone's weights; auto: bf16 on CUDA, as `unimo generate/capture` "
                        "(compute is bf16 autocast on GPU either way; fp32 weights are cast every step)")
    p.add_argument("--compile_decoding", action=argparse.BooleanOptionalAction, default=True,
                   help="also time CUDA-graph decoding with compiled blocks (GPTBackbone.compile_decoding)")
    p.add_argument("--compile_mode", default=None,
                   help="torch.compile mode of the compiled blocks (e.g. max-autotune-no-cudagraphs)")
    p.add_argument("--single_query", default="reductions", choices=["reductions", "matmuls"],
                   help="one-query attention inside the compiled blocks: multiply-and-sum reductions that "
                        "inductor fuses (the default) or cuBLAS batched matmuls (the eager form)")
    p.add_argument("--repeats", type=int, default=3, help="timed runs per figure (the median is kept)")
    p.add_argument("--pipeline_sizes", nargs="*", default=["main_job", "125m"], choices=list(SIZES),
                   help="backbone sizes of the end-to-end capture/generate timings (pipeline_speed.py)")
    p.add_argument("--capture_seconds", type=float, default=10.0, help="length of the captured video")
    p.add_argument("--out", type=Path, default=None, help="output folder (default benchmarks/results)")
    p.add_argument("--quick", action="store_true", help="tiny model, short contexts, CPU, output to /tmp")
    p.add_argument("--replot", action="store_true", help="only redraw generate.png from --out/generate.json")
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
    if args.replot:  # draw generate.png from an existing generate.json
        report = json.loads((args.out / "generate.json").read_text())
        plot(report, args.out / "generate.png")
        return report
    device = torch.device(args.device)
    layers.SINGLE_QUERY_REDUCTIONS_WHEN_COMPILED = args.single_query == "reductions"
    size = {"dim": 64, "num_layers": 2, "num_heads": 4} if args.quick else PRESETS[args.size]
    vocab = QUICK_VOCAB if args.quick else VOCAB
    max_len = max(args.contexts) + args.new_tokens
    model = GPTBackbone(vocab_sizes=vocab, max_seq_len=max_len, **size).to(device).eval()
    args.weights = resolve_precision(args.weights, device)  # bf16: autocast has no per-step weight copies
    model = model.to(PRECISION_DTYPES[args.weights])
    report = {"device": device_name(args.device), "torch": torch.__version__,
              "python": platform.python_version(), "git_commit": git_commit(),
              "config": {**vars(args), "out": str(args.out)}, "runs": []}
    for context in args.contexts:
        for batch in args.batches:
            print(f"[context={context} batch={batch}] ...", file=sys.stderr, flush=True)
            report["runs"].append(bench_one(model, context, batch, args))
            print(f"  {report['runs'][-1]}", file=sys.stderr, flush=True)
    report.update(headline_speedups(report["runs"]))
    del model
    report["pipelines"] = [bench_pipelines(size, args.capture_seconds, 20.0, args.repeats, device,
                                           args.weights) for size in args.pipeline_sizes]
    if report["pipelines"]:  # headline figures: the main job's model (configs/joint.yaml)
        main_run = report["pipelines"][0]
        report.update({k: main_run[k] for k in ("capture_fps_batch1", "video_fps", "i2vm_seconds_per_clip")})
    write_atomic(args.out / "generate.json", json.dumps(report, indent=2))
    write_atomic(args.out / "generate.md", markdown(report))
    plot(report, args.out / "generate.png")
    print(markdown(report))
    return report


def plot(report: dict, path: Path) -> None:
    """Bars of ms per generated token for every decoding path and (context, batch), log scale."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    runs = report["runs"]
    paths = [p for p in PATHS if any(p in r["paths"] for r in runs)]
    fig, ax = plt.subplots(figsize=(max(6, 1.6 * len(runs)), 4))
    width = 0.8 / len(paths)
    for i, name in enumerate(paths):
        values = [r["paths"][name]["ms_per_token"] if name in r["paths"] else 0 for r in runs]
        ax.bar([x + width * (i - (len(paths) - 1) / 2) for x in range(len(runs))], values, width, label=name)
    ax.set_xticks(range(len(runs)), [f"context {r['context']}\nbatch {r['batch']}" for r in runs])
    ax.set_yscale("log")
    ax.set_ylabel("ms per generated token")
    ax.set_title(f"Decoding, {report['config']['size']} ({report['device']})", fontsize=9)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


if __name__ == "__main__":
    main()
