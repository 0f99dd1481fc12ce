"""TokenSequence padding and batching of mixed layouts."""

from __future__ import annotations

import pytest
import torch

from unimo.layouts import I2VMLayout, Modality, MotionPredictionLayout, SpecialToken, TokenSequence


def test_cat_pads_shorter_layouts_with_untrained_pad() -> None:
    video, motion = torch.tensor([[[[10]], [[11]]]]), torch.tensor([[20, 21, 22, 23]])
    long, short = I2VMLayout().arrange(video, motion), MotionPredictionLayout().arrange(video, motion)
    batch = TokenSequence.cat([long, short])
    assert batch.input_ids.shape == (2, 7)
    assert batch.input_ids[1].tolist() == [int(SpecialToken.MPRED), 10, 20, 21, 22, 23, int(SpecialToken.PAD)]
    assert batch.modality_ids[1, -1] == int(Modality.SPECIAL)
    assert batch.positions[1].tolist() == list(range(7))
    assert batch.loss_mask[1].tolist() == short.loss_mask[0].tolist() + [False]
    assert torch.equal(batch.loss_mask[0], long.loss_mask[0])


def test_pad_to_rejects_shrinking() -> None:
    seq = I2VMLayout().arrange(torch.zeros(1, 2, 1, 1, dtype=torch.long), torch.zeros(1, 2, dtype=torch.long))
    with pytest.raises(ValueError, match="length 5 to 4"):
        seq.pad_to(4)
