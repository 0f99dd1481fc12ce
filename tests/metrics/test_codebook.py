"""CodebookUsage: fraction of the vocabulary seen and exp(entropy) of the id histogram, over many updates."""

from __future__ import annotations

import math

import pytest
import torch

from unimo.metrics.codebook import CodebookUsage


def test_usage_and_perplexity_accumulate_over_updates() -> None:
    metric = CodebookUsage(8)
    metric.update(torch.tensor([[0, 1], [1, 1]]))
    metric.update(torch.tensor([2, 2, 2, 0]))
    stats = metric.compute()  # counts: 0 -> 2, 1 -> 3, 2 -> 3 of 8 codes
    assert stats["usage"].item() == pytest.approx(3 / 8)
    probs = torch.tensor([2, 3, 3]) / 8
    expected = math.exp(-(probs * probs.log()).sum().item())
    assert stats["perplexity"].item() == pytest.approx(expected, rel=1e-5)
    metric.reset()
    metric.update(torch.arange(8))
    assert metric.compute()["perplexity"].item() == pytest.approx(8.0, rel=1e-5)


def test_out_of_range_ids_raise() -> None:
    with pytest.raises(ValueError, match=r"\[0, 4\)"):
        CodebookUsage(4).update(torch.tensor([4]))
