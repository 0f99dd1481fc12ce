"""Plugins: the plugins/ folder, the entry-point group, failure messages, the autoload switch."""

from __future__ import annotations

import sys
from importlib.metadata import EntryPoint
from pathlib import Path

import pytest

import unimo.plugins as plugins
from unimo.tokenizers import TOKENIZERS

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(autouse=True)
def _fresh_plugin_state(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(plugins, "_loaded", None)
    for name in [n for n in sys.modules if n.startswith(plugins.FOLDER_PACKAGE + ".")]:
        monkeypatch.delitem(sys.modules, name)


def test_shipped_example_registers_its_tokenizer() -> None:
    names = plugins.load_plugins(ROOT / "plugins")
    assert "unimo_plugins.frame_vq_tokenizer" in names
    tokenizer = TOKENIZERS.build("FrameVQMotionTokenizer", codebook_size=8, dim=4)
    assert tokenizer.vocab_size == 8


def test_loads_once(tmp_path: Path) -> None:
    (tmp_path / "counter.py").write_text(
        "import builtins\nbuiltins.unimo_counter = getattr(builtins, 'unimo_counter', 0) + 1\n")
    import builtins
    builtins.unimo_counter = 0  # type: ignore[attr-defined]
    plugins.load_plugins(tmp_path)
    plugins.load_plugins(tmp_path)
    assert builtins.unimo_counter == 1  # type: ignore[attr-defined]


def test_folder_from_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "hello.py").write_text("VALUE = 42\n")
    (tmp_path / "_private.py").write_text("raise RuntimeError('must not be imported')\n")
    monkeypatch.setenv("UNIMO_PLUGINS_DIR", str(tmp_path))
    assert plugins.load_plugins() == ["unimo_plugins.hello"]
    assert sys.modules["unimo_plugins.hello"].VALUE == 42
    monkeypatch.setenv("UNIMO_PLUGINS_DIR", str(tmp_path / "typo"))
    with pytest.warns(UserWarning, match="typo: no such folder"):
        plugins.load_plugins(force=True)


def test_broken_folder_plugin_names_file_and_cause(tmp_path: Path) -> None:
    bad = tmp_path / "broken.py"
    bad.write_text("import not_a_real_module_xyz\n")
    with pytest.raises(plugins.PluginError) as info:
        plugins.load_plugins(tmp_path)
    message = str(info.value)
    assert str(bad) in message and "ModuleNotFoundError" in message and "not_a_real_module_xyz" in message


def _fake_entry_points(value: str):
    def entry_points(group: str) -> list[EntryPoint]:
        assert group == "unimo.plugins"
        return [EntryPoint(name="demo", value=value, group=group)]
    return entry_points


def test_entry_point_plugins_are_imported(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "unimo_demo_ep.py").write_text("LOADED = True\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setattr(plugins, "entry_points", _fake_entry_points("unimo_demo_ep"))
    assert plugins.load_plugins(tmp_path / "no-such-folder") == ["demo"]
    assert sys.modules["unimo_demo_ep"].LOADED is True


def test_broken_entry_point_names_it(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(plugins, "entry_points", _fake_entry_points("unimo_missing_module_abc"))
    with pytest.raises(plugins.PluginError, match="entry point 'demo' .*unimo_missing_module_abc"):
        plugins.load_plugins(tmp_path)


def test_autoload_switch(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("UNIMO_DISABLE_PLUGIN_AUTOLOAD", "1")
    assert plugins.autoload_disabled()
    monkeypatch.setenv("UNIMO_DISABLE_PLUGIN_AUTOLOAD", "0")
    assert not plugins.autoload_disabled()
