"""Generate a synthetic paired video+motion shard dataset (``unimo data synth``, ``synthesize_if_missing``).

Clip ``i`` is generated from a seed derived from ``(spec.seed, i)`` alone, so the shards do not depend on
how many workers ran or in what order, and a killed run that is started again produces the shards of an
uninterrupted one (finished shards are kept, the rest regenerated): the same clips, motions, cameras and
metadata byte for byte; the videos the same frames, usually the same bytes (x264 does not promise it).
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable
from concurrent.futures import as_completed
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from tqdm.auto import tqdm

from unimo.data.shards.build import begin_build, finish_build
from unimo.data.shards.sample import ClipSample, camera_to_jsonable, encode_sample
from unimo.data.shards.writer import ShardInfo, shard_name, write_shard
from unimo.data.spawn_pool import spawn_pool

ClipMaker = Callable[..., Any]  # generate_clip(seed, num_frames, size, fps, camera_motion) -> SyntheticClip


@dataclass
class SynthSpec:
    """How much synthetic data to generate.

    Args:
        num_clips: Number of clips.
        num_frames: Frames per clip.
        size: Frame height and width in pixels.
        fps: Frame rate of video and motion.
        seed: Base seed; clip ``i`` uses a seed derived from ``(seed, i)``.
        clips_per_shard: Clips per tar shard; None picks ``ceil(num_clips / 16)`` capped to [1, 64], so small
            sets still have enough shards for train/val/test and for several loader workers.
        camera_motion: Let the synthetic camera move during a clip.
        crf: x264 quality (lower is better and larger; 18 is visually lossless).
        fill: Framing of the default generator: (min, max) fraction of the half-image the person's farthest
            point reaches over the clip (``SynthConfig.fill``); larger values frame the person bigger, which
            matters most at small sizes. None keeps the generator's default.
    """

    num_clips: int = 64
    num_frames: int = 32
    size: int = 64
    fps: float = 20.0
    seed: int = 0
    clips_per_shard: int | None = None
    camera_motion: bool = True
    crf: int = 18
    fill: tuple[float, float] | None = None

    def __post_init__(self) -> None:
        if self.fill is not None:
            lo, hi = self.fill = tuple(float(v) for v in self.fill)
            if not 0.0 < lo <= hi <= 1.0:
                raise ValueError(f"SynthSpec.fill: expected 0 < min <= max <= 1, got {self.fill}")
        for name in ("num_clips", "num_frames", "size"):
            if getattr(self, name) < 1:
                raise ValueError(f"SynthSpec.{name}: expected >= 1, got {getattr(self, name)}")
        if self.fps <= 0:
            raise ValueError(f"SynthSpec.fps: expected > 0, got {self.fps}")

    def shard_size(self) -> int:
        """Return the number of clips per shard."""
        return self.clips_per_shard or max(1, min(64, math.ceil(self.num_clips / 16)))

    def num_shards(self) -> int:
        """Return the number of shards the dataset takes."""
        return math.ceil(self.num_clips / self.shard_size())


def clip_seed(base_seed: int, index: int) -> int:
    """Return the generator seed of clip ``index`` (independent streams via ``numpy.random.SeedSequence``)."""
    return int(np.random.SeedSequence([base_seed, index]).generate_state(1)[0])


def synthesize(out_dir: str | Path, spec: SynthSpec, workers: int = 0, progress: bool = True,
               make_clip: ClipMaker | None = None) -> dict[str, Any]:
    """Generate ``spec.num_clips`` clips into tar shards in ``out_dir``, resuming an interrupted run.

    Args:
        out_dir: Output folder (created); gets ``shard-*.tar`` and ``manifest.json``.
        spec: What to generate.
        workers: Processes generating shards in parallel; 0 generates in this process.
        progress: Show a tqdm progress bar (clips).
        make_clip: Clip generator with the signature of ``unimo.data.synthetic.generate_clip`` (the default);
            must be picklable (a module-level function) when ``workers > 0``.

    Returns:
        The finished manifest.
    """
    out_dir = Path(out_dir)
    source = _source(spec, make_clip)
    pending, done = begin_build(out_dir, source, spec.num_shards())
    if done is not None:
        return done
    left = sum(len(_clip_range(spec, i)) for i in pending)
    with tqdm(total=spec.num_clips, initial=spec.num_clips - left, unit="clip", desc=f"synth {out_dir.name}",
              disable=not progress) as bar:
        for info in _run(out_dir, spec, pending, workers, make_clip):
            bar.update(info.num_clips)
    return finish_build(out_dir, source, spec.num_shards())


def write_synth_shard(out_dir: Path, index: int, spec: SynthSpec,
                      make_clip: ClipMaker | None = None) -> ShardInfo:
    """Generate and write shard ``index`` of the dataset described by ``spec``."""
    make_clip = make_clip or _default_maker()
    clips = (synth_sample(i, spec, make_clip) for i in _clip_range(spec, index))
    samples = (encode_sample(clip, crf=spec.crf) for clip in clips)
    return write_shard(out_dir / shard_name(index), samples)


def _run(out_dir: Path, spec: SynthSpec, pending: list[int], workers: int, make_clip: ClipMaker | None):
    if workers <= 0:
        for index in pending:
            yield write_synth_shard(out_dir, index, spec, make_clip)
        return
    with spawn_pool(workers) as pool:
        futures = [pool.submit(write_synth_shard, out_dir, i, spec, make_clip) for i in pending]
        for future in as_completed(futures):
            yield future.result()


def _clip_range(spec: SynthSpec, index: int) -> range:
    first = index * spec.shard_size()
    return range(first, min(first + spec.shard_size(), spec.num_clips))


def synth_sample(index: int, spec: SynthSpec, make_clip: ClipMaker | None = None) -> ClipSample:
    """Return clip ``index`` of the synthetic dataset ``spec`` (the same clip whoever makes it, and when)."""
    make_clip = make_clip or _default_maker()
    seed = clip_seed(spec.seed, index)
    extra = {} if spec.fill is None else {"config": _generator_settings(spec)}
    clip = make_clip(seed=seed, num_frames=spec.num_frames, size=spec.size, fps=spec.fps,
                     camera_motion=spec.camera_motion, **extra)
    meta = {**dict(getattr(clip, "meta", None) or {}), "clip_index": index, "seed": seed}
    return ClipSample(key=f"synth-{index:07d}", frames=np.asarray(clip.frames), motion=clip.motion,
                      camera=camera_to_jsonable(getattr(clip, "camera", None)), meta=meta)


def has_generator() -> bool:
    """Return whether the default generator (``unimo.data.synthetic.generate_clip``) can be imported."""
    try:
        _default_maker()
    except ImportError:
        return False
    return True


def _default_maker() -> ClipMaker:
    from unimo.data.synthetic import generate_clip

    return generate_clip


def _source(spec: SynthSpec, make_clip: ClipMaker | None) -> dict[str, Any]:
    maker = make_clip or _default_maker()
    recorded = dataclasses.asdict(spec)
    if spec.fill is None:
        del recorded["fill"]  # folders written before the option existed keep resuming
    return {"kind": "synthetic", "spec": recorded,
            "generator": f"{maker.__module__}.{getattr(maker, '__qualname__', type(maker).__qualname__)}",
            "generator_config": _generator_config(spec) if make_clip is None else None}


def _generator_settings(spec: SynthSpec) -> Any:
    """The default generator's ``SynthConfig`` with the overrides ``spec`` carries."""
    from unimo.data.synthetic import SynthConfig

    return SynthConfig() if spec.fill is None else SynthConfig(fill=spec.fill)


def _generator_config(spec: SynthSpec) -> dict[str, Any] | None:
    """Return the synthetic generator's config (recorded in the manifest), if it has one."""
    try:
        config = _generator_settings(spec)
    except ImportError:
        return None
    return dataclasses.asdict(config) if dataclasses.is_dataclass(config) else {"repr": repr(config)}
