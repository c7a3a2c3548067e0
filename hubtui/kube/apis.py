"""The Kubernetes API groups the engine talks to, built here from a connection: ops/ asks `apis(conn).core`
and never builds a generated client itself, so that API access has one home (an import-linter contract holds
it: nothing above kube/ imports the kubernetes package at run time)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .client import KubeConnection


GROUPS = {"core": "CoreV1Api", "apps": "AppsV1Api", "batch": "BatchV1Api", "networking": "NetworkingV1Api",
          "custom": "CustomObjectsApi", "admission": "AdmissionregistrationV1Api",
          "apiregistration": "ApiregistrationV1Api", "apiextensions": "ApiextensionsV1Api",
          "coordination": "CoordinationV1Api"}


class Apis:
    """One connection's API groups by their short names (GROUPS): each a thin wrapper around the connection's
    ApiClient, cheap to build."""

    def __init__(self, conn: KubeConnection):
        self._api = conn.api

    def __getattr__(self, group: str) -> Any:
        if group not in GROUPS:
            raise AttributeError(group)
        from . import typed_client

        client = typed_client()

        return getattr(client, GROUPS[group])(self._api)


def apis(conn: KubeConnection) -> Apis:
    return Apis(conn)


def delete_options(*, resource_version: str | None = None, uid: str | None = None,
                   propagation: str | None = None) -> Any:
    """A delete's body: applied only to the object with this resourceVersion or uid (not one changed or made
    again since), with the propagation policy given."""
    from . import typed_client

    client = typed_client()

    preconditions = (client.V1Preconditions(resource_version=resource_version, uid=uid)
                     if resource_version or uid else None)
    return client.V1DeleteOptions(preconditions=preconditions, propagation_policy=propagation)
