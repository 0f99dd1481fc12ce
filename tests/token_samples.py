"""Shared test data: tiny exported tokenizers and token shards made with them (via pytest `pythonpath`)."""

from __future__ import annotations

from pathlib import Path

import torch

from unimo.data.tokens import TokenizeSpec, tokenize_shards
from unimo.tokenizers import TOKENIZERS
from unimo.tokenizers.loading import export_tokenizer

VIDEO_TINY = dict(channels=8, channel_mult=[1, 2, 2, 2], levels=[8, 5, 5], height=32, width=32)  # 200 ids
MOTION_TINY = dict(codebook_size=32, code_dim=8, scale=2, width=16, depth=1)
VOCAB_SIZES = {"special": 16, "video": 200, "motion": 32}


def export_tiny_tokenizers(folder: Path) -> dict[str, Path]:
    """Export untrained, seeded tiny tokenizers; ``motion_other`` has the same config, other weights."""
    torch.manual_seed(0)
    export_tokenizer(TOKENIZERS.build("CausalVideoTokenizer", **VIDEO_TINY), folder / "video.pt")
    export_tokenizer(TOKENIZERS.build("MotionVQVAETokenizer", **MOTION_TINY), folder / "motion.pt")
    export_tokenizer(TOKENIZERS.build("MotionVQVAETokenizer", **MOTION_TINY), folder / "motion_other.pt")
    return {name: folder / f"{name}.pt" for name in ("video", "motion", "motion_other")}


def tiny_spec(source: Path, tokenizers: dict[str, Path], **kwargs) -> TokenizeSpec:
    """Return a CPU ``TokenizeSpec`` of ``source`` with the tiny tokenizers."""
    return TokenizeSpec(source_dir=str(source), video_tokenizer=str(tokenizers["video"]),
                        motion_tokenizer=str(tokenizers["motion"]), device="cpu", batch_size=5, **kwargs)


def make_token_shards(out: Path, source: Path, tokenizers: dict[str, Path], **kwargs) -> Path:
    """Tokenize ``source`` into ``out`` with the tiny tokenizers; return ``out``."""
    tokenize_shards(out, tiny_spec(source, tokenizers, **kwargs), progress=False)
    return out
