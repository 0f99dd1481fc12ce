"""The video gain tells a V2M model that reads the video from one that learned only the motion prior."""

from __future__ import annotations

import pytest
import torch
from token_samples import VOCAB_SIZES

from unimo.backbones import BACKBONES
from unimo.layouts import LAYOUTS
from unimo.tasks.joint.video_gain import other_video, video_gain


def test_other_video_pairs_each_clip_with_the_clip_half_a_batch_away() -> None:
    video_ids = torch.arange(6).view(6, 1, 1, 1)
    assert other_video(video_ids).flatten().tolist() == [3, 4, 5, 0, 1, 2]
    with pytest.raises(ValueError, match="at least 2 clips .* got 1"):
        other_video(video_ids[:1])


def clips(count: int, motion_follows_video: bool, generator: torch.Generator) -> tuple[torch.Tensor, ...]:
    """Video ids ``(B, 2, 2, 2)`` and motion ids ``(B, 4)``: each motion id is the clip's first video id, or
    drawn from the same few ids independently of the video."""
    video_ids = torch.randint(0, 8, (count, 2, 2, 2), generator=generator)
    first = video_ids[:, 0, 0, 0, None].expand(count, 4)
    motion_ids = first if motion_follows_video else torch.randint(0, 8, (count, 4), generator=generator)
    return video_ids, motion_ids.contiguous()


def trained_gain(motion_follows_video: bool) -> float:
    torch.manual_seed(0)
    generator = torch.Generator().manual_seed(0)
    backbone = BACKBONES.build("GPTBackbone", vocab_sizes=VOCAB_SIZES, dim=32, num_layers=2, num_heads=2)
    layout, optimizer = LAYOUTS.build("V2MLayout"), torch.optim.Adam(backbone.parameters(), lr=3e-3)
    for _ in range(150):
        loss = backbone.loss(layout.arrange(*clips(32, motion_follows_video, generator)))["loss"]
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    backbone.eval()
    return float(video_gain(backbone, layout, *clips(256, motion_follows_video, generator))["video_gain"])


def test_gain_is_large_when_the_motion_is_in_the_video_and_near_zero_when_it_is_not() -> None:
    reads, prior_only = trained_gain(True), trained_gain(False)
    assert reads > 1.0  # nats per motion id: another clip's video makes it confidently wrong
    assert abs(prior_only) < 0.1
