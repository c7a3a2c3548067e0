"""Objects read as the API's JSON, through the connection's lean transport (kube/http.py): the cleanup's plan and
its checks read a namespace's workloads, the webhooks and the CRDs this way, as the watches do, and never build
the generated typed client (importing its API groups costs a process seconds of CPU).

An error status is raised as kube/http.py's ApiError (its `.status`: 404, 403…), which describe_api_error
words as it words the typed client's."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from .client import REQUEST_TIMEOUT

if TYPE_CHECKING:
    from .client import KubeConnection


def api_path(group_version: str, resource: str, namespace: str | None = None, name: str | None = None) -> str:
    """/api/v1/namespaces/ns/pods/name, /apis/apps/v1/deployments…: each name quoted once."""
    prefix = "/api/" if "/" not in group_version else "/apis/"  # the core group is /api/v1
    ns = f"/namespaces/{quote(namespace, safe='')}" if namespace is not None else ""
    return f"{prefix}{group_version}{ns}/{resource}" + (f"/{quote(name, safe='')}" if name is not None else "")


def list_items(conn: KubeConnection, group_version: str, resource: str, namespace: str | None = None) -> list[dict]:
    """Every object of the collection (namespace None: in every namespace; a cluster-scoped one: None)."""
    found = conn.http.json("GET", api_path(group_version, resource, namespace), timeout=REQUEST_TIMEOUT)
    return list((found or {}).get("items") or ())


def read_object(conn: KubeConnection, group_version: str, resource: str, name: str,
                namespace: str | None = None) -> dict:
    return conn.http.json("GET", api_path(group_version, resource, namespace, name), timeout=REQUEST_TIMEOUT) or {}


def meta_of(obj: dict) -> dict[str, Any]:
    return obj.get("metadata") or {}


def name_in(obj: dict) -> str:
    """The object's name ("" for none: the API server always gives one)."""
    return str(meta_of(obj).get("name") or "")


def dig(obj: Any, *keys: str) -> Any:
    """obj[k1][k2]…, None where a level is missing or null (the API leaves out what is not set)."""
    for key in keys:
        if not isinstance(obj, dict):
            return None
        obj = obj.get(key)
    return obj
