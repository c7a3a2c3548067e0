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


def test_an_api_server_that_is_slow_to_answer_after_a_restart_is_asked_again_until_the_deadline(tmp_path, monkeypatch):
    """A restarted kube-apiserver on a loaded machine once held a /readyz call past kubectl's 10 s (a CI run):
    one slow answer is no answer yet, and only the caller's deadline ends the wait."""
    import subprocess

    monkeypatch.setenv("HUBTUI_RUN_DIR", str(tmp_path))
    cluster = LocalCluster("slow")
    asked = []

    def kubectl(self, *args, check=True, timeout=300):
        asked.append(args[:3])
        if args[:2] == ("get", "--raw") and len(asked) <= 2:
            raise ClusterError("kubectl get --raw: no answer after 10s")
        if args[:2] == ("get", "lease"):
            return subprocess.CompletedProcess(args, 1, "", 'Error from server (NotFound): leases "x" not found')
        return subprocess.CompletedProcess(args, 0, "ok", "")

    monkeypatch.setattr(LocalCluster, "kubectl", kubectl)
    monkeypatch.setattr(LocalCluster, "_restart", lambda self, saved, component: None)
    monkeypatch.setattr(localcluster.time, "sleep", lambda s: None)
    cluster.start_apiserver({"kube-apiserver": {"pid": 1}}, timeout=60)
    assert asked[:3] == [("get", "--raw", "/readyz")] * 3
    assert ("get", "lease", "-n") in asked

    def refused(self, *args, check=True, timeout=300):  # any other failure still ends it at once
        raise ClusterError("kubectl: /nowhere not found")

    monkeypatch.setattr(LocalCluster, "kubectl", refused)
    with pytest.raises(ClusterError, match="not found"):
        cluster.start_apiserver({"kube-apiserver": {"pid": 1}}, timeout=60)
