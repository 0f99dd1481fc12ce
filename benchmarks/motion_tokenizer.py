"""Reconstruction quality of the UniMo motion tokenizer: expert vs single decoder, scale s, codebook size.

Usage from the repository root (``pip install -e .`` or ``PYTHONPATH=.``)::

    python benchmarks/motion_tokenizer.py --device cuda            # 8 variants x 45 s + ~1 min, one H100
    python benchmarks/motion_tokenizer.py --quick                  # CPU smoke run, writes to /tmp

Every variant is trained from scratch on the same synthetic motions (``unimo.data.synthetic``, exact
ground truth) and evaluated on held-out synthetic motions and on the real mocap in ``--real-dir``
(AMASS, SMPL-X; loaded with ``unimo.data.load_motion``, never used for training). Training stops at
``--steps`` or after ``--seconds`` per variant, whichever comes first; the learning-rate schedule follows
whichever is further along, so a time-capped run still anneals.

Metrics (``unimo.metrics.motion``; joints from the licence-free mannequin body, 22 joints) compare the
round trip ``decode(encode(x))`` with the canonicalised input (same frame, see
``unimo.tokenizers.motion_features``): MPJPE (hip-centred, mm), PA-MPJPE (per-frame Procrustes, mm),
acceleration error (mm/frame^2), per-parameter errors, codebook usage (fraction of the vocabulary used
on the held-out synthetic set), and the diagnostic ``mpjpe_true_betas_mm``: MPJPE with the reconstructed
betas replaced by the true ones, i.e. the pose-only error (a betas error of 1 on beta_0 alone costs ~32 mm
MPJPE on the mannequin body, so shape matters as much as pose here). Writes JSON + a Markdown table with
the full config, device and versions.

Variants: ``experts_*`` = ``MotionVQVAETokenizer`` (expert decoders), ``single_*`` = single decoder,
``s<k>`` = tokens per latent step, ``k<K>`` = codebook size, ``fsq_*`` = ``MotionFSQTokenizer``,
``*_no_joint_loss`` = joint-position loss off, ``*_augment10`` = 10 degree pose augmentation
(``perturb_pose``), ``*_speed2`` / ``*_speed3`` = training windows played 1-2x / 1-3x faster
(``--max-speed``; the generator's motions are slower than mocap: joint speed p90 33 vs 118 mm/frame on the
AMASS clip at 20 fps), ``*_wiggle5`` = a 5 degree oscillation on every joint (``perturb_pose(wiggle_deg=)``).
All share width/depth/code_dim and the same time budget.
"""

from __future__ import annotations

import argparse
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

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from common import device_name, export_fp16, git_commit, single_thread_pool, write_atomic  # noqa: E402

from unimo.metrics.codebook import CodebookUsage  # noqa: E402
from unimo.metrics.motion import MPJPE, PAMPJPE, AccelError  # noqa: E402
from unimo.tasks.motion_tokenizer import parameter_errors  # noqa: E402
from unimo.tokenizers import TOKENIZERS  # noqa: E402
from unimo.tokenizers.loading import export_tokenizer, load_tokenizer, save_atomic  # noqa: E402
from unimo.tokenizers.motion_augment import perturb_pose  # noqa: E402
from unimo.tokenizers.motion_losses import MotionLossWeights, body_joints  # noqa: E402

MAIN = "experts_s4_k1024"
VQ, SINGLE, FSQ = "MotionVQVAETokenizer", "MotionVQVAESingleDecoderTokenizer", "MotionFSQTokenizer"
# name: (registered class, arguments on top of the shared size arguments, overrides of
# {"loss_weights": {...}, "pose_noise_deg": ...} for this variant)
VARIANTS: dict[str, tuple[str, dict[str, Any], dict[str, Any]]] = {
    "experts_s4_k1024": (VQ, {"scale": 4, "codebook_size": 1024}, {}),
    # the main configuration again, trained for --seconds like the ablations (the main run may train longer)
    "experts_s4_k1024_equal_budget": (VQ, {"scale": 4, "codebook_size": 1024}, {}),
    "single_s4_k1024": (SINGLE, {"scale": 4, "codebook_size": 1024}, {}),
    "experts_s2_k1024": (VQ, {"scale": 2, "codebook_size": 1024}, {}),
    "experts_s1_k1024": (VQ, {"scale": 1, "codebook_size": 1024}, {}),
    "experts_s4_k512": (VQ, {"scale": 4, "codebook_size": 512}, {}),
    "experts_s4_k1024_no_joint_loss": (VQ, {"scale": 4, "codebook_size": 1024},
                                       {"loss_weights": {"joints": 0.0}}),
    "fsq_s4_1000": (FSQ, {"scale": 4, "levels": [8, 5, 5, 5]}, {}),
    "experts_s4_k1024_augment10": (VQ, {"scale": 4, "codebook_size": 1024}, {"pose_noise_deg": 10.0}),
    # windows played 1x, 2x or 3x faster (every k-th frame): the generator's motions are slow next to mocap
    "experts_s4_k1024_speed3": (VQ, {"scale": 4, "codebook_size": 1024}, {"max_speed": 3}),
    "experts_s4_k1024_speed2": (VQ, {"scale": 4, "codebook_size": 1024}, {"max_speed": 2}),
    # shape also decoded from the unquantized latents: a direct gradient for the encoder to carry body shape
    "experts_s4_k1024_speed2_latent_shape": (VQ, {"scale": 4, "codebook_size": 1024,
                                                  "latent_shape_weight": 1.0}, {"max_speed": 2}),
    # the same at a fifth of the weight: on the H100 weight 1 learned shape (betas error 0.15) at some cost
    # in pose on the real clips (session 19); does less shape pressure keep more pose?
    "experts_s4_k1024_speed2_latent_shape_light": (VQ, {"scale": 4, "codebook_size": 1024,
                                                        "latent_shape_weight": 0.2}, {"max_speed": 2}),
    # latent shape term + shape decoded once per clip: each token then needs to carry only part of the shape
    "experts_s4_k1024_speed2_latent_shape1": (VQ, {"scale": 4, "codebook_size": 1024,
                                                   "latent_shape_weight": 1.0, "constant_groups": ["betas"]},
                                              {"max_speed": 2}),
    "fsq_s4_1000_speed2": (FSQ, {"scale": 4, "levels": [8, 5, 5, 5]}, {"max_speed": 2}),
    # joints that never rest: a 5 degree oscillation per joint and axis (0.5-4 cycles per window)
    "fsq_s4_1000_speed2_wiggle5": (FSQ, {"scale": 4, "levels": [8, 5, 5, 5]},
                                   {"max_speed": 2, "wiggle_deg": 5.0}),
    # rate-distortion: 8 ids per latent step (2 per frame) from the same single codebook
    "experts_s8_k1024_speed2": (VQ, {"scale": 8, "codebook_size": 1024}, {"max_speed": 2}),
    # encoder gradients through the quantizer by the rotation trick instead of straight-through
    "experts_s4_k1024_speed2_rotation": (VQ, {"scale": 4, "codebook_size": 1024, "gradient": "rotation"},
                                         {"max_speed": 2}),
    # body shape decoded once per clip (the time average of the shape expert): tokens share the betas
    "experts_s4_k1024_speed2_shape1": (VQ, {"scale": 4, "codebook_size": 1024, "constant_groups": ["betas"]},
                                       {"max_speed": 2}),
}
QUICK_VARIANTS = ["experts_s4_k1024", "single_s4_k1024", "experts_s1_k1024"]


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    p.add_argument("--quick", action="store_true", help="tiny sizes for a CPU smoke run (results to /tmp)")
    p.add_argument("--variants", nargs="+", choices=sorted(VARIANTS), default=None)
    p.add_argument("--steps", type=int, default=6000, help="max training steps per variant")
    p.add_argument("--seconds", type=float, default=45.0, help="max training seconds per variant")
    p.add_argument("--main-seconds", type=float, default=None,
                   help="training seconds of the main variant (default: --seconds), the exported one")
    p.add_argument("--batch-size", type=int, default=256)
    p.add_argument("--num-frames", type=int, default=64, help="training window length")
    p.add_argument("--fps", type=float, default=20.0)
    p.add_argument("--train-clips", type=int, default=4096)
    p.add_argument("--eval-clips", type=int, default=512)
    p.add_argument("--width", type=int, default=256)
    p.add_argument("--depth", type=int, default=3)
    p.add_argument("--code-dim", type=int, default=64)
    p.add_argument("--lr", type=float, default=1e-3)
    p.add_argument("--warmup", type=int, default=200)
    p.add_argument("--pose-noise-deg", type=float, default=0.0, help="training pose augmentation (0: off)")
    p.add_argument("--max-speed", type=int, default=1,
                   help="speed augmentation: each training window plays 1..N times faster (every k-th frame)")
    p.add_argument("--compile", action="store_true",
                   help="torch.compile the training loss from step 2 on (compile time counts in --seconds)")
    p.add_argument("--loss-weights", type=json.loads, default={}, help="JSON overrides: '{\"betas\": 5}'")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--motion-cache", type=Path, default=None,
                   help="keep generated motions here and reuse them (parallel runs generate them once; "
                        "keyed by count, length, fps and seed: empty it after changing the generator)")
    p.add_argument("--data-only", action="store_true", help="generate (and cache) the motions, then stop")
    real_dir = Path(os.environ.get("UNIMO_REAL_DATA", ROOT.parent / "shared/data/real"))
    p.add_argument("--real-dir", type=Path, default=real_dir)
    p.add_argument("--out", type=Path, default=None, help="JSON path (default: results/, /tmp if --quick)")
    p.add_argument("--export", type=Path, default=None,
                   help="export the main variant's tokenizer here (fp16 weights, with provenance)")
    p.add_argument("--export-dir", type=Path, default=None, help="export every variant here as <variant>.pt")
    p.add_argument("--real-speeds", type=float, nargs="+", default=[], metavar="FACTOR",
                   help="with --evaluate: also score the real clips played FACTOR times as fast (resampled "
                        "to fps / FACTOR): how much of their error is speed")
    p.add_argument("--init", type=Path, default=None, metavar="EXPORT",
                   help="start every variant from this exported tokenizer's weights and feature statistics "
                        "(fresh optimizer and warmup): continue a run across device calls")
    p.add_argument("--evaluate", type=Path, nargs="+", default=None, metavar="EXPORT",
                   help="score these exported tokenizers (no training); rows are named by file stem "
                        "(folder/stem where stems repeat)")
    args = p.parse_args(argv)
    if args.quick:
        args.__dict__.update(steps=min(args.steps, 300), seconds=min(args.seconds, 25.0), batch_size=32,
                             num_frames=32, train_clips=256, eval_clips=32, width=64, depth=2, code_dim=32,
                             lr=2e-3, warmup=30)
        args.variants = args.variants or QUICK_VARIANTS
    args.variants = args.variants or list(VARIANTS)
    quick_out = Path("/tmp/motion_tokenizer_quick.json")
    args.out = args.out or (quick_out if args.quick else ROOT / "benchmarks/results/motion_tokenizer.json")
    return args


# ---------------------------------------------------------------------- data
def _one_clip(job: tuple[int, int, float]) -> np.ndarray:
    from unimo.data.synthetic.motion_generator import generate_motion

    seed, frames, fps = job
    # A few generator seeds fail (e.g. seed 709 at 128 frames, 20 fps: a dance segment too short to spin).
    for attempt in range(5):
        try:
            return generate_motion(seed + attempt * 10**7, frames, fps).to_tensor().numpy()
        except ValueError:
            continue
    raise RuntimeError(f"generate_motion failed for seed {seed} and 4 fallback seeds")


def synthetic_motions(num: int, frames: int, fps: float, first_seed: int) -> torch.Tensor:
    """Return ``(num, frames, 79)`` synthetic motions, generated in parallel processes (CPU)."""
    jobs = [(first_seed + i, frames, fps) for i in range(num)]
    workers = max(1, min(16, (os.cpu_count() or 1)))
    if workers == 1 or num < 64:
        return torch.from_numpy(np.stack([_one_clip(j) for j in jobs]))
    with single_thread_pool(workers) as pool:
        return torch.from_numpy(np.stack(list(pool.map(_one_clip, jobs, chunksize=32))))


def cached_motions(cache: Path | None, num: int, frames: int, fps: float, first_seed: int) -> torch.Tensor:
    """``synthetic_motions``, read from / saved to ``cache`` (a directory) when one is given."""
    if cache is None:
        return synthetic_motions(num, frames, fps, first_seed)
    path = cache / f"motions_n{num}_t{frames}_fps{fps:g}_seed{first_seed}.pt"
    if path.exists():
        return torch.load(path)
    motions = synthetic_motions(num, frames, fps, first_seed)
    cache.mkdir(parents=True, exist_ok=True)
    save_atomic(motions, path)
    return motions


def real_motions(real_dir: Path, fps: float) -> dict[str, torch.Tensor]:
    """Return every motion file in ``real_dir`` resampled to ``fps`` as ``{stem: (1, T, 79)}``."""
    from unimo.data import load_motion

    out = {}
    for path in sorted(real_dir.glob("*.npz")) if real_dir.is_dir() else []:
        out[path.stem] = load_motion(path, target_fps=fps).to_tensor()[None].float()
    return out


# ---------------------------------------------------------------------- train / evaluate
def lr_factor(progress: float, warmup_fraction: float) -> float:
    """Linear warmup then cosine decay to 5% of the peak, on training progress in [0, 1]."""
    if progress < warmup_fraction:
        return (progress + 1e-3) / warmup_fraction
    rest = (progress - warmup_fraction) / max(1 - warmup_fraction, 1e-6)
    return 0.05 + 0.95 * 0.5 * (1 + math.cos(math.pi * min(rest, 1.0)))


def train(tokenizer: torch.nn.Module, data: torch.Tensor, args: argparse.Namespace,
          pose_noise_deg: float, seconds: float, max_speed: int = 1,
          wiggle_deg: float = 0.0) -> dict[str, Any]:
    """Train on random windows of ``data`` ``(N, L, 79)`` (on the device) until steps or seconds run out.

    ``max_speed`` k > 1: each window takes every j-th frame, j uniform in 1..k, so it plays j times faster
    (exact frames, no interpolation); ``data`` must hold ``(num_frames - 1) * k + 1`` frames."""
    opt = torch.optim.AdamW(tokenizer.parameters(), lr=args.lr, betas=(0.9, 0.99))
    gen = torch.Generator(device="cpu").manual_seed(args.seed)
    tokenizer.train()
    loss_fn = tokenizer.loss
    start, step, log = time.perf_counter(), 0, []
    warm = args.warmup / args.steps
    while True:
        elapsed = time.perf_counter() - start
        progress = max(step / args.steps, elapsed / seconds)
        if progress >= 1.0:
            break
        for group in opt.param_groups:
            group["lr"] = args.lr * lr_factor(progress, warm)
        clip = torch.randint(0, data.shape[0], (args.batch_size,), generator=gen)
        speed = torch.randint(1, max_speed + 1, (args.batch_size, 1), generator=gen)
        span = (args.num_frames - 1) * speed + 1  # (B, 1) frames a window covers
        offset = (torch.rand(args.batch_size, 1, generator=gen) * (data.shape[1] - span + 1)).long()
        frames = offset + speed * torch.arange(args.num_frames)  # (B, T)
        batch = data[clip[:, None].to(data.device), frames.to(data.device)]  # (B, T, 79)
        batch = perturb_pose(batch, pose_noise_deg, wiggle_deg=wiggle_deg)
        losses = loss_fn(batch)
        opt.zero_grad(set_to_none=True)
        losses["loss"].backward()
        torch.nn.utils.clip_grad_norm_(tokenizer.parameters(), 1.0)
        opt.step()
        step += 1
        if step == 1 and args.compile:  # after the data-dependent codebook init of the first step
            loss_fn = torch.compile(tokenizer.loss)
        if step % 200 == 0 or step == 1:
            log.append({"step": step, **{k: round(float(v.detach()), 4) for k, v in losses.items()}})
            print(f"  step {step} ({time.perf_counter() - start:.0f} s): {log[-1]}", flush=True)
    if data.device.type == "cuda":
        torch.cuda.synchronize()
    return {"steps": step, "train_seconds": round(time.perf_counter() - start, 1), "log": log}


@torch.no_grad()
def evaluate(tokenizer: torch.nn.Module, motions: list[torch.Tensor], batch_size: int = 64
             ) -> dict[str, float]:
    """Round-trip ``motions`` (each ``(B, T, 79)``) through ids; return joint and parameter errors."""
    tokenizer.eval()
    metrics = {"mpjpe_mm": MPJPE(), "pa_mpjpe_mm": PAMPJPE(), "accel_mm_f2": AccelError(),
               "mpjpe_true_betas_mm": MPJPE()}
    usage = CodebookUsage(tokenizer.vocab_size)
    params: dict[str, list[float]] = {}
    for group in motions:
        for chunk in group.split(batch_size):
            ids = tokenizer.encode(chunk)
            usage.update(ids.cpu())
            recon = tokenizer.decode(ids, num_frames=chunk.shape[1])
            target = tokenizer.features.canonicalize(chunk)
            pred_j, target_j = body_joints(recon).cpu(), body_joints(target).cpu()
            for key, metric in metrics.items():
                if key != "mpjpe_true_betas_mm":
                    metric.update(pred_j, target_j)
            for k, v in parameter_errors(recon, target).items():
                params.setdefault(k, []).append(float(v) * chunk.shape[0])
            # Diagnostic: the pose-only error, with the reconstruction's betas replaced by the input's.
            recon[..., 63:73] = target[..., 63:73]
            metrics["mpjpe_true_betas_mm"].update(body_joints(recon).cpu(), target_j)
    total = sum(g.shape[0] for g in motions)
    out = {k: round(float(m.compute()), 2) for k, m in metrics.items()}
    out.update({k: round(sum(v) / total, 3) for k, v in params.items()})
    out["codebook_usage"] = round(float(usage.compute()["usage"]), 4)
    return out


def run_variant(name: str, args: argparse.Namespace, train_data: torch.Tensor, eval_data: torch.Tensor,
                real: dict[str, torch.Tensor]) -> dict[str, Any]:
    cls, extra, overrides = VARIANTS[name]
    weights = MotionLossWeights(**{**args.loss_weights, **overrides.get("loss_weights", {})})
    kwargs = {"width": args.width, "depth": args.depth, **extra, "loss_weights": weights}
    if cls != "MotionFSQTokenizer":
        kwargs["code_dim"] = args.code_dim
    torch.manual_seed(args.seed)
    tokenizer = TOKENIZERS.build(cls, **kwargs).to(args.device)
    if args.init is not None:
        load_weights(tokenizer, args.init, name)
    else:
        tokenizer.fit_normalization(train_data[i: i + 256] for i in range(0, min(len(train_data), 2048), 256))
    pose_noise_deg = overrides.get("pose_noise_deg", args.pose_noise_deg)
    max_speed = overrides.get("max_speed", args.max_speed)
    wiggle_deg = overrides.get("wiggle_deg", 0.0)
    result = {"class": cls, "tokenizer": tokenizer.config(), "tokens_per_frame": tokenizer.tokens_per_frame,
              "pose_noise_deg": pose_noise_deg, "max_speed": max_speed, "wiggle_deg": wiggle_deg,
              "params_m": round(sum(p.numel() for p in tokenizer.parameters()) / 1e6, 2)}
    body_joints(train_data[:1, :2])  # build the body model before the training clock starts
    is_main = name == (MAIN if MAIN in args.variants else args.variants[0])
    seconds = args.main_seconds if is_main and args.main_seconds else args.seconds
    result.update(train(tokenizer, train_data, args, pose_noise_deg, seconds, max_speed, wiggle_deg))
    result["synthetic"] = evaluate(tokenizer, [eval_data])
    result["real"] = {stem: evaluate(tokenizer, [m.to(args.device)]) for stem, m in real.items()}
    if args.export is not None and is_main:  # the shippable file: fp16 weights, with how it was made
        provenance = {"benchmark": "benchmarks/motion_tokenizer.py", "argv": sys.argv[1:], "variant": name,
                      "steps": result["steps"], "train_seconds": result["train_seconds"],
                      "device": device_name(args.device), "git_commit": git_commit()}
        result["export_megabytes"] = export_fp16(tokenizer, args.export, provenance)
    if args.export_dir is not None:
        args.export_dir.mkdir(parents=True, exist_ok=True)
        export_tokenizer(tokenizer, args.export_dir / f"{name}.pt")
    print(f"{name}: {result['steps']} steps in {result['train_seconds']} s | "
          f"synthetic {result['synthetic']} | real {result['real']}", flush=True)
    return result


def load_weights(tokenizer: torch.nn.Module, path: Path, variant: str) -> None:
    """Copy an export's weights and normalisation buffers into ``tokenizer`` (same architecture required)."""
    source = load_tokenizer(path, map_location="cpu")
    try:
        tokenizer.load_state_dict(source.state_dict())
    except RuntimeError as err:
        raise SystemExit(f"--init {path}: its weights do not fit variant {variant} at this --width/--depth/"
                         f"--code-dim ({type(source).__name__} {source.config()}): {err}") from err


# ---------------------------------------------------------------------- report
def markdown(results: dict[str, Any]) -> str:
    """Return a Markdown table of every variant (real = the first real clip, usually the AMASS one)."""
    real_name = next(iter(results["real_clips"]), None)
    head = ("| variant | tokens/frame | params (M) | steps | synthetic MPJPE | PA-MPJPE | accel | "
            f"MPJPE, true betas | real MPJPE ({real_name}) | real PA-MPJPE | real MPJPE, true betas | "
            "codebook usage |")
    rows = [head, "|" + "---|" * 12]
    for name, r in results["variants"].items():
        s, real = r["synthetic"], r["real"].get(real_name, {})
        rows.append(f"| {name} | {r['tokens_per_frame']:.2f} | {r['params_m']} | {r['steps']} | "
                    f"{s['mpjpe_mm']} | {s['pa_mpjpe_mm']} | {s['accel_mm_f2']} | "
                    f"{s['mpjpe_true_betas_mm']} | "
                    f"{real.get('mpjpe_mm', '-')} | {real.get('pa_mpjpe_mm', '-')} | "
                    f"{real.get('mpjpe_true_betas_mm', '-')} | {s['codebook_usage']:.1%} |")
    notes = (f"\nMPJPE/PA-MPJPE in mm, accel in mm/frame^2 at {results['config']['fps']} fps; device: "
             f"{results['device']}; main variant: {results['config']['main_variant']}.\n")
    return "\n".join(rows) + "\n" + notes






def main(argv: list[str] | None = None) -> dict[str, Any]:
    args = parse_args(argv)
    torch.backends.cudnn.benchmark = True
    t0 = time.perf_counter()
    if args.evaluate:
        return evaluate_exports(args, t0)
    # Data first: worker processes must fork before CUDA is initialised.
    max_speed = max([args.max_speed] + [VARIANTS[v][2].get("max_speed", 1) for v in args.variants])
    train_frames = max(2 * args.num_frames, (args.num_frames - 1) * max_speed + 1)
    train_data = cached_motions(args.motion_cache, args.train_clips, train_frames, args.fps, args.seed)
    eval_data = cached_motions(args.motion_cache, args.eval_clips, args.num_frames, args.fps,
                               10**6 + args.seed)
    if args.data_only:
        print(f"motions {tuple(train_data.shape)} + {tuple(eval_data.shape)} in "
              f"{time.perf_counter() - t0:.0f} s (cache: {args.motion_cache})")
        return {}
    real = real_motions(args.real_dir, args.fps)
    print(f"data: {tuple(train_data.shape)} train, {tuple(eval_data.shape)} eval, real {list(real)} "
          f"in {time.perf_counter() - t0:.1f} s", flush=True)
    train_data, eval_data = train_data.to(args.device), eval_data.to(args.device)
    main_name = MAIN if MAIN in args.variants else args.variants[0]
    results: dict[str, Any] = {
        "config": {**{k: str(v) if isinstance(v, Path) else v for k, v in vars(args).items()},
                   "main_variant": main_name},
        "device": device_name(args.device),
        "versions": {"python": platform.python_version(), "torch": torch.__version__},
        "real_clips": {k: int(v.shape[1]) for k, v in real.items()},
        "variants": {},
    }
    for name in args.variants:
        results["variants"][name] = run_variant(name, args, train_data, eval_data, real)
        write_atomic(args.out.with_suffix(".partial.json"), json.dumps(results, indent=2) + "\n")
    return finish(args, results, main_name, t0)


def evaluate_exports(args: argparse.Namespace, t0: float) -> dict[str, Any]:
    """Score each ``--evaluate`` export on the same held-out synthetic and real motions as training runs."""
    eval_data = synthetic_motions(args.eval_clips, args.num_frames, args.fps, first_seed=10**6 + args.seed)
    real = real_motions(args.real_dir, args.fps)
    names = row_names(args.evaluate)
    results: dict[str, Any] = {
        "config": {**{k: str(v) if isinstance(v, Path) else v for k, v in vars(args).items()},
                   "evaluate": [str(p) for p in args.evaluate], "main_variant": names[0]},
        "device": device_name(args.device),
        "versions": {"python": platform.python_version(), "torch": torch.__version__},
        "real_clips": {k: int(v.shape[1]) for k, v in real.items()}, "variants": {},
    }
    for path, name in zip(args.evaluate, names, strict=True):
        tokenizer = load_tokenizer(path, map_location=args.device)
        stored = torch.load(path, map_location="cpu", weights_only=False)
        provenance = (stored.get("provenance") if isinstance(stored, dict) else None) or {}
        row = {"loaded_from": str(path), "class": type(tokenizer).__name__, "tokenizer": tokenizer.config(),
               "tokens_per_frame": tokenizer.tokens_per_frame, "provenance": provenance,
               "megabytes": round(path.stat().st_size / 2**20, 2), "steps": provenance.get("steps", "-"),
               "params_m": round(sum(p.numel() for p in tokenizer.parameters()) / 1e6, 2)}
        row["synthetic"] = evaluate(tokenizer, [eval_data.to(args.device)])
        row["real"] = {stem: evaluate(tokenizer, [m.to(args.device)]) for stem, m in real.items()}
        row["real_by_speed"] = {f"x{factor:g}": {stem: evaluate(tokenizer, [m.to(args.device)]) for stem, m in
                                                 real_motions(args.real_dir, args.fps / factor).items()}
                                for factor in args.real_speeds}
        results["variants"][name] = row
        print(f"{path}: synthetic {row['synthetic']} | real {row['real']}", flush=True)
    return finish(args, results, names[0], t0)


def row_names(paths: list[Path]) -> list[str]:
    """Row names for exports: the file stem, or ``folder/stem`` where two exports share a stem."""
    stems = [p.stem for p in paths]
    return [f"{p.parent.name}/{p.stem}" if stems.count(p.stem) > 1 else p.stem for p in paths]


def finish(args: argparse.Namespace, results: dict[str, Any], main_name: str, t0: float) -> dict[str, Any]:
    """Promote ``main_name``'s figures to the top level, write JSON + Markdown, return the results."""
    best = results["variants"][main_name]
    # "real": the first real clip (the AMASS SMPL-H mocap); every clip stays under "real_per_clip".
    first_real = next(iter(best["real"].values()), {})
    results.update(synthetic=best["synthetic"], real={**first_real, "clip": next(iter(best["real"]), None)},
                   real_per_clip=best["real"],
                   codebook_usage=best["synthetic"]["codebook_usage"],
                   total_seconds=round(time.perf_counter() - t0, 1))
    write_atomic(args.out, json.dumps(results, indent=2) + "\n")
    write_atomic(args.out.with_suffix(".md"), markdown(results))
    print(markdown(results))
    print(f"wrote {args.out} and {args.out.with_suffix('.md')} in {results['total_seconds']} s")
    return results


if __name__ == "__main__":
    main()
