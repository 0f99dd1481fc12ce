"""Inference pipelines: the backbone's precision (bf16 weights on CUDA by default, tokenizers untouched) and
capture's batching of sliding windows."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from unimo.tasks.joint.pipelines import capture_from_video, load_joint_model, set_backbone_precision


def _dtypes(module: torch.nn.Module) -> set[torch.dtype]:
    return {p.dtype for p in module.parameters()}


def test_precision_casts_only_the_backbone(tiny_joint_checkpoint: Path) -> None:
    task = load_joint_model(str(tiny_joint_checkpoint), "cpu")  # auto on CPU: fp32
    assert _dtypes(task.backbone) == {torch.float32}
    frames = np.random.default_rng(0).integers(0, 255, (20, 32, 32, 3), dtype=np.uint8)
    full = capture_from_video(task, frames, fps=20.0).to_tensor()

    set_backbone_precision(task, "bf16")
    assert _dtypes(task.backbone) == {torch.bfloat16}
    assert _dtypes(task.video_tokenizer) == _dtypes(task.motion_tokenizer) == {torch.float32}
    half = capture_from_video(task, frames, fps=20.0).to_tensor()
    assert half.dtype == torch.float32 and half.shape == full.shape and torch.isfinite(half).all()

    assert _dtypes(set_backbone_precision(task, "fp32").backbone) == {torch.float32}
    with pytest.raises(ValueError, match="precision: expected 'auto', 'fp32' or 'bf16', got 'fp16'"):
        set_backbone_precision(task, "fp16")


def test_batched_windows_capture_what_one_at_a_time_does(tiny_joint_checkpoint: Path) -> None:
    task = load_joint_model(str(tiny_joint_checkpoint), "cpu")
    task.set_capture_decoding("expected")  # continuous in the logits: batching's rounding cannot flip an id
    frames = np.random.default_rng(1).integers(0, 255, (70, 24, 40, 3), dtype=np.uint8)  # several windows
    one = capture_from_video(task, frames, fps=20.0, window_batch=1).to_tensor()
    for batch in (2, 8):
        assert torch.allclose(capture_from_video(task, frames, fps=20.0, window_batch=batch).to_tensor(), one,
                              atol=1e-4)
    with pytest.raises(ValueError, match="window_batch must be >= 1, got 0"):
        capture_from_video(task, frames, fps=20.0, window_batch=0)
