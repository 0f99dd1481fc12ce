"""Plots are PNGs of a fixed pixel size that show the data (bars differ in height, lines are drawn)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from unimo.reports.plots import DPI, FIGSIZE, over_time_plot, per_joint_plot


def _pixels(path: Path) -> np.ndarray:
    return np.asarray(Image.open(path).convert("RGB")).astype(int)


def test_per_joint_plot_size_and_bars(tmp_path: Path) -> None:
    path = per_joint_plot(tmp_path / "joints.png", [10.0, 40.0, 20.0], ["a", "b", "c"])
    pixels = _pixels(path)
    assert pixels.shape == (FIGSIZE[1] * DPI, FIGSIZE[0] * DPI, 3)
    blue = (np.abs(pixels - [31, 119, 180]).sum(-1) < 30)  # matplotlib's tab:blue bars
    columns = blue.sum(0)  # bar height per pixel column
    heights = sorted({int(h) for h in columns if h > 0})
    assert len(heights) >= 3 and heights[-1] > 3 * heights[0] * 0.9  # 40 vs 10: four times taller


def test_over_time_plot_one_panel_per_series(tmp_path: Path) -> None:
    one = over_time_plot(tmp_path / "one.png", {"mpjpe_mm": [1.0, 3.0, 2.0]}, fps=20.0)
    two = over_time_plot(tmp_path / "two.png", {"mpjpe_mm": [1.0, 3.0], "psnr_db": [20.0, 25.0]})
    assert _pixels(one).shape[:2] == (FIGSIZE[1] * DPI, FIGSIZE[0] * DPI)
    assert _pixels(two).shape[0] > _pixels(one).shape[0]
    with pytest.raises(ValueError, match="no series"):
        over_time_plot(tmp_path / "none.png", {})


def test_per_joint_plot_checks_names(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="2 errors for 3 joint names"):
        per_joint_plot(tmp_path / "x.png", [1.0, 2.0], ["a", "b", "c"])
