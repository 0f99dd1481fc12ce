"""RoPE, causal masking and attention building blocks."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from unimo.backbones import layers
from unimo.backbones.layers import (
    Attention,
    _single_query_attention,
    apply_rope,
    causal_offset_mask,
    rope_angles,
)


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


@pytest.mark.parametrize("key_chunk", [0, 16, 64, 100])  # off, 8 chunks, 2 chunks, no whole split (1 chunk)
def test_single_query_attention_equals_sdpa_for_any_key_split(key_chunk: int,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(layers, "SINGLE_QUERY_KEY_CHUNK", key_chunk)
    q, k, v = torch.randn(2, 3, 1, 8), torch.randn(2, 3, 128, 8), torch.randn(2, 3, 128, 8)
    mask = (torch.arange(128) <= 70)[None]  # (1, S): the filled prefix of a static cache
    expected = F.scaled_dot_product_attention(q, k, v, attn_mask=mask)
    assert torch.allclose(_single_query_attention(q, k, v, mask), expected, atol=1e-5)
    k[:, :, 71:] = 1e4  # keys past the prefix are masked whatever they hold
    assert torch.allclose(_single_query_attention(q, k, v, mask), expected, atol=1e-5)
