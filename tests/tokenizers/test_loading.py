"""Loading tokenizers by the paths configs use: shipped assets are found from any working directory."""

from __future__ import annotations

import pytest

from unimo.tokenizers.loading import PACKAGE_DIR, load_tokenizer, resolve_asset


def test_shipped_asset_paths_work_outside_a_checkout(tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)  # no unimo/assets/ below here
    path = resolve_asset("unimo/assets/tokenizers/motion.pt")
    assert path == PACKAGE_DIR / "assets" / "tokenizers" / "motion.pt" and path.is_file()
    assert load_tokenizer("unimo/assets/tokenizers/motion.pt").modality == "motion"


def test_other_paths_are_left_alone(tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    local = tmp_path / "unimo" / "assets" / "tokenizers"
    local.mkdir(parents=True)
    (local / "motion.pt").write_bytes(b"")
    assert resolve_asset("unimo/assets/tokenizers/motion.pt").resolve() == (local / "motion.pt").resolve()
    assert str(resolve_asset("my/tokenizer.pt")) == "my/tokenizer.pt"
    with pytest.raises(FileNotFoundError, match="no file at unimo/assets/tokenizers/absent.pt"):
        load_tokenizer("unimo/assets/tokenizers/absent.pt")
