"""Shared fixtures: paths to shipped fixtures and to the optional real samples in ../shared."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import torch

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures"
# Real research-only samples live beside the checkout, never inside it (licence); override with UNIMO_REAL_DATA.
REAL_DATA = Path(os.environ.get("UNIMO_REAL_DATA", ROOT.parent / "shared" / "data" / "real"))


@pytest.fixture(autouse=True)
def _deterministic() -> None:
    torch.manual_seed(0)


@pytest.fixture
def fixtures_dir() -> Path:
    return FIXTURES


@pytest.fixture
def real_data_dir() -> Path:
    """The folder of real samples; skips the test with a reason when it is absent."""
    if not REAL_DATA.is_dir():
        pytest.skip(f"real samples not found at {REAL_DATA} (set UNIMO_REAL_DATA); they are research-only and not shipped")
    return REAL_DATA


@pytest.fixture(scope="session")
def tiny_shards(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny synthetic shard folder (generated once per test process)."""
    from unimo.data.shards.synth import SynthSpec, synthesize

    out = tmp_path_factory.mktemp("tiny_shards")
    synthesize(out, SynthSpec(num_clips=12, num_frames=24, size=32, fps=20.0, seed=0), progress=False)
    return out
