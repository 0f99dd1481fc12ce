"""One process pool for the data tools (synthesis, tokenizing): spawned workers, one torch thread each."""

from __future__ import annotations

import multiprocessing
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager


@contextmanager
def spawn_pool(workers: int) -> Iterator[ProcessPoolExecutor]:
    """A pool of ``workers`` spawned processes; on an error (or Ctrl-C) in the ``with`` body, queued work is
    cancelled instead of run to completion before the error surfaces.

    Spawn, not fork: forking a parent that already runs torch/OpenMP threads can deadlock the children.
    """
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=workers, mp_context=context, initializer=_one_torch_thread) as pool:
        try:
            yield pool
        except BaseException:
            pool.shutdown(wait=True, cancel_futures=True)
            raise


def _one_torch_thread() -> None:
    import torch

    torch.set_num_threads(1)  # the pool already uses the cores
