"""V2M capture with the model's distributions: greedy ids, expected-code and sampled-history decoding."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from token_samples import VOCAB_SIZES

from unimo.backbones import BACKBONES
from unimo.tasks.joint import JointTask
from unimo.tasks.joint.inference import capture_with_probs, sampled_belief


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
    with pytest.raises(ValueError, match="capture_decoding: expected one of 'greedy', 'expected', 'sampled', "
                                         "got 'mean'"):
        tiny_task(tokenizers, capture_decoding="mean")
    with pytest.raises(ValueError, match="capture_samples: expected an integer >= 1, got 0"):
        tiny_task(tokenizers, capture_decoding="sampled", capture_samples=0)


def test_sampled_belief_averages_sampled_histories(tokenizers) -> None:
    task = tiny_task(tokenizers)
    layout, video_ids = task.mixture.get("V2MLayout"), torch.randint(0, VOCAB_SIZES["video"], (2, 5, 4, 4))
    belief = sampled_belief(task.backbone, layout, video_ids, task.motion_per_step, 4,
                            torch.Generator().manual_seed(0))
    assert belief.shape == (2, 5 * task.motion_per_step, task.motion_tokenizer.vocab_size)
    assert torch.allclose(belief.sum(-1), torch.ones(belief.shape[:2]))
    # one sample is one temperature-1 history with the same random stream
    one = sampled_belief(task.backbone, layout, video_ids, task.motion_per_step, 1,
                         torch.Generator().manual_seed(0))
    _, probs = capture_with_probs(task.backbone, layout, video_ids, task.motion_per_step, temperature=1.0,
                                  generator=torch.Generator().manual_seed(0))
    assert torch.allclose(one, probs)
    # the first id has no history: its distribution is the same in every sample, and greedy's
    _, greedy = capture_with_probs(task.backbone, layout, video_ids, task.motion_per_step)
    assert torch.allclose(belief[:, 0], greedy[:, 0], atol=1e-6)
    assert not torch.allclose(belief[:, 1:], greedy[:, 1:], atol=1e-4)  # later ids see sampled histories


def test_sampled_capture_is_seeded_and_decodes_the_belief(tokenizers) -> None:
    task = tiny_task(tokenizers, capture_decoding="sampled", capture_samples=3)
    video_ids = torch.randint(0, VOCAB_SIZES["video"], (2, 5, 4, 4))
    first = task.capture(video_ids, 17)
    assert torch.equal(first, task.capture(video_ids, 17))  # the same video gives the same motion
    belief = sampled_belief(task.backbone, task.mixture.get("V2MLayout"), video_ids, task.motion_per_step, 3,
                            torch.Generator().manual_seed(task.hparams.seed))
    assert torch.allclose(first, task.motion_tokenizer.decode_expected(belief, num_frames=17))
    task.set_capture_decoding("sampled", samples=5)
    assert task.capture_samples == 5 and not torch.allclose(task.capture(video_ids, 17), first)
