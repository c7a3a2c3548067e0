"""The deployment store against the real cluster: compact (stripped at the watch boundary), incremental, and
across all namespaces."""

from __future__ import annotations

import threading

import pytest
from kubernetes import client

from hubtui.kube.deployments import ORIGINAL_REPLICAS_ANNOTATION, DeploymentStore, list_rows

from ..kubehelpers import Scratch

pytestmark = pytest.mark.cluster


def assert_compact(obj: dict) -> None:
    meta, spec = obj["metadata"], obj["spec"]
    assert "managedFields" not in meta and "labels" not in meta
    assert set(meta.get("annotations") or {}) <= {ORIGINAL_REPLICAS_ANNOTATION}
    assert "template" not in spec and "strategy" not in spec
    assert set(obj) == {"metadata", "spec", "status"}


def test_the_store_keeps_no_managed_fields_and_no_templates(kube):
    ns = Scratch(kube.api, "store")
    apps = client.AppsV1Api(kube.api)
    try:
        ns.add("alpha", 1)
        ns.add("bravo", 2)
        apps.patch_namespaced_deployment("bravo", ns.name, {"metadata": {"annotations": {
            ORIGINAL_REPLICAS_ANNOTATION: "2", "kubectl.kubernetes.io/last-applied-configuration": "{}" * 500}}})
        full = apps.list_namespaced_deployment(ns.name).items
        assert all(d.metadata.managed_fields and d.spec.template for d in full)  # the server sends them
        store = DeploymentStore(kube, ns.name).start()
        try:
            assert store.wait_for(lambda s: s.synced and len(s.rows) == 2, 15)
            for obj in store._deps.snapshot().values():
                assert_compact(obj)
            assert store.row("bravo").original_replicas == 2 and store.row("bravo").desired == 2
            assert store.wait_for(lambda s: all(r.settled for r in s.rows), 30)  # bravo's pods are up
            # a watch event is stripped too, and changes only its own row
            seen = []
            store.subscribe(lambda change: seen.append(change))
            replay = seen.pop(0)  # a listener that comes late first gets what the store holds
            assert sorted(r.name for r in replay.upserted) == ["alpha", "bravo"] and replay.synced
            apps.patch_namespaced_deployment_scale("alpha", ns.name, {"spec": {"replicas": 3}})
            assert store.wait_for(lambda s: s.row("alpha").desired == 3, 15)
            assert_compact(store.raw("alpha"))
            assert all({r.name for r in c.upserted} <= {"alpha"} for c in seen)
            # rows equal a fresh list, row for row
            assert store.wait_for(lambda s: s.rows == list_rows(kube, ns.name), 15)
        finally:
            store.stop()
    finally:
        ns.delete()


def test_a_store_of_all_namespaces_keys_rows_namespace_slash_name(kube):
    a, b = Scratch(kube.api, "alla"), Scratch(kube.api, "allb")
    try:
        a.add("web", 1)
        b.add("web", 2)
        store = DeploymentStore(kube, None).start()
        try:
            assert store.wait_for(lambda s: s.synced and s.row(f"{a.name}/web") and s.row(f"{b.name}/web"), 20)
            assert (store.row(f"{a.name}/web").desired, store.row(f"{b.name}/web").desired) == (1, 2)
            assert store.row(f"{b.name}/web").namespace == b.name and store.row(f"{b.name}/web").ref == f"{b.name}/web"
            assert store.row("web") is None
            for obj in store._deps.snapshot().values():
                assert_compact(obj)
            removed = threading.Event()
            store.subscribe(lambda c: f"{a.name}/web" in c.removed and removed.set())
            client.AppsV1Api(kube.api).delete_namespaced_deployment("web", a.name)
            assert removed.wait(15) and store.row(f"{b.name}/web") is not None
        finally:
            store.stop()
    finally:
        a.delete()
        b.delete()
