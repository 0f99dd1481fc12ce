"""How much a video-conditioned layout reads the video: the loss with another clip's video minus the loss
with its own.

A V2M model can lower its loss by learning only the motion prior (which ids follow which), and the decoded
capture then sits near the average motion whatever the video shows. Its loss alone cannot tell the two
apart; this difference can: about 0 nats per motion id for a model that ignores the video, large for one
that reads it. Each clip is paired with the video of the clip half a batch away, so overlapping windows of
one clip, which loaders keep next to each other, are not paired.
"""

from __future__ import annotations

import torch

from unimo.backbones.base import Backbone
from unimo.layouts.base import Layout


def other_video(video_ids: torch.Tensor) -> torch.Tensor:
    """Video ids ``(B, ...)`` with each clip's video replaced by that of the clip ``B // 2`` places on."""
    if video_ids.shape[0] < 2:
        raise ValueError(f"video gain: needs a batch of at least 2 clips to swap videos, got "
                         f"{video_ids.shape[0]}")
    return video_ids.roll(video_ids.shape[0] // 2, dims=0)


@torch.no_grad()
def video_gain(backbone: Backbone, layout: Layout, video_ids: torch.Tensor, motion_ids: torch.Tensor,
               own_loss: torch.Tensor | None = None) -> dict[str, torch.Tensor]:
    """Return ``{"other_video_loss": ..., "video_gain": other_video_loss - own_loss}``, in nats per trained
    id of ``layout``; pass ``own_loss`` when it is already computed for these ids."""
    if own_loss is None:
        own_loss = backbone.loss(layout.arrange(video_ids, motion_ids))["loss"]
    other = backbone.loss(layout.arrange(other_video(video_ids), motion_ids))["loss"]
    return {"other_video_loss": other, "video_gain": other - own_loss}
