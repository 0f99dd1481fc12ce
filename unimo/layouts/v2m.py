"""``V2MLayout``: video -> motion, i.e. monocular motion capture (UniMo, Pang et al. 2025)."""

from __future__ import annotations

from unimo.layouts.base import LAYOUTS, Layout, Span, TokenGrid
from unimo.layouts.special import SpecialToken


@LAYOUTS.register
class V2MLayout(Layout):
    """Read the whole video, then write the whole motion.

    Sequence::

        [V2M] v0 v1 ... v<t-1> | m0 m1 ... m<t-1>

    Loss on motion ids only (the video is the condition). For ``t=2, h=w=1, s=2`` the ids are
    ``[V2M, v0, v1, m0a, m0b, m1a, m1b]`` and ``loss_mask`` marks the four motion targets.
    """

    task_token = SpecialToken.V2M

    def spans(self, grid: TokenGrid) -> list[Span]:
        """Return task token, all video (given), all motion (generated)."""
        return [
            Span("task", 0, 1, trained=False, given=True),
            Span("video", 0, grid.video_tokens, trained=False, given=True),
            Span("motion", 0, grid.motion_tokens, trained=True, given=False),
        ]
