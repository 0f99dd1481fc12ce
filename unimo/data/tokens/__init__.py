"""Token shards: windows of raw shard clips run once through the frozen tokenizers and stored as ids.

``unimo data tokenize`` writes them (``build``), ``TokenShardDataModule`` streams them, and ``JointTask``
trains from them without running a tokenizer per step. Layout: the raw shard layout (``unimo.data.shards``)
with the members of ``sample``, one sample per window, and a manifest whose ``source.kind`` is ``"tokens"``.
"""

from unimo.data.tokens.build import TOKENS_KIND, TokenizeSpec, tokenize_shards
from unimo.data.tokens.sample import TOKEN_MEMBERS, TokenDecoder, collate_tokens

__all__ = [
    "TOKENS_KIND", "TOKEN_MEMBERS", "TokenDecoder", "TokenizeSpec", "collate_tokens", "tokenize_shards",
]
