"""Shared fixtures: paths to shipped fixtures and to the optional real samples in ../shared."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import torch

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures"
# Real research-only samples live beside the checkout, never inside it (licence);
# override with UNIMO_REAL_DATA.
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
        pytest.skip(f"real samples not found at {REAL_DATA} (set UNIMO_REAL_DATA); "
                    "they are research-only and not shipped")
    return REAL_DATA


@pytest.fixture(scope="session")
def tiny_shards(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny synthetic shard folder (generated once per test process)."""
    from unimo.data.shards.synth import SynthSpec, synthesize

    out = tmp_path_factory.mktemp("tiny_shards")
    synthesize(out, SynthSpec(num_clips=12, num_frames=24, size=32, fps=20.0, seed=0), progress=False)
    return out


@pytest.fixture(scope="session")
def tiny_joint_checkpoint(tmp_path_factory: pytest.TempPathFactory, tiny_shards: Path) -> Path:
    """A JointTask checkpoint with tiny untrained tokenizers and backbone, after 2 real training steps."""
    import lightning as L

    from unimo.backbones import BACKBONES
    from unimo.data.datamodules import WebDatasetDataModule
    from unimo.tasks.joint import JointTask
    from unimo.tokenizers import TOKENIZERS

    torch.manual_seed(0)
    task = JointTask(
        backbone=BACKBONES.build("GPTBackbone", vocab_sizes={"special": 16, "video": 200, "motion": 32},
                                 dim=32, num_layers=2, num_heads=2),
        video_tokenizer=TOKENIZERS.build("CausalVideoTokenizer", channels=8, channel_mult=[1, 2, 2, 2],
                                         levels=[8, 5, 5], height=32, width=32),
        motion_tokenizer=TOKENIZERS.build("MotionVQVAETokenizer", codebook_size=32, code_dim=8, scale=2,
                                          width=16, depth=1),
        warmup_steps=1)
    data = WebDatasetDataModule(data_dir=str(tiny_shards), batch_size=2, num_workers=0, num_frames=17,
                                resampled=True, epoch_length=4)
    folder = tmp_path_factory.mktemp("joint_ckpt")
    trainer = L.Trainer(accelerator="cpu", max_steps=2, limit_val_batches=0, logger=False,
                        enable_checkpointing=False, enable_progress_bar=False, enable_model_summary=False,
                        default_root_dir=folder)
    trainer.fit(task, datamodule=data)
    trainer.save_checkpoint(folder / "joint.ckpt")
    return folder / "joint.ckpt"


@pytest.fixture(scope="session")
def tokenizers(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Tiny exported tokenizers (``token_samples.export_tiny_tokenizers``): video, motion, motion_other."""
    from token_samples import export_tiny_tokenizers

    return export_tiny_tokenizers(tmp_path_factory.mktemp("tokenizers"))


@pytest.fixture(scope="session")
def token_dir(tmp_path_factory: pytest.TempPathFactory, tiny_shards: Path,
              tokenizers: dict[str, Path]) -> Path:
    """Token shards of ``tiny_shards`` (12 clips of 24 frames) made with ``tokenizers``; stride 4 gives
    windows at frames 0 and 4 (2 per shard). Read-only: tests that write make their own."""
    from token_samples import make_token_shards

    return make_token_shards(tmp_path_factory.mktemp("tokens") / "tokens", tiny_shards, tokenizers, stride=4)
