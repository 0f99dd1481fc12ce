"""``inspect_motion_file`` and the ``unimo data inspect-motion`` subcommand print the facts of a file."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from unimo.commands import SUBCOMMANDS
from unimo.commands.motion_inspect import inspect_motion
from unimo.data.importers import inspect_motion_file


def test_summary_states_format_frames_fps_duration_and_ranges(fixtures_dir: Path) -> None:
    path = fixtures_dir / "motions" / "amass_smplh.npz"
    text = inspect_motion_file(path)
    trans = np.load(path)["trans"]
    assert "format:    amass_smplh" in text
    assert "source:    SMPLH parameters, gender male" in text
    assert "frames:    4 at 120 fps (0.025 s)" in text
    assert f"x [{trans[:, 0].min():+.3f}, {trans[:, 0].max():+.3f}]" in text
    assert "note:      betas: kept the first 10 of 16" in text


def test_subcommand_prints_the_summary(fixtures_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert SUBCOMMANDS["data inspect-motion"] is inspect_motion
    inspect_motion(str(fixtures_dir / "motions" / "gvhmr_results.pt"))
    out = capsys.readouterr().out
    assert "format:    gvhmr" in out and "frames:    4 at 30 fps (0.100 s)" in out
