"""One cleanup per environment at a time: a lock that dies with its process, refused with who holds it."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from hubtui.errors import HubError
from hubtui.ops.cleanup.lock import EnvironmentLock

ROOT = Path(__file__).resolve().parents[2]

# A process that takes the lock, starts a long-lived child that would inherit every inheritable descriptor
# (as pg_dump would), prints the child's pid, then waits to be told to go (or to be killed).
HOLDER = """
import subprocess, sys
from hubtui.ops.cleanup.lock import EnvironmentLock
lock = EnvironmentLock(sys.argv[1], sys.argv[2]).acquire()
child = subprocess.Popen(["sleep", "60"], close_fds=False, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL)
print(child.pid, flush=True)
sys.stdin.readline()
"""


@pytest.fixture
def holder(tmp_path):
    """Start a process holding the lock of 'dev'; yields (process, its child's pid)."""
    started = []

    def start(state: Path, env: str = "dev"):
        proc = subprocess.Popen([sys.executable, "-c", HOLDER, str(state), env], stdin=subprocess.PIPE,
                                stdout=subprocess.PIPE, text=True, cwd=ROOT)
        line = proc.stdout.readline()
        assert line.strip().isdigit(), f"the holder did not start: {line!r}"
        started.append((proc, int(line)))
        return proc, int(line)

    yield start
    for proc, child in started:
        for pid in (proc.pid, child):
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        proc.wait(10)


def test_the_lock_file_is_beside_the_working_folder_and_says_who_holds_it(tmp_path):
    state = tmp_path / "state"
    with EnvironmentLock(state, "dev") as lock:
        assert lock.path == state / "cleanup" / "dev.lock"
        owner = json.loads(lock.path.read_text())
        assert owner["pid"] == os.getpid() and owner["host"] == socket.gethostname()
        assert owner["started"].endswith("+00:00")
        # the working folder of a completed run goes; the lock is not in it and stays held
        (state / "cleanup" / "dev").mkdir()
        shutil.rmtree(state / "cleanup" / "dev")
        with pytest.raises(HubError, match="already running"):
            EnvironmentLock(state, "dev").acquire()
    assert not lock.path.exists()  # released: removed
    with EnvironmentLock(state, "dev"):  # and free again
        pass


def test_a_holder_in_another_process_is_refused_with_its_pid_and_host(tmp_path, holder):
    state = tmp_path / "state"
    proc, _ = holder(state)
    with pytest.raises(HubError) as caught:
        EnvironmentLock(state, "dev").acquire()
    message = str(caught.value)
    assert message.startswith(f"a cleanup of 'dev' is already running (pid {proc.pid} on {socket.gethostname()}, "
                              "since 20")
    assert message.endswith("): wait for it to finish, or stop it; nothing was changed")
    with EnvironmentLock(state, "staging"):  # another environment is not blocked
        pass
    proc.communicate("go\n", timeout=10)  # the holder exits normally
    with EnvironmentLock(state, "dev"):
        pass


def test_a_killed_holder_leaves_no_blocking_lock_even_if_its_child_lives_on(tmp_path, holder):
    state = tmp_path / "state"
    proc, child = holder(state)
    with pytest.raises(HubError, match=f"pid {proc.pid} "):
        EnvironmentLock(state, "dev").acquire()
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(10)
    os.kill(child, 0)  # the child (think pg_dump) is still running, and has not kept the lock
    assert (state / "cleanup" / "dev.lock").exists()  # a crash leaves the file behind: it blocks nobody
    with EnvironmentLock(state, "dev") as lock:
        assert json.loads(lock.path.read_text())["pid"] == os.getpid()


def test_the_descriptor_is_close_on_exec(tmp_path):
    with EnvironmentLock(tmp_path / "state", "dev") as lock:
        assert not os.get_inheritable(lock._fd)


def test_a_second_lock_in_the_same_process_is_refused(tmp_path):
    """A nested call, another thread or the TUI starting a second run meet the same refusal as another
    process: the lock belongs to an open file, not to the process."""
    state = tmp_path / "state"
    with EnvironmentLock(state, "dev") as lock:
        with pytest.raises(HubError, match=rf"already running \(pid {os.getpid()} on "):
            EnvironmentLock(state, "dev").acquire()
        errors = []

        def other_thread():
            try:
                EnvironmentLock(state, "dev").acquire()
            except HubError as e:
                errors.append(str(e))

        t = threading.Thread(target=other_thread)
        t.start()
        t.join(10)
        assert len(errors) == 1 and "already running" in errors[0]
        with pytest.raises(HubError, match="already running in this hubtui"):
            lock.acquire()  # the same object twice
        assert lock.held  # a refused attempt does not release it
    assert not lock.held


def test_an_unwritable_state_folder_is_one_line(tmp_path):
    (tmp_path / "state").write_text("a file where the folder should be")
    with pytest.raises(HubError) as caught:
        EnvironmentLock(tmp_path / "state", "dev").acquire()
    message = str(caught.value)
    assert message.startswith(f"cannot take the cleanup lock {tmp_path / 'state' / 'cleanup' / 'dev.lock'} (")
    assert message.endswith("nothing was changed") and "\n" not in message


def test_a_lock_released_while_another_waits_to_lock_cannot_let_two_in(tmp_path):
    """The holder removes the file on release; one who opened the old file and locks it after that must
    notice it locked a removed file and take the new one, so that two holders never coexist."""
    state = tmp_path / "state"
    first = EnvironmentLock(state, "dev").acquire()
    late = EnvironmentLock(state, "dev")
    real_open = late._open
    opened = []

    def open_then_let_the_first_go():
        fd = real_open()
        if not opened:
            opened.append(fd)
            first.release()  # removes the file this descriptor points to
            third = EnvironmentLock(state, "dev").acquire()  # a newcomer takes the new file
            opened.append(third)
        return fd

    late._open = open_then_let_the_first_go
    with pytest.raises(HubError, match="already running"):
        late.acquire()  # it must not hold the removed file while `third` holds the real one
    opened[1].release()


@pytest.mark.parametrize("env", ["", "../x", "a/b", ".hidden"])
def test_an_environment_that_cannot_name_a_file_is_refused(tmp_path, env):
    with pytest.raises(HubError, match="cannot name a lock file"):
        EnvironmentLock(tmp_path, env)


def test_the_lock_is_taken_at_once_or_refused_at_once(tmp_path, holder):
    proc, _ = holder(tmp_path / "state")
    started = time.monotonic()
    with pytest.raises(HubError):
        EnvironmentLock(tmp_path / "state", "dev").acquire()
    assert time.monotonic() - started < 2  # LOCK_NB: never waits behind a running cleanup
