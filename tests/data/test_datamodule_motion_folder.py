"""MotionFolderDataModule: windows of motion files, split by file, unreadable files counted."""

from __future__ import annotations

import pytest
import torch

from unimo.data.datamodules import MotionFolderDataModule, MotionWindows


@pytest.fixture
def motion_dir(tmp_path, toy):
    for i, frames in enumerate([40, 25, 33, 20, 50]):
        toy.motion(i, frames, 30.0).save(tmp_path / f"take{i}.npz")
    return tmp_path


def test_windows_tile_motions_in_eval_and_sample_in_train(toy):
    x = toy.motion(0, 23, 30.0).to_tensor()
    windows = MotionWindows([("a", x, 30.0)], num_frames=5, frame_stride=2)  # span 9 -> 2 windows
    assert len(windows) == 2
    second = windows[1]
    assert second["start"] == 9 and torch.equal(second["motion"], x[9:18:2]) and second["fps"] == 15.0
    train = MotionWindows([("a", x, 30.0)], num_frames=5, frame_stride=2, random_start=True)
    starts = {int(train[0]["start"]) for _ in range(50)}
    assert starts <= set(range(0, 15)) and len(starts) > 5


def test_split_by_file_and_exact_values(motion_dir, toy):
    dm = MotionFolderDataModule(str(motion_dir), batch_size=2, num_frames=10, target_fps=None)
    dm.setup("fit")
    assert [k for k, _, _ in dm.splits["train"]] == ["take0", "take1", "take2"]
    assert [k for k, _, _ in dm.splits["val"]] == ["take3"]
    assert [k for k, _, _ in dm.splits["test"]] == ["take4"]
    batch = next(iter(dm.val_dataloader()))
    assert batch["motion"].shape == (2, 10, 79) and batch["key"] == ["take3", "take3"]
    assert torch.equal(batch["motion"][1], toy.motion(3, 20, 30.0).to_tensor()[10:20])
    assert sum(len(b["key"]) for b in dm.train_dataloader()) == 4 + 2 + 3


def test_resamples_to_target_fps(motion_dir):
    dm = MotionFolderDataModule(str(motion_dir), batch_size=1, num_frames=10, target_fps=15.0)
    dm.setup("fit")
    assert {fps for _, _, fps in dm.splits["train"]} == {15.0}
    assert len(dm.splits["train"][0][1]) == 20  # 40 frames at 30 fps -> 20 at 15 fps


def test_bad_and_short_files_are_skipped_or_raise(motion_dir):
    (motion_dir / "broken.npz").write_bytes(b"not a zip")
    dm = MotionFolderDataModule(str(motion_dir), num_frames=30, target_fps=None)
    dm.setup("fit")
    assert dm.num_skipped == 3  # broken.npz, take1 (25 frames), take3 (20 frames)
    strict = MotionFolderDataModule(str(motion_dir), num_frames=30, target_fps=None, error_policy="strict")
    with pytest.raises(ValueError, match="broken.npz"):
        strict.setup("fit")


def test_empty_folder_explains(tmp_path):
    with pytest.raises(FileNotFoundError, match="no motion files"):
        MotionFolderDataModule(str(tmp_path)).setup("fit")
