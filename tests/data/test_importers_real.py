"""The real research samples in ../shared/data/real load (skipped when absent; never copied here)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from unimo.body.models import MannequinBodyModel
from unimo.data import load_motion
from unimo.data.importers import inspect_motion_file, read_motion_file

pytestmark = pytest.mark.real_data


def test_amass_smplh_sample(real_data_dir: Path) -> None:
    path = real_data_dir / "amass_dmpl_sample_smplh.npz"
    raw = np.load(path)
    result = read_motion_file(path)
    motion = result.motion
    assert (result.format, result.gender) == ("amass_smplh", "female")  # gender stored as bytes b'female'
    assert motion.num_frames == 235 and motion.fps == 120.0  # stored as 120.00004577636719
    np.testing.assert_allclose(motion.body_pose.numpy(), raw["poses"][:, 3:66], atol=1e-6)
    np.testing.assert_allclose(motion.transl.numpy(), raw["trans"], atol=1e-6)
    with pytest.warns(UserWarning, match="first 10 of 16"):
        at30 = load_motion(path, target_fps=30.0)
    assert at30.num_frames == 59 and at30.fps == 30.0
    np.testing.assert_allclose(at30.transl.numpy(), raw["trans"][::4], atol=1e-6)


def test_smplcodec_sample_is_amass_smplx_without_rate(real_data_dir: Path) -> None:
    path = real_data_dir / "smplcodec_apose_to_handsFront_smplx.npz"
    raw = np.load(path)
    result = read_motion_file(path)
    assert result.format == "amass_smplx" and result.motion.num_frames == 34
    assert result.motion.fps == 60.0 and any("assumed 60" in n for n in result.notes)  # smplcodec's default
    np.testing.assert_allclose(result.motion.global_orient.numpy(), raw["root_orient"], atol=1e-6)
    assert read_motion_file(path, fps=30.0).motion.fps == 30.0


def test_real_samples_pose_a_plausible_body(real_data_dir: Path) -> None:
    body = MannequinBodyModel()
    for name in ("amass_dmpl_sample_smplh.npz", "smplcodec_apose_to_handsFront_smplx.npz"):
        joints = body.joints(read_motion_file(real_data_dir / name).motion.to_tensor())  # (T, 22, 3)
        height = (joints[:, 15] - joints[:, [7, 8]].mean(1)).norm(dim=-1)  # head to mid-ankles
        assert torch.all((height > 1.0) & (height < 2.0)), name
        assert "frames:" in inspect_motion_file(real_data_dir / name)
