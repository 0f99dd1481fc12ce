"""``MotionPredictionLayout``: observed video + past motion -> future motion (beyond the paper)."""

from __future__ import annotations

from unimo.layouts.base import LAYOUTS, Layout, Span, TokenGrid
from unimo.layouts.special import SpecialToken


@LAYOUTS.register
class MotionPredictionLayout(Layout):
    """Forecast the motion of the next latent steps from what was seen so far.

    Only the first ``num_past_steps`` (``P``) steps are observed, as video and motion interleaved like
    I2VM; the future video is not in the sequence (it would leak the answer)::

        [MPRED] v0 m0 ... v<P-1> m<P-1> | m<P> ... m<t-1>

    Loss on the future motion only. For ``t=2, h=w=1, s=2, P=1`` the ids are
    ``[MPRED, v0, m0a, m0b, m1a, m1b]`` and ``loss_mask`` marks the targets ``m1a, m1b``. ``parse``
    returns the ``P`` observed video steps and all ``t*s`` motion ids.

    Args:
        num_past_steps: Observed latent steps ``P``; clips need ``t > P``.
    """

    task_token = SpecialToken.MPRED

    def __init__(self, num_past_steps: int = 1) -> None:
        if num_past_steps < 1:
            raise ValueError(f"num_past_steps: expected >= 1, got {num_past_steps}")
        self.num_past_steps = num_past_steps

    def spans(self, grid: TokenGrid) -> list[Span]:
        """Return task token, past (video, motion) per step (given), then future motion (generated)."""
        p, hw, s = self.num_past_steps, grid.video_per_step, grid.motion_per_step
        if grid.num_steps <= p:
            raise ValueError(f"MotionPredictionLayout: clip has {grid.num_steps} latent steps, needs more "
                             f"than num_past_steps={p}")
        spans = [Span("task", 0, 1, trained=False, given=True)]
        for t in range(p):
            spans += [Span("video", t * hw, hw, trained=False, given=True),
                      Span("motion", t * s, s, trained=False, given=True)]
        spans.append(Span("motion", p * s, (grid.num_steps - p) * s, trained=True, given=False))
        return spans
