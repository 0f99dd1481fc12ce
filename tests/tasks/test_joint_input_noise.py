"""Input-id noise: only the chosen modality's inputs change, targets never; bad settings are refused."""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest
import torch

from unimo.backbones import BACKBONES
from unimo.layouts.base import Modality
from unimo.layouts.v2m import V2MLayout
from unimo.tasks.joint import JointTask
from unimo.tasks.joint.input_noise import check_input_noise, noisy_inputs

VOCAB = {"video": 50, "motion": 32}


def _v2m_sequence(batch: int = 64) -> torch.Tensor:
    video = torch.randint(0, VOCAB["video"], (batch, 5, 4, 4))
    motion = torch.randint(0, VOCAB["motion"], (batch, 5 * 4))
    return V2MLayout().arrange(video, motion)


def test_motion_noise_replaces_about_that_fraction_of_motion_inputs_and_nothing_else() -> None:
    seq = _v2m_sequence()
    noisy = noisy_inputs(seq, {"motion": 0.3}, VOCAB, generator=torch.Generator().manual_seed(0))
    motion = seq.modality_ids == int(Modality.MOTION)
    changed = noisy.input_ids != seq.input_ids
    assert not changed[~motion].any(), "ids outside the motion modality changed"
    fraction = changed[motion].float().mean().item()
    # P(changed) = 0.3 * (1 - 1/32): a replacement can draw the same id
    assert 0.25 < fraction < 0.33, fraction
    assert noisy.input_ids[motion].max() < VOCAB["motion"] and noisy.input_ids[motion].min() >= 0
    for name in ("targets", "loss_mask", "positions", "modality_ids"):
        assert torch.equal(getattr(noisy, name), getattr(seq, name)), name


def test_zero_noise_leaves_the_sequence_unchanged() -> None:
    seq = _v2m_sequence(4)
    assert torch.equal(noisy_inputs(seq, {"motion": 0.0, "video": 0.0}, VOCAB).input_ids, seq.input_ids)


@pytest.mark.parametrize(("noise", "message"), [({"audio": 0.1}, "unknown modality 'audio'"),
                                                ({"motion": 1.0}, r"input_noise\['motion'\]"),
                                                ({"video": -0.1}, r"input_noise\['video'\]")])
def test_bad_noise_settings_are_refused_by_name(noise: dict[str, float], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        check_input_noise(noise, VOCAB)


def test_joint_task_feeds_noisy_motion_inputs_to_the_backbone(tokenizers: dict[str, Path]) -> None:
    def task(noise: dict[str, float]) -> JointTask:
        backbone = BACKBONES.build("GPTBackbone", vocab_sizes={"special": 16, "video": 200, "motion": 32},
                                   dim=16, num_layers=1, num_heads=2)
        return JointTask(backbone=backbone, video_tokenizer=str(tokenizers["video"]),
                         motion_tokenizer=str(tokenizers["motion"]), layouts={"V2MLayout": 1.0},
                         input_noise=noise)

    with pytest.raises(ValueError, match="input_noise"):
        task({"motion": 2.0})
    noisy = task({"motion": 0.5})
    seen = []
    real_loss = noisy.backbone.loss
    noisy.backbone.loss = lambda seq: seen.append(seq) or real_loss(seq)
    video = torch.randint(0, 200, (8, 5, 4, 4))
    motion = torch.randint(0, noisy.motion_tokenizer.vocab_size, (8, 5 * noisy.motion_per_step))
    with warnings.catch_warnings():  # no trainer attached: Lightning warns and skips logging
        warnings.simplefilter("ignore")
        loss = noisy.training_step({"video_ids": video, "motion_ids": motion}, 0)
    clean = V2MLayout().arrange(video, motion)
    changed = seen[0].input_ids != clean.input_ids
    assert torch.isfinite(loss) and changed.any()
    assert not changed[clean.modality_ids != int(Modality.MOTION)].any()
    assert torch.equal(seen[0].targets, clean.targets)
