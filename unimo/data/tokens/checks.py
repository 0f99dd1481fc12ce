"""Checks run before any token shard is written: the tokenizer files, and windows both tokenizers agree on.

Each error names the file or field to fix, so a bad ``unimo data tokenize`` call fails in a second instead
of after an hour of tokenizing, or worse, in the middle of training.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import torch

from unimo.data.shards.manifest import manifest_path
from unimo.tokenizers.base import Tokenizer
from unimo.tokenizers.loading import load_tokenizer, resolve_asset

if TYPE_CHECKING:
    from unimo.data.tokens.build import TokenizeSpec


def load_pair(video_path: str, motion_path: str) -> tuple[Tokenizer, Tokenizer]:
    """Load the video and motion tokenizers, checking each file holds the modality it is used for.

    Raises:
        FileNotFoundError: A file is missing (naming the option).
        ValueError: A file holds a tokenizer of the other modality.
    """
    pair = []
    for modality, path in (("video", video_path), ("motion", motion_path)):
        resolved = resolve_asset(path)
        if not resolved.is_file():
            raise FileNotFoundError(f"{modality}_tokenizer: no file at {path}")
        tokenizer = load_tokenizer(resolved)
        if tokenizer.modality != modality:
            raise ValueError(f"{modality}_tokenizer: {path} holds a {tokenizer.modality} tokenizer "
                             f"({type(tokenizer).__name__})")
        pair.append(tokenizer)
    return pair[0], pair[1]


@torch.no_grad()
def check_windows(video: Tokenizer, motion: Tokenizer, spec: TokenizeSpec, source: dict[str, Any]) -> None:
    """Check that every source clip size and ``spec.num_frames`` give ids both tokenizers agree on.

    Runs each tokenizer once on a blank window per stored frame size.

    Raises:
        ValueError: Clips are all shorter than ``num_frames``; a size or ``num_frames`` does not fit the
            video tokenizer; or the motion ids are not ``s`` per video latent step.
    """
    longest = max(int(s.get("max_frames", 0)) for s in source["shards"])
    if longest < spec.num_frames:
        raise ValueError(f"{manifest_path(spec.source_dir)}: clips have at most {longest} frames, fewer than "
                         f"num_frames={spec.num_frames}")
    sizes = {(spec.size, spec.size)} if spec.size else {
        tuple(int(v) for v in hw.split("x")) for s in source["shards"] for hw in s.get("sizes", [])}
    device = next(video.parameters()).device
    motion_ids = motion.encode(torch.zeros(1, spec.num_frames, 79, device=device))  # (1, t*s)
    scale = getattr(motion, "scale", None)
    for height, width in sorted(sizes):
        try:
            video_ids = video.encode(torch.zeros(1, spec.num_frames, 3, height, width, device=device))
        except ValueError as exc:  # the tokenizer says which sizes/frame counts it takes
            raise ValueError(f"video_tokenizer {spec.video_tokenizer} on {height}x{width} clips "
                             f"(size={spec.size}), num_frames={spec.num_frames}: {exc}") from exc
        steps = video_ids.shape[1]  # (1, t, h, w)
        expected = steps * scale if isinstance(scale, int) else None
        if motion_ids.shape[1] != expected and (expected is not None or motion_ids.shape[1] % steps):
            raise ValueError(
                f"num_frames={spec.num_frames}: video_tokenizer {spec.video_tokenizer} gives {steps} latent "
                f"steps but motion_tokenizer {spec.motion_tokenizer} gives {motion_ids.shape[1]} ids "
                f"(expected {steps} x s={scale}); use num_frames = 1 + 4k and tokenizers of one time grid")
