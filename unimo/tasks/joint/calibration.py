"""Temperature calibration of the V2M motion distributions (Guo et al., "On Calibration of Modern Neural
Networks", ICML 2017).

Expected-code and sampled-history capture decode the mean motion under the model's belief, so they are only as
good as that belief is calibrated. A V2M model that overfits (benchmarks/results/joint.md: its best validation
weights come early) is overconfident; one temperature, fitted on held-out clips by the teacher-forced motion
NLL, corrects that without touching the weights.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import torch
import torch.nn.functional as F

from unimo.backbones.base import Backbone, trained_mask
from unimo.layouts.base import Layout

TEMPERATURE_GRID = torch.exp(torch.linspace(math.log(0.25), math.log(16.0), 121))  # ~3.5% apart


@torch.no_grad()
def motion_logits(backbone: Backbone, layout: Layout, video_ids: torch.Tensor, motion_ids: torch.Tensor,
                  ) -> tuple[torch.Tensor, torch.Tensor]:
    """Teacher-forced logits ``(K, V)`` of the K trained motion targets of ``layout``'s sequences, and the
    targets ``(K,)``."""
    seq = layout.arrange(video_ids, motion_ids)
    hidden = backbone.hidden(seq.input_ids, seq.modality_ids, seq.positions)
    trained = trained_mask(seq, "motion")
    return backbone.head(hidden[trained], "motion").float(), seq.targets[trained]


def fit_temperature(logits: torch.Tensor, targets: torch.Tensor) -> tuple[float, dict[str, float]]:
    """Return the temperature of ``TEMPERATURE_GRID`` with the lowest NLL of ``targets`` under
    ``softmax(logits / T)``, and the NLL at 1 and at that temperature."""
    if targets.numel() == 0:
        raise ValueError("fit_temperature: no motion targets to fit on")
    logits, targets = logits.float().cpu(), targets.cpu()
    nll = torch.stack([F.cross_entropy(logits / t, targets) for t in TEMPERATURE_GRID])
    best = int(nll.argmin())
    return float(TEMPERATURE_GRID[best]), {"nll_at_1": float(F.cross_entropy(logits, targets)),
                                           "nll_fitted": float(nll[best])}


def calibrate(backbone: Backbone, layout: Layout, batches: Iterable[tuple[torch.Tensor, torch.Tensor]],
              ) -> tuple[float, dict[str, float]]:
    """Fit the belief temperature on ``(video_ids, motion_ids)`` batches of held-out clips."""
    pairs = [motion_logits(backbone, layout, video, motion) for video, motion in batches]
    if not pairs:
        raise ValueError("calibrate: no batches given")
    return fit_temperature(torch.cat([p[0] for p in pairs]), torch.cat([p[1] for p in pairs]))
