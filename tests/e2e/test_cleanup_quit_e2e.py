"""Leaving hubtui during a cleanup run, in a real pty: Ctrl-Q asks first, and the terminal closing (SIGHUP)
cannot leave destruction going on without a screen. Either way the run stops at its next safe point, the
journal says so, and only then does hubtui exit. While it runs, a second cleanup of the same environment is
refused."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import pytest

from cluster.localcluster import HUB_NAMESPACE

from .terminal import Terminal, hubtui_env

pytestmark = pytest.mark.cluster


def start_run(doomed_cluster, state) -> Terminal:
    """The wizard up to a run that waits in 'Delete namespaces' (the held hub namespace keeps it there)."""
    term = Terminal([], hubtui_env(doomed_cluster.kubeconfig, HUB_NAMESPACE, state), rows=36, cols=130)
    term.wait_for("api-server")
    term.press("x")
    term.wait_for("Fill in the form")
    term.press(*"dev", "\t", "right", "right", "right", " ", "f5")  # dev, provider k8s, F5: plan
    term.wait_for("Cleanup plan")
    term.press("D")
    term.wait_for("Are you sure you want to destroy 'dev' on context")
    term.press(*"yes", "enter")
    term.wait_for("Destroying 'dev'")
    term.wait_line("Delete namespaces", "running", timeout=180)
    # the step's real progress: the three infrastructure namespaces go, the held hub namespace stays
    term.wait_for("3/4 · 1 namespace terminating", timeout=120)
    return term


def journal(state) -> list[dict]:
    path = state / "hubtui" / "cleanup" / "dev" / "journal.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def wait_exit(term: Terminal, timeout: float = 60) -> int:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not term.child.isalive():
            return term.child.exitstatus if term.child.exitstatus is not None else -term.child.signalstatus
        term.pump(0.2)
    raise AssertionError(f"hubtui did not exit:\n{term.text}")


def assert_stopped_at_a_safe_point(state) -> None:
    entries = journal(state)
    steps = {e["step"]: e["status"] for e in entries if e["type"] == "step"}
    assert steps["backup"] == "done" and steps["drain"] == "done"
    assert steps["namespaces"] == "cancelled"
    assert "local" not in steps or steps["local"] != "done"
    assert entries[-1]["type"] == "end" and entries[-1]["result"] == "cancelled"


def test_ctrl_q_during_a_run_asks_then_stops_at_a_safe_point_and_exits(doomed_cluster, held_hub, tmp_path):
    state = tmp_path / "state"
    term = start_run(doomed_cluster, state)
    try:
        # a second cleanup of the same environment, from the CLI, is refused while this one runs
        env = dict(os.environ, KUBECONFIG=str(doomed_cluster.kubeconfig), XDG_STATE_HOME=str(state))
        second = subprocess.run([sys.executable, "-m", "hubtui", "cleanup", "-e", "dev", "-p", "k8s", "--force"],
                                env=env, capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL)
        assert second.returncode != 0
        assert f"a cleanup of 'dev' is already running (pid {term.child.pid} on " in second.stderr
        term.press("\x11")  # Ctrl-Q
        term.wait_for("Quit during the cleanup?")
        term.press("n")  # not now: the run goes on
        term.wait_gone("Quit during the cleanup?")
        assert term.child.isalive()
        term.press("\x11")
        term.wait_for("Quit during the cleanup?")
        term.press("y")
        assert wait_exit(term) == 1  # cancelled: not a success
        assert_stopped_at_a_safe_point(state)
    finally:
        term.close()


def test_the_terminal_closing_stops_the_run_at_a_safe_point_before_exiting(doomed_cluster, held_hub, tmp_path):
    state = tmp_path / "state"
    term = start_run(doomed_cluster, state)
    try:
        term.hang_up(timeout=60)
        assert_stopped_at_a_safe_point(state)
    finally:
        if term.child.ptyproc.isalive():
            term.child.ptyproc.kill(9)


def start_to_backup(doomed_cluster, state) -> Terminal:
    """The wizard up to a run whose backup is running (nothing is drained or deleted yet)."""
    term = Terminal([], hubtui_env(doomed_cluster.kubeconfig, HUB_NAMESPACE, state), rows=36, cols=130)
    term.wait_for("api-server")
    term.press("x")
    term.wait_for("Fill in the form")
    term.press(*"dev", "\t", "right", "right", "right", " ", "f5")
    term.wait_for("Cleanup plan")
    term.press("D")
    term.wait_for("Are you sure you want to destroy 'dev' on context")
    term.press(*"yes", "enter")
    term.wait_line("Backup", "running", timeout=180)
    return term


def audit_end(state) -> dict:
    lines = (state / "hubtui" / "audit.jsonl").read_text().splitlines()
    return [e for e in map(json.loads, lines) if e["action"] == "cleanup-end"][-1]


def test_esc_during_the_backup_ends_cancelled_on_screen_and_ctrl_q_exits_1(doomed_cluster, tmp_path):
    """The issue's case: stopped while the backup runs, the run is never "Destroyed" nor "completed"; the
    screen says Cancelled and what finished; the journal and the plan stay for a resume."""
    state = tmp_path / "state"
    term = start_to_backup(doomed_cluster, state)
    try:
        term.press("escape")
        term.wait_for("Cancel the cleanup?")
        term.press("y")
        term.wait_for("was cancelled", timeout=180)
        screen = term.text
        assert "Cancelled, NOT destroyed: 'dev'" in screen and "Destroyed 'dev'" not in screen
        assert "completed" not in screen and "it is NOT done" in screen
        assert "again to resume from 'Drain'" in screen
        last = journal(state)[-1]
        assert last["type"] == "end" and last["result"] == "cancelled"
        assert audit_end(state)["result"] == "cancelled" and audit_end(state)["stopped_after"] == "Backup"
        assert list((state / "hubtui" / "cleanup" / "dev").glob("plan-*.json"))
    finally:
        term.close()


def test_ctrl_q_during_the_backup_exits_1_and_keeps_the_run_for_resume(doomed_cluster, tmp_path):
    state = tmp_path / "state"
    term = start_to_backup(doomed_cluster, state)
    try:
        term.press("\x11")  # Ctrl-Q
        term.wait_for("Quit during the cleanup?")
        term.press("y")
        assert wait_exit(term, timeout=180) == 1  # cancelled: never a success
        assert journal(state)[-1]["result"] == "cancelled"
        end = audit_end(state)
        assert end["result"] == "cancelled" and end["stopped_after"] == "Backup"
        assert set(end["not_run"]) == {"drain", "namespaces", "local"}
        audit = (state / "hubtui" / "audit.jsonl").read_text()
        assert "working files" not in audit  # nothing of the run was forgotten
        assert list((state / "hubtui" / "cleanup" / "dev").glob("plan-*.json"))
    finally:
        term.close()
