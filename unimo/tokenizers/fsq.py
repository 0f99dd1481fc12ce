"""Finite scalar quantization (FSQ).

Reference: Mentzer et al., "Finite Scalar Quantization: VQ-VAE Made Simple", ICLR 2024
(arXiv 2309.15505). Each of the ``d`` channels is bounded and rounded to one of ``levels[i]`` values; the
implicit codebook is the product of the per-channel grids, so there is no codebook to learn, no
commitment loss and no codebook collapse. Cosmos discrete tokenizers use the same scheme with levels
``[8, 8, 8, 5, 5, 5]`` (64,000 codes).
"""

from __future__ import annotations

import math

import torch
from torch import nn


def round_ste(z: torch.Tensor) -> torch.Tensor:
    """Round with a straight-through gradient (identity in the backward pass)."""
    return z + (z.round() - z).detach()


class FiniteScalarQuantizer(nn.Module):
    """Quantize the last dimension of ``z`` onto a fixed per-channel grid.

    Codes are normalised to ``[-1, 1]``; ids enumerate the product grid in mixed radix with the first
    channel least significant, so ``ids_to_codes(codes_to_ids(c)) == c`` for every grid point.

    Args:
        levels: Number of values per channel, e.g. ``[8, 8, 8, 5, 5, 5]``; the latent width is
            ``len(levels)`` and the codebook size is their product. Each level must be >= 2.
        eps: Slack that keeps ``tanh`` bounds strictly inside the outermost rounding cells.

    Example:
        >>> fsq = FiniteScalarQuantizer([8, 5, 5])
        >>> z_q, ids = fsq(torch.randn(2, 7, 3))
        >>> z_q.shape, ids.shape, fsq.codebook_size
        (torch.Size([2, 7, 3]), torch.Size([2, 7]), 200)
    """

    def __init__(self, levels: list[int], eps: float = 1e-3) -> None:
        super().__init__()
        if not levels or any(int(level) < 2 for level in levels):
            raise ValueError(
                f"FiniteScalarQuantizer.levels: expected a non-empty list of ints >= 2, got {levels}"
            )
        self.levels = [int(level) for level in levels]
        self.eps = eps
        lv = torch.tensor(self.levels, dtype=torch.int64)
        # Mixed-radix place values: id = sum(index_i * basis_i).
        basis = torch.cumprod(torch.cat([torch.ones(1, dtype=torch.int64), lv[:-1]]), dim=0)
        self.register_buffer("_levels", lv, persistent=False)
        self.register_buffer("_basis", basis, persistent=False)

    @property
    def dim(self) -> int:
        """Latent width ``d`` (number of channels quantized)."""
        return len(self.levels)

    @property
    def codebook_size(self) -> int:
        """Number of distinct codes (product of ``levels``)."""
        return math.prod(self.levels)

    def _half_width(self) -> torch.Tensor:
        return (self._levels // 2).float()  # (d,)

    def bound(self, z: torch.Tensor) -> torch.Tensor:
        """Squash ``z`` so rounding yields exactly ``levels[i]`` integer values per channel."""
        levels = self._levels.float()
        half_l = (levels - 1) * (1 + self.eps) / 2
        # Even levels have no centre value: shift by half a cell so the grid is {-L/2, ..., L/2 - 1}.
        offset = torch.where(self._levels % 2 == 0, 0.5, 0.0)
        shift = torch.atanh(offset / half_l)
        return torch.tanh(z + shift) * half_l - offset

    def forward(self, z: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Quantize ``z``.

        Args:
            z: ``(..., d)`` continuous latents, any float dtype (computed in float32 for bf16 safety).

        Returns:
            ``z_q`` ``(..., d)`` in ``[-1, 1]`` with straight-through gradients, in ``z``'s dtype, and
            ``ids`` ``(...)`` int64 in ``[0, codebook_size)``.
        """
        if z.shape[-1] != self.dim:
            raise ValueError(
                f"FiniteScalarQuantizer: expected last dim {self.dim} (len(levels)), got {tuple(z.shape)}"
            )
        codes = round_ste(self.bound(z.float())) / self._half_width()  # (..., d)
        return codes.to(z.dtype), self.codes_to_ids(codes)

    def unrounded(self, z: torch.Tensor) -> torch.Tensor:
        """The codes ``forward`` gives, before rounding: what the discrete ids lose is the difference."""
        return (self.bound(z.float()) / self._half_width()).to(z.dtype)

    def codes_to_ids(self, codes: torch.Tensor) -> torch.Tensor:
        """Map normalised codes ``(..., d)`` to ids ``(...)`` (int64)."""
        half = self._half_width()
        index = (codes.float() * half + half).round().long()  # (..., d) in [0, L_i)
        return (index * self._basis).sum(dim=-1)

    def ids_to_codes(self, ids: torch.Tensor) -> torch.Tensor:
        """Map ids ``(...)`` to normalised float32 codes ``(..., d)``."""
        if ids.numel() and (int(ids.min()) < 0 or int(ids.max()) >= self.codebook_size):
            raise ValueError(
                f"FiniteScalarQuantizer: ids must lie in [0, {self.codebook_size}), "
                f"got range [{int(ids.min())}, {int(ids.max())}]"
            )
        index = (ids.long().unsqueeze(-1) // self._basis) % self._levels  # (..., d)
        half = self._half_width()
        return (index.float() - half) / half

    def extra_repr(self) -> str:
        return f"levels={self.levels}, codebook_size={self.codebook_size}"
