"""Multi-GPU scaling of the joint model under Lightning's DDP and FSDP strategies (issue #10).

Usage from the repository root on a machine with 2 GPUs (no ``torchrun``: Lightning launches the ranks)::

    python benchmarks/multi_gpu.py                  # 1 GPU, 2 GPUs DDP, 2 GPUs FSDP; ~3-5 min on 2x H200
    python benchmarks/multi_gpu.py --quick          # the same code path on CPU: gloo, tiny model, 2 processes
                                                    # (1gpu and ddp: Lightning's FSDP needs CUDA)

It needs no package beyond torch, lightning, torchmetrics, einops and matplotlib (``PYTHONPATH=.`` is
enough on a bare GPU image).

Every configuration trains ``JointTask`` (``GPTBackbone`` preset ``--size``, default ~350M, with the
shipped frozen tokenizers, whose vocabularies and id grids it takes) with a real ``lightning.Trainer`` in a
fresh subprocess, from the same seed, on the same global batches of pre-tokenized ids (``video_ids`` /
``motion_ids``, so no tokenizer runs), for ``--warmup`` untimed then ``--steps`` timed optimizer steps:

- ``1gpu``: one device, ``accumulate_grad_batches = 2`` micro-batches per step;
- ``ddp``: two devices, ``strategy="ddp"``; ``fsdp``: two devices, ``strategy="fsdp"`` (FULL_SHARD, each
  transformer ``Block`` wrapped).

So every configuration runs the same micro-batch shape (``--batch_per_gpu`` sequences per device) and the
same global batch per optimizer step: rank ``r`` gets the ``r``-th half of the very batch the single
device accumulates (``GlobalBatches``). Reported per configuration: tokens/s in
all and per GPU, scaling efficiency (tokens/s per GPU over the 1-GPU figure), peak memory per GPU
(allocated and reserved), the loss of every step (global-batch mean) and its largest difference from the
1-GPU curve. ``bf16-mixed`` precision, eager (no ``torch.compile``: shorter runs, and the comparison is
between strategies), gradient clipping by norm at ``--clip`` (1.0, as ``configs/joint.yaml``; under FSDP
through ``JointTask.configure_gradient_clipping``, since Lightning clips FSDP by value only), NVLink
multicast off (``NCCL_NVLS_ENABLE=0`` and friends). The
weight-decay and no-decay groups' sizes are reported too: under FSDP they are built from sharded
parameters (see ``JointTask.configure_optimizers``).

The ids are structured so the loss falls within the run: every clip's video grid is a random pattern over a
small per-clip palette that shifts by one column per latent step, and its motion ids are a function of the
video ids of the same step (learnable copying), not uniform noise whose loss stays at ``log V``.

Writes ``multi_gpu.json``, ``multi_gpu.md`` and ``multi_gpu_loss.png`` to ``--out`` (atomically).
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import lightning as L
import torch
from common import device_name, git_commit, write_atomic  # noqa: E402
from torch.utils.data import DataLoader, IterableDataset, get_worker_info

from unimo.backbones import PRESETS, GPTBackbone
from unimo.backbones.layers import Block
from unimo.tasks.joint import JointTask
from unimo.tasks.joint.inference import motion_per_step
from unimo.tasks.joint.mixture import LayoutMixture
from unimo.tokenizers import TOKENIZERS
from unimo.tokenizers.loading import load_tokenizer

ASSETS = Path(__file__).resolve().parents[1] / "unimo" / "assets" / "tokenizers"
CONFIGS = {"1gpu": (1, "auto"), "ddp": (2, "ddp"), "fsdp": (2, "fsdp")}  # name: (devices, strategy)
LAYOUTS = {"I2VMLayout": 1.0, "V2MLayout": 1.0}  # the joint mixture (configs/joint.yaml)
PALETTE = 32  # distinct video ids per clip
# NVLink multicast stays off (shared GPU hosts: it can take their GPUs out of service).
NO_MULTICAST = {"NCCL_NVLS_ENABLE": "0", "TORCH_SYMM_MEM_DISABLE_MULTICAST": "1", "NVSHMEM_DISABLE_NVLS": "1"}


def structured_clip(index: int, grid: tuple[int, int, int], s: int, vocab: dict[str, int],
                    seed: int) -> dict[str, torch.Tensor]:
    """Return pre-tokenized clip ``index`` (a function of ``(seed, index)`` only): ``{"video_ids": (t, h, w),
    "motion_ids": (t * s,)}``."""
    g = torch.Generator().manual_seed(seed * 1_000_003 + index)
    t, h, w = grid
    palette = torch.randint(0, vocab["video"], (PALETTE,), generator=g)
    base = palette[torch.randint(0, PALETTE, (h, w), generator=g)]  # (h, w)
    video = torch.stack([base.roll(step, dims=1) for step in range(t)])  # (t, h, w): one column per step
    picks = video.flatten(1)[:, :s]  # (t, s) ids that set each step's motion ids
    motion = (picks * 7 + torch.arange(t)[:, None]) % vocab["motion"]  # (t, s)
    return {"video_ids": video, "motion_ids": motion.flatten()}


class GlobalBatches(IterableDataset):
    """Stream this rank's share of fixed global batches: step ``k`` trains clips ``[k G, (k + 1) G)``, rank
    ``r`` of ``R`` takes micro-batches ``r A .. (r + 1) A - 1`` of it (``A = G / (b R)`` accumulated ones).

    So a single device accumulating ``G / b`` micro-batches and ``R`` ranks see the same clips per optimizer
    step (Lightning's own ``DistributedSampler`` would shuffle). DataLoader workers take micro-batches in
    turn, which is the order the DataLoader returns them in.

    Args:
        steps: Optimizer steps.
        global_batch: Clips per optimizer step ``G``.
        micro_batch: Clips per device per forward ``b`` (the DataLoader's ``batch_size``).
        grid: Video id grid ``(t, h, w)``.
        motion_per_step: Motion ids per latent step ``s``.
        vocab: Vocabulary sizes.
        seed: Seed of the clips.
    """

    def __init__(self, steps: int, global_batch: int, micro_batch: int, grid: tuple[int, int, int],
                 motion_per_step: int, vocab: dict[str, int], seed: int) -> None:
        self.steps, self.global_batch, self.micro_batch = steps, global_batch, micro_batch
        self.clip = dict(grid=grid, s=motion_per_step, vocab=vocab, seed=seed)

    def __iter__(self) -> Iterator[dict[str, torch.Tensor]]:
        dist = torch.distributed
        rank, ranks = (dist.get_rank(), dist.get_world_size()) if dist.is_initialized() else (0, 1)
        info = get_worker_info()
        worker, workers = (info.id, info.num_workers) if info is not None else (0, 1)
        accumulate = self.global_batch // (self.micro_batch * ranks)
        micro = 0  # this rank's micro-batch counter
        for step in range(self.steps):
            for m in range(rank * accumulate, (rank + 1) * accumulate):
                if micro % workers == worker:
                    first = step * self.global_batch + m * self.micro_batch
                    for index in range(first, first + self.micro_batch):
                        yield structured_clip(index, **self.clip)
                micro += 1


class ScalingRecorder(L.Callback):
    """Time the optimizer steps after ``warmup``, keep every micro-batch loss, and have rank 0 write the
    global-batch loss per step and every rank's peak memory to ``path``.

    Args:
        path: Result JSON file.
        warmup: Untimed optimizer steps.
        accumulate: Micro-batches per optimizer step.
    """

    def __init__(self, path: str, warmup: int, accumulate: int) -> None:
        self.path, self.warmup, self.accumulate = path, warmup, accumulate
        self.losses: list[torch.Tensor] = []
        self.start = self.end = None
        self.groups: list[float] = []

    def on_train_start(self, trainer, pl_module) -> None:
        """Count the parameters of each optimizer group (weight decay / none), summing FSDP's shards."""
        strategy = trainer.strategy
        local = torch.tensor([float(sum(p.numel() for p in group["params"]))
                              for group in trainer.optimizers[0].param_groups], device=strategy.root_device)
        per_rank = strategy.all_gather(local).view(trainer.world_size, -1)  # (ranks, groups)
        sharded = isinstance(strategy, L.pytorch.strategies.FSDPStrategy)
        self.groups = ((per_rank.sum(0) if sharded else per_rank[0]) / 1e6).tolist()

    def _sync(self, trainer: L.Trainer) -> float:
        if trainer.strategy.root_device.type == "cuda":
            torch.cuda.synchronize(trainer.strategy.root_device)
        return time.perf_counter()

    def on_train_batch_start(self, trainer, pl_module, batch, batch_idx) -> None:
        if self.start is None and trainer.global_step == self.warmup and batch_idx % self.accumulate == 0:
            self.start = self._sync(trainer)

    def on_train_batch_end(self, trainer, pl_module, outputs, batch, batch_idx) -> None:
        self.losses.append(outputs["loss"].detach().float())  # already divided by `accumulate` (Lightning)
        if trainer.global_step == trainer.max_steps and (batch_idx + 1) % self.accumulate == 0:
            self.end = self._sync(trainer)

    def on_train_end(self, trainer, pl_module) -> None:
        strategy = trainer.strategy
        per_step = torch.stack(self.losses).view(-1, self.accumulate).sum(1)  # (steps,) this rank's mean
        losses = strategy.all_gather(per_step).view(trainer.world_size, -1).mean(0)  # (steps,) global mean
        memory = torch.tensor([0.0, 0.0], device=strategy.root_device)
        if strategy.root_device.type == "cuda":
            memory += torch.tensor([torch.cuda.max_memory_allocated(strategy.root_device),
                                    torch.cuda.max_memory_reserved(strategy.root_device)],
                                   device=strategy.root_device) / 2**30
        memory = strategy.all_gather(memory).view(trainer.world_size, 2)  # (ranks, 2) GiB
        if trainer.is_global_zero:
            write_atomic(Path(self.path), json.dumps({
                "seconds": self.end - self.start, "losses": losses.tolist(),
                "peak_allocated_gib": memory[:, 0].tolist(), "peak_reserved_gib": memory[:, 1].tolist(),
                "strategy": type(strategy).__name__, "world_size": trainer.world_size,
                "param_groups_M": self.groups}))


def build_tokenizers(quick: bool) -> tuple[Any, Any]:
    """Return the frozen (video, motion) tokenizers: the shipped ones, or tiny untrained ones (--quick)."""
    if not quick:
        return load_tokenizer(str(ASSETS / "video.pt")), load_tokenizer(str(ASSETS / "motion.pt"))
    video = TOKENIZERS.build("CausalVideoTokenizer", channels=8, channel_mult=[1, 2, 2, 2],
                             levels=[8, 5, 5], height=32, width=32)
    motion = TOKENIZERS.build("MotionVQVAETokenizer", codebook_size=32, code_dim=8, scale=2, width=16,
                              depth=1)
    return video, motion


def build_backbone(args: argparse.Namespace, video: Any, motion: Any) -> GPTBackbone:
    """Return the GPT backbone of the benchmark, with vocabularies covering both tokenizers."""
    vocab = {"special": 16, "video": video.vocab_size, "motion": motion.vocab_size}
    size = PRESETS["tiny"] if args.quick else PRESETS[args.size]
    return GPTBackbone(vocab_sizes=vocab, max_seq_len=8192, **size)


def build_task(args: argparse.Namespace) -> tuple[JointTask, tuple[int, int, int]]:
    """Return the joint task (seeded, so every configuration starts from the same weights) and its id grid."""
    L.seed_everything(args.seed, verbose=False)
    video, motion = build_tokenizers(args.quick)
    task = JointTask(build_backbone(args, video, motion), video, motion, layouts=LAYOUTS, lr=args.lr,
                     warmup_steps=args.warmup, seed=args.seed)
    _, h, w = video.latent_shape(1, video.height, video.width)
    return task, (args.latent_steps, h, w)


def plan(args: argparse.Namespace) -> dict[str, Any]:
    """Return what every configuration shares: tokens per clip per layout, the layout of every step, and
    the backbone's size (built on the meta device: no memory, no initialisation)."""
    video, motion = build_tokenizers(args.quick)
    _, h, w = video.latent_shape(1, video.height, video.width)
    s = motion_per_step(motion)
    mixture = LayoutMixture(LAYOUTS, seed=args.seed)
    ids = torch.zeros(1, args.latent_steps, h, w, dtype=torch.long), torch.zeros(1, args.latent_steps * s,
                                                                                  dtype=torch.long)
    with torch.device("meta"):
        backbone = build_backbone(args, video, motion)
    return {"grid": [args.latent_steps, h, w], "motion_per_step": s,
            "tokens_per_clip": {name: len(layout.arrange(*ids)) for name, layout in mixture.layouts.items()},
            "schedule": [mixture.pick(step)[0] for step in range(args.warmup + args.steps)],
            "params_M": backbone.num_params() / 1e6, "vocab_sizes": backbone.vocab_sizes}


def run_worker(args: argparse.Namespace) -> None:
    """Train one configuration (this process is rank 0; Lightning relaunches it for the other ranks)."""
    devices, strategy = CONFIGS[args.worker]
    accumulate = max(CONFIGS[c][0] for c in CONFIGS) // devices  # same global batch everywhere
    task, grid = build_task(args)
    if strategy == "fsdp":
        strategy = L.pytorch.strategies.FSDPStrategy(auto_wrap_policy={Block}, sharding_strategy="FULL_SHARD")
    steps = args.warmup + args.steps
    global_batch = args.batch_per_gpu * devices * accumulate
    data = GlobalBatches(steps, global_batch, args.batch_per_gpu, grid, task.motion_per_step,
                         task.backbone.vocab_sizes, args.seed)
    loader = DataLoader(data, batch_size=args.batch_per_gpu, num_workers=args.loader_workers,
                        persistent_workers=args.loader_workers > 0, pin_memory=not args.quick)
    recorder = ScalingRecorder(args.result, args.warmup, accumulate)
    trainer = L.Trainer(accelerator="cpu" if args.quick else "gpu", devices=devices, strategy=strategy,
                        precision="32-true" if args.quick else "bf16-mixed", max_steps=steps,
                        accumulate_grad_batches=accumulate, limit_val_batches=0, logger=False,
                        enable_checkpointing=False, enable_progress_bar=False, enable_model_summary=False,
                        callbacks=[recorder], num_sanity_val_steps=0, use_distributed_sampler=False,
                        gradient_clip_val=args.clip or None)
    trainer.fit(task, train_dataloaders=loader)


def run_config(name: str, args: argparse.Namespace, argv: list[str]) -> dict:
    """Run one configuration in a fresh process group; return its record (or its error)."""
    with tempfile.TemporaryDirectory() as tmp:
        result = Path(tmp) / "result.json"
        cmd = [sys.executable, str(Path(__file__).resolve()), *argv, "--worker", name, "--result",
               str(result)]
        env = {k: v for k, v in os.environ.items() if k not in {"RANK", "LOCAL_RANK", "WORLD_SIZE"}}
        env.setdefault("OMP_NUM_THREADS", "1" if args.quick else "8")
        env.update(NO_MULTICAST)
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, env=env, text=True, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                start_new_session=True)
        try:
            out, _ = proc.communicate(timeout=args.timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)  # the ranks Lightning started belong to this group
            out, _ = proc.communicate()
            return {"error": f"timed out after {args.timeout} s", "output_tail": out[-3000:]}
        wall = time.perf_counter() - start
        if proc.returncode != 0 or not result.exists():
            return {"error": f"exit code {proc.returncode}", "output_tail": out[-3000:]}
        return {**json.loads(result.read_text()), "wall_s": wall}


def summarise(name: str, record: dict, args: argparse.Namespace, shared: dict, base: dict | None) -> dict:
    """Add tokens/s, per-GPU figures, efficiency and the loss-curve difference to a configuration's record."""
    devices, _ = CONFIGS[name]
    global_batch = args.batch_per_gpu * max(d for d, _ in CONFIGS.values())
    lengths = shared["tokens_per_clip"]
    tokens = global_batch * sum(lengths[layout] for layout in shared["schedule"][args.warmup:])  # timed
    tps = tokens / record["seconds"]
    out = {**record, "devices": devices, "global_batch": global_batch, "micro_batch": args.batch_per_gpu,
           "timed_tokens": tokens, "step_ms": 1000 * record["seconds"] / args.steps, "tokens_per_s": tps,
           "tokens_per_s_per_gpu": tps / devices}
    if base is not None and "error" not in base:
        out["scaling_efficiency"] = out["tokens_per_s_per_gpu"] / base["tokens_per_s_per_gpu"]
        diffs = [abs(a - b) for a, b in zip(record["losses"], base["losses"], strict=True)]
        out["loss_max_abs_diff"] = max(diffs)
        out["loss_max_rel_diff"] = max(d / abs(b) for d, b in zip(diffs, base["losses"], strict=True))
    return out


def markdown(report: dict) -> str:
    """Render the configurations as a Markdown table with the setup and the notes needed to read it."""
    fmt = lambda v, f: "-" if v is None else format(v, f)  # noqa: E731
    lines = [f"# Multi-GPU scaling of the joint model ({report['device']})", "",
             "| config | GPUs | strategy | tok/s | tok/s per GPU | scaling eff. | step (ms) | peak alloc / "
             "reserved per GPU (GiB) | max abs loss diff vs 1 GPU | max rel diff | "
             "decay / no-decay params (M) |",
             "|" + "---|" * 11]
    for name, r in report["configs"].items():
        if "error" in r:
            lines.append(f"| {name} | {CONFIGS[name][0]} | - | {r['error']} |" + " |" * 7)
            continue
        memory = ", ".join(f"{a:.1f} / {b:.1f}" for a, b in zip(r["peak_allocated_gib"],
                                                                 r["peak_reserved_gib"], strict=True))
        lines.append(f"| {name} | {r['devices']} | {r['strategy']} | {r['tokens_per_s']:.0f} | "
                     f"{r['tokens_per_s_per_gpu']:.0f} | {fmt(r.get('scaling_efficiency'), '.1%')} | "
                     f"{r['step_ms']:.1f} | {memory} | {fmt(r.get('loss_max_abs_diff'), '.2e')} | "
                     f"{fmt(r.get('loss_max_rel_diff'), '.2e')} | "
                     f"{' / '.join(format(g, '.2f') for g in r.get('param_groups_M', []))} |")
    p, a = report["plan"], report["args"]
    size = "tiny" if a["quick"] else a["size"]
    lines += ["", f"Model: GPTBackbone `{size}`, {p['params_M']:.3g}M parameters "
              f"(vocabularies {p['vocab_sizes']}); layouts {LAYOUTS}; tokens per clip {p['tokens_per_clip']} "
              f"(id grid {p['grid']}, {p['motion_per_step']} motion ids per step). Global batch "
              f"{a['batch_per_gpu'] * 2} clips per optimizer step ({a['batch_per_gpu']} per GPU; 1 GPU "
              f"accumulates 2 micro-batches); {a['warmup']} untimed + {a['steps']} timed steps; precision "
              f"{report['precision']}; lr {a['lr']}; gradient clipping by norm at {a['clip'] or 'none'}; "
              "no torch.compile; NCCL_NVLS_ENABLE=0.", "",
              "Scaling efficiency = tokens/s per GPU over the 1-GPU figure. Loss: the global-batch mean of "
              "every optimizer step, compared step by step with the 1-GPU run (plot: multi_gpu_loss.png). "
              "Under bf16-mixed, Lightning's FSDP gathers parameters, reduces gradients and keeps buffers in "
              "bf16 (`MixedPrecision(param/reduce/buffer_dtype=bf16)`), while DDP and 1 GPU compute under "
              "autocast from fp32 weights and reduce fp32 gradients: FSDP's curve may drift further.",
              "", efficiency_verdict(report), "",
              f"Versions: torch {report['torch']}, lightning {report['lightning']}, "
              f"Python {report['python']}; "
              f"commit {report['commit']}. Reproduce: `{report['command']}`."]
    return "\n".join(lines) + "\n"


def efficiency_verdict(report: dict, target: float = 0.9) -> str:
    """Say which 2-GPU configurations reach the issue's scaling-efficiency target."""
    runs = {name: r["scaling_efficiency"] for name, r in report["configs"].items()
            if "scaling_efficiency" in r}
    parts = [f"{name} {e:.1%} ({'meets' if e >= target else 'misses'})" for name, e in runs.items()]
    return f"Scaling-efficiency target >= {target:.0%} (issue #10): {'; '.join(parts) or 'not measured'}."


def plot(report: dict, path: Path) -> None:
    """Loss per step of every configuration (one line per layout: their losses differ), and its difference
    from the 1-GPU curve."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (top, bottom) = plt.subplots(2, 1, figsize=(7, 6), sharex=True, height_ratios=[2, 1])
    schedule = report["plan"]["schedule"]
    base = report["configs"].get("1gpu", {}).get("losses")
    styles = {"1gpu": dict(linewidth=2.5, alpha=0.5), "ddp": dict(marker="o", markersize=3, linewidth=1),
              "fsdp": dict(marker="x", markersize=4, linewidth=1, linestyle="--")}
    for name, r in report["configs"].items():
        if "losses" not in r:
            continue
        for layout in sorted(set(schedule)):
            steps = [k for k, used in enumerate(schedule) if used == layout]
            top.plot([k + 1 for k in steps], [r["losses"][k] for k in steps], label=f"{name} {layout}",
                     **styles.get(name, {}))
        if base is not None and name != "1gpu":
            bottom.plot(range(1, len(base) + 1), [a - b for a, b in zip(r["losses"], base, strict=True)],
                        label=f"{name} - 1gpu", **styles.get(name, {}))
    top.axvline(report["args"]["warmup"] + 0.5, color="k", linestyle=":", linewidth=1)  # timing starts
    top.set_ylabel("train loss (global batch)")
    top.legend(fontsize=7, ncol=2)
    bottom.axhline(0, color="k", linewidth=0.8)
    bottom.set_xlabel("optimizer step")
    bottom.set_ylabel("difference")
    bottom.legend(fontsize=8)
    fig.suptitle(f"Joint model, same seed and global batch ({report['device']})", fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--configs", nargs="+", default=None, choices=list(CONFIGS),
                   help="default: all (--quick: 1gpu ddp; FSDP needs CUDA)")
    p.add_argument("--size", default="350m", choices=[k for k in PRESETS if k != "tiny"])
    p.add_argument("--batch_per_gpu", type=int, default=None, help="clips per GPU per step (default 16)")
    p.add_argument("--latent_steps", type=int, default=None, help="video latent steps per clip (default 30)")
    p.add_argument("--warmup", type=int, default=None, help="untimed optimizer steps (default 10)")
    p.add_argument("--steps", type=int, default=None, help="timed optimizer steps (default 30)")
    p.add_argument("--lr", type=float, default=3e-4)
    p.add_argument("--clip", type=float, default=1.0, help="gradient clipping by norm (0: none)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--loader_workers", type=int, default=None, help="DataLoader workers (default 1)")
    p.add_argument("--timeout", type=int, default=None, help="seconds per configuration (default 300)")
    p.add_argument("--out", type=Path, default=None, help="output folder (default benchmarks/results)")
    p.add_argument("--quick", action="store_true", help="CPU, gloo, tiny model, 2 processes, output to /tmp")
    p.add_argument("--worker", choices=list(CONFIGS), help=argparse.SUPPRESS)  # internal: run one config
    p.add_argument("--result", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    defaults = {"batch_per_gpu": (2, 16), "latent_steps": (3, 30), "warmup": (2, 10), "steps": (4, 30),
                "loader_workers": (0, 1), "timeout": (150, 300)}
    defaults["configs"] = (["1gpu", "ddp"], list(CONFIGS))
    for key, (quick, full) in defaults.items():
        if getattr(args, key) is None:
            setattr(args, key, quick if args.quick else full)
    args.out = args.out or Path("/tmp/unimo_bench" if args.quick else Path(__file__).parent / "results")
    return args


def main(argv: list[str] | None = None) -> dict | None:
    """Run every configuration and write ``multi_gpu.json``, ``multi_gpu.md`` and ``multi_gpu_loss.png``."""
    argv = list(sys.argv[1:] if argv is None else argv)
    args = parse_args(argv)
    if args.worker:
        run_worker(args)
        return None
    if not args.quick and torch.cuda.device_count() < 2:
        sys.exit(f"multi_gpu.py needs 2 GPUs (found {torch.cuda.device_count()}); use --quick on CPU")
    os.environ.update(NO_MULTICAST)
    shared = plan(args)
    devices = ["cpu"] if args.quick else ["cuda:0", "cuda:1"]
    report = {"device": " + ".join(device_name(d) for d in devices),
              "torch": torch.__version__, "lightning": L.__version__, "python": sys.version.split()[0],
              "commit": git_commit(), "command": "python benchmarks/multi_gpu.py " + " ".join(argv),
              "precision": "32-true (CPU)" if args.quick else "bf16-mixed",
              "args": {k: str(v) if isinstance(v, Path) else v for k, v in vars(args).items()},
              "plan": shared, "configs": {}}
    for name in ["1gpu", *[c for c in args.configs if c != "1gpu"]]:  # the baseline first
        print(f"[multi_gpu] {name} ...", file=sys.stderr, flush=True)
        if args.quick and name == "fsdp":
            report["configs"][name] = {"error": "skipped: Lightning's FSDPStrategy needs CUDA devices"}
            continue
        record = run_config(name, args, argv)
        base = report["configs"].get("1gpu") if name != "1gpu" else None
        report["configs"][name] = record if "error" in record else summarise(name, record, args, shared, base)
        print(f"[multi_gpu] {name}: {json.dumps(report['configs'][name])[:400]}", file=sys.stderr, flush=True)
        write_atomic(args.out / "multi_gpu.json", json.dumps(report, indent=2))  # keep partial results
    write_atomic(args.out / "multi_gpu.md", markdown(report))
    plot(report, args.out / "multi_gpu_loss.png")
    print(markdown(report))
    return report


if __name__ == "__main__":
    main()
