"""Drive hubtui in a real pseudo-terminal (pexpect) and read the screen as a person would (pyte)."""

from __future__ import annotations

import os
import sys
import time

import pexpect
import pyte

KEYS = {"up": "\x1b[A", "down": "\x1b[B", "right": "\x1b[C", "left": "\x1b[D", "enter": "\r", "escape": "\x1b",
        "f5": "\x1b[15~"}


class Terminal:
    def __init__(self, args: list[str], env: dict, rows: int = 30, cols: int = 120):
        self.screen = pyte.Screen(cols, rows)
        self.stream = pyte.ByteStream(self.screen)
        self.raw = bytearray()  # every byte hubtui wrote to the terminal, as it came
        self.child = pexpect.spawn(sys.executable, ["-m", "hubtui", *args], env=env, dimensions=(rows, cols),
                                   timeout=5)

    def pump(self, seconds: float = 0.05) -> None:
        deadline = time.monotonic() + seconds
        while True:
            try:
                data = self.child.read_nonblocking(65536, timeout=max(0.01, deadline - time.monotonic()))
                self.raw += data
                self.stream.feed(data)
            except pexpect.TIMEOUT:
                pass
            except pexpect.EOF:
                return
            if time.monotonic() >= deadline:
                return

    @property
    def text(self) -> str:
        return "\n".join(self.screen.display)

    # How long a wait may take before it fails. Passing waits end as soon as the text is there; the bound is
    # wide because three lanes and a cluster booting beside them share two cores (a read-only plan that takes
    # 2 s alone took over 15 s in CI).
    WAIT = 45.0

    def wait_for(self, needle: str, timeout: float = WAIT) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.pump(0.1)
            if needle in self.text:
                return self.text
        raise AssertionError(f"{needle!r} never appeared on screen:\n{self.text}")

    def wait_gone(self, needle: str, timeout: float = WAIT) -> str:
        """Wait until `needle` is no longer on screen (a dialog closed), with hubtui still running."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.pump(0.1)
            if needle not in self.text:
                return self.text
            if not self.child.isalive():
                break
        raise AssertionError(f"{needle!r} still on screen (hubtui running: {self.child.isalive()}):\n{self.text}")

    def wait_line(self, start: str, *parts: str, timeout: float = WAIT) -> str:
        """Wait for a screen line that starts with `start` (after spaces) and holds every one of `parts`."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.pump(0.1)
            for line in self.screen.display:
                if line.strip().startswith(start) and all(p in line for p in parts):
                    return line
        raise AssertionError(f"no line {start!r} with {parts} on screen:\n{self.text}")

    def line_with(self, needle: str) -> str:
        return next((line for line in self.screen.display if needle in line), "")

    def press(self, *keys: str) -> None:
        """Keys as one burst, as a fast typist or a paste sends them: written together, with no wait between
        them; only a bare ESC is followed by a pause (the terminal's way of telling it from an escape sequence)."""
        burst = ""
        for key in keys:
            burst += KEYS.get(key, key)
            if key == "escape":
                self.child.send(burst)
                burst = ""
                time.sleep(0.25)
        if burst:
            self.child.send(burst)
        self.pump(0.05)

    def ends(self, *keys: str, timeout: float = 15) -> None:
        """`keys`, and the program ends cleanly (exit status 0) within `timeout` seconds."""
        self.press(*keys)
        self.child.expect(pexpect.EOF, timeout=timeout)
        self.child.close()
        assert self.child.exitstatus == 0, f"exited with {self.child.exitstatus}:\n{self.text}"

    def quit(self) -> None:
        """`q`, and hubtui ends cleanly (exit status 0) within 10 s."""
        self.ends("q", timeout=10)

    def hang_up(self, timeout: float = 20) -> None:
        """The terminal goes away (the kernel sends SIGHUP), and the program ends within `timeout` seconds."""
        os.close(self.child.child_fd)
        self.child.child_fd = -1
        deadline = time.monotonic() + timeout
        while self.child.ptyproc.isalive() and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not self.child.ptyproc.isalive(), "hubtui is still running after its terminal closed"

    def close(self) -> int | None:
        if self.child.isalive():
            self.child.terminate(force=True)
        return self.child.exitstatus


def hubtui_env(kubeconfig, namespace: str, state_dir) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TEXTUAL")}
    env.update(KUBECONFIG=str(kubeconfig), NAMESPACE=namespace, XDG_STATE_HOME=str(state_dir),
               TERM="xterm-256color", COLORTERM="truecolor")
    return env
