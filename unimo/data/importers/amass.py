"""AMASS (SMPL-H and SMPL-X releases) and BEAT2 (SMPL-X) ``.npz`` readers.

Field layouts (https://amass.is.tue.mpg.de, https://pantomatrix.github.io/EMAGE):

- AMASS SMPL-H: ``poses (T, 156)`` = root 3 + 21 body joints 63 + 30 finger joints 90; ``trans (T, 3)``;
  ``betas (16,)``; ``mocap_framerate``; ``gender``; optional ``dmpls`` (soft tissue, ignored).
- AMASS SMPL-X: ``root_orient (T, 3)``, ``pose_body (T, 63)``, ``pose_hand``, ``pose_jaw``, ``pose_eye``,
  ``trans``, ``betas (16,)``, ``mocap_frame_rate`` (also a full ``poses (T, 165)``).
- BEAT2: ``poses (T, 165)`` = root 3 + body 63 + jaw 3 + eyes 6 + hands 90; ``trans``; ``betas (300,)``;
  ``expressions (T, 100)``; ``mocap_frame_rate``.

AMASS worlds are z-up; coordinates are kept as they are (no axis change).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from unimo.data.importers.common import (
    ImportedMotion,
    frames_array,
    make_motion,
    read_betas,
    read_fps,
    read_gender,
)

FPS_KEYS = ("mocap_framerate", "mocap_frame_rate", "frameRate", "fps")
# smplcodec's from_amass_npz assumes 60 fps when an AMASS-style file has no rate; so do we (noted).
DEFAULT_AMASS_FPS = 60.0


def _translation(data: Mapping[str, Any], path: Path) -> np.ndarray | None:
    key = next((k for k in ("trans", "transl") if k in data), None)
    return None if key is None else frames_array(data, key, path, (3,))


def _finish(data: Mapping[str, Any], path: Path, fps: float | None, fmt: str, source_model: str,
            orient: np.ndarray, body: np.ndarray, notes: list[str],
            default_fps: float = DEFAULT_AMASS_FPS) -> ImportedMotion:
    """Add frame rate, betas and translation to the (T, 3) orientation and (T, 63) body pose."""
    rate = read_fps(data, FPS_KEYS, path, default_fps, fps, notes)
    betas = read_betas(data, "betas", path, source_model, orient.shape[0], notes)
    motion = make_motion(path, orient, body, betas, _translation(data, path), rate, notes)
    return ImportedMotion(motion, fmt, source_model, read_gender(data), notes)


def read_amass_smplh(data: Mapping[str, Any], path: Path, fps: float | None = None) -> ImportedMotion:
    """Read an AMASS SMPL-H file: root and 21 body joints kept, 30 finger joints dropped."""
    poses = frames_array(data, "poses", path, (156,))
    notes = ["pose: SMPL-H finger joints dropped (body joints 1-21 are SMPL-X's)"]
    return _finish(data, path, fps, "amass_smplh", "smplh", poses[:, :3], poses[:, 3:66], notes)


def read_amass_smplx(data: Mapping[str, Any], path: Path, fps: float | None = None) -> ImportedMotion:
    """Read an AMASS SMPL-X file (separate ``root_orient``/``pose_body`` fields); hands, face dropped."""
    orient = frames_array(data, "root_orient", path, (3,))
    body = frames_array(data, "pose_body", path, (63,))
    return _finish(data, path, fps, "amass_smplx", "smplx", orient, body, [])


def read_smplx_poses(data: Mapping[str, Any], path: Path, fps: float | None = None) -> ImportedMotion:
    """Read a full SMPL-X pose array ``poses (T, 165)`` (BEAT2, AMASS SMPL-X); hands and face dropped."""
    poses = frames_array(data, "poses", path, (165,))
    fmt = "beat2" if "expressions" in data or "expression" in data else "smplx_poses"
    default = 30.0 if fmt == "beat2" else DEFAULT_AMASS_FPS  # BEAT2 is captured/released at 30 fps
    return _finish(data, path, fps, fmt, "smplx", poses[:, :3], poses[:, 3:66], [], default)
