"""Properties every registered layout must have, plus grid validation."""

from __future__ import annotations

import pytest
import torch

from unimo.layouts import LAYOUTS, Layout, Modality, TokenGrid


def _example(b: int = 2, t: int = 3, h: int = 2, w: int = 3, s: int = 2) -> tuple[torch.Tensor, torch.Tensor]:
    video = torch.randint(0, 50, (b, t, h, w))  # (B, t, h, w)
    motion = torch.randint(0, 7, (b, t * s))  # (B, t*s)
    return video, motion


@pytest.mark.parametrize("name", LAYOUTS.names())
def test_layout_round_trip_and_prompt_plus_schedule_is_the_sequence(name: str) -> None:
    layout: Layout = LAYOUTS.build(name)
    video, motion = _example()
    grid = TokenGrid.from_ids(video, motion)
    seq = layout.arrange(video, motion)
    assert len(seq) == layout.sequence_length(grid)
    for x in (seq.modality_ids, seq.positions, seq.targets, seq.loss_mask):
        assert x.shape == (2, len(seq))
    assert torch.equal(seq.targets[:, :-1], seq.input_ids[:, 1:])  # shifted by one
    # trained targets carry the modality of the id they predict, never the task token
    assert (seq.target_modality_ids[seq.loss_mask] != int(Modality.SPECIAL)).all()
    assert seq.loss_mask.any()
    prompt, schedule = layout.prompt(video, motion, grid), layout.schedule(grid)
    assert len(prompt) + len(schedule) == len(seq)
    assert torch.equal(prompt.input_ids, seq.input_ids[:, : len(prompt)])
    assert torch.equal(schedule.modality_ids, seq.modality_ids[0, len(prompt):])
    assert torch.equal(schedule.positions, seq.positions[0, len(prompt):])
    # nothing in the prompt is trained: generated positions are exactly the trained ones (+ nothing else)
    assert not seq.loss_mask[:, : len(prompt) - 1].any()
    v, m = layout.parse(seq.input_ids, grid)
    assert torch.equal(v, video[:, : v.shape[1]]) and v.shape[1] >= 1
    assert torch.equal(m, motion)


def test_grid_from_ids_rejects_misaligned_motion() -> None:
    with pytest.raises(ValueError, match=r"motion_ids: expected \(B=1, t\*s\) with t=3"):
        TokenGrid.from_ids(torch.zeros(1, 3, 1, 1), torch.zeros(1, 4))
    with pytest.raises(ValueError, match="video_ids"):
        TokenGrid.from_ids(torch.zeros(1, 3, 1), torch.zeros(1, 3))


def test_prompt_names_missing_condition() -> None:
    layout = LAYOUTS.build("V2MLayout")
    grid = TokenGrid(num_steps=2, height=1, width=1, motion_per_step=2)
    with pytest.raises(ValueError, match=r"video_ids must cover ids \[0, 2\)"):
        layout.prompt(torch.zeros(1, 1, 1, 1, dtype=torch.long), None, grid)


def test_parse_rejects_wrong_length() -> None:
    grid = TokenGrid(num_steps=2, height=1, width=1, motion_per_step=2)
    with pytest.raises(ValueError, match=r"expected ids \(B, 7\)"):
        LAYOUTS.build("I2VMLayout").parse(torch.zeros(1, 6, dtype=torch.long), grid)
