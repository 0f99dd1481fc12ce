"""Tests for unimo.tokenizers.fsq."""

from __future__ import annotations

import pytest
import torch

from unimo.tokenizers.fsq import FiniteScalarQuantizer


def test_codebook_size_and_shapes() -> None:
    fsq = FiniteScalarQuantizer([8, 8, 8, 5, 5, 5])
    assert fsq.codebook_size == 64_000
    assert fsq.dim == 6
    z_q, ids = fsq(torch.randn(2, 3, 4, 6))
    assert z_q.shape == (2, 3, 4, 6)
    assert ids.shape == (2, 3, 4)
    assert ids.dtype == torch.int64
    assert 0 <= int(ids.min()) and int(ids.max()) < 64_000
    assert float(z_q.abs().max()) <= 1.0


@pytest.mark.parametrize("levels", [[8, 5, 5], [3, 4], [2, 2, 2, 2]])
def test_ids_bijective_with_codes(levels: list[int]) -> None:
    fsq = FiniteScalarQuantizer(levels)
    all_ids = torch.arange(fsq.codebook_size)
    codes = fsq.ids_to_codes(all_ids)  # (V, d)
    assert codes.shape == (fsq.codebook_size, len(levels))
    # Distinct ids give distinct codes and codes map back to the same ids.
    assert torch.unique(codes, dim=0).shape[0] == fsq.codebook_size
    assert torch.equal(fsq.codes_to_ids(codes), all_ids)
    # Each channel uses exactly levels[i] values.
    for i, level in enumerate(levels):
        assert torch.unique(codes[:, i]).numel() == level


def test_quantized_values_are_grid_points_and_reachable() -> None:
    fsq = FiniteScalarQuantizer([8, 5, 5])
    z_q, ids = fsq(4 * torch.randn(2000, 3))
    assert torch.equal(fsq.ids_to_codes(ids), z_q)
    # Invert the bound at every grid point: forward must return exactly that code and id.
    all_ids = torch.arange(fsq.codebook_size)
    codes = fsq.ids_to_codes(all_ids)  # (V, 3)
    levels = torch.tensor([8.0, 5.0, 5.0])
    half_l = (levels - 1) * (1 + 1e-3) / 2
    offset = torch.tensor([0.5, 0.0, 0.0])
    z = torch.atanh((codes * (levels // 2) + offset) / half_l) - torch.atanh(offset / half_l)
    z_q, ids = fsq(z)
    assert torch.equal(ids, all_ids)
    assert torch.allclose(z_q, codes)


def test_unrounded_codes_round_to_the_quantized_ones() -> None:
    fsq = FiniteScalarQuantizer([8, 5, 5])
    z = 3 * torch.randn(500, 3)
    soft, (z_q, _) = fsq.unrounded(z), fsq(z)
    half = torch.tensor([4.0, 2.0, 2.0])
    assert torch.equal((soft * half).round() / half, z_q)  # one rounding step apart, nothing else
    assert 0 < float((soft - z_q).abs().max()) <= 0.5 / 2  # off the grid, by at most half a cell


def test_straight_through_gradient() -> None:
    fsq = FiniteScalarQuantizer([8, 5])
    z = torch.zeros(5, 2, requires_grad=True)
    weights = torch.arange(10, dtype=torch.float32).view(5, 2)
    z_q, _ = fsq(z)
    (z_q * weights).sum().backward()
    # Rounding is identity backward, so d z_q / d z = tanh'(z + shift) * half_l / half_width > 0.
    half_l = torch.tensor([3.5, 2.0]) * (1 + 1e-3)
    shift = torch.atanh(torch.tensor([0.5, 0.0]) / half_l)
    expected = (1 - torch.tanh(shift) ** 2) * half_l / torch.tensor([4.0, 2.0]) * weights
    assert torch.allclose(z.grad, expected, atol=1e-6)


def test_bf16_input_keeps_dtype_and_ids() -> None:
    fsq = FiniteScalarQuantizer([8, 8, 8, 5, 5, 5])
    z = torch.randn(64, 6)
    z_q16, ids16 = fsq(z.bfloat16())
    _, ids32 = fsq(z.bfloat16().float())
    assert z_q16.dtype == torch.bfloat16
    assert torch.equal(ids16, ids32)


def test_bad_input_raises() -> None:
    with pytest.raises(ValueError, match="levels"):
        FiniteScalarQuantizer([8, 1])
    fsq = FiniteScalarQuantizer([4, 4])
    with pytest.raises(ValueError, match="last dim 2"):
        fsq(torch.zeros(3, 5))
    with pytest.raises(ValueError, match=r"\[0, 16\)"):
        fsq.ids_to_codes(torch.tensor([16]))
