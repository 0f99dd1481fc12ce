"""Synthetic clip stream: the clips of ``unimo data synth``, disjoint over workers, new ones every epoch."""

from __future__ import annotations

import itertools
import tarfile

import pytest
import torch
from torch.utils.data import DataLoader

from unimo.data.datamodules import SyntheticClipStream, SyntheticStreamDataModule
from unimo.data.shards.frames import frames_to_tensor
from unimo.data.shards.sample import VIDEO
from unimo.data.shards.synth import SynthSpec, synth_sample, synthesize
from unimo.render.video_io import decode_video_bytes

SPEC = SynthSpec(num_frames=5, size=32, fps=10.0, seed=4)


def test_stream_clip_is_the_synth_clip_of_that_index():
    clip = next(iter(SyntheticClipStream(SPEC, h264=False)))
    stored = synth_sample(0, SPEC)
    assert clip["key"] == stored.key
    assert torch.equal(clip["video"], frames_to_tensor(stored.frames))
    assert torch.equal(clip["motion"], stored.motion.to_tensor())
    assert clip["video"].shape == (5, 3, 32, 32) and clip["motion"].shape == (5, 79)


def test_h264_frames_match_the_stored_clip(tmp_path):
    """With ``h264`` the stream trains on the frames a shard of the same clip decodes to."""
    synthesize(tmp_path, SynthSpec(num_clips=1, num_frames=5, size=32, fps=10.0, seed=4), progress=False)
    with tarfile.open(tmp_path / "shard-000000.tar") as tar:
        frames, _ = decode_video_bytes(tar.extractfile(f"synth-0000000.{VIDEO}").read())
    streamed = next(iter(SyntheticClipStream(SPEC)))["video"]
    raw_frames = frames_to_tensor(synth_sample(0, SPEC).frames)
    stored = frames_to_tensor(frames)
    # x264 does not promise identical bytes, so allow a little; the raw render is much farther away
    assert (streamed - stored).abs().mean() < 0.1 * (raw_frames - stored).abs().mean() + 1e-6


def test_workers_draw_disjoint_clips_and_epochs_go_on():
    stream = SyntheticClipStream(SPEC, h264=False, clips_per_epoch=4)
    loader = DataLoader(stream, batch_size=2, num_workers=2, persistent_workers=True)
    epochs = [[key for batch in loader for key in batch["key"]] for _ in range(2)]
    assert sorted(epochs[0]) == [f"synth-{i:07d}" for i in range(4)]  # each worker its own indices
    assert sorted(epochs[1]) == [f"synth-{i:07d}" for i in range(4, 8)]  # the next pass: new clips


def test_datamodule_needs_workers_and_held_out_data():
    with pytest.raises(ValueError, match="num_workers"):
        SyntheticStreamDataModule(SPEC, num_workers=0)
    with pytest.raises(ValueError, match="eval_data"):
        SyntheticStreamDataModule(SPEC, num_workers=1).val_dataloader()


def test_window_is_a_seeded_crop_of_the_whole_clip():
    """Windows are cut from longer generated clips, as training windows are cut from stored clips."""
    spec = SynthSpec(num_frames=9, size=32, fps=10.0, seed=4)
    whole = next(iter(SyntheticClipStream(spec, h264=False)))
    windows = [next(iter(SyntheticClipStream(spec, h264=False, window=5))) for _ in range(2)]
    assert windows[0]["video"].shape == (5, 3, 32, 32) and windows[0]["motion"].shape == (5, 79)
    assert torch.equal(windows[0]["motion"], windows[1]["motion"])  # the start is seeded by the clip
    starts = [s for s in range(5) if torch.equal(whole["motion"][s:s + 5], windows[0]["motion"])]
    assert len(starts) == 1 and torch.equal(whole["video"][starts[0]:starts[0] + 5], windows[0]["video"])
    with pytest.raises(ValueError, match="window"):
        SyntheticClipStream(spec, window=10)


def test_joint_task_fits_on_the_stream_and_validates_on_held_out_shards(tiny_shards, tokenizers, tmp_path):
    """A real Lightning fit: fresh clips tokenized in the step, replayed, validated on a fixed shard set."""
    import lightning as L
    from token_samples import VOCAB_SIZES

    from unimo.backbones import BACKBONES
    from unimo.data.datamodules import WebDatasetDataModule
    from unimo.tasks.joint import JointTask

    torch.manual_seed(0)
    backbone = BACKBONES.build("GPTBackbone", vocab_sizes=VOCAB_SIZES, dim=32, num_layers=1, num_heads=2)
    task = JointTask(backbone=backbone, video_tokenizer=str(tokenizers["video"]),
                     motion_tokenizer=str(tokenizers["motion"]), layouts={"V2MLayout": 1.0}, warmup_steps=1,
                     val_capture_batches=1, val_generate_batches=0, capture_decoding="greedy",
                     replay={"capacity": 16, "batch_size": 4})
    held_out = WebDatasetDataModule(str(tiny_shards), batch_size=2, num_workers=0, num_frames=17,
                                    modalities=("video", "motion"))
    spec = SynthSpec(num_frames=21, size=32, fps=20.0, seed=1001)
    data = SyntheticStreamDataModule(spec, eval_data=held_out, window=17, batch_size=2, num_workers=1,
                                     epoch_length=3)
    trainer = L.Trainer(accelerator="cpu", max_steps=3, limit_val_batches=1, logger=False,
                        enable_checkpointing=False, enable_progress_bar=False, enable_model_summary=False)
    trainer.fit(task, datamodule=data)
    assert trainer.global_step == 3 and task.replay.filled == 6  # 2 fresh clips a step went into the buffer
    assert "val/mpjpe_mm" in trainer.callback_metrics and "val/V2MLayout/loss" in trainer.callback_metrics


def test_a_resumed_run_draws_other_clips(tiny_shards, tokenizers, tmp_path):
    """Resuming from a checkpoint at step n starts another stream instead of replaying the first clips."""
    import lightning as L
    from token_samples import VOCAB_SIZES

    from unimo.backbones import BACKBONES
    from unimo.tasks.joint import JointTask

    def run(max_steps: int, ckpt: str | None) -> tuple[L.Trainer, SyntheticStreamDataModule]:
        torch.manual_seed(0)
        backbone = BACKBONES.build("GPTBackbone", vocab_sizes=VOCAB_SIZES, dim=16, num_layers=1, num_heads=2)
        task = JointTask(backbone=backbone, video_tokenizer=str(tokenizers["video"]),
                         motion_tokenizer=str(tokenizers["motion"]), layouts={"V2MLayout": 1.0},
                         warmup_steps=1)
        data = SyntheticStreamDataModule(SynthSpec(num_frames=17, size=32, fps=20.0, seed=1001), batch_size=2,
                                         num_workers=1, epoch_length=2)
        trainer = L.Trainer(accelerator="cpu", max_steps=max_steps, limit_val_batches=0, logger=False,
                            default_root_dir=tmp_path, enable_progress_bar=False, enable_model_summary=False)
        trainer.fit(task, datamodule=data, ckpt_path=ckpt, weights_only=False)  # hparams hold the backbone
        return trainer, data

    first, _ = run(2, None)
    (ckpt,) = tmp_path.rglob("*.ckpt")
    resumed, data = run(4, str(ckpt))
    assert resumed.global_step == 4
    stream = resumed.train_dataloader.dataset
    assert stream.spec.seed != 1001  # another stream than the first run's ...
    fresh = SyntheticClipStream(data.spec, h264=False, restart=2)
    assert stream.spec.seed == fresh.spec.seed  # ... derived from (seed, resume step): reproducible
    original = next(iter(SyntheticClipStream(data.spec, h264=False)))
    assert not torch.equal(next(iter(fresh))["motion"], original["motion"])


def test_stride_yields_every_window_of_a_clip_like_token_shards():
    spec = SynthSpec(num_frames=9, size=32, fps=10.0, seed=4)
    whole = next(iter(SyntheticClipStream(spec, h264=False)))
    windows = list(itertools.islice(SyntheticClipStream(spec, h264=False, window=5, stride=2), 3))
    assert [w["key"] for w in windows] == [f"synth-0000000-{s:06d}" for s in (0, 2, 4)]
    for w, start in zip(windows, (0, 2, 4), strict=True):
        assert torch.equal(w["motion"], whole["motion"][start:start + 5])
    with pytest.raises(ValueError, match="stride"):
        SyntheticClipStream(spec, stride=2)  # nothing to step without a window
