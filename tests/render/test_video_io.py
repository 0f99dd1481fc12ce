"""H.264 round trips through files, bytes and file objects; odd sizes; clear errors."""

from __future__ import annotations

import io

import numpy as np
import pytest
from shard_compare import videos_match

from unimo.data.shards.frames import resize_frames
from unimo.render.video_io import (
    VideoDecodeError,
    decode_video_bytes,
    encode_video_bytes,
    probe_video,
    read_video,
    write_video,
)


def smooth_frames(num_frames: int, height: int, width: int) -> np.ndarray:
    """Moving colour gradients: smooth content that H.264 reproduces closely."""
    t = np.arange(num_frames)[:, None, None]
    y = np.linspace(0, 1, height)[None, :, None]
    x = np.linspace(0, 1, width)[None, None, :]
    channels = np.broadcast_arrays(np.sin(2 * np.pi * (x + 0.05 * t)), np.cos(2 * np.pi * (y - 0.03 * t)),
                                   x * y + 0 * t)
    return (np.stack(channels, -1) * 0.4 * 255 + 128).clip(0, 255).astype(np.uint8)  # (T, H, W, 3)


def test_file_round_trip_within_h264_tolerance(tmp_path):
    frames = smooth_frames(12, 32, 48)
    path = write_video(tmp_path / "clip.mp4", frames, fps=25)
    out, fps = read_video(path)
    assert out.shape == frames.shape and out.dtype == np.uint8
    assert fps == 25.0
    # yuv420p chroma subsampling dominates at this tiny size (lossless crf=0 still gives 3.9): bound 5.
    assert np.abs(out.astype(int) - frames).mean() < 5.0
    assert not list(tmp_path.glob("*.tmp")), "temp file left behind"


def test_odd_size_is_restored_exactly(tmp_path):
    # Grey content: no chroma subsampling loss, so a one-pixel misalignment of the crop would show.
    frames = np.repeat(smooth_frames(5, 17, 33)[..., :1], 3, axis=-1)
    out, _ = decode_video_bytes(encode_video_bytes(frames, fps=30))
    assert out.shape == (5, 17, 33, 3)
    assert np.abs(out.astype(int) - frames).mean() < 3.0  # measured 1.6; shifted by one column: 12.9
    info = probe_video(encode_video_bytes(frames, fps=30))
    assert (info.num_frames, info.width, info.height) == (5, 33, 17)


def test_fractional_fps_and_file_object():
    data = encode_video_bytes(smooth_frames(4, 16, 16), fps=30000 / 1001)
    _, fps = read_video(io.BytesIO(data))
    assert fps == pytest.approx(29.97, abs=1e-3)


def test_encoding_is_repeatable():
    """The same frames encode to the same video; bytes usually agree too, but x264 does not promise it
    (see tests/shard_compare.py), so the frames are compared."""
    frames = smooth_frames(6, 16, 24)
    assert videos_match(encode_video_bytes(frames, 25), encode_video_bytes(frames, 25))
    assert not videos_match(encode_video_bytes(frames, 25), encode_video_bytes(frames[::-1], 25))


def test_partial_decode_matches_full_decode():
    data = encode_video_bytes(smooth_frames(20, 16, 16), fps=20)
    full, _ = decode_video_bytes(data)
    part, _ = decode_video_bytes(data, start=3, num_frames=5, stride=3)
    np.testing.assert_array_equal(part, full[3:16:3])


def test_too_few_frames_raises():
    data = encode_video_bytes(smooth_frames(4, 16, 16), fps=20)
    with pytest.raises(VideoDecodeError, match="got 2 frames"):
        decode_video_bytes(data, start=2, num_frames=3)


def test_corrupt_file_error_names_the_file(tmp_path):
    bad = tmp_path / "broken.mp4"
    bad.write_bytes(b"\x00not a video" * 50)
    with pytest.raises(VideoDecodeError, match="broken.mp4"):
        read_video(bad)
    with pytest.raises(FileNotFoundError, match="missing.mp4"):
        read_video(tmp_path / "missing.mp4")


def test_truncated_bytes_raise():
    data = encode_video_bytes(smooth_frames(10, 32, 32), fps=25)
    with pytest.raises(VideoDecodeError):
        decode_video_bytes(data[: len(data) // 3])


def test_bad_frames_rejected():
    with pytest.raises(ValueError, match="uint8"):
        encode_video_bytes(np.zeros((3, 8, 8, 3), np.float32), fps=25)


@pytest.mark.real_data
def test_real_clips_decode_and_match_their_headers(real_data_dir):
    for name, (width, height, fps) in {"sports2d_demo3_runner.mp4": (480, 352, 29.97),
                                       "mmhuman3d_single_person_demo.mp4": (1080, 1920, 12.0)}.items():
        info = probe_video(real_data_dir / name)
        assert (info.width, info.height) == (width, height) and info.fps == pytest.approx(fps, abs=1e-2)
        frames, rate = read_video(real_data_dir / name, start=info.num_frames - 2)  # the last two frames
        assert frames.shape == (2, height, width, 3) and rate == info.fps


def test_frames_can_be_shrunk_while_decoding():
    frames = smooth_frames(4, 90, 161)  # odd width: stored padded, cropped back before shrinking
    data = encode_video_bytes(frames, 10)
    small, _ = read_video(data, max_short_side=30)
    assert small.shape == (4, 30, 54, 3)
    expected = resize_frames(read_video(data)[0], 30)
    assert np.abs(small.astype(int) - expected.astype(int)).mean() < 3.0  # area vs antialiased bilinear
    assert read_video(data, max_short_side=90)[0].shape == (4, 90, 161, 3)  # never enlarged
