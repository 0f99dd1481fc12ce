"""The ``Layout`` base class, the token ``Modality`` ids and the ``LAYOUTS`` registry.

A layout arranges the tokens of one task (e.g. image -> video + motion) into one sequence and reads
generated sequences back. Plain PyTorch, no parameters.

A concrete layout only lists its ``Span``s (which stretch of the task token / video stream / motion stream
comes next, whether it is trained, whether it is given at inference); ``arrange``, ``prompt``,
``schedule`` and ``parse`` are derived from that list here, so every layout reads back exactly what it
wrote. Video ids ``(B, t, h, w)`` are flattened step-major then row-major into a stream of ``t*h*w``
ids; motion ids ``(B, t*s)`` already are a stream (``s`` ids per latent step).

``Modality`` and ``TokenSequence`` live in ``layouts/sequence.py`` and are re-exported here.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from itertools import accumulate
from typing import ClassVar, Literal

import torch

from unimo.layouts.sequence import Modality, TokenSequence
from unimo.layouts.special import SpecialToken
from unimo.registry import Registry

Source = Literal["task", "video", "motion"]


_SOURCE_MODALITY = {"task": Modality.SPECIAL, "video": Modality.VIDEO, "motion": Modality.MOTION}


@dataclass(frozen=True)
class TokenGrid:
    """Token counts of one clip: ``num_steps`` latent steps of ``height x width`` video ids and
    ``motion_per_step`` (the paper's temporal expansion ``s``) motion ids each."""

    num_steps: int
    height: int
    width: int
    motion_per_step: int

    @property
    def video_per_step(self) -> int:
        return self.height * self.width

    @property
    def video_tokens(self) -> int:
        return self.num_steps * self.video_per_step

    @property
    def motion_tokens(self) -> int:
        return self.num_steps * self.motion_per_step

    @classmethod
    def from_ids(cls, video_ids: torch.Tensor, motion_ids: torch.Tensor) -> TokenGrid:
        """Read the grid off tokenizer outputs ``(B, t, h, w)`` and ``(B, t*s)``."""
        if video_ids.ndim != 4:
            raise ValueError(f"video_ids: expected (B, t, h, w), got shape {tuple(video_ids.shape)}")
        b, t, h, w = video_ids.shape
        if motion_ids.ndim != 2 or motion_ids.shape[0] != b or motion_ids.shape[1] % t:
            raise ValueError(
                f"motion_ids: expected (B={b}, t*s) with t={t} latent steps of video_ids, "
                f"got shape {tuple(motion_ids.shape)}"
            )
        return cls(num_steps=t, height=h, width=w, motion_per_step=motion_ids.shape[1] // t)


@dataclass(frozen=True)
class Span:
    """A contiguous stretch of one source stream placed in the sequence.

    Attributes:
        source: ``"task"`` (the layout's task token, length 1), ``"video"`` or ``"motion"``.
        start: Offset into the flattened source stream.
        length: Number of ids.
        trained: Whether next-token loss is applied to these ids.
        given: Whether these ids are part of the prompt at inference (given spans form a prefix).
    """

    source: Source
    start: int
    length: int
    trained: bool
    given: bool

    @property
    def modality(self) -> Modality:
        return _SOURCE_MODALITY[self.source]


@dataclass
class Schedule:
    """What to generate after a prompt: ``modality_ids`` and ``positions``, both ``(N_gen,)``."""

    modality_ids: torch.Tensor
    positions: torch.Tensor

    def __len__(self) -> int:
        return int(self.modality_ids.shape[0])


class Layout(ABC):
    """Arrange tokenized video and motion of one task into a ``TokenSequence`` and back.

    Subclasses set ``task_token`` and implement ``spans``.
    """

    task_token: ClassVar[SpecialToken]

    @abstractmethod
    def spans(self, grid: TokenGrid) -> list[Span]:
        """Return the spans of the full sequence in order; given spans first."""

    def positions(self, grid: TokenGrid) -> torch.Tensor:
        """Return the RoPE position of every sequence index ``(N,)``; sequential by default."""
        return torch.arange(self.sequence_length(grid))

    def sequence_length(self, grid: TokenGrid) -> int:
        """Return the number of tokens in the full sequence."""
        return sum(span.length for span in self.spans(grid))

    def arrange(self, video_ids: torch.Tensor | None, motion_ids: torch.Tensor | None) -> TokenSequence:
        """Build the training sequence from video ids ``(B, t, h, w)`` and motion ids ``(B, t*s)``."""
        if video_ids is None or motion_ids is None:
            raise ValueError(f"{type(self).__name__}.arrange needs both video_ids and motion_ids")
        grid = TokenGrid.from_ids(video_ids, motion_ids)
        stream = self._stream(grid, video_ids.flatten(1), motion_ids)  # (B, 1 + t*h*w + t*s)
        return self._sequence(grid, self.spans(grid), stream)

    def prompt(
        self, video_ids: torch.Tensor | None, motion_ids: torch.Tensor | None, grid: TokenGrid
    ) -> TokenSequence:
        """Build the inference prefix (the given spans) from the conditions available.

        ``video_ids`` ``(B, t', h, w)`` and ``motion_ids`` ``(B, n)`` need only cover the given spans
        (e.g. the first frame for I2VM); extra ids are ignored, so ground truth can be passed as is.
        """
        spans = [span for span in self.spans(grid) if span.given]
        given = [x for x in (video_ids, motion_ids) if x is not None]
        batch, device = (given[0].shape[0], given[0].device) if given else (1, None)
        flat_video = video_ids.flatten(1) if video_ids is not None else None
        video = _fit(flat_video, batch, grid.video_tokens, device)
        motion = _fit(motion_ids, batch, grid.motion_tokens, device)
        seq = self._sequence(grid, spans, self._stream(grid, video, motion))
        ends = list(accumulate(span.length for span in spans))
        for span, end in zip(spans, ends, strict=True):
            if (seq.input_ids[:, end - span.length : end] < 0).any():
                raise ValueError(
                    f"{type(self).__name__}.prompt: {span.source}_ids must cover ids "
                    f"[{span.start}, {span.start + span.length}) of the flattened {span.source} stream"
                )
        return seq

    def schedule(self, grid: TokenGrid) -> Schedule:
        """Return the modality and position of every position generated after ``prompt``."""
        spans = self.spans(grid)
        num_given = sum(span.length for span in spans if span.given)
        modality = torch.cat([torch.full((s.length,), int(s.modality)) for s in spans if not s.given])
        return Schedule(modality_ids=modality, positions=self.positions(grid)[num_given:])

    def parse(self, ids: torch.Tensor, grid: TokenGrid) -> tuple[torch.Tensor, torch.Tensor]:
        """Read a full sequence (prompt + generated, ``(B, N)``) back into video and motion ids.

        Returns:
            video ids ``(B, t', h, w)`` and motion ids ``(B, n)``, covering the leading steps present in
            this layout (all of them except for layouts that omit the future, e.g. motion prediction).
        """
        index = self._index(grid, self.spans(grid))
        if ids.ndim != 2 or ids.shape[1] != index.numel():
            raise ValueError(
                f"{type(self).__name__}.parse: expected ids (B, {index.numel()}), got {tuple(ids.shape)}"
            )
        stream = ids.new_full((ids.shape[0], 1 + grid.video_tokens + grid.motion_tokens), -1)
        stream[:, index.to(ids.device)] = ids
        video = _covered_prefix(stream[:, 1 : 1 + grid.video_tokens], grid.video_per_step)
        motion = _covered_prefix(stream[:, 1 + grid.video_tokens :], grid.motion_per_step)
        return video.reshape(ids.shape[0], -1, grid.height, grid.width), motion  # (B, t', h, w), (B, n)

    def _stream(self, grid: TokenGrid, video: torch.Tensor, motion: torch.Tensor) -> torch.Tensor:
        """Concatenate task token, flat video and motion into one stream ``_index`` points into."""
        if video.shape[1] != grid.video_tokens or motion.shape[1] != grid.motion_tokens:
            raise ValueError(f"expected {grid.video_tokens} video and {grid.motion_tokens} motion ids")
        task = video.new_full((video.shape[0], 1), int(self.task_token))
        return torch.cat([task, video, motion.to(video.dtype)], dim=1)

    def _index(self, grid: TokenGrid, spans: list[Span]) -> torch.Tensor:
        """Return ``(N,)`` indices into ``_stream`` for each sequence position."""
        base = {"task": 0, "video": 1, "motion": 1 + grid.video_tokens}
        return torch.cat([torch.arange(s.length) + base[s.source] + s.start for s in spans])

    def _sequence(self, grid: TokenGrid, spans: list[Span], stream: torch.Tensor) -> TokenSequence:
        index = self._index(grid, spans).to(stream.device)
        b, n = stream.shape[0], index.numel()
        modality = torch.cat([torch.full((s.length,), int(s.modality)) for s in spans])  # (N,)
        trained = torch.cat([torch.full((s.length,), s.trained) for s in spans])  # (N,)
        return TokenSequence.from_ids(
            input_ids=stream[:, index],  # (B, N)
            modality_ids=modality.to(stream.device).expand(b, n),
            positions=self.positions(grid)[:n].to(stream.device).expand(b, n),
            trained=trained.to(stream.device).expand(b, n),
        )


def _fit(x: torch.Tensor | None, batch: int, length: int, device: torch.device | None) -> torch.Tensor:
    """Return ``x`` cut or padded with -1 (missing) to ``(batch, length)``."""
    out = torch.full((batch, length), -1, dtype=torch.long, device=device)
    if x is not None:
        n = min(length, x.shape[1])
        out[:, :n] = x[:, :n]
    return out


def _covered_prefix(stream: torch.Tensor, per_step: int) -> torch.Tensor:
    """Return the leading whole steps of ``stream`` ``(B, L)`` that hold no -1 (missing) ids."""
    present = (stream >= 0).all(0)  # (L,)
    n = int(present.long().cumprod(0).sum()) // max(per_step, 1) * per_step
    return stream[:, :n]


LAYOUTS: Registry[Layout] = Registry("layout", Layout)
