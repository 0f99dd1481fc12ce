"""``M2VLayout``: image + motion -> video, i.e. animate the person in an image (beyond the paper)."""

from __future__ import annotations

from unimo.layouts.base import LAYOUTS, Layout, Span, TokenGrid
from unimo.layouts.special import SpecialToken


@LAYOUTS.register
class M2VLayout(Layout):
    """Generate the video of the pictured person performing a given motion.

    Sequence::

        [M2V] v0 m0 m1 ... m<t-1> | v1 v2 ... v<t-1>

    The whole motion comes before the generated video, so every frame can look at the full motion
    (it is given, so there is nothing to keep causal). Loss on the generated video only. For
    ``t=2, h=w=1, s=2`` the ids are ``[M2V, v0, m0a, m0b, m1a, m1b, v1]`` and ``loss_mask`` marks the
    target ``v1`` only.
    """

    task_token = SpecialToken.M2V

    def spans(self, grid: TokenGrid) -> list[Span]:
        """Return task token, first frame and motion (given), then video steps 1.. (generated)."""
        hw = grid.video_per_step
        return [
            Span("task", 0, 1, trained=False, given=True),
            Span("video", 0, hw, trained=False, given=True),
            Span("motion", 0, grid.motion_tokens, trained=False, given=True),
            Span("video", hw, grid.video_tokens - hw, trained=True, given=False),
        ]
