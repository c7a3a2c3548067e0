"""A stopped cleanup is never "completed": stopped after each step in turn, in the engine (the TUI's face)
and from the CLI (SIGTERM), it ends `cancelled`, is not ok (exit 1), keeps its journal and plan for a resume,
and the audit log names the step it stopped after. Each stop is resumed by the next run, so one doomed
cluster walks through every step."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading

import pytest

from cluster.localcluster import HUB_NAMESPACE
from hubtui.audit import AuditLog
from hubtui.events import StepStarted
from hubtui.kube.client import connect
from hubtui.ops.cleanup.plan import CleanupOptions, discover, working_dir
from hubtui.ops.cleanup.runner import CleanupRun, pending_run
from hubtui.settings import Settings
from hubtui.present.summary import render as render_summary

pytestmark = pytest.mark.cluster
STEPS = ["quiesce", "backup", "drain", "namespaces", "local"]
TITLES = {"quiesce": "Stop writers", "backup": "Backup", "drain": "Drain", "namespaces": "Delete namespaces", "local": "Local state"}


def last_end(state_dir) -> dict:
    return [e for e in AuditLog(state_dir).entries() if e["action"] == "cleanup-end"][-1]


def assert_cancelled_and_resumable(state_dir, stop_at: str, result: str, steps: dict[str, str]) -> None:
    assert result == "cancelled", f"stopped during {stop_at}: {result}"
    # the step the stop came in: it either noticed and stopped, or ran to its end; none after it ran
    assert steps[stop_at] in ("done", "done earlier", "cancelled"), steps
    later = STEPS[STEPS.index(stop_at) + 1:]
    assert all(steps[s] == "skipped" for s in later), steps
    pending = pending_run(state_dir, "dev")
    assert pending is not None and pending.result == "cancelled"
    assert (working_dir(state_dir, "dev") / "journal.jsonl").exists()
    assert pending.plan_file and os.path.exists(pending.plan_file)
    end = last_end(state_dir)
    assert end["result"] == "cancelled"
    finished = [TITLES[s] for s in STEPS if steps[s] in ("done", "done earlier")]
    assert end["stopped_after"] == (finished[-1] if finished else "nothing")
    assert set(end["not_run"]) == {s for s in STEPS if steps[s] not in ("done", "done earlier")}
    assert not [e for e in AuditLog(state_dir).entries()
                if e["action"] == "remove-local" and str(e.get("item", "")).startswith("working files")]


def test_the_engine_stopped_during_each_step_ends_cancelled_and_resumes(doomed_cluster, tmp_path, monkeypatch):
    settings = Settings.from_env(kubeconfig=str(doomed_cluster.kubeconfig), namespace=HUB_NAMESPACE,
                                 state_dir=tmp_path / "state")
    conn = connect(settings)
    try:
        plan = discover(conn, CleanupOptions("dev", "k8s", HUB_NAMESPACE), settings)
        plan_file = plan.save(settings.state_dir)
        for stop_at in STEPS:
            cancel = threading.Event()

            def emit(event, stop_at=stop_at, cancel=cancel):
                if isinstance(event, StepStarted) and event.step == stop_at:
                    cancel.set()  # Esc or Ctrl-Q answered yes while this step runs

            summary = CleanupRun(plan, plan_file, conn, settings, emit=emit, cancel=cancel,
                                 drain_timeout=60, namespace_timeout=60).run()
            steps = {s.step: s.status for s in summary.steps}
            text = render_summary(summary)
            assert not summary.ok and "completed" not in text.split("\n")[0], text
            assert "was cancelled" in text and "it is NOT done" in text and "resume from" in text
            # the stop came as the step began: the step changed nothing and says so
            assert steps[stop_at] == "cancelled", text
            assert "not run: the run was stopped before it" in text, text
            if stop_at == "namespaces":
                assert conn_namespace_exists(doomed_cluster, HUB_NAMESPACE), "a stopped step deleted the namespace"
            assert_cancelled_and_resumable(settings.state_dir, stop_at, summary.result, steps)
            if stop_at == "namespaces":  # drained; then something runs there again: the old drain is not trusted
                refuse_a_resume_once_something_runs_again(doomed_cluster, plan, plan_file, conn, settings)
        # the last run completes, but the audit log cannot record its end: its journal stays as its record
        from hubtui.audit import AuditError

        real = AuditLog.record

        def record(self, action, **fields):
            if action == "cleanup-end":
                raise AuditError("cannot write the audit log (test): 'cleanup-end' was done but is not recorded")
            return real(self, action, **fields)

        monkeypatch.setattr(AuditLog, "record", record)
        summary = CleanupRun(plan, plan_file, conn, settings, drain_timeout=60, namespace_timeout=60).run()
        text = render_summary(summary)
        assert summary.result == "completed" and summary.ok, text
        assert working_dir(settings.state_dir, "dev").exists() and "are kept as the run's record" in text, text
    finally:
        conn.close()


def refuse_a_resume_once_something_runs_again(cluster, plan, plan_file, conn, settings) -> None:
    """A deployment scaled back up after the drain (`hubtui scale --restore`, a redeploy): the resume is refused,
    naming it, and nothing is deleted; at 0 again, the resume may go on."""
    from hubtui.errors import Refused

    name = cluster.kubectl("get", "deploy", "-n", HUB_NAMESPACE, "-o", "name").stdout.split()[0].replace(
        "deployment.apps/", "deployment/")
    cluster.kubectl("scale", name, "--replicas=1", "-n", HUB_NAMESPACE)
    with pytest.raises(Refused) as refused:
        CleanupRun(plan, plan_file, conn, settings, drain_timeout=60, namespace_timeout=60).run()
    assert f"but {HUB_NAMESPACE}: {name}, " in str(refused.value) and "run there again" in str(
        refused.value), str(refused.value)
    assert refused.value.exit_code == 1 and conn_namespace_exists(cluster, HUB_NAMESPACE)
    cluster.kubectl("scale", name, "--replicas=0", "-n", HUB_NAMESPACE)
    cluster.kubectl("wait", "--for=delete", "pod", "--all", "-n", HUB_NAMESPACE, "--timeout=60s")


def conn_namespace_exists(cluster, name: str) -> bool:
    from kubernetes import client, config

    api = client.CoreV1Api(config.new_client_from_config(str(cluster.kubeconfig)))
    try:
        return api.read_namespace(name).status.phase == "Active"
    except client.ApiException as e:
        if e.status == 404:
            return False
        raise


def test_the_cli_stopped_by_sigterm_during_each_step_exits_1_and_resumes(doomed_cluster, tmp_path):
    env = dict(os.environ, KUBECONFIG=str(doomed_cluster.kubeconfig), XDG_STATE_HOME=str(tmp_path))
    state_dir = tmp_path / "hubtui"
    argv = [sys.executable, "-m", "hubtui", "cleanup", "-e", "dev", "-p", "k8s", "--force", "--ndjson"]
    for stop_at in [*STEPS, None]:  # None: the last run, not stopped, completes what is left
        proc = subprocess.Popen(argv, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True)
        timer = threading.Timer(240, proc.kill)  # a hung run fails the test instead of hanging it
        timer.start()
        docs = []
        assert proc.stdout is not None
        for line in proc.stdout:
            doc = json.loads(line)
            docs.append(doc)
            if doc.get("event") == "StepStarted" and doc.get("step") == stop_at:
                proc.send_signal(signal.SIGTERM)
        code = proc.wait()
        timer.cancel()
        stderr = proc.stderr.read() if proc.stderr else ""
        summary = docs[-1]
        assert summary["event"] == "Summary", stderr
        steps = {s["step"]: s["status"] for s in summary["steps"]}
        if stop_at is None or (stop_at == "local" and summary["result"] == "completed"):
            # the last step is short: the signal may come once it is done, and then nothing was left undone
            assert summary["result"] == "completed" and code == 0, stderr
            break
        assert code == 1, f"stopped during {stop_at}: exit {code}\n{stderr}"
        assert "SIGTERM: stopping at the next safe point" in stderr
        assert_cancelled_and_resumable(state_dir, stop_at, summary["result"], steps)
