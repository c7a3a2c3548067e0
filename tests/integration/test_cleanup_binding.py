"""A cleanup is bound to its environment's cluster, against the real cluster: contrary evidence refuses, no
evidence asks for the context's name (and --force needs it repeated), production-like names and labels ask
DELETE PRODUCTION, a namespace created again since the plan is never deleted by it, a stale interrupted run
is planned afresh, shared infrastructure is left alone, and unsaved volumes are named in the plan.

Nothing here destroys the shared test cluster: every refusal is checked to have changed nothing, and the one
deletion (namespaces with a precondition) is of namespaces the test made itself."""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import time
import uuid
from datetime import datetime, timedelta, UTC

import pexpect
import pytest
from kubernetes import client

from cluster.localcluster import HUB_NAMESPACE
from hubtui.present.risks import risk_words
from hubtui.present.events import event_line
from hubtui.audit import AuditLog
from hubtui.errors import HubError, UsageError
from hubtui.ops.cleanup.journal import Journal, JournalState
from hubtui.ops.cleanup.kube_steps import delete_namespaces
from hubtui.ops.cleanup.plan import CleanupOptions, discover, working_dir
from hubtui.ops.cleanup.runner import stale_reason
from hubtui.present.refusals import stale_text
from hubtui.present.plan import render_text
from hubtui.present.summary import item_text

from ..kubehelpers import wait_deleted

pytestmark = pytest.mark.cluster
INFRA = ("monitoring", "cert-manager", "ingress-nginx")


def make_namespace(kube, labels: dict | None = None, prefix: str = "bind") -> str:
    name = f"{prefix}-{uuid.uuid4().hex[:6]}"
    client.CoreV1Api(kube.api).create_namespace({"metadata": {"name": name, "labels": labels or {}}})
    return name


def drop(kube, *names: str) -> None:
    core = client.CoreV1Api(kube.api)
    for name in names:
        try:
            core.delete_namespace(name)
        except client.ApiException as e:
            if e.status != 404:
                raise


def uids(kube) -> dict[str, str]:
    """The live namespaces (one a test dropped may still be terminating: it does not count)."""
    return {n.metadata.name: n.metadata.uid for n in client.CoreV1Api(kube.api).list_namespace().items
            if n.metadata.deletion_timestamp is None}


def cli_env(local_cluster, tmp_path) -> dict:
    return dict(os.environ, KUBECONFIG=str(local_cluster.kubeconfig), XDG_STATE_HOME=str(tmp_path / "state"))


def run_cli(local_cluster, tmp_path, *args) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "hubtui", "cleanup", *args], env=cli_env(local_cluster, tmp_path),
                          capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)


def spawn_cli(local_cluster, tmp_path, *args) -> pexpect.spawn:
    return pexpect.spawn(sys.executable, ["-m", "hubtui", "cleanup", *args], env=cli_env(local_cluster, tmp_path),
                         timeout=60, encoding="utf-8", dimensions=(40, 200))


def test_the_demo_hub_is_bound_to_dev_by_its_namespace_label(kube):
    plan = discover(kube, CleanupOptions("dev", "k8s", HUB_NAMESPACE, dry_run=True))
    assert plan.binding == "bound" and not plan.production
    assert "+ namespace llm-analytics-hub is labelled environment=dev" in render_text(plan)
    assert all(ns.uid for ns in plan.namespaces if ns.exists)


@pytest.mark.parametrize("extra", [["--force"], ["--force", "--json"], ["--dry-run"]])
def test_dev_on_a_cluster_whose_hub_says_production_is_refused_and_nothing_changes(local_cluster, kube, tmp_path,
                                                                                   extra):
    ns = make_namespace(kube, {"environment": "production"})
    try:
        before = uids(kube)
        proc = run_cli(local_cluster, tmp_path, "-e", "dev", "-p", "k8s", "-n", ns, *extra)
        assert proc.returncode == 2, proc.stderr
        assert proc.stderr.count("\n") == 1  # one line
        assert f"context {kube.context} does not look like environment 'dev': namespace {ns} is labelled " \
               "environment=production" in proc.stderr
        assert "nothing was changed" in proc.stderr.lower()
        assert uids(kube) == before
        assert not (tmp_path / "state" / "hubtui" / "audit.jsonl").exists()
    finally:
        drop(kube, ns)


def test_with_no_evidence_the_cli_asks_for_the_context_name_and_a_wrong_one_refuses(local_cluster, kube, tmp_path):
    env = f"e{uuid.uuid4().hex[:5]}"
    ns = make_namespace(kube)  # no environment label; the context's name says nothing either
    try:
        before = uids(kube)
        child = spawn_cli(local_cluster, tmp_path, "-e", env, "-p", "k8s", "-n", ns, "--skip-backup")
        child.expect(r"Evidence\s+that this is '" + env + "': NONE")
        child.expect(f"Type the context's name \\({kube.context}\\) to destroy it anyway:")
        child.sendline(kube.context + "x")
        child.expect(f"not confirmed \\(type exactly '{kube.context}'\\): nothing was changed")
        child.expect(pexpect.EOF)
        child.close()
        assert child.exitstatus == 2
        assert uids(kube) == before
    finally:
        drop(kube, ns)


@pytest.mark.parametrize("context_name, refused", [(None, True), ("kwok-wrong", True)])
def test_force_on_a_cluster_with_no_evidence_needs_the_context_name_repeated(local_cluster, kube, tmp_path,
                                                                             context_name, refused):
    env = f"e{uuid.uuid4().hex[:5]}"
    ns = make_namespace(kube)
    try:
        before = uids(kube)
        extra = ["--context-name", context_name] if context_name else []
        proc = run_cli(local_cluster, tmp_path, "-e", env, "-p", "k8s", "-n", ns, "--force", "--skip-backup",
                       *extra)
        assert proc.returncode == 2, proc.stderr
        assert f"with --force, repeat its name with --context-name {kube.context}" in proc.stderr
        assert uids(kube) == before
        assert not (tmp_path / "state" / "hubtui" / "audit.jsonl").exists()
    finally:
        drop(kube, ns)


@pytest.mark.parametrize("bad", ["dev ", " dev", "dev\n", "prod eu"])
def test_whitespace_around_the_environment_is_refused_by_the_cli(local_cluster, tmp_path, bad):
    proc = run_cli(local_cluster, tmp_path, "-e", bad, "-p", "k8s", "--dry-run")
    assert proc.returncode == 2
    assert "use lower-case letters, digits and '-', with no spaces" in proc.stderr
    assert not (tmp_path / "state" / "hubtui").exists()


def test_prod_eu_asks_delete_production_first(local_cluster, kube, tmp_path):
    ns = make_namespace(kube, {"environment": "prod-eu"})
    try:
        before = uids(kube)
        child = spawn_cli(local_cluster, tmp_path, "-e", "prod-eu", "-p", "k8s", "-n", ns, "--skip-backup")
        child.expect(f"Type DELETE PRODUCTION to destroy the production environment 'prod-eu' on context "
                     f"{kube.context}")
        child.sendline("yes")
        child.expect("not confirmed \\(type exactly 'DELETE PRODUCTION'\\): nothing was changed")
        child.expect(pexpect.EOF)
        child.close()
        assert child.exitstatus == 2 and uids(kube) == before
    finally:
        drop(kube, ns)


def test_a_namespace_created_again_after_the_plan_is_not_deleted_by_it(kube, tmp_path):
    core = client.CoreV1Api(kube.api)
    ns, other = make_namespace(kube, prefix="again"), make_namespace(kube, prefix="planned")
    planned = uids(kube)
    core.delete_namespace(ns)
    wait_deleted(core, ns)
    core.create_namespace({"metadata": {"name": ns}})
    try:
        result = delete_namespaces(kube, {ns: planned[ns], other: planned[other]}, audit=AuditLog(tmp_path),
                                   timeout=60)
        assert ns in result.recreated and "created again since the plan" in result.recreated[ns]
        assert result.gone == (other,) and not result.complete
        assert core.read_namespace(ns).metadata.deletion_timestamp is None  # the new one survives
        wait_deleted(core, other)
    finally:
        drop(kube, ns)


def test_a_run_of_a_plan_whose_namespace_was_created_again_refuses_before_anything(kube, kube_settings, tmp_path):
    import dataclasses

    from hubtui.ops.cleanup.runner import CleanupRun

    core = client.CoreV1Api(kube.api)
    env = f"e{uuid.uuid4().hex[:5]}"
    ns = make_namespace(kube, {"environment": env})
    settings = dataclasses.replace(kube_settings, state_dir=tmp_path)
    plan = discover(kube, CleanupOptions(env, "k8s", ns, skip_backup=True), settings)
    # the plan would also delete the shared cluster's infrastructure namespaces: keep only the test's own
    plan = dataclasses.replace(plan, namespaces=plan.namespaces[:1])
    core.delete_namespace(ns)
    wait_deleted(core, ns)
    core.create_namespace({"metadata": {"name": ns, "labels": {"environment": env}}})
    try:
        before = uids(kube)
        with pytest.raises(Exception, match=f"namespace {ns} was created again since the plan"):
            CleanupRun(plan, plan.save(tmp_path), kube, settings).run()
        assert uids(kube) == before
        assert not Journal(working_dir(tmp_path, env)).path.exists()
    finally:
        drop(kube, ns)


def test_a_stale_interrupted_run_is_not_resumed(kube, tmp_path):
    ns = make_namespace(kube, {"environment": "dev"})
    try:
        plan = discover(kube, CleanupOptions("dev", "k8s", ns))
        recent = (datetime.now(UTC) - timedelta(minutes=5)).isoformat()
        old = (datetime.now(UTC) - timedelta(days=2)).isoformat()
        fresh = JournalState(plan.hash, "p.json", recent, {"backup": {"status": "done", "ts": recent}})
        assert stale_reason(plan, fresh, kube) is None
        assert "more than 1 d" in stale_text(stale_reason(plan, JournalState(plan.hash, "p.json", old, {}), kube))
        core = client.CoreV1Api(kube.api)
        core.delete_namespace(ns)
        wait_deleted(core, ns)
        core.create_namespace({"metadata": {"name": ns}})
        assert f"namespace {ns} was created again since the plan" in stale_text(stale_reason(plan, fresh, kube))
    finally:
        drop(kube, ns)


def test_the_cli_plans_afresh_instead_of_resuming_a_stale_run(local_cluster, kube, tmp_path):
    state = tmp_path / "state" / "hubtui"
    plan = discover(kube, CleanupOptions("dev", "k8s", HUB_NAMESPACE))
    path = plan.save(state)
    journal = Journal(working_dir(state, "dev"))
    journal.begin(plan.hash, str(path), resumed=False)
    journal.step("backup", "done", [{"fact": "BackedUp", "files": 2, "folder": "/b"}])
    lines = journal.path.read_text().splitlines()
    old = (datetime.now(UTC) - timedelta(days=3)).isoformat(timespec="milliseconds")
    journal.path.write_text("\n".join(line.replace('"ts": "', f'"ts": "{old}", "x": "', 1) for line in lines) + "\n")
    before = uids(kube)
    child = spawn_cli(local_cluster, tmp_path, "-e", "dev", "-p", "k8s")
    child.expect("cannot be resumed: it started 3 d ago, more than 1 d")
    child.expect("planning afresh")
    child.expect("Cleanup plan for environment 'dev'")
    child.expect(r"Are you sure you want to destroy 'dev' on context .*\? \(yes/NO\):")
    child.sendline("no")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 2 and uids(kube) == before
    assert list(working_dir(state, "dev").glob("journal-abandoned-*.jsonl"))  # set aside, never lost


def test_shared_infrastructure_is_left_alone_unless_included(kube):
    net = client.NetworkingV1Api(kube.api)
    other = make_namespace(kube, prefix="web")
    net.create_namespaced_ingress(other, {"metadata": {"name": "site"}, "spec": {
        "ingressClassName": "nginx", "defaultBackend": {"service": {"name": "site", "port": {"number": 80}}}}})
    try:
        plan = discover(kube, CleanupOptions("dev", "k8s", HUB_NAMESPACE, dry_run=True))
        nginx = next(ns for ns in plan.namespaces if ns.name == "ingress-nginx")
        assert nginx.exists and not nginx.included and nginx.shared == (f"ingress {other}/site",)
        assert "ingress-nginx" not in plan.namespaces_to_delete and "monitoring" in plan.namespaces_to_delete
        assert "namespace ingress-nginx  infrastructure · NOT included: shared with ingress " in render_text(plan)
        included = discover(kube, CleanupOptions("dev", "k8s", HUB_NAMESPACE, dry_run=True,
                                                 include_shared_infra=True))
        assert "ingress-nginx" in included.namespaces_to_delete
        assert any("shared infrastructure ingress-nginx is included although in use" in r for r in risk_words(included))
        assert included.hash != plan.hash
    finally:
        drop(kube, other)
        wait_deleted(client.CoreV1Api(kube.api), other)  # its Ingress must not make the next plans see sharing


@contextlib.contextmanager
def blind_to_ingresses(kube, kube_settings, tmp_path, verbs: list[str]):
    """A connection as a user who may do `verbs` on what a cleanup touches, but may not list Ingresses."""
    import dataclasses

    from hubtui.kube.client import connect

    from ..kubehelpers import restricted_kubeconfig

    rbac = client.RbacAuthorizationV1Api(kube.api)
    name = f"no-ingresses-{uuid.uuid4().hex[:6]}"
    config = restricted_kubeconfig(kube.api, tmp_path / "kubeconfig", HUB_NAMESPACE)
    account = json.loads((tmp_path / "kubeconfig").read_text())["users"][0]["name"]  # its service account
    groups = ["", "apps", "batch", "autoscaling", "policy", "apiextensions.k8s.io", "admissionregistration.k8s.io",
              "apiregistration.k8s.io", "cert-manager.io", "monitoring.coreos.com", "coordination.k8s.io",
              "rbac.authorization.k8s.io", "storage.k8s.io"]
    rbac.create_cluster_role({"metadata": {"name": name}, "rules": [
        {"apiGroups": groups, "resources": ["*"], "verbs": verbs},
        {"apiGroups": ["networking.k8s.io"], "resources": ["ingressclasses"], "verbs": ["get", "list"]}]})
    rbac.create_cluster_role_binding({
        "metadata": {"name": name}, "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole",
                                                 "name": name},
        "subjects": [{"kind": "ServiceAccount", "name": account, "namespace": HUB_NAMESPACE}]})
    try:
        conn = connect(dataclasses.replace(kube_settings, kubeconfig=config, context=None))
        deadline = time.monotonic() + 30  # the API server's authorizer sees a new binding a moment later
        while True:
            try:
                conn.http.json("GET", f"/api/v1/namespaces/{HUB_NAMESPACE}")
                break
            except Exception as e:
                if getattr(e, "status", None) != 403 or time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
        yield conn
    finally:
        rbac.delete_cluster_role_binding(name)
        rbac.delete_cluster_role(name)


def test_infrastructure_whose_users_cannot_be_listed_is_left_alone_saying_why(kube, kube_settings, tmp_path):
    """A user who may read everything but Ingresses: whether ingress-nginx is in use cannot be checked, so it
    is left alone (the reason said), and included only by the operator's choice, which is a risk said so."""
    with blind_to_ingresses(kube, kube_settings, tmp_path, ["get", "list", "watch"]) as reader:
        plan = discover(reader, CleanupOptions("dev", "k8s", HUB_NAMESPACE, dry_run=True))
        nginx = next(ns for ns in plan.namespaces if ns.name == "ingress-nginx")
        assert nginx.exists and not nginx.included and not nginx.shared
        text = render_text(plan)
        assert ("namespace ingress-nginx  infrastructure · NOT included: whether something uses it could not be "
                "checked (listing its users in other namespaces") in text, text
        assert "forbidden (403)" in text and "ingress-nginx" not in plan.namespaces_to_delete
        included = discover(reader, CleanupOptions("dev", "k8s", HUB_NAMESPACE, dry_run=True,
                                                   include_shared_infra=True))
        assert "ingress-nginx" in included.namespaces_to_delete
        assert any(r.startswith("shared infrastructure ingress-nginx is included although whether something uses it "
                                "could not be checked (listing its users") for r in risk_words(included)), \
            risk_words(included)


def test_infrastructure_whose_users_cannot_be_listed_at_run_time_is_left_alone(kube, kube_settings, tmp_path):
    """The plan saw ingress-nginx unused; the run is made by a user who may not list Ingresses, so whether
    something uses it now cannot be checked: the run deletes the planned namespace, leaves ingress-nginx alone
    saying why, and fails the step (never completed)."""
    import dataclasses

    from hubtui.ops.cleanup.runner import FAILED, CleanupRun

    core = client.CoreV1Api(kube.api)
    env = f"e{uuid.uuid4().hex[:5]}"
    ns = make_namespace(kube, {"environment": env})
    settings = dataclasses.replace(kube_settings, state_dir=tmp_path)
    try:
        plan = discover(kube, CleanupOptions(env, "k8s", ns, skip_backup=True), settings)
        nginx = next(n for n in plan.namespaces if n.name == "ingress-nginx")
        assert nginx.doomed and not nginx.in_use  # the admin saw it unused
        nginx_uid = core.read_namespace("ingress-nginx").metadata.uid
        plan = dataclasses.replace(plan, namespaces=(plan.namespaces[0], nginx))  # its own namespace and nginx
        lines: list[str] = []
        with blind_to_ingresses(kube, kube_settings, tmp_path, ["*"]) as runner:
            runner_plan = dataclasses.replace(plan, context=runner.context, server=runner.server)
            summary = CleanupRun(runner_plan, runner_plan.save(tmp_path), runner, settings,
                                 emit=lambda e: lines.append((event_line(e) or ("", ""))[0])).run()
        step = next(s for s in summary.steps if s.step == "namespaces")
        assert step.status == FAILED and summary.result != "completed"
        [failed] = [item_text(i) for i in step.failed]
        assert failed.startswith("namespace ingress-nginx (whether something uses it could not be checked (listing "
                                 "its users in other namespaces") and "forbidden (403)" in failed, failed
        assert [item_text(i) for i in step.deleted] == [f"namespace {ns}"]
        assert any("ingress-nginx is left alone: whether something uses it could not be checked" in line
                   for line in lines), lines
        live = core.read_namespace("ingress-nginx").metadata
        assert live.uid == nginx_uid and live.deletion_timestamp is None
        wait_deleted(core, ns)
    finally:
        drop(kube, ns)


def test_infrastructure_used_since_the_plan_is_left_alone(kube, kube_settings, tmp_path):
    """The plan saw ingress-nginx unused; an Ingress of class nginx appears in a namespace that stays. The run
    deletes the planned namespace, leaves ingress-nginx alone, fails the step naming what uses it, and goes no
    further (a resume days later is the same case)."""
    import dataclasses

    from hubtui.ops.cleanup.runner import FAILED, CleanupRun

    core, net = client.CoreV1Api(kube.api), client.NetworkingV1Api(kube.api)
    env = f"e{uuid.uuid4().hex[:5]}"
    ns, other = make_namespace(kube, {"environment": env}), make_namespace(kube, prefix="web")
    settings = dataclasses.replace(kube_settings, state_dir=tmp_path)
    try:
        plan = discover(kube, CleanupOptions(env, "k8s", ns, skip_backup=True), settings)
        nginx = next(n for n in plan.namespaces if n.name == "ingress-nginx")
        assert nginx.doomed and not nginx.shared  # nothing used it when the plan was made
        nginx_uid = core.read_namespace("ingress-nginx").metadata.uid
        # the test's own namespace and ingress-nginx only: the shared cluster's other infrastructure stays
        plan = dataclasses.replace(plan, namespaces=(plan.namespaces[0], nginx))
        net.create_namespaced_ingress(other, {"metadata": {"name": "site"}, "spec": {
            "ingressClassName": "nginx", "defaultBackend": {"service": {"name": "site", "port": {"number": 80}}}}})
        lines = []
        summary = CleanupRun(plan, plan.save(tmp_path), kube, settings,
                             emit=lambda e: lines.append((event_line(e) or ("", ""))[0])).run()  # as shown
        step = next(s for s in summary.steps if s.step == "namespaces")
        assert step.status == FAILED
        assert [item_text(i) for i in step.failed] == [f"namespace ingress-nginx (used since the plan by ingress {other}/site: left alone; "
                               "plan again)"]
        assert [item_text(i) for i in step.deleted] == [f"namespace {ns}"]
        assert any(f"ingress-nginx is left alone: used since the plan by ingress {other}/site" in line
                   for line in lines)
        live = core.read_namespace("ingress-nginx").metadata
        assert live.uid == nginx_uid and live.deletion_timestamp is None
        assert summary.result != "completed"
        wait_deleted(core, ns)
    finally:
        drop(kube, ns, other)
        wait_deleted(core, other)  # its Ingress must not make the next plans see sharing


def test_webhooks_served_from_doomed_namespaces_are_planned(kube):
    admission = client.AdmissionregistrationV1Api(kube.api)
    name = f"hubtui-test-{uuid.uuid4().hex[:6]}"
    admission.create_validating_webhook_configuration({"metadata": {"name": name}, "webhooks": [{
        "name": "validate.nginx.ingress.kubernetes.io", "admissionReviewVersions": ["v1"], "sideEffects": "None",
        "failurePolicy": "Ignore", "clientConfig": {"service": {"namespace": "ingress-nginx", "name": "admission"}},
        "rules": [{"apiGroups": ["networking.k8s.io"], "apiVersions": ["v1"], "operations": ["CREATE"],
                   "resources": ["ingresses"]}]}]})
    try:
        plan = discover(kube, CleanupOptions("dev", "k8s", HUB_NAMESPACE, dry_run=True))
        [hook] = [w for w in plan.webhooks if w["name"] == name]
        assert hook["kind"] == "validating" and hook["namespaces"] == ["ingress-nginx"] and hook["uid"]
        assert f"validating webhook configuration {name} (served from ingress-nginx)" in render_text(plan)
    finally:
        admission.delete_validating_webhook_configuration(name)


def test_statefulsets_with_volumes_in_additional_namespaces_are_named_as_not_backed_up(kube):
    extra = make_namespace(kube, prefix="jobs")
    apps, core = client.AppsV1Api(kube.api), client.CoreV1Api(kube.api)
    apps.create_namespaced_stateful_set(extra, {"metadata": {"name": "queue"}, "spec": {
        "replicas": 0, "serviceName": "queue", "selector": {"matchLabels": {"app": "queue"}},
        "template": {"metadata": {"labels": {"app": "queue"}},
                     "spec": {"containers": [{"name": "q", "image": "example/q:1"}]}}}})
    core.create_namespaced_persistent_volume_claim(extra, {"metadata": {"name": "data-queue-0"}, "spec": {
        "accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}}}})
    try:
        plan = discover(kube, CleanupOptions("dev", "k8s", HUB_NAMESPACE, (extra,), dry_run=True))
        assert any(f"namespace {extra}: statefulsets queue with volumes data-queue-0 are NOT backed up" in r
                   for r in risk_words(plan))
    finally:
        drop(kube, extra)


def test_a_contrary_plan_is_refused_by_the_engine_too(kube):
    """The refusal is the engine's, as facts; a face words it (present/refusals.py), and the CLI says it in one
    line with exit 2, nothing changed."""
    from hubtui.ops.cleanup.evidence import ContraryEvidence, Labelled

    ns = make_namespace(kube, {"hubtui.io/environment": "staging"})
    try:
        with pytest.raises(ContraryEvidence) as refused:
            discover(kube, CleanupOptions("dev", "k8s", ns))
        assert refused.value.against == (Labelled(ns, "hubtui.io/environment", "staging", "against"),)
        assert isinstance(refused.value, UsageError) and "labelled hubtui.io/environment=staging" in str(
            refused.value)
    finally:
        drop(kube, ns)


def test_an_additional_namespace_of_another_environment_refuses_the_plan(local_cluster, kube, tmp_path):
    main = make_namespace(kube, {"environment": "dev"})
    other = make_namespace(kube, {"environment": "staging"}, prefix="jobs")
    try:
        before = uids(kube)
        proc = run_cli(local_cluster, tmp_path, "-e", "dev", "-p", "k8s", "-n", main, "--additional-namespaces",
                       other, "--force")
        assert proc.returncode == 2, proc.stderr
        assert f"namespace {other} is labelled environment=staging" in proc.stderr
        assert uids(kube) == before
    finally:
        drop(kube, main, other)


def test_force_on_production_needs_the_context_name_repeated(local_cluster, kube, tmp_path):
    ns = make_namespace(kube, {"environment": "prod-eu"})
    try:
        before = uids(kube)
        proc = run_cli(local_cluster, tmp_path, "-e", "prod-eu", "-p", "k8s", "-n", ns, "--force", "--skip-backup")
        assert proc.returncode == 2, proc.stderr
        assert f"'prod-eu' is production: with --force, repeat the context's name with --context-name " \
               f"{kube.context}" in proc.stderr
        assert uids(kube) == before
    finally:
        drop(kube, ns)


# ----- the doomed namespaces are evidence -----------------------------------------------------------------
def test_a_namespace_exported_from_earlier_work_naming_prod_refuses_a_dev_cleanup(local_cluster, kube, tmp_path):
    """NAMESPACE=llm-analytics-hub-prod left exported: a dev cleanup never drains or deletes prod's namespace,
    with --force and --context-name or without."""
    core = client.CoreV1Api(kube.api)
    core.create_namespace({"metadata": {"name": "llm-analytics-hub-prod"}})
    try:
        before = uids(kube)
        env = dict(cli_env(local_cluster, tmp_path), NAMESPACE="llm-analytics-hub-prod")
        for extra in (["--force", "--context-name", kube.context], ["--dry-run"]):
            proc = subprocess.run([sys.executable, "-m", "hubtui", "cleanup", "-e", "dev", "-p", "k8s", *extra],
                                  env=env, capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)
            assert proc.returncode == 2, proc.stderr
            assert "namespace llm-analytics-hub-prod, which would be deleted, names llm-analytics-hub-prod, " \
                   "another environment" in proc.stderr
            assert proc.stderr.count("\n") == 1 and "Nothing was changed" in proc.stderr
        assert uids(kube) == before
        assert not (tmp_path / "state" / "hubtui" / "audit.jsonl").exists()
    finally:
        drop(kube, "llm-analytics-hub-prod")


def test_a_production_word_in_a_doomed_namespace_asks_delete_production(kube):
    main = make_namespace(kube, {"environment": "dev"})
    extra = make_namespace(kube, prefix="payments-prod")
    try:
        plan = discover(kube, CleanupOptions("dev", "k8s", main, (extra,), dry_run=True))
        assert plan.binding == "bound" and plan.production
        assert f"namespace {extra}, which would be deleted, says production" in render_text(plan)
        from hubtui.ops.cleanup.confirm import confirmations

        assert confirmations(plan)[0].phrase == "DELETE PRODUCTION"
    finally:
        drop(kube, main, extra)


@pytest.mark.parametrize("bad", ["istio-system", "argocd", "calico-system", "gke-managed-cim", "kube-flannel",
                                 "flux-system", "linkerd"])
def test_platform_namespaces_are_refused_as_targets_and_nothing_changes(local_cluster, tmp_path, bad):
    for args in (["-a", bad], ["-n", bad]):
        flag = "--additional-namespaces" if args[0] == "-a" else "-n"
        proc = run_cli(local_cluster, tmp_path, "-e", "dev", "-p", "k8s", flag, bad, "--force")
        assert proc.returncode == 2, proc.stderr
        assert f"namespace {bad!r} is a platform's" in proc.stderr and "never deletes it" in proc.stderr
        assert proc.stderr.count("\n") == 1
    assert not (tmp_path / "state" / "hubtui" / "audit.jsonl").exists()


def test_infrastructure_named_as_the_main_namespace_keeps_its_in_use_check(kube):
    """NAMESPACE=ingress-nginx makes the shared ingress-nginx the "main" namespace: still used by what stays,
    it is left alone all the same."""
    net = client.NetworkingV1Api(kube.api)
    other = make_namespace(kube, prefix="web")
    net.create_namespaced_ingress(other, {"metadata": {"name": "site"}, "spec": {
        "ingressClassName": "nginx", "defaultBackend": {"service": {"name": "site", "port": {"number": 80}}}}})
    try:
        plan = discover(kube, CleanupOptions("dev", "k8s", "ingress-nginx", dry_run=True,
                                             namespace_from="$NAMESPACE"))
        main = plan.namespaces[0]
        assert main.name == "ingress-nginx" and main.role == "main"
        assert main.shared == (f"ingress {other}/site",) and not main.doomed
        assert "ingress-nginx" not in plan.namespaces_to_delete
    finally:
        drop(kube, other)
        wait_deleted(client.CoreV1Api(kube.api), other)


def test_a_main_namespace_from_the_environment_must_be_named_when_unlabelled(local_cluster, kube, tmp_path):
    """The main namespace came from $NAMESPACE and carries no environment label: --force needs it named with -n,
    a terminal asks for its name; with -n it is the operator's choice."""
    ns = make_namespace(kube, prefix="hubns")  # no environment label
    try:
        before = uids(kube)
        env = dict(cli_env(local_cluster, tmp_path), NAMESPACE=ns)
        proc = subprocess.run([sys.executable, "-m", "hubtui", "cleanup", "-e", "dev", "-p", "k8s", "--force",
                               "--skip-backup", "--context-name", kube.context], env=env, capture_output=True,
                              text=True, timeout=60, stdin=subprocess.DEVNULL)
        assert proc.returncode == 2, proc.stderr
        assert f"the main namespace {ns} comes from $NAMESPACE and is not labelled environment=dev: with " \
               f"--force, name it with -n {ns}" in proc.stderr
        child = pexpect.spawn(sys.executable, ["-m", "hubtui", "cleanup", "-e", "dev", "-p", "k8s", "--skip-backup"],
                              env=env, timeout=60, encoding="utf-8", dimensions=(40, 200))
        child.expect(f"namespace {ns} is the main one \\(from \\$NAMESPACE\\)")
        child.expect(f"Type the context's name \\({kube.context}\\) to destroy it anyway:")
        child.sendline(kube.context)
        child.expect(f"Type its name \\({ns}\\) to drain and delete it:")
        child.sendline("yes")
        child.expect(f"not confirmed \\(type exactly '{ns}'\\): nothing was changed")
        child.expect(pexpect.EOF)
        child.close()
        assert child.exitstatus == 2 and uids(kube) == before
    finally:
        drop(kube, ns)


def test_production_contexts_ask_delete_production_and_match_any_case(local_cluster, kube, tmp_path):
    (tmp_path / "config" / "hubtui").mkdir(parents=True)
    (tmp_path / "config" / "hubtui" / "config.toml").write_text(f'production_contexts = ["{kube.context.upper()}"]\n')
    env = dict(cli_env(local_cluster, tmp_path), XDG_CONFIG_HOME=str(tmp_path / "config"))
    before = uids(kube)
    child = pexpect.spawn(sys.executable, ["-m", "hubtui", "cleanup", "-e", "dev", "-p", "k8s"], env=env,
                          timeout=60, encoding="utf-8", dimensions=(40, 200))
    child.expect(f"context {kube.context} matches the production pattern")
    child.expect("Type DELETE PRODUCTION to destroy the production environment 'dev'")
    child.sendline("yes")
    child.expect("not confirmed \\(type exactly 'DELETE PRODUCTION'\\): nothing was changed")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 2 and uids(kube) == before


def test_a_pasted_yes_before_the_question_does_not_answer_it(local_cluster, kube, tmp_path):
    """Type-ahead is thrown away before each question: a runbook pasted too early answers nothing."""
    before = uids(kube)
    child = spawn_cli(local_cluster, tmp_path, "-e", "dev", "-p", "k8s", "--skip-backup")
    child.sendline("yes")  # typed while the plan is still being made
    child.expect("Are you sure you want to destroy 'dev'")
    child.expect(r"\(yes/NO\): ")
    child.sendline("no")
    child.expect("not confirmed \\(type exactly 'yes'\\): nothing was changed")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 2 and uids(kube) == before


def test_a_resume_grown_stale_while_its_question_was_open_is_refused_when_the_run_starts(kube, kube_settings,
                                                                                      tmp_path):
    """The staleness is checked again when the run starts, not only when the question was asked: a question
    left open overnight does not resume a run that is too old by then. Nothing is touched."""
    import dataclasses

    from hubtui.ops.cleanup.runner import CleanupRun

    ns = make_namespace(kube, {"environment": "dev"})
    settings = dataclasses.replace(kube_settings, state_dir=tmp_path)
    try:
        plan = discover(kube, CleanupOptions("dev", "k8s", ns, skip_backup=True), settings)
        plan = dataclasses.replace(plan, namespaces=(plan.namespaces[0],))  # the test's namespace only
        plan_file = plan.save(tmp_path)
        journal = Journal(working_dir(tmp_path, "dev"))
        journal.begin(plan.hash, str(plan_file), resumed=False)
        journal.step("drain", "done", [{"fact": "Drained", "namespaces": 1, "stores": True}])
        journal.end("cancelled")
        import json

        old = (datetime.now(UTC) - timedelta(days=2)).isoformat(timespec="milliseconds")
        entries = [json.loads(line) for line in journal.path.read_text().splitlines()]
        for entry in entries:  # the run began two days ago
            if entry["type"] == "run":
                entry["ts"] = old
        journal.path.write_text("".join(json.dumps(e) + "\n" for e in entries))
        assert Journal(working_dir(tmp_path, "dev")).state().started.startswith(old[:10])
        with pytest.raises(HubError) as refused:
            CleanupRun(plan, plan_file, kube, settings).run()
        assert "cannot be resumed: it started 2 d ago" in str(refused.value)
        assert ns in uids(kube)
        assert [e["action"] for e in AuditLog(tmp_path).entries()] == []  # nothing began
    finally:
        drop(kube, ns)
