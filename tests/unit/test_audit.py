"""The audit log: every entry fsync'd on a line of its own; a failure to write it says so, never "API error"."""

from __future__ import annotations

import json
import os

import pytest

from hubtui import audit as audit_module
from hubtui.audit import AuditError, AuditLog
from hubtui.errors import HubError
from hubtui.kube.client import describe_api_error


def test_each_record_is_fsynced_before_record_returns(tmp_path, monkeypatch):
    synced = []
    real_fsync = os.fsync

    def fsync(fd):
        synced.append(os.readlink(f"/proc/self/fd/{fd}"))
        real_fsync(fd)

    monkeypatch.setattr(audit_module.os, "fsync", fsync)
    log = AuditLog(tmp_path / "state")
    log.record("scale", deployment="a", before=1, after=0)
    log.record("scale", deployment="b", before=2, after=0)
    assert synced == [str(log.path)] * 2
    assert [e["deployment"] for e in log.entries()] == ["a", "b"]


def test_a_write_that_fails_after_the_check_is_an_audit_error_naming_the_log(tmp_path, monkeypatch):
    import errno
    import os

    state = tmp_path / "state"
    state.mkdir()
    log = AuditLog(state)
    log.check()

    def full(fd, data):  # the disk fills up after the check: every write fails with ENOSPC
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "write", full)
    with pytest.raises(AuditError) as caught:
        log.record("scale", deployment="api-server", before=3, after=0)
    err = caught.value
    assert isinstance(err, HubError) and not isinstance(err, OSError) and err.exit_code == 1
    assert str(err).startswith(f"cannot write the audit log {state / 'audit.jsonl'} (No space left on device): ")
    assert "'scale' was done but is not recorded" in str(err) and "\n" not in str(err)
    # what callers that wrap API calls do with it: never "cannot reach the API server"
    assert "cannot reach the API server" not in str(describe_api_error(err, "scaling api-server"))


def test_an_unwritable_audit_folder_fails_the_check_with_one_line(tmp_path):
    (tmp_path / "state").write_text("a file where the folder should be")
    log = AuditLog(tmp_path / "state")
    with pytest.raises(AuditError, match=r"^cannot write the audit log .*audit.jsonl \(.*/state is not a folder\): "
                                         r"fix its folder's permissions or set XDG_STATE_HOME; nothing was changed$"):
        log.check()
    with pytest.raises(AuditError, match=r"^cannot write the audit log .*'delete-namespace' was done"):
        log.record("delete-namespace", namespace="x")


def test_an_audit_file_that_is_a_folder_is_an_audit_error(tmp_path):
    (tmp_path / "state" / "audit.jsonl").mkdir(parents=True)
    with pytest.raises(AuditError, match=r"\(Is a directory\)"):
        AuditLog(tmp_path / "state").record("scale")


def test_a_torn_last_line_never_swallows_the_next_entry(tmp_path):
    log = AuditLog(tmp_path / "state")
    log.record("scale", deployment="a")
    with open(log.path, "a") as f:
        f.write('{"ts": "2026-01-01", "action": "sca')  # a crash cut this write short
    log.record("restore", deployment="b")
    lines = log.path.read_text().splitlines()
    assert len(lines) == 3
    assert json.loads(lines[0])["deployment"] == "a"
    assert json.loads(lines[2])["action"] == "restore" and json.loads(lines[2])["deployment"] == "b"


def test_the_log_is_private_to_its_user(tmp_path):
    log = AuditLog(tmp_path / "state" / "hubtui")
    log.record("scale")
    assert log.path.stat().st_mode & 0o777 == 0o600
    assert log.path.parent.stat().st_mode & 0o777 == 0o700


def test_a_hard_stop_that_comes_while_a_line_is_written_waits_for_it(tmp_path, monkeypatch):
    """The operator's second Ctrl-C (a real SIGINT, through the CLI's handler) lands while a change's line is
    being written: the line is written whole, then the stop goes on."""
    import signal
    import threading

    from hubtui.headless.output import StopOnSignals

    log = AuditLog(tmp_path / "state")
    real_append = audit_module.append_line

    def append_line(path, line):
        os.kill(os.getpid(), signal.SIGINT)  # handled at once, here, on the main thread
        real_append(path, line)

    monkeypatch.setattr(audit_module, "append_line", append_line)
    cancel = threading.Event()
    cancel.set()  # the first Ctrl-C came before
    with StopOnSignals(cancel, first="stopping", terminated="stopping"):
        with pytest.raises(KeyboardInterrupt):
            log.record("scale", deployment="a", before=1, after=0)
        monkeypatch.setattr(audit_module, "append_line", real_append)
        with pytest.raises(KeyboardInterrupt):  # with no line under way, the stop is at once
            os.kill(os.getpid(), signal.SIGINT)  # handled at the next bytecode
    assert [(e["action"], e["deployment"]) for e in log.entries()] == [("scale", "a")]


def test_a_hard_stop_between_a_request_and_its_line_writes_the_line_marked_interrupted(tmp_path):
    log = AuditLog(tmp_path / "state")
    with pytest.raises(KeyboardInterrupt):
        with log.sending("delete-namespace", namespace="a", uid="1"):
            raise KeyboardInterrupt  # the request in flight, or its answer just in
    with pytest.raises(KeyboardInterrupt):
        with log.sending("delete-namespace", namespace="b", uid="2"):
            log.record("delete-namespace", namespace="b", uid="2")
            raise KeyboardInterrupt  # after its line: nothing more to write
    with log.sending("delete-namespace", namespace="c", uid="3"):
        pass  # refused, not sent: no line
    [a, b] = log.entries()
    assert (a["namespace"], b["namespace"]) == ("a", "b") and "interrupted" not in b
    assert a["interrupted"] == "stopped at once before its answer was recorded: it may or may not have been made"
