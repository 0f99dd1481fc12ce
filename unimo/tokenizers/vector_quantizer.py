"""Vector quantizer with an EMA-updated codebook and dead-code reset.

References: van den Oord et al., "Neural Discrete Representation Learning" (VQ-VAE, EMA updates in its
appendix); Zhang et al., "T2M-GPT" (CVPR 2023) for resetting codes that fall out of use to random encoder
outputs of the current batch, which keeps codebook usage high on motion data.

Gradients reach the encoder through the quantizer by the straight-through estimator (the default) or by
the rotation trick (Fifty et al., "Restructuring Vector Quantization with the Rotation Trick", ICLR 2025):
the code is written as a rotation and rescaling of the latent, held fixed in the backward pass, so a latent's
gradient also says where it sits relative to its code.

The codebook is not trained by gradients: each training forward assigns latents to their nearest code and
moves codes towards the mean of their assigned latents (exponential moving average). Under
``torch.distributed`` the counts and sums are all-reduced and resets are broadcast from rank 0, so every
rank keeps the same codebook.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.distributed as dist
import torch.nn.functional as F
from torch import nn


@dataclass
class QuantizerOutput:
    """What a quantizer returns for latents ``z`` ``(..., D)``.

    Attributes:
        z_q: ``(..., D)`` quantized latents, passing gradients on to ``z`` (straight-through or rotation).
        ids: ``(...)`` int64 code ids.
        commit_loss: Scalar ``mean ||z - sg(z_q)||^2`` (0 for quantizers without one).
        perplexity: Scalar ``exp(entropy)`` of the code histogram of this batch.
    """

    z_q: torch.Tensor
    ids: torch.Tensor
    commit_loss: torch.Tensor
    perplexity: torch.Tensor


def code_counts(ids: torch.Tensor, codebook_size: int) -> torch.Tensor:
    """Return the histogram ``(K,)`` float of ``ids`` (scatter-add: no host sync on GPU, unlike bincount)."""
    flat = ids.flatten()
    ones = torch.ones_like(flat, dtype=torch.float)
    return torch.zeros(codebook_size, device=ids.device).scatter_add_(0, flat, ones)


def code_perplexity(ids: torch.Tensor, codebook_size: int) -> torch.Tensor:
    """Return ``exp(entropy)`` of the histogram of ``ids`` (1 = one code used, K = uniform use)."""
    counts = code_counts(ids, codebook_size)
    probs = counts / counts.sum().clamp_min(1.0)
    return torch.exp(-(probs * torch.log(probs.clamp_min(1e-10))).sum())


GRADIENTS = ("straight_through", "rotation")


def rotate_onto(z: torch.Tensor, z_q: torch.Tensor, eps: float = 1e-8) -> torch.Tensor:
    """Return ``z_q`` (forward) as ``sg(scale * R) z``, R the rotation taking ``z``'s direction to ``z_q``'s.

    Applied without forming R: ``R z = z - 2 r (r.z) + 2 q (e.z)`` with ``e, q`` the unit latent and code,
    ``r = (e + q) / |e + q|`` (a reflection plus a rank-one term, as in the paper), all detached.
    """
    z_norm = z.norm(dim=-1, keepdim=True).clamp_min(eps)
    q_norm = z_q.norm(dim=-1, keepdim=True).clamp_min(eps)
    e, q = (z / z_norm).detach(), (z_q / q_norm).detach()
    r = e + q
    r = r / r.norm(dim=-1, keepdim=True).clamp_min(eps)
    rotated = z - 2 * r * (r * z).sum(-1, keepdim=True) + 2 * q * (e * z).sum(-1, keepdim=True)
    return (q_norm / z_norm).detach() * rotated


def _distributed() -> bool:
    return dist.is_available() and dist.is_initialized()


class EMAVectorQuantizer(nn.Module):
    """Quantize the last dimension of ``z`` to the nearest of ``codebook_size`` learned codes.

    Args:
        codebook_size: Number of codes ``K`` (the vocabulary of the tokenizer).
        dim: Code width ``D``.
        decay: EMA decay of code counts and sums (0.99 as in VQ-VAE / T2M-GPT).
        dead_threshold: A code whose EMA count (expected assignments per batch) falls below this is reset
            to a random latent of the current batch; 0 disables resets.
        eps: Laplace smoothing of counts, so empty codes do not divide by zero.
        gradient: How the encoder gets gradients through quantization: "straight_through" or "rotation"
            (see the module docstring).
    """

    def __init__(self, codebook_size: int, dim: int, decay: float = 0.99, dead_threshold: float = 1.0,
                 eps: float = 1e-5, gradient: str = "straight_through") -> None:
        super().__init__()
        if gradient not in GRADIENTS:
            raise ValueError(f"EMAVectorQuantizer.gradient: expected one of {GRADIENTS}, got {gradient!r}")
        self.gradient = gradient
        if codebook_size < 2 or dim < 1:
            raise ValueError("EMAVectorQuantizer: expected codebook_size >= 2 and dim >= 1, "
                             f"got {codebook_size} and {dim}")
        if not 0.0 < decay < 1.0:
            raise ValueError(f"EMAVectorQuantizer.decay: expected a value in (0, 1), got {decay}")
        self.codebook_size, self.dim = codebook_size, dim
        self.decay, self.dead_threshold, self.eps = decay, dead_threshold, eps
        # Random until the first training batch replaces it with data: untrained models give varied ids.
        self.register_buffer("codebook", torch.randn(codebook_size, dim))
        self.register_buffer("cluster_size", torch.zeros(codebook_size))  # EMA of assignments per batch
        self.register_buffer("embed_sum", torch.zeros(codebook_size, dim))  # EMA of assigned latent sums
        self.register_buffer("initialized", torch.tensor(False))
        self.last_num_reset = torch.tensor(0)  # codes revived by the latest training forward (for logs/tests)
        self._known_initialized = False  # mirrors the buffer, so training steps need no GPU->CPU sync

    def forward(self, z: torch.Tensor) -> QuantizerOutput:
        """Quantize ``z`` ``(..., D)``; in training mode also update the codebook (no gradients)."""
        if z.shape[-1] != self.dim:
            raise ValueError(f"EMAVectorQuantizer: expected last dim {self.dim}, got {tuple(z.shape)}")
        flat = z.detach().float().reshape(-1, self.dim)  # (M, D)
        if self.training and not self._known_initialized:
            if not bool(self.initialized):
                self._init_codebook(flat)
            self._known_initialized = True
        ids = self.nearest(flat)  # (M,)
        if self.training:
            self._ema_update(flat, ids)
        z_q = F.embedding(ids, self.codebook).view_as(z).to(z.dtype)  # (..., D)
        commit = F.mse_loss(z.float(), z_q.detach().float())
        z_q = rotate_onto(z, z_q) if self.gradient == "rotation" else z + (z_q - z).detach()
        ids = ids.view(z.shape[:-1])
        return QuantizerOutput(z_q, ids, commit, code_perplexity(ids, self.codebook_size))

    def nearest(self, flat: torch.Tensor) -> torch.Tensor:
        """Return the id of the nearest code ``(M,)`` for latents ``(M, D)`` (squared L2, float32)."""
        codes = self.codebook.float()
        dist_sq = flat.pow(2).sum(1, keepdim=True) - 2 * flat @ codes.t() + codes.pow(2).sum(1)  # (M, K)
        return dist_sq.argmin(dim=1)

    def lookup(self, ids: torch.Tensor) -> torch.Tensor:
        """Return the codes ``(..., D)`` of ids ``(...)``."""
        if ids.numel() and (int(ids.min()) < 0 or int(ids.max()) >= self.codebook_size):
            raise ValueError(f"EMAVectorQuantizer: ids must lie in [0, {self.codebook_size}), "
                             f"got range [{int(ids.min())}, {int(ids.max())}]")
        return F.embedding(ids, self.codebook)

    @torch.no_grad()
    def _init_codebook(self, flat: torch.Tensor) -> None:
        """Start from random latents of the first batch, so every code begins where the data is."""
        self.codebook.copy_(self._random_rows(flat, self.codebook_size))
        self.embed_sum.copy_(self.codebook)
        self.cluster_size.fill_(1.0)
        self._broadcast(self.codebook, self.embed_sum)
        self.initialized.fill_(True)

    @torch.no_grad()
    def _ema_update(self, flat: torch.Tensor, ids: torch.Tensor) -> None:
        counts = code_counts(ids, self.codebook_size)  # (K,)
        sums = torch.zeros_like(self.embed_sum).index_add_(0, ids, flat)  # (K, D)
        if _distributed():
            dist.all_reduce(counts)
            dist.all_reduce(sums)
        self.cluster_size.mul_(self.decay).add_(counts, alpha=1 - self.decay)
        self.embed_sum.mul_(self.decay).add_(sums, alpha=1 - self.decay)
        n = self.cluster_size.sum()
        smoothed = (self.cluster_size + self.eps) / (n + self.codebook_size * self.eps) * n  # (K,)
        self.codebook.copy_(self.embed_sum / smoothed[:, None])
        self._reset_dead_codes(flat)

    @torch.no_grad()
    def _reset_dead_codes(self, flat: torch.Tensor) -> None:
        """Move codes whose EMA count fell below ``dead_threshold`` onto random latents of this batch."""
        # cluster_size is all-reduced, so every rank finds the same dead codes; rank 0 picks their latents.
        # Branch-free (torch.where), so a training step never waits for the GPU to say whether codes died.
        dead = (self.cluster_size < self.dead_threshold)[:, None]  # (K, 1)
        self.last_num_reset = dead.sum()
        fresh = self._random_rows(flat, self.codebook_size)  # (K, D)
        self._broadcast(fresh)
        self.codebook.copy_(torch.where(dead, fresh, self.codebook))
        self.embed_sum.copy_(torch.where(dead, fresh, self.embed_sum))
        self.cluster_size.masked_fill_(dead[:, 0], 1.0)

    @staticmethod
    def _random_rows(flat: torch.Tensor, n: int) -> torch.Tensor:
        """Pick ``n`` rows of ``flat`` ``(M, D)`` at random (with repeats when ``M < n``), plus tiny noise."""
        idx = torch.randint(0, flat.shape[0], (n,), device=flat.device)
        rows = flat[idx]
        return rows + 1e-3 * rows.std().clamp_min(1e-6) * torch.randn_like(rows)

    @staticmethod
    def _broadcast(*tensors: torch.Tensor) -> None:
        if _distributed():
            for t in tensors:
                dist.broadcast(t, src=0)

    def extra_repr(self) -> str:
        return f"codebook_size={self.codebook_size}, dim={self.dim}, decay={self.decay}"
