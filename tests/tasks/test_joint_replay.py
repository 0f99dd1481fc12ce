"""TokenReplay: keeps the newest ``capacity`` clips, samples only stored ones, refuses mixed shapes."""

from __future__ import annotations

import pytest
import torch

from unimo.tasks.joint.replay import TokenReplay


def _batch(first: int, size: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Clip ``i`` holds the value ``i`` everywhere, so a sample says which clips it came from."""
    ids = torch.arange(first, first + size)
    return ids.view(-1, 1, 1, 1).expand(-1, 2, 3, 3).clone(), ids.view(-1, 1).expand(-1, 4).clone()


def test_samples_come_from_the_newest_clips():
    replay = TokenReplay(capacity=5, batch_size=64, seed=0)
    replay.push(*_batch(0, 3))
    video, motion = replay.sample()
    assert video.shape == (64, 2, 3, 3) and motion.shape == (64, 4)
    assert set(video[:, 0, 0, 0].tolist()) == {0, 1, 2}  # only stored clips, all of them in 64 draws
    replay.push(*_batch(3, 4))  # 7 clips into 5 slots: 0 and 1 are overwritten
    video, motion = replay.sample()
    assert set(video[:, 0, 0, 0].tolist()) == {2, 3, 4, 5, 6}
    assert torch.equal(video[:, 0, 0, 0], motion[:, 0])  # video and motion of a clip stay paired


def test_same_seed_same_draws():
    draws = []
    for _ in range(2):
        replay = TokenReplay(capacity=8, batch_size=16, seed=3)
        replay.push(*_batch(0, 8))
        draws.append(replay.sample()[1])
    assert torch.equal(*draws)


def test_errors_name_the_problem():
    replay = TokenReplay(capacity=4, batch_size=2)
    with pytest.raises(RuntimeError, match="before any push"):
        replay.sample()
    replay.push(*_batch(0, 2))
    video, motion = _batch(0, 2)
    with pytest.raises(ValueError, match="same id shapes"):
        replay.push(video[:, :1], motion[:, :2])
    with pytest.raises(ValueError, match="capacity"):
        TokenReplay(capacity=0, batch_size=2)
