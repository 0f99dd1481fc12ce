"""Shard samples, atomic shard writing, shard summaries and the manifest's split assignment."""

from __future__ import annotations

import json
import tarfile

import pytest
import torch
from shard_compare import assert_same_members, tar_members

from unimo.atomic import temp_beside
from unimo.data.shards.manifest import assign_splits, finish_manifest, read_manifest, write_manifest
from unimo.data.shards.sample import (
    ClipSample,
    check_key,
    encode_sample,
    motion_from_npz_bytes,
    motion_to_npz_bytes,
    sanitize_key,
)
from unimo.data.shards.writer import read_shard_info, write_shard


@pytest.fixture
def make_sample(toy):
    def make(i: int, num_frames: int = 6) -> ClipSample:
        return ClipSample(key=f"clip-{i}", frames=toy.frames(i, num_frames, 16),
                          motion=toy.motion(i, num_frames, 15.0), camera={"id": i}, meta={"source": "test"})

    return make


def test_motion_npz_bytes_are_exact_and_deterministic(toy):
    motion = toy.motion(3, 9, 30.0)
    data = motion_to_npz_bytes(motion)
    back = motion_from_npz_bytes(data)
    assert torch.equal(back.to_tensor(), motion.to_tensor())
    assert back.fps == 30.0
    assert motion_to_npz_bytes(motion) == data


def test_encoded_sample_members_and_meta(make_sample):
    encoded = encode_sample(make_sample(1))
    assert sorted(encoded) == ["__key__", "camera.json", "meta.json", "motion.npz", "video.mp4"]
    meta = json.loads(encoded["meta.json"])
    assert meta == {"source": "test", "num_frames": 6, "fps": 15.0, "height": 16, "width": 16}
    assert json.loads(encoded["camera.json"]) == {"id": 1}


def test_sample_rejects_mismatched_lengths_and_bad_keys(make_sample, toy):
    bad = make_sample(0)
    bad.motion = toy.motion(0, 5, 15.0)
    with pytest.raises(ValueError, match="video has 6 frames but motion has 5"):
        encode_sample(bad)
    with pytest.raises(ValueError, match="no dots"):
        check_key("a.b")
    assert sanitize_key("walk 01.v2") == "walk_01_v2"


def test_write_shard_is_atomic_and_summarised(tmp_path, make_sample):
    path = tmp_path / "shard-000000.tar"
    info = write_shard(path, (encode_sample(make_sample(i, 4 + i)) for i in range(3)))
    assert (info.num_clips, info.num_frames, info.min_frames, info.max_frames) == (3, 4 + 5 + 6, 4, 6)
    assert info.sizes == ["16x16"] and info.fps == [15.0] and info.bytes == path.stat().st_size
    with tarfile.open(path) as tar:
        members = ("camera.json", "meta.json", "motion.npz", "video.mp4")
        assert tar.getnames()[:4] == [f"clip-0.{m}" for m in members]
    assert not temp_beside(path).exists()


def test_failed_write_leaves_nothing(tmp_path, make_sample):
    def samples():
        yield encode_sample(make_sample(0))
        raise RuntimeError("generator died")

    path = tmp_path / "shard-000000.tar"
    with pytest.raises(RuntimeError):
        write_shard(path, samples())
    assert list(tmp_path.iterdir()) == []


def test_same_samples_give_the_same_shard(tmp_path, make_sample):
    """Byte-identical members (videos: the same frames, see shard_compare) in the same order."""
    for name in ("a", "b"):
        write_shard(tmp_path / f"{name}.tar", (encode_sample(make_sample(i)) for i in range(2)))
    a, b = tar_members(tmp_path / "a.tar"), tar_members(tmp_path / "b.tar")
    assert list(a) == list(b)
    assert_same_members(a, b)


def test_unreadable_shard_error_names_file(tmp_path):
    bad = tmp_path / "shard-000009.tar"
    bad.write_bytes(b"\x01" * 700)
    with pytest.raises(ValueError, match="shard-000009.tar"):
        read_shard_info(bad)


@pytest.mark.parametrize(("n", "train", "val", "test", "overlap"), [
    (1, 1, 1, 1, True), (2, 1, 1, 1, True), (3, 1, 1, 1, False), (10, 8, 1, 1, False), (20, 16, 2, 2, False),
])
def test_assign_splits_counts(n, train, val, test, overlap):
    names = [f"s{i}" for i in range(n)]
    splits, over = assign_splits(names, 0.1, 0.1)
    assert [len(splits[k]) for k in ("train", "val", "test")] == [train, val, test]
    assert over is overlap
    if not overlap:
        assert sorted(sum(splits.values(), [])) == sorted(names)


def test_manifest_round_trip_and_validation(tmp_path, make_sample):
    info = write_shard(tmp_path / "shard-000000.tar", [encode_sample(make_sample(0))])
    manifest = finish_manifest({"kind": "test"}, [info])
    write_manifest(tmp_path, manifest)
    back = read_manifest(tmp_path)
    assert back["num_clips"] == 1 and back["num_frames"] == 6 and back["total_bytes"] == info.bytes
    assert back["splits"]["train"] == ["shard-000000.tar"]
    (tmp_path / "manifest.json").write_text(json.dumps({"format": "other"}))
    with pytest.raises(ValueError, match="not a unimo shard manifest"):
        read_manifest(tmp_path)
    assert read_manifest(tmp_path / "nowhere") is None
