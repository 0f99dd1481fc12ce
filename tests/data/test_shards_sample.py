"""Reading shard members fast: .npy headers without numpy's parser, motions, and frames to model tensors."""

from __future__ import annotations

import io

import numpy as np
import pytest
import torch

from unimo.body.motion import Motion
from unimo.data.shards.frames import center_crop, frames_to_tensor, resize_short_side
from unimo.data.shards.sample import motion_from_npz_bytes, motion_to_npz_bytes, npy_from_bytes

RNG = np.random.default_rng(0)
ARRAYS = [np.float32(3.5), np.zeros((0, 3), np.int32), RNG.random((2, 3, 4)), RNG.random((1, 79), np.float32),
          RNG.integers(0, 64000, (5, 8, 8)).astype(np.uint16), np.array([True, False]),
          # numpy's reader handles the rest: big-endian, Fortran order, strings
          np.arange(6, dtype=">i4").reshape(2, 3), np.asfortranarray(RNG.random((3, 4))),
          np.array(["ab", "c"])]


def npy(array: np.ndarray) -> bytes:
    buf = io.BytesIO()
    np.lib.format.write_array(buf, array)
    return buf.getvalue()


@pytest.mark.parametrize("array", ARRAYS, ids=lambda a: f"{a.dtype.str}{a.shape}")
def test_npy_from_bytes_matches_numpy(array):
    back = npy_from_bytes(npy(array))
    assert back.dtype == array.dtype and back.shape == array.shape and np.array_equal(back, array)
    assert back.flags.writeable


@pytest.mark.parametrize("cut", [-8, 20, 4])
def test_npy_from_bytes_raises_on_truncated_bytes(cut):
    data = npy(RNG.random((5, 5)))
    with pytest.raises(ValueError):
        npy_from_bytes(data[:cut])


def test_motion_from_npz_bytes_matches_motion_load(toy, tmp_path):
    motion = toy.motion(4, 11, 25.0)
    data = motion_to_npz_bytes(motion)
    fast, slow = motion_from_npz_bytes(data), Motion.load(io.BytesIO(data))
    assert fast.fps == slow.fps == 25.0
    for name in ("global_orient", "body_pose", "betas", "transl"):
        assert torch.equal(getattr(fast, name), getattr(slow, name))
    motion.save(tmp_path / "m.npz")  # np.savez layout, as Motion.save writes
    saved = motion_from_npz_bytes((tmp_path / "m.npz").read_bytes())
    assert torch.equal(saved.to_tensor(), motion.to_tensor())
    with pytest.raises(KeyError, match="missing fields"):
        np.savez(buf := io.BytesIO(), transl=np.zeros((3, 3), np.float32))
        motion_from_npz_bytes(buf.getvalue())


@pytest.mark.parametrize(("shape", "size"),
                         [((6, 16, 16, 3), None), ((6, 16, 16, 3), 16), ((4, 12, 20, 3), 8)])
def test_frames_to_tensor_values_and_input_untouched(shape, size):
    frames = RNG.integers(0, 256, shape, dtype=np.uint8)
    video = torch.from_numpy(frames).permute(0, 3, 1, 2).float()  # (T, 3, H, W), 0-255
    if size is not None:
        video = center_crop(resize_short_side(video, size), size)
    assert torch.equal(frames_to_tensor(frames, size), (video / 127.5 - 1.0).clamp(-1.0, 1.0))
    floats = frames.astype(np.float32)
    frames_to_tensor(floats, size)
    assert np.array_equal(floats, frames)  # the in-place normalisation works on its own copy
