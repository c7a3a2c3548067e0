"""Typed progress events every operation emits; the CLI prints them, the TUI turns them into messages."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from collections.abc import Callable


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


Event = StepStarted | Progress | LogLine | StepDone | StepFailed
Emit = Callable[[Event], None]


def to_dict(event: Event) -> dict:
    return {"event": type(event).__name__, **asdict(event)}


def ignore(event: Event) -> None:
    """An Emit that drops every event."""
