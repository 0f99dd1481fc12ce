"""WebDatasetDataModule: exact round trips, exactly-once epochs over ranks x workers, resampled epochs,
synthesis on a fresh machine, skip counting, and its constructor as CLI/YAML arguments."""

from __future__ import annotations

import collections
import contextlib
import itertools
from types import SimpleNamespace

import jsonargparse
import pytest
import torch

from unimo.data.datamodules import WebDatasetDataModule
from unimo.data.shards.decode import ClipDecoder
from unimo.data.shards.frames import frames_to_tensor
from unimo.data.shards.sample import MOTION, motion_to_npz_bytes
from unimo.data.shards.skips import ShardDataError, SkipReporter
from unimo.data.shards.synth import SynthSpec, clip_seed, has_generator, synthesize

SPEC = SynthSpec(num_clips=14, num_frames=8, size=16, fps=10.0, seed=5, clips_per_shard=2)  # 7 shards: 5/1/1


@pytest.fixture
def data_dir(tmp_path, toy):
    synthesize(tmp_path / "data", SPEC, make_clip=toy.Maker(), progress=False)
    return tmp_path / "data"


def keys_of(loader) -> list[str]:
    return [key for batch in loader for key in batch["key"]]


def test_round_trip_exact_params_and_close_frames(data_dir, toy):
    dm = WebDatasetDataModule(str(data_dir), batch_size=3, num_workers=0, num_frames=6, seed=1)
    dm.setup("fit")
    batch = next(iter(dm.train_dataloader()))
    assert batch["video"].shape == (3, 6, 3, 16, 16) and batch["video"].dtype == torch.float32
    assert batch["motion"].shape == (3, 6, 79) and batch["fps"].tolist() == [10.0] * 3
    assert -1.0 <= batch["video"].min() and batch["video"].max() <= 1.0
    for b, key in enumerate(batch["key"]):
        seed = clip_seed(SPEC.seed, int(key.split("-")[1]))
        start = int(batch["start"][b])
        motion = toy.motion(seed, SPEC.num_frames, SPEC.fps).to_tensor()[start:start + 6]
        assert torch.equal(batch["motion"][b], motion)  # SMPL-X parameters are bit-exact
        frames = frames_to_tensor(toy.frames(seed, SPEC.num_frames, SPEC.size)[start:start + 6])
        # H.264 at crf 18 errs by ~3.5/255 here; a one-frame shift would cost ~44/255 (0.35).
        assert (batch["video"][b] - frames).abs().mean() < 0.05
        assert batch["camera"][b]["seed"] == seed


def test_val_is_fixed_and_complete(data_dir):
    dm = WebDatasetDataModule(str(data_dir), batch_size=4, num_workers=0, num_frames=4, size=8)
    dm.setup("fit")
    first = [(b["key"], b["start"].tolist(), b["video"]) for b in dm.val_dataloader()]
    again = [(b["key"], b["start"].tolist(), b["video"]) for b in dm.val_dataloader()]
    assert [k for k, _, _ in first] == [["synth-0000010", "synth-0000011"]]
    assert first[0][1] == [0, 0] and torch.equal(first[0][2], again[0][2])
    assert first[0][2].shape == (2, 4, 3, 8, 8)  # size=8 resizes the 16 px frames
    assert keys_of(dm.test_dataloader()) == ["synth-0000012", "synth-0000013"]


def test_cameras_are_read_only_when_asked(data_dir):
    def val_batch(**kwargs):
        dm = WebDatasetDataModule(str(data_dir), batch_size=4, num_workers=0, num_frames=4, **kwargs)
        dm.setup("fit")
        return next(iter(dm.val_dataloader()))

    with_cameras, without = val_batch(), val_batch(modalities=("video", "motion"))
    assert [c["seed"] for c in with_cameras["camera"]] == [clip_seed(SPEC.seed, i) for i in (10, 11)]
    assert without["camera"] == [None, None] and without["key"] == with_cameras["key"]
    assert torch.equal(without["video"], with_cameras["video"])
    with pytest.raises(ValueError, match="unknown"):
        WebDatasetDataModule(str(data_dir), modalities=("video", "cameras"))


@pytest.mark.parametrize("rank_from", ["env", "trainer"])
def test_every_sample_once_per_epoch_over_two_ranks_and_two_workers(data_dir, monkeypatch, rank_from):
    """Simulated DDP: ranks from RANK/WORLD_SIZE (``webdataset.split_by_node``) or from the attached Trainer;
    real DataLoader worker processes split further."""
    seen = collections.Counter()
    for rank in (0, 1):
        dm = WebDatasetDataModule(str(data_dir), batch_size=2, num_workers=2, num_frames=4,
                                  modalities=("motion",), shuffle_buffer=4)
        if rank_from == "env":
            monkeypatch.setenv("RANK", str(rank))
            monkeypatch.setenv("WORLD_SIZE", "2")
        else:
            dm.trainer = SimpleNamespace(global_rank=rank, world_size=2)  # what the DataModule reads
        dm.setup("fit")
        uneven = pytest.warns(UserWarning, match="5 shards do not divide evenly over 2 rank")
        with uneven if rank_from == "trainer" else contextlib.nullcontext():
            loader = dm.train_dataloader()
        rank_keys = keys_of(loader)
        assert rank_keys, f"rank {rank} got no samples"
        seen.update(rank_keys)
    assert sorted(seen) == [f"synth-{i:07d}" for i in range(10)]  # train = shards 0-4 = clips 0-9
    assert set(seen.values()) == {1}


def test_resampled_epochs_have_fixed_length(data_dir):
    dm = WebDatasetDataModule(str(data_dir), batch_size=4, num_workers=0, num_frames=4, resampled=True,
                              epoch_length=10, modalities=("motion",))
    dm.setup("fit")
    loader = dm.train_dataloader()
    epochs = [keys_of(loader) for _ in range(2)]
    assert [len(e) for e in epochs] == [12, 12]  # 10 rounded up to whole batches
    assert all(k < "synth-0000010" for e in epochs for k in e), "resampling must stay in the train split"
    assert epochs[0] != epochs[1]


def test_motion_only_batches_have_no_video(data_dir):
    dm = WebDatasetDataModule(str(data_dir), batch_size=2, num_workers=0, num_frames=4,
                              modalities=("motion",))
    dm.setup("fit")
    batch = next(iter(dm.val_dataloader()))
    assert "video" not in batch and batch["motion"].shape == (2, 4, 79)


def test_damaged_shard_counted_and_logged(data_dir):
    broken = data_dir / "shard-000002.tar"  # a train shard: clips 4 and 5
    data = broken.read_bytes()
    broken.write_bytes(data[: data.index(b"synth-0000005.motion.npz") + 612])  # cut in its data (header: 512)
    dm = WebDatasetDataModule(str(data_dir), batch_size=3, num_workers=2, num_frames=4, shuffle_buffer=0)
    dm.setup("fit")
    batches = [dm.on_before_batch_transfer(b, 0) for b in dm.train_dataloader()]  # records cross processes
    keys = sorted(k for b in batches for k in b["key"])
    assert keys == [f"synth-{i:07d}" for i in range(10) if i != 5]
    assert dm.num_skipped == 1 and all("skipped" not in b for b in batches)
    (record,) = dm.skip_records
    assert record["file"].endswith("shard-000002.tar") and record["count"] == 1
    assert "shard unreadable" in record["reason"]
    strict = WebDatasetDataModule(str(data_dir), batch_size=2, num_workers=0, num_frames=4,
                                  error_policy="strict")
    strict.setup("fit")
    with pytest.raises(ValueError, match="shard-000002.tar"):
        keys_of(strict.train_dataloader())


def test_clips_shorter_than_a_sample_stop_before_loading(data_dir):
    """Every clip holds 8 frames: asking for 9 would skip every sample, forever on a resampled stream."""
    dm = WebDatasetDataModule(str(data_dir), batch_size=2, num_workers=0, num_frames=9, resampled=True)
    dm.setup("fit")
    with pytest.raises(ValueError, match="train split has 8 frames, but each sample needs 9"):
        dm.train_dataloader()
    fits = WebDatasetDataModule(str(data_dir), batch_size=2, num_workers=0, num_frames=8)
    fits.setup("fit")
    assert len(next(iter(fits.train_dataloader()))["key"]) == 2


def test_endless_stream_of_unusable_samples_stops(toy):
    """The manifest cannot always tell (e.g. every motion corrupt): the decoder gives up after 1000 misses
    before a first usable clip, and never after one."""
    good = {"__url__": "a.tar", "__key__": "good", MOTION: motion_to_npz_bytes(toy.motion(1, 8, 10.0))}
    bad = {"__url__": "a.tar", "__key__": "bad", MOTION: b"not an npz"}
    decoder = ClipDecoder(SkipReporter(), num_frames=4, modalities=("motion",))
    with pytest.raises(ShardDataError, match="1000 samples skipped and none usable; the latest: a.tar: bad"):
        next(decoder(itertools.repeat(bad)))
    after_one = ClipDecoder(SkipReporter(), num_frames=4, modalities=("motion",))
    clips = after_one(itertools.chain([good], itertools.repeat(bad, 3000), [good]))
    assert [c["key"] for c in clips] == ["good", "good"]


def test_synthesizes_when_missing(tmp_path):
    if not has_generator():
        pytest.skip("unimo.data.synthetic.generate_clip not there yet")
    spec = SynthSpec(num_clips=3, num_frames=4, size=16, fps=10.0)
    dm = WebDatasetDataModule(str(tmp_path / "fresh"), batch_size=1, num_workers=0, num_frames=4,
                              synthesize_if_missing=spec)
    dm.prepare_data()
    dm.setup("fit")
    assert len(keys_of(dm.train_dataloader())) == 1


def test_missing_data_without_synthesis_explains(tmp_path):
    dm = WebDatasetDataModule(str(tmp_path / "nothing"), num_workers=0)
    with pytest.raises(FileNotFoundError, match="unimo data synth"):
        dm.prepare_data()


def test_constructor_is_a_cli_schema():
    parser = jsonargparse.ArgumentParser()
    parser.add_class_arguments(WebDatasetDataModule, "data")
    cfg = parser.parse_args(["--data.num_frames=8", "--data.modalities=[motion]",
                             "--data.synthesize_if_missing.num_clips=5", "--data.error_policy=strict"])
    init = parser.instantiate_classes(cfg).data
    assert init.num_frames == 8 and init.modalities == ("motion",) and init.error_policy == "strict"
    assert init.synthesize_if_missing == SynthSpec(num_clips=5)
    with pytest.raises(SystemExit):
        parser.parse_args(["--data.error_policy=loose"])


def test_hyperparameters_are_plain_and_reload():
    dm = WebDatasetDataModule(synthesize_if_missing=SynthSpec(num_clips=3))
    assert dm.hparams["synthesize_if_missing"]["num_clips"] == 3  # a dict: checkpoints load weights_only
    again = WebDatasetDataModule(**dm.hparams)
    assert again.synthesize_if_missing == SynthSpec(num_clips=3)
