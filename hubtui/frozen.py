"""Frozen dataclasses that cost less to define.

hubtui defines about 170 frozen dataclasses (the facts, the evidence, the refusals, the events), and a cleanup's
plan imports most of them. `dataclasses.dataclass(frozen=True)` writes and compiles six methods for each class:
about 0.28 ms here, some 45 ms of a plan's start. `frozen` gives a class the same fields, defaults,
constructor, equality, hash, repr and immutability from methods shared by every class, and compiles nothing.

The class is still a dataclass: `dataclasses.fields()`, `replace()`, `asdict()` and `match` work on it as on any.
What differs: the constructor takes its arguments through one shared function (a little slower per object,
which these few, small objects never feel), and `inspect.signature()` of the class shows (*args, **kwargs).
"""

from __future__ import annotations

import dataclasses
from typing import Any, TypeVar, dataclass_transform

_T = TypeVar("_T", bound=type)
_NO = dataclasses.MISSING


def _init(self, *args: Any, **kwargs: Any) -> None:
    cls = type(self)
    spec = cls.__frozen_spec__
    if len(args) > len(spec):
        raise TypeError(f"{cls.__name__}() takes {len(spec)} arguments but {len(args)} positional were given")
    put = object.__setattr__
    for i, (name, default, factory) in enumerate(spec):
        if i < len(args):
            if name in kwargs:
                raise TypeError(f"{cls.__name__}() got multiple values for argument {name!r}")
            put(self, name, args[i])
        elif name in kwargs:
            put(self, name, kwargs[name])
        elif default is not _NO:
            put(self, name, default)
        elif factory is not _NO:
            put(self, name, factory())
        else:
            raise TypeError(f"{cls.__name__}() missing required argument: {name!r}")
    if len(kwargs) > sum(1 for name in kwargs if name in cls.__frozen_names__):
        unknown = next(name for name in kwargs if name not in cls.__frozen_names__)
        raise TypeError(f"{cls.__name__}() got an unexpected keyword argument {unknown!r}")


def _values(self, names: tuple[str, ...]) -> tuple:
    return tuple(getattr(self, name) for name in names)


def _eq(self, other: Any) -> bool:
    if other.__class__ is not self.__class__:
        return NotImplemented
    names = self.__frozen_compare__
    return _values(self, names) == _values(other, names)


def _hash(self) -> int:
    return hash(_values(self, self.__frozen_compare__))


def _repr(self) -> str:
    fields = ", ".join(f"{name}={getattr(self, name)!r}" for name in self.__frozen_repr__)
    return f"{type(self).__qualname__}({fields})"


def _setattr(self, name: str, value: object) -> None:
    raise dataclasses.FrozenInstanceError(f"cannot assign to field {name!r}")


def _delattr(self, name: str) -> None:
    raise dataclasses.FrozenInstanceError(f"cannot delete field {name!r}")


@dataclass_transform(frozen_default=True)
def frozen(cls: _T) -> _T:
    """As @dataclass(frozen=True), for what it is used for here; anything else is a TypeError when the class is
    defined: a field that does not go to the constructor (init=False, InitVar) or takes a keyword only, a field's
    own hash=, __post_init__, a method of its own that frozen() would replace (__eq__, __hash__, __repr__,
    __init__, __setattr__, __delattr__), and a base class that is a dataclass."""
    own = set(vars(cls)) & {"__eq__", "__hash__", "__repr__", "__init__", "__setattr__", "__delattr__"}
    own |= {"__post_init__"} if hasattr(cls, "__post_init__") else set()  # its own or a base's: never called
    own |= {"InitVar"} if any(isinstance(t, dataclasses.InitVar) or t is dataclasses.InitVar
                              or str(t).startswith(("InitVar", "dataclasses.InitVar"))
                              for t in vars(cls).get("__annotations__", {}).values()) else set()
    if own or any(dataclasses.is_dataclass(base) for base in cls.__mro__[1:]):
        raise TypeError(f"{cls.__name__}: frozen() takes no {', '.join(sorted(own)) or 'dataclass base'}")
    if cls.__doc__ is None:
        cls.__doc__ = cls.__name__  # else dataclasses asks inspect for the constructor's signature
    dataclasses.dataclass(init=False, repr=False, eq=False)(cls)
    fields = dataclasses.fields(cls)
    if any(not f.init or f.kw_only is True or f.hash is not None for f in fields):
        raise TypeError(f"{cls.__name__}: frozen() takes only fields that go to the constructor by position or "
                        "name, with no hash= of their own")
    cls.__frozen_spec__ = tuple((f.name, f.default, f.default_factory) for f in fields)  # type: ignore[attr-defined]
    cls.__frozen_names__ = frozenset(f.name for f in fields)  # type: ignore[attr-defined]
    cls.__frozen_compare__ = tuple(f.name for f in fields if f.compare)  # type: ignore[attr-defined]
    cls.__frozen_repr__ = tuple(f.name for f in fields if f.repr)  # type: ignore[attr-defined]
    cls.__init__ = _init  # type: ignore[misc]
    cls.__eq__ = _eq  # type: ignore[method-assign,assignment]
    cls.__hash__ = _hash  # type: ignore[method-assign,assignment]
    cls.__repr__ = _repr  # type: ignore[method-assign,assignment]
    cls.__setattr__ = _setattr  # type: ignore[method-assign,assignment]
    cls.__delattr__ = _delattr  # type: ignore[method-assign,assignment]
    cls.__dataclass_params__.frozen = True  # type: ignore[attr-defined]  # what replace() and subclasses read
    return cls
