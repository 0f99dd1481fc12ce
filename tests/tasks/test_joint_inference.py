"""V2M capture with the model's distributions: greedy ids, expected-code decoding."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from token_samples import VOCAB_SIZES

from unimo.backbones import BACKBONES
from unimo.tasks.joint import JointTask
from unimo.tasks.joint.inference import capture_with_probs


def tiny_task(tokenizers: dict[str, Path], **task_args) -> JointTask:
    torch.manual_seed(0)
    backbone = BACKBONES.build("GPTBackbone", vocab_sizes=VOCAB_SIZES, dim=32, num_layers=2, num_heads=2)
    return JointTask(backbone=backbone, video_tokenizer=str(tokenizers["video"]),
                     motion_tokenizer=str(tokenizers["motion"]), **task_args).eval()


def test_capture_returns_greedy_ids_and_their_distributions(tokenizers) -> None:
    task = tiny_task(tokenizers)
    video_ids = torch.randint(0, VOCAB_SIZES["video"], (2, 5, 4, 4))
    ids, probs = capture_with_probs(task.backbone, task.mixture.get("V2MLayout"), video_ids,
                                    task.motion_per_step)
    assert ids.shape == (2, 5 * task.motion_per_step)
    assert probs.shape == (*ids.shape, task.motion_tokenizer.vocab_size)
    assert torch.allclose(probs.sum(-1), torch.ones(ids.shape))
    assert torch.equal(ids, probs.argmax(-1))  # greedy: each fed-back id is its distribution's mode


def test_expected_decoding_decodes_the_distributions(tokenizers) -> None:
    greedy, expected = tiny_task(tokenizers), tiny_task(tokenizers, capture_decoding="expected")
    video_ids = torch.randint(0, VOCAB_SIZES["video"], (2, 5, 4, 4))
    ids, probs = capture_with_probs(greedy.backbone, greedy.mixture.get("V2MLayout"), video_ids,
                                    greedy.motion_per_step)
    tokenizer = greedy.motion_tokenizer
    assert torch.allclose(greedy.capture(video_ids, 17), tokenizer.decode(ids, num_frames=17))
    assert torch.allclose(expected.capture(video_ids, 17), tokenizer.decode_expected(probs, num_frames=17))
    # an untrained model is far from one-hot, so the two decodings differ
    assert not torch.allclose(expected.capture(video_ids, 17), greedy.capture(video_ids, 17), atol=1e-3)


def test_capture_decoding_is_checked(tokenizers) -> None:
    with pytest.raises(ValueError, match="capture_decoding: expected 'greedy' or 'expected', got 'mean'"):
        tiny_task(tokenizers, capture_decoding="mean")
