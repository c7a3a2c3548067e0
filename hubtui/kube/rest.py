"""Lists and watches of a collection as raw JSON, through the connection's lean transport (kube/http.py).

The watches (kube/watch.py) read every object as a plain dict and never build the client's typed models, nor
import the kubernetes package: a `Collection` makes the same GET the generated list method would (the same
query parameters, timeouts and error statuses) through `KubeConnection.http`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .client import REQUEST_TIMEOUT
from .objects import api_path

if TYPE_CHECKING:
    from .client import ClientTransport
    from .http import Transport

# The generated methods' keyword arguments -> the API's query parameters.
QUERY = {"watch": "watch", "resource_version": "resourceVersion", "allow_watch_bookmarks": "allowWatchBookmarks",
         "timeout_seconds": "timeoutSeconds", "limit": "limit", "_continue": "continue",
         "label_selector": "labelSelector", "field_selector": "fieldSelector"}


class Collection:
    """One collection, e.g. Collection(conn.http, "apps/v1", "deployments", "ns"); namespace None: in every
    namespace.

    Called like a generated list method with _preload_content=False: keyword arguments named as the client
    names them (resource_version=, _continue=, watch=, ...), the raw response returned (kube/wire.py's, or urllib3's), an HTTP error
    raised as kube/http.py's ApiError (its .status is what Watcher and describe_api_error read)."""

    def __init__(self, http: Transport | ClientTransport, group_version: str, resource: str,
                 namespace: str | None = None, **fixed: Any):
        self.http = http
        self.path = api_path(group_version, resource, namespace)
        self.namespace = namespace
        self.fixed = fixed  # e.g. label_selector=...: sent with every call

    def __repr__(self) -> str:
        return f"Collection({self.path!r}, namespace={self.namespace!r})"

    def __call__(self, *, _preload_content: bool = False, _request_timeout: Any = REQUEST_TIMEOUT,
                 **params: Any) -> Any:
        if _preload_content:
            raise ValueError("a Collection returns the raw response only (_preload_content=False)")
        given = {**self.fixed, **params}
        unknown = set(given) - set(QUERY)
        if unknown:
            raise TypeError(f"unknown list parameter(s): {', '.join(sorted(unknown))}")
        query = [(QUERY[k], v) for k, v in given.items() if v is not None]
        return self.http.request("GET", self.path, query=query, timeout=_request_timeout, stream=True)
