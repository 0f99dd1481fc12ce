"""``TokenShardDataModule``: pre-tokenized windows (``unimo data tokenize``) for training ``JointTask``.

The tokenizers ran once, offline, so a training step is only the backbone. Epochs, shuffling, rank and
worker splits and damaged-sample accounting are those of ``WebDatasetDataModule`` (shared base class). With
``tokenize_if_missing`` (and ``synthesize_if_missing`` for its source) a fresh machine builds everything in
``prepare_data``.
"""

from __future__ import annotations

import dataclasses
import os
from typing import Any, Literal

from unimo.data.datamodules.shard_stream import ShardStreamDataModule
from unimo.data.shards.manifest import expected_clips, manifest_path, read_manifest
from unimo.data.shards.reader import TarSamples
from unimo.data.shards.synth import SynthSpec, synthesize
from unimo.data.tokens import (
    TOKEN_MEMBERS,
    TOKENS_KIND,
    TokenDecoder,
    TokenizeSpec,
    collate_tokens,
    tokenize_shards,
)


class TokenShardDataModule(ShardStreamDataModule):
    """Stream tokenized windows: ids of both modalities plus the ground-truth motion for validation.

    Batches are ``{"video_ids": (B, t, h, w) int64, "motion_ids": (B, t*s) int64, "motion": (B, T, 79),
    "fps": (B,), "size": (B,) frame height, "start": (B,), "key": list[str], "tokenizers": {"video": sha,
    "motion": sha}}`` (``JointTask`` refuses ids whose tokenizer fingerprints differ from its own), as
    ``ShardBatch`` dicts collated in the workers (``unimo.data.shards.batch``).

    Args:
        data_dir: Token shard folder with ``manifest.json``.
        batch_size: Windows per batch (per DDP rank).
        num_workers: DataLoader worker processes (0 loads in the training process).
        num_frames: If set, the window length the shards must have (checked in ``setup``).
        shuffle_buffer: Training samples held in the shuffle buffer (0 or 1: no sample shuffling).
        resampled: Endless training epochs cut at ``epoch_length`` samples per rank (DDP-safe); False gives
            exact epochs (shards split over workers, each worker's windows dealt out to the ranks one at a
            time: every window at most once, see ``unimo.data.shards.pipeline``).
        epoch_length: Samples per rank per training epoch when ``resampled``.
        error_policy: ``"warn"``: log and skip damaged samples (counted in ``num_skipped``); ``"strict"``:
            raise.
        tokenize_if_missing: If set and ``data_dir`` has no finished token shards, tokenize this source
            there in ``prepare_data`` (resuming an interrupted run).
        synthesize_if_missing: If set with ``tokenize_if_missing`` and its ``source_dir`` has no finished
            dataset, generate this synthetic one there first.
        seed: Base seed of shuffling (combined with rank, worker and epoch).
    """

    collate = staticmethod(collate_tokens)

    def __init__(self, data_dir: str = "data/synth_joint_tokens", batch_size: int = 8, num_workers: int = 2,
                 num_frames: int | None = None, shuffle_buffer: int = 256, resampled: bool = False,
                 epoch_length: int = 1024, error_policy: Literal["warn", "strict"] = "warn",
                 tokenize_if_missing: TokenizeSpec | None = None,
                 synthesize_if_missing: SynthSpec | None = None, seed: int = 0) -> None:
        super().__init__(data_dir, batch_size, num_workers, shuffle_buffer, resampled, epoch_length,
                         error_policy, seed)
        self.save_hyperparameters()
        # Plain types in the hyper-parameters keep checkpoints loadable with weights_only=True.
        if isinstance(tokenize_if_missing, dict):
            tokenize_if_missing = TokenizeSpec(**tokenize_if_missing)
        if isinstance(synthesize_if_missing, dict):
            synthesize_if_missing = SynthSpec(**synthesize_if_missing)
        for name, spec in (("tokenize_if_missing", tokenize_if_missing),
                           ("synthesize_if_missing", synthesize_if_missing)):
            if spec is not None:
                self.hparams[name] = dataclasses.asdict(spec)
        self.num_frames = num_frames
        self.tokenize_if_missing, self.synthesize_if_missing = tokenize_if_missing, synthesize_if_missing

    def how_to_make(self) -> str:
        return f"`unimo data tokenize --out {self.data_dir}`"

    def prepare_data(self) -> None:
        """Tokenize (after synthesizing its source, if asked) when ``data_dir`` has no token shards."""
        manifest = read_manifest(self.data_dir)
        if manifest is not None and manifest.get("complete"):
            return
        spec = self.tokenize_if_missing
        if spec is None:
            raise FileNotFoundError(f"{manifest_path(self.data_dir)}: no finished token shards; write them "
                                    f"with {self.how_to_make()} or set data.tokenize_if_missing")
        source = read_manifest(spec.source_dir)
        if (source is None or not source.get("complete")) and self.synthesize_if_missing is not None:
            workers = min(self.num_workers, os.cpu_count() or 1)
            synthesize(spec.source_dir, self.synthesize_if_missing, workers=workers, progress=True)
        tokenize_shards(self.data_dir, spec, progress=True)

    def setup(self, stage: str | None = None) -> None:
        """Read the manifest; check it describes token shards of ``num_frames`` windows."""
        super().setup(stage)
        source: dict[str, Any] = self._manifest.get("source", {})
        where = manifest_path(self.data_dir)
        if source.get("kind") != TOKENS_KIND:
            raise ValueError(f"{where}: holds {source.get('kind', 'unknown')} shards, not token shards; make "
                             f"them with {self.how_to_make()} or use WebDatasetDataModule")
        if self.num_frames is not None and source.get("num_frames") != self.num_frames:
            raise ValueError(f"{where}: windows of {source.get('num_frames')} frames, but num_frames="
                             f"{self.num_frames}; re-tokenize with --num_frames {self.num_frames}")

    def _reader(self) -> TarSamples:
        return TarSamples(self._reporter, required=TOKEN_MEMBERS, wanted=TOKEN_MEMBERS,
                          expected=expected_clips(self._manifest))

    def _decoder(self, train: bool) -> TokenDecoder:
        return TokenDecoder(self._reporter)
