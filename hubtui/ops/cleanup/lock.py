"""One cleanup per environment at a time, on this machine: a lock that dies with its process.

`with EnvironmentLock(state_dir, environment): ...` takes flock(LOCK_EX | LOCK_NB) on
`<state_dir>/cleanup/<environment>.lock` (beside the environment's working folder, which a completed run
removes) and writes who holds it (pid, host, start time) into the file. The kernel drops the lock when the
holder's file is closed, so a crash or a SIGKILL never leaves a blocking lock behind; the descriptor is
close-on-exec, so a child (pg_dump, psql, a cloud CLI) that outlives a crashed hubtui does not keep it.

The lock is per open file, not per process: a second EnvironmentLock of the same environment in the same
process (a nested call, another thread, the TUI starting a run while one is going) is refused like one in
another process, with this process's pid in the message. The same EnvironmentLock object cannot be
entered twice either.

The file is removed on release while the lock is still held; an acquirer checks after locking that the file
it locked is still the one at the path (otherwise it locked a removed file, and tries again), so a removal
can never let two holders in.
"""

from __future__ import annotations

import errno
import fcntl
import json
import os
import socket
import time
from datetime import datetime, UTC
from pathlib import Path

from ...errors import HubError, UsageError
from .failures import LockHeld, LockHeldHere, LockKeepsMoving, LockUnavailable, NoLockName


class EnvironmentLock:
    def __init__(self, state_dir: Path, environment: str):
        if not environment or "/" in environment or "\0" in environment or environment.startswith("."):
            raise UsageError(NoLockName(environment))
        self.environment = environment
        self.path = Path(state_dir) / "cleanup" / f"{environment}.lock"
        self._fd: int | None = None

    @property
    def held(self) -> bool:
        return self._fd is not None

    def acquire(self) -> EnvironmentLock:
        if self._fd is not None:
            raise HubError(LockHeldHere(self.environment))
        for _ in range(20):  # another holder removing the file meanwhile: open the new one
            fd = self._open()
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError as e:
                os.close(fd)
                if e.errno not in (errno.EWOULDBLOCK, errno.EAGAIN):
                    raise self._cannot(e) from None
                raise self._busy() from None
            try:
                same = os.stat(self.path).st_ino == os.fstat(fd).st_ino
            except FileNotFoundError:
                same = False
            if not same:
                os.close(fd)  # locked a file its last holder removed on release
                continue
            try:
                self._write_owner(fd)
            except OSError as e:
                os.close(fd)
                raise self._cannot(e) from None
            self._fd = fd
            return self
        raise HubError(LockKeepsMoving(str(self.path)))

    def probe(self) -> None:
        """Refuse now (HubError naming the holder) if a run holds the lock; take nothing."""
        self.acquire()
        self.release()

    def release(self) -> None:
        fd, self._fd = self._fd, None
        if fd is None:
            return
        try:
            os.unlink(self.path)  # still held: nobody else can have locked this file
        except OSError:
            pass  # left behind, it blocks nobody (the lock goes with the descriptor)
        os.close(fd)

    def __enter__(self) -> EnvironmentLock:
        return self.acquire()

    def __exit__(self, *exc) -> None:
        self.release()

    # ----- helpers -----------------------------------------------------------------------
    def _open(self) -> int:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            return os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC | os.O_NOFOLLOW, 0o600)
        except OSError as e:
            raise self._cannot(e) from None

    def _write_owner(self, fd: int) -> None:
        owner = {"pid": os.getpid(), "host": socket.gethostname(),
                 "started": datetime.now(UTC).isoformat(timespec="seconds")}
        data = json.dumps(owner).encode()
        os.ftruncate(fd, 0)
        os.pwrite(fd, data, 0)

    def _owner(self) -> dict:
        """Who holds it, as the holder wrote it (a holder that has just taken it may not have yet)."""
        for _ in range(10):
            try:
                owner = json.loads(self.path.read_text())
                if isinstance(owner, dict) and "pid" in owner:
                    return owner
            except (OSError, ValueError):
                pass
            time.sleep(0.05)
        return {}

    def _busy(self) -> HubError:
        owner = self._owner()
        pid, host, started = (str(owner[k]) if k in owner else None for k in ("pid", "host", "started"))
        return HubError(LockHeld(self.environment, pid, host, started))

    def _cannot(self, e: OSError) -> HubError:
        return HubError(LockUnavailable(str(self.path), e.strerror or type(e).__name__))
