"""cluster/localcluster.py starts kwokctl's control plane twice at most: a port chosen free can be taken before
its component binds it, and kwokctl then waits for a component that never starts (seen once in a full run)."""

from __future__ import annotations

import json

import pytest

from cluster import localcluster
from cluster.localcluster import ClusterError, LocalCluster, State


def test_a_control_plane_that_does_not_start_is_deleted_and_started_again_on_another_port(tmp_path, monkeypatch):
    monkeypatch.setenv("HUBTUI_RUN_DIR", str(tmp_path))
    cluster = LocalCluster("retry")
    cluster.dir.mkdir(parents=True)
    st = State(name="retry", bin=str(tmp_path), api_port=1111, pg_port=2, redis_port=3, pg_bindir="",
               redis_nodes=[], redis_shards=0)
    tried, calls = [], []

    def create(self, state):
        tried.append(state.api_port)
        if len(tried) == 1:
            raise ClusterError("kwokctl: no answer after 150s")

    monkeypatch.setattr(LocalCluster, "_create_control_plane", create)
    monkeypatch.setattr(LocalCluster, "kwokctl", lambda self, *args, **kw: calls.append(args))
    monkeypatch.setattr(LocalCluster, "revive", lambda self: [])  # no component runs here to be found exited
    monkeypatch.setattr(localcluster, "free_port", lambda: 2222)
    monkeypatch.setattr(localcluster.os, "chmod", lambda *a: None)
    cluster._start_control_plane(st, nodes=2)
    assert tried == [1111, 2222]
    assert calls == [("delete", "cluster"), ("scale", "node", "--replicas", "2")]
    assert json.loads(cluster.state_file.read_text())["api_port"] == 2222  # what `down` and `env` read

    tried.clear()

    def never(self, state):
        tried.append(state.api_port)
        raise ClusterError("no")

    monkeypatch.setattr(LocalCluster, "_create_control_plane", never)
    with pytest.raises(ClusterError, match="no"):
        cluster._start_control_plane(st, nodes=2)
    assert len(tried) == 2  # twice at most
