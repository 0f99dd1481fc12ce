"""The code base passes `ruff check` with the rules in pyproject.toml (`[tool.ruff]`)."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PATHS = ["unimo", "tests", "benchmarks", "plugins"]


def test_ruff_check_passes() -> None:
    if importlib.util.find_spec("ruff") is None:
        pytest.skip('ruff is not importable; install the test extra: pip install -e ".[test]"')
    # --no-cache: leave no .ruff_cache behind in the checkout.
    command = [sys.executable, "-m", "ruff", "check", "--no-cache", "--output-format", "concise", *PATHS]
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, f"`ruff check {' '.join(PATHS)}` failed:\n{result.stdout}{result.stderr}"
