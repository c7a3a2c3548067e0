"""The watch under what a real API server does: an expired resourceVersion (410 Gone)."""

from __future__ import annotations

import logging
import threading

import pytest
from kubernetes import client

from hubtui.kube.deployments import strip_deployment
from hubtui.kube.rest import Collection
from hubtui.kube.watch import ADDED, DELETED, SYNCED, Watcher

from ..kubehelpers import Scratch

pytestmark = pytest.mark.cluster


def test_an_expired_resource_version_makes_the_watch_list_again(kube, local_cluster, caplog):
    caplog.set_level(logging.INFO, logger="hubtui.kube.watch")
    ns = Scratch(kube.api, "watch")
    try:
        ns.add("alpha", 1)
        events, synced = [], threading.Event()

        def on_event(batch):
            events.extend(batch)
            if any(e.type == SYNCED for e in batch):
                synced.set()

        watcher = Watcher(Collection(kube.http, "apps/v1", "deployments", ns.name), on_event, what="deployments", transform=strip_deployment)
        # As if the watcher had been away long enough for its version to be compacted away,
        # and had missed a deletion meanwhile.
        old = client.AppsV1Api(kube.api).list_namespaced_deployment(ns.name).metadata.resource_version
        ns.add("alpha-2", 1)
        local_cluster.compact_etcd()
        # A restarted API server's watch cache starts now, and etcd no longer has `old`.
        local_cluster.start_apiserver(local_cluster.stop_apiserver())
        watcher._rv = old
        watcher.cache = {"ghost": {"metadata": {"name": "ghost", "resourceVersion": "1"}}}
        watcher.start()
        try:
            assert synced.wait(15), f"no relist after 410: {events}"
            assert f"resourceVersion {old} expired; listing again" in caplog.text
            assert [(e.type, e.obj["metadata"]["name"]) for e in events if e.type in (ADDED, DELETED)] == [
                (DELETED, "ghost"), (ADDED, "alpha"), (ADDED, "alpha-2")]
            assert set(watcher.cache) == {"alpha", "alpha-2"}
            ns.add("beta", 1)  # and it watches on from the new version
            for _ in range(100):
                if "beta" in watcher.cache:
                    break
                threading.Event().wait(0.05)
            assert "beta" in watcher.cache
            # stripped at the boundary, through the relist and the watch alike
            assert all("managedFields" not in o["metadata"] and "template" not in o["spec"]
                       for o in watcher.cache.values())
        finally:
            watcher.stop()
    finally:
        ns.delete()
