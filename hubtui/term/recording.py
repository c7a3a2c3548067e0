"""Session recordings as asciicast v2 files (asciinema's format): what a connect session printed, and what was
typed into it only when asked for (passwords are typed into sessions). The password hubtui hands over itself
is sent before the recording starts: it is never in one.

A file is one JSON header line, then one JSON line an event: [seconds since the start, "o" | "i" | "r", data].
They live in the state folder's `recordings/` (0700), each file 0600.
"""

from __future__ import annotations

import contextlib
import codecs
import json
import os
import re
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from ..frozen import frozen

SUFFIX = ".cast"


def recordings_dir(state_dir: Path) -> Path:
    return Path(state_dir) / "recordings"


def new_path(state_dir: Path, context: str, store: str) -> Path:
    """`<state>/recordings/20261202T171500Z-<context>-<store>.cast` (the context made safe for a file name)."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    safe = re.sub(r"[^A-Za-z0-9._-]+", "_", context)[:80] or "context"
    return recordings_dir(state_dir) / f"{stamp}-{safe}-{store}{SUFFIX}"


class Recorder:
    """Writes one session's asciicast file as it goes (a session cut short still leaves what it recorded)."""

    def __init__(self, path: Path, rows: int, cols: int, *, title: str, record_input: bool, meta: dict):
        self.path = Path(path)
        self.record_input = record_input
        folder = self.path.parent
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        os.chmod(folder, 0o700)
        fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC | os.O_NOFOLLOW, 0o600)
        self._file = os.fdopen(fd, "w", encoding="utf-8")
        self._started = time.monotonic()
        self._decoders = {"o": codecs.getincrementaldecoder("utf-8")("replace"),
                          "i": codecs.getincrementaldecoder("utf-8")("replace")}
        header = {"version": 2, "width": cols, "height": rows, "timestamp": int(time.time()), "title": title,
                  "env": {"TERM": os.environ.get("TERM", "xterm-256color")}, "hubtui": meta}
        self._file.write(json.dumps(header) + "\n")
        self._file.flush()

    def _event(self, kind: str, text: str) -> None:
        if text:
            self._file.write(json.dumps([round(time.monotonic() - self._started, 6), kind, text]) + "\n")
            self._file.flush()

    def output(self, data: bytes) -> bytes:
        self._event("o", self._decoders["o"].decode(data))
        return data

    def input(self, data: bytes) -> bytes:
        if self.record_input:
            self._event("i", self._decoders["i"].decode(data))
        return data

    def resize(self, rows: int, cols: int) -> None:
        self._event("r", f"{cols}x{rows}")

    def close(self) -> None:
        if not self._file.closed:
            self._file.close()


@frozen
class Recording:
    path: Path
    started: datetime
    seconds: float
    title: str
    meta: dict
    has_input: bool

    @property
    def context(self) -> str:
        return str(self.meta.get("context", ""))

    @property
    def store(self) -> str:
        return str(self.meta.get("store", ""))


def read(path: Path) -> tuple[dict, list[list]]:
    """The header and the events of a recording. Raises ValueError for a file that is not one."""
    lines = Path(path).read_text(encoding="utf-8").splitlines()
    if not lines:
        raise ValueError(f"{path}: empty")
    header = json.loads(lines[0])
    if not isinstance(header, dict) or header.get("version") != 2:
        raise ValueError(f"{path}: not an asciicast v2 recording")
    events = []
    for line in lines[1:]:
        try:
            event = json.loads(line)
        except json.JSONDecodeError:
            break  # a last line cut short (the session was killed): what came before stands
        if isinstance(event, list) and len(event) == 3:
            events.append(event)
    return header, events


def listing(state_dir: Path) -> list[Recording]:
    """Every recording of the state folder, newest first (files that are not recordings are left out)."""
    out = []
    for path in sorted(recordings_dir(state_dir).glob(f"*{SUFFIX}"), reverse=True):
        try:
            header, events = read(path)
        except (OSError, ValueError):
            continue
        out.append(Recording(path, datetime.fromtimestamp(header.get("timestamp", 0), UTC),
                             float(events[-1][0]) if events else 0.0, str(header.get("title", "")),
                             dict(header.get("hubtui") or {}), any(e[1] == "i" for e in events)))
    return out


def play(path: Path, *, speed: float = 1.0, out=None, idle_limit: float = 2.0, stop=None) -> None:
    """Write a recording's output to the terminal with its own timing (`speed` times faster; a pause longer
    than `idle_limit` seconds is shortened to it). `stop()` returning True ends it early."""
    out = out or sys.stdout.buffer
    _, events = read(path)
    with _bytes_as_they_are(out):
        _play(events, speed, out, idle_limit, stop)


def _play(events, speed: float, out, idle_limit: float, stop) -> None:
    clock = 0.0
    last = 0.0
    for at, kind, data in events:
        if kind != "o":
            continue
        pause = min(float(at) - last, idle_limit) / speed
        last = float(at)
        clock += pause
        if pause > 0:
            deadline = time.monotonic() + pause
            while (left := deadline - time.monotonic()) > 0:
                if stop is not None and stop():
                    return
                time.sleep(min(left, 0.05))
        out.write(data.encode("utf-8"))
        out.flush()


@contextlib.contextmanager
def _bytes_as_they_are(out):
    """A terminal's output processing off while a recording plays: its bytes reach the screen as they were
    recorded (a bare \\n stays a line feed, not \\r\\n: a full-screen program's drawing stays where it was)."""
    try:
        fd = out.fileno()
    except (AttributeError, OSError, ValueError):
        fd = None
    if fd is None or not os.isatty(fd):
        yield
        return
    import termios

    saved = termios.tcgetattr(fd)
    changed = list(saved)
    changed[1] &= ~termios.OPOST  # the oflag
    termios.tcsetattr(fd, termios.TCSADRAIN, changed)
    try:
        yield
    finally:
        termios.tcsetattr(fd, termios.TCSADRAIN, saved)
