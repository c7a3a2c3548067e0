"""An engine's events as a person reads them in the run's log: each fact and log line worded by present/, as a
LogLine (text, level), so that a test asserts on the words and not on which type carried them."""

from __future__ import annotations

from collections.abc import Iterable

from hubtui.events import Event, LogLine
from hubtui.present.events import said


def lines(events: Iterable[Event]) -> list[LogLine]:
    return [LogLine(*words) for e in events if (words := said(e))]
