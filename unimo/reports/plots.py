"""PNG plots of a test run: error per joint (bar chart) and per-frame values over time (line plots).

Figures are drawn on matplotlib's Agg canvas directly (no pyplot), so nothing depends on a display or on
global backend state, and a figure of ``FIGSIZE`` inches at ``DPI`` is exactly that many pixels.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

FIGSIZE = (8.0, 4.0)
DPI = 100


def blank_figure(rows: int = 1) -> Figure:
    """A fixed-size figure (taller by ``FIGSIZE[1] * 0.6`` per extra row) with the Agg canvas attached."""
    height = FIGSIZE[1] + FIGSIZE[1] * 0.6 * (rows - 1)
    figure = Figure(figsize=(FIGSIZE[0], height), dpi=DPI, layout="constrained")
    FigureCanvasAgg(figure)
    return figure


def per_joint_plot(path: str | Path, errors_mm: Sequence[float], names: Sequence[str],
                   title: str = "Joint position error by joint") -> Path:
    """Write a bar chart of the root-aligned error (mm) of each named joint, with the mean as a line."""
    values = np.asarray(errors_mm, dtype=float)
    if len(values) != len(names):
        raise ValueError(f"per_joint_plot: {len(values)} errors for {len(names)} joint names")
    figure = blank_figure()
    ax = figure.add_subplot()
    ax.bar(np.arange(len(values)), values, color="tab:blue")
    ax.axhline(float(np.nanmean(values)), color="tab:red", linestyle="--",
               label=f"mean {np.nanmean(values):.1f} mm")
    ax.set_xticks(np.arange(len(values)), labels=list(names), rotation=60, ha="right", fontsize=8)
    ax.set_ylabel("error (mm)")
    ax.set_title(title)
    ax.legend(loc="upper left")
    figure.savefig(path)
    return Path(path)


def over_time_plot(path: str | Path, series: Mapping[str, Sequence[float]], fps: float | None = None,
                   title: str = "Error over time") -> Path:
    """Write one line plot per named per-frame series (e.g. ``{"mpjpe_mm": [...]}``), stacked vertically."""
    if not series:
        raise ValueError("over_time_plot: no series given")
    figure = blank_figure(rows=len(series))
    axes = figure.subplots(len(series), 1, squeeze=False)[:, 0]
    for ax, (name, values) in zip(axes, series.items(), strict=True):
        values = np.asarray(values, dtype=float)
        frames = np.arange(len(values))
        ax.plot(frames / fps if fps else frames, values, marker=".", color="tab:blue")
        ax.set_ylabel(name)
        ax.grid(alpha=0.3)
    axes[-1].set_xlabel("time (s)" if fps else "frame")
    axes[0].set_title(title)
    figure.savefig(path)
    return Path(path)
