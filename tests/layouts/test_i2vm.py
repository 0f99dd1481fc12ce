"""I2VMLayout against its written-out token sequence (t=2, h=w=1, s=2)."""

from __future__ import annotations

import torch

from unimo.layouts import I2VMLayout, Modality, SpecialToken, TokenGrid

S, V, M = int(Modality.SPECIAL), int(Modality.VIDEO), int(Modality.MOTION)


def _ids() -> tuple[torch.Tensor, torch.Tensor]:
    return torch.tensor([[[[10]], [[11]]]]), torch.tensor([[20, 21, 22, 23]])  # (1, 2, 1, 1), (1, 4)


def test_arrange_token_by_token() -> None:
    seq = I2VMLayout().arrange(*_ids())
    assert seq.input_ids.tolist() == [[int(SpecialToken.I2VM), 10, 20, 21, 11, 22, 23]]
    assert seq.modality_ids.tolist() == [[S, V, M, M, V, M, M]]
    assert seq.targets.tolist() == [[10, 20, 21, 11, 22, 23, int(SpecialToken.PAD)]]
    # no loss on the prompt image (target of position 0) nor past the end
    assert seq.loss_mask.tolist() == [[False, True, True, True, True, True, False]]
    assert seq.target_modality_ids.tolist() == [[V, M, M, V, M, M, S]]
    assert seq.positions.tolist() == [list(range(7))]


def test_prompt_schedule_parse() -> None:
    video, motion = _ids()
    layout, grid = I2VMLayout(), TokenGrid.from_ids(video, motion)
    prompt = layout.prompt(video[:, :1], None, grid)  # only the first frame is needed
    assert prompt.input_ids.tolist() == [[int(SpecialToken.I2VM), 10]]
    schedule = layout.schedule(grid)
    assert schedule.modality_ids.tolist() == [M, M, V, M, M]
    assert schedule.positions.tolist() == [2, 3, 4, 5, 6]
    full = torch.cat([prompt.input_ids, torch.tensor([[20, 21, 11, 22, 23]])], dim=1)
    v, m = layout.parse(full, grid)
    assert torch.equal(v, video) and torch.equal(m, motion)


def test_larger_grid_interleaves_steps() -> None:
    video = torch.arange(3 * 2 * 2).view(1, 3, 2, 2) + 100  # (1, t=3, h=2, w=2)
    motion = torch.arange(3 * 2).view(1, 6) + 500  # s=2
    ids = I2VMLayout().arrange(video, motion).input_ids[0].tolist()
    assert ids == [1, 100, 101, 102, 103, 500, 501, 104, 105, 106, 107, 502, 503,
                   108, 109, 110, 111, 504, 505]
