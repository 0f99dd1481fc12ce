"""Transformer building blocks: rotary embeddings, attention with a KV cache, SwiGLU MLP, pre-norm block.

References: RoPE (Su et al. 2021, "rotate half" form as in LLaMA), SwiGLU (Shazeer 2020), RMSNorm
(Zhang & Sennrich 2019), nanoGPT's block structure. Attention goes through
``F.scaled_dot_product_attention``, which picks the flash kernel on GPU for causal bf16 inputs.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn


def rope_angles(positions: torch.Tensor, head_dim: int, base: float) -> tuple[torch.Tensor, torch.Tensor]:
    """Return ``cos, sin`` ``(B, N, 1, head_dim/2)`` in float32 for integer ``positions`` ``(B, N)``.

    Positions are per token (not ``arange``) so layouts choose them and cached decoding continues them.
    """
    exponents = torch.arange(0, head_dim, 2, device=positions.device, dtype=torch.float32) / head_dim
    inv_freq = base**-exponents  # (head_dim/2,)
    angles = positions.float()[..., None] * inv_freq  # (B, N, head_dim/2)
    return angles.cos()[:, :, None], angles.sin()[:, :, None]


def apply_rope(x: torch.Tensor, cos: torch.Tensor, sin: torch.Tensor) -> torch.Tensor:
    """Rotate ``x`` ``(B, N, H, Dh)`` by the angles; computed in float32 for bf16 stability."""
    x1, x2 = x.float().chunk(2, dim=-1)  # (B, N, H, Dh/2) each
    return torch.cat([x1 * cos - x2 * sin, x1 * sin + x2 * cos], dim=-1).type_as(x)


def causal_offset_mask(num_new: int, start: int, device: torch.device) -> torch.Tensor:
    """Return the ``(num_new, start + num_new)`` mask letting new query ``i`` see keys ``<= start + i``."""
    keys = torch.arange(start + num_new, device=device)
    queries = start + torch.arange(num_new, device=device)
    return keys[None, :] <= queries[:, None]


class Attention(nn.Module):
    """Multi-head causal self-attention with a fused QKV projection.

    Args:
        dim: Model width ``D``.
        num_heads: Heads ``H``; ``D`` must be divisible by ``H``.
    """

    def __init__(self, dim: int, num_heads: int) -> None:
        super().__init__()
        if dim % num_heads:
            raise ValueError(f"dim={dim} must be divisible by num_heads={num_heads}")
        self.num_heads, self.head_dim = num_heads, dim // num_heads
        self.qkv = nn.Linear(dim, 3 * dim, bias=False)  # one matmul instead of three
        self.proj = nn.Linear(dim, dim, bias=False)

    def forward(
        self,
        x: torch.Tensor,
        cos: torch.Tensor,
        sin: torch.Tensor,
        kv: tuple[torch.Tensor, torch.Tensor] | None = None,
        start: int | torch.Tensor = 0,
    ) -> torch.Tensor:
        """Attend ``x`` ``(B, N, D)``; with ``kv`` buffers ``(B, H, S, Dh)`` write keys at ``start`` and
        attend to everything cached before them too (``start`` as a device tensor: static shapes)."""
        b, n, d = x.shape
        q, k, v = self.qkv(x).view(b, n, 3, self.num_heads, self.head_dim).unbind(2)  # (B, N, H, Dh) each
        q, k = apply_rope(q, cos, sin), apply_rope(k, cos, sin)
        q, k, v = q.transpose(1, 2), k.transpose(1, 2), v.transpose(1, 2)  # (B, H, N, Dh)
        if kv is None:
            y = F.scaled_dot_product_attention(q, k, v, is_causal=True)  # (B, H, N, Dh)
        elif isinstance(start, torch.Tensor):
            y = _static_cached_attention(q, k, v, kv, start)
        else:
            y = _cached_attention(q, k, v, kv, start)
        return self.proj(y.transpose(1, 2).reshape(b, n, d))


def _cached_attention(q: torch.Tensor, k: torch.Tensor, v: torch.Tensor,
                      kv: tuple[torch.Tensor, torch.Tensor], start: int) -> torch.Tensor:
    """Write ``k, v`` ``(B, H, N, Dh)`` at ``start`` and attend over the filled prefix only."""
    n, (k_buf, v_buf) = q.shape[2], kv
    k_buf[:, :, start : start + n] = k
    v_buf[:, :, start : start + n] = v
    k, v = k_buf[:, :, : start + n], v_buf[:, :, : start + n]  # (B, H, start+N, Dh)
    if start == 0:
        return F.scaled_dot_product_attention(q, k, v, is_causal=True)
    # SDPA's is_causal aligns top-left, wrong for a cached prefix: mask explicitly (a lone query sees all).
    mask = None if n == 1 else causal_offset_mask(n, start, q.device)
    return F.scaled_dot_product_attention(q, k, v, attn_mask=mask)


def _static_cached_attention(q: torch.Tensor, k: torch.Tensor, v: torch.Tensor,
                             kv: tuple[torch.Tensor, torch.Tensor], start: torch.Tensor) -> torch.Tensor:
    """Like ``_cached_attention`` with shapes independent of ``start`` (a device scalar), so one CUDA graph
    serves every step: write with ``index_copy_``, attend over the whole buffer under a mask."""
    n, (k_buf, v_buf) = q.shape[2], kv
    index = start + torch.arange(n, device=q.device)  # (N,) cache slots of the new keys
    k_buf.index_copy_(2, index, k.to(k_buf.dtype))
    v_buf.index_copy_(2, index, v.to(v_buf.dtype))
    mask = torch.arange(k_buf.shape[2], device=q.device)[None, :] <= index[:, None]  # (N, S)
    if n == 1:
        return _single_query_attention(q, k_buf, v_buf, mask)
    return F.scaled_dot_product_attention(q, k_buf, v_buf, attn_mask=mask)


# Under torch.compile, write one-query attention as multiply-and-sum reductions (see
# ``_single_query_attention``); benchmarks set it False to time the matmul form in the same process.
SINGLE_QUERY_REDUCTIONS_WHEN_COMPILED = True


def _single_query_attention(q: torch.Tensor, k: torch.Tensor, v: torch.Tensor,
                            mask: torch.Tensor) -> torch.Tensor:
    """Masked attention of one query per head ``(B, H, 1, Dh)`` as two batched matmuls.

    SDPA's masked kernel parallelises over queries: with one query and batch 1 it keeps a handful of
    SMs busy scanning the whole buffer, while a matmul over the keys spreads them over the GPU (the
    flash-decoding idea, here through cuBLAS). Softmax in float32.

    Compiled (``GPTBackbone.compile_decoding``), the same maths is written as multiply-and-sum, so inductor
    generates its own reductions over the cache with the scale, mask and softmax fused in and accumulates in
    float32. Measured on the H100 (4k context, batch 1) it is no faster than the matmuls (0.81 vs 0.79 ms per
    token untuned, 0.50-0.60 vs 0.56 tuned; generate.md); the published figures use it. Eager, that form
    would materialise a (B, H, S, Dh) product, so the matmuls stay.
    """
    if SINGLE_QUERY_REDUCTIONS_WHEN_COMPILED and torch.compiler.is_compiling():
        scores = (q.float() * k.float()).sum(-1) * q.shape[-1] ** -0.5  # (B, H, S)
        weights = scores.masked_fill(~mask, float("-inf")).softmax(-1)
        return (weights[..., None] * v.float()).sum(-2, keepdim=True).to(v.dtype)  # (B, H, 1, Dh)
    scores = (q * q.shape[-1] ** -0.5) @ k.transpose(-1, -2)  # (B, H, 1, S)
    weights = scores.float().masked_fill(~mask, float("-inf")).softmax(-1)
    return weights.to(v.dtype) @ v  # (B, H, 1, Dh)


class SwiGLU(nn.Module):
    """Gated MLP ``w2(silu(w1 x) * w3 x)`` with ``w1, w3`` fused into one matmul.

    Args:
        dim: Model width ``D``.
        hidden: Inner width (LLaMA uses ~8/3 D rounded to a multiple of 256).
    """

    def __init__(self, dim: int, hidden: int) -> None:
        super().__init__()
        self.w13 = nn.Linear(dim, 2 * hidden, bias=False)
        self.w2 = nn.Linear(hidden, dim, bias=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Map ``(B, N, D)`` to ``(B, N, D)``."""
        gate, up = self.w13(x).chunk(2, dim=-1)  # (B, N, hidden) each
        return self.w2(F.silu(gate) * up)


class Block(nn.Module):
    """Pre-norm transformer block: ``x + attn(norm(x))``, then ``x + mlp(norm(x))``.

    Args:
        dim: Model width ``D``.
        num_heads: Attention heads.
        mlp_hidden: SwiGLU inner width.
        dropout: Residual dropout probability.
    """

    def __init__(self, dim: int, num_heads: int, mlp_hidden: int, dropout: float = 0.0) -> None:
        super().__init__()
        self.attn_norm, self.mlp_norm = nn.RMSNorm(dim, eps=1e-5), nn.RMSNorm(dim, eps=1e-5)
        self.attn = Attention(dim, num_heads)
        self.mlp = SwiGLU(dim, mlp_hidden)
        self.dropout = nn.Dropout(dropout)

    def forward(
        self,
        x: torch.Tensor,
        cos: torch.Tensor,
        sin: torch.Tensor,
        kv: tuple[torch.Tensor, torch.Tensor] | None = None,
        start: int | torch.Tensor = 0,
    ) -> torch.Tensor:
        """Map ``(B, N, D)`` to ``(B, N, D)``; see ``Attention.forward`` for ``kv`` and ``start``."""
        x = x + self.dropout(self.attn(self.attn_norm(x), cos, sin, kv, start))
        return x + self.dropout(self.mlp(self.mlp_norm(x)))
