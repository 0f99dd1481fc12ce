"""Shared pieces of the motion importers: the result type, field validation, betas and gender handling.

Every check raises ``MotionFormatError`` naming the file and the field, and what was expected.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch

from unimo.body.motion import NUM_BETAS, Motion


class MotionFormatError(ValueError):
    """A motion file is unreadable, of an unknown format, or has a missing/malformed field."""


@dataclass
class ImportedMotion:
    """A motion read from a file, with what is known about where it came from.

    Attributes:
        motion: The SMPL-X body motion (79-channel layout).
        format: Detected format name (``"amass_smplh"``, ``"gvhmr"``, ...; see ``FORMATS``).
        source_model: Body model of the source parameters: ``"smpl"``, ``"smplh"`` or ``"smplx"``.
        gender: ``"neutral"``, ``"male"``, ``"female"`` or ``"unknown"``.
        notes: Lossy or assumed steps taken (dropped hands, betas conversion, default fps, ...).
    """

    motion: Motion
    format: str
    source_model: str
    gender: str = "unknown"
    notes: list[str] = field(default_factory=list)


def fail(path: Path, field_name: str, problem: str) -> MotionFormatError:
    """Build the error for ``field_name`` of ``path`` (raise the result)."""
    return MotionFormatError(f"{path}: field {field_name!r}: {problem}")


def numeric_array(data: Mapping[str, Any], key: str, path: Path) -> np.ndarray:
    """Return ``data[key]`` as a finite float64 array; the error names the file and field."""
    if key not in data:
        raise MotionFormatError(f"{path}: missing field {key!r} (fields present: {sorted(map(str, data))})")
    value = data[key]
    if isinstance(value, torch.Tensor):
        value = value.detach().cpu().numpy()
    array = np.asarray(value)
    if array.dtype == object:
        raise fail(path, key, "is an object array (pickled Python objects); expected numbers")
    if not (np.issubdtype(array.dtype, np.number) or array.dtype == bool):
        raise fail(path, key, f"has dtype {array.dtype}; expected numbers")
    array = array.astype(np.float64)
    bad = ~np.isfinite(array)
    if bad.any():
        first = np.argwhere(bad)[0].tolist()
        raise fail(path, key, f"contains NaN/inf ({int(bad.sum())} values, first at index {first})")
    return array


def frames_array(data: Mapping[str, Any], key: str, path: Path, widths: tuple[int, ...]) -> np.ndarray:
    """Return a per-frame array ``(T, W)`` with ``W`` in ``widths``; ``(T, W/3, 3)`` is flattened first."""
    array = numeric_array(data, key, path)
    if array.ndim == 3 and array.shape[-1] == 3:
        array = array.reshape(array.shape[0], -1)  # (T, K, 3) -> (T, 3K)
    if array.ndim != 2 or array.shape[1] not in widths:
        expected = " or ".join(f"(T, {w})" for w in widths)
        raise fail(path, key, f"has shape {array.shape}; expected {expected}")
    if array.shape[0] == 0:
        raise fail(path, key, "has zero frames")
    return array


def check_frames(path: Path, arrays: Mapping[str, np.ndarray]) -> int:
    """Check every array has the same number of frames and return it."""
    counts = {k: v.shape[0] for k, v in arrays.items()}
    if len(set(counts.values())) != 1:
        raise MotionFormatError(f"{path}: fields disagree on the number of frames: {counts}")
    return next(iter(counts.values()))


def read_gender(data: Mapping[str, Any], key: str = "gender") -> str:
    """Return the gender as ``"neutral"/"male"/"female"`` from str, bytes, 0-d arrays or smplcodec ints."""
    if key not in data:
        return "unknown"
    value = data[key]
    if isinstance(value, np.ndarray):
        value = value.item() if value.size == 1 else value.tolist()
    if isinstance(value, bytes):
        value = value.decode("utf-8", errors="replace")
    if isinstance(value, (int, np.integer)):  # smplcodec: 0 neutral, 1 male, 2 female
        return {0: "neutral", 1: "male", 2: "female"}.get(int(value), "unknown")
    text = str(value).strip().lower()
    return text if text in ("neutral", "male", "female") else "unknown"


def convert_betas(betas: np.ndarray, path: Path, key: str, source_model: str, num_frames: int,
                  notes: list[str]) -> torch.Tensor:
    """Return SMPL-X betas ``(10,)`` or ``(T, 10)`` from any count, recording lossy steps in ``notes``.

    More than 10 (16 in AMASS, 300 in BEAT2): the first 10 are kept (PCA order: the rest carry the least
    shape variance). Fewer: zero-padded. From SMPL/SMPL-H: the first 10 are kept as an approximation
    (different shape spaces; the exact transfer needs the licensed model files), noted.
    """
    if betas.ndim == 2 and betas.shape[0] == num_frames and np.allclose(betas, betas[:1]):
        betas = betas[0]  # constant per-frame betas: store once
    if betas.ndim not in (1, 2) or (betas.ndim == 2 and betas.shape[0] != num_frames):
        raise fail(path, key, f"has shape {betas.shape}; expected (N,) or ({num_frames}, N)")
    count = betas.shape[-1]
    if count > NUM_BETAS:
        dropped = np.abs(betas[..., NUM_BETAS:]).max()
        notes.append(f"betas: kept the first {NUM_BETAS} of {count} (largest dropped |beta| = {dropped:.3g})")
        betas = betas[..., :NUM_BETAS]
    elif count < NUM_BETAS:
        notes.append(f"betas: {count} given, zero-padded to {NUM_BETAS}")
        betas = np.concatenate([betas, np.zeros((*betas.shape[:-1], NUM_BETAS - count))], axis=-1)
    if source_model != "smplx":
        notes.append(f"betas: {source_model.upper()} shape coefficients used as SMPL-X betas "
                     "(approximate body shape)")
    return torch.from_numpy(betas.astype(np.float32))


def read_betas(data: Mapping[str, Any], key: str, path: Path, source_model: str, num_frames: int,
               notes: list[str]) -> torch.Tensor:
    """Return SMPL-X betas from ``data[key]`` (see ``convert_betas``); zeros, noted, when absent."""
    if key not in data:
        notes.append(f"betas: no {key!r} field; using the mean shape (zeros)")
        return torch.zeros(NUM_BETAS)
    return convert_betas(numeric_array(data, key, path), path, key, source_model, num_frames, notes)


def read_fps(data: Mapping[str, Any], keys: tuple[str, ...], path: Path, default: float,
             override: float | None, notes: list[str]) -> float:
    """Return the frame rate: ``override``, else the first present key, else ``default`` (noted)."""
    if override is not None:
        value, key = float(override), "fps argument"
    else:
        key = next((k for k in keys if k in data), None)
        if key is None:
            notes.append(f"fps: not in file (looked for {', '.join(keys)}); assumed {default:g}")
            return default
        value = float(numeric_array(data, key, path).reshape(-1)[0])
    if not (math.isfinite(value) and value > 0):
        raise fail(path, key, f"frame rate {value} is not a positive number")
    # AMASS stores rates like 120.00004577636719 (float32 noise): snap to the integer.
    return float(round(value)) if abs(value - round(value)) < 1e-3 else value


def make_motion(path: Path, orient: np.ndarray, body_pose: np.ndarray, betas: torch.Tensor,
                transl: np.ndarray | None, fps: float, notes: list[str]) -> Motion:
    """Assemble a ``Motion`` from (T, 3), (T, 63), betas, (T, 3) or None (zero translation, noted)."""
    num_frames = orient.shape[0]
    if transl is None:
        notes.append("transl: not in file; set to zero (the body stays in place)")
        transl = np.zeros((num_frames, 3))
    check_frames(path, {"global orientation": orient, "body pose": body_pose, "translation": transl})
    as_tensor = lambda a: torch.from_numpy(np.ascontiguousarray(a, dtype=np.float32))  # noqa: E731
    return Motion(global_orient=as_tensor(orient), body_pose=as_tensor(body_pose), betas=betas,
                  transl=as_tensor(transl), fps=fps)


def warn_notes(result: ImportedMotion, path: Path) -> None:
    """Emit one ``UserWarning`` listing the lossy/assumed steps of an import, if any."""
    if result.notes:
        warnings.warn(f"{path} ({result.format}): " + "; ".join(result.notes), UserWarning, stacklevel=3)
