"""Rotation conversions against scipy, near the singular angles 0 and pi, and their gradients."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from scipy.spatial.transform import Rotation, Slerp

from unimo.body import rotations as rot


def _random_axis_angle(n: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    axis = rng.normal(size=(n, 3))
    axis /= np.linalg.norm(axis, axis=-1, keepdims=True)
    return axis * rng.uniform(0, np.pi, size=(n, 1))


def _near_singular_axis_angle() -> np.ndarray:
    axis = np.array([[1.0, 0, 0], [0, 1.0, 0], [0, 0, 1.0], [0.6, 0.0, 0.8], [-0.48, 0.6, 0.64]])
    angles = np.array([0.0, 1e-7, 1e-4, np.pi - 1e-6, np.pi - 1e-3, np.pi])
    return (axis[:, None] * angles[None, :, None]).reshape(-1, 3)


def test_axis_angle_to_matrix_matches_scipy() -> None:
    aa = np.concatenate([_random_axis_angle(200), _near_singular_axis_angle()])
    ours = rot.axis_angle_to_matrix(torch.from_numpy(aa)).numpy()
    np.testing.assert_allclose(ours, Rotation.from_rotvec(aa).as_matrix(), atol=1e-12)


def test_matrix_to_axis_angle_matches_scipy_including_near_pi() -> None:
    aa = np.concatenate([_random_axis_angle(200, seed=1), _near_singular_axis_angle()])
    matrices = Rotation.from_rotvec(aa).as_matrix()
    ours = rot.matrix_to_axis_angle(torch.from_numpy(matrices)).numpy()
    # Compare as rotations: at exactly pi, +axis and -axis are the same rotation.
    back = Rotation.from_rotvec(ours).as_matrix()
    np.testing.assert_allclose(back, matrices, atol=1e-9)
    away_from_pi = np.linalg.norm(aa, axis=-1) < np.pi - 1e-2
    np.testing.assert_allclose(ours[away_from_pi], aa[away_from_pi], atol=1e-9)
    assert np.all(np.linalg.norm(ours, axis=-1) <= np.pi + 1e-9)


def test_matrix_to_axis_angle_float32_near_pi() -> None:
    aa = np.array([[0.0, 0.0, np.pi - 1e-4], [0.0, np.pi - 1e-3, 0.0], [np.pi - 1e-5, 0.0, 0.0]])
    ours = rot.matrix_to_axis_angle(torch.from_numpy(Rotation.from_rotvec(aa).as_matrix()).float())
    np.testing.assert_allclose(ours.numpy(), aa, atol=2e-3)


def test_quaternions_match_scipy_scalar_first() -> None:
    aa = _random_axis_angle(100, seed=2)
    q_ref = Rotation.from_rotvec(aa).as_quat()[:, [3, 0, 1, 2]]  # scipy is (x, y, z, w)
    q_ref *= np.sign(q_ref[:, :1])
    q = rot.axis_angle_to_quaternion(torch.from_numpy(aa))
    np.testing.assert_allclose(q.numpy(), q_ref, atol=1e-12)
    matrices = Rotation.from_rotvec(aa).as_matrix()
    q_from_matrix = rot.matrix_to_quaternion(torch.from_numpy(matrices))
    np.testing.assert_allclose(q_from_matrix.numpy(), q_ref, atol=1e-12)
    np.testing.assert_allclose(rot.quaternion_to_matrix(q).numpy(), matrices, atol=1e-12)
    np.testing.assert_allclose(rot.quaternion_to_axis_angle(q).numpy(), aa, atol=1e-12)


def test_quaternion_multiply_composes_like_matrices() -> None:
    a, b = _random_axis_angle(50, seed=3), _random_axis_angle(50, seed=4)
    qa = rot.axis_angle_to_quaternion(torch.from_numpy(a))
    qb = rot.axis_angle_to_quaternion(torch.from_numpy(b))
    expected = (Rotation.from_rotvec(a) * Rotation.from_rotvec(b)).as_matrix()
    product = rot.quaternion_multiply(qa, qb)
    np.testing.assert_allclose(rot.quaternion_to_matrix(product).numpy(), expected, atol=1e-12)
    identity = rot.quaternion_multiply(qa, rot.quaternion_conjugate(qa))
    np.testing.assert_allclose(identity.numpy(), np.tile([1.0, 0, 0, 0], (50, 1)), atol=1e-12)


def test_slerp_matches_scipy() -> None:
    a, b = _random_axis_angle(30, seed=5), _random_axis_angle(30, seed=6)
    t = np.linspace(0, 1, 30)
    q = rot.slerp(rot.axis_angle_to_quaternion(torch.from_numpy(a)),
                  rot.axis_angle_to_quaternion(torch.from_numpy(b)), torch.from_numpy(t))
    for i in range(30):
        ref = Slerp([0, 1], Rotation.from_rotvec(np.stack([a[i], b[i]])))([t[i]]).as_matrix()[0]
        np.testing.assert_allclose(rot.quaternion_to_matrix(q[i]).numpy(), ref, atol=1e-9)


def test_slerp_takes_the_shorter_arc_and_handles_equal_inputs() -> None:
    q0 = torch.tensor([1.0, 0.0, 0.0, 0.0], dtype=torch.float64)
    # The same rotation as +q, written as -q.
    q1 = -rot.axis_angle_to_quaternion(torch.tensor([0.0, 0.0, 0.2], dtype=torch.float64))
    mid = rot.quaternion_to_axis_angle(rot.slerp(q0, q1, 0.5))
    np.testing.assert_allclose(mid.numpy(), [0.0, 0.0, 0.1], atol=1e-12)
    np.testing.assert_allclose(rot.slerp(q0, q0, 0.3).numpy(), q0.numpy(), atol=1e-12)


def test_rot6d_round_trip_and_gram_schmidt() -> None:
    matrices = torch.from_numpy(Rotation.from_rotvec(_random_axis_angle(100, seed=7)).as_matrix())
    six = rot.matrix_to_rot6d(matrices)
    assert six.shape == (100, 6)
    np.testing.assert_allclose(six[:, :3].numpy(), matrices[:, :, 0].numpy())
    np.testing.assert_allclose(rot.rot6d_to_matrix(six).numpy(), matrices.numpy(), atol=1e-12)
    noisy = rot.rot6d_to_matrix(six * 3.0 + 0.05 * torch.randn_like(six))
    eye = torch.eye(3, dtype=torch.float64).expand(100, 3, 3)
    np.testing.assert_allclose((noisy.transpose(-1, -2) @ noisy).numpy(), eye.numpy(), atol=1e-12)
    np.testing.assert_allclose(torch.linalg.det(noisy).numpy(), np.ones(100), atol=1e-12)
    aa = torch.from_numpy(_random_axis_angle(20, seed=8))
    back = rot.rot6d_to_axis_angle(rot.axis_angle_to_rot6d(aa))
    np.testing.assert_allclose(back.numpy(), aa.numpy(), atol=1e-9)


@pytest.mark.parametrize(
    "fn", [rot.axis_angle_to_matrix, rot.axis_angle_to_quaternion, rot.axis_angle_to_rot6d]
)
def test_gradients_are_finite_at_zero_angle(fn) -> None:
    aa = torch.zeros(4, 3, dtype=torch.float64, requires_grad=True)
    fn(aa).sum().backward()
    assert torch.isfinite(aa.grad).all()


def test_gradcheck_conversions() -> None:
    aa = torch.from_numpy(_random_axis_angle(5, seed=9)).requires_grad_(True)
    assert torch.autograd.gradcheck(rot.axis_angle_to_matrix, (aa,))
    assert torch.autograd.gradcheck(lambda x: rot.matrix_to_axis_angle(rot.axis_angle_to_matrix(x)), (aa,))
    six = torch.randn(5, 6, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(rot.rot6d_to_matrix, (six,))


def test_leading_batch_dimensions_are_kept() -> None:
    aa = torch.randn(2, 3, 4, 3)
    assert rot.axis_angle_to_matrix(aa).shape == (2, 3, 4, 3, 3)
    assert rot.matrix_to_axis_angle(rot.axis_angle_to_matrix(aa)).shape == (2, 3, 4, 3)
    assert rot.axis_angle_to_rot6d(aa).shape == (2, 3, 4, 6)
