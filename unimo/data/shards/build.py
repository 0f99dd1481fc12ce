"""Resumable shard builds: check a rerun continues the same build, list what is left, write the manifest.

Shared by ``synthesize`` and ``pack_pairs``. A build is identified by its ``source`` dict (the full config
that determines the shard bytes); rerunning with the same source resumes, with another one refuses. Keys
named in ``where_keys`` say where an input lay, not what it held (a build whose source also records the
content's hash): they are kept in the manifest but not compared, so moved or copied inputs still resume.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from unimo.data.shards.manifest import finish_manifest, read_manifest, start_manifest, write_manifest
from unimo.data.shards.sample import json_bytes
from unimo.data.shards.writer import read_shard_info, remove_stale_temps, shard_name


def begin_build(out_dir: Path, source: dict[str, Any], num_shards: int,
                where_keys: frozenset[str] = frozenset()) -> tuple[list[int], dict | None]:
    """Prepare ``out_dir`` for a build of ``num_shards`` shards; ``where_keys`` (any depth) are not compared.

    Returns:
        ``(pending shard indices, the finished manifest if there is nothing left to do else None)``.

    Raises:
        ValueError: ``out_dir`` holds shards of a different build, naming the folder and the differences.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    source = json.loads(json_bytes(source))  # compare in the form it is stored in
    old = read_manifest(out_dir)
    if old is None and any(out_dir.glob("shard-*.tar")):
        raise ValueError(f"{out_dir}: holds shards but no manifest.json; use an empty folder")
    if old is not None:
        built, wanted = _without(old.get("source", {}), where_keys), _without(source, where_keys)
        if built != wanted:
            raise ValueError(f"{out_dir}: holds shards built with a different config "
                             f"({_differences(built, wanted)}); use another --out or delete it")
    remove_stale_temps(out_dir)
    pending = [i for i in range(num_shards) if not (out_dir / shard_name(i)).is_file()]
    if old is not None and old.get("complete") and not pending:
        return [], old
    write_manifest(out_dir, start_manifest(source))
    return pending, None


def finish_build(out_dir: Path, source: dict[str, Any], num_shards: int, val_fraction: float = 0.1,
                 test_fraction: float = 0.1, splits: dict[str, list[str]] | None = None) -> dict[str, Any]:
    """Summarise all shards and write the finished manifest; return it.

    ``splits`` (shard names per split) replaces the fractions, e.g. so token shards keep the splits of the
    shards they were made from.
    """
    source = json.loads(json_bytes(source))
    infos = [read_shard_info(out_dir / shard_name(i)) for i in range(num_shards)]
    manifest = finish_manifest(source, infos, val_fraction=val_fraction, test_fraction=test_fraction)
    if splits is not None:
        named = [name for names in splits.values() for name in names]
        manifest["splits"], manifest["splits_overlap"] = splits, len(named) > len(set(named))
    write_manifest(out_dir, manifest)
    return manifest


def _without(value: Any, keys: frozenset[str]) -> Any:
    """``value`` with the dict entries named ``keys`` removed at every depth."""
    if not isinstance(value, dict):
        return value
    return {k: _without(v, keys) for k, v in value.items() if k not in keys}


def _differences(old: dict[str, Any], new: dict[str, Any], prefix: str = "") -> str:
    diffs = []
    for key in sorted(set(old) | set(new)):
        a, b = old.get(key), new.get(key)
        if isinstance(a, dict) and isinstance(b, dict):
            inner = _differences(a, b, f"{prefix}{key}.")
            diffs += [inner] if inner else []
        elif a != b:
            diffs.append(f"{prefix}{key}: {a!r} -> {b!r}")
    return "; ".join(diffs)
