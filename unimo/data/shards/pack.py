"""Pack real (video, motion) pairs into shards (``unimo data pack``).

Pairs are matched by file stem (``walk01.mp4`` <-> ``walk01.npz``); files without a partner are reported.
Motions are read with ``unimo.data.load_motion`` (any format it understands) and resampled to the video's
frame rate; when the two lengths still differ, both are cut to the shorter and the pair is reported.
Videos are re-encoded to H.264 (optionally resized), so every shard member decodes the same way.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tqdm.auto import tqdm

from unimo.data.importers import load_motion
from unimo.data.shards.build import begin_build, finish_build
from unimo.data.shards.frames import resize_frames
from unimo.data.shards.sample import ClipSample, encode_sample, sanitize_key
from unimo.data.shards.writer import shard_name, write_shard
from unimo.render.video_io import read_video

VIDEO_SUFFIXES = (".mp4", ".mov", ".avi", ".mkv", ".webm", ".m4v")
Pair = tuple[str, Path, Path]  # (stem, video, motion)


@dataclass
class PackReport:
    """What ``pack_pairs`` did: paired stems, files without a partner, failures and trimmed pairs."""

    pairs: list[str] = field(default_factory=list)
    unmatched_videos: list[str] = field(default_factory=list)
    unmatched_motions: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)  # (stem, reason)
    trimmed: list[tuple[str, int, int]] = field(default_factory=list)  # (stem, video frames, motion frames)
    manifest: dict[str, Any] | None = None


def pair_by_stem(videos_dir: Path, motions_dir: Path) -> tuple[list[Pair], list[str], list[str]]:
    """Match video and motion files by stem.

    Returns:
        ``(pairs sorted by stem, unmatched video file names, unmatched motion file names)``.

    Raises:
        ValueError: Two files of one folder share a stem, or two stems map to the same sample key.
    """
    videos = _by_stem(videos_dir, lambda p: p.suffix.lower() in VIDEO_SUFFIXES)
    motions = _by_stem(motions_dir, lambda p: p.suffix.lower() not in VIDEO_SUFFIXES)
    stems = sorted(set(videos) & set(motions))
    keys: dict[str, str] = {}
    for stem in stems:
        other = keys.setdefault(sanitize_key(stem), stem)
        if other != stem:
            raise ValueError(f"stems {other!r} and {stem!r} both become sample key {sanitize_key(stem)!r}; "
                             "rename one")
    unmatched_videos = sorted(videos[s].name for s in set(videos) - set(motions))
    unmatched_motions = sorted(motions[s].name for s in set(motions) - set(videos))
    return [(s, videos[s], motions[s]) for s in stems], unmatched_videos, unmatched_motions


def pack_pairs(videos: str | Path, motions: str | Path, out: str | Path, clips_per_shard: int = 16,
               size: int | None = None, crf: int = 18, val_fraction: float = 0.1, test_fraction: float = 0.1,
               progress: bool = True) -> PackReport:
    """Pack every (video, motion) pair of two folders into shards in ``out``, resuming an interrupted run.

    Args:
        videos: Folder of videos (mp4, mov, avi, mkv, webm, m4v).
        motions: Folder of motion files (any format ``load_motion`` reads).
        out: Output shard folder.
        clips_per_shard: Pairs per shard.
        size: Resize videos so the shorter side is ``size`` pixels; None keeps them.
        crf: x264 quality of the re-encoded videos.
        val_fraction: Share of shards held out for validation.
        test_fraction: Share of shards held out for testing.
        progress: Show a tqdm progress bar (pairs).
    """
    videos, motions, out = Path(videos), Path(motions), Path(out)
    pairs, unmatched_videos, unmatched_motions = pair_by_stem(videos, motions)
    report = PackReport([s for s, _, _ in pairs], unmatched_videos, unmatched_motions)
    if not pairs:
        return report
    source = {"kind": "pack", "videos": str(videos.resolve()), "motions": str(motions.resolve()),
              "pairs": report.pairs, "clips_per_shard": clips_per_shard, "size": size, "crf": crf}
    chunks = [pairs[i:i + clips_per_shard] for i in range(0, len(pairs), clips_per_shard)]
    pending, done = begin_build(out, source, len(chunks))
    if done is None:
        total = sum(len(chunks[i]) for i in pending)
        with tqdm(total=total, unit="pair", desc="pack", disable=not progress) as bar:
            for index in pending:
                write_shard(out / shard_name(index), _encoded(chunks[index], size, crf, report, bar))
        done = finish_build(out, source, len(chunks), val_fraction, test_fraction)
    report.manifest = done
    return report


def _encoded(pairs: list[Pair], size: int | None, crf: int, report: PackReport, bar: tqdm) -> Iterator[dict]:
    for stem, video, motion in pairs:
        try:
            yield encode_sample(_load_pair(stem, video, motion, size, report), crf=crf)
        except (ValueError, KeyError, OSError, EOFError) as exc:
            report.failed.append((stem, f"{type(exc).__name__}: {exc}"))
        bar.update(1)


def _load_pair(stem: str, video: Path, motion_path: Path, size: int | None, report: PackReport) -> ClipSample:
    frames, fps = read_video(video)  # (T, H, W, 3)
    motion = load_motion(motion_path, target_fps=fps)
    meta = {"video_file": video.name, "motion_file": motion_path.name, "video_frames": len(frames),
            "motion_frames": motion.num_frames}
    n = min(len(frames), motion.num_frames)
    if len(frames) != motion.num_frames:
        report.trimmed.append((stem, len(frames), motion.num_frames))
    frames = frames[:n] if size is None else resize_frames(frames[:n], size)
    return ClipSample(key=sanitize_key(stem), frames=frames, motion=motion[:n], camera=None, meta=meta)


def _by_stem(folder: Path, keep) -> dict[str, Path]:
    if not folder.is_dir():
        raise FileNotFoundError(f"{folder}: not a folder")
    found: dict[str, Path] = {}
    for path in sorted(folder.iterdir()):
        if path.is_file() and not path.name.startswith(".") and keep(path):
            if path.stem in found:
                raise ValueError(f"{folder}: {found[path.stem].name} and {path.name} share the stem "
                                 f"{path.stem!r}")
            found[path.stem] = path
    return found
