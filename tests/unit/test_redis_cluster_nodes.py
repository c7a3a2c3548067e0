"""Reading CLUSTER NODES (the backup's list of Redis masters) and the local cluster's Redis cluster option."""

from __future__ import annotations

import pytest

from cluster.localcluster import ClusterError, LocalCluster
from hubtui.ops.cleanup.backup import parse_cluster_nodes

# As Redis 7 answers: a master with a hostname, a failed master whose slots moved, its promoted replica with
# a migrating slot, a node still in handshake without an address, and a line that is not a node.
NODES = """\
c2bcb02d0f8e4a6b9d1e3f5a7b9c1d3e5f7a9b1c 10.0.0.5:6379@16379,redis-cluster-0.redis-cluster myself,master - 0 0 1 \
connected 0-5460
4a8b63a1aa8e4a6b9d1e3f5a7b9c1d3e5f7a9b1c 10.0.0.6:6379@16379 master,fail - 1795774944023 1795774943521 2 disconnected
9f00d5a5f2844a6b9d1e3f5a7b9c1d3e5f7a9b1c 10.0.0.9:6379@16379 master - 0 1795774943000 7 connected 5461-10922 \
10923-16383 [5461->-c2bcb02d0f8e4a6b9d1e3f5a7b9c1d3e5f7a9b1c]
e1e1e1e1e1e1e1e1e1e1e1e1e1e1e1e1e1e1e1e1 10.0.0.7:6379@16379 slave 9f00d5a5f2844a6b9d1e3f5a7b9c1d3e5f7a9b1c 0 1 7 \
connected
0b9e06ae645f5a3412b19589fc9d9a26a884546b :6379@16379 handshake,noaddr - 0 0 0 connected
NOAUTH Authentication required.
"""


def test_cluster_nodes_are_read_with_their_role_address_and_slots():
    nodes = parse_cluster_nodes(NODES)
    assert [n.id[:8] for n in nodes] == ["c2bcb02d", "4a8b63a1", "9f00d5a5", "e1e1e1e1", "0b9e06ae"]
    me, failed, promoted, replica, new = nodes
    assert (me.host, me.port, me.is_master, me.slots) == ("10.0.0.5", 6379, True, ("0-5460",))
    assert "myself" in me.flags
    assert failed.is_master and failed.slots == () and "fail" in failed.flags  # nothing left to save on it
    assert promoted.slots == ("5461-10922", "10923-16383")  # a slot being migrated is not listed twice
    assert not replica.is_master and replica.master_id == promoted.id
    assert (new.host, new.address) == ("", "no address")


def test_a_master_describes_itself_with_its_address_slots_and_failure():
    nodes = parse_cluster_nodes(NODES.replace("master,fail - 1795774944023 1795774943521 2 disconnected",
                                              "master,fail - 1795774944023 1795774943521 2 disconnected 100"))
    assert nodes[1].describe() == "Redis cluster master 4a8b63a1 (10.0.0.6:6379, slots 100, fail)"
    assert nodes[0].describe() == "Redis cluster master c2bcb02d (10.0.0.5:6379, slots 0-5460)"


def test_an_answer_that_is_not_cluster_nodes_gives_no_node():
    assert parse_cluster_nodes("ERR This instance has cluster support disabled\n") == []
    assert parse_cluster_nodes("") == []


@pytest.mark.parametrize("shards, replicas", [(2, 0), (1, 1), (0, 1)])
def test_the_local_cluster_refuses_a_redis_cluster_redis_cli_cannot_create(shards, replicas, tmp_path, monkeypatch):
    monkeypatch.setenv("HUBTUI_RUN_DIR", str(tmp_path))
    with pytest.raises(ClusterError):
        LocalCluster("unit-redis").up(redis_shards=shards, redis_replicas=replicas)
    assert not (tmp_path / "unit-redis").exists()  # refused before anything was started
