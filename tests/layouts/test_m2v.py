"""M2VLayout against its written-out token sequence (t=2, h=w=1, s=2)."""

from __future__ import annotations

import torch

from unimo.layouts import M2VLayout, Modality, SpecialToken, TokenGrid

S, V, M = int(Modality.SPECIAL), int(Modality.VIDEO), int(Modality.MOTION)


def test_arrange_prompt_schedule_parse() -> None:
    video, motion = torch.tensor([[[[10]], [[11]]]]), torch.tensor([[20, 21, 22, 23]])
    layout, grid = M2VLayout(), TokenGrid.from_ids(video, motion)
    seq = layout.arrange(video, motion)
    assert seq.input_ids.tolist() == [[int(SpecialToken.M2V), 10, 20, 21, 22, 23, 11]]
    assert seq.modality_ids.tolist() == [[S, V, M, M, M, M, V]]
    assert seq.loss_mask.tolist() == [[False, False, False, False, False, True, False]]  # only v1
    prompt = layout.prompt(video[:, :1], motion, grid)
    assert prompt.input_ids.tolist() == [[int(SpecialToken.M2V), 10, 20, 21, 22, 23]]
    assert layout.schedule(grid).modality_ids.tolist() == [V]
    assert layout.schedule(grid).positions.tolist() == [6]
    v, m = layout.parse(seq.input_ids, grid)
    assert torch.equal(v, video) and torch.equal(m, motion)
