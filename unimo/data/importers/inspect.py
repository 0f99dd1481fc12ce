"""Human-readable summary of a motion file: format, frames, fps, duration, value ranges, import notes."""

from __future__ import annotations

from pathlib import Path

import torch

from unimo.data.importers.loader import FORMATS, read_motion_file


def _range(x: torch.Tensor) -> str:
    return f"[{x.min().item():+.3f}, {x.max().item():+.3f}]"


def _angles(axis_angle: torch.Tensor) -> torch.Tensor:
    return axis_angle.reshape(*axis_angle.shape[:-1], -1, 3).norm(dim=-1)  # (T, K) radians


def inspect_motion_file(path: str | Path) -> str:
    """Return a multi-line summary of a motion file (any format ``load_motion`` reads)."""
    result = read_motion_file(path)
    m = result.motion
    duration = (m.num_frames - 1) / m.fps if m.num_frames > 1 else 0.0
    path_length = (m.transl[1:] - m.transl[:-1]).norm(dim=-1).sum().item()
    betas = "constant (10,)" if m.betas.ndim == 1 else "per frame (T, 10)"
    lines = [
        f"file:      {path}",
        f"format:    {result.format} - {FORMATS[result.format]}",
        f"source:    {result.source_model.upper()} parameters, gender {result.gender}",
        f"frames:    {m.num_frames} at {m.fps:g} fps ({duration:.3f} s)",
        f"transl:    x {_range(m.transl[:, 0])}  y {_range(m.transl[:, 1])}  z {_range(m.transl[:, 2])} m; "
        f"path length {path_length:.3f} m",
        f"orient:    angle {_range(_angles(m.global_orient))} rad",
        f"body pose: joint angles {_range(_angles(m.body_pose))} rad, "
        f"mean {_angles(m.body_pose).mean():.3f} rad",
        f"betas:     {betas}, values {_range(m.betas)}",
    ]
    lines += [f"note:      {note}" for note in result.notes]
    return "\n".join(lines)
