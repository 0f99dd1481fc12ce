"""Tokenizers: motion VQ-VAE, causal video tokenizer, pretrained Cosmos loader."""

from unimo.tokenizers.base import TOKENIZERS, Tokenizer

__all__ = ["TOKENIZERS", "Tokenizer"]
