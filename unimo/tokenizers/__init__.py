"""Tokenizers: motion VQ-VAE, causal video tokenizer, pretrained Cosmos loader."""

from unimo.tokenizers.base import TOKENIZERS, Tokenizer
from unimo.tokenizers import motion_fsq, motion_vqvae  # noqa: F401  (registers the Motion*Tokenizer classes)
from unimo.tokenizers import video_causal  # noqa: F401  (registers CausalVideoTokenizer)
from unimo.tokenizers import cosmos  # noqa: F401  (registers CosmosDiscreteVideoTokenizer)

__all__ = ["TOKENIZERS", "Tokenizer"]
