"""One handler for worker failures: a worker that fails with an error it did not handle becomes one line, and
the screen that started it is put back in a usable state (never left "connecting" or "planning").

Every screen mixes in WorkerFailures (Worker.StateChanged does not bubble: it reaches the worker's own node);
the App handles its own workers. A screen that has something to undo defines `worker_failed(worker, message)`.
Start workers with `exit_on_error=False`: with True, Textual ends the whole app instead.
"""

from __future__ import annotations

from textual.worker import Worker, WorkerState

from ..errors import HubError


def one_line(error: BaseException | None) -> str:
    """A HubError as it says itself; anything else as `unexpected <Type>: <first line>`."""
    if error is None:
        return "unexpected error"
    text = str(error).strip().splitlines()[0] if str(error).strip() else ""
    if isinstance(error, HubError):
        return text or type(error).__name__
    return f"unexpected {type(error).__name__}" + (f": {text}" if text else "")


def report_failure(worker: Worker) -> None:
    """Tell the worker's screen (its `worker_failed` hook) and the operator (one notification)."""
    message = one_line(worker.error)
    node = worker.node
    hook = getattr(node, "worker_failed", None)
    if callable(hook):
        hook(worker, message)
    node.app.notify(message, title=f"{worker.name or 'a task'} failed", severity="error", timeout=10)


class WorkerFailures:
    """Mixin for screens: report a failed worker through report_failure()."""

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state == WorkerState.ERROR:
            report_failure(event.worker)
