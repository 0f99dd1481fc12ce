"""Render a grid of shard clips with their motion drawn on top (``unimo data preview``): a quick visual check
that video, motion and camera agree.

Each tile has two square panels: the video with the motion's joints projected through the stored camera
(no overlay when the clip has no camera, e.g. packed real videos), and the skeleton alone seen by a framing
camera. Joints come from ``unimo.body.models.default_body_model()``.
"""

from __future__ import annotations

import itertools
import json
import math
from pathlib import Path

import numpy as np
import torch
from PIL import Image

from unimo.atomic import temp_beside
from unimo.body.models import default_body_model
from unimo.body.motion import Motion
from unimo.data.shards.frames import center_crop, resize_short_side
from unimo.data.shards.manifest import SPLITS, read_manifest
from unimo.data.shards.reader import TarSamples
from unimo.data.shards.sample import CAMERA, MOTION, VIDEO, motion_from_npz_bytes
from unimo.data.shards.skips import SkipReporter
from unimo.render.camera import Camera
from unimo.render.skeleton import default_camera, draw_skeleton, grid, project
from unimo.render.video_io import decode_video_bytes, write_video


def render_preview(data_dir: str | Path, out: str | Path, num_clips: int = 4, split: str = "val",
                   size: int = 128, max_frames: int | None = 64) -> Path:
    """Write a preview video (``.mp4``) or animation (``.gif``) of the first clips of a split.

    Args:
        data_dir: Shard folder.
        out: Output path; the suffix picks the format.
        num_clips: Clips to show.
        split: Split whose shards are read (all shards when the folder has no manifest).
        size: Panel height and width in pixels.
        max_frames: Show at most this many frames per clip; None shows all.
    """
    out = Path(out)
    if out.suffix.lower() not in (".mp4", ".gif"):
        raise ValueError(f"{out}: preview must end in .mp4 or .gif")
    tiles, fps = [], 30.0
    for raw in itertools.islice(_samples(Path(data_dir), split), num_clips):
        frames, fps = decode_video_bytes(raw[VIDEO], num_frames=None)
        motion = motion_from_npz_bytes(raw[MOTION])
        camera = json.loads(raw[CAMERA]) if CAMERA in raw else None
        tiles.append(_tile(frames[:max_frames], motion[:max_frames], camera, size))
    if not tiles:
        raise FileNotFoundError(f"{data_dir}: no readable clips in split {split!r}")
    video = grid(tiles, cols=max(1, math.ceil(math.sqrt(len(tiles) / 2))))  # tiles are 2:1, aim for a square
    return write_video(out, video, fps) if out.suffix.lower() == ".mp4" else _write_gif(out, video, fps)


def _samples(data_dir: Path, split: str):
    if split not in SPLITS:
        raise ValueError(f"split {split!r}: expected one of {', '.join(SPLITS)}")
    manifest = read_manifest(data_dir)
    names = manifest["splits"].get(split) if manifest and manifest.get("complete") else None
    urls = [str(data_dir / n) for n in names] if names else sorted(str(p) for p in data_dir.glob("*.tar"))
    reader = TarSamples(SkipReporter("warn"), required=(VIDEO, MOTION), wanted=(VIDEO, MOTION, CAMERA))
    return reader(urls)


def _tile(frames: np.ndarray, motion: Motion, camera: dict | None, size: int) -> np.ndarray:
    """Return ``(T, size, 2 * size, 3)``: the video (with overlay) beside the skeleton alone."""
    body = default_body_model()
    with torch.no_grad():
        joints = body.joints(motion.to_tensor()).numpy()  # (T, J, 3)
    if camera is not None:
        frames = draw_skeleton(frames, project(joints, Camera.from_dict(camera)), parents=body.parents)
    panel_camera = default_camera(motion, size)
    canvas = np.full((len(frames), size, size, 3), 24, np.uint8)  # (T, size, size, 3), dark grey
    skeleton = draw_skeleton(canvas, project(joints, panel_camera), parents=body.parents)
    return np.concatenate([_square(frames, size), skeleton], axis=2)


def _square(frames: np.ndarray, size: int) -> np.ndarray:
    video = torch.from_numpy(frames).permute(0, 3, 1, 2).float()  # (T, 3, H, W)
    video = center_crop(resize_short_side(video, size), size)
    return video.round().clamp(0, 255).to(torch.uint8).permute(0, 2, 3, 1).numpy()  # (T, size, size, 3)


def _write_gif(out: Path, video: np.ndarray, fps: float) -> Path:
    images = [Image.fromarray(frame) for frame in video]
    tmp = temp_beside(out)
    images[0].save(tmp, format="GIF", save_all=True, append_images=images[1:], duration=round(1000 / fps),
                   loop=0)
    tmp.replace(out)
    return out
