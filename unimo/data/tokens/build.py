"""Tokenize a raw shard folder into token shards (``unimo data tokenize``, ``tokenize_if_missing``).

Source shard ``i`` becomes token shard ``i`` (same name), so the train/val/test splits of the source carry
over shard for shard, and a killed run resumes shard by shard: finished token shards are kept (atomic
writes), the rest are rewritten (``unimo.data.shards.build``). The build is identified by the source
manifest, the windows (``num_frames``, ``stride``, ``size``) and the tokenizers' identities; rerunning with
any of them changed refuses instead of mixing.

Precision: ids are computed in float32, with TF32 off on CUDA. bf16 autocast was measured on CPU with the
shipped tokenizers and changed 1.2% of video ids and 1.9% of motion ids, so it is not offered: token shards
must hold the ids the frozen tokenizers give. Batch size and device are not part of the identity (they can
move a rare id sitting on a quantisation boundary; record which you used if that matters).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import torch
from tqdm.auto import tqdm

from unimo.data.shards.build import begin_build, finish_build
from unimo.data.shards.manifest import expected_clips, manifest_path, read_manifest
from unimo.data.shards.reader import TarSamples
from unimo.data.shards.sample import MOTION, VIDEO, json_bytes
from unimo.data.shards.skips import SkipReporter
from unimo.data.shards.writer import shard_name, write_shard
from unimo.data.tokens.checks import check_windows, load_pair
from unimo.data.tokens.decode_pool import DecodedClip, WindowSpec, decode_pool, decoded_clips
from unimo.data.tokens.sample import TokenWindow, encode_window, id_dtype
from unimo.data.tokens.windows import ClipWindow
from unimo.tokenizers.base import Tokenizer
from unimo.tokenizers.exact import exact_float32
from unimo.tokenizers.identity import tokenizer_fingerprint, tokenizer_identity
from unimo.tokenizers.loading import resolve_asset

TOKENS_KIND = "tokens"


@dataclass
class TokenizeSpec:
    """What to tokenize, and with which tokenizers.

    Args:
        source_dir: Raw video+motion shard folder (``unimo data synth`` / ``pack`` output).
        video_tokenizer: Video tokenizer file (export or checkpoint).
        motion_tokenizer: Motion tokenizer file.
        num_frames: Frames per window, ``1 + 4k`` so both tokenizers give the same latent steps.
        stride: Frames between window starts; None: ``num_frames`` (non-overlapping windows).
        size: Resize the shorter side and centre-crop to ``size x size``; None keeps the stored size.
        batch_size: Windows per tokenizer call.
        workers: Processes decoding source shards while the tokenizers run (0: decode in this process).
        device: ``"auto"`` (CUDA when available), ``"cpu"``, ``"cuda"``, ``"cuda:1"``, ...
        error_policy: ``"warn"``: skip and count damaged or too short source clips; ``"strict"``: raise.
    """

    source_dir: str = "data/synth_joint"
    video_tokenizer: str = "unimo/assets/tokenizers/video.pt"
    motion_tokenizer: str = "unimo/assets/tokenizers/motion.pt"
    num_frames: int = 17
    stride: int | None = None
    size: int | None = None
    batch_size: int = 16
    workers: int = 0
    device: str = "auto"
    error_policy: Literal["warn", "strict"] = "warn"

    def __post_init__(self) -> None:
        if self.workers < 0:
            raise ValueError(f"TokenizeSpec.workers: expected >= 0, got {self.workers}")
        for name in ("num_frames", "batch_size"):
            if getattr(self, name) < 1:
                raise ValueError(f"TokenizeSpec.{name}: expected >= 1, got {getattr(self, name)}")
        if self.stride is not None and self.stride < 1:
            raise ValueError(f"TokenizeSpec.stride: expected >= 1 or None, got {self.stride}")


def tokenize_shards(out_dir: str | Path, spec: TokenizeSpec, progress: bool = True,
                    reporter: SkipReporter | None = None) -> dict[str, Any]:
    """Write token shards of ``spec.source_dir`` to ``out_dir``, resuming an interrupted run.

    Args:
        out_dir: Token shard folder (created).
        spec: What to tokenize and how.
        progress: Show a tqdm progress bar (source clips).
        reporter: Where damaged or too short source clips are reported (read its ``total`` afterwards);
            None: a new one with ``spec.error_policy``.

    Returns:
        The finished manifest (``source.kind == "tokens"``; a "clip" of its counts is a window).

    Raises:
        FileNotFoundError: The source folder has no finished manifest, or a tokenizer file is missing.
        ValueError: The tokenizers do not fit together or the windows (naming files and fields), or
            ``out_dir`` holds a different build.
    """
    out_dir, source_dir = Path(out_dir), Path(spec.source_dir)
    source_manifest = read_source(source_dir)
    video_tokenizer, motion_tokenizer = load_pair(spec.video_tokenizer, spec.motion_tokenizer)
    check_windows(video_tokenizer, motion_tokenizer, spec, source_manifest)
    names = [shard["name"] for shard in source_manifest["shards"]]
    identity = build_identity(spec, source_manifest, video_tokenizer, motion_tokenizer)
    pending, done = begin_build(out_dir, identity, len(names), where_keys=WHERE_KEYS)
    if done is not None:
        return done
    runner = TokenizerRunner(video_tokenizer, motion_tokenizer, spec.device)
    reporter = reporter or SkipReporter(spec.error_policy)
    reader = TarSamples(reporter, required=(VIDEO, MOTION), wanted=(VIDEO, MOTION),
                        expected=expected_clips(source_manifest))
    clips = {s["name"]: int(s["num_clips"]) for s in source_manifest["shards"]}
    windows = WindowSpec(spec.num_frames, spec.stride or spec.num_frames, spec.size)
    with tqdm(total=sum(clips.values()), initial=sum(clips.values()) - sum(clips[names[i]] for i in pending),
              unit="clip", desc=f"tokenize {out_dir.name}", disable=not progress) as bar, \
            decode_pool(spec.workers) as pool:
        for index in pending:
            url = source_dir / names[index]
            decoded = decoded_clips(reader.read_shard(str(url)), windows, pool, in_flight=4 * spec.workers)
            samples = tokenized(shard_windows(decoded, str(url), reporter, bar), runner, spec.batch_size)
            write_shard(out_dir / shard_name(index), samples)
    splits = {split: [shard_name(names.index(n)) for n in members]
              for split, members in source_manifest.get("splits", {}).items()}
    return finish_build(out_dir, identity, len(names), splits=splits)


def read_source(source_dir: Path) -> dict[str, Any]:
    """Return the finished manifest of a raw shard folder, or raise naming what is wrong."""
    manifest = read_manifest(source_dir)
    if manifest is None or not manifest.get("complete"):
        state = "missing" if manifest is None else "unfinished"
        raise FileNotFoundError(f"{manifest_path(source_dir)}: {state}; tokenize needs a finished raw shard "
                                f"folder (`unimo data synth --out {source_dir}` or `unimo data pack`)")
    if manifest.get("source", {}).get("kind") == TOKENS_KIND:
        raise ValueError(f"{manifest_path(source_dir)}: already token shards; tokenize the raw folder "
                         f"{manifest['source'].get('source_dir')}")
    return manifest


# Paths in the identity that have a content hash beside them (tokenizer files: file_sha256 and fingerprint;
# the source folder: source_manifest_sha256): a copied tokenizer or a moved source folder resumes the build.
WHERE_KEYS = frozenset({"file", "source_dir"})


def build_identity(spec: TokenizeSpec, source_manifest: dict[str, Any], video_tokenizer: Tokenizer,
                   motion_tokenizer: Tokenizer) -> dict[str, Any]:
    """Return the manifest ``source`` of the build: what determines every id in the shards."""
    return {"kind": TOKENS_KIND, "source_dir": str(Path(spec.source_dir).resolve()),
            "source_manifest_sha256": hashlib.sha256(json_bytes(source_manifest)).hexdigest(),
            "num_frames": spec.num_frames, "stride": spec.stride or spec.num_frames, "size": spec.size,
            "precision": "32-true", "tokenizers": {
                "video": tokenizer_identity(video_tokenizer, resolve_asset(spec.video_tokenizer).resolve()),
                "motion": tokenizer_identity(motion_tokenizer,
                                             resolve_asset(spec.motion_tokenizer).resolve())}}


def shard_windows(clips: Iterable[DecodedClip], url: str, reporter: SkipReporter,
                  bar: tqdm) -> Iterator[ClipWindow]:
    """Yield the windows of a shard's decoded clips; report the clips that could not be used."""
    for clip in clips:
        bar.update(1)
        if clip.error is not None:
            reporter.report(url, clip.key, clip.error)
        yield from clip.windows


def tokenized(windows: Iterable[ClipWindow], runner: TokenizerRunner,
              batch_size: int) -> Iterator[dict[str, bytes | str]]:
    """Yield the encoded token samples of ``windows``, tokenized in batches of one shape."""
    pending: list[ClipWindow] = []
    for window in windows:
        if pending and (len(pending) == batch_size or window.video.shape != pending[0].video.shape):
            yield from map(encode_window, runner(pending))
            pending = []
        pending.append(window)
    if pending:
        yield from map(encode_window, runner(pending))


class TokenizerRunner:
    """Run the frozen tokenizers on batches of windows, in float32 (TF32 off on CUDA).

    Args:
        video_tokenizer: Frozen video tokenizer.
        motion_tokenizer: Frozen motion tokenizer.
        device: ``"auto"``, ``"cpu"``, ``"cuda"``, ...
    """

    def __init__(self, video_tokenizer: Tokenizer, motion_tokenizer: Tokenizer, device: str = "auto") -> None:
        if device == "auto":
            device = "cuda" if torch.cuda.is_available() else "cpu"
        self.device = torch.device(device)
        self.video = video_tokenizer.to(self.device).float().eval()
        self.motion = motion_tokenizer.to(self.device).float().eval()
        self.fingerprints = {"video": tokenizer_fingerprint(self.video),
                             "motion": tokenizer_fingerprint(self.motion)}
        self.dtypes = {"video": id_dtype(self.video.vocab_size), "motion": id_dtype(self.motion.vocab_size)}

    @torch.no_grad()
    def __call__(self, windows: list[ClipWindow]) -> list[TokenWindow]:
        video = torch.stack([w.video for w in windows]).to(self.device)  # (B, T, 3, H, W)
        motion = torch.stack([w.motion for w in windows])  # (B, T, 79)
        with exact_float32(self.device):
            video_ids = self.video.encode(video).cpu().numpy().astype(self.dtypes["video"])  # (B, t, h, w)
            motion_ids = self.motion.encode(motion.to(self.device)).cpu().numpy()  # (B, t*s)
        motion_ids = motion_ids.astype(self.dtypes["motion"])
        return [TokenWindow(w.key, video_ids[b], motion_ids[b], w.motion.numpy(),
                            {"clip": w.clip, "start": w.start, "fps": w.fps, "height": int(video.shape[3]),
                             "width": int(video.shape[4]), "tokenizers": self.fingerprints})
                for b, w in enumerate(windows)]

