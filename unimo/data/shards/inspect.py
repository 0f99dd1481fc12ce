"""Summarise a shard folder (or one shard): counts, frames, sizes, and the same per split."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from unimo.data.shards.manifest import SPLITS, read_manifest
from unimo.data.shards.writer import read_shard_info


def summarise_shards(path: str | Path) -> dict[str, Any]:
    """Return counts and sizes of a shard folder (from its manifest, else by reading the shards) or a tar.

    Raises:
        FileNotFoundError: ``path`` holds no shards.
    """
    path = Path(path)
    manifest = read_manifest(path) if path.is_dir() else None
    if manifest is not None and manifest.get("complete"):
        shards = manifest["shards"]
    else:
        tars = sorted(path.glob("*.tar")) if path.is_dir() else [path]
        shards = [read_shard_info(p).to_dict() for p in tars if p.is_file()]
    if not shards:
        raise FileNotFoundError(f"{path}: no shards (*.tar) found")
    by_name = {s["name"]: s for s in shards}
    splits = (manifest or {}).get("splits", {})
    return {
        "path": str(path),
        "manifest": "none" if manifest is None else "complete" if manifest.get("complete") else "unfinished",
        "source": (manifest or {}).get("source", {}).get("kind", "unknown"),
        **_totals(shards),
        "min_frames": min(s["min_frames"] for s in shards),
        "max_frames": max(s["max_frames"] for s in shards),
        "sizes": sorted({size for s in shards for size in s["sizes"]}),
        "fps": sorted({fps for s in shards for fps in s["fps"]}),
        "splits": {name: _totals([by_name[n] for n in splits[name]]) for name in SPLITS if name in splits},
        "splits_overlap": bool((manifest or {}).get("splits_overlap", False)),
        "damaged": damaged_shards(path, shards) if manifest is not None and manifest.get("complete") else [],
    }


def damaged_shards(folder: Path, shards: list[dict[str, Any]]) -> list[str]:
    """Return ``"name: why"`` for each manifest shard that is missing or not the size the manifest recorded
    (a cut copy or download; a stat per shard, so cheap on any data set)."""
    damaged = []
    for shard in shards:
        path = folder / shard["name"]
        if not path.is_file():
            damaged.append(f"{shard['name']}: missing")
        elif "bytes" in shard and (size := path.stat().st_size) != int(shard["bytes"]):
            damaged.append(f"{shard['name']}: {size} bytes, the manifest says {shard['bytes']}")
    return damaged


def format_summary(summary: dict[str, Any]) -> str:
    """Render ``summarise_shards`` output as a short report."""
    mean = summary["num_frames"] / max(1, summary["num_clips"])
    lines = [
        f"shards:    {summary['path']} (manifest: {summary['manifest']}, source: {summary['source']})",
        f"total:     {summary['num_shards']} shards, {summary['num_clips']} clips, "
        f"{summary['num_frames']} frames, {_mb(summary['total_bytes'])}",
        f"per clip:  {summary['min_frames']}-{summary['max_frames']} frames (mean {mean:.1f}); "
        f"sizes {', '.join(summary['sizes'])} (HxW); fps {', '.join(f'{f:g}' for f in summary['fps'])}",
    ]
    if summary["splits"]:
        lines.append(f"{'split':<10} {'shards':>6} {'clips':>7} {'frames':>9} {'size':>10}")
        for name, t in summary["splits"].items():
            lines.append(f"{name:<10} {t['num_shards']:>6} {t['num_clips']:>7} {t['num_frames']:>9} "
                         f"{_mb(t['total_bytes']):>10}")
    if summary["splits_overlap"]:
        lines.append("warning:   splits share shards (fewer than 3 shards); val/test are not held out")
    lines += [f"damaged:   {entry}" for entry in summary.get("damaged", [])]
    return "\n".join(lines)


def _totals(shards: list[dict[str, Any]]) -> dict[str, int]:
    return {"num_shards": len(shards), "num_clips": sum(s["num_clips"] for s in shards),
            "num_frames": sum(s["num_frames"] for s in shards),
            "total_bytes": sum(s["bytes"] for s in shards)}


def _mb(num_bytes: int) -> str:
    return f"{num_bytes / 1e6:.2f} MB"
