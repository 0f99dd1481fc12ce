"""Meshcapade ``.smpl`` files (the ``smplcodec`` format; https://github.com/Meshcapade/smplcodec).

A ``.smpl`` file is an npz of camelCase fields: ``smplVersion`` (0 SMPL, 1 SMPL-H, 2 SMPL-X, 3 SUPR,
4 SMPL++, 5 SKEL), ``gender`` (0 neutral, 1 male, 2 female), ``shapeParameters (B,)``, ``frameCount``,
``frameRate``, ``bodyTranslation (T, 3)``, ``bodyPose (T, 22, 3)`` (pelvis..right wrist: root first; SMPL
has 24 joints) and optional head/hand poses (dropped). A single pose has no translation or frame rate.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from unimo.data.importers.common import (
    ImportedMotion,
    MotionFormatError,
    fail,
    frames_array,
    make_motion,
    numeric_array,
    read_betas,
    read_fps,
    read_gender,
)

SOURCE_MODELS = {0: "smpl", 1: "smplh", 2: "smplx"}
UNSUPPORTED = {3: "SUPR", 4: "SMPL++", 5: "SKEL"}


def read_smplcodec(data: Mapping[str, Any], path: Path, fps: float | None = None) -> ImportedMotion:
    """Read a ``.smpl`` (smplcodec) SMPL/SMPL-H/SMPL-X body motion; hands and face are dropped."""
    version = int(numeric_array(data, "smplVersion", path).reshape(-1)[0]) if "smplVersion" in data else 2
    if version in UNSUPPORTED:
        raise fail(path, "smplVersion", f"{version} ({UNSUPPORTED[version]}) is not supported; "
                   "expected 0 (SMPL), 1 (SMPL-H) or 2 (SMPL-X)")
    if version not in SOURCE_MODELS:
        raise fail(path, "smplVersion", f"unknown value {version}; expected 0, 1 or 2")
    source_model = SOURCE_MODELS[version]
    pose = frames_array(data, "bodyPose", path, (72,) if source_model == "smpl" else (66,))
    notes = ["pose: SMPL hand joints 22-23 dropped"] if source_model == "smpl" else []
    transl = frames_array(data, "bodyTranslation", path, (3,)) if "bodyTranslation" in data else None
    if "frameCount" in data and int(numeric_array(data, "frameCount", path).reshape(-1)[0]) != pose.shape[0]:
        raise MotionFormatError(f"{path}: frameCount disagrees with bodyPose ({pose.shape[0]} frames)")
    single = pose.shape[0] == 1
    rate = read_fps(data, ("frameRate",), path, 30.0, fps, [] if single else notes)
    betas = read_betas(data, "shapeParameters", path, source_model, pose.shape[0], notes)
    motion = make_motion(path, pose[:, :3], pose[:, 3:66], betas, transl, rate, notes)
    return ImportedMotion(motion, "smplcodec", source_model, read_gender(data), notes)
