"""SMPL-X parameter dicts: unimo's own ``Motion`` npz, GVHMR results and similar ``global_orient/body_pose``
dicts (one person, T frames).

- unimo: ``global_orient (T, 3)``, ``body_pose (T, 63)``, ``betas (10,)|(T, 10)``, ``transl (T, 3)``, ``fps``
  (written by ``Motion.save``).
- GVHMR (https://github.com/zju3dv/GVHMR) ``hmr4d_results.pt``: ``smpl_params_global`` and
  ``smpl_params_incam``, dicts of tensors ``body_pose (L, 63)``, ``betas (L, 10)``, ``global_orient (L, 3)``,
  ``transl (L, 3)`` (SMPL-X). The world-grounded, gravity-aligned (y-up) ``global`` set is read by default.
  GVHMR runs at 30 fps and stores no rate: 30 is assumed.
- Other dicts with the same keys; a ``body_pose`` of width 69 is taken as SMPL (hand joints dropped).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from unimo.data.importers.common import (
    ImportedMotion,
    MotionFormatError,
    frames_array,
    make_motion,
    read_betas,
    read_fps,
    read_gender,
)

GVHMR_FPS = 30.0


def read_params(data: Mapping[str, Any], path: Path, fps: float | None = None, fmt: str | None = None,
                default_fps: float = 30.0) -> ImportedMotion:
    """Read a dict of SMPL-X (or SMPL) parameter arrays keyed like ``smplx.SMPLX.forward``."""
    fmt = fmt or ("unimo" if "fps" in data else "smplx_params")
    notes: list[str] = []
    body = frames_array(data, "body_pose", path, (63, 69))
    source_model = "smplx" if body.shape[1] == 63 else "smpl"
    if source_model == "smpl":
        notes.append("pose: body_pose has 23 joints (SMPL); hand joints 22-23 dropped")
    orient = frames_array(data, "global_orient", path, (3,))
    transl = frames_array(data, "transl", path, (3,)) if "transl" in data else None
    rate = read_fps(data, ("fps", "frame_rate", "mocap_frame_rate"), path, default_fps, fps, notes)
    betas = read_betas(data, "betas", path, source_model, orient.shape[0], notes)
    motion = make_motion(path, orient, body[:, :63], betas, transl, rate, notes)
    return ImportedMotion(motion, fmt, source_model, read_gender(data), notes)


def read_gvhmr(data: Mapping[str, Any], path: Path, fps: float | None = None,
               frame: str = "global") -> ImportedMotion:
    """Read GVHMR results; ``frame`` picks ``"global"`` (world, y-up) or ``"incam"`` (camera) parameters."""
    key = f"smpl_params_{frame}"
    if frame not in ("global", "incam"):
        raise ValueError(f"GVHMR frame must be 'global' or 'incam', got {frame!r}")
    params = data.get(key)
    if not isinstance(params, Mapping):
        present = sorted(k for k in data if str(k).startswith("smpl_params"))
        raise MotionFormatError(f"{path}: field {key!r}: missing or not a dict (GVHMR results have "
                                f"smpl_params_global/smpl_params_incam; found {present})")
    # Errors then name the nested dict: "results.pt[smpl_params_global]: field 'body_pose': ..."
    result = read_params(params, Path(f"{path}[{key}]"), fps, "gvhmr", GVHMR_FPS)
    result.notes = [n.replace("fps: not in file", "fps: GVHMR stores none") for n in result.notes]
    return result
