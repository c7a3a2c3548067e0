"""The pty bridge's handshake: the escape key works while hubtui waits for the program's marker."""

from __future__ import annotations

import sys

import pexpect

SCRIPT = """
from hubtui.term.bridge import run_session
r = run_session(["sleep", "30"], secret="not-typed", ready_marker="NEVER-PRINTED", handshake_timeout=20)
print("RESULT", r.summary(), r.escaped)
"""


def test_ctrl_bracket_ends_a_session_that_is_still_waiting_for_its_marker():
    child = pexpect.spawn(sys.executable, ["-c", SCRIPT], timeout=10, encoding="utf-8")
    try:
        child.expect(pexpect.TIMEOUT, timeout=0.8)  # the session is waiting for its marker
        child.send("abc\x1d")
        child.expect(r"RESULT session ended \(ended with Ctrl-\], \d+s\) True", timeout=5)
        child.expect(pexpect.EOF)
    finally:
        child.close(force=True)
    assert child.exitstatus == 0


def test_a_marker_that_never_comes_still_times_out_in_one_line():
    script = SCRIPT.replace("handshake_timeout=20", "handshake_timeout=1")
    child = pexpect.spawn(sys.executable, ["-c", script], timeout=10, encoding="utf-8")
    try:
        child.expect(r"RESULT session failed: no answer False", timeout=8)
    finally:
        child.close(force=True)
