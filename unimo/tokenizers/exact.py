"""Tokenize in exact float32: the same ids whether a clip is tokenized offline or inside a training step.

Token shards are made in float32 with TF32 off (``unimo data tokenize``). A training step under
``bf16-mixed`` autocast with TF32 on would encode the same frames to slightly different ids, so a model
trained on clips tokenized online (``JointTask`` on raw batches) would see other ids than it is tested on.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import torch


@contextlib.contextmanager
def exact_float32(device: torch.device) -> Iterator[None]:
    """Turn autocast and TF32 matmuls/convolutions off on ``device`` for the block, then restore them."""
    with torch.autocast(device.type, enabled=False):
        if device.type != "cuda":
            yield
            return
        saved = torch.backends.cuda.matmul.allow_tf32, torch.backends.cudnn.allow_tf32
        torch.backends.cuda.matmul.allow_tf32 = torch.backends.cudnn.allow_tf32 = False
        try:
            yield
        finally:
            torch.backends.cuda.matmul.allow_tf32, torch.backends.cudnn.allow_tf32 = saved
