"""The Kubernetes API groups the engine talks to, built here from a connection: ops/ asks `apis(conn).core`
and never builds a generated client itself, so that API access has one home (an import-linter contract holds
it: nothing above kube/ imports the kubernetes package at run time)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .client import KubeConnection


class Apis:
    """One connection's API groups (each a thin wrapper around the connection's ApiClient: cheap to build)."""

    def __init__(self, conn: KubeConnection):
        self._api = conn.api

    def _build(self, name: str) -> Any:
        from kubernetes import client

        return getattr(client, name)(self._api)

    @property
    def core(self) -> Any:
        return self._build("CoreV1Api")

    @property
    def apps(self) -> Any:
        return self._build("AppsV1Api")

    @property
    def batch(self) -> Any:
        return self._build("BatchV1Api")

    @property
    def networking(self) -> Any:
        return self._build("NetworkingV1Api")

    @property
    def custom(self) -> Any:
        return self._build("CustomObjectsApi")

    @property
    def admission(self) -> Any:
        return self._build("AdmissionregistrationV1Api")

    @property
    def apiregistration(self) -> Any:
        return self._build("ApiregistrationV1Api")

    @property
    def apiextensions(self) -> Any:
        return self._build("ApiextensionsV1Api")

    @property
    def coordination(self) -> Any:
        return self._build("CoordinationV1Api")


def apis(conn: KubeConnection) -> Apis:
    return Apis(conn)


def delete_options(*, resource_version: str | None = None, uid: str | None = None,
                   propagation: str | None = None) -> Any:
    """A delete's body: applied only to the object with this resourceVersion or uid (not one changed or made
    again since), with the propagation policy given."""
    from kubernetes import client

    preconditions = (client.V1Preconditions(resource_version=resource_version, uid=uid)
                     if resource_version or uid else None)
    return client.V1DeleteOptions(preconditions=preconditions, propagation_policy=propagation)
