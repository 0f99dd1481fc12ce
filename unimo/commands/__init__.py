"""Non-Lightning ``unimo`` subcommands (``unimo data synth``, ``unimo generate``, ...).

Adding a subcommand is one function in a module of this package::

    @subcommand("data inspect")
    def inspect(path: str) -> None:
        \"\"\"Summarise a motion file or a shard folder.\"\"\"

Its typed signature and Google docstring become the argument parser and ``--help`` (jsonargparse).
Import heavy dependencies inside the function so ``unimo --help`` stays fast.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable

SUBCOMMANDS: dict[str, Callable[..., object]] = {}


def subcommand(name: str) -> Callable[[Callable[..., object]], Callable[..., object]]:
    """Register a function as ``unimo <name>``; ``name`` may have two words (``"data synth"``)."""

    def decorate(fn: Callable[..., object]) -> Callable[..., object]:
        known = SUBCOMMANDS.get(name)
        if known is not None and known.__qualname__ != fn.__qualname__:
            raise ValueError(f"subcommand {name!r} is already defined by "
                             f"{known.__module__}.{known.__qualname__}")
        SUBCOMMANDS[name] = fn
        return fn

    return decorate


def discover() -> dict[str, Callable[..., object]]:
    """Import every module of this package so their ``@subcommand`` functions register."""
    for info in pkgutil.iter_modules(__path__):
        importlib.import_module(f"{__name__}.{info.name}")
    return SUBCOMMANDS
