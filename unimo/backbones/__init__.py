"""Backbones: the GPT decoder and adapters."""

from unimo.backbones.base import BACKBONES, Backbone
from unimo.backbones.cache import Cache, KVCache
from unimo.backbones.gpt import PRESETS, GPTBackbone, SharedEmbeddingGPTBackbone
from unimo.backbones.hf import HFCausalLMBackbone
from unimo.backbones.sampling import filter_logits, generate, sample_next

__all__ = [
    "BACKBONES", "Backbone", "Cache", "KVCache", "PRESETS", "GPTBackbone", "SharedEmbeddingGPTBackbone",
    "HFCausalLMBackbone", "filter_logits", "generate", "sample_next",
]
