"""hubtui.frozen: a frozen dataclass with shared methods behaves as @dataclass(frozen=True) does."""

from __future__ import annotations

import dataclasses
import pathlib
import re
from typing import ClassVar

import pytest

from hubtui.frozen import frozen


@frozen
class Shape:
    """A test's fact."""

    name: str
    count: int = 1
    tags: tuple = dataclasses.field(default_factory=tuple)
    seen: str = dataclasses.field(default="", compare=False, repr=False)


@dataclasses.dataclass(frozen=True)
class Same:
    name: str
    count: int = 1
    tags: tuple = dataclasses.field(default_factory=tuple)
    seen: str = dataclasses.field(default="", compare=False, repr=False)


def test_it_is_built_compared_hashed_and_shown_as_a_frozen_dataclass():
    a, b = Shape("api", 3), Shape(name="api", count=3, seen="later")
    mirror = Same("api", 3)
    assert a == b and hash(a) == hash(b) and a != Shape("api", 4) and a != mirror
    assert repr(a) == repr(mirror).replace("Same", "Shape") == "Shape(name='api', count=3, tags=())"
    assert [f.name for f in dataclasses.fields(a)] == [f.name for f in dataclasses.fields(mirror)]
    assert dataclasses.replace(a, count=5) == Shape("api", 5) and dataclasses.asdict(a)["tags"] == ()
    assert dataclasses.is_dataclass(a) and Shape.__match_args__ == Same.__match_args__
    match a:
        case Shape(name, count):
            assert (name, count) == ("api", 3)
    with pytest.raises(dataclasses.FrozenInstanceError):
        a.count = 4  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        del a.name  # type: ignore[misc]


@pytest.mark.parametrize("make, says", [
    (lambda: Shape(), "missing required argument: 'name'"),
    (lambda: Shape("a", 1, (), "x", 5), "takes 4 arguments but 5 positional were given"),
    (lambda: Shape("a", name="b"), "multiple values for argument 'name'"),
    (lambda: Shape("a", colour="red"), "unexpected keyword argument 'colour'"),
])
def test_a_wrong_call_is_a_type_error_naming_the_argument(make, says):
    with pytest.raises(TypeError, match=re.escape(says)):
        make()


def test_a_default_factory_gives_each_object_its_own_value():
    @frozen
    class Bag:
        items: list = dataclasses.field(default_factory=list)

    assert Bag().items is not Bag().items


def test_what_it_would_get_wrong_is_refused_when_the_class_is_defined():
    class OwnEq:
        a: int

        def __eq__(self, other):
            return True

    class WithPostInit:
        a: int

        def __post_init__(self):
            pass

    class KwOnly:
        a: int = dataclasses.field(kw_only=True)

    class NotInInit:
        a: int = dataclasses.field(default=0, init=False)

    class OwnHash:
        a: int = dataclasses.field(default=0, hash=False)

    class Child(Shape):
        extra: int = 0

    class Mixin:
        def __post_init__(self):
            pass

    class PostInitInherited(Mixin):
        a: int

    class WithInitVar:
        a: int
        b: dataclasses.InitVar[int]

    for cls in (OwnEq, WithPostInit, KwOnly, NotInInit, OwnHash, Child, PostInitInherited, WithInitVar):
        with pytest.raises(TypeError, match=cls.__name__):
            frozen(cls)


def test_the_engine_defines_its_frozen_dataclasses_with_it():
    """Each @dataclass(frozen=True) costs a start about 0.25 ms here: the engine uses hubtui.frozen instead."""
    root = pathlib.Path(__file__).resolve().parents[2] / "hubtui"
    slow = [str(p.relative_to(root)) for p in root.rglob("*.py")
            if "ui" not in p.relative_to(root).parts[:1] and p.name != "frozen.py" and re.search(r"dataclass\(.*frozen=True", p.read_text())]
    assert slow == []


def test_its_dataclass_bookkeeping_waits_until_it_is_asked_for():
    """A command imports hundreds of facts of failures that never happen: their fields are made when first asked
    for (an object, fields(), is_dataclass(), a match), not when the class is defined."""
    @frozen
    class Unused:
        a: str
        b: int = 2

    @frozen
    class Asked:
        a: str

    assert "__dataclass_fields__" not in vars(Unused) and "__dataclass_fields__" not in vars(Asked)
    assert dataclasses.is_dataclass(Asked) and [f.name for f in dataclasses.fields(Asked)] == ["a"]
    assert "__dataclass_fields__" not in vars(Unused)
    match Unused("x"):
        case Unused(a, b):
            assert (a, b) == ("x", 2)
    assert Unused.__match_args__ == ("a", "b")
    with pytest.raises(AttributeError, match="nothing"):
        Unused.nothing  # noqa: B018 - any other missing attribute is missing, not made


def test_its_methods_super_and_class_refer_to_the_class_frozen_returns():
    class Base:
        def who(self) -> str:
            return "base"

    @frozen
    class Fact(Base):
        a: int

        def who(self) -> str:
            return f"fact of {super().who()}, {__class__.__name__}"

        @property
        def twice(self) -> int:
            return self.a * 2

    assert Fact(2).who() == "fact of base, Fact" and Fact(2).twice == 4


def test_threads_building_its_first_objects_at_once_each_get_one(monkeypatch):
    """The engine builds facts on threads of its own: the first objects of a class, built at once, complete it
    once, and none finds it half made (the completion is made slow here, so that the others come meanwhile)."""
    import threading
    import time

    real = dataclasses.dataclass

    def slow(*args, **kwargs):
        wrap = real(*args, **kwargs)

        def slowly(cls):
            time.sleep(0.01)
            return wrap(cls)
        return slowly

    monkeypatch.setattr(dataclasses, "dataclass", slow)
    for _ in range(3):
        @frozen
        class Fresh:
            a: int
            b: str = "x"

        made: list = []
        start = threading.Barrier(8)

        def build(i: int, start: threading.Barrier = start, made: list = made, cls: type = Fresh) -> None:
            start.wait()
            made.append(cls(i))

        threads = [threading.Thread(target=build, args=(i,)) for i in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert sorted(f.a for f in made) == list(range(8)) and all(f.b == "x" for f in made)


def test_every_frozen_class_of_hubtui_completes():
    """Their bookkeeping waits until first used, in production on a failure's path: here each is completed."""
    import importlib
    import pkgutil

    import hubtui
    from hubtui.frozen import _Deferred

    seen = 0
    for info in pkgutil.walk_packages(hubtui.__path__, "hubtui."):
        module = importlib.import_module(info.name)
        for value in vars(module).values():
            if isinstance(value, _Deferred) and value.__module__ == info.name:
                assert dataclasses.fields(value) is not None and value.__match_args__ is not None
                seen += 1
    assert seen > 400


def test_what_dataclasses_refuses_is_refused_when_the_class_is_defined():
    class MutableDefault:
        a: list = []

    class KeywordOnly:
        a: int
        _: dataclasses.KW_ONLY
        b: int = 0

    for cls in (MutableDefault, KeywordOnly):
        with pytest.raises(TypeError, match=cls.__name__):
            frozen(cls)

    @frozen
    class WithClassVar:
        KEYS: ClassVar[dict] = {}
        a: int = 0

    assert WithClassVar().a == 0 and [f.name for f in dataclasses.fields(WithClassVar)] == ["a"]


def test_a_plain_subclass_a_nested_class_and_an_object_made_without_init():
    @frozen
    class Base:
        a: int

    class Plain(Base):  # its base never used before
        def twice(self) -> int:
            return self.a * 2

    assert Plain(3).twice() == 6 and [f.name for f in dataclasses.fields(Plain)] == ["a"]

    class Outer:
        @frozen
        class Inner:
            a: int

    assert repr(Outer.Inner(1)).endswith("Outer.Inner(a=1)")

    @frozen
    class Bare:
        a: int

    made = object.__new__(Bare)  # as unpickling in a fresh process does: no __init__
    object.__setattr__(made, "a", 1)
    assert repr(made) == repr(Bare(1)) and made == Bare(1) and hash(made) == hash(Bare(1))
