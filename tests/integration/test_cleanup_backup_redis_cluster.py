"""The cleanup's backup of a Redis Cluster: one verified RDB per master, through exec into each master's own
pod, on a local cluster of its own whose hub runs a real Redis Cluster (3 masters, a replica each: six
redis-server processes, one per pod of the redis-cluster StatefulSet, with the hub's password)."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import shutil
import signal
import subprocess
import time
from pathlib import Path

import pytest
from kubernetes import client

from cluster.localcluster import HUB_NAMESPACE, ROOT, LocalCluster, free_port
from hubtui.present.risks import risk_words
from hubtui.errors import HubError
from hubtui.kube.client import connect
from hubtui.ops.cleanup.backup import backup, parse_cluster_nodes, redis_layout
from hubtui.ops.cleanup.plan import CleanupOptions, discover
from hubtui.settings import Settings
from tests.said import lines

from .test_cleanup_backup import unannounced

# one lane runs the whole module (make test runs lanes): its tests share one Redis cluster hub, in order (the
# last checks that `down` stops every process, three of them killed by the tests before it)
pytestmark = [pytest.mark.cluster, pytest.mark.xdist_group("redis-cluster")]
SHARDS, REPLICAS = 3, 1
SAMPLE_KEYS = {"hub:version", "hub:last_rollup", "model:gpt-4o", "model:claude-sonnet-4", "queue:ingestion",
               *(f"session:{n}" for n in range(24))}


@pytest.fixture(scope="module")
def redis_hub():
    checkout = hashlib.sha256(str(ROOT).encode()).hexdigest()[:6]
    cluster = LocalCluster(f"hubtui-rcluster-{checkout}-{os.getpid()}")
    cluster.up(redis_shards=SHARDS, redis_replicas=REPLICAS)
    yield cluster
    cluster.down()


@pytest.fixture(scope="module")
def conn(redis_hub):
    c = connect(Settings.from_env(kubeconfig=str(redis_hub.kubeconfig), namespace=HUB_NAMESPACE))
    yield c
    c.close()


@pytest.fixture
def settings(redis_hub, tmp_path) -> Settings:
    return Settings.from_env(kubeconfig=str(redis_hub.kubeconfig), namespace=HUB_NAMESPACE,
                             state_dir=tmp_path / "state")


@pytest.fixture(autouse=True)
def _cluster_kubectl_first(redis_hub, monkeypatch):
    """The backup runs `kubectl exec`: the cluster's own kubectl, as `localcluster.py env` sets it up."""
    monkeypatch.setenv("PATH", redis_hub.env()["PATH"])


def password(conn) -> str:
    secret = client.CoreV1Api(conn.api).read_namespaced_secret("analytics-hub-secrets", HUB_NAMESPACE)
    return base64.b64decode(secret.data["REDIS_PASSWORD"]).decode()


def redis(conn, port: int, *args: str) -> str:
    """redis-cli on this host straight to one node (the truth the backup is checked against)."""
    proc = subprocess.run(["redis-cli", "-p", str(port), *args], env=dict(os.environ, REDISCLI_AUTH=password(conn)),
                          capture_output=True, text=True, timeout=30)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def nodes(redis_hub, conn):
    """CLUSTER NODES as a live node sees it, with each node's pod (pod i runs node i)."""
    pods = {port: f"redis-cluster-{i}" for i, (port, _) in enumerate(redis_hub.state().redis_nodes)}
    for port in pods:
        try:
            found = parse_cluster_nodes(redis(conn, port, "CLUSTER", "NODES"))
        except AssertionError:
            continue
        return [(n, pods[n.port]) for n in found]
    raise AssertionError("no Redis node answers")


def masters(redis_hub, conn) -> dict[str, object]:
    """pod -> node, for each master that holds slots."""
    return {pod: n for n, pod in nodes(redis_hub, conn) if n.is_master and n.slots and "fail" not in n.flags}


def keys_of_rdb(rdb: Path, tmp_path: Path) -> set[str]:
    """Load the RDB into a redis-server of its own and list its keys."""
    folder = tmp_path / f"load-{rdb.stem}"
    folder.mkdir()
    shutil.copy(rdb, folder / "dump.rdb")
    port = free_port()
    server = subprocess.Popen(["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--dir", str(folder),
                               "--dbfilename", "dump.rdb", "--save", "", "--appendonly", "no"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        cli = ["redis-cli", "-p", str(port)]
        deadline = time.monotonic() + 20
        while subprocess.run([*cli, "PING"], capture_output=True, text=True).stdout.strip() != "PONG":
            assert server.poll() is None, f"redis-server would not load {rdb}"
            assert time.monotonic() < deadline, f"redis-server did not load {rdb}"
            time.sleep(0.05)
        return set(subprocess.run([*cli, "--scan"], capture_output=True, text=True).stdout.split())
    finally:
        server.terminate()
        server.wait(10)


def check_rdb(rdb: Path) -> None:
    assert rdb.read_bytes().startswith(b"REDIS") and rdb.read_bytes()[-9] == 0xFF
    checked = subprocess.run(["redis-check-rdb", str(rdb)], capture_output=True, text=True)
    assert checked.returncode == 0 and "RDB looks OK" in checked.stdout, checked.stdout


def kubectl(redis_hub, *args: str, input: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(["kubectl", "--kubeconfig", str(redis_hub.kubeconfig), "-n", HUB_NAMESPACE, *args],
                          env=redis_hub.env(), input=input, capture_output=True, text=True, timeout=60)


def test_each_pod_of_the_redis_cluster_statefulset_is_a_node_of_its_own(redis_hub, conn):
    st = redis_hub.state()
    assert len(st.redis_nodes) == SHARDS * (1 + REPLICAS)
    sts = client.AppsV1Api(conn.api).read_namespaced_stateful_set("redis-cluster", HUB_NAMESPACE)
    assert sts.spec.replicas == sts.status.ready_replicas == SHARDS * (1 + REPLICAS)
    for i, (port, _) in enumerate(st.redis_nodes):
        pod = f"redis-cluster-{i}"
        refused = kubectl(redis_hub, "exec", pod, "-c", "redis", "--", "redis-cli", "CLUSTER", "MYID")
        assert "NOAUTH" in refused.stdout, refused
        # the password on stdin, as hubtui hands it over: never on a command line
        mine = kubectl(redis_hub, "exec", "-i", pod, "-c", "redis", "--", "sh", "-c",
                       'read -r REDISCLI_AUTH; export REDISCLI_AUTH; redis-cli CLUSTER MYID',
                       input=password(conn) + "\n")
        assert mine.stdout.strip() == redis(conn, port, "CLUSTER", "MYID").strip(), (pod, mine)
    found = nodes(redis_hub, conn)
    assert len([n for n, _ in found if n.is_master and n.slots]) == SHARDS
    assert len([n for n, _ in found if "slave" in n.flags]) == SHARDS * REPLICAS
    for pod, master in masters(redis_hub, conn).items():  # some of the sample data on every master
        assert redis(conn, master.port, "DBSIZE").strip() != "0", pod


def test_the_backup_saves_one_verified_rdb_per_master_holding_its_shards_keys(redis_hub, conn, settings, tmp_path):
    plan = discover(conn, CleanupOptions("dev", "k8s", HUB_NAMESPACE), settings)
    assert not [r for r in risk_words(plan) if "Redis" in r], risk_words(plan)
    layout = redis_layout(conn, settings, HUB_NAMESPACE)
    assert layout.cluster and all(s.direct and not s.problem for s in layout.shards)
    events = []
    result = backup(conn, settings, HUB_NAMESPACE, "dev", emit=events.append)
    assert unannounced(plan, events) == []
    by_pod = masters(redis_hub, conn)
    assert set(by_pod) == {f"redis-cluster-{i}" for i in range(SHARDS)}  # the replicas are not saved apart
    assert {k for k in result.files if k.startswith("redis")} == {f"redis/{p}" for p in by_pod} | {"redis/nodes"}
    seen: set[str] = set()
    for pod, master in by_pod.items():
        rdb = result.files[f"redis/{pod}"]
        assert rdb.name == f"redis-{pod}.rdb" and not list(result.folder.glob("*.partial"))
        check_rdb(rdb)
        keys = keys_of_rdb(rdb, tmp_path)
        truth = set(redis(conn, master.port, "--scan").split())
        assert keys == truth and keys, pod  # exactly the keys of its shard
        assert not keys & seen  # no key in two shards' files
        seen |= keys
        assert result.notes[f"redis/{pod}"].startswith(f"master {master.id[:8]}, slots {','.join(master.slots)}, "
                                                      f"pod {pod}: RDB version")
    assert seen == SAMPLE_KEYS
    listing = result.files["redis/nodes"].read_text()
    assert all(m.id in listing for m in by_pod.values())
    assert "redis" not in {k for k in result.files if "/" not in k}  # no single-server file in cluster mode


def test_a_master_that_no_pod_answers_as_is_saved_by_its_address(redis_hub, conn, settings, tmp_path):
    """Pod redis-cluster-2 loses its own exec rule: exec into it now reaches another node, so no pod answers
    as master 2. The backup reaches that master by the address CLUSTER NODES gives, from the first pod."""
    rule = json.loads(kubectl(redis_hub, "get", "exec.kwok.x-k8s.io", "redis-cluster-2", "-o", "json").stdout)
    master = masters(redis_hub, conn)["redis-cluster-2"]
    assert kubectl(redis_hub, "delete", "exec.kwok.x-k8s.io", "redis-cluster-2").returncode == 0
    try:
        deadline = time.monotonic() + 30
        while kubectl(redis_hub, "exec", "redis-cluster-2", "-c", "redis", "--", "sh", "-c",
                      'echo "port=$HUBTUI_REDIS_PORT"').stdout.strip() != "port=":
            assert time.monotonic() < deadline, "kwok kept the deleted exec rule"
            time.sleep(0.2)
        plan = discover(conn, CleanupOptions("dev", "k8s", HUB_NAMESPACE), settings)
        assert not [r for r in risk_words(plan) if "Redis" in r], risk_words(plan)
        result = backup(conn, settings, HUB_NAMESPACE, "dev")
        by_address = f"redis/127.0.0.1-{master.port}"
        assert set(k for k in result.files if k.startswith("redis/")) == {
            "redis/redis-cluster-0", "redis/redis-cluster-1", by_address, "redis/nodes"}
        assert f"127.0.0.1:{master.port} from pod redis-cluster-0" in result.notes[by_address]
        check_rdb(result.files[by_address])
        assert keys_of_rdb(result.files[by_address], tmp_path) == set(redis(conn, master.port, "--scan").split())
    finally:
        for key in ("resourceVersion", "uid", "creationTimestamp", "generation", "managedFields"):
            rule["metadata"].pop(key, None)
        rule.pop("status", None)
        assert kubectl(redis_hub, "apply", "-f", "-", input=json.dumps(rule)).returncode == 0
        port = redis_hub.state().redis_nodes[2][0]
        deadline = time.monotonic() + 30
        while kubectl(redis_hub, "exec", "redis-cluster-2", "-c", "redis", "--", "sh", "-c",
                      'echo "port=$HUBTUI_REDIS_PORT"').stdout.strip() != f"port={port}":
            assert time.monotonic() < deadline, "kwok did not load the exec rule again"
            time.sleep(0.2)


def test_with_kafka_tools_in_the_pod_the_topics_are_saved_and_the_plan_announces_nothing(redis_hub, conn, settings):
    """As on a real cluster whose Kafka image has its tools: no Kafka risk, no warning, the topics saved.
    (A stand-in kafka-topics.sh on the pod's PATH, for this test only: the demo has no Kafka tools.)"""
    tool = redis_hub.shims / "kafka-topics.sh"
    tool.write_text('#!/bin/sh\n[ "$*" = "--bootstrap-server localhost:9092 --describe" ] || exit 2\n'
                    'printf "Topic: llm-events\\tPartitionCount: 3\\tReplicationFactor: 1\\n"\n')
    tool.chmod(0o755)
    try:
        plan = discover(conn, CleanupOptions("dev", "k8s", HUB_NAMESPACE), settings)
        assert not [r for r in risk_words(plan) if "Kafka" in r], risk_words(plan)
        events = []
        result = backup(conn, settings, HUB_NAMESPACE, "dev", emit=events.append)
        assert not [e for e in lines(events) if e.level != "info"]
        assert result.files["kafka"].read_text().startswith("Topic: llm-events")
        assert result.notes["kafka"] == "topics and their configs"
    finally:
        tool.unlink()


def test_after_a_failover_the_promoted_replica_is_saved(redis_hub, conn, settings, tmp_path):
    """Master 1's process dies; its replica takes over its slots (a real failover): the backup follows
    CLUSTER NODES, not the pods' ordinals, and saves the new master through its own pod."""
    before = masters(redis_hub, conn)
    old = before["redis-cluster-1"]
    os.kill(redis_hub.redis_pids()["redis-1"], signal.SIGKILL)
    deadline = time.monotonic() + 60
    while True:
        now = masters(redis_hub, conn)
        if "redis-cluster-1" not in now and len(now) == SHARDS:
            break
        assert time.monotonic() < deadline, f"no failover: {now}"
        time.sleep(0.5)
    [promoted] = set(now) - set(before)
    assert now[promoted].slots == old.slots
    plan = discover(conn, CleanupOptions("dev", "k8s", HUB_NAMESPACE), settings)
    assert not [r for r in risk_words(plan) if "Redis" in r], risk_words(plan)
    result = backup(conn, settings, HUB_NAMESPACE, "dev")
    assert {k for k in result.files if k.startswith("redis/")} == {f"redis/{p}" for p in now} | {"redis/nodes"}
    check_rdb(result.files[f"redis/{promoted}"])
    assert keys_of_rdb(result.files[f"redis/{promoted}"], tmp_path) == set(
        redis(conn, now[promoted].port, "--scan").split())


def test_a_master_that_cannot_be_saved_is_a_plan_risk_and_stops_the_backup(redis_hub, conn, settings):
    """Master 2 and its replica die: slots 10923-16383 have no live node. The plan says, before anything is
    asked, that the backup will stop the cleanup; the backup fails on Redis with nothing deleted."""
    st = redis_hub.state()
    victim = masters(redis_hub, conn)["redis-cluster-2"]
    dead = [pod for n, pod in nodes(redis_hub, conn) if n.id == victim.id or n.master_id == victim.id]
    assert len(dead) == 1 + REPLICAS
    for pod in dead:
        os.kill(redis_hub.redis_pids()[pod.replace("redis-cluster-", "redis-")], signal.SIGKILL)
    plan = discover(conn, CleanupOptions("dev", "k8s", HUB_NAMESPACE), settings)
    [risk] = [r for r in risk_words(plan) if "Redis" in r]
    assert risk.startswith(f"the backup will stop the cleanup before anything is deleted: Redis cluster master "
                           f"{victim.id[:8]} (127.0.0.1:{victim.port}, slots {','.join(victim.slots)}")
    assert "cannot be saved: no ready pod answers as that node" in risk
    assert f"Could not connect to Redis at 127.0.0.1:{victim.port}" in risk
    with pytest.raises(HubError) as err:
        backup(conn, settings, HUB_NAMESPACE, "dev")
    message = str(err.value)
    assert message.startswith(f"backup of Redis failed: Redis cluster master {victim.id[:8]} ")
    assert "nothing was deleted" in message
    folder = next((settings.state_dir / "backups" / "dev").iterdir())
    assert not list(folder.glob("redis*"))  # no master saved: a cluster saved in part is no backup
    assert (folder / "timescaledb-llm_analytics.dump").exists()  # what was saved is kept
    assert st.redis_nodes  # (the cluster stays up for the last test)


def test_down_stops_every_process_it_started(redis_hub):
    kwok_pids = [int(p.read_text()) for p in (redis_hub.dir / "kwok").rglob("pids/*.pid")]
    redis_pids = [pid for pid in redis_hub.redis_pids().values() if pid]
    postmaster = int((redis_hub.dir / "postgres" / "data" / "postmaster.pid").read_text().split()[0])
    assert kwok_pids and len(redis_pids) == SHARDS * (1 + REPLICAS) - 3  # three were killed above
    redis_hub.down()

    def gone(pid: int) -> bool:  # no such process, or one that has exited and waits to be reaped
        try:
            return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"
        except OSError:
            return True

    assert [pid for pid in kwok_pids + redis_pids + [postmaster] if not gone(pid)] == []
    assert not redis_hub.dir.exists()
