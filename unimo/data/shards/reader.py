"""Pipeline stage: read tar shards into raw samples, reporting damage instead of hiding it.

We read tars ourselves (rather than ``webdataset.tarfile_to_samples``) to know, for every failure, the
shard, the member and how many samples it cost: a truncated shard loses the rest of its samples, and the
manifest says how many that is.
"""

from __future__ import annotations

import tarfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from unimo.data.shards.sample import MEMBERS
from unimo.data.shards.skips import SkipReporter

RawSample = dict[str, Any]  # {"__key__", "__url__", "<member>": bytes, ...}


class TarSamples:
    """Turn shard paths (``{"url": path}`` or plain strings) into raw samples.

    Args:
        reporter: Where damaged shards and incomplete samples are reported.
        required: Members a sample must have; samples missing one are reported and skipped.
        wanted: Members to read; others are skipped without reading their bytes into memory.
        expected: Clips per shard file name (from the manifest), to count samples lost to truncation.
    """

    def __init__(self, reporter: SkipReporter, required: tuple[str, ...], wanted: tuple[str, ...] = MEMBERS,
                 expected: dict[str, int] | None = None) -> None:
        self.reporter = reporter
        self.required = required
        self.wanted = tuple(set(wanted) | set(required))
        self.expected = expected or {}

    def __call__(self, sources: Iterable[dict[str, Any] | str]) -> Iterator[RawSample]:
        for source in sources:
            yield from self.read_shard(source["url"] if isinstance(source, dict) else str(source))

    def read_shard(self, url: str) -> Iterator[RawSample]:
        """Yield the complete samples of one shard; report the rest."""
        expected = self.expected.get(Path(url).name)
        seen, where = 0, ["<start of shard>"]  # where[0]: the member being read, for the report
        try:
            with open(url, "rb") as f, tarfile.open(fileobj=f, mode="r|") as tar:
                for sample in self._group(tar, url, where):
                    seen += 1
                    if self._complete(sample, url):
                        yield sample
        except (tarfile.TarError, OSError, EOFError) as exc:
            lost = expected - seen if expected is not None else 1
            unknown = "" if expected is not None else " (number of lost samples unknown: no manifest count)"
            self.reporter.report(url, where[0], f"shard unreadable from here on ({type(exc).__name__}: {exc})"
                                 + unknown, count=max(lost, 1))
            return
        if expected is not None and seen < expected:
            self.reporter.report(url, "<end of shard>", f"shard ends after {seen} of {expected} samples",
                                 count=expected - seen)

    def _group(self, tar: tarfile.TarFile, url: str, where: list[str]) -> Iterator[RawSample]:
        """Group consecutive members ``<key>.<member>`` into samples."""
        current: RawSample | None = None
        for info in tar:
            name = where[0] = info.name
            if not info.isreg():
                continue
            key, _, member = Path(name).name.partition(".")
            if current is not None and key != current["__key__"]:
                yield current
                current = None
            if current is None:
                current = {"__key__": key, "__url__": url}
            if member in self.wanted:
                current[member] = tar.extractfile(info).read()
        where[0] = "<end of archive>"
        if current is not None:
            yield current

    def _complete(self, sample: RawSample, url: str) -> bool:
        missing = [m for m in self.required if m not in sample]
        if missing:
            self.reporter.report(url, f"{sample['__key__']}.{missing[0]}", f"missing member(s) {missing}")
        return not missing
