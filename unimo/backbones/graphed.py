"""One decode position captured as a CUDA graph over a static KV cache.

At batch 1 an eager decode step of a GPT is bound by kernel launches (hundreds of small kernels per
token), not by the GPU. ``GraphedStep`` records the step once per (batch, cache size) and replays it:
the inputs are copied into fixed buffers, the cache writes at a device-side position, so one replay
serves every position. The output heads and sampling stay eager because the head depends on the
scheduled modality. On CPU (or with ``use_graph=False``) the same static-cache step runs eagerly, which
is how the tests check it against the dynamic cache.
"""

from __future__ import annotations

import contextlib

import torch

from unimo.backbones.cache import KVCache


def supports_static_cache(backbone: torch.nn.Module) -> bool:
    """Whether ``backbone.new_cache`` takes ``static=True`` (the GPT backbones do, the HF adapter not)."""
    import inspect

    return "static" in inspect.signature(backbone.new_cache).parameters


class GraphedStep:
    """Prefill a prompt, then decode one position per ``step`` call by replaying a captured graph.

    Args:
        backbone: A backbone whose ``new_cache`` supports ``static=True``; in eval mode.
        batch_size: Sequences decoded together.
        max_seq_len: Cache capacity: prompt plus generated positions.
        use_graph: Capture a CUDA graph (only on CUDA); False runs the static step eagerly.
    """

    def __init__(self, backbone: torch.nn.Module, batch_size: int, max_seq_len: int,
                 use_graph: bool = True) -> None:
        self.backbone = backbone
        self.cache: KVCache = backbone.new_cache(batch_size, max_seq_len, static=True)
        device = self.cache.k.device
        self.inputs = [torch.zeros(batch_size, 1, dtype=torch.long, device=device) for _ in range(3)]
        self.graph: torch.cuda.CUDAGraph | None = None
        if use_graph and device.type == "cuda":
            self._capture()

    def _capture(self) -> None:
        side = torch.cuda.Stream()
        side.wait_stream(torch.cuda.current_stream())
        with torch.cuda.stream(side), _uncached_autocast():  # warm up off the default stream first
            for _ in range(2):
                self.backbone.hidden(*self.inputs, cache=self.cache)
        torch.cuda.current_stream().wait_stream(side)
        self.graph = torch.cuda.CUDAGraph()
        # thread_local: CUDA calls of other threads (a loader's pin-memory thread) must not void the capture
        with torch.cuda.graph(self.graph, capture_error_mode="thread_local"), _uncached_autocast():
            self.output = self.backbone.hidden(*self.inputs, cache=self.cache)  # (B, 1, D); position += 1
        self.cache.reset()

    def prefill(self, input_ids: torch.Tensor, modality_ids: torch.Tensor,
                positions: torch.Tensor) -> torch.Tensor:
        """Start over with a prompt ``(B, N)``; return the last position's hidden state ``(B, D)``."""
        self.cache.reset()
        return self.backbone.hidden(input_ids, modality_ids, positions, cache=self.cache)[:, -1]

    def step(self, token: torch.Tensor, modality: int, position: torch.Tensor) -> torch.Tensor:
        """Feed ``token`` ``(B,)`` of ``modality`` at ``position`` (scalar); return the next ``(B, D)``."""
        tok, mod, pos = self.inputs
        tok.copy_(token[:, None])
        mod.fill_(modality)
        pos.copy_(position.expand_as(pos))
        if self.graph is None:
            return self.backbone.hidden(tok, mod, pos, cache=self.cache)[:, -1]
        self.graph.replay()
        return self.output[:, -1]


def _uncached_autocast() -> contextlib.AbstractContextManager:
    """Autocast as outside, but without its weight-cast cache (cached casts must not live in a graph)."""
    if not torch.is_autocast_enabled("cuda"):
        return contextlib.nullcontext()
    return torch.autocast("cuda", dtype=torch.get_autocast_dtype("cuda"), cache_enabled=False)
