"""Reading checkpoint files: every wrong file stops with an error that names it."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from unimo.checkpoint_file import read_checkpoint
from unimo.tasks.joint.task import JointTask


@pytest.mark.parametrize("zipped", [True, False], ids=["zip", "legacy_pickle"])
def test_good_checkpoint_reads_back(tmp_path: Path, zipped: bool) -> None:
    path = tmp_path / "good.ckpt"
    torch.save({"state_dict": {"backbone.w": torch.ones(2)}}, path, _use_new_zipfile_serialization=zipped)
    assert torch.equal(read_checkpoint(path)["state_dict"]["backbone.w"], torch.ones(2))


def test_wrong_files_name_the_file(tmp_path: Path) -> None:
    text = tmp_path / "notes.ckpt"
    text.write_text("not a checkpoint")
    with pytest.raises(ValueError, match=r"notes.ckpt: not a PyTorch checkpoint"):
        read_checkpoint(text)
    good = tmp_path / "good.ckpt"
    torch.save({"state_dict": {}}, good)
    damaged = tmp_path / "damaged.ckpt"  # a zip whose pickle is cut
    damaged.write_bytes(good.read_bytes()[:-200])
    with pytest.raises(ValueError, match=r"damaged.ckpt"):
        read_checkpoint(damaged)
    listed = tmp_path / "list.ckpt"
    torch.save([1, 2], listed)
    with pytest.raises(ValueError, match=r"list.ckpt: expected a checkpoint dict, found a list"):
        read_checkpoint(listed)


def test_a_checkpoint_of_an_unloaded_folder_plugin_says_which(tmp_path: Path) -> None:
    path = tmp_path / "plugin.ckpt"
    backbone = {"class_path": "unimo_plugins.my_parts_xyz.MyGPT", "init_args": {"dim": 8}}
    torch.save({"state_dict": {"backbone.w": torch.ones(1)},
                "hyper_parameters": {"backbone": backbone, "layouts": [{"class_path": "I2VMLayout"}]}}, path)
    expected = (r"plugin.ckpt: built with folder plugin\(s\) unimo_plugins.my_parts_xyz, which are not "
                r"loaded: set UNIMO_PLUGINS_DIR to the folder holding my_parts_xyz.py")
    with pytest.raises(ValueError, match=expected):
        JointTask.from_checkpoint(str(path))


def test_a_tokenizer_checkpoint_is_not_taken_for_a_joint_model(tmp_path: Path) -> None:
    path = tmp_path / "tokenizer.ckpt"
    torch.save({"state_dict": {"tokenizer.codebook": torch.zeros(4, 2)}}, path)
    with pytest.raises(ValueError, match=r"tokenizer.ckpt: not a joint-model checkpoint"):
        JointTask.from_checkpoint(str(path))
