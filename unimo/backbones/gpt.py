"""``GPTBackbone``: the decoder-only transformer of UniMo, and its shared-embedding ablation.

LLaMA-style: RoPE on per-token positions, RMSNorm pre-norm, SwiGLU, no biases, causal
``scaled_dot_product_attention`` (flash on GPU). Model code only; training lives in ``unimo.tasks``.
"""

from __future__ import annotations

import math

import torch
from torch import nn

from unimo.backbones.base import BACKBONES, Backbone
from unimo.backbones.cache import KVCache
from unimo.backbones.embeddings import (
    MixedRadixEmbedding,
    ModalityEmbedding,
    ModalityHeads,
    SharedEmbedding,
    SharedHead,
)
from unimo.backbones.layers import Block, rope_angles
from unimo.layouts.special import SPECIAL_VOCAB_SIZE

DEFAULT_VOCAB_SIZES = {"special": SPECIAL_VOCAB_SIZE, "video": 64000, "motion": 1024}

PRESETS: dict[str, dict[str, int]] = {
    "tiny": {"dim": 32, "num_layers": 2, "num_heads": 2},  # CI
    "125m": {"dim": 768, "num_layers": 12, "num_heads": 12},
    "350m": {"dim": 1024, "num_layers": 24, "num_heads": 16},
}
"""Named sizes, as GPT-2 small / medium: 85M / 308M transformer parameters (the names add GPT-2's 50k-token
embedding). With the default 65k ids, embeddings and heads add 2 x 50M / 2 x 67M (185M / 442M in all)."""


def mlp_hidden_size(dim: int) -> int:
    """Return the SwiGLU width: 8/3 ``dim`` rounded up to a multiple of 256 (LLaMA), keeping the MLP at
    about the FLOPs of a 4x GELU MLP and matmul shapes tensor-core friendly."""
    return 256 * math.ceil(8 * dim / 3 / 256)


@BACKBONES.register
class GPTBackbone(Backbone):
    """Decoder-only transformer with independent per-modality embeddings and heads.

    Presets (``PRESETS``): tiny = dim 32, 2 layers, 2 heads; ~125M = dim 768, 12 layers, 12 heads;
    ~350M = dim 1024, 24 layers, 16 heads.

    Args:
        vocab_sizes: Vocabulary size per modality, keys from ``"special"`` (required), ``"video"``,
            ``"motion"``; default 16 / 64000 (Cosmos FSQ) / 1024.
        dim: Model width ``D``.
        num_layers: Transformer blocks.
        num_heads: Attention heads; ``dim / num_heads`` should be even (RoPE) and 64 or 128 for flash.
        mlp_hidden: SwiGLU inner width; default ``mlp_hidden_size(dim)``.
        max_seq_len: Default KV-cache capacity (RoPE itself has no length limit).
        rope_base: RoPE wavelength base.
        dropout: Residual dropout probability.
        code_levels: ``{modality: FSQ levels}``, e.g. ``{"video": [8, 8, 8, 5, 5, 5]}``: embed those ids digit
            by digit (``MixedRadixEmbedding``) so similar codes share their embedding; must match the
            tokenizer (``JointTask`` checks).
        digit_heads: Modalities among ``code_levels`` whose output head predicts the code's digits
            (``DigitHead``: ``sum(levels)`` outputs, codes as products of independent digits) instead of one
            logit per id: for the 64k video vocabulary a ~1,600x smaller head.
        compile: Wrap each block in ``torch.compile`` for full-sequence forwards (training, scoring), and
            the head + cross-entropy (dynamic row count) so bf16 logits are reduced without an fp32 copy;
            cached decoding runs the eager blocks (its shapes change every step).
    """

    def __init__(
        self,
        vocab_sizes: dict[str, int] | None = None,
        dim: int = 768,
        num_layers: int = 12,
        num_heads: int = 12,
        mlp_hidden: int | None = None,
        max_seq_len: int = 8192,
        rope_base: float = 10000.0,
        dropout: float = 0.0,
        code_levels: dict[str, list[int]] | None = None,
        digit_heads: list[str] | None = None,
        compile: bool = False,
    ) -> None:
        super().__init__()
        self.vocab_sizes = dict(vocab_sizes or DEFAULT_VOCAB_SIZES)
        self.code_levels = {k: [int(v) for v in levels] for k, levels in (code_levels or {}).items()}
        self.digit_heads = list(digit_heads or [])
        missing = [k for k in self.digit_heads if k not in self.code_levels]
        if missing:
            raise ValueError(f"digit_heads {missing}: a digit head needs the modality's code_levels "
                             f"(given for {sorted(self.code_levels)})")
        self.dim, self.num_layers, self.num_heads = dim, num_layers, num_heads
        self.max_seq_len, self.rope_base = max_seq_len, rope_base
        self.embed = self._build_embedding()
        hidden = mlp_hidden or mlp_hidden_size(dim)
        self.blocks = nn.ModuleList(Block(dim, num_heads, hidden, dropout) for _ in range(num_layers))
        self.norm = nn.RMSNorm(dim, eps=1e-5)
        self.heads = self._build_heads()
        self.apply(self._init_weights)
        for module in self.embed.modules():  # their own init (the generic one above overwrote it)
            if isinstance(module, MixedRadixEmbedding):
                module.reset_parameters()
        for block in self.blocks:  # GPT-2: scale residual projections so the residual stream stays O(1)
            for proj in (block.attn.proj, block.mlp.w2):
                nn.init.normal_(proj.weight, std=0.02 / math.sqrt(2 * num_layers))
        # Plain list: compiled wrappers share the blocks' parameters and must not enter the state dict.
        self._compiled_blocks = [torch.compile(b) for b in self.blocks] if compile else None
        self._compiled_ce = torch.compile(self.heads.ce_sum, dynamic=True) if compile else None
        self._decode_blocks: list[nn.Module] | None = None

    def compile_decoding(self, mode: str | None = None) -> None:
        """Compile the blocks for static-cache decoding (``GraphedStep``): fusing the small kernels of one
        position cuts the per-token time of a CUDA-graph replay; costs a compilation per batch shape.
        ``mode`` is ``torch.compile``'s; without one, inductor's coordinate-descent tuning of its kernels'
        launch configurations is on (gpt-fast's setting): H100, 125M, 4k context, batch 1, 0.50-0.60 ms per
        token against 0.79-0.81 without it (benchmarks/results/generate.md). The step is captured in a CUDA
        graph by ``GraphedStep`` either way.

        One new token attends through fused reductions (``_single_query_attention``). FlexAttention's
        decoding kernel was measured instead (H100, 125M, 4k context, batch 1): 1.49 ms per step in
        attention alone against 0.88 ms for the whole compiled step, and it cannot be captured in a CUDA
        graph (torch 2.11), so it is not offered (benchmarks/results/generate_single_query.md).
        """
        # torch.compile takes a mode or options, not both.
        tuning = {"mode": mode} if mode else {"options": {"coordinate_descent_tuning": True}}
        self._decode_blocks = [torch.compile(b, dynamic=False, **tuning) for b in self.blocks]

    def _build_embedding(self) -> nn.Module:
        return ModalityEmbedding(self.vocab_sizes, self.dim, self.code_levels)

    def _build_heads(self) -> nn.Module:
        return ModalityHeads(self.vocab_sizes, self.dim, {k: self.code_levels[k] for k in self.digit_heads})

    @staticmethod
    def _init_weights(module: nn.Module) -> None:
        if isinstance(module, (nn.Linear, nn.Embedding)):
            nn.init.normal_(module.weight, std=0.02)

    @property
    def head_modalities(self) -> list[str]:
        return self.heads.modalities

    @property
    def head_dim(self) -> int:
        return self.dim // self.num_heads

    def num_params(self, embeddings: bool = True) -> int:
        """Count parameters; ``embeddings=False`` drops the input tables (lookups cost no FLOPs)."""
        skip = {id(p) for p in self.embed.parameters()} if not embeddings else set()
        return sum(p.numel() for p in self.parameters() if id(p) not in skip)

    def hidden(
        self,
        input_ids: torch.Tensor,
        modality_ids: torch.Tensor,
        positions: torch.Tensor | None = None,
        cache: KVCache | None = None,
    ) -> torch.Tensor:
        """Return final hidden states ``(B, N, D)``; see ``Backbone.hidden``."""
        b, n = input_ids.shape
        start: int | torch.Tensor = cache.reserve(n) if cache is not None else 0
        if cache is not None and cache.static:
            start = cache.position  # device scalar: the same graph serves every step
        if positions is None:
            positions = (torch.arange(n, device=input_ids.device) + start).expand(b, n)
        x = self.embed(input_ids, modality_ids)  # (B, N, D)
        cos, sin = rope_angles(positions, self.head_dim, self.rope_base)  # (B, N, 1, Dh/2)
        if cache is None:
            for block in self._compiled_blocks or self.blocks:
                x = block(x, cos, sin)
        else:
            static = cache.static and self._decode_blocks is not None
            for i, block in enumerate(self._decode_blocks if static else self.blocks):
                x = block(x, cos, sin, cache.layer(i), start)
            cache.advance(n)
        return self.norm(x)

    def head(self, h: torch.Tensor, modality: str) -> torch.Tensor:
        """Return logits ``(..., V_modality)`` for ``h`` ``(..., D)``."""
        return self.heads.logits(h, modality)

    def _ce_sum(self, h: torch.Tensor, targets: torch.Tensor, modality: str) -> torch.Tensor:
        return (self._compiled_ce or self.heads.ce_sum)(h, targets, modality)

    def new_cache(self, batch_size: int, max_seq_len: int | None = None, static: bool = False) -> KVCache:
        """Allocate a ``KVCache`` in the current compute dtype (autocast's if active); see ``KVCache``
        for ``static`` (CUDA-graph capture)."""
        param = next(self.parameters())
        dtype = param.dtype
        if torch.is_autocast_enabled(param.device.type):
            dtype = torch.get_autocast_dtype(param.device.type)
        return KVCache(self.num_layers, batch_size, self.num_heads, self.head_dim,
                       max_seq_len or self.max_seq_len, device=param.device, dtype=dtype, static=static)


@BACKBONES.register
class SharedEmbeddingGPTBackbone(GPTBackbone):
    """``GPTBackbone`` with one embedding table and one head over the concatenated vocabularies.

    The UniMo shared-embedding ablation: training uses a single softmax over every modality's ids (see
    ``unimo.backbones.embeddings``); sampling still restricts logits to the expected modality.
    Arguments as ``GPTBackbone``.
    """

    def _build_embedding(self) -> nn.Module:
        if self.code_levels:
            raise ValueError("SharedEmbeddingGPTBackbone: code_levels is not supported (one shared table)")
        return SharedEmbedding(self.vocab_sizes, self.dim)

    def _build_heads(self) -> nn.Module:
        return SharedHead(self.vocab_sizes, self.dim)
