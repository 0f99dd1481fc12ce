"""One small generic registry, used for tokenizers, backbones and layouts.

The key is the class name, so the same string works in Python (``TOKENIZERS.build("X")``), in
``unimo fit --help`` and as ``class_path: X`` in YAML (jsonargparse resolves short names of imported
subclasses of the annotated base class).
"""

from __future__ import annotations

import inspect
from collections.abc import Iterator
from typing import Any, Generic, TypeVar

T = TypeVar("T")


class RegistryError(KeyError):
    """Raised for unknown or conflicting registry names."""

    def __str__(self) -> str:  # KeyError quotes its message; print it plainly instead
        return str(self.args[0])


class Registry(Generic[T]):
    """Map class names to classes of one kind (all subclasses of ``base``).

    Args:
        kind: Human-readable kind, used in error messages ("tokenizer").
        base: Every registered class must subclass it.
    """

    def __init__(self, kind: str, base: type[T]) -> None:
        self.kind = kind
        self.base = base
        self._classes: dict[str, type[T]] = {}

    def register(self, cls: type[T]) -> type[T]:
        """Register ``cls`` under its class name; use as a class decorator."""
        if not (inspect.isclass(cls) and issubclass(cls, self.base)):
            raise TypeError(f"{self.kind} registry only takes subclasses of {self.base.__name__}, "
                            f"got {cls!r}")
        name = cls.__name__
        known = self._classes.get(name)
        # Re-importing the same module (e.g. a plugin file loaded twice by path) yields a new class object
        # with the same qualified origin: that is the same class, not a conflict.
        if known is not None and _origin(known) != _origin(cls):
            raise RegistryError(
                f"{self.kind} name {name!r} is already registered by {_origin(known)}; "
                f"{_origin(cls)} must use another class name"
            )
        self._classes[name] = cls
        return cls

    def get(self, name: str) -> type[T]:
        """Return the class registered as ``name``; the error lists the known names."""
        try:
            return self._classes[name]
        except KeyError:
            raise RegistryError(
                f"unknown {self.kind} {name!r}; known {self.kind}s: {', '.join(self.names()) or '(none)'}"
            ) from None

    def build(self, name: str, **kwargs: Any) -> T:
        """Instantiate the class registered as ``name`` with ``kwargs``."""
        return self.get(name)(**kwargs)

    def names(self) -> list[str]:
        """Return the registered names, sorted."""
        return sorted(self._classes)

    def __contains__(self, name: object) -> bool:
        return name in self._classes

    def __iter__(self) -> Iterator[str]:
        return iter(self.names())

    def __len__(self) -> int:
        return len(self._classes)

    def __repr__(self) -> str:
        return f"Registry({self.kind!r}, {self.names()})"


def _origin(cls: type) -> str:
    return f"{cls.__module__}.{cls.__qualname__}"
