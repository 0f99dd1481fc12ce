"""Where files are written before their final name: every writer that saves through a rename uses it."""

from __future__ import annotations

import os
from pathlib import Path

TEMP_SUFFIX = ".tmp"  # every temporary name ends so: a folder's leftovers are ``.*`` + this


def temp_beside(path: Path) -> Path:
    """Return the temporary name to write ``path`` under before renaming it onto ``path``.

    Beside ``path`` (same filesystem, so the rename is atomic), hidden, and per process: a crash never leaves
    half a file at ``path``, and processes writing the same path at once never share a temporary file.
    """
    return path.with_name(f".{path.name}.{os.getpid()}{TEMP_SUFFIX}")
