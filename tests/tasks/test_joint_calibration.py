"""Belief-temperature calibration: the fitted temperature recovers the one the targets were drawn at."""

from __future__ import annotations

import pytest
import torch

from unimo.backbones import GPTBackbone
from unimo.layouts.v2m import V2MLayout
from unimo.tasks.joint.calibration import calibrate, fit_temperature
from unimo.tasks.joint.inference import capture_with_probs


@pytest.mark.parametrize("true_temperature", [0.5, 1.0, 3.0])
def test_fit_recovers_the_temperature_targets_were_drawn_at(true_temperature: float) -> None:
    generator = torch.Generator().manual_seed(0)
    logits = torch.randn(20000, 32, generator=generator) * 3
    targets = torch.multinomial((logits / true_temperature).softmax(-1), 1, generator=generator)[:, 0]
    fitted, nll = fit_temperature(logits, targets)
    assert fitted == pytest.approx(true_temperature, rel=0.08)
    assert nll["nll_fitted"] <= nll["nll_at_1"]


def test_fit_rejects_an_empty_set() -> None:
    with pytest.raises(ValueError, match="no motion targets"):
        fit_temperature(torch.zeros(0, 4), torch.zeros(0, dtype=torch.long))


def _tiny_v2m() -> tuple[GPTBackbone, V2MLayout, torch.Tensor, torch.Tensor]:
    torch.manual_seed(0)
    backbone = GPTBackbone(vocab_sizes={"special": 16, "video": 50, "motion": 12}, dim=32, num_layers=2,
                           num_heads=2).eval()
    video = torch.randint(0, 50, (3, 2, 2, 2))  # (B, t, h, w)
    motion = torch.randint(0, 12, (3, 4))  # s = 2 ids per latent step
    return backbone, V2MLayout(), video, motion


def test_calibrate_fits_on_teacher_forced_motion_targets() -> None:
    backbone, layout, video, motion = _tiny_v2m()
    temperature, nll = calibrate(backbone, layout, [(video, motion)])
    assert 0.25 <= temperature <= 16
    full = backbone.loss(layout.arrange(video, motion))["motion"]
    assert nll["nll_at_1"] == pytest.approx(float(full), rel=1e-4)  # the same targets as training's loss


def test_belief_temperature_divides_the_logits_of_the_returned_distributions() -> None:
    backbone, layout, video, _ = _tiny_v2m()
    ids, probs = capture_with_probs(backbone, layout, video, motion_per_step=2)
    ids_t, probs_t = capture_with_probs(backbone, layout, video, motion_per_step=2, belief_temperature=2.0)
    assert torch.equal(ids, ids_t)  # greedy ids do not depend on the belief temperature
    expected = probs.sqrt() / probs.sqrt().sum(-1, keepdim=True)  # softmax(l / 2) from softmax(l)
    torch.testing.assert_close(probs_t, expected, rtol=1e-4, atol=1e-6)
    with pytest.raises(ValueError, match="belief_temperature"):
        capture_with_probs(backbone, layout, video, motion_per_step=2, belief_temperature=0.0)
