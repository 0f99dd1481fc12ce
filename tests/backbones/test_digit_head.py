"""DigitHead: a normalized distribution over all codes whose NLL equals the per-digit loss it trains with."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from unimo.backbones import BACKBONES
from unimo.backbones.digit_head import DigitHead
from unimo.layouts.sequence import Modality

LEVELS = [4, 3, 5]  # 60 codes


def test_codes_get_a_normalized_distribution_and_the_training_loss_is_its_nll():
    torch.manual_seed(0)
    head = DigitHead(LEVELS, 16)
    torch.nn.init.normal_(head.proj.weight, std=1.0)  # far from uniform
    h, targets = torch.randn(7, 16), torch.randint(0, 60, (7,))
    log_probs = head(h)  # (7, 60)
    assert log_probs.shape == (7, 60)
    torch.testing.assert_close(log_probs.logsumexp(-1), torch.zeros(7), atol=1e-5, rtol=0)
    torch.testing.assert_close(head.ce_sum(h, targets), F.cross_entropy(log_probs, targets, reduction="sum"))


def test_code_probability_is_the_product_of_its_digit_probabilities():
    head = DigitHead(LEVELS, 8)
    h = torch.randn(1, 8)
    digit_lp = head.digit_log_probs(h)
    code = 2 + 4 * 1 + 12 * 3  # digits (2, 1, 3) in FiniteScalarQuantizer's order
    want = digit_lp[0][0, 2] + digit_lp[1][0, 1] + digit_lp[2][0, 3]
    torch.testing.assert_close(head(h)[0, code], want)


def test_backbone_with_a_digit_video_head_trains_and_samples():
    vocab = {"special": 4, "video": 60, "motion": 8}
    backbone = BACKBONES.build("GPTBackbone", vocab_sizes=vocab, dim=16, num_layers=1, num_heads=2,
                               code_levels={"video": LEVELS}, digit_heads=["video"])
    assert isinstance(backbone.heads.heads["video"], DigitHead)
    assert sum(p.numel() for p in backbone.heads.heads["video"].parameters()) == 16 * sum(LEVELS)
    ids = torch.tensor([[0, 5, 59, 3, 7, 1]])
    kinds = [Modality.SPECIAL] + [Modality.VIDEO] * 3 + [Modality.MOTION] * 2
    modality = torch.tensor([[int(m) for m in kinds]])
    logits = backbone(ids, modality)
    assert logits["video"].shape == (1, 6, 60) and logits["motion"].shape == (1, 6, 8)
    torch.testing.assert_close(logits["video"].logsumexp(-1), torch.zeros(1, 6), atol=1e-5, rtol=0)
    with pytest.raises(ValueError, match="code_levels"):
        BACKBONES.build("GPTBackbone", vocab_sizes=vocab, dim=16, num_layers=1, num_heads=2,
                        digit_heads=["video"])
