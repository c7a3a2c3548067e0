"""Fixtures that start the real parts. A test that needs one fails loudly when it cannot be had."""

from __future__ import annotations

import hashlib
import itertools
import os
import sys
import threading
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # for cluster.localcluster (standard library only)

from cluster.localcluster import HUB_NAMESPACE, LocalCluster  # noqa: E402

import hubtui.present  # noqa: E402, F401 - installs the wording of the engine's facts, as hubtui's main does
from hubtui.settings import Settings  # noqa: E402

# pytest-xdist's lanes run with COLUMNS (and LINES) in their environment, and every hubtui a test starts in a
# pseudo-terminal would inherit them: they win over the terminal's own size (shutil.get_terminal_size), so a
# hubtui in a 140-column pty laid itself out in 80
for _name in ("COLUMNS", "LINES"):
    os.environ.pop(_name, None)


@pytest.fixture(autouse=True)
def _isolated_state(tmp_path, monkeypatch):
    """hubtui's state and configuration go to a temporary folder in every test; no real kubeconfig."""
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.delenv("TEXTUAL_THEME", raising=False)
    monkeypatch.delenv("NAMESPACE", raising=False)
    # No test may reach a real cloud: drop the operator's cloud settings and credentials. A test that needs
    # a cloud sets the endpoint of a local stand-in (moto, tests/standins) itself.
    for name in list(os.environ):
        if name.startswith(("AWS_", "AZURE_", "GOOGLE_", "GCLOUD_", "CLOUDSDK_", "GCP_", "HUBTUI_GCP_",
                            "HUBTUI_AZURE_")):
            monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-aws-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-aws-credentials"))


# pytest-xdist's lane ("gw0", "gw1"…), as a suffix of the cluster's name; empty in a run without lanes
_LANE = f"-{os.environ['PYTEST_XDIST_WORKER']}" if os.environ.get("PYTEST_XDIST_WORKER") else ""


@pytest.fixture(scope="session")
def local_cluster():
    """The real local cluster (control plane + kwok + PostgreSQL + Redis) with the hub deployed.

    Started once per session as `hubtui-test-<checkout>` (beside a running demo cluster, and beside the
    test cluster of another checkout), one per lane when the tests run in lanes (`make test` runs `-n 2`), and
    stopped at the end.
    """
    checkout = hashlib.sha256(str(ROOT).encode()).hexdigest()[:6]
    cluster = LocalCluster(os.environ.get("HUBTUI_TEST_CLUSTER", f"hubtui-test-{checkout}") + _LANE)
    cluster.up()
    yield cluster
    if not os.environ.get("HUBTUI_KEEP_CLUSTER"):
        cluster.down()


@pytest.fixture(autouse=True)
def _control_plane_running(request):
    """Before each test on the shared cluster, a control-plane component that exited since (kwokctl starts
    each once) is started again, as a kubelet would: one test's bad moment does not fail every later one."""
    if "local_cluster" in request.fixturenames:
        request.getfixturevalue("local_cluster").revive()


class DoomedClusters:
    """Clusters of their own for the tests that destroy one, each started one test ahead: while a test runs
    on its cluster, the next test's boots beside it (a cluster takes about 12 s to start, and most of these
    tests wait on the cluster, not the CPU). None is started that no test will take."""

    def __init__(self, needed: int, group: str = "doomed"):
        checkout = hashlib.sha256(str(ROOT).encode()).hexdigest()[:6]
        # per process and group: runs side by side never share
        self.prefix = f"hubtui-{group}-{checkout}-{os.getpid()}"
        self.needed = needed
        self.numbers = itertools.count()
        self.next: tuple[LocalCluster, threading.Thread, dict] | None = None

    def _start(self) -> tuple[LocalCluster, threading.Thread, dict]:
        cluster, outcome = LocalCluster(f"{self.prefix}-{next(self.numbers)}"), {}

        def up() -> None:
            try:
                cluster.up()
            except BaseException as e:  # noqa: BLE001 - raised in the test that takes it
                outcome["error"] = e

        thread = threading.Thread(target=up, name=f"start {cluster.name}", daemon=True)
        thread.start()
        return cluster, thread, outcome

    def take(self) -> LocalCluster:
        cluster, thread, outcome = self.next or self._start()
        self.next = None
        self.needed -= 1
        thread.join()
        if "error" in outcome:
            cluster.down()
            raise outcome["error"]
        if self.needed > 0:
            self.next = self._start()  # boots while this test runs
        return cluster

    def close(self) -> None:
        if self.next is not None:
            cluster, thread, _ = self.next
            thread.join()
            cluster.down()


DOOMED_TESTS = pytest.StashKey[dict]()  # how many collected tests of each doomed group take a doomed cluster
DOOMED_LANES = 2  # the tests that destroy a cluster are dealt into this many groups, each run in a lane of its own


def _doomed_group(item) -> str | None:
    marker = item.get_closest_marker("xdist_group")
    return marker.args[0] if marker and str(marker.args[0]).startswith("doomed") else None


@pytest.hookimpl(tryfirst=True)  # before xdist's own, which reads the groups
def pytest_collection_modifyitems(config, items):
    """In lanes (`-n 4 --dist loadgroup`), the tests that destroy a cluster are dealt, in turn, into
    DOOMED_LANES groups, each run in one lane: that lane alone boots its group's clusters, one ahead of each,
    and no lane boots one it will not use. (Most of these tests wait on the cluster, not the CPU: two lanes of
    them take half the time of one.)"""
    dealt = 0
    for item in items:
        if "doomed_cluster" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.xdist_group(f"doomed-{dealt % DOOMED_LANES}"))
            dealt += 1


def pytest_collection_finish(session):
    counts: dict[str, int] = {}
    for item in session.items:
        if (group := _doomed_group(item)) is not None:
            counts[group] = counts.get(group, 0) + 1 + ("another_doomed_cluster" in item.fixturenames)
    session.config.stash[DOOMED_TESTS] = counts


@pytest.fixture(scope="session")
def doomed_clusters(request):
    """Each doomed group's spare clusters, made when the group's first test comes to this lane."""
    counts = request.config.stash.get(DOOMED_TESTS, {})
    groups: dict[str, DoomedClusters] = {}

    def of(group: str) -> DoomedClusters:
        if group not in groups:
            groups[group] = DoomedClusters(counts.get(group, 1), group)
        return groups[group]

    yield of
    for spares in groups.values():
        spares.close()


@pytest.fixture
def doomed_cluster(request, doomed_clusters):
    """A cluster of its own with the hub deployed, for a test that destroys it (a cleanup run): started
    ahead of the test by its group's `doomed_clusters` and stopped after it."""
    cluster = doomed_clusters(_doomed_group(request.node) or "doomed").take()
    yield cluster
    cluster.down()


@pytest.fixture
def another_doomed_cluster(request, doomed_clusters, doomed_cluster):
    """A second cluster of its own with the hub deployed, beside `doomed_cluster` (a test of clusters side by
    side), from the same group's spares, stopped after the test."""
    cluster = doomed_clusters(_doomed_group(request.node) or "doomed").take()
    yield cluster
    cluster.down()


@pytest.fixture
def held_hub(doomed_cluster):
    """The hub's namespace on the doomed cluster, held in Terminating by a finalizer that never clears
    (until the test ends): a cleanup run waits in its namespace step."""
    from kubernetes import client

    from hubtui.kube.client import connect

    conn = connect(Settings.from_env(kubeconfig=str(doomed_cluster.kubeconfig)))
    core = client.CoreV1Api(conn.api)
    core.create_namespaced_config_map(HUB_NAMESPACE, {
        "metadata": {"name": "held", "finalizers": ["hubtui.test/never-cleared"]}, "data": {"a": "b"}})
    yield core
    # let the namespace go; no waiting for it: doomed_cluster stops the whole cluster next (that wait was up to
    # 90 s of every such test)
    core.patch_namespaced_config_map("held", HUB_NAMESPACE, {"metadata": {"finalizers": None}})
    conn.close()


@pytest.fixture
def scratch(kube):
    """Makes namespaces of the test's own on the local cluster, deleted after it:
    `scratch("scale", {"api-server": 3, "forecasting": 1}, hpas={"api-server": (2, 10)})` creates the
    deployments (and HPAs) and waits until each one's pods are Ready (`ready=False`: it does not wait)."""
    from tests.kubehelpers import Scratch

    made: list[Scratch] = []

    def make(prefix: str, deployments: dict[str, int] | None = None, *, hpas: dict | None = None,
             ready: bool = True) -> Scratch:
        ns = Scratch(kube.api, prefix)
        made.append(ns)
        for name, replicas in (deployments or {}).items():
            ns.add(name, replicas)
        for target, (lo, hi) in (hpas or {}).items():
            ns.add_hpa(target, lo, hi)
        for name, replicas in (deployments or {}).items():
            if ready and replicas:
                ns.wait_pods(name, replicas)
        return ns

    yield make
    from kubernetes import client

    for ns in made:
        try:
            ns.delete()
        except client.ApiException as e:
            if e.status != 404:  # a test that deleted its namespace itself
                raise


@pytest.fixture
def served_logs(local_cluster, tmp_path):
    """kwok serves the logs of a namespace's containers from a file: `served_logs(namespace)` makes the rule
    (a ClusterLogs) and returns the file's path; lines appended to it are the containers' log."""
    import json
    import uuid

    rules: list[str] = []

    def serve(namespace: str) -> Path:
        path = tmp_path / f"{namespace}.log"
        path.write_text("")
        path.chmod(0o644)
        rules.append(name := f"hubtui-test-{uuid.uuid4().hex[:6]}")
        local_cluster.kubectl("apply", "-f", "-", input=json.dumps({
            "apiVersion": "kwok.x-k8s.io/v1alpha1", "kind": "ClusterLogs", "metadata": {"name": name},
            "spec": {"selector": {"matchNamespaces": [namespace]}, "logs": [{"logsFile": str(path), "follow": True}]}}))
        return path

    yield serve
    for name in rules:
        local_cluster.kubectl("delete", "clusterlogs", name, check=False)


@pytest.fixture
def api_proxy(local_cluster, tmp_path):
    """The local cluster's API server behind a proxy that a test can cut and restore (`ApiProxy`): the API
    server going away, for this test's clients only."""
    from tests.kubehelpers import ApiProxy

    proxy = ApiProxy(local_cluster, tmp_path / "kubeconfig-through-proxy")
    yield proxy
    proxy.close()


@pytest.fixture
def kube_settings(local_cluster) -> Settings:
    return Settings.from_env(kubeconfig=str(local_cluster.kubeconfig), namespace=HUB_NAMESPACE)


@pytest.fixture
def kube(kube_settings):
    """A KubeConnection to the local cluster."""
    from hubtui.kube.client import connect

    conn = connect(kube_settings)
    yield conn
    conn.close()


# The cloud stand-ins' fixtures (moto for AWS; local HTTP stand-ins for GCP and Azure).
from tests.standins.aws import *  # noqa: E402, F403
from tests.standins.azure import *  # noqa: E402, F403
from tests.standins.gcp import *  # noqa: E402, F403


@pytest.fixture
def fleet_hubs(local_cluster, kube, scratch, tmp_path):
    """A kubeconfig of five hubs: dev-a and prod-b live (namespaces of their own; prod-b's api-server runs
    another image), gone (nothing listens), silent (never answers), revoked (a token the server refuses)."""
    import yaml
    from kubernetes import client

    from tests.kubehelpers import Silent, closed_port

    dev = scratch("fleet-dev", {"api-server": 2, "worker": 1})
    prod = scratch("fleet-prod", {"api-server": 2, "worker": 1})
    client.AppsV1Api(kube.api).patch_namespaced_deployment("api-server", prod.name, {"spec": {"template": {"spec": {
        "containers": [{"name": "api-server", "image": "example/api-server:2"}]}}}})
    silent = Silent()
    config = yaml.safe_load(Path(local_cluster.kubeconfig).read_text())
    cluster, user = config["clusters"][0], config["users"][0]
    config["clusters"] += [{"name": "gone", "cluster": {**cluster["cluster"], "server": f"https://127.0.0.1:{closed_port()}"}},
                           {"name": "silent", "cluster": {**cluster["cluster"], "server": f"https://127.0.0.1:{silent.port}"}}]
    config["users"].append({"name": "refused", "user": {"token": "not-a-token"}})
    config["contexts"] = [
        {"name": "dev-a", "context": {"cluster": cluster["name"], "user": user["name"], "namespace": dev.name}},
        {"name": "prod-b", "context": {"cluster": cluster["name"], "user": user["name"], "namespace": prod.name}},
        {"name": "gone", "context": {"cluster": "gone", "user": user["name"]}},
        {"name": "silent", "context": {"cluster": "silent", "user": user["name"]}},
        {"name": "revoked", "context": {"cluster": cluster["name"], "user": "refused"}},
    ]
    config["current-context"] = "dev-a"
    path = tmp_path / "kubeconfig"
    path.write_text(yaml.safe_dump(config))
    yield {"kubeconfig": str(path), "dev": dev, "prod": prod, "silent": silent}
    silent.close()
