"""A replay buffer of token ids: train on a stream of fresh clips faster than the stream makes them.

A synthetic stream (``SyntheticStreamDataModule``) makes a few hundred clips a second on a 16-core machine;
the GPT trains on thousands a second. ``TokenReplay`` keeps the ids of the last ``capacity`` clips on the
accelerator; each step pushes the fresh (small) batch and trains on ``batch_size`` clips drawn from the
buffer, so every clip is seen about ``batch_size / fresh clips per step`` times, across a window of recent
steps rather than in repeated epochs of one fixed set. The buffer is not checkpointed: a resumed run refills
it from the stream.
"""

from __future__ import annotations

import torch


class TokenReplay:
    """Ring buffer of ``(video ids, motion ids)`` pairs with uniform sampling.

    Args:
        capacity: Clips kept (the oldest are overwritten).
        batch_size: Clips per sampled batch.
        seed: Seed of the sampling.
    """

    def __init__(self, capacity: int, batch_size: int, seed: int = 0) -> None:
        if capacity < 1 or batch_size < 1:
            raise ValueError(f"replay: expected capacity, batch_size >= 1, got {capacity}, {batch_size}")
        self.capacity, self.batch_size, self.seed = capacity, batch_size, seed
        self.video: torch.Tensor | None = None  # (capacity, t, h, w)
        self.motion: torch.Tensor | None = None  # (capacity, t*s)
        self.pushed = 0  # clips pushed so far; the next slot and the filled count follow from it
        self.generator: torch.Generator | None = None

    @property
    def filled(self) -> int:
        """Clips stored (at most ``capacity``)."""
        return min(self.capacity, self.pushed)

    def push(self, video_ids: torch.Tensor, motion_ids: torch.Tensor) -> None:
        """Store a batch of ids ``(B, t, h, w)``, ``(B, t*s)``, overwriting the oldest."""
        if self.video is None:
            self.video = video_ids.new_zeros((self.capacity, *video_ids.shape[1:]))
            self.motion = motion_ids.new_zeros((self.capacity, *motion_ids.shape[1:]))
            self.generator = torch.Generator(video_ids.device).manual_seed(self.seed)
        if video_ids.shape[1:] != self.video.shape[1:] or motion_ids.shape[1:] != self.motion.shape[1:]:
            raise ValueError(f"replay: every clip must have the same id shapes; buffer holds video "
                             f"{tuple(self.video.shape[1:])} / motion {tuple(self.motion.shape[1:])}, got "
                             f"{tuple(video_ids.shape[1:])} / {tuple(motion_ids.shape[1:])} (same num_frames "
                             f"and frame size in every batch)")
        slots = (self.pushed + torch.arange(len(video_ids), device=video_ids.device)) % self.capacity
        self.video[slots], self.motion[slots] = video_ids, motion_ids
        self.pushed += len(video_ids)

    def sample(self) -> tuple[torch.Tensor, torch.Tensor]:
        """Return ``batch_size`` stored clips drawn uniformly (with replacement)."""
        if self.video is None or self.generator is None:
            raise RuntimeError("replay: sample() before any push()")
        index = torch.randint(self.filled, (self.batch_size,), generator=self.generator,
                              device=self.generator.device)
        return self.video[index], self.motion[index]
