"""Joint model results: V2M capture and I2VM generation, joint vs single-task vs shared embeddings.

Usage from the repository root (``pip install -e .`` or ``PYTHONPATH=.``)::

    python benchmarks/joint.py --device cuda --prepare-only   # synthesize + tokenize (resumable)
    python benchmarks/joint.py --device cuda                  # train and score every variant
    python benchmarks/joint.py --quick                        # CPU smoke run (/tmp)

The synthetic clips are tokenized once into token shards (``unimo data tokenize``: windows of
``--num-frames`` every ``--stride`` frames), so training runs no tokenizer. Every variant is trained from
scratch for the same number of steps (capped by ``--seconds``) on the same windows (exact SMPL-X ground
truth), with the same frozen tokenizers, then evaluated on the held-out test shards:

* V2M: greedy capture of each test clip, decoded to SMPL-X; MPJPE / PA-MPJPE / W-MPJPE100 / WA-MPJPE100 /
  acceleration error of body-model joints against ground truth (``unimo.metrics.motion``); the same for
  expected-code decoding of the greedy run (``expected_*``) and for sampled-history decoding
  (``sampled_*``, ``--capture-samples``), next to a blind baseline and the tokenizer's floor.
* I2VM: teacher-forced next-token loss of test sequences (video and motion, nats/token), and sampled
  generation from each test clip's first frame; motion-video consistency = MPJPE between the generated
  motion and what the V2M-only model captures from the generated video (the same independent judge for
  every variant). Distribution scores of the generated clips (frame 0, the copied conditioning frame, left
  out of the frame scores) against the video tokenizer's reconstruction of the same test clips, so they
  score the GPT and not the tokenizer: ``pose_fid`` / ``pose_fvd`` in the feature space of unimo's shipped
  pose network (``unimo.metrics.pose_features``; not comparable to published FID/FVD) always, and FID/FVD
  when the Inception/I3D weights are in ``UNIMO_WEIGHTS_DIR`` (otherwise null, with the reason).

Samples (``--samples N``, default 4) go to ``<out-dir>/joint_samples/``: ``<variant>_i2vm.mp4`` (per row:
the generated video beside its rendered generated motion) and ``<variant>_v2m.mp4`` (per row: the test video
as the model sees it, through the video tokenizer, beside the rendered captured motion and the rendered
ground truth), 20 fps.

This file prepares the data and trains; ``joint_selection.py`` keeps the weights to score and
``joint_scoring.py`` scores them.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from pathlib import Path
from typing import Any

import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import lightning as L  # noqa: E402
from common import git_commit, id_frequencies, token_windows  # noqa: E402
from joint_scoring import evaluate, reference_scores  # noqa: E402
from joint_selection import KeepBestBackbone  # noqa: E402

from unimo.backbones import BACKBONES  # noqa: E402
from unimo.data.datamodules import SyntheticStreamDataModule, TokenShardDataModule  # noqa: E402
from unimo.data.shards.synth import SynthSpec, synthesize  # noqa: E402
from unimo.data.tokens import TokenizeSpec, tokenize_shards  # noqa: E402
from unimo.metrics.pose_features import SHIPPED_POSE_FEATURES  # noqa: E402
from unimo.tasks.joint import JointTask  # noqa: E402
from unimo.tokenizers.identity import file_sha256  # noqa: E402
from unimo.tokenizers.loading import load_tokenizer  # noqa: E402

VARIANTS: dict[str, dict[str, Any]] = {
    "v2m_only": {"layouts": {"V2MLayout": 1.0}},
    "joint": {"layouts": {"I2VMLayout": 1.0, "V2MLayout": 1.0}},
    "i2vm_only": {"layouts": {"I2VMLayout": 1.0}},
    # 3 of every 4 sequences I2VM: at equal time, plain joint sees about half of I2VM-only's I2VM sequences
    "joint_i2vm3": {"layouts": {"I2VMLayout": 3.0, "V2MLayout": 1.0}},
    # twice the steps and seconds: each task gets about as many sequences as in its single-task run
    "joint_equal_data": {"layouts": {"I2VMLayout": 1.0, "V2MLayout": 1.0}, "budget_scale": 2.0},
    "shared_embeddings": {"layouts": {"I2VMLayout": 1.0, "V2MLayout": 1.0},
                          "backbone": "SharedEmbeddingGPTBackbone"},
    # video ids embedded digit by digit (GPTBackbone(code_levels=...), MixedRadixEmbedding)
    "v2m_only_digits": {"layouts": {"V2MLayout": 1.0}, "digits": True},
    "joint_digits": {"layouts": {"I2VMLayout": 1.0, "V2MLayout": 1.0}, "digits": True},
    "i2vm_only_digits": {"layouts": {"I2VMLayout": 1.0}, "digits": True},
    # and the video head predicts the FSQ digits (GPTBackbone(digit_heads=["video"]), DigitHead)
    "i2vm_only_digit_head": {"layouts": {"I2VMLayout": 1.0}, "digits": True, "digit_head": True},
    "joint_digit_head": {"layouts": {"I2VMLayout": 1.0, "V2MLayout": 1.0}, "digits": True,
                         "digit_head": True},
    "joint_equal_data_digit_head": {"layouts": {"I2VMLayout": 1.0, "V2MLayout": 1.0}, "digits": True,
                                    "digit_head": True, "budget_scale": 2.0},
    # 20% of input motion ids replaced by random ids in training (JointTask(input_noise=...))
    "v2m_only_noise": {"layouts": {"V2MLayout": 1.0}, "input_noise": {"motion": 0.2}},
    "joint_noise": {"layouts": {"I2VMLayout": 1.0, "V2MLayout": 1.0}, "input_noise": {"motion": 0.2}},
    # trained on fresh synthetic clips made during training (SyntheticStreamDataModule, another seed than the
    # fixed set), through a replay buffer of their ids (JointTask(replay=...)); validated/tested as the others
    "v2m_only_stream": {"layouts": {"V2MLayout": 1.0}, "stream": True},
    "joint_stream": {"layouts": {"I2VMLayout": 1.0, "V2MLayout": 1.0}, "stream": True},
    # the fixed token shards, --stream-batch windows a step through the same replay buffer: the buffer's own
    # effect, without fresh clips
    "v2m_only_replay": {"layouts": {"V2MLayout": 1.0}, "replay": True},
}


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    p.add_argument("--quick", action="store_true", help="tiny CPU smoke run; results to /tmp")
    p.add_argument("--tokenizers-dir", type=Path, default=ROOT / "unimo" / "assets" / "tokenizers")
    p.add_argument("--data-dir", type=Path, default=Path("/tmp/unimo_joint_data"))
    p.add_argument("--token-dir", type=Path, default=Path("/tmp/unimo_joint_tokens"))
    p.add_argument("--stride", type=int, default=4, help="frames between tokenized window starts")
    p.add_argument("--prepare-only", action="store_true", help="synthesize and tokenize, then stop")
    p.add_argument("--synth-only", action="store_true", help="synthesize, then stop (no tokenizer needed)")
    p.add_argument("--out-dir", type=Path, default=None)
    p.add_argument("--variants", nargs="+", default=list(VARIANTS), choices=list(VARIANTS))
    p.add_argument("--clips", type=int, default=3000)
    p.add_argument("--clip-frames", type=int, default=41, help="stored frames per clip (windows are sampled)")
    p.add_argument("--num-frames", type=int, default=17, help="training window: 1 + 4k frames")
    p.add_argument("--size", type=int, default=64)
    p.add_argument("--steps", type=int, default=3000, help="training steps per variant (same for all)")
    p.add_argument("--seconds", type=float, default=150.0, help="wall-clock safety cap per variant")
    p.add_argument("--select", choices=["last", "best", "best-per-task", "best-mpjpe"], default="last",
                   help="score the weights after the last step, those with the lowest validation loss (mean "
                        "over the variant's layouts, checked every --val-every steps), each task with the "
                        "weights of its own lowest validation loss (a multi-task variant is then scored as "
                        "if one checkpoint per task were kept), or as best-per-task but V2M by its lowest "
                        "validation capture MPJPE (sampled histories, --val-capture-batches batches)")
    p.add_argument("--val-capture-batches", type=int, default=2, help="with --select best-mpjpe")
    p.add_argument("--val-every", type=int, default=100, help="steps between validations (--select best)")
    p.add_argument("--val-batches", type=int, default=8, help="validation batches per check (--select best)")
    p.add_argument("--batch-size", type=int, default=64)
    p.add_argument("--dim", type=int, default=384)
    p.add_argument("--num-layers", type=int, default=8)
    p.add_argument("--num-heads", type=int, default=6)
    p.add_argument("--lr", type=float, default=1e-3)
    p.add_argument("--dropout", type=float, default=0.0, help="backbone residual dropout (GPTBackbone)")
    p.add_argument("--eval-clips", type=int, default=128)
    p.add_argument("--generate-clips", type=int, default=32)
    p.add_argument("--fill", type=float, nargs=2, default=None, metavar=("MIN", "MAX"),
                   help="synthetic framing (SynthSpec.fill); default: the generator's")
    p.add_argument("--input-noise", type=json.loads, default={},
                   help='JSON {modality: probability} of input-id noise for every variant (JointTask)')
    p.add_argument("--samples", type=int, default=4, help="clips per preview video (0: no previews)")
    p.add_argument("--capture-samples", type=int, nargs="*", default=[8],
                   help="V2M also scored with capture_decoding='sampled' over each of these numbers of "
                        "histories (the first as sampled_*, others as sampled<N>_*; none: not scored)")
    p.add_argument("--calibrate", action="store_true",
                   help="also score expected-code and sampled-history capture with the belief temperature "
                        "fitted on --val-batches validation batches (calibrated_*; "
                        "unimo.tasks.joint.calibration)")
    p.add_argument("--workers", type=int, default=min(16, os.cpu_count() or 1))
    p.add_argument("--stream-batch", type=int, default=8,
                   help="*_stream / *_replay variants: fresh clips per training step (--batch-size are drawn "
                        "from the ids of the last --replay-capacity clips)")
    p.add_argument("--replay-capacity", type=int, default=16384,
                   help="*_stream / *_replay variants: clips kept")
    p.add_argument("--stream-frames", type=int, default=None,
                   help="*_stream variants: frames per synthesized clip (default --clip-frames)")
    p.add_argument("--stream-stride", type=int, default=None,
                   help="*_stream variants: every window of each synthesized clip at this stride (as the "
                        "token shards' --stride) instead of one random window per clip")
    args = p.parse_args()
    args.histories = (args.capture_samples or [8])[0]  # JointTask capture_samples, also if none is scored
    return args


def build_task(args: argparse.Namespace, variant: dict[str, Any], vocab: dict[str, int],
               video_levels: list[int]) -> JointTask:
    digits: dict[str, Any] = {"code_levels": {"video": video_levels}} if variant.get("digits") else {}
    if variant.get("digit_head"):
        digits["digit_heads"] = ["video"]
    by_mpjpe = args.select == "best-mpjpe" and "V2MLayout" in variant["layouts"]
    backbone = BACKBONES.build(variant.get("backbone", "GPTBackbone"), vocab_sizes=vocab, dim=args.dim,
                               num_layers=args.num_layers, num_heads=args.num_heads, dropout=args.dropout,
                               **digits)
    return JointTask(backbone=backbone, video_tokenizer=str(args.tokenizers_dir / "video.pt"),
                     motion_tokenizer=str(args.tokenizers_dir / "motion.pt"), layouts=variant["layouts"],
                     lr=args.lr, weight_decay=0.1, warmup_steps=100,
                     val_capture_batches=args.val_capture_batches if by_mpjpe else 0,
                     capture_decoding="sampled" if by_mpjpe else "greedy",
                     capture_samples=args.histories,
                     val_generate_batches=0,
                     input_noise={**args.input_noise, **variant.get("input_noise", {})},
                     replay={"capacity": args.replay_capacity, "batch_size": args.batch_size}
                     if variant.get("stream") or variant.get("replay") else None)


def stream_data(args: argparse.Namespace, held_out: TokenShardDataModule) -> SyntheticStreamDataModule:
    """Fresh clips for training (seed 1001; the fixed set is seed 1), ``held_out`` for validation/test."""
    frames = args.stream_frames or args.clip_frames
    spec = SynthSpec(num_frames=frames, size=args.size, fps=20.0, seed=1001, fill=args.fill)
    return SyntheticStreamDataModule(spec, eval_data=held_out, window=args.num_frames,
                                     stride=args.stream_stride, batch_size=args.stream_batch,
                                     num_workers=max(1, args.workers - 1))


def train(args: argparse.Namespace, task: JointTask, data: TokenShardDataModule, budget_scale: float = 1.0,
          ) -> tuple[dict[str, Any], dict[str | None, dict[str, torch.Tensor]]]:
    """Train ``task``; return its training stats and the backbone weights to score (``KeepBestBackbone``;
    ``{}``: the weights it ends with)."""
    per_task, by_mpjpe = args.select == "best-per-task", args.select == "best-mpjpe"
    best = KeepBestBackbone(per_task, by_mpjpe) if args.select != "last" else None
    validation = ({"val_check_interval": args.val_every, "check_val_every_n_epoch": None,
                   "limit_val_batches": args.val_batches, "num_sanity_val_steps": 0} if best
                  else {"limit_val_batches": 0})
    trainer = L.Trainer(accelerator="gpu" if args.device == "cuda" else "cpu", devices=1,
                        precision="bf16-mixed" if args.device == "cuda" else "32-true",
                        max_steps=round(args.steps * budget_scale),
                        max_time={"seconds": args.seconds * budget_scale}, logger=False,
                        callbacks=[best] if best else None,
                        enable_checkpointing=False, enable_progress_bar=False, enable_model_summary=False,
                        gradient_clip_val=1.0, **validation)
    start = time.perf_counter()
    trainer.fit(task, datamodule=data)
    stats: dict[str, Any] = {"steps": trainer.global_step, "train_seconds": time.perf_counter() - start}
    if best is None or not best.best:
        return stats, {}
    return {**stats, **best.stats()}, best.selected()


def prepare(args: argparse.Namespace) -> tuple[TokenShardDataModule, dict[str, float]]:
    """Synthesize the clips and tokenize them (both resume); return the token datamodule and timings."""
    start = time.perf_counter()
    spec = SynthSpec(num_clips=args.clips, num_frames=args.clip_frames, size=args.size, fps=20.0, seed=1,
                     fill=args.fill)
    synthesize(args.data_dir, spec, workers=args.workers, progress=False)
    synth_seconds = time.perf_counter() - start
    if args.synth_only:
        print(f"synthesized {args.data_dir} in {synth_seconds:.0f} s")
        raise SystemExit(0)  # a message to SystemExit would exit with status 1
    spec = TokenizeSpec(source_dir=str(args.data_dir), video_tokenizer=str(args.tokenizers_dir / "video.pt"),
                        motion_tokenizer=str(args.tokenizers_dir / "motion.pt"), num_frames=args.num_frames,
                        stride=args.stride, batch_size=64, workers=args.workers, device=args.device)
    tokenize_shards(args.token_dir, spec, progress=False)
    tokenize_seconds = time.perf_counter() - start - synth_seconds
    timings = {"synth_seconds": synth_seconds, "tokenize_seconds": tokenize_seconds}
    print(f"data ready: {timings}", flush=True)
    return token_data(args, args.batch_size), timings


def token_data(args: argparse.Namespace, batch_size: int) -> TokenShardDataModule:
    """The token shards of ``args.token_dir`` in batches of ``batch_size`` (set up for fitting)."""
    data = TokenShardDataModule(data_dir=str(args.token_dir), batch_size=batch_size,
                                num_workers=min(args.workers, 4), num_frames=args.num_frames, resampled=True,
                                epoch_length=batch_size * 200, shuffle_buffer=2048)
    data.setup("fit")
    return data


def main() -> None:
    args = parse_args()
    if args.quick:
        args.device, args.clips, args.clip_frames, args.size, args.steps = "cpu", 24, 17, 32, 30
        args.dim, args.num_layers, args.num_heads, args.batch_size, args.eval_clips = 64, 2, 2, 4, 8
        args.generate_clips, args.data_dir = 4, Path("/tmp/unimo_joint_quick_data")
        # Keyed by the tokenizer files: new tokenizers get new token shards instead of a mismatch error.
        key = "".join(file_sha256(args.tokenizers_dir / f"{k}.pt")[:6] for k in ("video", "motion"))
        args.token_dir = Path(f"/tmp/unimo_joint_quick_tokens_{key}")
    out_dir = args.out_dir or (Path("/tmp/unimo_bench") if args.quick else ROOT / "benchmarks" / "results")
    out_dir.mkdir(parents=True, exist_ok=True)
    data, timings = prepare(args)
    if args.prepare_only:
        return
    tokenizers = {key: load_tokenizer(args.tokenizers_dir / f"{key}.pt") for key in ("video", "motion")}
    vocab = {"special": 16, **{key: t.vocab_size for key, t in tokenizers.items()}}
    video_levels = tokenizers["video"].quantizer.levels
    results, judge, references = {}, None, None
    blind_probs = id_frequencies(*token_windows(args.token_dir, ["train"], ("motion_ids",)),
                                 tokenizers["motion"].vocab_size)  # blind V2M baseline
    for name in args.variants:
        torch.manual_seed(0)
        task = build_task(args, VARIANTS[name], vocab, video_levels)
        train_data = (stream_data(args, data) if VARIANTS[name].get("stream")
                      else token_data(args, args.stream_batch) if VARIANTS[name].get("replay") else data)
        stats, selected = train(args, task, train_data, VARIANTS[name].get("budget_scale", 1.0))
        judge = task if name == "v2m_only" else judge
        samples_to = out_dir / "joint_samples" / name if args.samples else None
        references = references or reference_scores(args, task, data, blind_probs)
        scores: dict[str, Any] = {}
        for only, state in (selected or {None: None}).items():  # one pass per set of selected weights
            if state is not None:
                task.backbone.load_state_dict(state)
            scores.update(evaluate(args, task, data, judge, samples_to, only))
        results[name] = {**stats, **scores, **references}
        print(name, json.dumps(results[name]), flush=True)
        write_results(args, out_dir, results, timings)  # after every variant: a killed run keeps results


POSE_WEIGHTS = (f"no Inception/I3D weights on this machine: fid/fvd are pose_fid/pose_fvd, Frechet distances "
                f"in the feature space of unimo's own pose network ({SHIPPED_POSE_FEATURES}, trained on "
                f"synthetic clips by benchmarks/pose_features.py; not comparable to published FID/FVD), of "
                f"the generated clips against the video tokenizer's reconstructions of the same test clips")
INCEPTION_WEIGHTS = "InceptionV3 (FID) and I3D (FVD) from UNIMO_WEIGHTS_DIR"


def _distribution_scores(r: dict[str, Any]) -> dict[str, Any]:
    """fid/fvd of one run: Inception/I3D when they were computed, else unimo's pose-feature distances."""
    published = "fid" in r and "fvd" in r
    fid, fvd = (r.get("fid"), r.get("fvd")) if published else (r.get("pose_fid"), r.get("pose_fvd"))
    return {"fid": fid, "fvd": fvd, "pose_fid": r.get("pose_fid"), "pose_fvd": r.get("pose_fvd"),
            "feature_weights": INCEPTION_WEIGHTS if published else POSE_WEIGHTS}


def write_results(args: argparse.Namespace, out_dir: Path, results: dict[str, Any],
                  timings: dict[str, float]) -> None:
    device = torch.cuda.get_device_name() if args.device == "cuda" else platform.processor() or "cpu"
    v2m_keys = ("mpjpe_mm", "pa_mpjpe_mm", "w_mpjpe100_mm", "wa_mpjpe100_mm", "accel_error_mm",
                "expected_mpjpe_mm", "expected_pa_mpjpe_mm", "sampled_mpjpe_mm", "sampled_pa_mpjpe_mm")
    i2vm = {n: {"i2vm_test_nll": r.get("i2vm_test_nll"), **_distribution_scores(r),
                "consistency_mpjpe_mm": r.get("consistency_mpjpe_mm"),
                "generated_clips": r.get("generated_clips")}
            for n, r in results.items() if "i2vm_test_nll" in r}
    report = {
        "v2m": {n: {k: r[k] for k in v2m_keys if k in r} for n, r in results.items() if "mpjpe_mm" in r},
        "i2vm": i2vm, "runs": results, "device": device,
        "train_minutes": sum(r["train_seconds"] for r in results.values()) / 60, **timings,
        "config": {k: str(v) for k, v in vars(args).items()},
        "versions": {"torch": torch.__version__, "lightning": L.__version__,
                     "python": platform.python_version()},
        "git_commit": git_commit(),
    }
    (out_dir / "joint.json").write_text(json.dumps(report, indent=2))
    (out_dir / "joint.md").write_text(markdown(report))
    print(f"wrote {out_dir / 'joint.json'}")


def markdown(report: dict[str, Any]) -> str:
    title = f"# Joint model (device: {report['device']}, {report['train_minutes']:.1f} min training in all)"
    lines = [title, "",
             "| variant | steps | V2M MPJPE mm | PA-MPJPE mm | WA-MPJPE100 mm | accel mm | expected-code "
             "MPJPE mm | expected-code PA-MPJPE mm | sampled-history MPJPE mm | sampled-history PA-MPJPE "
             "mm | I2VM test NLL | consistency MPJPE mm | pose_fid | pose_fvd |",
             "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for name, r in report["runs"].items():
        keys = ("mpjpe_mm", "pa_mpjpe_mm", "wa_mpjpe100_mm", "accel_error_mm", "expected_mpjpe_mm",
                "expected_pa_mpjpe_mm", "sampled_mpjpe_mm", "sampled_pa_mpjpe_mm", "i2vm_test_nll",
                "consistency_mpjpe_mm", "pose_fid", "pose_fvd")
        digits = {"pose_fid": 4, "pose_fvd": 4}  # these Frechet distances are ~0.003: 2 decimals show 0.00
        cells = " | ".join("-" if r.get(k) is None else f"{r[k]:.{digits.get(k, 2)}f}" for k in keys)
        lines.append(f"| {name} | {r['steps']} | {cells} |")
    blind = next((r for r in report["runs"].values() if "blind_pa_mpjpe_mm" in r), None)
    if blind is not None:
        lines += ["", f"Blind baseline (the training windows' per-position motion-id frequencies, decoded as "
                      f"expected codes: one motion for every clip, video ignored): MPJPE "
                      f"{blind['blind_mpjpe_mm']:.2f} mm, PA-MPJPE {blind['blind_pa_mpjpe_mm']:.2f} mm. "
                      f"Tokenizer floor: PA-MPJPE {blind['tokenizer_floor_pa_mpjpe_mm']:.2f} mm."]
    lines += ["", "FID/FVD: " + next(iter(report["i2vm"].values()), {}).get("feature_weights", "n/a"), "",
              "Config: `" + json.dumps(report["config"]) + "`", "", f"Versions: {report['versions']}, "
              f"commit {report['git_commit']}"]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
