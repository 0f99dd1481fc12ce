"""Finding weight files (explicit path, folder, UNIMO_WEIGHTS_DIR) and reading them safely."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from torch import nn

from unimo.metrics.weights import (
    WEIGHTS_ENV,
    MissingWeightsError,
    find_weights,
    is_torchscript,
    load_state_dict,
    load_strict,
)

NAMES = ("main.pt", "alternative.pt")


def _find(path: object = None) -> Path:
    return find_weights(NAMES, path, "Test weights", "get them from the test")


def test_env_folder_is_searched_in_preference_order(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(WEIGHTS_ENV, str(tmp_path))
    (tmp_path / "alternative.pt").write_bytes(b"x")
    assert _find() == tmp_path / "alternative.pt"
    (tmp_path / "main.pt").write_bytes(b"x")
    assert _find() == tmp_path / "main.pt"


def test_explicit_file_or_folder_wins_over_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    env, other = tmp_path / "env", tmp_path / "other"
    env.mkdir(), other.mkdir()
    (env / "main.pt").write_bytes(b"x")
    (other / "main.pt").write_bytes(b"x")
    monkeypatch.setenv(WEIGHTS_ENV, str(env))
    assert _find(other) == other / "main.pt"
    assert _find(str(other / "main.pt")) == other / "main.pt"


def test_missing_file_says_which_file_to_put_where(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(WEIGHTS_ENV, str(tmp_path))
    with pytest.raises(MissingWeightsError) as err:
        _find()
    message = str(err.value)
    assert f"{tmp_path}/main.pt" in message and "alternative.pt" in message
    assert "get them from the test" in message and "never downloads" in message


def test_missing_env_variable_is_explained(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(WEIGHTS_ENV, raising=False)
    with pytest.raises(MissingWeightsError, match=rf"\${WEIGHTS_ENV}/main.pt.*{WEIGHTS_ENV} is not set"):
        _find()


def test_missing_explicit_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(MissingWeightsError, match="nope.pt does not exist"):
        _find(tmp_path / "nope.pt")


def test_is_torchscript_tells_archives_from_state_dicts(tmp_path: Path) -> None:
    torch.jit.save(torch.jit.script(nn.Linear(2, 3)), tmp_path / "script.pt")
    torch.save(nn.Linear(2, 3).state_dict(), tmp_path / "state.pt")
    (tmp_path / "text.pt").write_text("not a zip")
    assert is_torchscript(tmp_path / "script.pt")
    assert not is_torchscript(tmp_path / "state.pt")
    assert not is_torchscript(tmp_path / "text.pt")


def test_load_state_dict_unwraps_checkpoints_and_data_parallel(tmp_path: Path) -> None:
    state = nn.Linear(2, 3).state_dict()
    torch.save({"state_dict": {f"module.{k}": v for k, v in state.items()}}, tmp_path / "ckpt.pt")
    loaded = load_state_dict(tmp_path / "ckpt.pt")
    assert set(loaded) == {"weight", "bias"}
    assert torch.equal(loaded["weight"], state["weight"])


def test_load_state_dict_rejects_other_content(tmp_path: Path) -> None:
    torch.save([1, 2, 3], tmp_path / "list.pt")
    with pytest.raises(ValueError, match="list.pt: expected a state dict"):
        load_state_dict(tmp_path / "list.pt")
    (tmp_path / "junk.pt").write_bytes(b"\x00junk")
    with pytest.raises(ValueError, match="junk.pt: cannot read"):
        load_state_dict(tmp_path / "junk.pt")


def test_load_strict_tolerates_only_missing_batchnorm_counters(tmp_path: Path) -> None:
    source = nn.Sequential(nn.Conv2d(1, 2, 1), nn.BatchNorm2d(2))
    state = {k: v for k, v in source.state_dict().items() if not k.endswith("num_batches_tracked")}
    target = nn.Sequential(nn.Conv2d(1, 2, 1), nn.BatchNorm2d(2))
    load_strict(target, state, "tf.pth")
    assert torch.equal(target[0].weight, source[0].weight)
    with pytest.raises(ValueError, match=r"tf.pth: weights do not match Sequential: 1 missing keys"):
        load_strict(target, {k: v for k, v in state.items() if k != "1.bias"}, "tf.pth")
    with pytest.raises(ValueError, match="tf.pth: weights do not match"):
        load_strict(target, {**state, "0.weight": torch.zeros(5, 1, 1, 1)}, "tf.pth")
