"""The Fréchet distance between two Gaussians, and Gaussians from streamed feature sums.

FID (Heusel et al., 2017) and FVD (Unterthiner et al., 2018) both fit a Gaussian to network features of
real and of generated samples and report

    d² = ||mu1 - mu2||² + tr(S1) + tr(S2) - 2 tr((S1 S2)^(1/2)).

Metrics stream features as running sums (sum of features, sum of outer products, count) because sums
add up across batches and across processes (``dist_reduce_fx="sum"``); :func:`gaussian_from_sums` turns
them into a mean and an unbiased covariance, as ``numpy.cov`` would on the stacked features.
"""

from __future__ import annotations

import torch


def frechet_distance(
    mu1: torch.Tensor, sigma1: torch.Tensor, mu2: torch.Tensor, sigma2: torch.Tensor
) -> torch.Tensor:
    """Return the squared Fréchet distance between N(mu1, sigma1) and N(mu2, sigma2), in float64.

    ``tr((S1 S2)^(1/2))`` is the sum of square roots of the eigenvalues of a symmetric matrix with the
    spectrum of ``S1 S2``: ``L^T S2 L`` with ``S1 = L L^T`` (Cholesky, fast) when ``S1`` is positive
    definite, else ``S1^(1/2) S2 S1^(1/2)`` (eigendecomposition), which stays real and stable for the
    rank-deficient covariances of small sample sets, where ``scipy.linalg.sqrtm(S1 @ S2)`` can return
    complex noise.

    Args:
        mu1: Mean of the first Gaussian, shape (D,).
        sigma1: Covariance of the first Gaussian, shape (D, D), symmetric positive semi-definite.
        mu2: Mean of the second Gaussian, shape (D,).
        sigma2: Covariance of the second Gaussian, shape (D, D).

    Returns:
        A 0-d float64 tensor, >= 0 up to rounding.
    """
    if mu1.shape != mu2.shape or sigma1.shape != sigma2.shape or sigma1.shape != (*mu1.shape, *mu1.shape):
        raise ValueError(
            f"frechet_distance expects means (D,) and covariances (D, D) of equal D; got means "
            f"{tuple(mu1.shape)}, {tuple(mu2.shape)} and covariances {tuple(sigma1.shape)}, "
            f"{tuple(sigma2.shape)}"
        )
    mu1, mu2, sigma1, sigma2 = (x.double() for x in (mu1, mu2, sigma1, sigma2))
    factor, info = torch.linalg.cholesky_ex(sigma1)  # (D, D) lower triangular when info == 0
    if int(info) != 0:  # singular (fewer samples than dimensions): fall back to the symmetric square root
        factor = _sqrt_psd(sigma1)
    middle = factor.T @ sigma2 @ factor  # (D, D), symmetric PSD with the spectrum of sigma1 @ sigma2
    middle = (middle + middle.T) / 2
    trace_sqrt = torch.linalg.eigvalsh(middle).clamp(min=0).sqrt().sum()
    return (mu1 - mu2).square().sum() + sigma1.trace() + sigma2.trace() - 2 * trace_sqrt


def _sqrt_psd(matrix: torch.Tensor) -> torch.Tensor:
    """Return the symmetric square root of a PSD matrix; negative rounding noise in eigenvalues is zeroed."""
    values, vectors = torch.linalg.eigh((matrix + matrix.T) / 2)
    return (vectors * values.clamp(min=0).sqrt()) @ vectors.T


def frechet_distance_from_states(metric: object) -> torch.Tensor:
    """Return the Fréchet distance from a metric's ``{real,fake}_features_{sum,cov_sum,num_samples}`` states.

    That is torchmetrics' FID state naming, which FVD shares, so both metrics reduce identically.
    """
    suffixes = ("sum", "cov_sum", "num_samples")
    gaussians = [
        gaussian_from_sums(*(getattr(metric, f"{kind}_features_{s}") for s in suffixes))
        for kind in ("real", "fake")
    ]
    return frechet_distance(*gaussians[0], *gaussians[1])


def gaussian_from_sums(
    feature_sum: torch.Tensor, outer_sum: torch.Tensor, count: torch.Tensor | int
) -> tuple[torch.Tensor, torch.Tensor]:
    """Return the mean (D,) and unbiased covariance (D, D) of features known only through their sums.

    Args:
        feature_sum: Sum of feature vectors, shape (D,).
        outer_sum: Sum of outer products ``f f^T``, shape (D, D).
        count: Number of feature vectors summed; at least 2.

    Raises:
        ValueError: Fewer than 2 samples (the covariance is undefined).
    """
    n = int(count)
    if n < 2:
        raise ValueError(f"a Fréchet distance needs at least 2 samples per distribution, got {n}")
    mean = feature_sum.double() / n  # (D,)
    cov = (outer_sum.double() - n * torch.outer(mean, mean)) / (n - 1)  # (D, D)
    return mean, cov
