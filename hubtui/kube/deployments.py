"""Deployments as immutable rows: what the deployments screen and `hubtui scale` show."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone

from .client import REQUEST_TIMEOUT, KubeConnection, describe_api_error

ORIGINAL_REPLICAS_ANNOTATION = "hubtui.io/original-replicas"


@dataclass(frozen=True)
class HpaRange:
    name: str
    min_replicas: int
    max_replicas: int


@dataclass(frozen=True)
class DeploymentRow:
    name: str
    desired: int
    ready: int
    updated: int
    available: int
    created: datetime | None
    generation: int
    observed_generation: int
    hpa: HpaRange | None = None
    original_replicas: int | None = None

    @property
    def settled(self) -> bool:
        """The controller has seen the latest spec and every wanted pod is updated, ready and available."""
        return (self.observed_generation >= self.generation
                and self.updated == self.ready == self.available == self.desired)

    @property
    def status(self) -> str:
        if self.settled:
            return "Ready"
        if self.ready != self.desired:
            return f"Scaling {self.ready}→{self.desired}"
        return "Not ready"

    def age(self, now: datetime | None = None) -> str:
        if self.created is None:
            return "-"
        secs = int(((now or datetime.now(timezone.utc)) - self.created).total_seconds())
        for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
            if secs >= size:
                return f"{secs // size}{unit}"
        return f"{max(secs, 0)}s"


def row_from(dep, hpa: HpaRange | None = None) -> DeploymentRow:
    """Build a row from a V1Deployment (or the dict a watch may give)."""
    meta, spec, status = dep.metadata, dep.spec, dep.status
    original = (meta.annotations or {}).get(ORIGINAL_REPLICAS_ANNOTATION)
    return DeploymentRow(
        name=meta.name,
        desired=spec.replicas if spec.replicas is not None else 1,
        ready=(status.ready_replicas or 0) if status else 0,
        updated=(status.updated_replicas or 0) if status else 0,
        available=(status.available_replicas or 0) if status else 0,
        created=meta.creation_timestamp,
        generation=meta.generation or 0,
        observed_generation=(status.observed_generation or 0) if status else 0,
        hpa=hpa,
        original_replicas=int(original) if original and original.isdigit() else None,
    )


def list_hpas(conn: KubeConnection, namespace: str) -> dict[str, HpaRange]:
    """HPAs that target a Deployment, keyed by the deployment's name."""
    from kubernetes import client

    hpas = client.AutoscalingV2Api(conn.api).list_namespaced_horizontal_pod_autoscaler(
        namespace, _request_timeout=REQUEST_TIMEOUT)
    out = {}
    for h in hpas.items:
        ref = h.spec.scale_target_ref
        if ref.kind == "Deployment":
            out[ref.name] = HpaRange(h.metadata.name, h.spec.min_replicas or 1, h.spec.max_replicas)
    return out


def list_rows(conn: KubeConnection, namespace: str) -> list[DeploymentRow]:
    from kubernetes import client

    try:
        deps = client.AppsV1Api(conn.api).list_namespaced_deployment(namespace, _request_timeout=REQUEST_TIMEOUT)
        hpas = list_hpas(conn, namespace)
    except Exception as e:  # noqa: BLE001 - turned into one line for the operator
        raise describe_api_error(e, f"listing deployments in {namespace}") from None
    return sorted((row_from(d, hpas.get(d.metadata.name)) for d in deps.items), key=lambda r: r.name)
