"""A run's events as both faces show them: the CLI prints these lines, the TUI's run screen writes the same
lines into its log and colours them by tone; step states and outcomes are worded here too."""

from __future__ import annotations

from ..events import Event, LogLine, Progress, StepDone, StepFailed, StepStarted
from .tones import ERROR, MUTED, PLAIN, STRONG, SUCCESS, WARNING

LEVEL_TONES = {"info": PLAIN, "warning": WARNING, "error": ERROR}

# the outcome of a step in a run's summary (ops/cleanup/runner.py's statuses), and the state while it runs
OUTCOME_TONES = {"done": SUCCESS, "done earlier": SUCCESS, "failed": ERROR, "skipped": MUTED, "cancelled": ERROR,
                 "stopped": ERROR, "running": WARNING, "waiting": MUTED}


def event_line(event: Event) -> tuple[str, str] | None:
    """(text, tone) of an event as a line of the run's log; None for progress (shown by progress_text)."""
    if isinstance(event, StepStarted):
        return f"==> {event.detail or event.step}", STRONG
    if isinstance(event, StepDone):
        return f"    ✓ {event.detail or 'done'}", SUCCESS
    if isinstance(event, StepFailed):
        return f"    ✗ {event.error}", ERROR
    if isinstance(event, LogLine):
        head = "" if event.level == "info" else f"{event.level}: "
        return f"    {head}{event.text}", LEVEL_TONES.get(event.level, PLAIN)
    return None


def progress_text(event: Progress) -> str:
    """`3/12 · deleting pvc data-kafka-0` (the count only when the engine counts)."""
    return f"{event.done}/{event.total} · {event.detail}" if event.total else event.detail


def step_failed_state(event: StepFailed) -> str:
    """How a failed step shows in the step list: cancelled (the operator stopped it) or failed."""
    return "cancelled" if "cancel" in event.error else "failed"
