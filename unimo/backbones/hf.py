"""``HFCausalLMBackbone``: plug a Hugging Face causal LM in as the UniMo decoder.

Only the LM's decoder stack is used: inputs come from unimo's per-modality embeddings
(``inputs_embeds``) and outputs go to per-modality heads, so the LM's own vocabulary is irrelevant (its
input table is frozen, its LM head dropped). Needs the optional ``transformers`` dependency
(``pip install unimo[hf]``); nothing is downloaded (local paths only).
"""

from __future__ import annotations

import inspect
from typing import Any

import torch

from unimo.backbones.base import BACKBONES, Backbone
from unimo.backbones.cache import Cache
from unimo.backbones.embeddings import ModalityEmbedding, ModalityHeads
from unimo.backbones.gpt import DEFAULT_VOCAB_SIZES


class HFCache(Cache):
    """Wrap a ``transformers`` ``DynamicCache`` (grown in place by the model)."""

    def __init__(self, max_seq_len: int, hf_cache: Any) -> None:
        super().__init__(max_seq_len)
        self.hf_cache = hf_cache


def _load_lm(model: str | dict[str, Any]) -> torch.nn.Module:
    try:
        from transformers import AutoConfig, AutoModelForCausalLM
    except ImportError as err:
        raise ImportError("HFCausalLMBackbone needs transformers: pip install 'unimo[hf]'") from err
    if isinstance(model, dict):
        if "model_type" not in model:
            raise ValueError(f"model: a config dict needs 'model_type' (e.g. 'llama'), got {sorted(model)}")
        kwargs = dict(model)
        return AutoModelForCausalLM.from_config(AutoConfig.for_model(kwargs.pop("model_type"), **kwargs))
    return AutoModelForCausalLM.from_pretrained(model, local_files_only=True)


@BACKBONES.register
class HFCausalLMBackbone(Backbone):
    """A ``transformers`` ``AutoModelForCausalLM`` decoder with unimo's modality embeddings and heads.

    Args:
        model: A config dict for ``AutoConfig.for_model`` (``{"model_type": "llama", "hidden_size": 512,
            ...}``, randomly initialised) or a local folder with a saved model (pretrained weights).
        vocab_sizes: Vocabulary size per modality (as ``GPTBackbone``).
        max_seq_len: Default cache capacity.
    """

    def __init__(
        self,
        model: str | dict[str, Any],
        vocab_sizes: dict[str, int] | None = None,
        max_seq_len: int = 8192,
    ) -> None:
        super().__init__()
        lm = _load_lm(model)
        self.config = lm.config
        self.decoder = lm.base_model  # the stack without the LM head; its output is final-normed
        self.decoder.get_input_embeddings().requires_grad_(False)  # unused: we pass inputs_embeds
        self.vocab_sizes = dict(vocab_sizes or DEFAULT_VOCAB_SIZES)
        self.max_seq_len = max_seq_len
        dim = self.config.hidden_size
        self.embed = ModalityEmbedding(self.vocab_sizes, dim)
        self.heads = ModalityHeads(self.vocab_sizes, dim)
        for param in [*self.embed.parameters(), *self.heads.parameters()]:
            torch.nn.init.normal_(param, std=getattr(self.config, "initializer_range", 0.02))
        # transformers 5 renamed ``past_key_values`` to ``cache``; support both.
        params = inspect.signature(self.decoder.forward).parameters
        self._cache_kwarg = "cache" if "cache" in params else "past_key_values"

    @property
    def head_modalities(self) -> list[str]:
        return self.heads.modalities

    def hidden(
        self,
        input_ids: torch.Tensor,
        modality_ids: torch.Tensor,
        positions: torch.Tensor | None = None,
        cache: HFCache | None = None,
    ) -> torch.Tensor:
        """Return final hidden states ``(B, N, D)``; see ``Backbone.hidden``."""
        b, n = input_ids.shape
        start = cache.reserve(n) if cache is not None else 0
        if positions is None:
            positions = torch.arange(start, start + n, device=input_ids.device).expand(b, n)
        kwargs = {"use_cache": cache is not None}
        if cache is not None:
            kwargs[self._cache_kwarg] = cache.hf_cache
        x = self.embed(input_ids, modality_ids)  # (B, N, D)
        out = self.decoder(inputs_embeds=x, position_ids=positions, **kwargs)
        if cache is not None:
            cache.advance(n)
        return out.last_hidden_state

    def head(self, h: torch.Tensor, modality: str) -> torch.Tensor:
        """Return logits ``(..., V_modality)`` for ``h`` ``(..., D)``."""
        return self.heads.logits(h, modality)

    def new_cache(self, batch_size: int, max_seq_len: int | None = None) -> HFCache:
        """Return an empty ``DynamicCache`` wrapper (it grows; ``max_seq_len`` is only checked)."""
        from transformers import DynamicCache

        try:
            hf_cache = DynamicCache(config=self.config)
        except TypeError:  # transformers < 4.56 takes no config
            hf_cache = DynamicCache()
        return HFCache(max_seq_len or self.max_seq_len, hf_cache)
