"""V2M pixel ceiling: how much body pose do the raw frames of a synthetic set carry at all?

``v2m_probe.py`` asks how much pose the *video ids* carry. This asks the question one step earlier, on the
decoded frames themselves: a per-frame CNN regresses the body-frame joints (global orientation and
translation zeroed, root-relative: the articulated pose only) from one frame, trained on the shard folder's
train split and scored by PA-MPJPE on its test split, next to the mean training pose scored the same way.
If a CNN that sees every pixel cannot get far below the mean pose, no tokenizer or GPT trained on that data
will: the data (frame size, framing, number of clips) is the limit.

The stem is a patchify convolution onto 32x32 maps whatever the frame size, so 64 and 128 px frames cost the
trunk the same and every pixel enters the network.

``--video-tokenizer FILE`` runs every clip through that tokenizer (encode, decode) before the probe sees it:
the pose the video *ids* can carry at most. Next to the raw-frame figure it says whether the tokenizer or
what comes after it (data, GPT) loses the pose.

Usage (shard folders from ``python benchmarks/joint.py --synth-only --data-dir D ...``)::

    python benchmarks/v2m_pixel_probe.py --data D [--extra MORE ...] [--every 4 --epochs 2] --out p.json
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

import torch
from torch import nn

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from common import write_probe_report  # noqa: E402

from unimo.body.motion import ORIENT_SLICE, TRANSL_SLICE  # noqa: E402
from unimo.data.shards.decode import ClipDecoder  # noqa: E402
from unimo.data.shards.manifest import read_manifest, split_urls  # noqa: E402
from unimo.data.shards.pipeline import clip_pipeline  # noqa: E402
from unimo.data.shards.reader import TarSamples  # noqa: E402
from unimo.data.shards.sample import MOTION, VIDEO  # noqa: E402
from unimo.data.shards.skips import SkipReporter  # noqa: E402
from unimo.metrics.fid import to_uint8  # noqa: E402
from unimo.metrics.motion import PAMPJPE  # noqa: E402
from unimo.metrics.pose_features import frame_trunk  # noqa: E402
from unimo.tokenizers.base import Tokenizer  # noqa: E402
from unimo.tokenizers.loading import load_tokenizer  # noqa: E402
from unimo.tokenizers.motion_losses import body_joints  # noqa: E402


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--data", type=Path, required=True, help="shard folder with train and test splits")
    p.add_argument("--extra", type=Path, nargs="*", default=[], help="more shard folders, all for training")
    p.add_argument("--every", type=int, default=4, help="use every n-th frame of each clip")
    p.add_argument("--epochs", type=int, default=2)
    p.add_argument("--batch-size", type=int, default=128)
    p.add_argument("--width", type=int, default=48)
    p.add_argument("--lr", type=float, default=2e-3)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--video-tokenizer", type=Path, default=None,
                   help="round-trip every clip through this video tokenizer first (encode + decode)")
    p.add_argument("--unquantized", action="store_true",
                   help="with --video-tokenizer: skip its FSQ rounding (what it keeps without ids)")
    p.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    p.add_argument("--out", type=Path, default=Path("/tmp/v2m_pixel_probe.json"))
    return p.parse_args(argv)


def reconstruct(tokenizer: Tokenizer, video: torch.Tensor, quantize: bool = True) -> torch.Tensor:
    """``decode(encode(video))``; ``quantize=False`` skips the FSQ rounding (a ``CausalVideoTokenizer``'s
    bounded latents go to its decoder as they are): what the ids lose, apart from the autoencoder."""
    if quantize:
        return tokenizer.decode(tokenizer.encode(video)).clamp(-1, 1)
    z = tokenizer.encoder(video.transpose(1, 2)).movedim(1, -1)  # (B, t, h, w, d)
    return tokenizer.decode_latents(tokenizer.quantizer.unrounded(z).movedim(-1, 1)).clamp(-1, 1)


def load_split(data: Path, split: str, every: int, round_trip: Tokenizer | None = None,
               per_clip: bool = False, quantize: bool = True) -> tuple[torch.Tensor, torch.Tensor]:
    """Return uint8 frames ``(N, 3, H, W)`` and body-frame joints ``(N, 22, 3)`` of every ``every``-th frame
    of every clip of ``split``; with ``round_trip``, the frames as that video tokenizer reconstructs them.
    ``per_clip``: keep clips apart, ``(clips, T, 3, H, W)`` and ``(clips, T, 22, 3)`` (every clip has T)."""
    manifest = read_manifest(data)
    if manifest is None:
        raise FileNotFoundError(f"{data}: no shard manifest (make one with benchmarks/joint.py --synth-only)")
    frames_per_clip = min(int(s["min_frames"]) for s in manifest["shards"])
    reporter = SkipReporter("strict")
    if round_trip is None:
        decoder = ClipDecoder(reporter, num_frames=(frames_per_clip - 1) // every + 1, frame_stride=every)
    else:  # the tokenizer needs consecutive frames, 1 + 4k of them
        decoder = ClipDecoder(reporter, num_frames=1 + (frames_per_clip - 1) // 4 * 4)
        device = next(round_trip.parameters()).device
    frames, joints = [], []
    reader = TarSamples(reporter, (VIDEO, MOTION))
    for clip in clip_pipeline(split_urls(data, manifest, split), reader, decoder):
        video, motion = clip["video"], clip["motion"].clone()  # (T, 3, H, W), (T, 79)
        if round_trip is not None:
            with torch.no_grad():
                video = reconstruct(round_trip, video[None].to(device), quantize)[0][::every].cpu()
            motion = motion[::every]
        frames.append(to_uint8(video))
        motion[:, ORIENT_SLICE] = 0
        motion[:, TRANSL_SLICE] = 0
        with torch.no_grad():
            pose = body_joints(motion[None])[0]  # (T, 22, 3)
        joints.append(pose - pose[:, :1])
    join = torch.stack if per_clip else torch.cat
    return join(frames), join(joints)


def pose_cnn(frame_size: int, width: int, num_joints: int = 22) -> nn.Sequential:
    """Frames ``(B, 3, S, S)`` in [-1, 1] -> joints ``(B, J * 3)``: the pose-feature trunk and an MLP head."""
    return nn.Sequential(frame_trunk(frame_size, width), nn.Linear(16 * width, 512), nn.ReLU(),
                         nn.Linear(512, num_joints * 3))


def as_input(frames: torch.Tensor) -> torch.Tensor:
    return frames.float() / 127.5 - 1


@torch.no_grad()
def pa_mpjpe(model: nn.Module, frames: torch.Tensor, joints: torch.Tensor) -> float:
    model.eval()
    metric = PAMPJPE().to(frames.device)
    for i in range(0, len(frames), 512):
        pred = model(as_input(frames[i:i + 512])).view(-1, *joints.shape[1:])
        metric.update(pred[None], joints[i:i + 512][None])
    model.train()
    return float(metric.compute())


def train(model: nn.Module, frames: torch.Tensor, joints: torch.Tensor,
          test: tuple[torch.Tensor, torch.Tensor], args: argparse.Namespace) -> list[dict[str, Any]]:
    """Mean joint-distance regression, one-cycle lr; return the test PA-MPJPE after every epoch."""
    steps = args.epochs * (len(frames) // args.batch_size)
    if steps < 1:
        raise ValueError(f"--batch-size {args.batch_size} is more than the {len(frames)} training frames")
    opt = torch.optim.AdamW(model.parameters(), args.lr, weight_decay=1e-4)
    schedule = torch.optim.lr_scheduler.OneCycleLR(opt, args.lr, total_steps=steps)
    start, log = time.perf_counter(), []
    for epoch in range(args.epochs):
        order = torch.randperm(len(frames), device=frames.device)
        for i in range(0, len(order) - args.batch_size + 1, args.batch_size):
            idx = order[i:i + args.batch_size]
            pred = model(as_input(frames[idx])).view(-1, *joints.shape[1:])
            loss = (pred - joints[idx]).norm(dim=-1).mean()
            opt.zero_grad()
            loss.backward()
            opt.step()
            schedule.step()
        log.append({"epoch": epoch + 1, "train_loss_mm": round(float(loss.detach()) * 1000, 1),
                    "test_pa_mpjpe_mm": round(pa_mpjpe(model, *test), 2),
                    "seconds": round(time.perf_counter() - start)})
        print(log[-1], flush=True)
    return log


def main(argv: list[str] | None = None) -> dict[str, Any]:
    args = parse_args(argv)
    torch.manual_seed(args.seed)
    round_trip = None
    if args.video_tokenizer is not None:
        round_trip = load_tokenizer(args.video_tokenizer, map_location=args.device).float().eval()
    quantize = not args.unquantized
    parts = [load_split(args.data, "train", args.every, round_trip, quantize=quantize)]
    splits = ("train", "val", "test")
    parts += [load_split(folder, split, args.every, round_trip, quantize=quantize)
              for folder in args.extra for split in splits]
    train_frames, train_joints = (torch.cat(column) for column in zip(*parts, strict=True))
    test = load_split(args.data, "test", args.every, round_trip, quantize=quantize)
    size = train_frames.shape[-1]
    print(f"{len(train_frames)} training frames, {len(test[0])} test frames, {size} px", flush=True)
    train_frames, train_joints = train_frames.to(args.device), train_joints.to(args.device)
    test = (test[0].to(args.device), test[1].to(args.device))
    model = pose_cnn(size, args.width).to(args.device)
    log = train(model, train_frames, train_joints, test, args)
    mean_pose = PAMPJPE().to(args.device)
    mean_pose.update(train_joints.mean(0).expand_as(test[1])[None], test[1][None])
    result = {"frame_size": size, "train_frames": len(train_frames), "test_frames": len(test[0]),
              "pa_mpjpe_mm": log[-1]["test_pa_mpjpe_mm"],
              "mean_pose_pa_mpjpe_mm": round(float(mean_pose.compute()), 2), "log": log}
    return write_probe_report(args.out, result, args, args.device)


if __name__ == "__main__":
    main()
