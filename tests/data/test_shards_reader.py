"""Reading shards: damaged members are reported (file, member, reason) and skipped, or raised under strict."""

from __future__ import annotations

import pytest
import torch

from unimo.data.shards.decode import ClipDecoder
from unimo.data.shards.reader import TarSamples
from unimo.data.shards.sample import CAMERA, MOTION, VIDEO, ClipSample, encode_sample
from unimo.data.shards.skips import ShardDataError, SkipReporter
from unimo.data.shards.writer import write_shard


@pytest.fixture
def write_clips(tmp_path, toy):
    """Write a shard of ``n`` toy clips; ``damage`` maps clip index -> (member, new bytes or None to drop)."""

    def write(n: int = 4, damage: dict | None = None, num_frames: int = 6, name: str = "shard-000000.tar"):
        samples = []
        for i in range(n):
            frames, motion = toy.frames(i, num_frames, 16), toy.motion(i, num_frames, 10.0)
            clip = ClipSample(f"clip-{i}", frames, motion, {"i": i})
            encoded = encode_sample(clip)
            member, data = (damage or {}).get(i, (None, None))
            if member is not None:
                encoded.pop(member) if data is None else encoded.update({member: data})
            samples.append(encoded)
        write_shard(tmp_path / name, samples)
        return str(tmp_path / name)

    return write


def load(url: str, policy: str = "warn", expected: int | None = None, video: bool = True,
         num_frames: int = 4):
    reporter = SkipReporter(policy)
    required = (MOTION, VIDEO) if video else (MOTION,)
    reader = TarSamples(reporter, required=required, wanted=(*required, CAMERA),
                        expected={url.rsplit("/", 1)[-1]: expected} if expected else None)
    modalities = ("video", "motion") if video else ("motion",)
    decoder = ClipDecoder(reporter, num_frames=num_frames, modalities=modalities)
    return list(decoder(reader([url]))), reporter


def test_clean_shard_decodes_every_clip(write_clips):
    clips, reporter = load(write_clips())
    assert [c["key"] for c in clips] == ["clip-0", "clip-1", "clip-2", "clip-3"]
    assert clips[0]["video"].shape == (4, 3, 16, 16) and clips[0]["motion"].shape == (4, 79)
    assert clips[2]["camera"] == {"i": 2} and clips[0]["fps"] == 10.0
    assert reporter.total == 0 and all(c["skipped"] == [] for c in clips)


@pytest.mark.parametrize("member", [VIDEO, MOTION])
def test_corrupt_member_is_reported_and_skipped(write_clips, member):
    url = write_clips(damage={1: (member, b"\x00garbage" * 40)})
    clips, reporter = load(url)
    assert [c["key"] for c in clips] == ["clip-0", "clip-2", "clip-3"]
    assert reporter.total == 1
    (record,) = [r for c in clips for r in c["skipped"]]  # rides along with a good clip
    assert record["file"] == url and record["member"] == f"clip-1.{member}" and record["count"] == 1
    assert record["reason"]


def test_corrupt_member_raises_under_strict(write_clips):
    url = write_clips(damage={2: (VIDEO, b"\x00garbage" * 40)})
    with pytest.raises(ShardDataError, match=r"shard-000000.tar: clip-2.video.mp4: VideoDecodeError"):
        load(url, policy="strict")


def test_missing_member_is_reported(write_clips):
    clips, reporter = load(write_clips(damage={0: (VIDEO, None)}))
    assert len(clips) == 3 and reporter.total == 1
    (record,) = [r for c in clips for r in c["skipped"]]
    assert record["member"] == "clip-0.video.mp4" and "missing member" in record["reason"]


def test_motion_only_ignores_broken_video(write_clips):
    clips, reporter = load(write_clips(damage={1: (VIDEO, b"junk")}), video=False)
    assert len(clips) == 4 and reporter.total == 0 and "video" not in clips[0]


def test_truncated_shard_counts_every_lost_sample(write_clips, tmp_path):
    url = write_clips(n=5)
    data = (tmp_path / "shard-000000.tar").read_bytes()
    cut = data.index(b"clip-2.video.mp4") + 512 + 100  # inside clip 2's video bytes (a header is 512)
    (tmp_path / "shard-000000.tar").write_bytes(data[:cut])
    clips, reporter = load(url, expected=5)
    assert reporter.total == 5 - len(clips) and len(clips) in (1, 2, 3)
    (record,) = clips[-1]["skipped"]  # the end-of-stream report still reaches the consumer
    with pytest.raises(ShardDataError, match="shard unreadable"):
        load(url, policy="strict", expected=5)


def test_shard_with_fewer_samples_than_manifest_is_reported(write_clips):
    clips, reporter = load(write_clips(n=3), expected=4)
    assert len(clips) == 3 and reporter.total == 1


def test_too_short_clip_is_reported(write_clips):
    clips, reporter = load(write_clips(n=2, num_frames=3), num_frames=4)
    assert clips == [] and reporter.total == 2


def test_window_start_and_stride(write_clips):
    reporter = SkipReporter()
    reader = TarSamples(reporter, required=(MOTION, VIDEO))
    decoder = ClipDecoder(reporter, num_frames=3, frame_stride=2, random_start=True, seed=1)
    url = write_clips(n=4, num_frames=12)
    fixed = {c["key"]: c for c in ClipDecoder(reporter, num_frames=12)(reader([url]))}
    clips = list(decoder(reader([url])))
    assert len({c["start"] for c in clips}) > 1, "random starts should differ between clips"
    for clip in clips:
        full = fixed[clip["key"]]
        start = clip["start"]
        assert 0 <= start <= 12 - 5 and clip["fps"] == 5.0
        assert torch.equal(clip["motion"], full["motion"][start:start + 5:2])
        assert torch.allclose(clip["video"], full["video"][start:start + 5:2], atol=1e-6)
