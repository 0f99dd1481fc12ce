"""Which exceptions report bad input, so the command line shows them as one line instead of a traceback.

An error reports input when unimo raised it on purpose (a ``raise`` statement in this package: our messages
name the file, field or option and what was expected), or when the operating system names a path (a missing
or unreadable file). Anything else, a ``ValueError`` from torch inside a training step, a bug in a plugin, is
a bug and keeps its traceback. Errors that Lightning or jsonargparse wrap while building a model are found
through the exception chain, outermost first (so our message wins over the library error it wraps).
"""

from __future__ import annotations

import contextlib
import linecache
import os
import sys
from collections.abc import Iterator
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
TRACEBACK_ENV = "UNIMO_TRACEBACK"


def input_error(err: BaseException) -> BaseException | None:
    """Return the outermost error of ``err``'s chain that reports bad input; None when none does."""
    seen: set[int] = set()
    current: BaseException | None = err
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if reports_input(current):
            return current
        # ``raise ... from None`` hides the context on purpose: do not look behind it.
        current = current.__cause__ or (None if current.__suppress_context__ else current.__context__)
    return None


def reports_input(err: BaseException) -> bool:
    """Whether ``err`` is a message about the user's input (see the module docstring)."""
    if isinstance(err, OSError) and err.filename is not None:
        return True
    return isinstance(err, (OSError, ValueError)) and raised_in_unimo(err)


def raised_in_unimo(err: BaseException) -> bool:
    """Whether the innermost frame of ``err``'s traceback is a ``raise`` statement in this package."""
    tb = err.__traceback__
    if tb is None:
        return False
    while tb.tb_next is not None:
        tb = tb.tb_next
    path = Path(tb.tb_frame.f_code.co_filename)
    line = linecache.getline(str(path), tb.tb_lineno)
    return PACKAGE_DIR in path.parents and line.lstrip().startswith("raise")


@contextlib.contextmanager
def input_errors_in_one_line(name: str) -> Iterator[None]:
    """Stop with ``unimo NAME: <message>`` (exit status 1) on an input error; re-raise anything else.

    ``UNIMO_TRACEBACK=1`` re-raises input errors too, for bug reports.
    """
    try:
        yield
    except Exception as err:
        found = input_error(err)
        if found is None or os.environ.get(TRACEBACK_ENV):
            raise
        message = str(found) or type(found).__name__  # an exception object is always truthy: test its text
        sys.exit(f"unimo {name}: {message}\n({TRACEBACK_ENV}=1 shows the traceback)")
