"""Whole cleanup runs against a real cluster of their own: every step, the journal, the audit log, the
summary, what a failed step stops, and resuming a run that was killed."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import pytest
from kubernetes import client

from cluster.localcluster import HUB_NAMESPACE
from hubtui.present.risks import risk_words
from hubtui.audit import AuditLog
from hubtui.kube.client import connect
from hubtui.ops.cleanup.journal import Journal
from hubtui.ops.cleanup.plan import CleanupOptions, discover, working_dir
from hubtui.ops.cleanup.runner import CleanupRun, pending_run
from hubtui.events import Progress, StepDone, StepFailed, StepStarted
from hubtui.settings import Settings
from hubtui.present.summary import as_dict, item_text, went
from hubtui.present.summary import render as render_summary


pytestmark = pytest.mark.cluster
INFRA = ("monitoring", "cert-manager", "ingress-nginx")


def settings_for(cluster, tmp_path) -> Settings:
    return Settings.from_env(kubeconfig=str(cluster.kubeconfig), namespace=HUB_NAMESPACE,
                             state_dir=tmp_path / "state")


def namespaces(conn) -> set[str]:
    return {n.metadata.name for n in client.CoreV1Api(conn.api).list_namespace().items}


def test_a_k8s_cleanup_backs_up_drains_deletes_and_forgets_its_working_files(doomed_cluster, tmp_path):
    settings = settings_for(doomed_cluster, tmp_path)
    conn = connect(settings)
    try:
        # a metrics adapter's APIService served from monitoring (left behind, unavailable, it would keep every
        # namespace deletion of the cluster from finishing), and a CRD converted by a webhook there
        client.ApiregistrationV1Api(conn.api).create_api_service({
            "metadata": {"name": "v1beta1.custom.metrics.hubtui.test"},
            "spec": {"group": "custom.metrics.hubtui.test", "version": "v1beta1", "insecureSkipTLSVerify": True,
                     "groupPriorityMinimum": 100, "versionPriority": 100,
                     "service": {"namespace": "monitoring", "name": "prometheus-adapter", "port": 443}}})
        client.ApiextensionsV1Api(conn.api).create_custom_resource_definition({
            "metadata": {"name": "widgets.hubtui.test"},
            "spec": {"group": "hubtui.test", "scope": "Namespaced",
                     "names": {"plural": "widgets", "singular": "widget", "kind": "Widget"},
                     "versions": [{"name": "v1", "served": True, "storage": True, "schema": {
                         "openAPIV3Schema": {"type": "object", "x-kubernetes-preserve-unknown-fields": True}}}],
                     "conversion": {"strategy": "Webhook", "webhook": {
                         "conversionReviewVersions": ["v1"],
                         "clientConfig": {"service": {"namespace": "monitoring", "name": "converter"}}}}}})
        plan = discover(conn, CleanupOptions("dev", "k8s", HUB_NAMESPACE, ("extra-ns",)), settings)
        assert [w["name"] for w in plan.webhooks if w["kind"] == "apiservice"] == [
            "v1beta1.custom.metrics.hubtui.test"]
        assert any(r.startswith("CRD widgets.hubtui.test converts its versions through a webhook served from "
                                "monitoring") for r in risk_words(plan))
        plan_file = plan.save(settings.state_dir)
        events = []
        summary = CleanupRun(plan, plan_file, conn, settings, emit=events.append).run()
        assert "APIService v1beta1.custom.metrics.hubtui.test" in as_dict(summary)["deleted"]
        assert "v1beta1.custom.metrics.hubtui.test" not in {
            a.metadata.name for a in client.ApiregistrationV1Api(conn.api).list_api_service().items}
        assert summary.ok and summary.result == "completed", render_summary(summary)
        assert [s.step for s in summary.steps] == ["quiesce", "backup", "drain", "namespaces", "local"]
        assert [s.status for s in summary.steps] == ["done"] * 5
        assert not namespaces(conn) & {HUB_NAMESPACE, *INFRA}
        assert {f"namespace {n}" for n in (HUB_NAMESPACE, *INFRA)} <= set(as_dict(summary)["deleted"])
        # the step list saw each step start and finish, in order
        steps = ["quiesce", "backup", "drain", "namespaces", "local"]
        assert [e.step for e in events if isinstance(e, StepStarted)] == steps
        assert [e.step for e in events if isinstance(e, StepDone)] == steps
        assert not [e for e in events if isinstance(e, StepFailed)]
    finally:
        conn.close()
    text = render_summary(summary)
    assert text.startswith("Cleanup of 'dev' completed.") and "FAILED" not in text
    # backups and the audit log are kept; the plan and the journal are gone with the working folder
    backups = list((settings.state_dir / "backups" / "dev").glob("*/timescaledb-llm_analytics.dump"))
    assert len(backups) == 1
    assert not working_dir(settings.state_dir, "dev").exists()
    entries = AuditLog(settings.state_dir).entries()
    deletes = [e for e in entries if e["action"] == "delete-namespace"]
    assert {e["namespace"] for e in deletes} == {HUB_NAMESPACE, *INFRA}
    for e in deletes + [e for e in entries if e["action"] in ("drain-scale", "cleanup-step")]:
        assert e["plan_hash"] == plan.hash and e["context"] == conn.context and e["environment"] == "dev"
    assert [e["step"] for e in entries if e["action"] == "cleanup-step"] == ["quiesce", "backup", "drain", "namespaces",
                                                                               "local"]
    assert entries[0]["action"] == "cleanup-start" and entries[0]["force"] is False
    assert entries[-1]["action"] in ("cleanup-end", "remove-local")


def test_a_failed_backup_stops_the_run_before_anything_is_deleted(doomed_cluster, tmp_path):
    settings = settings_for(doomed_cluster, tmp_path)
    conn = connect(settings)
    try:
        apps = client.AppsV1Api(conn.api)
        # the database exists but cannot be reached: its data would be lost, so nothing may be deleted
        apps.patch_namespaced_stateful_set_scale("timescaledb", HUB_NAMESPACE, {"spec": {"replicas": 0}})
        core = client.CoreV1Api(conn.api)
        deadline = time.monotonic() + 60
        while core.list_namespaced_pod(HUB_NAMESPACE, label_selector="app=timescaledb").items:
            assert time.monotonic() < deadline, "the timescaledb pod did not go"
            time.sleep(0.5)
        replicas = {d.metadata.name: d.spec.replicas for d in apps.list_namespaced_deployment(HUB_NAMESPACE).items}
        plan = discover(conn, CleanupOptions("dev", "k8s", HUB_NAMESPACE), settings)
        summary = CleanupRun(plan, plan.save(settings.state_dir), conn, settings).run()
        assert summary.result == "failed" and not summary.ok
        assert [(s.step, s.status) for s in summary.steps] == [
            ("quiesce", "done"), ("backup", "failed"), ("drain", "skipped"), ("namespaces", "skipped"),
            ("local", "skipped")]
        assert "TimescaleDB" in went(summary.steps[1])
        assert "completed" not in render_summary(summary) and "FAILED" in render_summary(summary)
        assert {HUB_NAMESPACE, *INFRA} <= namespaces(conn)
        # the writers were stopped before the backup: each count is recorded for `hubtui scale --restore`
        assert {d.metadata.name: int(d.metadata.annotations["hubtui.io/original-replicas"])
                for d in apps.list_namespaced_deployment(HUB_NAMESPACE).items if replicas[d.metadata.name]} == {
            n: r for n, r in replicas.items() if r}
        assert "hubtui scale --restore" in went(summary.steps[1])
        assert {s.metadata.name for s in apps.list_namespaced_stateful_set(HUB_NAMESPACE).items
                if s.spec.replicas} >= {"redis-cluster", "kafka"}  # the stores were not drained
        # the journal keeps the run for a resume once the database is back
        pending = pending_run(settings.state_dir, "dev")
        assert pending and pending.plan_hash == plan.hash and pending.steps["backup"]["status"] == "failed"
    finally:
        conn.close()


def test_a_stuck_namespace_fails_the_run_and_says_why(doomed_cluster, held_hub, tmp_path):
    settings = settings_for(doomed_cluster, tmp_path)
    conn = connect(settings)
    try:
        plan = discover(conn, CleanupOptions("dev", "k8s", HUB_NAMESPACE, skip_backup=True), settings)
        summary = CleanupRun(plan, plan.save(settings.state_dir), conn, settings, namespace_timeout=25).run()
        assert summary.result == "failed"
        steps = {s.step: s for s in summary.steps}
        assert steps["namespaces"].status == "failed" and steps["local"].status == "skipped"
        [stuck] = map(item_text, steps["namespaces"].failed)
        assert HUB_NAMESPACE in stuck and "hubtui.test/never-cleared" in stuck
        assert {f"namespace {n}" for n in INFRA} <= set(map(item_text, steps["namespaces"].deleted))
        assert working_dir(settings.state_dir, "dev").exists()  # kept for the resume
    finally:
        conn.close()


def _journal_steps(path) -> list[tuple[str, str]]:
    try:
        lines = path.read_text().splitlines()
    except FileNotFoundError:
        return []
    return [(e["step"], e["status"]) for e in map(json.loads, lines) if e.get("type") == "step"]


def test_a_killed_run_is_resumed_without_repeating_the_backup(doomed_cluster, tmp_path):
    env = dict(os.environ, KUBECONFIG=str(doomed_cluster.kubeconfig), XDG_STATE_HOME=str(tmp_path))
    journal = Journal(working_dir(tmp_path / "hubtui", "dev")).path
    argv = [sys.executable, "-m", "hubtui", "cleanup", "-e", "dev", "-p", "k8s", "--force"]
    # the first run is killed outright (no clean-up of its own) once the drain has begun
    first = subprocess.Popen(argv, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    while ("drain", "started") not in _journal_steps(journal):
        assert first.poll() is None, first.communicate()
        assert time.monotonic() < deadline, "the drain never started"
        time.sleep(0.05)
    first.send_signal(signal.SIGKILL)
    first.wait(10)
    assert ("backup", "done") in _journal_steps(journal)
    backups = sorted((tmp_path / "hubtui" / "backups" / "dev").iterdir())
    assert len(backups) == 1

    # a resume whose backup is gone (the stores may be drained already) is refused, nothing changed
    dump = backups[0] / "timescaledb-llm_analytics.dump"
    dump.rename(dump.with_suffix(".moved"))
    refused = subprocess.run(argv, env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=120)
    assert refused.returncode != 0 and "is gone or empty" in refused.stderr, refused.stderr
    assert dump.name in refused.stderr and ("namespaces", "started") not in _journal_steps(journal)
    dump.with_suffix(".moved").rename(dump)

    second = subprocess.run(argv + ["--json"], env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True,
                            timeout=300)
    assert second.returncode == 0, second.stderr + second.stdout
    assert "An interrupted cleanup of 'dev' is pending" in second.stderr
    assert "it would go on with 'Drain'" in second.stderr and "--force: resuming it" in second.stderr
    doc = json.loads(second.stdout)  # one document, as `scale --json` prints (--ndjson streams the events)
    assert doc["plan"]["environment"] == "dev" and doc["hash"] and doc["plan_file"]
    summary = doc["summary"]
    assert summary["result"] == "completed"
    assert [(s["step"], s["status"]) for s in summary["steps"]] == [
        ("quiesce", "done earlier"), ("backup", "done earlier"), ("drain", "done"), ("namespaces", "done"),
        ("local", "done")]
    assert "Delete namespaces" in second.stderr  # the run's log, for the person watching, stays on stderr
    assert summary["backup_folder"] == str(backups[0])  # the earlier run's backup is this cleanup's (b copies it)
    assert sorted((tmp_path / "hubtui" / "backups" / "dev").iterdir()) == backups  # no second backup
    conn = connect(Settings.from_env(kubeconfig=str(doomed_cluster.kubeconfig)))
    try:
        assert not namespaces(conn) & {HUB_NAMESPACE, *INFRA}
    finally:
        conn.close()
    starts = [e for e in AuditLog(tmp_path / "hubtui").entries() if e["action"] == "cleanup-start"]
    assert [e["resumed"] for e in starts] == [False, True] and all(e["force"] for e in starts)


def test_cancel_stops_at_a_safe_point_and_leaves_a_resumable_journal(doomed_cluster, held_hub, tmp_path):
    import threading

    settings = settings_for(doomed_cluster, tmp_path)
    conn = connect(settings)
    cancel = threading.Event()
    waiting = threading.Event()  # the held namespace keeps the run waiting when it is cancelled

    def emit(event):
        if isinstance(event, Progress) and event.step == "namespaces":
            waiting.set()

    try:
        plan = discover(conn, CleanupOptions("dev", "k8s", HUB_NAMESPACE, skip_backup=True), settings)
        run = CleanupRun(plan, plan.save(settings.state_dir), conn, settings, emit=emit, cancel=cancel,
                         namespace_timeout=300)
        result = {}
        worker = threading.Thread(target=lambda: result.setdefault("summary", run.run()))
        worker.start()
        assert waiting.wait(120), "the namespace step never began waiting"
        cancel.set()
        worker.join(30)
        assert not worker.is_alive()  # it stopped at the cancel, not after its 300 s wait
        summary = result["summary"]
        assert summary.result == "cancelled" and not summary.ok
        assert [(s.step, s.status) for s in summary.steps] == [
            ("drain", "done"), ("namespaces", "cancelled"), ("local", "skipped")]
        assert "was cancelled" in render_summary(summary) and "resume from 'Delete namespaces'" in render_summary(summary)
        pending = pending_run(settings.state_dir, "dev")
        assert pending and pending.first_unfinished(["drain", "namespaces", "local"]) == "namespaces"
    finally:
        conn.close()
