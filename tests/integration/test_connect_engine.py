"""Finding the pod to connect to, against the real cluster."""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys

import pytest
from kubernetes import client

from cluster.localcluster import HUB_NAMESPACE

from hubtui.errors import HubError
from hubtui.ops.connect import TARGETS, find_pod, plan


pytestmark = pytest.mark.cluster


def pod(name, labels, containers, annotations=None, node_selector=None):
    spec = {"containers": [{"name": c, "image": "x"} for c in containers]}
    if node_selector:
        spec["nodeSelector"] = node_selector
    return {"metadata": {"name": name, "labels": labels, "annotations": annotations or {}}, "spec": spec}


@pytest.fixture
def ns(scratch):
    return scratch("connect")


def wait_ready(ns, name):
    import time

    for _ in range(200):
        p = ns.core.read_namespaced_pod(name, ns.name)
        if any(c.type == "Ready" and c.status == "True" for c in p.status.conditions or []):
            return
        time.sleep(0.05)
    raise AssertionError(f"{name} never ready")


def test_the_hub_pods_are_found_by_their_labels(kube):
    for key, name, container in (("timescaledb", "timescaledb-0", "postgres"),
                                 ("redis", "redis-cluster-0", "redis"), ("kafka", "kafka-0", "kafka")):
        choice = find_pod(kube, "llm-analytics-hub", TARGETS[key])
        assert (choice.name, choice.container, choice.ready) == (name, container, True)


def test_a_pod_that_is_not_ready_is_skipped_and_ordinal_0_is_preferred(kube, ns):
    ns.core.create_namespaced_pod(ns.name, pod("redis-2", {"app": "redis"}, ["redis"]))
    ns.core.create_namespaced_pod(ns.name, pod("redis-1", {"app": "redis"}, ["redis"]))
    # redis-0 can never schedule: it is Pending, not ready
    ns.core.create_namespaced_pod(ns.name, pod("redis-0", {"app": "redis"}, ["redis"],
                                               node_selector={"no": "such-node"}))
    wait_ready(ns, "redis-1")
    wait_ready(ns, "redis-2")
    assert find_pod(kube, ns.name, TARGETS["redis"]).name == "redis-1"


def test_the_default_container_annotation_wins_over_sidecars(kube, ns):
    ns.core.create_namespaced_pod(ns.name, pod(
        "kafka-0", {"app.kubernetes.io/name": "kafka"}, ["istio-proxy", "jmx-exporter", "broker"],
        annotations={"kubectl.kubernetes.io/default-container": "broker"}))
    ns.core.create_namespaced_pod(ns.name, pod("timescaledb-0", {"app": "timescaledb"},
                                               ["istio-proxy", "db"]))
    wait_ready(ns, "kafka-0")
    wait_ready(ns, "timescaledb-0")
    assert find_pod(kube, ns.name, TARGETS["kafka"]).container == "broker"
    assert find_pod(kube, ns.name, TARGETS["timescaledb"]).container == "db"  # the sidecar is skipped


def test_no_matching_pod_says_so_and_lists_the_candidates(kube, ns):
    ns.core.create_namespaced_pod(ns.name, pod("timescaledb-0", {"app": "timescaledb"}, ["postgres"],
                                               node_selector={"no": "such-node"}))
    with pytest.raises(HubError) as err:
        find_pod(kube, ns.name, TARGETS["timescaledb"])
    assert str(err.value) == f"no ready TimescaleDB pod in namespace {ns.name} (candidates: timescaledb-0 (Pending))"
    with pytest.raises(HubError) as err:
        find_pod(kube, ns.name, TARGETS["kafka"])
    assert str(err.value) == (f"no ready Kafka pod in namespace {ns.name} "
                              "(no pod matches; the namespace has: timescaledb-0 (Pending))")


def test_helper_pods_named_after_a_store_are_not_taken_for_it(kube, ns):
    ns.core.create_namespaced_pod(ns.name, pod("redis-exporter-7f9c", {"tier": "metrics"}, ["exporter"]))
    ns.core.create_namespaced_pod(ns.name, pod("redis-main-0", {"tier": "data"}, ["redis"]))
    wait_ready(ns, "redis-exporter-7f9c")
    wait_ready(ns, "redis-main-0")
    assert find_pod(kube, ns.name, TARGETS["redis"]).name == "redis-main-0"


def warnings(session) -> list[str]:
    from hubtui.present.connect import warnings

    return warnings(session)


def test_a_password_with_control_characters_is_not_typed(kube, kube_settings, ns):
    import base64

    ns.core.create_namespaced_pod(ns.name, pod("redis-0", {"app": "redis"}, ["redis"]))
    ns.core.create_namespaced_secret(ns.name, {"metadata": {"name": "analytics-hub-secrets"}, "data": {
        "REDIS_PASSWORD": base64.b64encode(b"abc\ndef").decode()}})
    wait_ready(ns, "redis-0")
    session = plan(kube, dataclasses.replace(kube_settings, namespace=ns.name), "redis", kubectl="kubectl")
    assert session.secret is None and "control characters" in warnings(session)[0]


def test_a_missing_secret_falls_back_to_no_password_with_a_warning(kube, kube_settings, ns):
    ns.core.create_namespaced_pod(ns.name, pod("redis-0", {"app": "redis"}, ["redis"]))
    wait_ready(ns, "redis-0")
    session = plan(kube, dataclasses.replace(kube_settings, namespace=ns.name), "redis", kubectl="kubectl")
    assert session.secret is None
    assert warnings(session) == [f"secret analytics-hub-secrets not found in {ns.name}: connecting without a password"]
    assert session.argv[-1] == "redis-cli"


def test_the_pod_flag_overrides_the_search(kube, kube_settings):
    session = plan(kube, kube_settings, "kafka", pod_name="kafka-0", kubectl="kubectl")
    assert session.pod.name == "kafka-0"
    with pytest.raises(HubError, match="pod nope-0 not found in namespace llm-analytics-hub"):
        plan(kube, kube_settings, "kafka", pod_name="nope-0", kubectl="kubectl")


PROBE_FORWARD = """
import json, socket, sys
from hubtui.kube.client import connect
from hubtui.kube.portforward import Forward
from hubtui.settings import Settings

conn = connect(Settings.from_env(kubeconfig=sys.argv[1]))
forward = Forward(conn, sys.argv[2], sys.argv[3], 6379).check()
with socket.create_connection(("127.0.0.1", forward.port), timeout=10) as s:
    s.sendall(b"PING\\r\\n")
    answer = s.recv(100).decode()
forward.close()
print(json.dumps([answer, forward.summary(), sorted(m for m in sys.modules if m.split('.')[0] == 'kubernetes')]))
"""


def test_a_port_forward_carries_the_pods_port_without_the_kubernetes_package(local_cluster, kube):
    """A stream to the hub's Redis pod through hubtui's own WebSocket: the real Redis answers (it asks for the
    password), nothing is reported wrong, and the kubernetes package (a second of imports) was never loaded."""
    pod = next(p.metadata.name for p in client.CoreV1Api(kube.api).list_namespaced_pod(
        HUB_NAMESPACE, label_selector="app=redis-cluster").items)
    proc = subprocess.run([sys.executable, "-c", PROBE_FORWARD, str(local_cluster.kubeconfig), HUB_NAMESPACE, pod],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    answer, problems, loaded = json.loads(proc.stdout.strip().splitlines()[-1])
    assert answer.startswith("-NOAUTH") and problems == "" and loaded == []
