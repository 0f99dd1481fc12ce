"""Save and load trained tokenizers without Lightning (e.g. frozen tokenizers inside the joint model).

``load_tokenizer`` reads three kinds of file:

1. a plain export written by ``export_tokenizer``: ``{"format", "tokenizer": config, "state_dict"}``;
2. a Lightning ``.ckpt`` of a task holding the tokenizer as ``self.tokenizer`` (``MotionTokenizerTask``):
   the config comes from ``checkpoint["unimo_tokenizer"]`` or ``hyper_parameters["tokenizer"]`` (the
   ``{"class_path", "init_args"}`` dict LightningCLI stores), weights from ``state_dict["tokenizer.*"]``;
3. a whole module saved with ``torch.save(tokenizer)``.

A config is ``{"class_path": "<registry name or module.Class>", "init_args": {...}}``. The files are
unpickled with ``weights_only=False`` (Lightning hyperparameters may hold any object): only load files
you trust.
"""

from __future__ import annotations

import importlib
import os
from pathlib import Path
from typing import Any

import torch

from unimo.atomic import temp_beside
from unimo.tokenizers.base import TOKENIZERS, Tokenizer

EXPORT_FORMAT = "unimo.tokenizer/1"


def tokenizer_config(tokenizer: Tokenizer) -> dict[str, Any] | None:
    """Return ``{"class_path", "init_args"}`` of ``tokenizer`` if its class records one (``config()``)."""
    config = getattr(tokenizer, "config", None)
    return config() if callable(config) else None


def build_tokenizer(config: dict[str, Any]) -> Tokenizer:
    """Instantiate a tokenizer from ``{"class_path", "init_args"}`` (a registry name or a dotted path)."""
    if not isinstance(config, dict) or "class_path" not in config:
        raise ValueError(f"tokenizer config: expected a dict with 'class_path', 'init_args'; got {config!r}")
    class_path = config["class_path"]
    if "." in class_path:
        module_name, _, name = class_path.rpartition(".")
        cls = getattr(importlib.import_module(module_name), name, None)
        if cls is None:
            raise ValueError(f"tokenizer config: {module_name!r} has no class {name!r}")
    else:
        import unimo.tokenizers  # noqa: F401  (registers the built-in tokenizers)

        cls = TOKENIZERS.get(class_path)
    if not (isinstance(cls, type) and issubclass(cls, Tokenizer)):
        raise TypeError(f"tokenizer config: {class_path!r} is not a Tokenizer subclass")
    return cls(**dict(config.get("init_args") or {}))


def export_tokenizer(tokenizer: Tokenizer, path: str | Path,
                     provenance: dict[str, Any] | None = None) -> None:
    """Write ``tokenizer`` (config + weights, incl. normalisation buffers) to ``path`` atomically.

    ``provenance`` (JSON-friendly: steps, seconds, device, command...) is stored beside the weights, so a
    shipped file still says how it was trained when the training log is gone.
    """
    config = tokenizer_config(tokenizer)
    if config is None:
        raise TypeError(f"export_tokenizer: {type(tokenizer).__name__} has no config() to rebuild it from")
    state = {k: v.detach().cpu() for k, v in tokenizer.state_dict().items()}
    save_atomic({"format": EXPORT_FORMAT, "tokenizer": config, "state_dict": state,
                 "provenance": provenance or {}}, path)


def save_atomic(obj: Any, path: str | os.PathLike) -> None:
    """``torch.save`` to a temporary file beside ``path``, then rename: a crash never leaves half a file, and
    processes writing the same path at once never share a temporary file."""
    path = Path(path)
    tmp = temp_beside(path)
    torch.save(obj, tmp)
    os.replace(tmp, path)


PACKAGE_DIR = Path(__file__).resolve().parents[1]  # the installed ``unimo`` package


def resolve_asset(path: str | Path) -> Path:
    """Return ``path``, or for a relative ``unimo/assets/...`` path that does not exist from here, the file
    shipped inside the installed package: configs and CLI defaults name the shipped tokenizers that way,
    and they must work from any working directory, not only from a checkout's root."""
    path = Path(path)
    if not path.is_absolute() and not path.exists() and path.parts[:2] == ("unimo", "assets"):
        packaged = PACKAGE_DIR.joinpath(*path.parts[1:])
        if packaged.exists():
            return packaged
    return path


def load_tokenizer(path: str | Path, map_location: str | torch.device = "cpu",
                   freeze: bool = True) -> Tokenizer:
    """Load a tokenizer from an export, a Lightning checkpoint or a pickled module (see module docstring).

    Args:
        path: The file (a relative ``unimo/assets/...`` path also finds the shipped file, ``resolve_asset``).
        map_location: Device to load tensors to.
        freeze: Put it in eval mode with ``requires_grad=False`` (the usual use: a frozen tokenizer).
    """
    path = resolve_asset(path)
    if not path.is_file():
        raise FileNotFoundError(f"load_tokenizer: no file at {path}")
    obj = torch.load(path, map_location=map_location, weights_only=False)
    tokenizer = obj if isinstance(obj, Tokenizer) else _from_dict(obj, path, map_location)
    if freeze:
        tokenizer.eval().requires_grad_(False)
    return tokenizer


def _from_dict(obj: Any, path: Path, map_location: str | torch.device) -> Tokenizer:
    if not isinstance(obj, dict) or "state_dict" not in obj:
        raise ValueError(f"load_tokenizer: {path} is neither a tokenizer export, a Lightning checkpoint "
                         f"nor a pickled Tokenizer (got {type(obj).__name__})")
    if obj.get("format") == EXPORT_FORMAT:
        config, prefix = obj["tokenizer"], ""
    else:
        config = obj.get("unimo_tokenizer") or obj.get("hyper_parameters", {}).get("tokenizer")
        prefix = "tokenizer."
        if config is None:
            raise ValueError(f"load_tokenizer: {path} has no tokenizer config ('unimo_tokenizer' or "
                             "hyper_parameters['tokenizer']); was it saved by a tokenizer task?")
    tokenizer = config if isinstance(config, Tokenizer) else build_tokenizer(config)
    state = {k[len(prefix):]: v for k, v in obj["state_dict"].items() if k.startswith(prefix)}
    if not state:
        raise ValueError(f"load_tokenizer: {path} has no weights under prefix {prefix!r}")
    # Rebuilt on the CPU from its config: move the module too, not only the state tensors.
    tokenizer.to(map_location).load_state_dict(state)
    return tokenizer
