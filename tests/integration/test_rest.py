"""kube.rest.Collection against the real API server: the raw list/watch the watches use instead of the typed API."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import pytest

from hubtui.kube.client import connect
from hubtui.kube.http import ApiError
from hubtui.kube.rest import Collection

from ..kubehelpers import Scratch, restricted_kubeconfig

pytestmark = pytest.mark.cluster


def names(resp) -> list[str]:
    return sorted(o["metadata"]["name"] for o in json.loads(resp.data)["items"])


def test_lists_in_pages_with_selectors_and_in_every_namespace(kube):
    ns = Scratch(kube.api, "rest")
    try:
        for name in ("a", "b", "c"):
            ns.add(name, 0)
        deployments = Collection(kube.http, "apps/v1", "deployments", ns.name)
        assert names(deployments()) == ["a", "b", "c"]
        first = json.loads(deployments(limit=2).data)
        token = first["metadata"]["continue"]
        rest = json.loads(deployments(limit=2, _continue=token).data)
        assert [o["metadata"]["name"] for o in first["items"] + rest["items"]] == ["a", "b", "c"]
        assert "continue" not in rest["metadata"]
        assert names(Collection(kube.http, "apps/v1", "deployments", ns.name, field_selector="metadata.name=b")()) == ["b"]
        everywhere = json.loads(Collection(kube.http, "apps/v1", "deployments")().data)["items"]
        assert {f"{ns.name}/{n}" for n in "abc"} <= {f"{o['metadata']['namespace']}/{o['metadata']['name']}"
                                                     for o in everywhere}
        # the core group lives under /api/v1
        assert any(o["metadata"]["name"] == ns.name for o in json.loads(Collection(kube.http, "v1", "namespaces")().data)["items"])
    finally:
        ns.delete()


def test_watches_from_a_resource_version(kube):
    ns = Scratch(kube.api, "rest")
    try:
        deployments = Collection(kube.http, "apps/v1", "deployments", ns.name)
        rv = json.loads(deployments().data)["metadata"]["resourceVersion"]
        ns.add("late", 0)
        resp = deployments(watch=True, resource_version=rv, timeout_seconds=5, _request_timeout=(5, 10))
        try:
            line = next(iter(resp.stream(65536)))
        finally:
            resp.release_conn()
        event = json.loads(line.split(b"\n")[0])
        assert (event["type"], event["object"]["metadata"]["name"]) == ("ADDED", "late")
    finally:
        ns.delete()


def test_an_error_status_is_an_api_error_with_the_servers_status_and_body(kube, kube_settings, tmp_path):
    with pytest.raises(ApiError) as missing:
        Collection(kube.http, "example.com/v1", "widgets", "default")()
    assert missing.value.status == 404
    config = restricted_kubeconfig(kube.api, tmp_path / "kubeconfig", kube_settings.namespace)
    from dataclasses import replace

    nobody = connect(replace(kube_settings, kubeconfig=config, context=None))
    try:
        with pytest.raises(ApiError) as refused:
            Collection(nobody.http, "apps/v1", "deployments", kube_settings.namespace)()
        assert refused.value.status == 403
        assert "forbidden" in refused.value.body
    finally:
        nobody.close()
    with pytest.raises(TypeError, match="unknown list parameter"):
        Collection(kube.http, "apps/v1", "deployments", "x")(label_selectr="a=b")


def test_the_deployments_screen_start_imports_no_kubernetes_package(kube_settings):
    """The store the screen starts lists and watches without the kubernetes package at all: not its generated
    API classes (their pydantic models cost a quarter of a second and 13 MiB before the first row), nor its
    kubeconfig loader (google-auth, requests-oauthlib and the rest: most of a second)."""
    code = textwrap.dedent(f"""
        import sys
        from hubtui.settings import Settings
        from hubtui.ui.backend import ClusterBackend
        settings = Settings.from_env(kubeconfig={kube_settings.kubeconfig!r}, namespace={kube_settings.namespace!r})
        backend = ClusterBackend(settings)
        assert backend.store.wait_for(lambda store: store.synced, 30), "the store never synced"
        rows = backend.rows()
        backend.stop()
        typed = sorted(m for m in sys.modules if m.split(".")[0] in ("kubernetes", "pydantic", "requests", "google"))
        print(len(rows), typed)
    """)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    count, typed = out.stdout.split(" ", 1)
    assert int(count) > 0
    assert typed.strip() == "[]"
