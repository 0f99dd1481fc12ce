"""Cut source clips into tokenizer-ready windows, in worker processes when asked.

One process that decodes, tokenizes and writes in turn managed ~70 clips/s on the H100 machine (10,000 clips
of 21 frames in 141 s); with 15 decoding workers the same took 93 s (joint.md, session 7). The main process
keeps reading the tar files (cheap), the tokenizers, the writing and the resume logic
(``unimo.data.tokens.build``); a spawn pool decodes clips and hands them back in order, with a bounded number
in flight so memory stays flat however long the shards or clips are.
"""

from __future__ import annotations

import pickle
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Executor, Future
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TypeVar

from unimo.data.shards.decode import DECODE_ERRORS
from unimo.data.shards.reader import RawSample
from unimo.data.spawn_pool import spawn_pool
from unimo.data.tokens.windows import ClipFrames, ClipWindow, clip_frames

Item = TypeVar("Item")
Result = TypeVar("Result")


@dataclass(frozen=True)
class WindowSpec:
    """How clips are cut: window length, stride and optional square size (see ``clip_frames``)."""

    num_frames: int
    stride: int
    size: int | None


@dataclass
class DecodedClip:
    """One decoded source clip, or why it could not be used (``error``, ``frames`` None)."""

    key: str
    frames: ClipFrames | None
    error: str | None = None

    @property
    def windows(self) -> list[ClipWindow]:
        return [] if self.frames is None else self.frames.windows()


def decode_clip(raw: RawSample, windows: WindowSpec) -> DecodedClip:
    """Decode one raw sample up to its last window; a damaged or too short clip gives ``error``."""
    try:
        return DecodedClip(raw["__key__"], clip_frames(raw, windows.num_frames, windows.stride, windows.size))
    except DECODE_ERRORS as exc:
        return DecodedClip(raw["__key__"], None, f"{type(exc).__name__}: {exc}")


@contextmanager
def decode_pool(workers: int) -> Iterator[Executor | None]:
    """A pool of ``workers`` decoding processes (``spawn_pool``), or None for 0: decode in this process."""
    if workers <= 0:
        yield None
        return
    with spawn_pool(workers) as pool:
        yield pool


def decoded_clips(samples: Iterable[RawSample], windows: WindowSpec, pool: Executor | None,
                  in_flight: int) -> Iterator[DecodedClip]:
    """Yield ``decode_clip`` of every sample in order, on ``pool`` if given (``in_flight`` clips at most)."""
    if pool is None:
        yield from (decode_clip(raw, windows) for raw in samples)
        return
    blobs = ordered_map(pool, _decode_pickled, samples, windows, in_flight)
    yield from (pickle.loads(blob) for blob in blobs)


def ordered_map(pool: Executor, fn: Callable[..., Result], items: Iterable[Item], arg: object,
                limit: int) -> Iterator[Result]:
    """``pool.map(fn, items, repeat(arg))`` that reads ``items`` lazily, at most ``limit`` calls in flight."""
    queue: deque[Future[Result]] = deque()
    for item in items:
        queue.append(pool.submit(fn, item, arg))
        if len(queue) >= limit:
            yield queue.popleft().result()
    while queue:
        yield queue.popleft().result()


def _decode_pickled(raw: RawSample, windows: WindowSpec) -> bytes:
    """Decode in a worker. The result goes back plain-pickled (tensors by value): sent as torch shared memory
    it would hold file descriptors per tensor until the main process drops the windows."""
    return pickle.dumps(decode_clip(raw, windows), protocol=pickle.HIGHEST_PROTOCOL)

