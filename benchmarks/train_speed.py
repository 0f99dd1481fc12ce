"""Training throughput and MFU of ``GPTBackbone`` against an eager fp32 baseline and a nanoGPT-like reference.

Usage from the repository root (``pip install -e .`` or ``PYTHONPATH=.``). Every (size, length) costs
about three compilations plus ~30 timed steps, so split a GPU run into calls of one size and one or two
lengths; ``--append`` merges them into one ``train.json`` (results are saved after every length)::

    python benchmarks/train_speed.py --sizes 125m --seq_lens 2048 4096
    python benchmarks/train_speed.py --sizes 125m --seq_lens 8192 --append
    python benchmarks/train_speed.py --sizes 350m --seq_lens 4096 --append      # the 45% MFU target
    python benchmarks/train_speed.py --quick            # tiny CPU smoke run, writes to /tmp

For every (size, sequence length) it times full training steps (forward, backward, fused AdamW) of:

- ``unimo``: ``GPTBackbone``, bf16 autocast, ``torch.compile`` on blocks, SDPA (flash on H100), heads
  only on trained positions, on a real I2VM layout (16x16 video tokens + 8 motion tokens per step).
- ``eager_fp32``: the same model and batch without autocast or compile (TF32 off).
- ``reference``: a minimal nanoGPT-style GPT of the same width/depth (LayerNorm, GELU 4x MLP, learned
  positions, one head over the concatenated vocabulary on every position), bf16 + whole-model compile.

FLOPs (model FLOPs, not hardware FLOPs; recomputation is not counted), per training step:
``6 * N_matmul * tokens`` (N_matmul = transformer weights in matmuls, embeddings excluded because a lookup
costs nothing) ``+ 6 * D * sum_m(V_m * K_m)`` (output heads, K_m = rows the head is applied to) ``+ 12 *
L * D * S * tokens`` (attention scores and values, the PaLM formula, Chowdhery et al. 2022, App. B).
PaLM counts the full S x S attention; a causal flash kernel does half, so ``mfu_causal`` (``6 * L * D *
S``) is reported too. MFU = achieved FLOP/s / ``--peak_tflops`` (H100 SXM dense bf16: 989).
"""

from __future__ import annotations

import argparse
import gc
import json
import math
import platform
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import torch
import torch.nn.functional as F
from common import git_commit, write_atomic  # noqa: E402
from torch import nn

from unimo.backbones import PRESETS, GPTBackbone
from unimo.layouts import I2VMLayout, Modality, TokenSequence

VOCAB = {"special": 16, "video": 64000, "motion": 1024}
QUICK_VOCAB = {"special": 16, "video": 512, "motion": 64}
GRID = (16, 16, 8)  # h, w, s of the synthetic I2VM clips


class RefBlock(nn.Module):
    """nanoGPT block: LayerNorm, fused c_attn, causal SDPA, GELU 4x MLP."""

    def __init__(self, dim: int, num_heads: int) -> None:
        super().__init__()
        self.num_heads = num_heads
        self.ln_1, self.ln_2 = nn.LayerNorm(dim), nn.LayerNorm(dim)
        self.c_attn, self.c_proj = nn.Linear(dim, 3 * dim), nn.Linear(dim, dim)
        self.mlp = nn.Sequential(nn.Linear(dim, 4 * dim), nn.GELU(approximate="tanh"),
                                 nn.Linear(4 * dim, dim))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        b, n, d = x.shape
        q, k, v = self.c_attn(self.ln_1(x)).view(b, n, 3, self.num_heads, -1).transpose(1, 3).unbind(2)
        y = F.scaled_dot_product_attention(q, k, v, is_causal=True)  # (B, H, N, Dh)
        x = x + self.c_proj(y.transpose(1, 2).reshape(b, n, d))
        return x + self.mlp(self.ln_2(x))


class RefGPT(nn.Module):
    """nanoGPT-like reference: one table and one head over the concatenated vocabulary."""

    def __init__(self, vocab: int, dim: int, num_layers: int, num_heads: int, max_seq_len: int) -> None:
        super().__init__()
        self.wte, self.wpe = nn.Embedding(vocab, dim), nn.Embedding(max_seq_len, dim)
        self.blocks = nn.ModuleList(RefBlock(dim, num_heads) for _ in range(num_layers))
        self.ln_f, self.lm_head = nn.LayerNorm(dim), nn.Linear(dim, vocab, bias=False)

    def forward(self, idx: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
        x = self.wte(idx) + self.wpe(torch.arange(idx.shape[1], device=idx.device))  # (B, N, D)
        for block in self.blocks:
            x = block(x)
        logits = self.lm_head(self.ln_f(x))  # (B, N, V): every position, as nanoGPT
        return F.cross_entropy(logits.flatten(0, 1), targets.flatten(), ignore_index=-1)


def synthetic_batch(batch: int, seq_len: int, vocab: dict[str, int], device: torch.device) -> TokenSequence:
    """Return an I2VM batch cut to exactly ``seq_len`` tokens (no padding)."""
    h, w, s = GRID
    steps = math.ceil(seq_len / (h * w + s)) + 1
    video = torch.randint(0, vocab["video"], (batch, steps, h, w))
    motion = torch.randint(0, vocab["motion"], (batch, steps * s))
    seq = I2VMLayout().arrange(video, motion)
    cut = {k: getattr(seq, k)[:, :seq_len].contiguous() for k in seq.__dataclass_fields__}
    cut["loss_mask"][:, -1] = False
    return TokenSequence(**cut).to(device)


def model_flops(model: GPTBackbone, seq: TokenSequence, causal: bool) -> float:
    """Return training FLOPs of one step (see the module docstring)."""
    tokens = seq.input_ids.numel()
    matmul = sum(p.numel() for n, p in model.blocks.named_parameters() if p.ndim == 2)
    heads = 0
    for key in model.head_modalities:
        mine = seq.loss_mask & (seq.target_modality_ids == int(Modality.from_key(key)))  # (B, N)
        rows = int(mine.sum())
        heads += model.vocab_sizes[key] * rows
    attn = (6 if causal else 12) * model.num_layers * model.dim * len(seq)
    return 6 * matmul * tokens + 6 * model.dim * heads + attn * tokens


def ref_flops(model: RefGPT, tokens: int, seq_len: int, causal: bool) -> float:
    matmul = sum(p.numel() for p in model.blocks.parameters() if p.ndim == 2) + model.lm_head.weight.numel()
    dim, layers = model.wte.weight.shape[1], len(model.blocks)
    return (6 * matmul + (6 if causal else 12) * layers * dim * seq_len) * tokens


def time_steps(step: Any, warmup: int, steps: int, device: torch.device) -> float:
    """Return the median seconds per call of ``step`` after ``warmup`` calls (compilation happens there)."""
    for _ in range(warmup):
        step()
    sync = torch.cuda.synchronize if device.type == "cuda" else (lambda: None)
    times = []
    for _ in range(steps):
        sync()
        start = time.perf_counter()
        step()
        sync()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def make_step(model: nn.Module, loss_fn: Any, bf16: bool, device: torch.device) -> Any:
    """Return a closure running one forward/backward/AdamW step."""
    fused = device.type == "cuda"
    opt = torch.optim.AdamW(model.parameters(), lr=1e-4, fused=fused)

    def step() -> None:
        with torch.autocast(device.type, dtype=torch.bfloat16, enabled=bf16):
            loss = loss_fn()
        loss.backward()
        opt.step()
        opt.zero_grad(set_to_none=True)

    return step


def run_mode(mode: str, size: dict[str, int], seq_len: int, batch: int, args: argparse.Namespace) -> dict:
    """Time one mode; on out-of-memory halve the batch (recorded) down to 1."""
    device = torch.device(args.device)
    while batch >= 1:
        try:
            return _run_mode(mode, size, seq_len, batch, args, device)
        except torch.OutOfMemoryError:
            print(f"  {mode}: out of memory at batch {batch}", file=sys.stderr)
            batch //= 2
            torch.cuda.empty_cache()
    return {"error": "out of memory at batch 1"}


def build_unimo(size: dict[str, int], seq: TokenSequence, vocab: dict[str, int], compile_: bool,
                device: torch.device) -> tuple[nn.Module, Any, list[float]]:
    """Return the GPTBackbone, its loss closure and its step FLOPs (PaLM, causal)."""
    model = GPTBackbone(vocab_sizes=vocab, max_seq_len=len(seq), compile=compile_, **size).to(device)
    return model, lambda: model.loss(seq)["loss"], [model_flops(model, seq, c) for c in (False, True)]


def build_reference(size: dict[str, int], seq: TokenSequence, vocab: dict[str, int], compile_: bool,
                    device: torch.device) -> tuple[nn.Module, Any, list[float]]:
    """Return the nanoGPT-like reference on the same ids (offset into one vocabulary), loss, FLOPs."""
    model = RefGPT(sum(vocab.values()), size["dim"], size["num_layers"], size["num_heads"], len(seq))
    model = model.to(device)
    offsets = torch.tensor([0, vocab["special"], vocab["special"] + vocab["video"]], device=device)
    idx = seq.input_ids + offsets[seq.modality_ids]  # (B, N)
    targets = torch.where(seq.loss_mask, seq.targets + offsets[seq.target_modality_ids], -1)
    fn = torch.compile(model) if compile_ else model
    flops = [ref_flops(model, seq.input_ids.numel(), len(seq), c) for c in (False, True)]
    return model, lambda: fn(idx, targets), flops


def _run_mode(mode: str, size: dict[str, int], seq_len: int, batch: int, args: argparse.Namespace,
              device: torch.device) -> dict:
    torch._dynamo.reset()  # fresh compile per shape: no recompile limit, no dynamic-shape kernels
    gc.collect()
    if device.type == "cuda":
        torch.cuda.empty_cache()
        torch.cuda.reset_peak_memory_stats()
    vocab = QUICK_VOCAB if args.quick else VOCAB
    seq = synthetic_batch(batch, seq_len, vocab, device)
    fast = mode != "eager_fp32"  # bf16 autocast (+ compile unless --no-compile)
    build = build_reference if mode == "reference" else build_unimo
    model, loss_fn, flops = build(size, seq, vocab, fast and args.compile, device)
    seconds = time_steps(make_step(model, loss_fn, fast, device), args.warmup,
                         args.steps if fast else args.baseline_steps, device)
    peak = torch.cuda.max_memory_allocated() / 2**30 if device.type == "cuda" else None
    return {"batch": batch, "step_s": seconds, "tokens_per_s": batch * seq_len / seconds,
            "tflops": flops[0] / seconds / 1e12, "tflops_causal": flops[1] / seconds / 1e12,
            "peak_mem_gb": peak, "params_M": sum(p.numel() for p in model.parameters()) / 1e6}


def bench_one(name: str, seq_len: int, args: argparse.Namespace) -> dict:
    """Return the run record of one (size, sequence length) for every requested mode."""
    size = {"dim": 64, "num_layers": 2, "num_heads": 4} if args.quick else PRESETS[name]
    batch = max(1, args.tokens_per_batch // seq_len)
    results = {}
    for mode in args.modes:
        print(f"[{name} seq={seq_len} batch={batch}] {mode} ...", file=sys.stderr, flush=True)
        results[mode] = run_mode(mode, size, seq_len, batch, args)
        print(f"  {results[mode]}", file=sys.stderr, flush=True)
    return summarise(name, seq_len, batch, results, args.peak_tflops)


def summarise(name: str, seq_len: int, batch: int, results: dict[str, dict], peak: float | None) -> dict:
    """Flatten per-mode results into one run record with the fields the report uses."""
    main = results.get("unimo", {})
    ref, eager = results.get("reference", {}), results.get("eager_fp32", {})

    def mfu(r: dict, key: str = "tflops") -> float | None:
        return r[key] / peak if peak and key in r else None

    return {
        "size": name, "params_M": main.get("params_M"), "seq_len": seq_len, "batch": main.get("batch", batch),
        "tokens_per_s": main.get("tokens_per_s"), "tflops": main.get("tflops"), "mfu": mfu(main),
        "mfu_causal": mfu(main, "tflops_causal"), "peak_mem_gb": main.get("peak_mem_gb"),
        "eager_fp32_tflops": eager.get("tflops"), "eager_fp32_tokens_per_s": eager.get("tokens_per_s"),
        "reference_tflops": ref.get("tflops"), "reference_mfu": mfu(ref),
        "reference_tokens_per_s": ref.get("tokens_per_s"), "reference_peak_mem_gb": ref.get("peak_mem_gb"),
        "reference_params_M": ref.get("params_M"), "modes": results,
    }


def environment(args: argparse.Namespace) -> dict:
    """Describe the device, versions and arguments, so a result file stands on its own."""
    device = torch.cuda.get_device_name() if args.device == "cuda" else platform.processor() or "cpu"
    return {"device": device, "torch": torch.__version__, "python": platform.python_version(),
            "cuda": torch.version.cuda, "git_commit": git_commit(), "config": vars(args)}




def markdown(report: dict) -> str:
    """Render the runs as a Markdown table."""
    lines = [f"# Training speed ({report['device']}, torch {report['torch']})", "",
             "| size | params (M) | seq | batch | tok/s | TFLOP/s | MFU | MFU (causal) | eager fp32 TFLOP/s "
             "| reference TFLOP/s | peak mem (GB) |", "|" + "---|" * 11]
    fmt = lambda v, f: "-" if v is None else format(v, f)  # noqa: E731
    for r in report["runs"]:
        lines.append(f"| {r['size']} | {fmt(r['params_M'], '.1f')} | {r['seq_len']} | {r['batch']} | "
                     f"{fmt(r['tokens_per_s'], '.0f')} | {fmt(r['tflops'], '.3g')} | "
                     f"{fmt(r['mfu'], '.1%')} | "
                     f"{fmt(r['mfu_causal'], '.1%')} | {fmt(r['eager_fp32_tflops'], '.3g')} | "
                     f"{fmt(r['reference_tflops'], '.3g')} | {fmt(r['peak_mem_gb'], '.1f')} |")
    note = "FLOPs: see benchmarks/train_speed.py (PaLM formula; 'MFU (causal)' counts half the attention)."
    return "\n".join(lines) + f"\n\n{note}\n"


def plot(report: dict, path: Path, peak: float | None) -> None:
    """Bar chart of TFLOP/s per run and mode, with the 45% MFU target line."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    runs = report["runs"]
    labels = [f"{r['size']}\n{r['seq_len']}" for r in runs]
    fig, ax = plt.subplots(figsize=(max(6, 1.4 * len(runs)), 4))
    fast = "unimo bf16" + ("+compile" if report["config"]["compile"] else "")
    series = [("tflops", fast), ("reference_tflops", "nanoGPT-like ref (same)"),
              ("eager_fp32_tflops", "unimo eager fp32")]
    for i, (key, name) in enumerate(series):
        ax.bar([x + 0.27 * (i - 1) for x in range(len(runs))], [r[key] or 0 for r in runs], 0.27, label=name)
    if peak:
        ax.axhline(0.45 * peak, color="k", linestyle="--", linewidth=1, label="45% MFU target")
    ax.set_xticks(range(len(runs)), labels)
    ax.set_ylabel("model TFLOP/s")
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sizes = [k for k in PRESETS if k != "tiny"]
    p.add_argument("--sizes", nargs="+", default=["125m", "350m"], choices=sizes)
    p.add_argument("--seq_lens", nargs="+", type=int, default=[2048, 4096, 8192])
    p.add_argument("--modes", nargs="+", default=["unimo", "reference", "eager_fp32"],
                   choices=["unimo", "reference", "eager_fp32"])
    p.add_argument("--tokens_per_batch", type=int, default=32768, help="batch = max(1, this // seq_len)")
    p.add_argument("--steps", type=int, default=10, help="timed steps (bf16 modes)")
    p.add_argument("--baseline_steps", type=int, default=3, help="timed steps (eager fp32)")
    p.add_argument("--warmup", type=int, default=3, help="untimed steps first (compilation)")
    p.add_argument("--peak_tflops", type=float, default=989.0, help="device peak dense bf16 TFLOP/s")
    p.add_argument("--compile", action=argparse.BooleanOptionalAction, default=None,
                   help="torch.compile the bf16 modes (default: on, off with --quick)")
    p.add_argument("--out", type=Path, default=None, help="output folder (default benchmarks/results)")
    p.add_argument("--append", action="store_true", help="merge into an existing train.json")
    p.add_argument("--quick", action="store_true", help="tiny model, short sequences, CPU, output to /tmp")
    args = p.parse_args(argv)
    args.device = "cuda" if torch.cuda.is_available() and not args.quick else "cpu"
    if args.quick:
        args.sizes, args.seq_lens, args.tokens_per_batch = ["quick"], [128, 256], 512
        args.steps, args.baseline_steps, args.warmup = 2, 1, 1
        args.peak_tflops = None
    args.compile = (not args.quick) if args.compile is None else args.compile
    args.out = args.out or Path("/tmp/unimo_bench" if args.quick else Path(__file__).parent / "results")
    return args


def main(argv: list[str] | None = None) -> dict:
    """Run the benchmark and write ``train.json``, ``train.md`` and ``train.png`` to ``--out``."""
    args = parse_args(argv)
    if args.device == "cuda":
        torch.backends.cuda.matmul.allow_tf32 = False  # the fp32 baseline is true fp32
    args.out.mkdir(parents=True, exist_ok=True)
    json_path = args.out / "train.json"
    report = {**environment(args), "runs": []}
    if args.append and json_path.exists():
        report["runs"] = json.loads(json_path.read_text())["runs"]
    for name in args.sizes:
        for seq_len in args.seq_lens:
            run = bench_one(name, seq_len, args)
            kept = [r for r in report["runs"] if (r["size"], r["seq_len"]) != (name, seq_len)]
            report["runs"] = kept + [run]
            write_atomic(json_path, json.dumps(report, indent=2, default=str))  # keep partial results
    write_atomic(args.out / "train.md", markdown(report))
    plot(report, args.out / "train.png", args.peak_tflops)
    print(markdown(report))
    return report


if __name__ == "__main__":
    main()
