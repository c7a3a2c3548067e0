"""The local cluster is a real Kubernetes: controllers, scheduler, kwok nodes, exec into real servers."""

from __future__ import annotations

import base64
import os
import subprocess
import time

import pytest
from kubernetes import client

from cluster.localcluster import HUB_NAMESPACE

from ..kubehelpers import ready, wait_deleted, wait_for_pods

pytestmark = pytest.mark.cluster

HUB_DEPLOYMENTS = {"api-server", "worker-service", "scheduler", "event-ingestion", "metrics-aggregation",
                   "correlation-engine", "anomaly-detection", "forecasting"}


def test_every_pod_of_the_hub_becomes_ready(kube):
    core, apps = client.CoreV1Api(kube.api), client.AppsV1Api(kube.api)
    deployments = {d.metadata.name: d for d in apps.list_namespaced_deployment(HUB_NAMESPACE).items}
    assert HUB_DEPLOYMENTS <= set(deployments)
    assert len({d.spec.replicas for d in deployments.values()}) > 1, "replica counts should differ"
    statefulsets = {s.metadata.name for s in apps.list_namespaced_stateful_set(HUB_NAMESPACE).items}
    assert statefulsets == {"timescaledb", "redis-cluster", "kafka"}
    pvcs = {p.metadata.name: p.status.phase for p in core.list_namespaced_persistent_volume_claim(HUB_NAMESPACE).items}
    assert pvcs == {"data-timescaledb-0": "Bound", "data-redis-cluster-0": "Bound", "data-kafka-0": "Bound"}
    for ns in (HUB_NAMESPACE, "monitoring", "cert-manager", "ingress-nginx"):
        pods = [p for p in core.list_namespaced_pod(ns).items
                if not any(o.kind == "Job" for o in (p.metadata.owner_references or []))]
        wanted = sum(d.spec.replicas for d in apps.list_namespaced_deployment(ns).items)
        wanted += sum(s.spec.replicas for s in apps.list_namespaced_stateful_set(ns).items)
        assert len(pods) == wanted and wanted > 0, ns
        assert all(ready(p) and p.status.phase == "Running" for p in pods), ns
    hpas = client.AutoscalingV2Api(kube.api).list_namespaced_horizontal_pod_autoscaler(HUB_NAMESPACE).items
    assert [h.spec.scale_target_ref.name for h in hpas] == ["api-server"]
    secret = core.read_namespaced_secret("analytics-hub-secrets", HUB_NAMESPACE)
    assert {"REDIS_PASSWORD", "POSTGRES_PASSWORD"} <= set(secret.data)


def test_scaling_a_deployment_with_the_python_client_changes_its_pods(kube):
    core, apps = client.CoreV1Api(kube.api), client.AppsV1Api(kube.api)
    before = apps.read_namespaced_deployment_scale("forecasting", HUB_NAMESPACE).spec.replicas
    try:
        apps.patch_namespaced_deployment_scale("forecasting", HUB_NAMESPACE, {"spec": {"replicas": 3}})
        assert len(wait_for_pods(core, HUB_NAMESPACE, "app=forecasting", 3)) == 3
        apps.patch_namespaced_deployment_scale("forecasting", HUB_NAMESPACE, {"spec": {"replicas": 0}})
        assert wait_for_pods(core, HUB_NAMESPACE, "app=forecasting", 0) == []
    finally:
        apps.patch_namespaced_deployment_scale("forecasting", HUB_NAMESPACE, {"spec": {"replicas": before}})
    wait_for_pods(core, HUB_NAMESPACE, "app=forecasting", before)


def test_deleting_a_namespace_finalizes(kube):
    core, apps = client.CoreV1Api(kube.api), client.AppsV1Api(kube.api)
    ns = "hubtui-scratch"
    core.create_namespace({"metadata": {"name": ns}})
    apps.create_namespaced_deployment(ns, {
        "metadata": {"name": "web"},
        "spec": {"replicas": 2, "selector": {"matchLabels": {"app": "web"}},
                 "template": {"metadata": {"labels": {"app": "web"}},
                              "spec": {"containers": [{"name": "web", "image": "nginx"}]}}}})
    core.create_namespaced_config_map(ns, {"metadata": {"name": "settings"}, "data": {"a": "b"}})
    wait_for_pods(core, ns, "app=web", 2)
    core.delete_namespace(ns)
    assert core.read_namespace(ns).status.phase == "Terminating"
    wait_deleted(core, ns)


def test_the_job_completes(kube):
    batch = client.BatchV1Api(kube.api)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        job = batch.read_namespaced_job("db-migrate", HUB_NAMESPACE)
        if job.status.succeeded:
            assert any(c.type == "Complete" and c.status == "True" for c in job.status.conditions or [])
            assert batch.read_namespaced_cron_job("metrics-rollup", HUB_NAMESPACE).spec.schedule
            return
        time.sleep(0.5)
    raise AssertionError(f"job db-migrate did not complete: {job.status}")


def kubectl(local_cluster, *args, input=None):
    return subprocess.run(["kubectl", "--kubeconfig", str(local_cluster.kubeconfig), "-n", HUB_NAMESPACE, *args],
                          env=local_cluster.env(), input=input, capture_output=True, text=True, timeout=60)


def test_exec_into_timescaledb_runs_select_1_on_the_real_postgresql(local_cluster):
    one = kubectl(local_cluster, "exec", "timescaledb-0", "-c", "postgres", "--",
                  "psql", "-U", "postgres", "-d", "llm_analytics", "-tAc", "select 1")
    assert (one.returncode, one.stdout.strip()) == (0, "1"), one.stderr
    version = kubectl(local_cluster, "exec", "timescaledb-0", "-c", "postgres", "--",
                      "psql", "-U", "postgres", "-d", "llm_analytics", "-tAc",
                      "select count(*) from llm_requests; select setting from pg_settings where name = 'port'")
    count, port = version.stdout.split()
    assert int(count) == 1000
    assert int(port) == local_cluster.state().pg_port  # the real server this cluster started


def test_exec_into_redis_works_with_the_password_and_is_refused_without(local_cluster, kube):
    secret = client.CoreV1Api(kube.api).read_namespaced_secret("analytics-hub-secrets", HUB_NAMESPACE)
    password = base64.b64decode(secret.data["REDIS_PASSWORD"]).decode()
    refused = kubectl(local_cluster, "exec", "redis-cluster-0", "-c", "redis", "--", "redis-cli", "GET", "hub:version")
    assert "NOAUTH" in refused.stdout + refused.stderr
    assert "1.4.2" not in refused.stdout
    # The password goes in on stdin, as hubtui hands it over: never on a command line.
    allowed = kubectl(local_cluster, "exec", "-i", "redis-cluster-0", "-c", "redis", "--", "sh", "-c",
                      'read -r REDISCLI_AUTH; export REDISCLI_AUTH; redis-cli PING; redis-cli GET hub:version',
                      input=password + "\n")
    assert allowed.stdout.split() == ["PONG", "1.4.2"], allowed.stderr


def test_the_kafka_pod_gives_a_sandboxed_shell(local_cluster):
    shell = kubectl(local_cluster, "exec", "kafka-0", "--", "sh", "-c", 'echo "$0 $(id -u) $PWD"')
    assert shell.returncode == 0, shell.stderr
    uid = 65534 if os.geteuid() == 0 else os.geteuid()  # as root, commands run as nobody
    assert shell.stdout.split() == ["sh", str(uid), str(local_cluster.sandbox / "shell")]
    if os.geteuid() == 0:
        denied = kubectl(local_cluster, "exec", "kafka-0", "--", "ls", os.path.expanduser("~"))
        assert denied.returncode != 0 and "Permission denied" in denied.stderr


def test_the_default_hub_redis_is_one_server_and_kafka_has_no_kafka_tools(local_cluster, kube):
    """The default cluster stays as fast as it was: one Redis server (a Redis Cluster is the opt-in
    `up --redis-shards M`), and the Kafka pod is a plain shell, which the cleanup plan says up front."""
    secret = client.CoreV1Api(kube.api).read_namespaced_secret("analytics-hub-secrets", HUB_NAMESPACE)
    password = base64.b64decode(secret.data["REDIS_PASSWORD"]).decode()
    info = kubectl(local_cluster, "exec", "-i", "redis-cluster-0", "-c", "redis", "--", "sh", "-c",
                   'read -r REDISCLI_AUTH; export REDISCLI_AUTH; redis-cli INFO cluster', input=password + "\n")
    assert "cluster_enabled:0" in info.stdout, info.stderr
    assert local_cluster.state().redis_nodes == [] and list(local_cluster.redis_pids()) == ["redis"]
    tools = kubectl(local_cluster, "exec", "kafka-0", "--", "sh", "-c", "command -v kafka-topics.sh kafka-topics")
    assert tools.returncode != 0 and tools.stdout == ""


def test_the_controller_manager_and_scheduler_run_without_a_leader_lease_to_lose(kube):
    """With leader election, a controller manager that misses one lease renewal on a busy machine exits for
    good (kwokctl does not restart it) and no pod is created from then on: the local cluster runs both
    without it, so neither holds a lease."""
    leases = {lease.metadata.name for lease in
              client.CoordinationV1Api(kube.api).list_namespaced_lease("kube-system").items}
    assert not leases & {"kube-controller-manager", "kube-scheduler"}, leases


def test_a_controller_manager_that_exited_is_started_again_and_pods_are_created_after_it(local_cluster, scratch,
                                                                                          capsys):
    """kube-controller-manager exits for good when the API server is not healthy within 10 s of its start (a
    busy machine), and kwokctl starts it only once: the cluster starts it again while it waits for pods, and
    says why it had exited."""
    ns = scratch("revive")
    before = local_cluster._process("kube-controller-manager")
    os.kill(before["pid"], 9)
    while local_cluster._process("kube-controller-manager") is not None:
        time.sleep(0.05)
    ns.add("after-the-exit", 2)
    local_cluster.wait_hub_ready(timeout=60)
    after = local_cluster._process("kube-controller-manager")
    assert after is not None and after["pid"] != before["pid"] and after["argv"] == before["argv"]
    pods = ns.core.list_namespaced_pod(ns.name).items
    assert len(pods) == 2 and all(ready(p) for p in pods)
    assert "starting again what exited: kube-controller-manager (" in capsys.readouterr().err
