"""Account for every sample the loader could not use, across DataLoader worker processes.

Under ``error_policy="warn"`` a bad sample is logged (file, member, reason) and skipped; under ``"strict"``
it raises ``ShardDataError``. Nothing disappears silently: the total count lives in shared memory (so the
main process sees what workers skipped) and the detailed records ride along with a batch of the same
worker (``batch["skipped"]``), where ``WebDatasetDataModule`` collects them. Only a worker that yields no
clip at all cannot deliver its records; they are still logged and counted.
"""

from __future__ import annotations

import logging
import multiprocessing
from dataclasses import asdict, dataclass
from typing import Literal

log = logging.getLogger(__name__)
ErrorPolicy = Literal["warn", "strict"]


class ShardDataError(ValueError):
    """A shard member is missing, truncated or corrupt (raised under ``error_policy="strict"``)."""


@dataclass(frozen=True)
class SkipRecord:
    """Why samples were skipped: the shard file, the member (or sample key), the reason, and how many."""

    file: str
    member: str
    reason: str
    count: int = 1

    def __str__(self) -> str:
        lost = f" ({self.count} samples lost)" if self.count != 1 else ""
        return f"{self.file}: {self.member}: {self.reason}{lost}"


class SkipReporter:
    """Apply the error policy to bad samples and count the skipped ones.

    Args:
        policy: ``"warn"`` logs and skips, ``"strict"`` raises ``ShardDataError``.
    """

    def __init__(self, policy: ErrorPolicy = "warn") -> None:
        if policy not in ("warn", "strict"):
            raise ValueError(f"error_policy: expected 'warn' or 'strict', got {policy!r}")
        self.policy = policy
        # Shared counter: created in the main process, inherited by DataLoader workers (fork or spawn).
        self._total = multiprocessing.get_context().Value("q", 0)
        self._pending: list[dict] = []

    def report(self, file: str, member: str, reason: str, count: int = 1) -> SkipRecord:
        """Skip ``count`` samples (or raise under ``strict``); return the record."""
        record = SkipRecord(file=file, member=member, reason=reason, count=count)
        if self.policy == "strict":
            raise ShardDataError(str(record))
        log.warning("skipping bad sample: %s", record)
        with self._total.get_lock():
            self._total.value += count
        self._pending.append(asdict(record))
        return record

    def take_pending(self) -> list[dict]:
        """Return and clear the records not yet attached to a sample (worker side)."""
        pending, self._pending = self._pending, []
        return pending

    @property
    def total(self) -> int:
        """Samples skipped so far, summed over all worker processes."""
        return int(self._total.value)

    def __getstate__(self) -> dict:
        state = dict(self.__dict__)
        state["_pending"] = []  # each worker starts with its own empty list
        return state


class NothingUsableGuard:
    """Stop a stream whose samples are all bad: raise ``ShardDataError`` once ``limit`` samples were skipped
    before the first usable one (an endless, resampled stream would otherwise skip them forever).

    Kept by each decoder (so per worker process, and across epochs); skips after a usable sample never stop
    the stream: that is what ``error_policy="warn"`` promises.
    """

    def __init__(self, limit: int = 1000) -> None:
        self.limit = limit
        self.misses: int | None = 0  # None once a sample was usable

    def usable(self) -> None:
        self.misses = None

    def skipped(self, latest: SkipRecord) -> None:
        if self.misses is None:
            return
        self.misses += 1
        if self.misses >= self.limit:
            raise ShardDataError(f"{self.misses} samples skipped and none usable; the latest: {latest}")
