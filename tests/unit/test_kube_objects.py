"""kube/objects.py's paths: each name quoted once, and an empty name never widened to its whole collection; and
what the transport (kube/http.py) counts as a request sent again."""

from __future__ import annotations

import pytest

from hubtui.errors import HubError
from hubtui.kube.objects import api_path, dig
from hubtui.ops.cleanup.cluster_lock import _parse


def test_paths_of_core_and_group_objects_namespaced_or_not():
    assert api_path("v1", "namespaces", name="hub") == "/api/v1/namespaces/hub"
    assert api_path("apps/v1", "deployments", "hub", "api-server") == "/apis/apps/v1/namespaces/hub/deployments/api-server"
    assert api_path("batch/v1", "jobs", "hub") == "/apis/batch/v1/namespaces/hub/jobs"
    assert api_path("apiregistration.k8s.io/v1", "apiservices", name="v1beta1.x/y") == (
        "/apis/apiregistration.k8s.io/v1/apiservices/v1beta1.x%2Fy")


@pytest.mark.parametrize("namespace, name", [("hub", ""), ("", "api-server")])
def test_an_empty_name_is_refused_not_sent_to_the_whole_collection(namespace, name):
    with pytest.raises(HubError, match="not sent"):
        api_path("batch/v1", "jobs", namespace, name)


def test_dig_reads_through_missing_and_null_levels():
    assert dig({"spec": {"replicas": 3}}, "spec", "replicas") == 3
    assert dig({"spec": None}, "spec", "replicas") is None and dig({}, "a", "b") is None


def test_a_lease_time_without_a_zone_is_taken_as_utc():
    assert _parse("2026-12-03T18:00:00.123456Z") == _parse("2026-12-03T18:00:00.123456")
    assert _parse("2026-12-03T18:00:00.123456").tzinfo is not None


@pytest.mark.parametrize("error, resent", [
    ("protocol", True), ("read timeout", True), ("connect", False), ("name", False), ("tls", False), (None, False)])
def test_a_request_counts_as_sent_again_only_after_a_failure_once_it_may_have_been_sent(error, resent):
    """urllib3's retry history: a connection that dropped before the answer (the server may have acted) makes
    the request resent; one that never connected, never resolved or never agreed on TLS sent nothing."""
    from types import SimpleNamespace

    from urllib3.exceptions import (NameResolutionError, NewConnectionError, ProtocolError, ReadTimeoutError,
                                    SSLError)
    from urllib3.util.retry import RequestHistory

    from hubtui.kube.http import _resent

    errors = {"protocol": ProtocolError("Connection aborted.", ConnectionResetError(104, "reset")),
              "read timeout": ReadTimeoutError(None, "/x", "read timed out"),
              "connect": NewConnectionError(None, "refused"), "name": NameResolutionError("h", None, OSError()),
              "tls": SSLError("handshake")}
    history = () if error is None else (RequestHistory("DELETE", "/x", errors[error], None, None),)
    assert _resent(SimpleNamespace(retries=SimpleNamespace(history=history))) is resent
    assert _resent(SimpleNamespace(retries=None)) is False


def test_the_tls_of_a_connection_of_our_own_checks_what_the_kubeconfig_says():
    """tls_context (the port-forward's WebSocket): insecure-skip-tls-verify checks nothing; otherwise the server's
    certificate and name are checked."""
    import ssl

    from hubtui.kube.http import tls_context
    from hubtui.kube.kubeconfig import Endpoint

    where = dict(context="c", cluster="c", user="u", server="https://127.0.0.1:6443", kubeconfig="k")
    insecure = tls_context(Endpoint(**where, verify=False), None)
    assert (insecure.verify_mode, insecure.check_hostname) == (ssl.CERT_NONE, False)
    checked = tls_context(Endpoint(**where), None)
    assert (checked.verify_mode, checked.check_hostname) == (ssl.CERT_REQUIRED, True)


def test_a_kubeconfig_is_parsed_once_for_the_same_bytes_and_again_when_they_change(tmp_path, monkeypatch):
    """The fleet connects to many contexts of one kubeconfig list at once: each file is parsed once while its
    bytes stay the same. A file rewritten, even to the same size in the same instant, is read anew."""
    from hubtui.kube import kubeconfig

    parses: list[str] = []
    real = kubeconfig._load_yaml
    monkeypatch.setattr(kubeconfig, "_load_yaml", lambda raw, path: parses.append(str(path)) or real(raw, path))

    def write(port: int) -> str:
        path = tmp_path / "kubeconfig"
        path.write_text(
            "apiVersion: v1\nkind: Config\ncurrent-context: dev\n"
            f"clusters: [{{name: c, cluster: {{server: 'https://127.0.0.1:{port}'}}}}]\n"
            "users: [{name: u, user: {token: t}}]\ncontexts: [{name: dev, context: {cluster: c, user: u}}]\n")
        return str(path)

    paths = write(6443)
    assert [kubeconfig.endpoint(paths).server for _ in range(3)] == ["https://127.0.0.1:6443"] * 3
    assert len(parses) == 1
    write(6444)  # the same size, at once
    assert kubeconfig.endpoint(paths).server == "https://127.0.0.1:6444"
    assert len(parses) == 2
