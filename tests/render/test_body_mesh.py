"""BodyMesh: SMPL-X root semantics (rotation about the rest pelvis), part labels, ground contact."""

from __future__ import annotations

import numpy as np
from scipy.spatial.transform import Rotation

from unimo.render.body_mesh import FOOT_JOINTS, NUM_JOINTS, BodyMesh


def test_global_orientation_pivots_about_the_rest_pelvis() -> None:
    mesh = BodyMesh(np.zeros(10))
    orient = np.array([[np.pi / 2, 0.0, 0.0], [0.0, 1.0, 0.5]])
    transl = np.array([[0.0, 0.0, 0.0], [1.0, 2.0, 3.0]])
    verts, joints = mesh.pose(orient, np.zeros((2, 63)), transl)
    assert np.allclose(joints[:, 0], mesh.pelvis_rest + transl, atol=1e-9)  # pelvis = J0 + transl
    rot = Rotation.from_rotvec(orient).as_matrix()
    expected = (
        np.einsum("tij,nj->tni", rot, mesh.rest_joints - mesh.pelvis_rest)
        + (mesh.pelvis_rest + transl)[:, None]
    )
    assert np.allclose(joints, expected, atol=1e-6)
    assert verts.shape == (2, len(mesh.vertex_joint), 3)


def test_every_vertex_belongs_to_a_body_joint_and_feet_touch_the_floor_at_rest() -> None:
    mesh = BodyMesh(np.zeros(10), lod=1)  # lod 1 has finger pieces: they map to the wrists
    assert mesh.vertex_joint.min() == 0 and mesh.vertex_joint.max() == NUM_JOINTS - 1
    assert set(np.unique(mesh.vertex_joint)) == set(range(NUM_JOINTS))
    feet = mesh.rest_vertices[mesh.foot_vertices]
    assert np.isin(mesh.vertex_joint[mesh.foot_vertices], FOOT_JOINTS).all()
    assert np.isclose(feet[:, 1].min(), mesh.rest_vertices[:, 1].min())  # the soles are the lowest points


def test_betas_change_the_skeleton() -> None:
    tall, short = BodyMesh(np.r_[2.0, np.zeros(9)]), BodyMesh(np.r_[-2.0, np.zeros(9)])
    height = lambda m: m.rest_vertices[:, 1].max() - m.rest_vertices[:, 1].min()  # noqa: E731
    assert abs(height(tall) - height(short)) > 0.05


def test_shared_mesh_is_built_once_per_shape_and_poses_like_a_new_one() -> None:
    betas = np.linspace(-1.0, 1.0, 10)
    shared = BodyMesh.of(betas)
    assert BodyMesh.of(betas.astype(np.float32)) is shared  # float64 and float32 of the same shape: one body
    assert BodyMesh.of(betas + 0.5) is not shared and BodyMesh.of(betas, lod=1) is not shared
    rng = np.random.default_rng(0)
    orient, pose, transl = rng.normal(0, 0.3, (4, 3)), rng.normal(0, 0.3, (4, 63)), rng.normal(0, 1, (4, 3))
    fresh = BodyMesh(betas).pose(orient, pose, transl)
    for got, want in zip(shared.pose(orient, pose, transl), fresh, strict=True):
        np.testing.assert_array_equal(got, want)
