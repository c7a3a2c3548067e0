"""Typed progress events every operation emits; the CLI prints them, the TUI turns them into messages."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import fields, is_dataclass
from typing import TYPE_CHECKING, Any, TypeAlias

from .frozen import frozen

if TYPE_CHECKING:
    from .facts import Fact, Said


@frozen
class StepStarted:
    step: str
    detail: str = ""


@frozen
class Progress:
    step: str
    done: int
    total: int
    said: tuple[object, ...] = ()  # what the count is of, as facts (worded by present/events.progress_text)


@frozen
class LogLine:
    text: str
    level: str = "info"  # info | warning | error


@frozen
class StepDone:
    step: str
    detail: str = ""
    said: tuple[Said, ...] = ()  # a cleanup step's end: what it came to, as facts (worded by present/)


@frozen
class StepFailed:
    step: str
    error: str
    said: tuple[Said, ...] = ()


# What a scale reports besides its steps: facts, worded by present/events.py (scale_line). Here, not in
# hubtui/facts.py: a scale of one deployment loads no cleanup facts (each dataclass costs its import ~3 ms).
@frozen
class HpaWillUndo:
    """A manual scale of `deployment` to `replicas`, outside the range `low`–`high` of its HPA `hpa` (the HPA
    will scale it back to the bound), or to 0 (the HPA pauses while it is at 0)."""
    deployment: str
    hpa: str
    low: int
    high: int
    replicas: int


@frozen
class AtRecordedCount:
    """A restore found `deployment` already at its recorded count: nothing to scale, its record cleared."""
    deployment: str


@frozen
class Pace:
    """A bulk change's pace, with its Progress: `per_second` changes a second so far, `eta` seconds left."""
    per_second: float
    eta: float


@frozen
class Ready:
    """A wait's Progress counts the deployments that are ready."""


Event: TypeAlias = "StepStarted | Progress | LogLine | StepDone | StepFailed | HpaWillUndo | Fact"  # a fact: hubtui/facts.py
Emit = Callable[["Event"], None]


def to_dict(event: Event) -> dict:
    inner = getattr(event, "inner", None)  # facts.Within: an operation's own step event, nested
    if inner is not None:
        return {"event": type(event).__name__, "inner": to_dict(inner)}
    out = {"event": type(event).__name__, **{f.name: _value(getattr(event, f.name)) for f in fields(event)}}
    if not getattr(event, "said", None):  # a step's or a count's facts, each named; none: no field
        out.pop("said", None)
    return out


def _value(v):
    """A field as JSON data: a fact within (a HeldBack's reason, a Listed's said) named, as named() names it."""
    if isinstance(v, tuple) and any(is_dataclass(x) for x in v):
        return [named(x) if is_dataclass(x) else x for x in v]
    if is_dataclass(v) and not isinstance(v, type):
        return named(v)
    return v


def named(fact) -> dict:
    """A fact (a dataclass) as JSON data, named: {"fact": "BackedUp", "files": 3, "folder": "…"}; facts within
    it (a Listed's said, a HeldBack's reason) are named too."""
    return {"fact": type(fact).__name__, **{f.name: _value(getattr(fact, f.name)) for f in fields(fact)}}


def from_named(data: dict, table: Mapping[str, type], unknown: type[Exception]) -> Any:
    """A fact back from named()'s data, by its class in `table` (lists read back as tuples). A name the table does
    not hold, or fields its class does not take, raise `unknown` (a saved plan's facts: the plan is refused)."""
    fields = dict(data)
    cls = table.get(str(fields.pop("fact", "")))
    if cls is None:
        raise unknown(f"a fact this hubtui does not know: {data!r}")
    try:
        return cls(**{k: tuple(v) if isinstance(v, list) else v for k, v in fields.items()})
    except TypeError:  # a field this hubtui does not know, or one missing
        raise unknown(f"a fact this hubtui reads otherwise: {data!r}") from None


def ignore(event: Event) -> None:
    """An Emit that drops every event."""
