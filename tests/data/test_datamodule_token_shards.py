"""TokenShardDataModule: batches of ids + ground truth, exactly-once epochs over ranks, resampled epochs,
refusal of raw shards and of other window lengths, and a fresh machine built by ``tokenize_if_missing``."""

from __future__ import annotations

import collections
from types import SimpleNamespace

import pytest
import torch
from token_samples import tiny_spec

from unimo.data.datamodules import TokenShardDataModule, WebDatasetDataModule
from unimo.data.shards.manifest import read_manifest
from unimo.data.shards.synth import SynthSpec


def keys_of(loader) -> list[str]:
    return [key for batch in loader for key in batch["key"]]


def test_batches_hold_ids_ground_truth_and_clip_facts(token_dir) -> None:
    dm = TokenShardDataModule(str(token_dir), batch_size=3, num_workers=0, num_frames=17)
    dm.setup("fit")
    batch = next(iter(dm.train_dataloader()))
    assert batch["video_ids"].shape == (3, 5, 4, 4) and batch["video_ids"].dtype == torch.int64
    assert batch["motion_ids"].shape == (3, 10) and batch["motion_ids"].dtype == torch.int64  # 5 steps x s=2
    assert batch["motion"].shape == (3, 17, 79) and batch["motion"].dtype == torch.float32
    assert batch["fps"].tolist() == [20.0] * 3 and batch["size"].tolist() == [32] * 3
    assert set(batch["tokenizers"]) == {"video", "motion"}
    assert "skipped" in batch and "skipped" not in dm.on_before_batch_transfer(batch, 0)
    assert 0 <= int(batch["video_ids"].min()) and int(batch["video_ids"].max()) < 200


def test_val_split_is_the_source_val_split(token_dir, tiny_shards) -> None:
    dm = TokenShardDataModule(str(token_dir), batch_size=4, num_workers=0)
    dm.setup("validate")
    (val_shard,) = read_manifest(tiny_shards)["splits"]["val"]
    clip = f"synth-{int(val_shard[6:12]):07d}"  # one clip per source shard
    assert sorted(keys_of(dm.val_dataloader())) == [f"{clip}-000000", f"{clip}-000004"]


def test_every_training_window_once_over_two_ranks(token_dir) -> None:
    seen = collections.Counter()
    for rank in (0, 1):
        dm = TokenShardDataModule(str(token_dir), batch_size=2, num_workers=0, shuffle_buffer=4)
        dm.trainer = SimpleNamespace(global_rank=rank, world_size=2)  # what the base class reads
        dm.setup("fit")
        seen.update(keys_of(dm.train_dataloader()))
    train = read_manifest(token_dir)["splits"]["train"]
    assert sum(seen.values()) == len(seen) == 2 * len(train)  # every window of the train shards, once


def test_resampled_epochs_have_the_asked_length(token_dir) -> None:
    dm = TokenShardDataModule(str(token_dir), batch_size=4, num_workers=0, resampled=True, epoch_length=10)
    dm.setup("fit")
    assert [len(b["key"]) for b in dm.train_dataloader()] == [4, 4, 4]  # rounded up to whole batches


def test_refuses_the_other_kind_of_shards_and_other_window_lengths(token_dir, tiny_shards) -> None:
    with pytest.raises(ValueError, match="holds token shards .*TokenShardDataModule"):
        WebDatasetDataModule(str(token_dir), num_workers=0, num_frames=17).setup("fit")
    with pytest.raises(ValueError, match="holds synthetic shards, not token shards.*unimo data tokenize"):
        TokenShardDataModule(str(tiny_shards), num_workers=0).setup("fit")
    with pytest.raises(ValueError, match="windows of 17 frames, but num_frames=21"):
        TokenShardDataModule(str(token_dir), num_workers=0, num_frames=21).setup("fit")
    with pytest.raises(FileNotFoundError, match="no finished token shards.*tokenize_if_missing"):
        TokenShardDataModule(str(token_dir.parent / "none"), num_workers=0).prepare_data()


def test_fresh_machine_synthesizes_then_tokenizes(tmp_path, tokenizers) -> None:
    spec = tiny_spec(tmp_path / "raw", tokenizers)
    synth = SynthSpec(num_clips=3, num_frames=17, size=32, fps=20.0, seed=0)
    dm = TokenShardDataModule(str(tmp_path / "tokens"), batch_size=1, num_workers=0, tokenize_if_missing=spec,
                              synthesize_if_missing=synth)
    dm.prepare_data()
    assert read_manifest(tmp_path / "raw")["num_clips"] == 3
    assert read_manifest(tmp_path / "tokens")["num_clips"] == 3  # one 17-frame window per clip
    rebuilt = TokenShardDataModule(**dm.hparams)  # plain hyper-parameters, as a checkpoint stores them
    assert rebuilt.tokenize_if_missing == spec and rebuilt.synthesize_if_missing == synth
    assert isinstance(dm.hparams["tokenize_if_missing"], dict)
