"""One shard sample: the four members of a clip and their byte encodings.

A sample is stored in a tar shard (webdataset layout, members named ``<key>.<member>``) as

- ``video.mp4``   H.264 video, uint8 RGB frames (``unimo.render.video_io``);
- ``motion.npz``  SMPL-X parameters in the ``Motion.save`` layout (float32, read back bit-exact);
- ``camera.json`` the camera that filmed the clip (``Camera.to_json()`` of the generator; ``null`` when
  unknown, e.g. packed real videos);
- ``meta.json``   free-form facts plus ``num_frames``, ``fps``, ``height``, ``width`` (used by ``inspect``).

Every encoding but the video's is deterministic (fixed zip timestamps, sorted JSON keys), so writing the same
clip twice gives the same bytes. The video is encoded by single-threaded x264, which usually repeats its
bytes too but not always (a 2-core CI run and a threaded stress run both saw the same frames encode
differently); its frames agree within coding noise.
"""

from __future__ import annotations

import io
import json
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch

from unimo.body.motion import Motion
from unimo.render.video_io import encode_video_bytes

VIDEO, MOTION, CAMERA, META = "video.mp4", "motion.npz", "camera.json", "meta.json"
MEMBERS = (VIDEO, MOTION, CAMERA, META)
# webdataset splits a member name at the first dot of its basename: keys must not contain dots or slashes.
_KEY = re.compile(r"[A-Za-z0-9_\-]+")
_ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)
MOTION_FIELDS = ("global_orient", "body_pose", "betas", "transl")
# The header ``np.lib.format.write_array`` writes for a C-order array of a plain numeric dtype (.npy 1.0).
_NPY_HEADER = re.compile(
    rb"\{'descr': '([<>|][a-z]\d+)', 'fortran_order': False, 'shape': \(([\d, ]*)\), \} *\n")


@dataclass
class ClipSample:
    """A clip to store: frames, the motion of the person in them, and how they were filmed.

    Attributes:
        key: Unique clip id (letters, digits, ``_`` and ``-``); the sample key in the shard.
        frames: uint8 ``(T, H, W, 3)`` RGB.
        motion: ``T`` frames of SMPL-X parameters at the video's frame rate.
        camera: JSON-serialisable camera description, or None when unknown.
        meta: Free-form JSON-serialisable facts (generator seed, source file, ...).
    """

    key: str
    frames: np.ndarray
    motion: Motion
    camera: Any = None
    meta: dict[str, Any] = field(default_factory=dict)


def check_key(key: str) -> str:
    """Return ``key`` if it is a valid sample key, else raise naming it."""
    if not _KEY.fullmatch(key):
        raise ValueError(f"sample key {key!r}: use only letters, digits, '_' and '-' (no dots or slashes)")
    return key


def sanitize_key(name: str) -> str:
    """Turn a file stem into a valid sample key (other characters become ``_``)."""
    return re.sub(r"[^A-Za-z0-9_\-]", "_", name) or "_"


def encode_sample(clip: ClipSample, crf: int = 18, preset: str = "medium") -> dict[str, bytes | str]:
    """Encode a clip into the dict ``webdataset.TarWriter`` writes (``__key__`` plus one entry per member)."""
    t, h, w, _ = clip.frames.shape
    if clip.motion.num_frames != t:
        raise ValueError(f"clip {clip.key}: video has {t} frames but motion has {clip.motion.num_frames}")
    meta = {**clip.meta, "num_frames": t, "fps": float(clip.motion.fps), "height": h, "width": w}
    return {
        "__key__": check_key(clip.key),
        VIDEO: encode_video_bytes(clip.frames, clip.motion.fps, crf=crf, preset=preset),
        MOTION: motion_to_npz_bytes(clip.motion),
        CAMERA: json_bytes(clip.camera),
        META: json_bytes(meta),
    }


def motion_to_npz_bytes(motion: Motion) -> bytes:
    """Serialise a motion in the ``Motion.save`` layout, with fixed zip timestamps for reproducible bytes."""
    arrays = {name: getattr(motion, name).detach().cpu().numpy().astype(np.float32)
              for name in MOTION_FIELDS}
    arrays["fps"] = np.float32(motion.fps)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as zf:
        for name, array in arrays.items():
            with zf.open(zipfile.ZipInfo(f"{name}.npy", date_time=_ZIP_EPOCH), "w") as f:
                np.lib.format.write_array(f, np.asarray(array), allow_pickle=False)
    return buf.getvalue()


def motion_from_npz_bytes(data: bytes) -> Motion:
    """Read a motion written by ``motion_to_npz_bytes`` (or ``Motion.save``): what ``Motion.load`` returns.

    Members are parsed by ``npy_from_bytes``; numpy's header parser cost the loader 0.5 ms per clip.
    """
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        names = set(zf.namelist())
        arrays = {k: npy_from_bytes(zf.read(f"{k}.npy"))
                  for k in (*MOTION_FIELDS, "fps") if f"{k}.npy" in names}
    missing = {*MOTION_FIELDS, "fps"} - set(arrays)
    if missing:
        raise KeyError(f"motion.npz: not a unimo motion file, missing fields {sorted(missing)}")
    return Motion(**{k: torch.from_numpy(arrays[k].astype(np.float32)) for k in MOTION_FIELDS},
                  fps=float(arrays["fps"]))


def npy_from_bytes(data: bytes) -> np.ndarray:
    """Read ``.npy`` bytes (no pickles).

    The headers ``np.lib.format.write_array`` writes for plain numeric arrays are parsed here with one
    regular expression; numpy's parser (``ast.literal_eval``, 0.1 ms an array) read the rest.
    """
    if data[:8] == b"\x93NUMPY\x01\x00":  # format 1.0: magic, version, 2-byte header length
        end = 10 + int.from_bytes(data[8:10], "little")
        header = _NPY_HEADER.fullmatch(data, 10, end)
        if header:
            shape = tuple(int(n) for n in header.group(2).split(b",") if n.strip())
            count = int(np.prod(shape, dtype=np.int64))
            array = np.frombuffer(data, dtype=np.dtype(header.group(1).decode()), count=count, offset=end)
            return array.reshape(shape).copy()  # writable, like numpy's reader
    return np.lib.format.read_array(io.BytesIO(data), allow_pickle=False)


def json_bytes(value: Any) -> bytes:
    """Serialise to UTF-8 JSON with sorted keys (deterministic bytes); numpy/torch values become lists."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), default=_plain).encode("utf-8")


def _plain(value: Any) -> Any:
    if hasattr(value, "tolist"):  # numpy arrays and scalars, torch tensors
        return value.tolist()
    if isinstance(value, Path):
        return str(value)
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def camera_to_jsonable(camera: Any) -> Any:
    """Return a JSON-serialisable form of a camera: its ``to_json()`` (str or dict), a dict, or None."""
    if camera is None or isinstance(camera, dict):
        return camera
    if hasattr(camera, "to_json"):
        value = camera.to_json()
        return json.loads(value) if isinstance(value, str) else value
    raise TypeError(f"camera of type {type(camera).__name__}: expected None, a dict or an object with "
                    "to_json()")
