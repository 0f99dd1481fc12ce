"""V2MLayout against its written-out token sequence (t=2, h=w=1, s=2)."""

from __future__ import annotations

import torch

from unimo.layouts import Modality, SpecialToken, TokenGrid, V2MLayout

S, V, M = int(Modality.SPECIAL), int(Modality.VIDEO), int(Modality.MOTION)


def test_arrange_prompt_schedule_parse() -> None:
    video, motion = torch.tensor([[[[10]], [[11]]]]), torch.tensor([[20, 21, 22, 23]])
    layout, grid = V2MLayout(), TokenGrid.from_ids(video, motion)
    seq = layout.arrange(video, motion)
    assert seq.input_ids.tolist() == [[int(SpecialToken.V2M), 10, 11, 20, 21, 22, 23]]
    assert seq.modality_ids.tolist() == [[S, V, V, M, M, M, M]]
    assert seq.loss_mask.tolist() == [[False, False, True, True, True, True, False]]  # motion targets only
    assert layout.prompt(video, None, grid).input_ids.tolist() == [[int(SpecialToken.V2M), 10, 11]]
    assert layout.schedule(grid).modality_ids.tolist() == [M, M, M, M]
    v, m = layout.parse(seq.input_ids, grid)
    assert torch.equal(v, video) and torch.equal(m, motion)
