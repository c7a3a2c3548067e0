"""Printing engine events: human lines on stderr, or NDJSON on stdout."""

from __future__ import annotations

import json
import sys
import threading
from typing import Any
from typing import TextIO

from ..events import Event, LogLine, Progress, StepDone, StepFailed, StepStarted, to_dict


class EventPrinter:
    """An Emit for the headless runners. Thread-safe: scale_all emits from its pool."""

    def __init__(self, *, ndjson: bool = False, out: TextIO | None = None, err: TextIO | None = None):
        self.ndjson = ndjson
        self.out = out or sys.stdout
        self.err = err or sys.stderr
        self._lock = threading.Lock()
        self._out_gone = False  # the reader of `out` went away (`… --ndjson | head -1`): the run goes on unsaid

    def _print(self, line: str) -> None:
        """A line on `out`; once its reader has gone, nothing more (never an error in the middle of a run: the
        engine emits from inside its steps, and a step cut short by its report is worse than an unread report)."""
        if self._out_gone:
            return
        try:
            print(line, file=self.out, flush=True)
        except BrokenPipeError:
            self._out_gone = True
            write_nowhere(self.out)  # what the failed write left in the buffer goes nowhere, not into an error

    def __call__(self, event: Event, context: str | None = None) -> None:
        """`context`: the hub the event comes from (scale across contexts): in each NDJSON line, and first on
        each line for a person."""
        where = f"{context}: " if context else ""
        with self._lock:
            if self.ndjson:
                doc = to_dict(event)
                if isinstance(event, Progress):  # what the count is of: facts, and in words (`3/12 · 5/s · ETA 2s`)
                    from ..present.progress import progress_text

                    doc["detail"] = progress_text(event)
                elif getattr(event, "said", None):  # a cleanup step's end: its facts, and in words as before
                    from ..present.events import step_words

                    doc["detail" if isinstance(event, StepDone) else "error"] = step_words(event)  # type: ignore[arg-type]
                else:
                    self._worded(event, doc)
                self._print(json.dumps({**doc, **({"context": context} if context else {})}))
            elif isinstance(event, LogLine):
                if event.level != "info":
                    print(f"{event.level}: {where}{event.text}", file=self.err, flush=True)
            elif isinstance(event, StepFailed):
                from ..present.events import step_words  # a cleanup step's facts, or the operation's own error

                print(f"error: {where}{step_words(event)}", file=self.err, flush=True)
            elif not isinstance(event, (StepStarted, StepDone, Progress)):  # a fact: its warnings are said
                from ..present.events import said

                line = said(event)
                if line and line[1] != "info":
                    print(f"{line[1]}: {where}{line[0]}", file=self.err, flush=True)

    @staticmethod
    def _worded(event: Any, doc: dict) -> None:
        """A cloud resource's end within the cloud step, or a resource held back: its facts, and in words too."""
        inner = getattr(event, "inner", None)
        if isinstance(inner, (StepDone, StepFailed)) and inner.said:
            from ..present.events import step_words

            doc["inner"]["detail" if isinstance(inner, StepDone) else "error"] = step_words(inner)
        elif held_back(event):
            from ..present.cloud import resource_text

            doc["detail"] = resource_text(event.why)

    def result(self, doc: dict) -> None:
        with self._lock:
            # a reader gone by now reads no result: the command still ends with the run's own exit code
            self._print(json.dumps({"event": "Result", **doc}) if self.ndjson else json.dumps(doc, indent=2))


def write_nowhere(stream: TextIO) -> None:
    """`stream`'s reader has gone: its file descriptor now writes to /dev/null, so that what is still buffered
    (and the interpreter's last flush) goes nowhere instead of raising BrokenPipeError again."""
    import os

    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, stream.fileno())
        os.close(devnull)
    except (OSError, ValueError, AttributeError):  # not a file (a test's StringIO)
        pass


def held_back(event: Event) -> bool:
    """A cloud resource held back (facts.HeldBack; the facts are loaded when a cleanup made one)."""
    facts = sys.modules.get("hubtui.facts")
    return facts is not None and isinstance(event, facts.HeldBack)


def table(headers: tuple[str, ...], rows: list[tuple[str, ...]]) -> str:
    widths = [max(len(str(x)) for x in col) for col in zip(headers, *rows)]
    lines = ["  ".join(str(v).ljust(w) for v, w in zip(r, widths)).rstrip() for r in [headers, *rows]]
    return "\n".join(lines)


def say(text: str) -> None:
    """A line on stderr that may have gone with the terminal."""
    try:
        print(text, file=sys.stderr, flush=True)
    except OSError:
        pass


class StopOnSignals:
    """While entered (on the main thread), the operator's stop sets `cancel` instead of killing the command:
    the first Ctrl-C says `first`; a second one stops at once (KeyboardInterrupt, hubtui.audit.stop_at_once:
    a change under way still gets its audit line) when `second_stops`; SIGTERM,
    and SIGHUP when `hang_up` (the terminal went away), set it too, said as `'{name}: ' + terminated`. The
    handlers that were there come back on leaving."""

    def __init__(self, cancel: threading.Event, *, first: str, terminated: str, second_stops: bool = True,
                 hang_up: bool = False):
        self.cancel, self.first, self.terminated = cancel, first, terminated
        self.second_stops, self.hang_up = second_stops, hang_up
        self._previous: dict = {}

    def _interrupt(self, signum, frame) -> None:
        if self.cancel.is_set() and self.second_stops:
            from ..audit import stop_at_once

            stop_at_once()  # KeyboardInterrupt, once the audit line being written (if any) is written
            return
        self.cancel.set()
        say("\n" + self.first)

    def _terminate(self, signum, frame) -> None:
        import signal

        self.cancel.set()
        say(f"\n{signal.Signals(signum).name}: {self.terminated}")

    def __enter__(self) -> StopOnSignals:
        import signal

        if threading.current_thread() is threading.main_thread():
            handlers = {signal.SIGINT: self._interrupt, signal.SIGTERM: self._terminate}
            if self.hang_up:
                handlers[signal.SIGHUP] = self._terminate
            self._previous = {sig: signal.signal(sig, handler) for sig, handler in handlers.items()}
        return self

    def __exit__(self, *exc) -> None:
        import signal

        for sig, handler in self._previous.items():
            signal.signal(sig, handler)
