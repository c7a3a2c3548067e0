"""A cleanup with a cloud: the real cluster for the Kubernetes steps, moto's server for AWS, and the GCP and
Azure stand-ins for their plans. Proves the runner's cloud step: only the plan, the journal per resource
(a resumed run never repeats a finished deletion), the audit with the identity, and the kubeconfig entries."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys

import pytest
import yaml

from cluster.localcluster import HUB_NAMESPACE
from hubtui.present.evidence import fact_text
from hubtui.present.risks import risk_words
from hubtui.audit import AuditLog
from hubtui.cloud import aws as aws_mod
from hubtui.kube.client import connect
from hubtui.ops.cleanup.plan import CleanupOptions, discover, working_dir
from hubtui.ops.cleanup.runner import CleanupRun
from hubtui.settings import Settings
from hubtui.present.summary import render as render_summary
from hubtui.present.summary import item_text

pytestmark = pytest.mark.cluster
EKS_CONTEXT = "arn:aws:eks:us-east-1:123456789012:cluster/llm-analytics-hub-dev"
FAST = {"poll_interval": 0.01, "retry_base_delay": 0.01, "timeout": 20.0}


@pytest.fixture
def redis_finishes(monkeypatch):
    """moto never finishes deleting a replication group (AWS does): once moto says "deleting", it is gone."""
    real = aws_mod.PROBES[aws_mod.REDIS_GROUP]
    monkeypatch.setitem(aws_mod.PROBES, aws_mod.REDIS_GROUP,
                        lambda clients, r: None if real(clients, r) in (None, "deleting") else real(clients, r))


def kubeconfig_with_eks_context(cluster, tmp_path, server: str) -> str:
    """The doomed cluster's kubeconfig plus the entries `aws eks update-kubeconfig` would have added (the EKS
    cluster's endpoint as the server), and a context of the same name in another account's file layout that
    points elsewhere: it must be kept."""
    cfg = yaml.safe_load(cluster.kubeconfig.read_text())
    cfg["clusters"].append({"name": EKS_CONTEXT, "cluster": {"server": server}})
    cfg["clusters"].append({"name": "elsewhere", "cluster": {"server": "https://eks.elsewhere.invalid"}})
    cfg["contexts"].append({"name": "other-account@llm-analytics-hub-dev",
                            "context": {"cluster": "elsewhere", "user": EKS_CONTEXT}})
    cfg["users"].append({"name": EKS_CONTEXT, "user": {"token": "x"}})
    cfg["contexts"].append({"name": EKS_CONTEXT, "context": {"cluster": EKS_CONTEXT, "user": EKS_CONTEXT}})
    path = tmp_path / "kubeconfig"
    path.write_text(yaml.safe_dump(cfg))
    return str(path)


def test_an_aws_cleanup_resumes_after_a_failed_resource_without_repeating_a_deletion(
        doomed_cluster, aws, redis_finishes, tmp_path):
    arns = aws.create_hub("dev", deletion_protection=True)
    endpoint = aws.client("eks").describe_cluster(name="llm-analytics-hub-dev")["cluster"]["endpoint"]
    kubeconfig = kubeconfig_with_eks_context(doomed_cluster, tmp_path, endpoint)
    settings = Settings.from_env(kubeconfig=kubeconfig, namespace=HUB_NAMESPACE, state_dir=tmp_path / "state")
    conn = connect(settings)
    try:
        plan = discover(conn, CleanupOptions("dev", "aws", HUB_NAMESPACE, skip_backup=True), settings)
        cloud = plan.cloud_plan
        assert cloud.identity == "AWS account 123456789012" and cloud.region == "us-east-1"
        # the hub's namespace says dev, but the planned EKS cluster's endpoint is not this server: the label
        # does not bind on its own (the context's name would have to be typed)
        assert plan.binding == "unproven"
        assert any(f.verdict == "doubt" and f"API endpoint is {endpoint}, not the server" in fact_text(f)
                   for f in plan.facts.facts)
        assert {r.kind for r in cloud.resources} == {"eks-nodegroup", "eks-cluster", "rds-instance",
                                                     "elasticache-replication-group", "msk-cluster"}
        [entries] = plan.local_plan.kubeconfig
        assert entries.contexts == (EKS_CONTEXT,)
        assert entries.users == ()  # still used by the kept same-named context of another account
        assert any("other-account@llm-analytics-hub-dev" in r and r.endswith("kept") for r in risk_words(plan))
        plan_file = plan.save(settings.state_dir)

        # first run: deletion protection was not confirmed, so the RDS instance fails and the run stops there
        first = CleanupRun(plan, plan_file, conn, settings, cloud_tuning=FAST).run()
        steps = {s.step: s for s in first.steps}
        assert first.result == "failed" and steps["cloud"].status == "failed"
        assert any("deletion protection" in item_text(f) for f in steps["cloud"].failed)
        assert steps["local"].status == "skipped"
        assert "Cleanup of 'dev' FAILED" in render_summary(first)
        rds = aws.client("rds")
        assert rds.describe_db_instances()["DBInstances"]  # still there
        assert not aws.client("eks").list_clusters()["clusters"]
        assert EKS_CONTEXT in [c["name"] for c in yaml.safe_load(open(kubeconfig).read())["contexts"]]

        # the operator confirms; the resumed run deletes only what is left
        second = CleanupRun(plan, plan_file, conn, settings, cloud_tuning=FAST,
                            allow_disable_deletion_protection=True).run()
        assert second.ok, render_summary(second)
        steps = {s.step: s for s in second.steps}
        assert steps["namespaces"].status == "done earlier"
        assert "eks-cluster llm-analytics-hub-dev (earlier run)" in map(item_text, steps["cloud"].deleted)
        assert not rds.describe_db_instances()["DBInstances"]
        snapshots = [s["DBSnapshotIdentifier"] for s in rds.describe_db_snapshots(SnapshotType="manual")["DBSnapshots"]]
        assert len(snapshots) == 1 and snapshots[0].startswith("llm-analytics-hub-dev-postgres-final-")
        # the automated backups stay too (DeleteAutomatedBackups=False): a point-in-time restore stays possible
        assert rds.describe_db_snapshots(SnapshotType="automated")["DBSnapshots"]
    finally:
        conn.close()

    deletes = [e for e in AuditLog(settings.state_dir).entries() if e["action"] == "cloud-delete"]
    by_resource = {}
    for e in deletes:
        by_resource.setdefault(e["resource"], []).append(e["outcome"])
    assert by_resource[arns["eks-cluster"]] == ["deleted"]  # never deleted twice
    assert by_resource[arns["rds-instance"]] == ["failed", "deleted"]
    # what came of each is kept as named facts: the refusal's own line, then the protection switched off and the
    # final snapshot, which the summary words
    failed, deleted = [e["said"] for e in deletes if e["resource"] == arns["rds-instance"]]
    assert [f["fact"] for f in failed] == ["CloudError"] and "deletion protection is on" in failed[0]["text"]
    assert [f["fact"] for f in deleted] == ["ProtectionSwitchedOff", "FinalSnapshot"]
    assert deleted[1]["name"] == snapshots[0]
    assert all(e["identity"] == "AWS account 123456789012" and e["plan_hash"] == plan.hash for e in deletes)
    assert any(e["action"] == "allow-disable-deletion-protection" for e in AuditLog(settings.state_dir).entries())
    # the EKS entries are gone from the kubeconfig (a copy is kept with the backups); the kwok context stays
    after = yaml.safe_load(open(kubeconfig).read())
    assert [c["name"] for c in after["contexts"]] == [doomed_cluster.context, "other-account@llm-analytics-hub-dev"]
    copies = list((settings.state_dir / "backups" / "dev" / "kubeconfig").iterdir())
    assert len(copies) == 1 and EKS_CONTEXT in copies[0].read_text()
    assert not working_dir(settings.state_dir, "dev").exists()


@pytest.mark.parametrize("provider", ["aws", "gcp", "azure"])
def test_a_dry_run_plan_shows_the_cloud_identity_and_resources_from_a_child_process(
        provider, local_cluster, request, tmp_path):
    stand_in = request.getfixturevalue(provider)
    if provider == "aws":
        stand_in.create_hub("staging")
    elif provider == "gcp":
        stand_in.add_hub("staging")
    else:
        stand_in.add_group("llm-analytics-hub-staging-rg", location="westeurope",
                           tags={"environment": "staging"})
    env = dict(os.environ, **stand_in.env, KUBECONFIG=str(local_cluster.kubeconfig),
               XDG_STATE_HOME=str(tmp_path))
    # the hub's namespace on the test cluster says environment=dev: staging is planned on a namespace that
    # does not exist there (no evidence either way, which a dry run may show)
    proc = subprocess.run([sys.executable, "-m", "hubtui", "cleanup", "-e", "staging", "-p", provider, "--dry-run",
                           "--json", "-n", "hub-staging"], env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    cloud = doc["cloud"]
    assert cloud["provider"] == provider and cloud["resources"]
    assert {r["matched_by"] for r in cloud["resources"]} >= {"name+tag"}
    assert any(r["name"].startswith("llm-analytics-hub-staging") for r in cloud["resources"])
    text = subprocess.run([sys.executable, "-m", "hubtui", "cleanup", "-e", "staging", "-p", provider,
                           "--dry-run", "-n", "hub-staging"], env=env, capture_output=True, text=True, timeout=120).stdout
    assert re.search(rf"^  Cloud +{re.escape(cloud['identity'])}, region {re.escape(cloud['region'])}$", text, re.M), text
