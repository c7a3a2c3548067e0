"""End to end in a real pty: the cleanup wizard destroys the demo hub (provider k8s) on a cluster of its own,
and `hubtui cleanup` asks the TUI's questions in the same order on a terminal."""

from __future__ import annotations

import os
import sys

import pexpect
import pytest
from kubernetes import client

from cluster.localcluster import HUB_NAMESPACE
from hubtui.kube.client import connect
from hubtui.settings import Settings

from .terminal import Terminal, hubtui_env

pytestmark = pytest.mark.cluster
DOOMED = {HUB_NAMESPACE, "monitoring", "cert-manager", "ingress-nginx"}


def namespaces(kubeconfig) -> set[str]:
    conn = connect(Settings.from_env(kubeconfig=str(kubeconfig)))
    try:
        return {n.metadata.name for n in client.CoreV1Api(conn.api).list_namespace().items}
    finally:
        conn.close()


def test_the_wizard_destroys_the_demo_hub_after_the_typed_confirmation(doomed_cluster, tmp_path):
    state = tmp_path / "state"
    term = Terminal([], hubtui_env(doomed_cluster.kubeconfig, HUB_NAMESPACE, state), rows=36, cols=130)
    try:
        term.wait_for("api-server")
        term.press("x")
        term.wait_for("Fill in the form")
        term.press(*"dev", "\t")  # environment, then the provider's radio set
        term.press("right", "right", "right", " ")  # aws gcp azure k8s: the last one
        term.press("f5")  # plan
        term.wait_for("Cleanup plan")
        term.wait_for(f"Context   {doomed_cluster.context}")
        assert "namespace llm-analytics-hub  main" in term.text
        assert DOOMED <= namespaces(doomed_cluster.kubeconfig)  # planning changed nothing
        term.press("D")
        term.wait_for("Are you sure you want to destroy 'dev' on context")  # then the context, wrapped
        term.press(*"ye", "enter")  # not the phrase: OK stays disabled, Enter does nothing
        term.pump(0.5)
        assert "Are you sure you want to destroy 'dev' on context" in term.text
        term.press("s", "enter")
        term.wait_for("Destroying 'dev'")
        term.wait_for("Cleanup of 'dev' completed in", timeout=240)
        for step in ("Backup", "Drain", "Delete namespaces", "Local state"):
            term.wait_line(step, " done ", timeout=2)  # the step list
        assert not namespaces(doomed_cluster.kubeconfig) & DOOMED
        assert list((state / "hubtui" / "backups" / "dev").glob("*/timescaledb-llm_analytics.dump"))
        term.press("escape")
        term.wait_for("Scale all")  # back on the deployments screen
        term.quit()
    finally:
        term.close()


def cli(kubeconfig, tmp_path, *args) -> pexpect.spawn:
    env = dict(os.environ, KUBECONFIG=str(kubeconfig), XDG_STATE_HOME=str(tmp_path / "state"))
    return pexpect.spawn(sys.executable, ["-m", "hubtui", "cleanup", *args], env=env, timeout=60,
                         encoding="utf-8", dimensions=(40, 160))


@pytest.fixture
def production_namespace(kube):
    """A namespace of the test's own that says it is production (the hub's says dev)."""
    import uuid

    core = client.CoreV1Api(kube.api)
    name = f"prod-{uuid.uuid4().hex[:6]}"
    core.create_namespace({"metadata": {"name": name, "labels": {"environment": "production"}}})
    yield name
    core.delete_namespace(name)


@pytest.mark.parametrize("answers, refused", [
    (["delete production"], "type exactly 'DELETE PRODUCTION'"),
    (["DELETE PRODUCTION", "y"], "type exactly 'yes'"),
    (["DELETE PRODUCTION", "YES"], "type exactly 'yes'"),
    (["DELETE PRODUCTION", ""], "type exactly 'yes'"),
])
def test_on_a_terminal_the_cli_asks_the_wizards_questions_in_order_and_refuses_wrong_answers(
        local_cluster, kube, tmp_path, production_namespace, answers, refused):
    apps = client.AppsV1Api(kube.api)
    before = {d.metadata.name: d.spec.replicas for d in apps.list_namespaced_deployment(HUB_NAMESPACE).items}
    child = cli(local_cluster.kubeconfig, tmp_path, "-e", "production", "-p", "k8s", "-n", production_namespace)
    child.expect("Cleanup plan for environment 'production'")
    where = f"on context {kube.context} \\(cluster {kube.cluster}, server {kube.server}\\)"
    questions = [f"Type DELETE PRODUCTION to destroy the production environment 'production' {where}:",
                 f"Are you sure you want to destroy 'production' {where}\\? \\(yes/NO\\):"]
    for question, answer in zip(questions, answers):
        child.expect(question)
        child.sendline(answer)
    child.expect(f"not confirmed \\({refused}\\): nothing was changed")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 2
    assert {d.metadata.name: d.spec.replicas for d in apps.list_namespaced_deployment(HUB_NAMESPACE).items} == before
    assert DOOMED | {production_namespace} <= namespaces(local_cluster.kubeconfig)


def test_json_on_a_terminal_refuses_without_force(local_cluster, tmp_path):
    child = cli(local_cluster.kubeconfig, tmp_path, "-e", "dev", "-p", "k8s", "--json")
    child.expect(r"refusing to destroy 'dev' without confirmation \(--json was given\)")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 2
    assert DOOMED <= namespaces(local_cluster.kubeconfig)
