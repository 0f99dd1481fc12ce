"""Tokenizers: motion VQ-VAE, causal video tokenizer, pretrained Cosmos loader.

Importing the modules below registers their classes in ``TOKENIZERS``.
"""

from unimo.tokenizers import cosmos, motion_fsq, motion_vqvae, video_causal  # noqa: F401
from unimo.tokenizers.base import TOKENIZERS, Tokenizer

__all__ = ["TOKENIZERS", "Tokenizer"]
