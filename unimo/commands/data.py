"""``unimo data synth|pack|tokenize|inspect|preview``: build, tokenize, check and look at shard folders."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Literal

from unimo.commands import subcommand


@subcommand("data synth")
def synth(out: str = "data/synth", num_clips: int = 64, num_frames: int = 32, size: int = 64,
          fps: float = 20.0, seed: int = 0, workers: int | None = None, clips_per_shard: int | None = None,
          camera_motion: bool = True, fill: tuple[float, float] | None = None) -> None:
    """Generate a synthetic paired video+motion dataset as shards (resumes an interrupted run).

    Args:
        out: Output folder (shard-*.tar and manifest.json).
        num_clips: Number of clips.
        num_frames: Frames per clip.
        size: Frame height and width in pixels.
        fps: Frame rate.
        seed: Base seed; the output depends only on the arguments, not on workers or interruptions.
        workers: Generator processes; None uses every CPU core, 0 runs in this process.
        clips_per_shard: Clips per shard; None picks a size giving about 16 shards (at most 64 clips each).
        camera_motion: Let the synthetic camera move during a clip.
        fill: (min, max) fraction of the half-image the person's farthest point reaches (framing); larger
            frames the person bigger, e.g. [0.8, 0.95]; None: the generator's default (0.5, 0.85).
    """
    from unimo.data.shards.inspect import format_summary, summarise_shards
    from unimo.data.shards.synth import SynthSpec, synthesize

    spec = SynthSpec(num_clips=num_clips, num_frames=num_frames, size=size, fps=fps, seed=seed,
                     clips_per_shard=clips_per_shard, camera_motion=camera_motion, fill=fill)
    synthesize(out, spec, workers=os.cpu_count() or 1 if workers is None else workers, progress=True)
    print(format_summary(summarise_shards(out)))


@subcommand("data pack")
def pack(videos: str, motions: str, out: str, *, clips_per_shard: int = 16, size: int | None = None,
         crf: int = 18) -> None:
    """Pack real (video, motion) pairs, matched by file stem, into shards; report files without a partner.

    Args:
        videos: Folder of videos (mp4, mov, avi, mkv, webm, m4v).
        motions: Folder of motion files (AMASS, BEAT2, GVHMR, AIST++/SMPL, .smpl or unimo npz).
        out: Output shard folder.
        clips_per_shard: Pairs per shard.
        size: Resize videos so the shorter side has this many pixels; None keeps them.
        crf: x264 quality of the re-encoded videos (lower is better and larger).
    """
    from unimo.data.shards.inspect import format_summary, summarise_shards
    from unimo.data.shards.pack import pack_pairs

    report = pack_pairs(videos, motions, out, clips_per_shard=clips_per_shard, size=size, crf=crf)
    written = len(report.pairs) - len(report.failed)
    print(f"paired:    {len(report.pairs)} ({written} written, {len(report.failed)} failed)")
    for label, names in (("video", report.unmatched_videos), ("motion", report.unmatched_motions)):
        for name in names:
            other = "motion" if label == "video" else "video"
            print(f"unmatched {label}: {name} (no {other} with this stem)")
    for stem, video_frames, motion_frames in report.trimmed:
        print(f"trimmed:   {stem}: video {video_frames} frames, motion {motion_frames} -> kept the shorter")
    for stem, reason in report.failed:
        print(f"failed:    {stem}: {reason}")
    if report.manifest is not None:
        print(format_summary(summarise_shards(out)))
    if report.failed or not report.pairs:
        sys.exit(f"unimo data pack: {len(report.failed)} of {len(report.pairs)} pair(s) failed; "
                 f"{written} written to {out}")


@subcommand("data tokenize")
def tokenize(source: str = "data/synth_joint", out: str | None = None,
             video_tokenizer: str = "unimo/assets/tokenizers/video.pt",
             motion_tokenizer: str = "unimo/assets/tokenizers/motion.pt", num_frames: int = 17,
             stride: int | None = None, size: int | None = None, batch_size: int = 16, workers: int = 0,
             device: str = "auto", error_policy: Literal["warn", "strict"] = "warn") -> None:
    """Run the frozen tokenizers once over a shard folder and store the ids as token shards (resumable).

    Train from them with ``data.class_path: TokenShardDataModule`` (configs/ablations/joint_tokens.yaml).

    Args:
        source: Raw video+motion shard folder (from `unimo data synth` or `unimo data pack`).
        out: Token shard folder; None: the source folder's name + "_tokens", beside it.
        video_tokenizer: Video tokenizer file (the joint model's).
        motion_tokenizer: Motion tokenizer file (the joint model's).
        num_frames: Frames per window, 1 + 4k (the joint config's data num_frames).
        stride: Frames between window starts; None: num_frames (non-overlapping windows).
        size: Resize the shorter side and centre-crop to size x size; None keeps the stored size.
        batch_size: Windows per tokenizer call.
        workers: Processes decoding the source videos while the tokenizers run (0: this process; on a GPU
            machine decoding is the slow part, so use most of the CPU cores).
        device: "auto" (CUDA when available), "cpu", "cuda", ...
        error_policy: "warn" skips (and counts) damaged or too short clips, "strict" stops at the first.
    """
    from unimo.data.shards.inspect import format_summary, summarise_shards
    from unimo.data.shards.skips import SkipReporter
    from unimo.data.tokens import TokenizeSpec, tokenize_shards

    out = out or str(Path(source).with_name(Path(source).name + "_tokens"))
    spec = TokenizeSpec(source_dir=source, video_tokenizer=video_tokenizer, motion_tokenizer=motion_tokenizer,
                        num_frames=num_frames, stride=stride, size=size, batch_size=batch_size,
                        workers=workers, device=device, error_policy=error_policy)
    reporter = SkipReporter(error_policy)
    try:
        tokenize_shards(out, spec, progress=True, reporter=reporter)
    except (FileNotFoundError, ValueError) as exc:
        sys.exit(f"unimo data tokenize: {exc}")
    print("token shards: each clip counted below is one window")
    print(format_summary(summarise_shards(out)))
    if reporter.total:
        print(f"skipped:   {reporter.total} source clip(s) (see the warnings above)")


@subcommand("data inspect")
def inspect(path: str) -> None:
    """Summarise a shard folder or shard (counts, frames, sizes, per split), or a single motion file.

    Args:
        path: A shard folder, a .tar shard, or a motion file.
    """
    target = Path(path)
    if not target.exists():
        sys.exit(f"unimo data inspect: {path}: no such file or folder")
    if target.is_dir() or target.suffix == ".tar":
        from unimo.data.shards.inspect import format_summary, summarise_shards

        summary = summarise_shards(target)
        print(format_summary(summary))
        if summary["damaged"]:
            sys.exit(f"unimo data inspect: {len(summary['damaged'])} shard(s) damaged or missing (above); "
                     "rebuild them (`unimo data synth` resumes) or drop them from the manifest")
    else:
        from unimo.data.importers import inspect_motion_file

        print(inspect_motion_file(target))


@subcommand("data preview")
def preview(data_dir: str, out: str = "preview.mp4", num_clips: int = 4, split: str = "val", size: int = 128,
            max_frames: int | None = 64) -> None:
    """Render clips of a shard folder with their motion's skeleton drawn over the video (mp4 or gif).

    Args:
        data_dir: Shard folder.
        out: Output file, .mp4 or .gif.
        num_clips: Clips in the grid.
        split: Split to take the clips from.
        size: Panel size in pixels.
        max_frames: Frames per clip at most; None shows whole clips.
    """
    from unimo.data.shards.preview import render_preview

    Path(out).parent.mkdir(parents=True, exist_ok=True)
    written = render_preview(data_dir, out, num_clips=num_clips, split=split, size=size,
                             max_frames=max_frames)
    print(f"wrote {written}")
