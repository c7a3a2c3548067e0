"""Fixtures for the browser tests: Debian's headless Chromium, and `hubtui serve` on a free port.

Without Chromium (or its driver) the tests are skipped with the reason, which pytest prints (-ra); never a
silent pass. `make test` installs both (scripts/install-deps.sh).
"""

from __future__ import annotations

import contextlib
import os
import select
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from .browser import missing_browser, start_chromium


@pytest.fixture
def chromium(tmp_path_factory):
    why = missing_browser()
    if why:
        pytest.skip(f"browser tests skipped: {why}")
    driver = start_chromium(tmp_path_factory.mktemp("chromium-profile"))
    yield driver
    driver.quit()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def processes_with(marker: str) -> list[int]:
    """Pids of the processes whose environment holds `marker` (the server and every session's hubtui)."""
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError):
                if marker.encode() in (entry / "environ").read_bytes():
                    pids.append(int(entry.name))
    return pids


@pytest.fixture
def serve(tmp_path):
    """Start `hubtui serve ARGS` on a free loopback port; returns its URL. At the end it is stopped with
    SIGTERM, and no process it started (a browser session's hubtui) may be left behind."""
    started: list[tuple[subprocess.Popen, str]] = []

    def start(*args: str, env: dict | None = None) -> str:
        port = free_port()
        marker = f"HUBTUI_BROWSER_TEST={uuid.uuid4().hex}"
        name, value = marker.split("=")
        proc = subprocess.Popen([sys.executable, "-m", "hubtui", "serve", *args, "--port", str(port)],
                                env={**os.environ, **(env or {}), name: value},
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        started.append((proc, marker))
        ready, _, _ = select.select([proc.stdout], [], [], 60)
        banner = proc.stdout.readline() if ready else ""
        if f"on http://127.0.0.1:{port}/?token=" not in banner:
            proc.kill()
            raise AssertionError(f"hubtui serve did not start: {banner!r} {proc.stderr.read()!r}")
        return banner.split(" on ", 1)[1].split()[0]  # the URL with this start's token

    yield start
    for proc, marker in started:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()
            raise AssertionError("hubtui serve did not stop on SIGTERM") from None
        deadline = time.monotonic() + 30
        while (left := processes_with(marker)) and time.monotonic() < deadline:
            time.sleep(0.2)
        for pid in left:
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)
        assert not left, f"hubtui serve left processes behind: {left}"
        assert proc.returncode == 0, proc.stderr.read()
