"""Motion container: channel layout, npz round trip, slicing, frame-rate resampling against scipy."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
import torch
from scipy.spatial.transform import Rotation, Slerp

from unimo.body.motion import Motion
from unimo.body.resample import resample_positions


def _motion(num_frames: int = 9, fps: float = 30.0, per_frame_betas: bool = False) -> Motion:
    g = torch.Generator().manual_seed(0)
    betas = torch.randn(num_frames, 10, generator=g) if per_frame_betas else torch.randn(10, generator=g)
    return Motion(global_orient=torch.randn(num_frames, 3, generator=g),
                  body_pose=0.5 * torch.randn(num_frames, 63, generator=g), betas=betas,
                  transl=torch.randn(num_frames, 3, generator=g), fps=fps)


def test_tensor_layout_round_trip() -> None:
    m = _motion()
    x = m.to_tensor()
    assert x.shape == (9, 79)
    torch.testing.assert_close(x[:, 63:73], m.betas.expand(9, 10))
    back = Motion.from_tensor(x, fps=30.0)
    torch.testing.assert_close(back.to_tensor(), x)


def test_save_load_round_trip_file_and_bytes(tmp_path: Path) -> None:
    m = _motion(per_frame_betas=True)
    m.save(tmp_path / "m.npz")
    loaded = Motion.load(tmp_path / "m.npz")
    torch.testing.assert_close(loaded.to_tensor(), m.to_tensor())
    assert loaded.fps == 30.0 and [p.name for p in tmp_path.iterdir()] == ["m.npz"]  # no temp file left
    buffer = io.BytesIO((tmp_path / "m.npz").read_bytes())
    torch.testing.assert_close(Motion.load(buffer).body_pose, m.body_pose)


def test_bad_shapes_are_named() -> None:
    with pytest.raises(ValueError, match="body_pose"):
        Motion(torch.zeros(4, 3), torch.zeros(4, 60), torch.zeros(10), torch.zeros(4, 3), 30.0)
    with pytest.raises(ValueError, match="fps"):
        Motion(torch.zeros(4, 3), torch.zeros(4, 63), torch.zeros(10), torch.zeros(4, 3), 0.0)


def test_slicing_keeps_constant_betas_and_fps() -> None:
    m = _motion()
    part = m[2:7:2]
    assert len(part) == 3 and part.fps == 30.0 and part.betas.shape == (10,)
    torch.testing.assert_close(part.transl, m.transl[2:7:2])
    single = m[-1]
    assert len(single) == 1
    torch.testing.assert_close(single.body_pose[0], m.body_pose[8])
    varying = _motion(per_frame_betas=True)[1:3]
    torch.testing.assert_close(varying.betas, _motion(per_frame_betas=True).betas[1:3])
    with pytest.raises(IndexError):
        m[9]


def test_resample_positions_keep_duration() -> None:
    assert resample_positions(121, 120.0, 30.0).tolist() == [4.0 * i for i in range(31)]
    assert resample_positions(91, 30.0, 60.0).shape == (181,)
    assert resample_positions(10, 30.0, 7.0)[-1] <= 9.0


def test_resample_slerps_rotations_like_scipy() -> None:
    m = _motion(num_frames=5, fps=10.0)
    up = m.resample(25.0)
    assert up.fps == 25.0 and len(up) == 11 and up.betas.shape == (10,)
    times_src, times_dst = np.arange(5) / 10.0, np.arange(11) / 25.0
    for joint in range(3):  # global orientation and two body joints
        src = m.global_orient if joint == 0 else m.body_pose[:, 3 * joint - 3 : 3 * joint]
        dst = up.global_orient if joint == 0 else up.body_pose[:, 3 * joint - 3 : 3 * joint]
        expected = Slerp(times_src, Rotation.from_rotvec(src.double().numpy()))(times_dst).as_matrix()
        got = Rotation.from_rotvec(dst.double().numpy()).as_matrix()
        np.testing.assert_allclose(got, expected, atol=1e-5)
    transl = m.transl.numpy()
    expected_transl = np.stack([np.interp(times_dst, times_src, transl[:, k]) for k in range(3)], -1)
    np.testing.assert_allclose(up.transl.numpy(), expected_transl, atol=1e-6)


def test_downsample_by_integer_factor_picks_frames() -> None:
    m = _motion(num_frames=9, fps=120.0)
    down = m.resample(30.0)
    assert len(down) == 3
    torch.testing.assert_close(down.transl, m.transl[::4])
    same = Rotation.from_rotvec(down.body_pose.reshape(-1, 3).double().numpy()).as_matrix()
    ref = Rotation.from_rotvec(m.body_pose[::4].reshape(-1, 3).double().numpy()).as_matrix()
    np.testing.assert_allclose(same, ref, atol=1e-5)


def test_to_casts_every_tensor() -> None:
    m = _motion().to(torch.float64)
    assert all(t.dtype == torch.float64 for t in (m.global_orient, m.body_pose, m.betas, m.transl))
