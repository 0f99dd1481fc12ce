"""Every supported motion format loads from its tiny fixture, with fields mapped to the right channels."""

from __future__ import annotations

import pickle
from pathlib import Path

import numpy as np
import pytest
import torch

from unimo.body.motion import Motion
from unimo.data import load_motion
from unimo.data.importers import FORMATS, detect_format, read_motion_file
from unimo.data.importers.container import read_container


@pytest.fixture
def motions_dir(fixtures_dir: Path) -> Path:
    return fixtures_dir / "motions"


# file, format, source model, gender, fps
CASES = [
    ("amass_smplh.npz", "amass_smplh", "smplh", "male", 120.0),
    ("amass_smplx.npz", "amass_smplx", "smplx", "female", 120.0),
    ("beat2.npz", "beat2", "smplx", "neutral", 30.0),
    ("gvhmr_results.pt", "gvhmr", "smplx", "unknown", 30.0),
    ("aistpp.pkl", "aistpp", "smpl", "unknown", 60.0),
    ("smpl_poses.npz", "smpl", "smpl", "neutral", 25.0),
    ("meshcapade.smpl", "smplcodec", "smplx", "female", 30.0),
    ("unimo_motion.npz", "unimo", "smplx", "unknown", 20.0),
]


@pytest.mark.parametrize(("name", "fmt", "source", "gender", "fps"), CASES)
def test_fixture_metadata(motions_dir: Path, name: str, fmt: str, source: str, gender: str,
                          fps: float) -> None:
    result = read_motion_file(motions_dir / name)
    assert (result.format, result.source_model, result.gender) == (fmt, source, gender)
    assert result.motion.fps == fps and result.motion.num_frames == 4
    assert result.motion.betas.shape == (10,) and torch.isfinite(result.motion.to_tensor()).all()
    assert fmt in FORMATS or fmt == "beat2"


def _expect(motion: Motion, orient: np.ndarray, body: np.ndarray, betas: np.ndarray,
            transl: np.ndarray) -> None:
    np.testing.assert_allclose(motion.global_orient.numpy(), orient, atol=1e-6)
    np.testing.assert_allclose(motion.body_pose.numpy(), body, atol=1e-6)
    np.testing.assert_allclose(motion.betas.numpy(), betas, atol=1e-6)
    np.testing.assert_allclose(motion.transl.numpy(), transl, atol=1e-5)


def test_amass_smplh_mapping(motions_dir: Path) -> None:
    raw = np.load(motions_dir / "amass_smplh.npz")
    with pytest.warns(UserWarning, match="finger joints dropped"):
        motion = load_motion(motions_dir / "amass_smplh.npz")
    _expect(motion, raw["poses"][:, :3], raw["poses"][:, 3:66], raw["betas"][:10], raw["trans"])


def test_amass_smplx_mapping(motions_dir: Path) -> None:
    raw = np.load(motions_dir / "amass_smplx.npz")
    motion = read_motion_file(motions_dir / "amass_smplx.npz").motion
    _expect(motion, raw["root_orient"], raw["pose_body"], raw["betas"][:10], raw["trans"])


def test_beat2_mapping_keeps_first_10_of_300_betas(motions_dir: Path) -> None:
    raw = np.load(motions_dir / "beat2.npz")
    result = read_motion_file(motions_dir / "beat2.npz")
    _expect(result.motion, raw["poses"][:, :3], raw["poses"][:, 3:66], raw["betas"][:10], raw["trans"])
    assert any("first 10 of 300" in note for note in result.notes)


def test_gvhmr_global_and_incam(motions_dir: Path) -> None:
    raw = torch.load(motions_dir / "gvhmr_results.pt", weights_only=True)
    motion = read_motion_file(motions_dir / "gvhmr_results.pt").motion
    glob = {k: v.numpy() for k, v in raw["smpl_params_global"].items()}
    _expect(motion, glob["global_orient"], glob["body_pose"], glob["betas"][0], glob["transl"])
    from unimo.data.importers.params import read_gvhmr

    incam = read_gvhmr(raw, motions_dir / "gvhmr_results.pt", frame="incam").motion
    np.testing.assert_allclose(incam.transl.numpy(), raw["smpl_params_incam"]["transl"].numpy())


def test_aistpp_translation_is_divided_by_scaling(motions_dir: Path) -> None:
    with (motions_dir / "aistpp.pkl").open("rb") as handle:
        raw = pickle.load(handle)
    motion = read_motion_file(motions_dir / "aistpp.pkl").motion
    _expect(motion, raw["smpl_poses"][:, :3], raw["smpl_poses"][:, 3:66], np.zeros(10),
            raw["smpl_trans"] / raw["smpl_scaling"][0])


def test_plain_smpl_drops_hand_joints(motions_dir: Path) -> None:
    raw = np.load(motions_dir / "smpl_poses.npz")
    motion = read_motion_file(motions_dir / "smpl_poses.npz").motion
    _expect(motion, raw["poses"][:, :3], raw["poses"][:, 3:66], raw["betas"], raw["trans"])


def test_smplcodec_root_is_first_body_pose_joint(motions_dir: Path) -> None:
    raw = np.load(motions_dir / "meshcapade.smpl")
    motion = read_motion_file(motions_dir / "meshcapade.smpl").motion
    pose = raw["bodyPose"].reshape(4, 66)
    _expect(motion, pose[:, :3], pose[:, 3:], raw["shapeParameters"][:10], raw["bodyTranslation"])


def test_unimo_npz_round_trip(motions_dir: Path, tmp_path: Path) -> None:
    motion = load_motion(motions_dir / "unimo_motion.npz")
    motion.save(tmp_path / "again.npz")
    again = load_motion(tmp_path / "again.npz")
    torch.testing.assert_close(again.to_tensor(), motion.to_tensor())
    assert again.fps == motion.fps == 20.0


def test_target_fps_resamples_and_fps_overrides(motions_dir: Path) -> None:
    with pytest.warns(UserWarning):
        motion = load_motion(motions_dir / "amass_smplh.npz", target_fps=40.0)  # 4 frames at 120 -> 2 at 40
    assert motion.fps == 40.0 and motion.num_frames == 2
    assert load_motion(motions_dir / "unimo_motion.npz", fps=10.0).fps == 10.0


def test_detect_format_of_raw_fields(motions_dir: Path) -> None:
    for name, fmt, *_ in CASES:
        expected = "smplx_poses" if fmt == "beat2" else fmt
        assert detect_format(read_container(motions_dir / name)) == expected
