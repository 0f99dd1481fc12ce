"""Key/value caches for incremental decoding.

``KVCache`` preallocates one buffer for all layers up front and writes new keys in place, so memory
addresses never change during generation (what CUDA graphs need) and no tensor is re-concatenated per
token. Attention reads the filled prefix ``[:length]``.
"""

from __future__ import annotations

import torch


class Cache:
    """State carried between incremental ``Backbone.hidden`` calls.

    Attributes:
        length: Positions already processed (the next token's cache slot).
        max_seq_len: Capacity in positions.
    """

    def __init__(self, max_seq_len: int) -> None:
        self.length = 0
        self.max_seq_len = max_seq_len

    def reserve(self, num_new: int) -> int:
        """Check room for ``num_new`` positions and return the slot the first one goes to."""
        if self.length + num_new > self.max_seq_len:
            raise ValueError(
                f"{type(self).__name__} holds {self.max_seq_len} positions; {self.length} used, "
                f"{num_new} more requested (allocate a larger cache)"
            )
        return self.length

    def advance(self, num_new: int) -> None:
        """Record that ``num_new`` positions were written."""
        self.length += num_new

    def reset(self) -> None:
        """Forget every cached position (buffers are reused)."""
        self.length = 0


class KVCache(Cache):
    """Static keys and values of every layer, ``(L, B, H, S, Dh)`` each.

    Args:
        num_layers: Transformer layers ``L``.
        batch_size: Sequences decoded together ``B``.
        num_heads: Attention heads ``H``.
        head_dim: Width per head ``Dh``.
        max_seq_len: Capacity ``S`` (prompt plus generated tokens).
        device: Where the buffers live.
        dtype: Buffer dtype; use the attention compute dtype (bf16 under autocast).
        static: Keep every step's shapes fixed: write at the device-side ``position`` and attend over the
            whole buffer under a mask, with no host sync, so a decode step can be captured once as a
            CUDA graph and replayed. Slower per step than the default prefix attention when eager.
    """

    def __init__(
        self,
        num_layers: int,
        batch_size: int,
        num_heads: int,
        head_dim: int,
        max_seq_len: int,
        device: torch.device | str | None = None,
        dtype: torch.dtype = torch.float32,
        static: bool = False,
    ) -> None:
        super().__init__(max_seq_len)
        shape = (num_layers, batch_size, num_heads, max_seq_len, head_dim)
        self.k = torch.zeros(shape, device=device, dtype=dtype)
        self.v = torch.zeros(shape, device=device, dtype=dtype)
        self.static = static
        self.position = torch.zeros((), dtype=torch.long, device=device)  # device twin of ``length``

    def advance(self, num_new: int) -> None:
        """Record ``num_new`` written positions, on the host and (in place, graph-safe) on the device."""
        super().advance(num_new)
        self.position.add_(num_new)

    def reset(self) -> None:
        """Forget every cached position (buffers are reused)."""
        super().reset()
        self.position.zero_()

    def layer(self, index: int) -> tuple[torch.Tensor, torch.Tensor]:
        """Return layer ``index``'s key and value buffers ``(B, H, S, Dh)`` (views, written in place)."""
        return self.k[index], self.v[index]
