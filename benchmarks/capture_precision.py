"""Does decoding with bf16 backbone weights change what ``unimo capture`` returns?

``unimo capture`` / ``generate`` cast the backbone to bf16 on CUDA (``--precision auto``) because batch-1
decoding is bound by reading weights (generate.md). This captures held-out synthetic clips with a joint
checkpoint twice, fp32 and bf16 weights, and reports the MPJPE (mm, hip-aligned) of each capture to
the true motion and of the two captures to each other.

Usage::

    python benchmarks/capture_precision.py CKPT [--clips 8] [--device cpu] [--decodings greedy expected]
        [--out R.json]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import device_name, git_commit, write_atomic  # noqa: E402

from unimo.data.synthetic import generate_clip  # noqa: E402
from unimo.metrics.motion import MPJPE  # noqa: E402
from unimo.tasks.joint.pipelines import (  # noqa: E402
    capture_from_video,
    clip_spec,
    load_joint_model,
    set_backbone_precision,
)
from unimo.tasks.joint.task import CAPTURE_DECODINGS  # noqa: E402
from unimo.tokenizers.motion_losses import body_joints  # noqa: E402

FIRST_SEED = 900_001  # far from the seeds of any synthetic training set


def distance_mm(a: torch.Tensor, b: torch.Tensor) -> float:
    """MPJPE (hip-aligned, the capture metric of the joint task) between motions ``(T, 79)``."""
    metric = MPJPE()
    metric.update(body_joints(a[None]), body_joints(b[None]))
    return float(metric.compute())


def main(argv: list[str] | None = None) -> dict:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("ckpt", help="joint checkpoint (unimo fit --config configs/joint.yaml)")
    p.add_argument("--clips", type=int, default=8)
    p.add_argument("--frames", type=int, default=41)
    p.add_argument("--device", default="cpu")
    p.add_argument("--decodings", nargs="+", default=["greedy", "expected"], choices=list(CAPTURE_DECODINGS))
    p.add_argument("--out", type=Path, default=None, help="JSON path (default: print only)")
    args = p.parse_args(argv)
    task = load_joint_model(args.ckpt, args.device, "fp32")
    spec = clip_spec(task)
    clips = [generate_clip(seed=seed, num_frames=args.frames, size=int(spec["size"]), fps=spec["fps"])
             for seed in range(FIRST_SEED, FIRST_SEED + args.clips)]
    keys = ("fp32_vs_truth_mm", "bf16_vs_truth_mm", "fp32_vs_bf16_mm")
    report = {"ckpt": args.ckpt, "clips": args.clips, "frames": args.frames,
              "device": device_name(args.device), "torch": torch.__version__, "git_commit": git_commit(),
              "decodings": {}}
    for decoding in args.decodings:
        task.set_capture_decoding(decoding)
        per_clip = []
        for seed, clip in enumerate(clips, FIRST_SEED):
            captured = {}
            for precision in ("fp32", "bf16"):
                set_backbone_precision(task, precision)
                captured[precision] = capture_from_video(task, clip.frames, spec["fps"]).to_tensor()
            truth = clip.motion.to_tensor()
            per_clip.append({"seed": seed, "fp32_vs_truth_mm": distance_mm(captured["fp32"], truth),
                             "bf16_vs_truth_mm": distance_mm(captured["bf16"], truth),
                             "fp32_vs_bf16_mm": distance_mm(captured["fp32"], captured["bf16"])})
        mean = {k: round(sum(c[k] for c in per_clip) / len(per_clip), 3) for k in keys}
        report["decodings"][decoding] = {**mean, "per_clip": per_clip}
        print(decoding, json.dumps(mean), flush=True)
    if args.out is not None:
        write_atomic(args.out, json.dumps(report, indent=2))
    return report


if __name__ == "__main__":
    main()
