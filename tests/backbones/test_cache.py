"""Static KV cache bookkeeping."""

from __future__ import annotations

import pytest

from unimo.backbones.cache import KVCache


def test_layer_views_write_into_the_preallocated_buffer() -> None:
    cache = KVCache(num_layers=2, batch_size=1, num_heads=2, head_dim=4, max_seq_len=5)
    ptr = cache.k.data_ptr()
    k, _ = cache.layer(1)
    k[:, :, 0] = 1.0
    assert cache.k[1, :, :, 0].eq(1).all() and cache.k[0].eq(0).all()
    assert cache.k.data_ptr() == ptr


def test_reserve_refuses_overflow_and_reset_frees() -> None:
    cache = KVCache(num_layers=1, batch_size=1, num_heads=1, head_dim=2, max_seq_len=4)
    assert cache.reserve(4) == 0
    cache.length = 3
    assert cache.reserve(1) == 3
    with pytest.raises(ValueError, match="holds 4 positions; 3 used, 2 more requested"):
        cache.reserve(2)
    cache.reset()
    assert cache.reserve(4) == 0
