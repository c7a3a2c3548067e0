"""Lists and watches of a collection as raw JSON, through the kubernetes client's own ApiClient.

The watches (kube/watch.py) read every object as a plain dict and never build the client's typed models. The
generated typed API classes (AppsV1Api, ...) are still what everything that changes the cluster uses, but
importing one builds a few hundred pydantic models: about 0.25 s and 13 MiB before the first row can be drawn.
A `Collection` makes the same GET through the same ApiClient (kubeconfig auth and its refresh, TLS, proxies,
timeouts) and raises the same ApiException on an error status, without that import.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .client import REQUEST_TIMEOUT

if TYPE_CHECKING:
    from kubernetes.client import ApiClient
    from urllib3 import BaseHTTPResponse

# The generated methods' keyword arguments -> the API's query parameters.
QUERY = {"watch": "watch", "resource_version": "resourceVersion", "allow_watch_bookmarks": "allowWatchBookmarks",
         "timeout_seconds": "timeoutSeconds", "limit": "limit", "_continue": "continue",
         "label_selector": "labelSelector", "field_selector": "fieldSelector"}


class Collection:
    """One collection, e.g. Collection(api, "apps/v1", "deployments", "ns"); namespace None: in every namespace.

    Called like a generated list method with _preload_content=False: keyword arguments named as the client
    names them (resource_version=, _continue=, watch=, ...), the raw urllib3 response returned, an HTTP error
    raised as the client's ApiException (its .status is what Watcher and describe_api_error read)."""

    def __init__(self, api: ApiClient, group_version: str, resource: str, namespace: str | None = None,
                 **fixed: Any):
        self.api = api
        prefix = "/api/" if "/" not in group_version else "/apis/"  # the core group is /api/v1
        self.path = prefix + group_version + ("/namespaces/{namespace}/" if namespace is not None else "/") + resource
        self.namespace = namespace
        self.fixed = fixed  # e.g. label_selector=...: sent with every call

    def __repr__(self) -> str:
        return f"Collection({self.path!r}, namespace={self.namespace!r})"

    def __call__(self, *, _preload_content: bool = False, _request_timeout: Any = REQUEST_TIMEOUT,
                 **params: Any) -> BaseHTTPResponse:
        if _preload_content:
            raise ValueError("a Collection returns the raw response only (_preload_content=False)")
        from kubernetes.client.exceptions import ApiException

        given = {**self.fixed, **params}
        unknown = set(given) - set(QUERY)
        if unknown:
            raise TypeError(f"unknown list parameter(s): {', '.join(sorted(unknown))}")
        query = [(QUERY[k], v) for k, v in given.items() if v is not None]
        request = self.api.param_serialize(
            method="GET", resource_path=self.path,
            path_params={"namespace": self.namespace} if self.namespace is not None else None,
            query_params=query, header_params={"Accept": "application/json"}, auth_settings=["BearerToken"])
        resp = self.api.call_api(*request, _request_timeout=_request_timeout)
        if not 200 <= resp.status <= 299:
            resp.read()
            raise ApiException.from_response(http_resp=resp, body=None, data=None)
        return resp.response
