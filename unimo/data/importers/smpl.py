"""Plain SMPL pose arrays ``(T, 72)`` (pkl/npz) and AIST++ motion files.

- Plain SMPL: ``poses (T, 72)`` = root 3 + 23 joints x 3; ``trans``/``transl (T, 3)``; optional ``betas``,
  ``gender`` and a frame rate (``mocap_framerate``, ``fps``, ...; 30 assumed otherwise, noted).
- AIST++ (https://google.github.io/aistplusplus_dataset): ``smpl_poses (T, 72)``, ``smpl_trans (T, 3)``
  and ``smpl_scaling (1,)``; translation in metres is ``smpl_trans / smpl_scaling`` (as the AIST++ tools
  and EDGE/Bailando do). No betas (mean shape). Motions are 60 fps.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from unimo.data.importers.common import (
    ImportedMotion,
    fail,
    frames_array,
    make_motion,
    numeric_array,
    read_betas,
    read_fps,
    read_gender,
)

FPS_KEYS = ("mocap_framerate", "mocap_frame_rate", "fps", "frame_rate", "framerate")
SMPL_HAND_NOTE = "pose: SMPL hand joints 22-23 dropped (body joints 1-21 are SMPL-X's)"


def _smpl_motion(data: Mapping[str, Any], path: Path, poses: np.ndarray, transl: np.ndarray | None,
                 rate: float, fmt: str, notes: list[str]) -> ImportedMotion:
    betas = read_betas(data, "betas", path, "smpl", poses.shape[0], notes)
    motion = make_motion(path, poses[:, :3], poses[:, 3:66], betas, transl, rate, notes)
    return ImportedMotion(motion, fmt, "smpl", read_gender(data), notes)


def read_smpl_poses(data: Mapping[str, Any], path: Path, fps: float | None = None) -> ImportedMotion:
    """Read ``poses (T, 72)`` SMPL parameters; the two SMPL hand joints are dropped."""
    notes = [SMPL_HAND_NOTE]
    poses = frames_array(data, "poses", path, (72,))
    key = next((k for k in ("trans", "transl") if k in data), None)
    transl = None if key is None else frames_array(data, key, path, (3,))
    rate = read_fps(data, FPS_KEYS, path, 30.0, fps, notes)
    return _smpl_motion(data, path, poses, transl, rate, "smpl", notes)


def read_aistpp(data: Mapping[str, Any], path: Path, fps: float | None = None) -> ImportedMotion:
    """Read an AIST++ motion (``smpl_poses``, ``smpl_trans``, ``smpl_scaling``) at 60 fps."""
    notes = [SMPL_HAND_NOTE]
    poses = frames_array(data, "smpl_poses", path, (72,))
    transl = frames_array(data, "smpl_trans", path, (3,))
    scaling = numeric_array(data, "smpl_scaling", path).reshape(-1) if "smpl_scaling" in data else np.ones(1)
    if scaling.size != 1 or not scaling[0] > 0:
        raise fail(path, "smpl_scaling", f"expected one positive number, got {scaling.tolist()}")
    rate = 60.0 if fps is None else read_fps(data, (), path, 60.0, fps, notes)  # AIST++ is 60 fps
    return _smpl_motion(data, path, poses, transl / scaling[0], rate, "aistpp", notes)
