"""Fréchet distance against closed forms and scipy.linalg.sqrtm; Gaussians from streamed sums."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.linalg
import torch

from unimo.metrics.frechet import frechet_distance, gaussian_from_sums


def _scipy_frechet(mu1: np.ndarray, s1: np.ndarray, mu2: np.ndarray, s2: np.ndarray) -> float:
    """The reference formula of the TTUR FID code: sqrtm of the product, real part of the trace."""
    root = scipy.linalg.sqrtm(s1 @ s2)
    return float(np.real(np.square(mu1 - mu2).sum() + np.trace(s1 + s2 - 2 * root)))


def _random_cov(rng: np.random.Generator, dim: int) -> np.ndarray:
    a = rng.normal(size=(dim, dim))
    return a @ a.T / dim + 0.1 * np.eye(dim)


def test_diagonal_closed_form() -> None:
    mu1, mu2 = torch.tensor([0.0, 1.0, 2.0]), torch.tensor([1.0, 1.0, 0.0])
    var1, var2 = torch.tensor([1.0, 4.0, 9.0]), torch.tensor([4.0, 4.0, 1.0])
    expected = (mu1 - mu2).square().sum() + (var1.sqrt() - var2.sqrt()).square().sum()  # 5 + (1 + 0 + 4)
    got = frechet_distance(mu1, torch.diag(var1), mu2, torch.diag(var2))
    assert got.dtype == torch.float64
    assert got.item() == pytest.approx(expected.item(), abs=1e-10)
    assert got.item() == pytest.approx(10.0, abs=1e-10)


@pytest.mark.parametrize("dim", [2, 16, 64])
def test_matches_scipy_sqrtm_on_full_covariances(dim: int) -> None:
    rng = np.random.default_rng(dim)
    mu1, mu2 = rng.normal(size=dim), rng.normal(size=dim)
    s1, s2 = _random_cov(rng, dim), _random_cov(rng, dim)
    expected = _scipy_frechet(mu1, s1, mu2, s2)
    got = frechet_distance(*(torch.from_numpy(x) for x in (mu1, s1, mu2, s2)))
    assert got.item() == pytest.approx(expected, rel=1e-8, abs=1e-8)


def test_identical_gaussians_give_zero_and_order_does_not_matter() -> None:
    rng = np.random.default_rng(0)
    mu, s = torch.from_numpy(rng.normal(size=8)), torch.from_numpy(_random_cov(rng, 8))
    assert abs(frechet_distance(mu, s, mu, s).item()) < 1e-9
    s2 = torch.from_numpy(_random_cov(rng, 8))
    forward, backward = frechet_distance(mu, s, mu + 1, s2), frechet_distance(mu + 1, s2, mu, s)
    assert forward.item() == pytest.approx(backward.item())


def test_rank_deficient_covariances_stay_real_and_match_scipy() -> None:
    # 5 samples in 12 dimensions: the situation of FID/FVD with few clips (rank 4 covariances).
    rng = np.random.default_rng(1)
    f1, f2 = rng.normal(size=(5, 12)), rng.normal(size=(5, 12)) + 0.5
    mu1, s1, mu2, s2 = f1.mean(0), np.cov(f1, rowvar=False), f2.mean(0), np.cov(f2, rowvar=False)
    got = frechet_distance(*(torch.from_numpy(x) for x in (mu1, s1, mu2, s2))).item()
    assert np.isfinite(got) and got > 0
    assert got == pytest.approx(_scipy_frechet(mu1, s1, mu2, s2), rel=1e-5)


def test_gaussian_from_sums_equals_numpy_mean_and_cov() -> None:
    feats = torch.randn(50, 6, dtype=torch.float64) * torch.arange(1, 7) + 3
    mean, cov = gaussian_from_sums(feats.sum(0), feats.T @ feats, len(feats))
    np.testing.assert_allclose(mean.numpy(), feats.mean(0).numpy(), rtol=1e-12)
    np.testing.assert_allclose(cov.numpy(), np.cov(feats.numpy(), rowvar=False), rtol=1e-9, atol=1e-12)


def test_errors_name_the_problem() -> None:
    with pytest.raises(ValueError, match="at least 2 samples"):
        gaussian_from_sums(torch.zeros(3), torch.zeros(3, 3), 1)
    with pytest.raises(ValueError, match="equal D"):
        frechet_distance(torch.zeros(3), torch.eye(3), torch.zeros(4), torch.eye(4))


def test_singular_covariance_uses_the_eigen_path_and_keeps_the_closed_form() -> None:
    # sigma1 has a zero variance, so its Cholesky factorisation fails and the symmetric square root is used.
    var1, var2 = torch.tensor([0.0, 4.0, 1.0]), torch.tensor([1.0, 1.0, 1.0])
    assert int(torch.linalg.cholesky_ex(torch.diag(var1).double())[1]) != 0
    got = frechet_distance(torch.zeros(3), torch.diag(var1), torch.zeros(3), torch.diag(var2))
    assert got.item() == pytest.approx(2.0, abs=1e-10)  # (0 - 1)^2 + (2 - 1)^2 + 0
