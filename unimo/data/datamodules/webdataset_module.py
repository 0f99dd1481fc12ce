"""``WebDatasetDataModule``: paired video+motion clips streamed from a folder of tar shards.

The folder is what ``unimo data synth`` / ``unimo data pack`` write: ``shard-*.tar`` plus ``manifest.json``
(which lists the train/val/test shards). With ``synthesize_if_missing`` set, a missing folder is generated in
``prepare_data``, so ``unimo fit`` works on a fresh machine with no data at all.
"""

from __future__ import annotations

import dataclasses
import os
from typing import Literal

from unimo.data.datamodules.shard_stream import ShardStreamDataModule
from unimo.data.shards.decode import MODALITIES, ClipDecoder, collate_clips
from unimo.data.shards.manifest import expected_clips, manifest_path, read_manifest
from unimo.data.shards.reader import TarSamples
from unimo.data.shards.sample import CAMERA, MOTION, VIDEO
from unimo.data.shards.skips import SkipReporter
from unimo.data.shards.synth import SynthSpec, synthesize
from unimo.data.tokens.build import TOKENS_KIND


class WebDatasetDataModule(ShardStreamDataModule):
    """Stream clips of ``num_frames`` frames of video and SMPL-X motion from tar shards.

    Batches are ``{"video": (B, T, 3, H, W) float in [-1, 1], "motion": (B, T, 79), "fps": (B,) (frame rate of
    the returned frames, i.e. stored fps / frame_stride), "start": (B,) first stored frame, "key": list[str],
    "camera": list[dict | None] (``Camera.to_dict()`` form; None for packed real videos, and for every clip
    when ``modalities`` leaves ``"camera"`` out)}``; ``"video"`` is absent when ``modalities`` leaves it out.
    They are ``ShardBatch`` dicts, collated in the workers, whose pinning and device transfer skip the
    cameras (``unimo.data.shards.batch``).

    Args:
        data_dir: Shard folder with ``manifest.json``.
        batch_size: Clips per batch (per DDP rank).
        num_workers: DataLoader worker processes (0 loads in the training process).
        num_frames: Frames per clip.
        frame_stride: Take every ``frame_stride``-th stored frame (2 halves the frame rate).
        size: Resize the shorter side and centre-crop to ``size x size``; None keeps the stored size.
        shuffle_buffer: Training samples held in the shuffle buffer (0 or 1: no sample shuffling).
        resampled: Training draws shards with replacement in endless epochs cut at ``epoch_length`` samples
            per rank (DDP-safe: equal batches on every rank). False gives exact epochs: shards split over
            workers, each worker's clips dealt out to the ranks one at a time (also equal batches on every
            rank); every clip at most once, exactly once unless a worker's count does not divide by the
            number of ranks (see ``unimo.data.shards.pipeline``).
        epoch_length: Samples per rank per training epoch when ``resampled`` (rounded up to whole batches
            per worker).
        modalities: What to read: ``"motion"`` (always decoded), ``"video"``, ``"camera"``. Leave
            ``"video"`` out to skip video decoding; leave ``"camera"`` out when nothing reads the cameras: a
            synthetic clip's camera (a rotation per stored frame) is ~700 Python objects, which cost the
            training process ~0.5 ms per clip to unpickle, however many workers decode.
        error_policy: ``"warn"``: log and skip damaged samples, counted in ``num_skipped``; ``"strict"``:
            raise.
        synthesize_if_missing: If set and ``data_dir`` has no finished dataset, generate this synthetic one
            there in ``prepare_data`` (resuming an interrupted generation).
        seed: Base seed of shuffling and clip-window sampling (combined with rank, worker and epoch).
    """

    collate = staticmethod(collate_clips)

    def __init__(self, data_dir: str = "data/synth", batch_size: int = 8, num_workers: int = 2,
                 num_frames: int = 16, frame_stride: int = 1, size: int | None = None,
                 shuffle_buffer: int = 256, resampled: bool = False, epoch_length: int = 1024,
                 modalities: tuple[str, ...] = ("video", "motion", "camera"),
                 error_policy: Literal["warn", "strict"] = "warn",
                 synthesize_if_missing: SynthSpec | None = None, seed: int = 0) -> None:
        super().__init__(data_dir, batch_size, num_workers, shuffle_buffer, resampled, epoch_length,
                         error_policy, seed)
        self.save_hyperparameters()
        if isinstance(synthesize_if_missing, dict):  # as stored in a checkpoint's hyper-parameters
            synthesize_if_missing = SynthSpec(**synthesize_if_missing)
        if synthesize_if_missing is not None:  # plain types keep checkpoints loadable with weights_only=True
            self.hparams["synthesize_if_missing"] = dataclasses.asdict(synthesize_if_missing)
        self.num_frames, self.frame_stride, self.size = num_frames, frame_stride, size
        self.modalities, self.synthesize_if_missing = tuple(modalities), synthesize_if_missing
        # Fail at construction (config time), not in the first dataloader, on bad clip arguments.
        if unknown := set(self.modalities) - {*MODALITIES, "camera"}:
            raise ValueError(f"modalities: expected a subset of {(*MODALITIES, 'camera')}, got unknown "
                             f"{sorted(unknown)}")
        ClipDecoder(SkipReporter(error_policy), num_frames, frame_stride, modalities=self._decoded())

    def prepare_data(self) -> None:
        """Generate the synthetic dataset when ``data_dir`` has none and ``synthesize_if_missing`` is set."""
        manifest = read_manifest(self.data_dir)
        if manifest is not None and manifest.get("complete"):
            return
        if self.synthesize_if_missing is None:
            raise FileNotFoundError(
                f"{manifest_path(self.data_dir)}: no finished shard dataset; write one with "
                f"`unimo data synth --out {self.data_dir}` or `unimo data pack`, "
                "or set data.synthesize_if_missing")
        workers = min(self.num_workers, os.cpu_count() or 1)
        synthesize(self.data_dir, self.synthesize_if_missing, workers=workers, progress=True)

    def setup(self, stage: str | None = None) -> None:
        """Read the manifest; refuse token shards (they hold ids, not video: use TokenShardDataModule)."""
        super().setup(stage)
        if self._manifest.get("source", {}).get("kind") == TOKENS_KIND:
            raise ValueError(f"{manifest_path(self.data_dir)}: holds token shards (ids, no video); read them "
                             "with TokenShardDataModule, or point data_dir at the raw shards they came from")

    def _decoded(self) -> tuple[str, ...]:
        """Modalities the ``ClipDecoder`` decodes; cameras are decoded when the reader reads them."""
        return tuple(m for m in self.modalities if m != "camera") or ("motion",)

    def _reader(self) -> TarSamples:
        video = (VIDEO,) if "video" in self.modalities else ()
        camera = (CAMERA,) if "camera" in self.modalities else ()
        return TarSamples(self._reporter, required=(MOTION, *video), wanted=(MOTION, *camera, *video),
                          expected=expected_clips(self._manifest))

    def _decoder(self, train: bool) -> ClipDecoder:
        return ClipDecoder(self._reporter, self.num_frames, self.frame_stride, random_start=train,
                           size=self.size, modalities=self._decoded(), seed=self.seed)
