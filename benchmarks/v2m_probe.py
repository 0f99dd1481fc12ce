"""V2M probe: how much pose can be read from the video ids at all, and does more data help?

A non-autoregressive convolutional regressor maps a window's video ids (their FSQ digits) straight to its
motion ids, trained with cross-entropy on the same token shards as ``benchmarks/joint.py`` and scored the
same way (canonical-frame joints; greedy ids and expected-code decoding) on the source's test split. The
checkpoint with the lowest validation NLL is scored (the probe overfits small data within ~1k steps).

If this simple reader lands where the GPT's V2M capture does, the GPT is not the bottleneck; comparing runs
with ``--extra`` token folders (more clips, all their splits used for training) shows whether data is.

Usage (token folders from ``python benchmarks/joint.py --prepare-only ...``)::

    python benchmarks/v2m_probe.py --tokens /tmp/unimo_joint_tokens [--extra MORE_TOKENS ...] --out p.json
"""

from __future__ import annotations

import argparse
import copy
import sys
import time
from pathlib import Path
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from common import id_frequencies, token_windows, write_probe_report  # noqa: E402

from unimo.tasks.joint.task import capture_metrics  # noqa: E402
from unimo.tokenizers.loading import load_tokenizer  # noqa: E402
from unimo.tokenizers.motion_losses import body_joints  # noqa: E402

Windows = tuple[torch.Tensor, torch.Tensor, torch.Tensor]  # video ids, motion ids, motion


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--tokens", type=Path, required=True, help="token shards: train, val (selection), test")
    p.add_argument("--extra", type=Path, nargs="*", default=[], help="more token folders, all for training")
    p.add_argument("--tokenizers-dir", type=Path, default=ROOT / "unimo" / "assets" / "tokenizers")
    p.add_argument("--steps", type=int, default=2400)
    p.add_argument("--batch-size", type=int, default=64)
    p.add_argument("--width", type=int, default=256)
    p.add_argument("--dropout", type=float, default=0.1)
    p.add_argument("--eval-every", type=int, default=200)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", type=Path, default=Path("/tmp/v2m_probe.json"))
    return p.parse_args(argv)


class ConvProbe(nn.Module):
    """Video ids ``(B, t, h, w)`` -> motion-id logits ``(B, N, K)`` through FSQ digits and a small CNN."""

    def __init__(self, levels: list[int], steps: int, height: int, width: int, num_motion: int,
                 vocab: int, channels: int, dropout: float) -> None:
        super().__init__()
        self.levels, self.num_motion = levels, num_motion
        self.trunk = nn.Sequential(
            nn.Conv2d(steps * len(levels), channels, 3, padding=1), nn.GELU(),
            nn.Conv2d(channels, channels, 3, padding=1), nn.GELU(),
            nn.Conv2d(channels, channels, 3, stride=2, padding=1), nn.GELU(),
            nn.Conv2d(channels, channels, 3, padding=1), nn.GELU(), nn.Flatten(), nn.Dropout(dropout),
            nn.Linear(channels * ((height + 1) // 2) * ((width + 1) // 2), 512), nn.GELU(),
            nn.Dropout(dropout),
            nn.Linear(512, num_motion * 128), nn.GELU())
        self.head = nn.Linear(128, vocab)  # shared over motion positions

    def digits(self, ids: torch.Tensor) -> torch.Tensor:
        """Return the FSQ digits of ids ``(B, t, h, w)`` as channels ``(B, t * C, h, w)`` in [-1, 1]."""
        out, rest = [], ids
        for level in self.levels:
            out.append((rest % level).float() / (level - 1) * 2 - 1)
            rest = rest // level
        return torch.stack(out, 2).flatten(1, 2)

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        return self.head(self.trunk(self.digits(ids)).view(-1, self.num_motion, 128))


def train(model: ConvProbe, data: Windows, val: Windows, args: argparse.Namespace) -> dict[str, Any]:
    """Train for ``args.steps``; keep (and load back) the weights with the lowest validation NLL."""
    if len(data[0]) < args.batch_size:  # no full batch: the epoch loop below would never take a step
        raise ValueError(f"--batch-size {args.batch_size} is more than the {len(data[0])} training windows")
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3, weight_decay=0.05)
    steps, start, log, best = 0, time.perf_counter(), [], (float("inf"), None, 0)
    while steps < args.steps:
        order = torch.randperm(len(data[0]))
        for i in range(0, len(order) - args.batch_size + 1, args.batch_size):
            idx = order[i:i + args.batch_size]
            loss = F.cross_entropy(model(data[0][idx]).flatten(0, 1), data[1][idx].flatten())
            opt.zero_grad()
            loss.backward()
            opt.step()
            steps += 1
            if steps % args.eval_every == 0 or steps == args.steps:
                model.eval()
                with torch.no_grad():
                    val_nll = float(F.cross_entropy(model(val[0]).flatten(0, 1), val[1].flatten()))
                model.train()
                if val_nll < best[0]:
                    best = (val_nll, copy.deepcopy(model.state_dict()), steps)
                log.append({"step": steps, "train_loss": round(float(loss.detach()), 4),
                            "val_nll": round(val_nll, 4), "seconds": round(time.perf_counter() - start)})
                print(log[-1], flush=True)
            if steps >= args.steps:
                break
    model.load_state_dict(best[1])
    return {"steps": steps, "best_val_nll": best[0], "best_step": best[2], "log": log,
            "train_seconds": round(time.perf_counter() - start, 1)}


@torch.no_grad()
def score(model: ConvProbe, test: Windows, motion_tokenizer: torch.nn.Module,
          marginal: torch.Tensor) -> dict[str, float]:
    """MPJPE family of greedy ids and of expected-code decoding against canonical-frame ground truth, and
    the blind baseline: expected-code decoding of the training ids' per-position frequencies ``marginal``
    ``(N, K)``, the same for every clip (what a model that ignores the video can do)."""
    model.eval()
    greedy, expected, blind = capture_metrics(""), capture_metrics("expected_"), capture_metrics("blind_")
    for i in range(0, len(test[0]), 128):
        ids, motion = test[0][i:i + 128], test[2][i:i + 128]
        probs, frames = model(ids).softmax(-1), motion.shape[1]
        truth = body_joints(motion_tokenizer.canonicalize(motion))
        greedy.update(body_joints(motion_tokenizer.decode(probs.argmax(-1), num_frames=frames)), truth)
        expected.update(body_joints(motion_tokenizer.decode_expected(probs, num_frames=frames)), truth)
        same = marginal.expand(len(ids), -1, -1)
        blind.update(body_joints(motion_tokenizer.decode_expected(same, num_frames=frames)), truth)
    metrics = {**greedy.compute(), **expected.compute(), **blind.compute()}
    return {k: round(float(v), 2) for k, v in metrics.items()}


def main(argv: list[str] | None = None) -> dict[str, Any]:
    args = parse_args(argv)
    torch.manual_seed(args.seed)
    parts = [token_windows(args.tokens, ["train"])] + [token_windows(f, ["train", "val", "test"])
                                                      for f in args.extra]
    data = tuple(torch.cat(column) for column in zip(*parts, strict=True))
    val, test = token_windows(args.tokens, ["val"]), token_windows(args.tokens, ["test"])
    video = load_tokenizer(args.tokenizers_dir / "video.pt")
    motion = load_tokenizer(args.tokenizers_dir / "motion.pt")
    _, t, h, w = data[0].shape
    model = ConvProbe(list(video.quantizer.levels), t, h, w, data[1].shape[1], motion.vocab_size, args.width,
                      args.dropout)
    print(f"{len(data[0])} training windows, {len(test[0])} test windows, "
          f"{sum(p.numel() for p in model.parameters()) / 1e6:.1f} M parameters", flush=True)
    result = {"train_windows": len(data[0]), "val_windows": len(val[0]), "test_windows": len(test[0]),
              **train(model, data, val, args)}
    result.update(score(model, test, motion, id_frequencies(data[1], motion.vocab_size)))
    return write_probe_report(args.out, result, args)


if __name__ == "__main__":
    main()
