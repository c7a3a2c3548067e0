"""Run `kubectl exec -it` under a pty with the real terminal's size, pass resizes through, hand over a
secret with echo off, offer an escape key, and report the exit status and the duration."""

from __future__ import annotations

import os
import signal
import sys
import time

from ..frozen import frozen

ESCAPE_KEY = "\x1d"  # Ctrl-]
ESCAPE_NAME = "Ctrl-]"


@frozen
class SessionResult:
    exit_status: int | None
    seconds: float
    escaped: bool = False
    error: str | None = None

    @property
    def duration(self) -> str:
        s = int(round(self.seconds))
        return f"{s // 60}m{s % 60:02d}s" if s >= 60 else f"{s}s"

    def summary(self) -> str:
        if self.error:
            return f"session failed: {self.error}"
        how = f"ended with {ESCAPE_NAME}" if self.escaped else f"exit {self.exit_status}"
        return f"session ended ({how}, {self.duration})"


def terminal_size(fd: int | None = None) -> tuple[int, int]:
    try:
        size = os.get_terminal_size(sys.stdin.fileno() if fd is None else fd)
        return size.lines, size.columns
    except OSError:
        return 24, 80


def run_session(argv: list[str], *, secret: str | None = None, ready_marker: str | None = None,
                env: dict | None = None, escape: str = ESCAPE_KEY, handshake_timeout: float = 30,
                recorder=None) -> SessionResult:
    """Give the terminal to argv until it exits or the escape key is pressed.

    With a secret, wait until the program prints ready_marker (its side has turned echo off), then
    send the secret and a newline; neither the marker nor the secret reaches the screen.
    `recorder` (term/recording.py) gets the session's output, its input, and its resizes, from the moment the
    terminal is handed over: the secret is sent before that, and is never in a recording."""
    import pexpect

    started = time.monotonic()
    if not os.isatty(sys.stdin.fileno()):
        return SessionResult(None, 0.0, error="an interactive session needs a terminal (stdin is not one)")
    try:
        child = pexpect.spawn(argv[0], argv[1:], env=env, dimensions=terminal_size(), echo=False)
    except pexpect.ExceptionPexpect as e:
        return SessionResult(None, 0.0, error=str(e).splitlines()[0])

    def resize(*_):
        if child.isalive():
            child.setwinsize(*terminal_size())
            if recorder is not None:
                recorder.resize(*terminal_size())

    previous = signal.signal(signal.SIGWINCH, resize) if hasattr(signal, "SIGWINCH") else None
    try:
        return _drive(child, started, secret, ready_marker, escape, handshake_timeout, recorder)
    except KeyboardInterrupt:
        return _abort(child, started, "interrupted")
    except Exception as e:  # noqa: BLE001 - the terminal must come back to hubtui whatever happens
        return _abort(child, started, f"{type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}")
    finally:
        if previous is not None:
            signal.signal(signal.SIGWINCH, previous)


# what a client may have switched on through its output and that the terminal keeps after it is killed: the
# alternate screen (a pager), a hidden cursor, application keypad and cursor keys, bracketed paste, a colour
RESET_MODES = "\x1b[?1049l\x1b[?25h\x1b[?1l\x1b>\x1b[?2004l\x1b[0m"


def _reset_terminal() -> None:
    """After a client was ended (the escape key, an error), not after one that left by itself."""
    try:
        sys.stdout.write(RESET_MODES)
        sys.stdout.flush()
    except OSError:
        pass


def _abort(child, started: float, reason: str | None, *, escaped: bool = False) -> SessionResult:
    try:
        if child.isalive():
            child.terminate(force=True)
            _reset_terminal()
        child.close()
    except Exception:  # noqa: BLE001
        pass
    return SessionResult(child.exitstatus, time.monotonic() - started, escaped=escaped, error=reason)


ESCAPED = -1


def _await_marker(child, marker: bytes, escape: str, timeout: float) -> int:
    """Wait for the program's marker while the escape key still works: 0 the marker came, 1 the program
    ended, 2 no marker in time, ESCAPED the operator pressed the escape key. Keys typed meanwhile are not
    passed on (the secret comes next; nothing typed may end up in front of it)."""
    import select
    import termios
    import tty

    import pexpect

    fd = sys.stdin.fileno()
    saved = termios.tcgetattr(fd)
    try:
        tty.setcbreak(fd)  # keys one by one, without echo; Ctrl-C still interrupts
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                return 2
            found = child.expect([marker, pexpect.EOF, pexpect.TIMEOUT], timeout=min(0.1, left))
            if found in (0, 1):
                return found
            ready, _, _ = select.select([fd], [], [], 0)
            if ready and escape.encode() in os.read(fd, 1024):
                return ESCAPED
    finally:
        termios.tcsetattr(fd, termios.TCSADRAIN, saved)


def _drive(child, started, secret, ready_marker, escape, handshake_timeout, recorder=None) -> SessionResult:
    import pexpect

    if secret is not None and ready_marker:
        found = _await_marker(child, ready_marker.encode(), escape, handshake_timeout)
        if found == ESCAPED:
            return _abort(child, started, None, escaped=True)
        if found != 0:
            said = (child.before or b"").decode(errors="replace").strip().splitlines()
            child.terminate(force=True)
            child.close()
            reason = said[-1] if said else ("no answer" if found == 2 else "the session ended at once")
            return SessionResult(child.exitstatus, time.monotonic() - started, error=reason)
        child.send(secret + "\n")
        # Drop the rest of the marker's line; what follows belongs to the user.
        child.expect([b"\n", pexpect.TIMEOUT, pexpect.EOF], timeout=2)
    pressed = []

    def watch_input(data: bytes) -> bytes:
        if escape.encode() in data:
            pressed.append(True)
        if recorder is not None:
            recorder.input(data.split(escape.encode(), 1)[0])
        return data

    if recorder is not None and child.buffer:  # read already (with the marker's line): interact writes it to
        recorder.output(child.buffer)  # the terminal itself, past its output filter
    child.interact(escape_character=escape, input_filter=watch_input,
                   output_filter=recorder.output if recorder is not None else None)
    escaped = bool(pressed)  # else interact returned because the program ended
    if escaped and child.isalive():
        child.terminate(force=True)
        _reset_terminal()
    elif child.isalive():
        child.wait()  # it is exiting: let it, so that its own status is the one reported
    child.close()
    status = child.exitstatus if child.exitstatus is not None else (
        128 + child.signalstatus if child.signalstatus else None)
    return SessionResult(status, time.monotonic() - started, escaped=escaped)
