"""One entry point for every motion file format: detect by fields, read, convert to SMPL-X ``Motion``."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from unimo.body.motion import Motion
from unimo.data.importers.amass import read_amass_smplh, read_amass_smplx, read_smplx_poses
from unimo.data.importers.common import ImportedMotion, MotionFormatError, warn_notes
from unimo.data.importers.container import read_container
from unimo.data.importers.params import read_gvhmr, read_params
from unimo.data.importers.smpl import read_aistpp, read_smpl_poses
from unimo.data.importers.smplcodec import read_smplcodec

Reader = Callable[[Mapping[str, Any], Path, "float | None"], ImportedMotion]
# Detection order matters: the first whose fields match wins.
FORMATS: dict[str, str] = {
    "gvhmr": "GVHMR results .pt (smpl_params_global / smpl_params_incam)",
    "smplcodec": "Meshcapade .smpl (smplcodec: bodyPose, bodyTranslation, shapeParameters, frameRate)",
    "unimo": "unimo Motion npz (global_orient, body_pose, betas, transl, fps)",
    "smplx_params": "SMPL-X parameter dict (global_orient, body_pose, transl, betas)",
    "aistpp": "AIST++ (smpl_poses (T, 72), smpl_trans, smpl_scaling)",
    "amass_smplx": "AMASS SMPL-X npz (root_orient, pose_body (T, 63), trans, betas, mocap_frame_rate)",
    "amass_smplh": "AMASS SMPL-H npz (poses (T, 156), trans, betas (16,), mocap_framerate)",
    "smplx_poses": "SMPL-X full pose (poses (T, 165), e.g. BEAT2 or AMASS SMPL-X; 'beat2' with expressions)",
    "smpl": "plain SMPL (poses (T, 72), trans) in pkl or npz",
}
_POSES_WIDTH = {156: "amass_smplh", 165: "smplx_poses", 72: "smpl"}
# The fields each format is recognised by: a file that has most of one names the rest as missing.
SIGNATURES: dict[str, tuple[str, ...]] = {
    "unimo": ("global_orient", "body_pose", "betas", "transl", "fps"),
    "smplx_params": ("global_orient", "body_pose", "transl", "betas"),
    "aistpp": ("smpl_poses", "smpl_trans", "smpl_scaling"),
    "amass_smplx": ("root_orient", "pose_body", "trans", "betas", "mocap_frame_rate"),
    "amass_smplh": ("poses", "trans", "betas", "mocap_framerate"),
    "smplcodec": ("bodyPose", "bodyTranslation", "shapeParameters", "frameRate"),
}


def detect_format(data: Mapping[str, Any], path: str | Path = "<data>") -> str:
    """Return the format name (a key of ``FORMATS``) of a file's raw fields; the error lists the formats."""
    keys = set(map(str, data))
    if keys & {"smpl_params_global", "smpl_params_incam"}:
        return "gvhmr"
    if keys & {"bodyPose", "smplVersion", "codecVersion"}:
        return "smplcodec"
    if {"global_orient", "body_pose"} <= keys:
        return "unimo" if "fps" in keys else "smplx_params"
    if "smpl_poses" in keys:
        return "aistpp"
    if {"root_orient", "pose_body"} <= keys:
        return "amass_smplx"
    if "poses" in keys:
        shape = getattr(data["poses"], "shape", ())
        width = shape[-1] if len(shape) == 2 else None
        if width in _POSES_WIDTH:
            return _POSES_WIDTH[width]
        raise MotionFormatError(f"{path}: field 'poses' has shape {tuple(shape)}; expected (T, 156) SMPL-H, "
                                "(T, 165) SMPL-X or (T, 72) SMPL")
    known = "\n  ".join(f"{name}: {text}" for name, text in FORMATS.items())
    raise MotionFormatError(f"{path}: unknown motion format (fields: {sorted(keys)}){closest_format(keys)}. "
                            f"Known formats:\n  {known}")


def closest_format(keys: set[str]) -> str:
    """Return ``"; closest: NAME, missing field(s) ..."`` for the format whose fields ``keys`` mostly has."""
    share = {name: len(keys & set(fields)) / len(fields) for name, fields in SIGNATURES.items()}
    name = max(share, key=share.__getitem__)
    if share[name] < 0.5:
        return ""
    missing = [field for field in SIGNATURES[name] if field not in keys]
    return f"; closest: {name} ({FORMATS[name]}), missing field(s) {', '.join(map(repr, missing))}"


_READERS: dict[str, Reader] = {
    "gvhmr": read_gvhmr, "smplcodec": read_smplcodec, "unimo": read_params, "smplx_params": read_params,
    "aistpp": read_aistpp, "amass_smplx": read_amass_smplx, "amass_smplh": read_amass_smplh,
    "smplx_poses": read_smplx_poses, "smpl": read_smpl_poses,
}


def read_motion_file(path: str | Path, fps: float | None = None) -> ImportedMotion:
    """Read any supported motion file into an ``ImportedMotion`` (motion + format, gender, notes).

    Args:
        path: The file (``.npz``, ``.smpl``, ``.pkl``, ``.pt``).
        fps: The source frame rate, overriding the file's (use it when the file has none).
    """
    path = Path(path)
    data = read_container(path)
    return _READERS[detect_format(data, path)](data, path, fps)


def load_motion(path: str | Path, target_fps: float | None = None, fps: float | None = None) -> Motion:
    """Load a motion file of any supported format as an SMPL-X ``Motion``.

    Lossy or assumed steps (dropped hands, betas conversion, assumed frame rate, missing translation) are
    reported in one ``UserWarning``; use ``read_motion_file`` to get them as data.

    Args:
        path: The file: AMASS SMPL-H/SMPL-X npz, BEAT2 npz, GVHMR ``.pt``, AIST++/SMPL ``.pkl``/npz,
            Meshcapade ``.smpl``, or a unimo ``Motion`` npz.
        target_fps: Resample to this frame rate (slerp for rotations); ``None`` keeps the file's.
        fps: The source frame rate, overriding the file's (use it when the file has none).

    Returns:
        The motion, at ``target_fps`` when given.
    """
    result = read_motion_file(path, fps)
    warn_notes(result, Path(path))
    motion = result.motion
    if target_fps is not None and abs(target_fps - motion.fps) > 1e-9:
        motion = motion.resample(target_fps)
    return motion
