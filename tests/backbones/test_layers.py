"""RoPE, causal masking and attention building blocks."""

from __future__ import annotations

import torch

from unimo.backbones.layers import Attention, apply_rope, causal_offset_mask, rope_angles


def test_rope_scores_depend_only_on_position_difference() -> None:
    q, k = torch.randn(1, 1, 1, 8), torch.randn(1, 1, 1, 8)  # (B, N, H, Dh)

    def score(pq: int, pk: int) -> float:
        cq, sq = rope_angles(torch.tensor([[pq]]), 8, 10000.0)
        ck, sk = rope_angles(torch.tensor([[pk]]), 8, 10000.0)
        return float((apply_rope(q, cq, sq) * apply_rope(k, ck, sk)).sum())

    assert abs(score(7, 3) - score(104, 100)) < 1e-4
    assert abs(score(7, 3) - score(3, 7)) > 1e-3  # but the direction matters
    cos, sin = rope_angles(torch.tensor([[0]]), 8, 10000.0)
    assert torch.allclose(apply_rope(q, cos, sin), q)  # position 0 is the identity


def test_causal_offset_mask() -> None:
    mask = causal_offset_mask(2, 3, torch.device("cpu"))
    assert mask.tolist() == [[True, True, True, True, False], [True, True, True, True, True]]


def test_attention_is_causal() -> None:
    attn = Attention(16, 2)
    x = torch.randn(1, 6, 16)
    cos, sin = rope_angles(torch.arange(6)[None], 8, 10000.0)
    y1 = attn(x, cos, sin)
    x2 = x.clone()
    x2[:, 4:] += 1.0  # change the future
    y2 = attn(x2, cos, sin)
    assert torch.allclose(y1[:, :4], y2[:, :4], atol=1e-6)
    assert not torch.allclose(y1[:, 4:], y2[:, 4:], atol=1e-3)
