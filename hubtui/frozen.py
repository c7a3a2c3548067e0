"""Frozen dataclasses that cost less to define.

hubtui defines about 550 frozen dataclasses (the facts, the evidence, the refusals, the events), and a cleanup's
plan imports some 430 of them. `dataclasses.dataclass(frozen=True)` writes and compiles six methods for each class:
about 0.28 ms here, some 45 ms of a plan's start. `frozen` gives a class the same fields, defaults,
constructor, equality, hash, repr and immutability from methods shared by every class, and compiles nothing;
and it makes the dataclass bookkeeping itself (the fields, 17 µs a class) only when the class is first used, which
most, the facts of failures that do not happen, never are.

The class is still a dataclass: `dataclasses.fields()`, `replace()`, `asdict()` and `match` work on it as on any.
What differs: the constructor takes its arguments through one shared function (a little slower per object,
which these few, small objects never feel), `inspect.signature()` of the class shows (*args, **kwargs), and the
class's type is _Deferred, not `type`.
"""

from __future__ import annotations

import dataclasses
import operator
import threading
from collections.abc import Callable
from typing import Any, ClassVar, TypeVar, dataclass_transform, get_origin

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


def _values_of(names: tuple[str, ...]) -> Callable[[Any], tuple]:
    """An object's values of these fields, as a tuple (attrgetter: a generator over the names was most of the
    time a live row's comparison took, a dozen times a key at 2,000 rows)."""
    if len(names) >= 2:
        return operator.attrgetter(*names)
    return lambda obj: tuple(getattr(obj, name) for name in names)


def _eq(self, other: Any) -> bool:
    if other.__class__ is not self.__class__:
        return NotImplemented
    values = type(self).__frozen_values__  # through the class: it completes it (an object made without __init__)
    return values(self) == values(other)


def _hash(self) -> int:
    return hash(type(self).__frozen_values__(self))


def _repr(self) -> str:
    fields = ", ".join(f"{name}={getattr(self, name)!r}" for name in type(self).__frozen_repr__)
    return f"{type(self).__qualname__}({fields})"


def _setattr(self, name: str, value: object) -> None:
    raise dataclasses.FrozenInstanceError(f"cannot assign to field {name!r}")


def _delattr(self, name: str) -> None:
    raise dataclasses.FrozenInstanceError(f"cannot delete field {name!r}")


# What a frozen class makes only when first asked for it (_Deferred): most of the classes a command imports are
# facts of failures that never happen, and dataclasses' bookkeeping was 17 µs a class, 7 ms of a cleanup's plan.
_DEFERRED = frozenset({"__dataclass_fields__", "__dataclass_params__", "__match_args__", "__frozen_spec__",
                       "__frozen_names__", "__frozen_compare__", "__frozen_values__", "__frozen_repr__"})


class _Deferred(type):
    """The type of a frozen class: its dataclass bookkeeping (fields, the constructor's spec, `__match_args__`) is
    made the first time anything asks for it: its first object, dataclasses.fields() or is_dataclass(), a
    `match`. An object's fields are always there: its class was completed to build it."""

    def __getattr__(cls, name: str) -> Any:
        # the frozen class itself, or the one a plain subclass of it inherits its fields from
        made = next((c for c in cls.__mro__ if "__frozen_made__" in c.__dict__), None)
        if name in _DEFERRED and made is not None:
            with _COMPLETING:  # two threads building a first object of the class at once: one completes it
                if "__frozen_spec__" not in made.__dict__ and "__frozen_completing__" not in made.__dict__:
                    _complete(made)
            if "__frozen_completing__" not in made.__dict__:  # (dataclasses' own look-ups meanwhile: not there yet)
                return type.__getattribute__(cls, name)
        raise AttributeError(f"type object {cls.__name__!r} has no attribute {name!r}")


_COMPLETING = threading.RLock()


def _complete(cls: type) -> None:
    type.__setattr__(cls, "__frozen_completing__", True)  # dataclasses' look-ups during it are not deferred ones
    try:
        dataclasses.dataclass(init=False, repr=False, eq=False)(cls)
        fields = dataclasses.fields(cls)
        if any(not f.init or f.kw_only is True or f.hash is not None for f in fields):
            raise TypeError(f"{cls.__name__}: frozen() takes only fields that go to the constructor by position or "
                            "name, with no hash= of their own")
        type.__setattr__(cls, "__frozen_spec__", tuple((f.name, f.default, f.default_factory) for f in fields))
        type.__setattr__(cls, "__frozen_names__", frozenset(f.name for f in fields))
        compare = tuple(f.name for f in fields if f.compare)
        type.__setattr__(cls, "__frozen_compare__", compare)
        type.__setattr__(cls, "__frozen_values__", _values_of(compare))
        type.__setattr__(cls, "__frozen_repr__", tuple(f.name for f in fields if f.repr))
        cls.__dataclass_params__.frozen = True  # type: ignore[attr-defined]  # what replace() and subclasses read
    finally:
        type.__delattr__(cls, "__frozen_completing__")


def _rebind_class_cells(ns: dict[str, Any], old: type, new: type) -> None:
    """Zero-argument super() (and __class__) in the methods refer to the class they were defined in: the new one
    (in plain functions, class and static methods, properties, and what functools wraps)."""
    todo = list(ns.values())
    seen: set[int] = set()
    while todo:
        value = todo.pop()
        if value is None or id(value) in seen:
            continue
        seen.add(id(value))
        for cell in getattr(value, "__closure__", None) or ():
            if cell.cell_contents is old:
                cell.cell_contents = new
        todo += [getattr(value, attr, None) for attr in ("__func__", "fget", "fset", "fdel", "__wrapped__", "func")]


def _definition_errors(cls: type) -> set[str]:
    """What dataclasses would refuse only when the class is completed, checked when it is defined: a mutable
    default (a list, a dict: default_factory is the way) and a keyword-only marker."""
    errors = set()
    for name, annotation in vars(cls).get("__annotations__", {}).items():
        if str(annotation).startswith(("ClassVar", "typing.ClassVar")) or get_origin(annotation) is ClassVar:
            continue  # not a field
        default = vars(cls).get(name, _NO)
        if default is not _NO and not isinstance(default, dataclasses.Field) and type(default).__hash__ is None:
            errors.add(f"mutable default for {name}")
        if annotation is dataclasses.KW_ONLY or str(annotation) in ("KW_ONLY", "dataclasses.KW_ONLY"):
            errors.add("KW_ONLY")
    return errors


@dataclass_transform(frozen_default=True)
def frozen(cls: _T) -> _T:
    """As @dataclass(frozen=True), for what it is used for here; anything else is a TypeError when the class is
    defined: a field that does not go to the constructor (init=False, InitVar) or takes a keyword only, a field's
    own hash=, __post_init__, a method of its own that frozen() would replace (__eq__, __hash__, __repr__,
    __init__, __setattr__, __delattr__), and a base class that is a dataclass.

    The class is made again with a type of its own (_Deferred), and its dataclass bookkeeping waits until it is
    asked for; a class with a dataclasses.field() is completed at once (its class attributes are those fields
    until then, and what they say is checked here). Being made again, it cannot have a base with a metaclass of
    its own (abc.ABC, Protocol), and a base's __init_subclass__ runs twice for it: none of hubtui's has either."""
    own = set(vars(cls)) & {"__eq__", "__hash__", "__repr__", "__init__", "__setattr__", "__delattr__"}
    own |= {"__post_init__"} if hasattr(cls, "__post_init__") else set()  # its own or a base's: never called
    own |= {"InitVar"} if any(isinstance(t, dataclasses.InitVar) or t is dataclasses.InitVar
                              or str(t).startswith(("InitVar", "dataclasses.InitVar"))
                              for t in vars(cls).get("__annotations__", {}).values()) else set()
    own |= _definition_errors(cls)
    if own or any(dataclasses.is_dataclass(base) for base in cls.__mro__[1:]):
        raise TypeError(f"{cls.__name__}: frozen() takes no {', '.join(sorted(own)) or 'dataclass base'}")
    ns = {k: v for k, v in vars(cls).items() if k not in ("__dict__", "__weakref__")}
    ns["__qualname__"] = cls.__qualname__  # (not in vars(cls))
    ns["__frozen_made__"] = True
    if ns.get("__doc__") is None:
        ns["__doc__"] = cls.__name__  # else dataclasses asks inspect for the constructor's signature
    ns.update(__init__=_init, __eq__=_eq, __hash__=_hash, __repr__=_repr, __setattr__=_setattr,
              __delattr__=_delattr)
    new = _Deferred(cls.__name__, cls.__bases__, ns)
    _rebind_class_cells(ns, cls, new)
    if any(isinstance(v, dataclasses.Field) for v in ns.values()):
        _complete(new)
    return new  # type: ignore[return-value]
