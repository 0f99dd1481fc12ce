"""Load user extensions: the ``unimo.plugins`` entry-point group and the ``plugins/*.py`` folder.

A plugin is a module that registers classes (``@TOKENIZERS.register`` ...) or subcommands when imported.
Nothing changes until a config names what it registered. Loading happens once, before the CLI parser is
built, so plugin classes can be named as ``class_path: ShortName`` in YAML.

Environment:
    UNIMO_PLUGINS_DIR: folder of plugin files (default: ``./plugins`` in the working directory).
    UNIMO_DISABLE_PLUGIN_AUTOLOAD=1: load nothing automatically.
"""

from __future__ import annotations

import importlib.util
import os
import sys
import warnings
from importlib.metadata import entry_points
from pathlib import Path
from types import ModuleType

ENTRY_POINT_GROUP = "unimo.plugins"
# Folder plugins are imported under this package name, so jsonargparse can re-import their classes by path.
FOLDER_PACKAGE = "unimo_plugins"

_loaded: list[str] | None = None


class PluginError(ImportError):
    """A plugin failed to import; the message names the plugin and the cause."""


def autoload_disabled() -> bool:
    return os.environ.get("UNIMO_DISABLE_PLUGIN_AUTOLOAD", "").strip().lower() in {"1", "true", "yes"}


def plugins_dir() -> Path:
    return Path(os.environ.get("UNIMO_PLUGINS_DIR", "plugins"))


def load_plugins(folder: str | Path | None = None, force: bool = False) -> list[str]:
    """Import every entry-point plugin and every ``folder/*.py`` once; return their names.

    Args:
        folder: Plugin folder; default ``$UNIMO_PLUGINS_DIR`` or ``./plugins``.
        force: Load again even if already loaded (tests; a new folder).
    """
    global _loaded
    if _loaded is not None and not force:
        return _loaded
    names = [_load_entry_point(ep) for ep in entry_points(group=ENTRY_POINT_GROUP)]
    folder = plugins_dir() if folder is None else Path(folder)
    if "UNIMO_PLUGINS_DIR" in os.environ and folder == plugins_dir() and not folder.is_dir():
        warnings.warn(f"UNIMO_PLUGINS_DIR={folder}: no such folder; no folder plugins loaded", stacklevel=2)
    if folder.is_dir():
        names += [_load_file(path) for path in sorted(folder.glob("*.py")) if not path.name.startswith("_")]
    _loaded = names
    return names


def _load_entry_point(ep: object) -> str:
    name = f"entry point {ep.name!r} ({ep.value})"  # type: ignore[attr-defined]
    try:
        ep.load()  # type: ignore[attr-defined]
    except Exception as exc:
        raise PluginError(f"unimo plugin {name} failed to load: {type(exc).__name__}: {exc}") from exc
    return ep.name  # type: ignore[attr-defined]


def _load_file(path: Path) -> str:
    module_name = f"{FOLDER_PACKAGE}.{path.stem}"
    if module_name in sys.modules:
        return module_name
    _ensure_namespace_package()
    spec = importlib.util.spec_from_file_location(module_name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    try:
        spec.loader.exec_module(module)
    except Exception as exc:
        del sys.modules[module_name]
        raise PluginError(f"unimo plugin {path} failed to load: {type(exc).__name__}: {exc}") from exc
    return module_name


def _ensure_namespace_package() -> None:
    if FOLDER_PACKAGE not in sys.modules:
        package = ModuleType(FOLDER_PACKAGE)
        package.__path__ = []  # a package, so "unimo_plugins.x" imports resolve through sys.modules
        sys.modules[FOLDER_PACKAGE] = package


def missing_folder_plugins(config: object) -> list[str]:
    """Return the folder-plugin modules that ``config`` (nested dicts/lists, e.g. a checkpoint's hyper
    parameters) names in a ``class_path`` but that are not loaded: without them it cannot be rebuilt."""
    found: set[str] = set()
    stack = [config]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            path = item.get("class_path")
            if isinstance(path, str) and path.startswith(FOLDER_PACKAGE + "."):
                found.add(path.rsplit(".", 1)[0])
            stack.extend(item.values())
        elif isinstance(item, (list, tuple)):
            stack.extend(item)
    return sorted(module for module in found if module not in sys.modules)
