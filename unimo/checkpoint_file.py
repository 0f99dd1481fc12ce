"""Read a checkpoint file with an error that names it, whatever is wrong with it."""

from __future__ import annotations

import os
import pickle
import zipfile
from typing import Any

import torch


def check_checkpoint_file(path: str | os.PathLike) -> None:
    """Raise ``ValueError`` naming ``path`` unless it is a ``torch.save`` file: a zip archive (torch >= 1.6),
    or a bare pickle (older torch, or ``_use_new_zipfile_serialization=False``).

    Cheap (the zip directory or the first byte): a command refuses a wrong file before it builds a model."""
    with open(path, "rb") as file:
        legacy = file.read(1) == b"\x80"  # a pickle's PROTO opcode
    if not legacy and not zipfile.is_zipfile(path):
        raise ValueError(f"{path}: not a PyTorch checkpoint (torch.save writes a zip archive and this file "
                         "is none: truncated, or some other file?)")


def read_checkpoint(path: str | os.PathLike) -> dict[str, Any]:
    """Return the checkpoint dict at ``path``; a damaged or foreign file raises ``ValueError`` naming it."""
    check_checkpoint_file(path)
    try:
        checkpoint = torch.load(path, map_location="cpu", weights_only=False)
    except (pickle.UnpicklingError, RuntimeError, EOFError, KeyError, AttributeError) as err:
        raise ValueError(f"{path}: cannot be read as a checkpoint ({type(err).__name__}: {err})") from err
    if not isinstance(checkpoint, dict):
        raise ValueError(f"{path}: expected a checkpoint dict, found a {type(checkpoint).__name__}")
    return checkpoint
