"""JointTask trained from token shards: a real Lightning fit, the clip spec from token metadata, and refusal
of shards made by other tokenizers."""

from __future__ import annotations

from pathlib import Path

import lightning as L
import pytest
import torch
from token_samples import VIDEO_TINY, VOCAB_SIZES

from unimo.backbones import BACKBONES
from unimo.data.datamodules import TokenShardDataModule
from unimo.tasks.joint import JointTask


@pytest.fixture(autouse=True)
def _one_thread():
    """Tiny models: on the shared 2-core CI machine, 2 torch threads made this fit ~10x slower than 1."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def tiny_task(tokenizers: dict[str, Path], motion: str = "motion", **backbone_args) -> JointTask:
    torch.manual_seed(0)
    backbone = BACKBONES.build("GPTBackbone", vocab_sizes=VOCAB_SIZES, dim=32, num_layers=2, num_heads=2,
                               **backbone_args)
    return JointTask(backbone=backbone, video_tokenizer=str(tokenizers["video"]),
                     motion_tokenizer=str(tokenizers[motion]), warmup_steps=1, val_capture_batches=1,
                     val_generate_batches=1)


def fit(task: JointTask, token_dir: Path, tmp_path: Path, max_steps: int = 4) -> L.Trainer:
    data = TokenShardDataModule(str(token_dir), batch_size=4, num_workers=0, num_frames=17, resampled=True,
                                epoch_length=8)
    trainer = L.Trainer(accelerator="cpu", max_steps=max_steps, limit_val_batches=1, logger=False,
                        enable_checkpointing=False, enable_progress_bar=False, enable_model_summary=False,
                        default_root_dir=tmp_path)
    trainer.fit(task, datamodule=data)
    return trainer


def test_fit_from_token_shards_scores_capture_and_keeps_the_clip_spec(token_dir, tokenizers,
                                                                      tmp_path) -> None:
    task = tiny_task(tokenizers)
    trainer = fit(task, token_dir, tmp_path)
    assert trainer.global_step == 4
    metrics = trainer.callback_metrics
    assert torch.isfinite(metrics["train/loss"]) and torch.isfinite(metrics["val/mpjpe_mm"])
    assert torch.isfinite(metrics["val/i2vm_consistency_mpjpe_mm"])
    # how much capture reads the video: the V2M loss with another clip's video minus with its own
    gain = metrics["val/V2MLayout/other_video_loss"] - metrics["val/V2MLayout/loss"]
    assert torch.allclose(metrics["val/V2MLayout/video_gain"], gain, atol=1e-5)
    assert task.clip_spec == {"num_frames": 17, "size": 32, "fps": 20.0}  # what generate/capture reuse


def test_refuses_shards_of_another_motion_tokenizer(token_dir, tokenizers, tmp_path) -> None:
    with pytest.raises(ValueError, match="token shards: made by a different motion tokenizer"):
        fit(tiny_task(tokenizers, motion="motion_other"), token_dir, tmp_path, max_steps=1)


def test_video_code_levels_embed_fsq_digits_and_must_match_the_tokenizer(token_dir, tokenizers,
                                                                         tmp_path) -> None:
    task = tiny_task(tokenizers, code_levels={"video": VIDEO_TINY["levels"]})
    before = task.backbone.embed.tables["video"].digits.weight.detach().clone()
    assert fit(task, token_dir, tmp_path, max_steps=2).global_step == 2
    assert not torch.equal(task.backbone.embed.tables["video"].digits.weight, before)  # digits were trained
    mismatch = r"code_levels\['video'\] = \[5, 5, 8\] does not match .* \[8, 5, 5\]"
    with pytest.raises(ValueError, match=mismatch):
        tiny_task(tokenizers, code_levels={"video": [5, 5, 8]})


def test_online_tokenizing_gives_the_ids_of_token_shards_under_mixed_precision(tokenizers) -> None:
    """Raw batches are tokenized in the training step, under bf16 autocast; the ids must be those an offline
    (float32) tokenization writes to token shards, or a stream-trained model is tested on other ids."""
    task = tiny_task(tokenizers)
    generator = torch.Generator().manual_seed(0)
    batch = {"video": torch.rand(4, 17, 3, 32, 32, generator=generator) * 2 - 1,
             "motion": torch.randn(4, 17, 79, generator=generator) * 0.3}
    offline = (task.video_tokenizer.encode(batch["video"]), task.motion_tokenizer.encode(batch["motion"]))
    with torch.autocast("cpu", dtype=torch.bfloat16):
        online = task.tokenize(batch)
        careless = task.video_tokenizer.encode(batch["video"])  # what tokenize did before exact_float32
    assert torch.equal(online[0], offline[0]) and torch.equal(online[1], offline[1])
    assert not torch.equal(careless, offline[0])  # bf16 does change ids: the test can fail
