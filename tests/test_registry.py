"""The generic Registry: decorator registration, duplicates, unknown names, introspection."""

from __future__ import annotations

import pytest

from unimo.registry import Registry, RegistryError


class Base:
    pass


def test_register_by_class_name_and_build() -> None:
    reg: Registry[Base] = Registry("widget", Base)

    @reg.register
    class Knob(Base):
        def __init__(self, size: int = 1) -> None:
            self.size = size

    assert reg.names() == ["Knob"]
    assert "Knob" in reg and len(reg) == 1
    assert reg.get("Knob") is Knob
    assert reg.build("Knob", size=3).size == 3


def test_duplicate_name_from_another_class_raises() -> None:
    reg: Registry[Base] = Registry("widget", Base)

    def make() -> type[Base]:
        class Knob(Base):
            pass
        return Knob

    reg.register(make())

    class Knob(Base):  # same name, different origin
        pass

    with pytest.raises(RegistryError, match="'Knob' is already registered"):
        reg.register(Knob)


def test_same_class_registered_twice_is_idempotent() -> None:
    reg: Registry[Base] = Registry("widget", Base)

    class Knob(Base):
        pass

    reg.register(Knob)
    reg.register(Knob)
    assert reg.names() == ["Knob"]


def test_unknown_name_lists_known_names() -> None:
    reg: Registry[Base] = Registry("widget", Base)

    @reg.register
    class Dial(Base):
        pass

    with pytest.raises(RegistryError) as info:
        reg.get("Knobb")
    assert str(info.value) == "unknown widget 'Knobb'; known widgets: Dial"


def test_only_subclasses_of_base() -> None:
    reg: Registry[Base] = Registry("widget", Base)
    with pytest.raises(TypeError, match="subclasses of Base"):
        reg.register(int)  # type: ignore[arg-type]
