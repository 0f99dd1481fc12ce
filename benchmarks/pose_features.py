"""Train the pose feature network behind ``pose_fid`` / ``pose_fvd``, export it, and show what it measures.

The network (``unimo.metrics.pose_features``) learns, on the train splits of synthetic shard folders, to read
the body-frame joints from one frame through a linear head on its frame features, and the joints'
displacement to the next frame from its motion features. Reported: how well it reads pose (test PA-MPJPE
of the linear head, next to the mean training pose) and motion (displacement error next to predicting no
motion), then a calibration table: ``pose_fid`` / ``pose_fvd`` of held-out clips against a reference set of
training clips, for the held-out clips as they are, through the shipped video tokenizer, with their frames
shuffled in time, frozen on their first frame, and for a second reference set (the noise floor at this
number of clips). A distance is only worth reading next to that table.

Data: shard folders from ``python benchmarks/joint.py --device cpu --synth-only --clips N --clip-frames 41
--data-dir D [--fill 0.8 0.95]``. The shipped ``unimo/assets/metrics/pose_features.pt`` came from::

    python benchmarks/pose_features.py --data D_fill --extra D_default --steps 2500 \
        --export unimo/assets/metrics/pose_features.pt
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from pathlib import Path
from typing import Any

import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from common import write_probe_report  # noqa: E402
from v2m_pixel_probe import as_input, load_split  # noqa: E402

from unimo.data.shards.manifest import read_manifest  # noqa: E402
from unimo.metrics.fid import VideoFrechetInceptionDistance, to_uint8  # noqa: E402
from unimo.metrics.fvd import FrechetVideoDistance  # noqa: E402
from unimo.metrics.motion import PAMPJPE  # noqa: E402
from unimo.metrics.pose_features import (  # noqa: E402
    PoseClipFeatures,
    PoseFeatureNet,
    PoseFrameFeatures,
    export_pose_features,
    load_pose_features,
)
from unimo.tokenizers.loading import load_tokenizer  # noqa: E402

FVD_FRAMES = 16


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--data", type=Path, required=True, help="shard folder with train and test splits")
    p.add_argument("--extra", type=Path, nargs="*", default=[],
                   help="more shard folders: their train splits train too, their test splits are scored too")
    p.add_argument("--steps", type=int, default=2000, help="training steps (random frame pairs)")
    p.add_argument("--batch-size", type=int, default=64, help="frame pairs per step")
    p.add_argument("--width", type=int, default=48)
    p.add_argument("--feature-dim", type=int, default=64)
    p.add_argument("--motion-from", choices=("features", "frames"), default="features",
                   help="motion features from each pair of frames or from their frame features")
    p.add_argument("--motion-stride", type=int, default=1, help="frames between the two of a motion pair")
    p.add_argument("--displacement-weight", type=float, default=4.0)
    p.add_argument("--lr", type=float, default=2e-3)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--video-tokenizer", type=Path, default=Path("unimo/assets/tokenizers/video.pt"),
                   help="the calibration row 'through the video tokenizer' uses it")
    p.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    p.add_argument("--export", type=Path, default=None, help="write the trained network here")
    p.add_argument("--evaluate", type=Path, default=None,
                   help="no training: score this exported network (readout and calibration)")
    p.add_argument("--out", type=Path, default=Path("/tmp/pose_features.json"))
    return p.parse_args(argv)


def train(net: PoseFeatureNet, clips: torch.Tensor, joints: torch.Tensor,
          args: argparse.Namespace) -> list[dict[str, Any]]:
    """Joint and displacement regression on random consecutive frame pairs, one-cycle lr."""
    steps = args.steps
    opt = torch.optim.AdamW(net.parameters(), args.lr, weight_decay=1e-4)
    schedule = torch.optim.lr_scheduler.OneCycleLR(opt, args.lr, total_steps=steps)
    gen = torch.Generator().manual_seed(args.seed)
    start, log, running = time.perf_counter(), [], []
    net.train()
    for step in range(steps):
        clip = torch.randint(clips.shape[0], (args.batch_size,), generator=gen).to(clips.device)
        k = net.motion_stride
        t = torch.randint(clips.shape[1] - k, (args.batch_size,), generator=gen).to(clips.device)
        pair = as_input(torch.stack([clips[clip, t], clips[clip, t + k]], 1))  # (B, 2, 3, H, W)
        target = torch.stack([joints[clip, t], joints[clip, t + k]], 1)  # (B, 2, J, 3)
        features = net.frame_features(pair.flatten(0, 1)).unflatten(0, (-1, 2))  # (B, 2, D)
        pose_err = (net.joints(features) - target).norm(dim=-1).mean()
        moved = net.displacement(net.pair_motion(pair[:, 0], pair[:, 1], features[:, 0], features[:, 1]))
        motion_err = (moved - (target[:, 1] - target[:, 0])).norm(dim=-1).mean()
        loss = pose_err + args.displacement_weight * motion_err
        opt.zero_grad()
        loss.backward()
        opt.step()
        schedule.step()
        running.append((float(pose_err.detach()), float(motion_err.detach())))
        if (step + 1) % max(1, steps // 10) == 0 or step + 1 == steps:
            pose_mm, motion_mm = (1000 * sum(c) / len(c) for c in zip(*running, strict=True))
            seconds = round(time.perf_counter() - start)
            log.append({"step": step + 1, "pose_mm": round(pose_mm, 1),
                        "displacement_mm": round(motion_mm, 2), "seconds": seconds})
            print(log[-1], flush=True)
            running = []
    net.eval().requires_grad_(False)
    return log


@torch.no_grad()
def readout(net: PoseFeatureNet, clips: torch.Tensor, joints: torch.Tensor,
            mean_pose: torch.Tensor) -> dict[str, float]:
    """Test PA-MPJPE of the linear joint head and displacement error, next to their trivial baselines."""
    pose, baseline = PAMPJPE().to(clips.device), PAMPJPE().to(clips.device)
    motion_err, still_err, count = 0.0, 0.0, 0
    for i in range(clips.shape[0]):
        video = as_input(clips[i])  # (T, 3, H, W)
        features = net.frame_features(video)  # (T, D)
        pose.update(net.joints(features)[None], joints[i][None])
        baseline.update(mean_pose.expand_as(joints[i])[None], joints[i][None])
        k = net.motion_stride
        true_move = joints[i, k:] - joints[i, :-k]  # (T - k, J, 3)
        moved = net.displacement(net.motion_features(video[None], features[None])[0])  # (T - k, J, 3)
        motion_err += float((moved - true_move).norm(dim=-1).sum())
        still_err += float(true_move.norm(dim=-1).sum())
        count += true_move.shape[0] * true_move.shape[1]
    return {"pose_pa_mpjpe_mm": round(float(pose.compute()), 2),
            "mean_pose_pa_mpjpe_mm": round(float(baseline.compute()), 2),
            "displacement_error_mm": round(1000 * motion_err / count, 3),
            "no_motion_displacement_error_mm": round(1000 * still_err / count, 3)}


def as_videos(clips: torch.Tensor) -> torch.Tensor:
    """uint8 ``(N, T, 3, H, W)`` -> float ``[-1, 1]`` with the first ``FVD_FRAMES`` frames."""
    return as_input(clips[:, :FVD_FRAMES])


@torch.no_grad()
def distances(net: PoseFeatureNet, reference: torch.Tensor, candidate: torch.Tensor) -> dict[str, float]:
    """``pose_fid`` and ``pose_fvd`` of ``candidate`` against ``reference`` (first 16 frames of each clip)."""
    size = reference.shape[-1]
    fid = VideoFrechetInceptionDistance(network=PoseFrameFeatures(net), chunk_size=256).to(reference.device)
    fvd = FrechetVideoDistance(network=PoseClipFeatures(net), num_frames=FVD_FRAMES, resolution=size,
                               chunk_size=32).to(reference.device)
    for metric in (fid, fvd):
        for part in reference.split(32):
            metric.update(as_videos(part), real=True)
        for part in candidate.split(32):
            metric.update(as_videos(part), real=False)
    return {"pose_fid": round(float(fid.compute()), 3), "pose_fvd": round(float(fvd.compute()), 3)}


@torch.no_grad()
def round_trip(clips: torch.Tensor, tokenizer_path: Path, device: str) -> torch.Tensor:
    """The clips (first 1 + 4k frames, at least ``FVD_FRAMES``) as the video tokenizer reconstructs them."""
    tokenizer = load_tokenizer(tokenizer_path, map_location=device).float().eval()
    length = 1 + math.ceil((FVD_FRAMES - 1) / 4) * 4
    out = []
    for part in clips[:, :length].split(16):
        out.append(to_uint8(tokenizer.decode(tokenizer.encode(as_input(part)))))
    return torch.cat(out)


def calibration(net: PoseFeatureNet, reference: torch.Tensor, second_reference: torch.Tensor,
                test: torch.Tensor, args: argparse.Namespace) -> dict[str, dict[str, float]]:
    gen = torch.Generator().manual_seed(args.seed)
    order = torch.cat([torch.randperm(FVD_FRAMES, generator=gen), torch.arange(FVD_FRAMES, test.shape[1])])
    shuffled = test[:, order.to(test.device)]  # the same frames as the held-out row, in another order
    frozen = test[:, :1].expand_as(test)
    rows = {"another reference set (noise floor)": second_reference, "held-out clips": test,
            "held-out clips through the video tokenizer": round_trip(test, args.video_tokenizer, args.device),
            "held-out clips, frames shuffled in time": shuffled,
            "held-out clips frozen on their first frame": frozen}
    out = {}
    for name, candidate in rows.items():
        out[name] = distances(net, reference, candidate)
        print(name, out[name], flush=True)
    return out


def main(argv: list[str] | None = None) -> dict[str, Any]:
    args = parse_args(argv)
    torch.manual_seed(args.seed)
    folders = [args.data, *args.extra]
    def clips_of(folder: Path, split: str) -> tuple[torch.Tensor, torch.Tensor]:
        return load_split(folder, split, every=1, per_clip=True)  # (clips, T, 3, H, W), (clips, T, 22, 3)

    train_parts = [clips_of(folder, "train") for folder in folders]
    clips, joints = (torch.cat(column).to(args.device) for column in zip(*train_parts, strict=True))
    tests = {folder.name: tuple(t.to(args.device) for t in clips_of(folder, "test")) for folder in folders}
    print(f"{clips.shape[0]} training clips of {clips.shape[1]} frames, {clips.shape[-1]} px", flush=True)
    if args.evaluate is None:
        net = PoseFeatureNet(frame_size=clips.shape[-1], width=args.width, feature_dim=args.feature_dim,
                             motion_from=args.motion_from, motion_stride=args.motion_stride)
        log = train(net.to(args.device), clips, joints, args)
    else:
        net, log = load_pose_features(args.evaluate, map_location=args.device), []
    mean_pose = joints.flatten(0, 1).mean(0)
    result: dict[str, Any] = {"train_clips": clips.shape[0], "frames_per_clip": clips.shape[1],
                              "frame_size": clips.shape[-1], "log": log}
    result["readout"] = {name: readout(net, *test, mean_pose) for name, test in tests.items()}
    first_test = tests[args.data.name][0]
    half = clips.shape[0] // len(folders) // 2  # two disjoint reference sets from the first folder's clips
    count = min(first_test.shape[0], half)
    result["calibration_clips"] = count
    second = clips[half:half + count]
    result["calibration"] = calibration(net, clips[:count], second, first_test[:count], args)
    if args.export is not None:
        export_pose_features(net.cpu(), args.export, provenance={
            "trained_on": [str(f) for f in folders], "train_clips": clips.shape[0], "steps": args.steps,
            "data_specs": [read_manifest(f)["source"].get("spec") for f in folders],
            "readout": result["readout"], "command": " ".join(sys.argv)})
        result["export"] = str(args.export)
    return write_probe_report(args.out, result, args, args.device)


if __name__ == "__main__":
    main()
