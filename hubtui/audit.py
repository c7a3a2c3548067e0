"""Append-only JSON-lines record of every change hubtui makes to a cluster or a cloud, and of every connect
session (`connect.start` before it opens, `connect.session` with start, end, duration and exit status after it:
see hubtui/ops/connect.py's hand_over; never the password nor the command line).

Each entry is one line, appended under an exclusive lock and fsync'd before record() returns. A failure to
write raises AuditError (a HubError that says it is the audit log), never an OSError: callers wrap API calls
in `except Exception -> describe_api_error(...)`, which would report an OSError as "cannot reach the API
server".
"""

from __future__ import annotations

import fcntl
import getpass
import json
import os
import threading
from contextlib import contextmanager
from datetime import datetime, UTC
from pathlib import Path

from .errors import HubError

_lock = threading.Lock()

# The operator's hard stop (a second Ctrl-C) is a KeyboardInterrupt raised on the main thread wherever it is.
# A change and its audit line are one: while a line is being written the stop waits for it (_held), and a
# stop that lands between a change's request and its line writes the line itself (`sending`). Main thread
# only: no signal lands on another, and those finish their change before the process ends.
_held = 0
_stop_pending = False
_sending: list[_Change] = []  # the main thread's changes under way whose line is not written yet


def _on_main() -> bool:
    return threading.current_thread() is threading.main_thread()


def stop_at_once() -> None:
    """From a signal handler (the operator's second Ctrl-C): KeyboardInterrupt now, or, while an audit line is
    being written, as soon as it is."""
    global _stop_pending
    if _held:
        _stop_pending = True
        return
    raise KeyboardInterrupt


class _Change:
    """A change under way (AuditLog.sending): `settled()` once its answer shows nothing was made."""

    def __init__(self) -> None:
        self.written = False

    def settled(self) -> None:
        self.written = True


@contextmanager
def held():
    """Lines that belong together (an audit line; a step's journal entry and its audit line) are written whole:
    the operator's hard stop waits for the end of the block."""
    global _held, _stop_pending
    if not _on_main():
        yield
        return
    _held += 1
    try:
        yield
    finally:
        _held -= 1
        if not _held and _stop_pending:
            _stop_pending = False
            raise KeyboardInterrupt


class AuditError(HubError):
    """The audit log cannot be written. Not an API error: the message names the log and the reason (`log`,
    `reason`: what the stop of a run says of the lines it could not write)."""

    def __init__(self, said: str, *, log: Path | None = None, reason: str = ""):
        super().__init__(said)
        self.log, self.reason = log, reason


def own_folder(folder: Path) -> None:
    """hubtui's state folder must be this user's: one owned by another user (a shared /tmp, a planted folder)
    could be read or rewritten by them. Raises PermissionError (an OSError) naming the owner."""
    try:
        st = os.stat(folder)
    except FileNotFoundError:
        return
    if hasattr(os, "getuid") and st.st_uid != os.getuid():
        raise PermissionError(1, f"it is owned by uid {st.st_uid}, not by you (uid {os.getuid()}): hubtui "
                                 "keeps its state only in a folder of your own")


def append_line(path: Path, line: str) -> None:
    """Append one line durably: under flock (other hubtui processes append too), on a line of its own (a
    last line cut short by a crash gets its "\\n" first, so that it cannot swallow this one), fsync'd.
    Creates the folder (0700) and the file (0600). Raises OSError."""
    path = Path(path)
    data = (line.rstrip("\n") + "\n").encode()
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    own_folder(path.parent)
    fd = os.open(path, os.O_RDWR | os.O_APPEND | os.O_CREAT | os.O_CLOEXEC | os.O_NOFOLLOW, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        size = os.fstat(fd).st_size
        if size and os.pread(fd, 1, size - 1) != b"\n":
            data = b"\n" + data
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view):]
        os.fsync(fd)
    finally:
        os.close(fd)  # releases the flock


class AuditLog:
    def __init__(self, state_dir: Path):
        self.path = Path(state_dir) / "audit.jsonl"

    def check(self) -> None:
        """Raise AuditError now if entries could not be appended (call it before changing anything)."""
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            own_folder(self.path.parent)
            os.close(os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_CLOEXEC | os.O_NOFOLLOW,
                             0o600))
        except OSError as e:
            raise AuditError(f"cannot write the audit log {self.path} ({_reason(e)}): fix its folder's permissions "
                             "or set XDG_STATE_HOME; nothing was changed", log=self.path, reason=_reason(e)) from None

    def record(self, action: str, **fields) -> None:
        """Append one entry (when, who, what), fsync'd. Never pass a secret in fields.

        Raises AuditError if it cannot be written: the change it records has been made, so the caller
        stops rather than go on unaudited."""
        entry = {"ts": datetime.now(UTC).isoformat(timespec="milliseconds"),
                 "user": _user(), "action": action, **fields}
        line = json.dumps(entry, sort_keys=False, default=str)
        with held(), _lock:
            try:
                append_line(self.path, line)
            except OSError as e:
                raise AuditError(f"cannot write the audit log {self.path} ({_reason(e)}): '{action}' was done but "
                                 "is not recorded; stopping. Fix the log's folder or set XDG_STATE_HOME",
                                 log=self.path, reason=_reason(e)) from None
            if _on_main() and _sending:
                _sending[-1].written = True  # the line of the change under way is written

    @contextmanager
    def sending(self, action: str, **fields):
        """Around a request that changes something and the record() of its line after it. A hard stop that
        lands before the line is written (the request in flight, or its answer just in) writes this line
        instead, marked `interrupted`: the change may or may not have been made. Then the stop goes on. Yields
        the change: `settled()` once its answer shows nothing was made (then no line is written)."""
        change = _Change()
        if not _on_main():
            yield change
            return
        _sending.append(change)
        try:
            yield change
        except KeyboardInterrupt:
            if not change.written:
                try:
                    self.record(action, **fields, interrupted="stopped at once before its answer was recorded: "
                                                              "it may or may not have been made")
                except AuditError:
                    pass  # the stop goes on; nothing more can be recorded
            raise
        finally:
            _sending.remove(change)

    def entries(self) -> list[dict]:
        try:
            return [json.loads(line) for line in self.path.read_text().splitlines() if line.strip()]
        except FileNotFoundError:
            return []


def _reason(e: OSError) -> str:
    if isinstance(e, FileExistsError) and e.filename and not os.path.isdir(e.filename):
        return f"{e.filename} is not a folder"  # mkdir's "File exists" would not say what is wrong
    return e.strerror or type(e).__name__


def _user() -> str:
    try:
        return getpass.getuser()
    except Exception:  # noqa: BLE001 - no user name in some containers
        return str(os.getuid())
