"""An audit log that fails while changes are being made is reported as the audit log, never as an API error,
and no further change is sent. Against the real cluster, each test in a namespace of its own."""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
from pathlib import Path

import pytest

from hubtui.audit import AuditError, AuditLog
from hubtui.ops.cleanup.kube_steps import drain
from hubtui.ops.scale import ScaleEngine


pytestmark = pytest.mark.cluster


@pytest.fixture
def ns(scratch):
    return scratch("audit", {"api-server": 1, "worker-service": 1, "forecasting": 1}, ready=False)


def full_state(tmp_path: Path, monkeypatch) -> Path:
    """A state folder whose audit log opens (the check passes) but cannot take a byte: every write to it fails
    with ENOSPC, as on a full disk (state files are never opened through a link, so /dev/full cannot stand in)."""
    import errno

    state = tmp_path / "state" / "hubtui"
    state.mkdir(parents=True)
    real_write = os.write

    def write(fd, data):
        try:
            target = os.readlink(f"/proc/self/fd/{fd}")
        except OSError:
            target = ""
        if target == str(state / "audit.jsonl"):
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return real_write(fd, data)

    monkeypatch.setattr(os, "write", write)
    return state


def limited_log(tmp_path: Path):
    """For a hubtui process: an audit log at the size limit of the files it may write (RLIMIT_FSIZE, with
    SIGXFSZ ignored across exec), so that its first line fails with EFBIG, as a write to a full disk fails."""
    import resource
    import signal

    state = tmp_path / "state" / "hubtui"
    state.mkdir(parents=True)
    log = state / "audit.jsonl"
    log.write_text('{"action": "earlier"}\n')
    size = log.stat().st_size

    def limit() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (size, size))

    return log, limit


def test_the_engine_reports_a_failing_audit_log_as_such_and_scales_nothing_after_it(kube, kube_settings, ns,
                                                                                    tmp_path, monkeypatch):
    state = full_state(tmp_path, monkeypatch)
    engine = ScaleEngine(kube, dataclasses.replace(kube_settings, namespace=ns.name, state_dir=state))
    with pytest.raises(AuditError) as caught:
        engine.scale_all(0)  # maintenance: each count is recorded by the request that scales it to 0
    message = str(caught.value)
    assert message.startswith("cannot write the audit log ") and "(No space left on device)" in message
    assert "'scale' was done but is not recorded" in message and "API" not in message
    # The first change of a bulk goes alone: the one it made is the only one, and it kept its count to restore.
    now = ns.replicas()
    assert sorted(now.values()) == [0, 1, 1], now
    [scaled] = [name for name, n in now.items() if n == 0]
    from hubtui.ops.scale import made_before

    assert [(c.name, c.after) for c in made_before(caught.value)] == [(scaled, 0)]  # said with the error
    assert ns.annotations(scaled)["hubtui.io/original-replicas"] == "1"
    assert all("hubtui.io/original-replicas" not in ns.annotations(name) for name in now if name != scaled)


def test_hubtui_scale_exits_1_naming_the_audit_log(local_cluster, ns, tmp_path):
    log, limit = limited_log(tmp_path)
    env = dict(os.environ, KUBECONFIG=str(local_cluster.kubeconfig), NAMESPACE=ns.name,
               XDG_STATE_HOME=str(tmp_path / "state"))
    proc = subprocess.run([sys.executable, "-m", "hubtui", "scale", "-d", "forecasting", "-r", "2"], env=env,
                          capture_output=True, text=True, timeout=120, preexec_fn=limit)
    assert proc.returncode == 1
    assert proc.stderr.splitlines()[-1] == (
        f"hubtui: error: cannot write the audit log {log} (File too large): 'scale' was done but is not recorded; "
        "stopping. Fix the log's folder or set XDG_STATE_HOME")
    assert "cannot reach the API server" not in proc.stderr and "Traceback" not in proc.stderr
    # the change was made: it is said before the error, never left to read as "nothing changed"
    assert "changed before it stopped (1 deployment, not rolled back): forecasting 1 → 2" in proc.stderr


def test_a_drain_passes_an_audit_failure_through_unchanged(kube, ns, tmp_path, monkeypatch):
    audit = AuditLog(full_state(tmp_path, monkeypatch))
    with pytest.raises(AuditError) as caught:
        drain(kube, ns.name, audit=audit, timeout=5)
    assert str(caught.value).startswith(f"cannot write the audit log {audit.path} (No space left on device): ")
