"""Sample sheet: panels fitted into labelled squares, motions rendered, GIF written frame by frame."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from unimo.reports.sheet import GAP, LABEL_HEIGHT, sample_sheet, video_frames, write_gif


def test_video_frames_letterbox_and_value_mapping() -> None:
    video = torch.full((2, 3, 4, 8), -1.0)  # wide: 4 high, 8 wide
    video[:, 0] = 1.0  # pure red
    frames = video_frames(video, size=16)  # scaled x2 to 8 x 16, centred vertically
    assert frames.shape == (2, 16, 16, 3) and frames.dtype == np.uint8
    assert (frames[:, 4:12, :, 0] == 255).all() and (frames[:, 4:12, :, 1:] == 0).all()
    assert (frames[:, :4] == 0).all() and (frames[:, 12:] == 0).all()  # black bars


def test_sheet_layout_missing_cells_are_black_and_motion_is_rendered() -> None:
    grey = torch.zeros(5, 3, 8, 8)  # value 0 -> 128 grey
    still = torch.zeros(5, 79)  # T-pose at the origin
    rows = [{"input": grey, "motion": still}, {"input": grey}]  # second clip has no motion panel
    sheet = sample_sheet(rows, ["input", "motion"], fps=10.0, size=32)
    assert sheet.shape == (5, LABEL_HEIGHT + 2 * 32 + GAP, 2 * 32 + GAP, 3)
    top = LABEL_HEIGHT
    assert (sheet[:, top : top + 32, :32] == 128).all()  # input panel: the grey video
    assert (sheet[:, top + 32 + GAP :, 32 + GAP :] == 0).all()  # absent cell: black
    rendered = sheet[:, top : top + 32, 32 + GAP :]
    assert rendered.std() > 10  # a person on a checker floor, not a flat colour
    assert sheet[0, :LABEL_HEIGHT].max() > 200  # white (anti-aliased) label text


def test_bad_panel_shape_is_named() -> None:
    with pytest.raises(ValueError, match=r"\(T, 79\)"):
        sample_sheet([{"x": torch.zeros(4, 5)}], ["x"], fps=10.0, size=16)


def test_gif_keeps_frames_size_and_rate(tmp_path: Path) -> None:
    frames = np.zeros((3, 10, 12, 3), dtype=np.uint8)
    frames[1] = 255
    write_gif(tmp_path / "a.gif", frames, fps=10.0)
    image = Image.open(tmp_path / "a.gif")
    assert image.size == (12, 10) and image.n_frames == 3 and image.info["duration"] == 100
    image.seek(1)
    assert np.asarray(image.convert("RGB")).min() == 255
