"""``manifest.json``: what a shard folder holds, how it splits into train/val/test, and where it came from.

The manifest is written twice by the shard builders: first with ``complete: false`` and the build config
(so a rerun can check it is resuming the same build), then with the shard list and ``complete: true``.
Splits are sets of whole shards, so DDP ranks and DataLoader workers can divide them without overlap.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from unimo.atomic import temp_beside
from unimo.data.shards.writer import ShardInfo

MANIFEST = "manifest.json"
FORMAT = "unimo-shards"
VERSION = 1
SPLITS = ("train", "val", "test")


def manifest_path(data_dir: str | Path) -> Path:
    """Return ``data_dir/manifest.json``."""
    return Path(data_dir) / MANIFEST


def write_manifest(data_dir: str | Path, manifest: dict[str, Any]) -> Path:
    """Write the manifest atomically (temp file, then rename)."""
    path = manifest_path(data_dir)
    tmp = temp_beside(path)
    tmp.write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")
    tmp.replace(path)
    return path


def read_manifest(data_dir: str | Path) -> dict[str, Any] | None:
    """Return the manifest of ``data_dir``, or None when there is none.

    Raises:
        ValueError: The file exists but is not a unimo shard manifest, naming the file and the problem.
    """
    path = manifest_path(data_dir)
    if not path.is_file():
        return None
    try:
        manifest = json.loads(path.read_text())
    except json.JSONDecodeError as exc:
        raise ValueError(f"{path}: not valid JSON ({exc})") from exc
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise ValueError(f"{path}: not a unimo shard manifest (expected \"format\": \"{FORMAT}\")")
    if manifest.get("version", 0) > VERSION:
        raise ValueError(f"{path}: manifest version {manifest['version']} is newer than this unimo's "
                         f"({VERSION})")
    return manifest


def start_manifest(source: dict[str, Any]) -> dict[str, Any]:
    """Return the manifest of a build that has not finished yet."""
    return {"format": FORMAT, "version": VERSION, "complete": False, "source": source}


def finish_manifest(source: dict[str, Any], shards: Sequence[ShardInfo], val_fraction: float = 0.1,
                    test_fraction: float = 0.1) -> dict[str, Any]:
    """Return the manifest of a finished build: totals, the shard list and the splits."""
    splits, overlap = assign_splits([s.name for s in shards], val_fraction, test_fraction)
    return {
        **start_manifest(source),
        "complete": True,
        "num_shards": len(shards),
        "num_clips": sum(s.num_clips for s in shards),
        "num_frames": sum(s.num_frames for s in shards),
        "total_bytes": sum(s.bytes for s in shards),
        "shards": [s.to_dict() for s in shards],
        "splits": splits,
        "splits_overlap": overlap,
    }


def assign_splits(names: Sequence[str], val_fraction: float = 0.1,
                  test_fraction: float = 0.1) -> tuple[dict[str, list[str]], bool]:
    """Assign whole shards to train/val/test: test takes the last shards, val the ones before.

    Each non-zero fraction gets at least one shard. With fewer than three shards the splits cannot all be
    disjoint: 2 shards give train=[0], val=test=[1]; 1 shard is shared by all three.

    Returns:
        ``({"train": [...], "val": [...], "test": [...]}, overlap)``.
    """
    if not 0 <= val_fraction < 1 or not 0 <= test_fraction < 1 or val_fraction + test_fraction >= 1:
        raise ValueError(f"need 0 <= val_fraction, test_fraction and a sum < 1; "
                         f"got {val_fraction}, {test_fraction}")
    names, n = list(names), len(names)
    if n < 3 and (val_fraction or test_fraction):
        held_out = names[-1:]
        train = names if n == 1 else names[:1]
        splits = {"train": train, "val": held_out if val_fraction else [],
                  "test": held_out if test_fraction else []}
        return splits, sum(map(len, splits.values())) > n
    n_val = max(1, math.floor(n * val_fraction + 0.5)) if val_fraction else 0
    n_test = max(1, math.floor(n * test_fraction + 0.5)) if test_fraction else 0
    while n - n_val - n_test < 1:  # rounding up each held-out split may leave no training shard
        n_val, n_test = (n_val - 1, n_test) if n_val > n_test else (n_val, n_test - 1)
    n_train = n - n_val - n_test
    return {"train": names[:n_train], "val": names[n_train:n_train + n_val],
            "test": names[n_train + n_val:]}, False


def split_urls(data_dir: str | Path, manifest: dict[str, Any], split: str) -> list[str]:
    """Return the shard paths of ``split``; raise naming the manifest if it has none."""
    if split not in SPLITS:
        raise ValueError(f"unknown split {split!r}; expected one of {SPLITS}")
    names = manifest.get("splits", {}).get(split, [])
    if not names:
        raise ValueError(f"{manifest_path(data_dir)}: split {split!r} has no shards")
    return [str(Path(data_dir) / name) for name in names]


def longest_clip(manifest: dict[str, Any], split: str) -> int | None:
    """Return the most frames any clip of ``split`` has (from the shards' ``max_frames``); None if unknown."""
    names = set(manifest.get("splits", {}).get(split, []))
    lengths = [s.get("max_frames") for s in manifest.get("shards", []) if s.get("name") in names]
    return None if not lengths or None in lengths else max(int(n) for n in lengths)


def expected_clips(manifest: dict[str, Any]) -> dict[str, int]:
    """Map shard file name to its clip count (used to count samples lost in truncated shards)."""
    return {s["name"]: int(s["num_clips"]) for s in manifest.get("shards", [])}
