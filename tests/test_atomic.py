"""Temporary names of write-then-rename writers: beside the target, hidden, one per process."""

from __future__ import annotations

from pathlib import Path

import pytest

from unimo.atomic import temp_beside


def test_temp_name_is_hidden_beside_the_target_and_differs_per_process(monkeypatch: pytest.MonkeyPatch,
                                                                        tmp_path: Path) -> None:
    target = tmp_path / "sub" / "model.pt"
    monkeypatch.setattr("os.getpid", lambda: 101)
    first = temp_beside(target)
    monkeypatch.setattr("os.getpid", lambda: 202)
    second = temp_beside(target)
    assert first.parent == second.parent == target.parent  # same filesystem: the rename is atomic
    assert first.name.startswith(".") and first.name.endswith(".tmp")  # hidden from globs of real outputs
    assert first != second and first != target
