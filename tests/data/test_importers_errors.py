"""Bad motion files fail with errors naming the file and the field; documented conversions are applied."""

from __future__ import annotations

import os
import pickle
from pathlib import Path

import numpy as np
import pytest
import torch

from unimo.data.importers import MotionFormatError, read_motion_file

T = 4


def _npz(tmp_path: Path, name: str = "m.npz", **fields: object) -> Path:
    path = tmp_path / name
    with path.open("wb") as handle:
        np.savez(handle, **fields)
    return path


def _smplh(**overrides: object) -> dict:
    fields = {"poses": np.zeros((T, 156)), "trans": np.zeros((T, 3)), "betas": np.zeros(16),
              "mocap_framerate": np.array(60.0), "gender": np.array("female")}
    fields.update(overrides)
    return {k: v for k, v in fields.items() if v is not None}


def test_missing_field_is_named(tmp_path: Path) -> None:
    path = tmp_path / "a.pkl"
    path.write_bytes(pickle.dumps({"smpl_poses": np.zeros((T, 72)), "smpl_scaling": np.ones(1)}))
    with pytest.raises(MotionFormatError, match=r"a\.pkl: missing field 'smpl_trans'"):
        read_motion_file(path)


@pytest.mark.parametrize(("fields", "pattern"), [
    ({"poses": np.zeros((T, 150))}, r"'poses' has shape \(4, 150\); expected \(T, 156\)"),
    ({"global_orient": np.zeros((T, 3)), "body_pose": np.zeros((T, 60)), "fps": 30.0},
     r"field 'body_pose': has shape \(4, 60\); expected \(T, 63\) or \(T, 69\)"),
    (_smplh(trans=np.zeros((T + 1, 3))), r"disagree on the number of frames"),
    (_smplh(poses=np.zeros((0, 156)), trans=np.zeros((0, 3))), r"'poses': has zero frames"),
    (_smplh(mocap_framerate=np.array(0.0)), r"'mocap_framerate': frame rate 0.0 is not a positive number"),
    (_smplh(betas=np.zeros((2, 16))), r"'betas': has shape \(2, 16\)"),
    ({"root_orient": np.zeros((T, 3))}, r"unknown motion format \(fields: \['root_orient'\]\)\. Known"),
    ({"global_orient": np.zeros((T, 3)), "betas": np.zeros(10), "transl": np.zeros((T, 3)),
      "fps": np.array(30.0)},
     r"unknown motion format .*; closest: unimo \(.*\), missing field\(s\) 'body_pose'\."),
])
def test_wrong_shapes_and_unknown_formats(tmp_path: Path, fields: dict, pattern: str) -> None:
    with pytest.raises(MotionFormatError, match=pattern) as info:
        read_motion_file(_npz(tmp_path, **fields))
    assert str(tmp_path / "m.npz") in str(info.value)


def test_unknown_format_lists_the_known_ones(tmp_path: Path) -> None:
    with pytest.raises(MotionFormatError, match="Known formats") as info:
        read_motion_file(_npz(tmp_path, foo=np.zeros(3)))
    assert "\n  gvhmr: GVHMR" in str(info.value) and "\n  amass_smplh: AMASS SMPL-H" in str(info.value)


def test_nan_is_located(tmp_path: Path) -> None:
    trans = np.zeros((T, 3))
    trans[2, 1] = np.nan
    pattern = r"'trans': contains NaN/inf \(1 values, first at index \[2, 1\]\)"
    with pytest.raises(MotionFormatError, match=pattern):
        read_motion_file(_npz(tmp_path, **_smplh(trans=trans)))


def test_object_arrays_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "obj.npz"
    np.savez(path, poses=np.zeros((T, 156)), betas=np.array([{"a": 1}], dtype=object))
    with pytest.raises(MotionFormatError, match=r"obj\.npz: field 'betas': is an object array"):
        read_motion_file(path)


def test_pickles_cannot_run_code(tmp_path: Path) -> None:
    class Evil:
        def __reduce__(self) -> tuple:
            return (os.system, ("echo pwned > " + str(tmp_path / "pwned"),))

    path = tmp_path / "evil.pkl"
    path.write_bytes(pickle.dumps({"poses": Evil()}))
    with pytest.raises(MotionFormatError, match="refusing to load"):
        read_motion_file(path)
    assert not (tmp_path / "pwned").exists()


def test_containers_that_are_not_dicts_or_not_archives(tmp_path: Path) -> None:
    (tmp_path / "list.pkl").write_bytes(pickle.dumps([1, 2]))
    with pytest.raises(MotionFormatError, match="expected a dict of fields at the top level, got list"):
        read_motion_file(tmp_path / "list.pkl")
    (tmp_path / "junk.npz").write_bytes(b"not a zip")
    with pytest.raises(MotionFormatError, match="not a readable npz"):
        read_motion_file(tmp_path / "junk.npz")
    (tmp_path / "m.txt").write_text("poses")
    with pytest.raises(MotionFormatError, match="unknown motion file type '.txt'"):
        read_motion_file(tmp_path / "m.txt")
    with pytest.raises(FileNotFoundError, match="nope.npz"):
        read_motion_file(tmp_path / "nope.npz")


@pytest.mark.parametrize("gender", [np.array(b"female"), np.array("female"), np.array("Female "), "female"])
def test_gender_bytes_or_str(tmp_path: Path, gender: object) -> None:
    path = tmp_path / "g.pkl"
    fields = _smplh(gender=gender)
    path.write_bytes(pickle.dumps(fields))
    assert read_motion_file(path).gender == "female"


@pytest.mark.parametrize(
    ("count", "note"), [(16, "first 10 of 16"), (300, "first 10 of 300"), (8, "zero-padded")]
)
def test_betas_counts_are_converted_and_noted(tmp_path: Path, count: int, note: str) -> None:
    betas = np.arange(1.0, count + 1)
    fields = {"poses": np.zeros((T, 165)), "trans": np.zeros((T, 3)), "betas": betas,
              "mocap_frame_rate": np.array(30.0)}
    result = read_motion_file(_npz(tmp_path, **fields))
    expected = np.concatenate([betas, np.zeros(10)])[:10]
    np.testing.assert_allclose(result.motion.betas.numpy(), expected)
    assert any(note in n for n in result.notes)
    assert not any("approximate" in n for n in result.notes)  # SMPL-X source: no shape-space caveat


def test_varying_per_frame_betas_are_kept_per_frame(tmp_path: Path) -> None:
    params = {"global_orient": torch.zeros(T, 3), "body_pose": torch.zeros(T, 63),
              "transl": torch.zeros(T, 3), "betas": torch.arange(T * 10.0).reshape(T, 10)}
    torch.save({"smpl_params_global": params}, tmp_path / "r.pt")
    motion = read_motion_file(tmp_path / "r.pt").motion
    assert motion.betas.shape == (T, 10) and motion.betas[3, 0].item() == 30.0


def test_torch_files_may_hold_numpy_arrays_but_not_code(tmp_path: Path) -> None:
    params = {"global_orient": np.zeros((T, 3)), "body_pose": np.ones((T, 63)), "transl": np.zeros((T, 3))}
    torch.save({"smpl_params_global": params}, tmp_path / "np.pt")
    assert read_motion_file(tmp_path / "np.pt").motion.body_pose.sum().item() == T * 63

    class Evil:
        def __reduce__(self) -> tuple:
            return (os.system, ("echo pwned > " + str(tmp_path / "pwned"),))

    torch.save({"smpl_params_global": Evil()}, tmp_path / "evil.pt")
    with pytest.raises(MotionFormatError, match="unreadable torch file"):
        read_motion_file(tmp_path / "evil.pt")
    assert not (tmp_path / "pwned").exists()


def test_gvhmr_missing_set_and_nested_field_errors(tmp_path: Path) -> None:
    torch.save({"smpl_params_incam": {}}, tmp_path / "r.pt")
    with pytest.raises(MotionFormatError, match=r"'smpl_params_global': missing or not a dict"):
        read_motion_file(tmp_path / "r.pt")
    torch.save({"smpl_params_global": {"global_orient": torch.zeros(T, 3), "body_pose": torch.zeros(T, 62)}},
               tmp_path / "r.pt")
    with pytest.raises(MotionFormatError, match=r"r\.pt\[smpl_params_global\]: field 'body_pose'"):
        read_motion_file(tmp_path / "r.pt")


def test_smplcodec_unsupported_models_and_single_pose(tmp_path: Path) -> None:
    with pytest.raises(MotionFormatError, match=r"'smplVersion': 3 \(SUPR\) is not supported"):
        read_motion_file(_npz(tmp_path, "s.smpl", smplVersion=np.int32(3), bodyPose=np.zeros((1, 22, 3))))
    single = read_motion_file(_npz(tmp_path, "p.smpl", smplVersion=np.int32(0), bodyPose=np.ones((1, 24, 3))))
    assert single.motion.num_frames == 1 and single.source_model == "smpl"
    assert single.motion.transl.abs().sum() == 0 and any("transl" in n for n in single.notes)
    np.testing.assert_allclose(single.motion.body_pose.numpy(), np.ones((1, 63)))
