"""Objects read as the API's JSON, through the connection's lean transport (kube/http.py): the cleanup's plan and
its checks read a namespace's workloads, the webhooks and the CRDs this way, as the watches do, and never build
the generated typed client (importing its API groups costs a process seconds of CPU).

An error status is raised as kube/http.py's ApiError (its `.status`: 404, 403…), which describe_api_error
words as it words the typed client's."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from ..errors import HubError
from .failures import Unnamed
from .client import REQUEST_TIMEOUT

if TYPE_CHECKING:
    from .client import KubeConnection


def api_path(group_version: str, resource: str, namespace: str | None = None, name: str | None = None) -> str:
    """/api/v1/namespaces/ns/pods/name, /apis/apps/v1/deployments…: each name quoted once. An empty name is
    refused: it would make the path the whole collection's (a delete of every object in it)."""
    if name == "" or namespace == "":
        raise HubError(Unnamed(resource, "name" if name == "" else "namespace"))
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


def patch_object(conn: KubeConnection, group_version: str, resource: str, name: str, namespace: str | None,
                 patch: dict, *, subresource: str = "", field_manager: str | None = None) -> dict:
    """A JSON merge patch (values set: sending it twice does what sending it once does), recorded under
    `field_manager` in the object's managedFields."""
    path = api_path(group_version, resource, namespace, name) + (f"/{subresource}" if subresource else "")
    query = [("fieldManager", field_manager)] if field_manager else None
    resp = conn.http.request("PATCH", path, query=query, body=patch, content_type="application/merge-patch+json",
                             timeout=REQUEST_TIMEOUT, idempotent=True)
    return json.loads(resp.data or b"null") or {}


def delete_object(conn: KubeConnection, group_version: str, resource: str, name: str, namespace: str | None = None,
                  *, uid: str | None = None, resource_version: str | None = None,
                  propagation: str | None = None, timeout: Any = REQUEST_TIMEOUT, retries: Any = None) -> dict:
    """Delete one object: only the one with this uid (or resourceVersion) when given, as a precondition (an
    object made again since is refused with 409), with the propagation policy given."""
    body: dict[str, Any] = {"apiVersion": "v1", "kind": "DeleteOptions"}
    preconditions = {k: v for k, v in (("uid", uid), ("resourceVersion", resource_version)) if v}
    if preconditions:
        body["preconditions"] = preconditions
    if propagation:
        body["propagationPolicy"] = propagation
    return conn.http.json("DELETE", api_path(group_version, resource, namespace, name), body=body,
                          timeout=timeout, retries=retries) or {}


def create_object(conn: KubeConnection, group_version: str, resource: str, namespace: str | None, body: dict) -> dict:
    """POST: 409 when one of that name exists."""
    return conn.http.json("POST", api_path(group_version, resource, namespace), body=body,
                          timeout=REQUEST_TIMEOUT) or {}


def replace_object(conn: KubeConnection, group_version: str, resource: str, name: str, namespace: str | None,
                   body: dict) -> dict:
    """PUT: 409 when the body's metadata.resourceVersion is no longer the object's (written meanwhile)."""
    return conn.http.json("PUT", api_path(group_version, resource, namespace, name), body=body,
                          timeout=REQUEST_TIMEOUT) or {}
