"""Umeyama similarity/rigid alignment: exact recovery, no reflections, rigid mode keeps scale 1."""

from __future__ import annotations

import numpy as np
import torch
from scipy.spatial.transform import Rotation

from unimo.body.alignment import align_points, similarity_transform


def test_recovers_a_known_similarity_batched() -> None:
    rng = np.random.default_rng(0)
    source = torch.from_numpy(rng.normal(size=(4, 10, 3)))
    rotations = Rotation.from_rotvec(rng.normal(size=(4, 3))).as_matrix()
    scales = np.array([0.5, 1.0, 2.0, 3.5])
    shifts = rng.normal(size=(4, 3))
    target = scales[:, None, None] * source.numpy() @ rotations.transpose(0, 2, 1) + shifts[:, None]
    scale, rotation, translation = similarity_transform(source, torch.from_numpy(target))
    np.testing.assert_allclose(scale.numpy(), scales, atol=1e-10)
    np.testing.assert_allclose(rotation.numpy(), rotations, atol=1e-10)
    np.testing.assert_allclose(translation.numpy(), shifts, atol=1e-10)


def test_mirror_images_get_a_proper_rotation_not_a_reflection() -> None:
    source = torch.randn(8, 3, dtype=torch.float64)
    mirrored = source * torch.tensor([-1.0, 1.0, 1.0], dtype=torch.float64)
    _, rotation, _ = similarity_transform(source, mirrored)
    assert abs(torch.linalg.det(rotation).item() - 1.0) < 1e-10


def test_rigid_mode_keeps_unit_scale() -> None:
    source = torch.randn(6, 3, dtype=torch.float64)
    target = 2.0 * source + 1.0
    scale, _, _ = similarity_transform(source, target, with_scale=False)
    assert scale.item() == 1.0
    aligned = align_points(source, target, with_scale=False)
    # Best rigid fit of a 2x scaled copy: centroids coincide, shape stays the same size.
    np.testing.assert_allclose(aligned.mean(0).numpy(), target.mean(0).numpy(), atol=1e-10)
    distances = torch.cdist(source, source).numpy()
    np.testing.assert_allclose(torch.cdist(aligned, aligned).numpy(), distances, atol=1e-10)
