"""Namespace listing: the names a picker offers (the UI gets them through its backend, never from the client).
Both requests go through the lean transport (kube/http.py): no kubernetes package."""

from __future__ import annotations


from .client import REQUEST_TIMEOUT, KubeConnection, describe_api_error
from .failures import ListingNamespaces, NamespaceNotFound, ReadingNamespace
from .objects import api_path, list_items


def list_namespaces(conn: KubeConnection) -> list[str]:
    """Every namespace's name, sorted. A failure is a one-line HubError (e.g. 403, the API server down)."""
    try:
        items = list_items(conn, "v1", "namespaces")
    except Exception as e:  # noqa: BLE001 - described in one line
        raise describe_api_error(e, ListingNamespaces()) from None
    return sorted(n["metadata"]["name"] for n in items)


def check_namespace_exists(conn: KubeConnection, name: str) -> None:
    """A HubError naming the namespace and the context when it does not exist (a typo must not read as an
    empty namespace). One that cannot be read (403) is not refused: it may well exist."""
    from ..errors import HubError

    try:
        conn.http.request("GET", api_path("v1", "namespaces", name=name), timeout=REQUEST_TIMEOUT)
    except Exception as e:  # noqa: BLE001
        status = getattr(e, "status", None)
        if status == 404:
            raise HubError(NamespaceNotFound(name, conn.context)) from None
        if status == 403:
            return
        raise describe_api_error(e, ReadingNamespace(name)) from None


def namespace_labels(conn: KubeConnection, name: str, timeout: float = 3.0) -> dict[str, str] | None:
    """The namespace's labels; None when the user may not read it (403: it may well exist). Raises the
    transport's own error otherwise (a 404 when it does not exist)."""
    try:
        ns = conn.http.json("GET", api_path("v1", "namespaces", name=name), timeout=(timeout, timeout))
    except Exception as e:
        if getattr(e, "status", None) == 403:
            return None
        raise
    return dict((ns.get("metadata") or {}).get("labels") or {})
