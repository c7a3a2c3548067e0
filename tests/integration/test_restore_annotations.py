"""A hubtui.io/original-replicas value hubtui did not write is an error for its deployment: never used, never
a crash, and never a frozen watch. Against the real cluster, each test in a namespace of its own."""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys

import pytest

from hubtui.kube.deployments import ORIGINAL_REPLICAS_ANNOTATION, DeploymentStore
from hubtui.ops.scale import ScaleEngine

from ..kubehelpers import Scratch

pytestmark = pytest.mark.cluster


@pytest.fixture
def ns(scratch):
    """api-server and worker-service in maintenance (at 0), each with a record to restore."""
    made = scratch("annot", {"api-server": 0, "worker-service": 0})
    annotate(made, "worker-service", "2")
    return made


def annotate(scratch: Scratch, name: str, value: str | None) -> None:
    scratch.apps.patch_namespaced_deployment(
        name, scratch.name, {"metadata": {"annotations": {ORIGINAL_REPLICAS_ANNOTATION: value}}})


@pytest.fixture
def hubtui(local_cluster, ns, tmp_path):
    def run(*args):
        env = dict(os.environ, KUBECONFIG=str(local_cluster.kubeconfig), NAMESPACE=ns.name,
                   XDG_STATE_HOME=str(tmp_path / "state"))
        return subprocess.run([sys.executable, "-m", "hubtui", *args], env=env, capture_output=True, text=True,
                              timeout=120)
    return run


@pytest.mark.parametrize("value, why", [
    ("²", "is '²', not a whole number from 0 to 1000"),
    ("-1", "is '-1', not a whole number from 0 to 1000"),
    ("99999", "is '99999', more than hubtui restores (1000)"),
])
def test_restore_with_a_bad_record_exits_1_names_it_and_leaves_it_alone(hubtui, ns, value, why):
    annotate(ns, "api-server", value)
    proc = hubtui("scale", "--restore")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr
    [line] = [ln for ln in proc.stderr.splitlines() if "api-server" in ln]
    assert line == (f"error: api-server: cannot restore: {ORIGINAL_REPLICAS_ANNOTATION} {why}; left at 0. Set the "
                    "annotation to the count wanted, or remove it")
    assert ns.replicas()["api-server"] == 0
    assert ns.annotations("api-server")[ORIGINAL_REPLICAS_ANNOTATION] == value
    # the good record beside it is restored as usual
    assert ns.replicas()["worker-service"] == 2
    assert ORIGINAL_REPLICAS_ANNOTATION not in ns.annotations("worker-service")


def test_a_forced_restore_by_name_does_not_use_a_bad_record_either(hubtui, ns):
    annotate(ns, "api-server", " 3")  # int() would read 3
    proc = hubtui("scale", "--restore", "-d", "api-server", "--force", "--json")
    assert proc.returncode == 1
    [change] = json.loads(proc.stdout)["changes"]
    assert change["deployment"] == "api-server" and change["from"] == change["to"] == 0
    assert f"{ORIGINAL_REPLICAS_ANNOTATION} is ' 3', not a whole number" in change["error"]
    assert ns.replicas()["api-server"] == 0 and ns.annotations("api-server")[ORIGINAL_REPLICAS_ANNOTATION] == " 3"


def test_the_store_keeps_delivering_after_a_bad_record_appears(kube, ns):
    store = DeploymentStore(kube, ns.name).start()
    try:
        assert store.wait_for(lambda s: s.synced and len(s.rows) == 2, 10)
        annotate(ns, "api-server", "²")  # int('²') raises; '²'.isdigit() is True
        assert store.wait_for(lambda s: s.row("api-server").original_problem is not None, 10)
        row = store.row("api-server")
        assert row.original_replicas is None and "'²'" in row.original_problem
        ns.apps.patch_namespaced_deployment_scale("worker-service", ns.name, {"spec": {"replicas": 3}})
        assert store.wait_for(lambda s: s.row("worker-service").desired == 3, 10), "the watch froze"
        assert store.error is None
    finally:
        store.stop()


def test_a_new_maintenance_replaces_a_bad_record_with_the_running_count(kube, kube_settings, ns):
    ns.apps.patch_namespaced_deployment_scale("api-server", ns.name, {"spec": {"replicas": 2}})
    annotate(ns, "api-server", "abc")
    engine = ScaleEngine(kube, dataclasses.replace(kube_settings, namespace=ns.name))
    assert all(c.ok for c in engine.scale(["api-server"], 0))
    assert ns.annotations("api-server")[ORIGINAL_REPLICAS_ANNOTATION] == "2"
    assert all(c.ok for c in engine.restore(["api-server"]))
    assert ns.replicas()["api-server"] == 2


def test_a_rolled_back_maintenance_puts_back_the_bad_record_it_replaced_word_for_word(kube, kube_settings, ns):
    """A maintenance replaces an unreadable record with the running count; rolled back (the wait failed, or the
    operator pressed b), the deployment runs again and its annotation holds the text it had, not nothing: what
    hubtui did not write, it does not lose."""
    ns.apps.patch_namespaced_deployment_scale("api-server", ns.name, {"spec": {"replicas": 2}})
    annotate(ns, "api-server", "abc")
    engine = ScaleEngine(kube, dataclasses.replace(kube_settings, namespace=ns.name))
    changes = engine.scale(["api-server"], 0)
    assert all(c.ok for c in changes) and ns.annotations("api-server")[ORIGINAL_REPLICAS_ANNOTATION] == "2"
    back = engine.rollback(changes)
    assert [(c.name, c.before, c.after, c.ok) for c in back] == [("api-server", 0, 2, True)]
    assert ns.replicas()["api-server"] == 2
    assert ns.annotations("api-server")[ORIGINAL_REPLICAS_ANNOTATION] == "abc"
    [entry] = [e for e in engine.audit.entries() if e["action"] == "rollback"]
    assert (entry["before"], entry["after"], entry["recorded"]) == (0, 2, "abc")


def test_a_deployment_already_at_its_recorded_count_is_restored_and_its_record_cleared(hubtui, ns):
    """After maintenance something (an HPA) put api-server back to its recorded count: restore counts it as
    restored, clears its record, and exits 0, where it used to refuse it as 'changed since'."""
    ns.apps.patch_namespaced_deployment_scale("api-server", ns.name, {"spec": {"replicas": 2}})
    annotate(ns, "api-server", "2")
    annotate(ns, "worker-service", None)
    proc = hubtui("scale", "--restore", "--json")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    doc = json.loads(proc.stdout)
    [change] = doc["changes"]
    assert (change["deployment"], change["from"], change["to"], change["error"]) == ("api-server", 2, 2, None)
    assert change["warning"] == "already at its recorded count"
    assert ORIGINAL_REPLICAS_ANNOTATION not in (ns.annotations("api-server") or {})
    assert ns.replicas()["api-server"] == 2


def test_a_restore_by_name_with_no_record_says_its_error_once(hubtui, ns):
    proc = hubtui("scale", "--restore", "-d", "api-server")  # api-server has no record in this namespace
    assert proc.returncode == 1
    said = proc.stdout + proc.stderr
    assert said.count("no recorded replica count to restore") == 1, said
    assert "error: api-server: no recorded replica count to restore" in proc.stderr
    assert "api-server" in proc.stdout and "Failed (the error above)" in proc.stdout
    assert ns.replicas()["api-server"] == 0
