"""The cleanup plan against the real cluster: exact targets, nothing changed, frozen with a hash."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from cluster.localcluster import HUB_NAMESPACE
from hubtui.errors import UsageError
from hubtui.ops.cleanup.plan import CleanupOptions, discover, validate
from hubtui.present.plan import render_text

from ..kubehelpers import Scratch

pytestmark = pytest.mark.cluster


def opts(**kw) -> CleanupOptions:
    return CleanupOptions(**({"environment": "dev", "provider": "k8s", "namespace": HUB_NAMESPACE} | kw))


def test_the_plan_lists_what_the_hub_namespace_holds(kube):
    plan = discover(kube, opts(dry_run=True))
    main = plan.namespaces[0]
    assert (main.name, main.role, main.exists) == (HUB_NAMESPACE, "main", True)
    assert dict(main.deployments)["api-server"] == 3 and len(main.deployments) == 8
    assert [n for n, _ in main.statefulsets] == ["kafka", "redis-cluster", "timescaledb"]
    assert "db-migrate" in main.jobs and main.cronjobs == ("metrics-rollup",)
    assert dict(main.pvcs) == {"data-kafka-0": "10Gi", "data-redis-cluster-0": "2Gi", "data-timescaledb-0": "20Gi"}
    assert [ns.name for ns in plan.namespaces if ns.role == "infrastructure" and ns.exists] == [
        "monitoring", "cert-manager", "ingress-nginx"]
    assert plan.context == kube.context and plan.server == kube.server


def test_infrastructure_namespaces_that_do_not_exist_are_left_out_of_the_rendering(kube):
    scratch = Scratch(kube.api, "plan")
    try:
        plan = discover(kube, opts(namespace=scratch.name, additional_namespaces=("not-there",)))
        text = render_text(plan)
        assert f"namespace {scratch.name}  main · 0 pods" in text
        assert "namespace not-there  additional · does not exist, nothing to delete" in text
    finally:
        scratch.delete()


@pytest.mark.parametrize("bad, message", [
    (dict(provider="openstack"), "provider 'openstack' is not one of aws, gcp, azure, k8s"),
    (dict(environment="  "), "the environment is empty"),
    (dict(environment="Prod EU"), "environment 'Prod EU': use lower-case letters"),
    (dict(namespace="Bad_NS"), "namespace 'Bad_NS' is not a valid Kubernetes namespace name"),
    (dict(additional_namespaces=("ok", "-bad")), "namespace '-bad' is not a valid"),
    (dict(namespace="kube-system"), "namespace 'kube-system' belongs to Kubernetes itself"),
    (dict(additional_namespaces=("default",)), "namespace 'default' belongs to Kubernetes itself"),
])
def test_bad_input_is_refused_before_anything_is_touched(bad, message):
    with pytest.raises(UsageError, match=message):
        validate(opts(**bad))


def test_dry_run_from_the_cli_saves_the_plan_and_changes_nothing(local_cluster, kube, tmp_path):
    from kubernetes import client

    apps = client.AppsV1Api(kube.api)
    before = {d.metadata.name: (d.metadata.generation, d.spec.replicas)
              for d in apps.list_namespaced_deployment(HUB_NAMESPACE).items}
    env = dict(os.environ, KUBECONFIG=str(local_cluster.kubeconfig), XDG_STATE_HOME=str(tmp_path))
    proc = subprocess.run([sys.executable, "-m", "hubtui", "cleanup", "-e", "dev", "-p", "k8s", "--dry-run",
                           "--json", "--additional-namespaces", "a-ns,b-ns", "--additional-namespaces", "c-ns"],
                          env=env, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    assert [n["name"] for n in doc["namespaces"]][:4] == [HUB_NAMESPACE, "a-ns", "b-ns", "c-ns"]
    saved = json.loads(open(doc["plan_file"]).read())
    assert saved["hash"] == doc["hash"] and saved["namespaces"] == doc["namespaces"]
    after = {d.metadata.name: (d.metadata.generation, d.spec.replicas)
             for d in apps.list_namespaced_deployment(HUB_NAMESPACE).items}
    assert after == before
    assert not (tmp_path / "hubtui" / "audit.jsonl").exists()


def hub_state(kube) -> dict:
    from kubernetes import client

    apps = client.AppsV1Api(kube.api)
    return {d.metadata.name: (d.metadata.generation, d.spec.replicas)
            for d in apps.list_namespaced_deployment(HUB_NAMESPACE).items}


@pytest.mark.parametrize("extra, why", [
    ([], "there is no terminal to ask on"),
    (["--json"], "--json was given"),
    (["--ndjson"], "--ndjson was given"),
])
def test_without_a_terminal_or_with_json_it_refuses_unless_forced(local_cluster, kube, tmp_path, extra, why):
    before = hub_state(kube)
    env = dict(os.environ, KUBECONFIG=str(local_cluster.kubeconfig), XDG_STATE_HOME=str(tmp_path))
    proc = subprocess.run([sys.executable, "-m", "hubtui", "cleanup", "-e", "dev", "-p", "k8s", *extra],
                          env=env, capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)
    assert proc.returncode == 2
    assert f"refusing to destroy 'dev' without confirmation ({why})" in proc.stderr
    assert "nothing was changed" in proc.stderr and proc.stdout == ""
    assert hub_state(kube) == before
    assert not (tmp_path / "hubtui").exists()  # not even a plan or an audit entry


def test_the_plan_hash_names_what_would_be_deleted_not_how_it_was_asked(kube):
    a = discover(kube, opts(dry_run=True, additional_namespaces=("x-ns", "x-ns")))
    b = discover(kube, opts(dry_run=False, additional_namespaces=("x-ns",)))
    assert a.hash == b.hash
    assert [n.name for n in a.namespaces].count("x-ns") == 1
    assert discover(kube, opts(additional_namespaces=("y-ns",))).hash != a.hash


def pending_dev_run(kube, state_dir):
    """A saved plan for 'dev' and a journal that says its run was killed after the backup."""
    from hubtui.ops.cleanup.journal import Journal
    from hubtui.ops.cleanup.plan import working_dir

    plan = discover(kube, opts())
    path = plan.save(state_dir)
    journal = Journal(working_dir(state_dir, "dev"))
    journal.begin(plan.hash, str(path), resumed=False)
    journal.step("backup", "done", [{"fact": "BackedUp", "files": 2, "folder": "/b"}])
    journal.step("drain", "started")
    return plan, path


def run_cli(local_cluster, tmp_path, *args):
    env = dict(os.environ, KUBECONFIG=str(local_cluster.kubeconfig), XDG_STATE_HOME=str(tmp_path))
    return subprocess.run([sys.executable, "-m", "hubtui", "cleanup", "-e", "dev", "-p", "k8s", *args], env=env,
                          capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)


def test_a_resume_with_other_options_is_refused_and_changes_nothing(local_cluster, kube, tmp_path):
    pending_dev_run(kube, tmp_path / "hubtui")
    before = hub_state(kube)
    proc = run_cli(local_cluster, tmp_path, "--force", "--skip-backup")
    assert proc.returncode == 2, proc.stderr
    assert "is pending with other options: skip-backup False (now True)" in proc.stderr
    assert "nothing was changed" in proc.stderr and hub_state(kube) == before


def test_a_resume_whose_saved_plan_is_gone_is_refused_with_the_way_out(local_cluster, kube, tmp_path):
    _, path = pending_dev_run(kube, tmp_path / "hubtui")
    path.unlink()
    proc = run_cli(local_cluster, tmp_path, "--force")
    assert proc.returncode == 2
    assert "cannot read the saved plan" in proc.stderr and "move" in proc.stderr and "journal.jsonl" in proc.stderr


def test_a_saved_plan_is_only_carried_out_on_the_cluster_it_was_made_for(kube, kube_settings, tmp_path):
    import dataclasses

    from hubtui.ops.cleanup.runner import CleanupRun

    settings = dataclasses.replace(kube_settings, state_dir=tmp_path)
    plan = dataclasses.replace(discover(kube, opts(), settings), server="https://prod.example:6443",
                               context="prod")
    before = hub_state(kube)
    with pytest.raises(UsageError, match="the plan was made for context prod .* but hubtui is connected to"):
        CleanupRun(plan, plan.save(tmp_path), kube, settings).run()
    assert hub_state(kube) == before
    assert not (tmp_path / "audit.jsonl").exists() and not (tmp_path / "cleanup" / "dev" / "journal.jsonl").exists()


def test_planning_a_cleanup_loads_no_typed_kubernetes_client(local_cluster, tmp_path):
    """The plan reads the namespaces, workloads, webhooks and CRDs through the lean requests (kube/objects.py):
    `hubtui cleanup --dry-run` starts without the typed client's seconds of imports, and says the same plan.
    Nor does it import the run (the runner, the drain and the namespaces' deletion), nor the TUI."""
    env = dict(os.environ, KUBECONFIG=str(local_cluster.kubeconfig), XDG_STATE_HOME=str(tmp_path))
    code = ("import contextlib, io, json, sys; from hubtui.__main__ import main\n"
            "out = io.StringIO()\n"
            "with contextlib.redirect_stdout(out): code = main(['cleanup', '-e', 'dev', '-p', 'k8s', '--dry-run', "
            "'--json'])\n"
            "print(json.dumps([code, json.loads(out.getvalue())['namespaces'][0]['name'], "
            "sorted(m for m in sys.modules if m.split('.')[0] in ('kubernetes', 'pydantic', 'textual') or m in "
            "('hubtui.ops.cleanup.runner', 'hubtui.ops.cleanup.kube_steps', 'hubtui.ops.cleanup.journal'))]))")
    proc = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    code, main_namespace, loaded = json.loads(proc.stdout.strip().splitlines()[-1])
    assert (code, main_namespace, loaded) == (0, HUB_NAMESPACE, [])
