"""``I2VMLayout``: image -> video + motion, interleaved per latent step (UniMo, Pang et al. 2025)."""

from __future__ import annotations

from unimo.layouts.base import LAYOUTS, Layout, Span, TokenGrid
from unimo.layouts.special import SpecialToken


@LAYOUTS.register
class I2VMLayout(Layout):
    """Generate video and motion in sync from the first frame.

    Sequence (``v<t>`` = the ``h*w`` video ids of latent step ``t``, ``m<t>`` = its ``s`` motion ids)::

        [I2VM] v0 | m0 v1 m1 v2 m2 ... v<t-1> m<t-1>

    Everything left of ``|`` is the prompt. The motion of step 0 follows the first-frame image, so
    every step is "video then its motion" and step 0's motion (the pose seen in the given image) is
    predicted from the image like the others; it is generated and trained. Loss on every video and
    motion id except the prompt image. For ``t=2, h=w=1, s=2`` the ids are
    ``[I2VM, v0, m0a, m0b, v1, m1a, m1b]`` and ``loss_mask`` marks the targets ``m0a .. m1b``.
    """

    task_token = SpecialToken.I2VM

    def spans(self, grid: TokenGrid) -> list[Span]:
        """Return task token, the given first frame, then (video, motion) per step."""
        hw, s = grid.video_per_step, grid.motion_per_step
        spans = [Span("task", 0, 1, trained=False, given=True),
                 Span("video", 0, hw, trained=False, given=True)]
        for t in range(grid.num_steps):
            if t > 0:
                spans.append(Span("video", t * hw, hw, trained=True, given=False))
            spans.append(Span("motion", t * s, s, trained=True, given=False))
        return spans
