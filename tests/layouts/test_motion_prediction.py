"""MotionPredictionLayout against its written-out token sequence."""

from __future__ import annotations

import pytest
import torch

from unimo.layouts import Modality, MotionPredictionLayout, SpecialToken, TokenGrid

S, V, M = int(Modality.SPECIAL), int(Modality.VIDEO), int(Modality.MOTION)
MPRED = int(SpecialToken.MPRED)


def test_arrange_prompt_schedule_parse() -> None:
    video, motion = torch.tensor([[[[10]], [[11]]]]), torch.tensor([[20, 21, 22, 23]])
    layout, grid = MotionPredictionLayout(num_past_steps=1), TokenGrid.from_ids(video, motion)
    seq = layout.arrange(video, motion)
    assert seq.input_ids.tolist() == [[MPRED, 10, 20, 21, 22, 23]]  # future video v1 left out
    assert seq.modality_ids.tolist() == [[S, V, M, M, M, M]]
    assert seq.loss_mask.tolist() == [[False, False, False, True, True, False]]  # future motion only
    assert layout.prompt(video, motion[:, :2], grid).input_ids.tolist() == [[MPRED, 10, 20, 21]]
    assert layout.schedule(grid).modality_ids.tolist() == [M, M]
    v, m = layout.parse(seq.input_ids, grid)
    assert torch.equal(v, video[:, :1]) and torch.equal(m, motion)  # only the observed video step


def test_two_past_steps_interleave() -> None:
    video = torch.tensor([[[[10]], [[11]], [[12]]]])  # t=3, h=w=1
    motion = torch.tensor([[20, 21, 22]])  # s=1
    seq = MotionPredictionLayout(num_past_steps=2).arrange(video, motion)
    assert seq.input_ids.tolist() == [[MPRED, 10, 20, 11, 21, 22]]


def test_rejects_clip_without_future() -> None:
    with pytest.raises(ValueError, match="num_past_steps=2"):
        MotionPredictionLayout(num_past_steps=2).arrange(torch.zeros(1, 2, 1, 1, dtype=torch.long),
                                                         torch.zeros(1, 2, dtype=torch.long))
