"""Identify a tokenizer by what it computes, so ids made by one tokenizer are never read with another.

Token shards (``unimo data tokenize``) record the fingerprint of the tokenizers that made their ids, and
``JointTask`` refuses ids whose fingerprint differs from its own tokenizers'. The fingerprint hashes the
config and every state-dict tensor (floating tensors as float32), so it is the same for a tokenizer loaded
from its export, rebuilt from a joint checkpoint, or moved to another device; the file's own hash is
recorded beside it for people, but is not compared (a re-saved file with the same weights is the same
tokenizer).
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import torch

from unimo.tokenizers.base import Tokenizer

CHUNK = 1 << 20


def tokenizer_fingerprint(tokenizer: Tokenizer) -> str:
    """Return the sha256 (hex) of ``tokenizer``'s class, config and state-dict tensors."""
    digest = hashlib.sha256()
    config = tokenizer.config() or {"class_path": f"{type(tokenizer).__module__}.{type(tokenizer).__name__}"}
    digest.update(json.dumps(config, sort_keys=True, default=str).encode())
    for name, tensor in sorted(tokenizer.state_dict().items()):
        tensor = tensor.detach().cpu()
        if tensor.is_floating_point():
            tensor = tensor.float()  # the same weights in fp16/bf16 storage or fp32 modules hash alike
        digest.update(f"{name}:{tensor.dtype}:{tuple(tensor.shape)}".encode())
        digest.update(tensor.contiguous().reshape(-1).view(torch.uint8).numpy().tobytes())
    return digest.hexdigest()


def file_sha256(path: str | Path) -> str:
    """Return the sha256 (hex) of a file's bytes."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def tokenizer_identity(tokenizer: Tokenizer, path: str | Path | None = None) -> dict[str, Any]:
    """Return ``{"fingerprint", "config", "file", "file_sha256"}`` (file fields None without a path)."""
    return {"fingerprint": tokenizer_fingerprint(tokenizer), "config": tokenizer.config(),
            "file": None if path is None else str(path),
            "file_sha256": None if path is None else file_sha256(path)}


def check_fingerprints(stored: dict[str, str], held: dict[str, str], source: str = "token ids") -> None:
    """Raise if ``stored`` fingerprints (``{"video": sha, "motion": sha}``) differ from the ``held`` ones.

    Raises:
        ValueError: Naming the modality, both fingerprints and what to do.
    """
    for modality, fingerprint in sorted(stored.items()):
        if held.get(modality) != fingerprint:
            raise ValueError(
                f"{source}: made by a different {modality} tokenizer (fingerprint {fingerprint[:12]}...) "
                f"than the model's ({str(held.get(modality))[:12]}...); re-run `unimo data tokenize` with "
                "the model's tokenizers or point the model at the ones that made the shards")
