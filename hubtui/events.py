"""Typed progress events every operation emits; the CLI prints them, the TUI turns them into messages."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, TypeAlias

if TYPE_CHECKING:
    from .facts import Fact


@dataclass(frozen=True)
class StepStarted:
    step: str
    detail: str = ""


@dataclass(frozen=True)
class Progress:
    step: str
    done: int
    total: int
    detail: str = ""


@dataclass(frozen=True)
class LogLine:
    text: str
    level: str = "info"  # info | warning | error


@dataclass(frozen=True)
class StepDone:
    step: str
    detail: str = ""


@dataclass(frozen=True)
class StepFailed:
    step: str
    error: str


Event: TypeAlias = "StepStarted | Progress | LogLine | StepDone | StepFailed | Fact"  # a fact: hubtui/facts.py
Emit = Callable[["Event"], None]


def to_dict(event: Event) -> dict:
    inner = getattr(event, "inner", None)  # facts.Within: an operation's own step event, nested
    if inner is not None:
        return {"event": type(event).__name__, "inner": to_dict(inner)}
    return {"event": type(event).__name__, **asdict(event)}


def ignore(event: Event) -> None:
    """An Emit that drops every event."""
