"""SMPLXBodyModel through the real ``smplx`` package, on a synthetic model file (no licensed data).

The synthetic SMPL-X file places its joints where mannequin-x's calibration puts SMPL-X's, with the same
linear shape response, so both body models must give the same joints for any motion: this checks the
conventions (global orientation about the pelvis, translation, pose order) of both wrappers.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from unimo.body.mannequin import _skeleton_assets
from unimo.body.models import MannequinBodyModel, SMPLXBodyModel, default_body_model, find_smplx_file
from unimo.body.skeleton import SMPLX_BODY_PARENTS

NUM_VERTS = 10475  # smplx selects extra joints by vertex id (< 10475)


def _smplx_parents() -> list[int]:
    parents = list(SMPLX_BODY_PARENTS) + [15, 15, 15]  # jaw, left eye, right eye
    for wrist, start in ((20, 25), (21, 40)):
        for finger in range(5):
            first = start + 3 * finger
            parents += [wrist, first, first + 1]
    return parents


def write_fake_smplx(folder: Path, gender: str = "NEUTRAL") -> Path:
    """Write a minimal SMPLX_<GENDER>.npz whose skeleton equals the mannequin calibration."""
    assets = _skeleton_assets()
    rng = np.random.default_rng(0)
    v_template = rng.normal(scale=0.3, size=(NUM_VERTS, 3))
    shapedirs = np.zeros((NUM_VERTS, 3, 20))
    v_template[:22], shapedirs[:22, :, :10] = assets["joint_rest"][:22], assets["joint_dirs"][:22]
    # Remaining 33 joints (face, fingers): anywhere, they do not move the body joints.
    v_template[22:55] = v_template[_smplx_parents()[22:]] + 0.05
    regressor = np.zeros((55, NUM_VERTS))
    regressor[np.arange(55), np.arange(55)] = 1.0
    weights = np.zeros((NUM_VERTS, 55))
    weights[np.arange(NUM_VERTS), np.minimum(np.arange(NUM_VERTS), 54)] = 1.0
    path = folder / f"SMPLX_{gender}.npz"
    np.savez_compressed(
        path, v_template=v_template, shapedirs=shapedirs, J_regressor=regressor, weights=weights,
        posedirs=np.zeros((NUM_VERTS, 3, 54 * 9), np.float32),
        kintree_table=np.stack([_smplx_parents(), np.arange(55)]),
        f=rng.integers(0, NUM_VERTS, size=(64, 3)),
        hands_componentsl=np.eye(45), hands_componentsr=np.eye(45),
        hands_meanl=np.zeros(45), hands_meanr=np.zeros(45), lmk_faces_idx=np.zeros(51, np.int64),
        lmk_bary_coords=np.full((51, 3), 1 / 3),
    )
    return path


@pytest.fixture(scope="module")
def fake_smplx_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("body_models") / "smplx"
    folder.mkdir()
    write_fake_smplx(folder)
    return folder


def test_smplx_joints_equal_mannequin_joints(fake_smplx_dir: Path) -> None:
    g = torch.Generator().manual_seed(0)
    x = torch.randn(2, 5, 79, generator=g) * 0.5
    x[..., 63:73] = torch.randn(2, 1, 10, generator=g)  # constant shape per sequence
    body = SMPLXBodyModel(str(fake_smplx_dir))
    joints = body.joints(x)
    assert joints.shape == (2, 5, 22, 3) and body.num_joints == 22
    np.testing.assert_allclose(joints.numpy(), MannequinBodyModel().joints(x).numpy(), atol=1e-4)
    verts = body.vertices(x)
    assert verts.shape == (2, 5, NUM_VERTS, 3)
    # Vertex k < 22 sits on joint k, skinned rigidly to it.
    np.testing.assert_allclose(verts[..., :22, :].numpy(), joints.numpy(), atol=1e-4)
    assert body.faces.shape == (64, 3) and body.faces.dtype == torch.int64


def test_smplx_accepts_parent_folder_and_default_body_model(fake_smplx_dir: Path) -> None:
    assert find_smplx_file(fake_smplx_dir.parent) == fake_smplx_dir / "SMPLX_NEUTRAL.npz"
    assert isinstance(default_body_model(str(fake_smplx_dir.parent)), SMPLXBodyModel)


def test_smplx_joints_are_differentiable(fake_smplx_dir: Path) -> None:
    x = (0.3 * torch.randn(3, 79)).requires_grad_(True)
    SMPLXBodyModel(str(fake_smplx_dir)).joints(x).sum().backward()
    assert torch.isfinite(x.grad).all() and x.grad.abs().sum() > 0


def test_missing_model_files_name_the_expected_file(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="SMPLX_NEUTRAL.npz") as info:
        SMPLXBodyModel(str(tmp_path))
    assert str(tmp_path) in str(info.value)
    with pytest.raises(FileNotFoundError, match="SMPLX_FEMALE.npz"):
        find_smplx_file(tmp_path, "female")
    with pytest.raises(ValueError, match="gender"):
        find_smplx_file(tmp_path, "woman")
