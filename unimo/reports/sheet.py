"""The sample sheet: one row per test clip, one labelled column per panel (video or rendered motion).

A panel is a video ``(T, 3, H, W)`` in ``[-1, 1]`` or an SMPL-X motion ``(T, 79)``; motions are rendered as a
plain mannequin with its skeleton (``unimo.render.skeleton.render_motion_video``). Every panel is fitted
into a ``size x size`` square so the columns line up, and the column names are written above the grid.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image, ImageDraw
from tqdm.auto import tqdm

from unimo.body.motion import NUM_CHANNELS, Motion
from unimo.render.skeleton import grid, render_motion_video

GAP = 2
LABEL_HEIGHT = 16


def video_frames(video: torch.Tensor, size: int) -> np.ndarray:
    """Fit a video ``(T, 3, H, W)`` in ``[-1, 1]`` into uint8 frames ``(T, size, size, 3)`` (letterboxed)."""
    t, _, h, w = video.shape
    scale = size / max(h, w)
    new_h, new_w = max(1, round(h * scale)), max(1, round(w * scale))
    mode = "nearest" if scale >= 1 else "area"  # crisp pixels when enlarging small test videos
    resized = F.interpolate(video.float().clamp(-1, 1), size=(new_h, new_w), mode=mode)  # (T, 3, h', w')
    out = torch.full((t, 3, size, size), -1.0)
    top, left = (size - new_h) // 2, (size - new_w) // 2
    out[:, :, top : top + new_h, left : left + new_w] = resized
    return ((out + 1) * 127.5).round().to(torch.uint8).permute(0, 2, 3, 1).numpy()


def panel_frames(panel: torch.Tensor, size: int, fps: float) -> np.ndarray:
    """Return uint8 frames ``(T, size, size, 3)`` of a video panel or a rendered motion panel."""
    if panel.ndim == 4 and panel.shape[1] == 3:
        return video_frames(panel, size)
    if panel.ndim == 2 and panel.shape[1] == NUM_CHANNELS:
        return render_motion_video(Motion.from_tensor(panel.float().cpu(), fps=fps), size=size)
    raise ValueError(f"sample sheet: a panel is a video (T, 3, H, W) or a motion (T, {NUM_CHANNELS}), "
                     f"got {tuple(panel.shape)}")


def label_strip(labels: Sequence[str], size: int, gap: int = GAP) -> np.ndarray:
    """Return an ``(LABEL_HEIGHT, width, 3)`` uint8 strip naming each column of the grid."""
    width = len(labels) * (size + gap) - gap
    image = Image.new("RGB", (width, LABEL_HEIGHT), (0, 0, 0))
    draw = ImageDraw.Draw(image)
    for i, label in enumerate(labels):
        while label and draw.textlength(label) > size - 4:  # cut names that would run into the next column
            label = label[:-1]
        draw.text((i * (size + gap) + 2, 2), label, fill=(255, 255, 255))
    return np.asarray(image)


def sample_sheet(rows: Sequence[dict[str, torch.Tensor]], columns: Sequence[str], fps: float, size: int = 128,
                 progress: bool = False) -> np.ndarray:
    """Return the sheet video ``(T, H, W, 3)`` uint8: ``rows`` of panels by name, ``columns`` in order.

    A row without some column shows black there (e.g. clips past the generated ones).
    """
    cells = []
    with tqdm(total=len(rows) * len(columns), desc="report: rendering samples", disable=not progress) as bar:
        for row in rows:
            for name in columns:
                blank = np.zeros((1, size, size, 3), dtype=np.uint8)
                cells.append(panel_frames(row[name], size, fps) if name in row else blank)
                bar.update()
    tiles = grid(cells, cols=len(columns), gap=GAP)  # (T, rows*size, cols*size, 3)
    strip = np.broadcast_to(label_strip(columns, size), (len(tiles), LABEL_HEIGHT, tiles.shape[2], 3))
    return np.concatenate([strip, tiles], axis=1)


def write_gif(path: str | Path, frames: np.ndarray, fps: float) -> Path:
    """Write uint8 frames ``(T, H, W, 3)`` as a looping GIF (viewable inline in Markdown)."""
    images = [Image.fromarray(frame) for frame in frames]
    duration = max(20, round(1000 / fps))  # milliseconds per frame; browsers clamp faster GIFs
    images[0].save(path, save_all=True, append_images=images[1:], duration=duration, loop=0)
    return Path(path)
