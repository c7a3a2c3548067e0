"""Namespace listing: the names a picker offers (the UI gets them through its backend, never from the client)."""

from __future__ import annotations

from .client import REQUEST_TIMEOUT, KubeConnection, describe_api_error, name_of


def list_namespaces(conn: KubeConnection) -> list[str]:
    """Every namespace's name, sorted. A failure is a one-line HubError (e.g. 403, the API server down)."""
    from kubernetes import client

    try:
        items = client.CoreV1Api(conn.api).list_namespace(_request_timeout=REQUEST_TIMEOUT).items
    except Exception as e:  # noqa: BLE001 - described in one line
        raise describe_api_error(e, "listing namespaces") from None
    return sorted(name_of(n) for n in items)
