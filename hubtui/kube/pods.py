"""Pods: watching them, matching them to a deployment, and explaining why they are not ready."""

from __future__ import annotations

from dataclasses import field

from ..errors import said
from ..frozen import frozen
from .client import KubeConnection
from .failures import (ContainersWaiting, ControllerBehind, PodsCreated, PodsPending, PodsRunningNotReady,
                       PodsTerminating, PodsUnschedulable, ProgressDeadline, ReplicaFailure, RolloutUnfinished)
from .objects import list_items, read_object
from .rest import Collection


@frozen
class PodLook:
    """What choosing a pod (to connect to, or to back up from) reads of one, from the API's JSON: no typed
    client, whose import costs a second."""
    name: str
    labels: dict[str, str] = field(default_factory=dict)
    annotations: dict[str, str] = field(default_factory=dict)
    containers: tuple[str, ...] = ()
    phase: str = "Unknown"  # Running, Pending, … (Unknown when the API reports none)
    ready: bool = False  # its Ready condition is True
    deleting: bool = False  # it has a deletion timestamp (Terminating)


def pod_look(pod: dict) -> PodLook:
    meta, spec, status = pod.get("metadata") or {}, pod.get("spec") or {}, pod.get("status") or {}
    return PodLook(meta.get("name") or "", dict(meta.get("labels") or {}), dict(meta.get("annotations") or {}),
                   tuple(c.get("name") or "" for c in spec.get("containers") or ()), status.get("phase") or "Unknown",
                   is_ready(pod), bool(meta.get("deletionTimestamp")))


def list_pods(conn: KubeConnection, namespace: str) -> list[PodLook]:
    """The namespace's pods (raises the transport's error: describe_api_error words it)."""
    return [pod_look(p) for p in list_items(conn, "v1", "pods", namespace)]


def read_pod(conn: KubeConnection, namespace: str, name: str) -> PodLook:
    return pod_look(read_object(conn, "v1", "pods", name, namespace))


def pod_list_call(conn: KubeConnection, namespace: str | None):
    """The list call of the pods in `namespace` (None: in every namespace)."""
    return Collection(conn.http, "v1", "pods", namespace)


def matches(pod: dict, selector: tuple[tuple[str, str], ...]) -> bool:
    labels = pod["metadata"].get("labels") or {}
    return bool(selector) and all(labels.get(k) == v for k, v in selector)


def is_ready(pod: dict) -> bool:
    conds = (pod.get("status") or {}).get("conditions") or []
    return any(c.get("type") == "Ready" and c.get("status") == "True" for c in conds)


def why_not_ready(pods: list[dict], desired: int, deployment: dict | None = None) -> str:
    """One line on why a deployment's pods are not (or not yet) what was asked for."""
    return "; ".join(not_ready_reasons(pods, desired, deployment)) or said(RolloutUnfinished())


def deployment_reasons(pods: list[dict], desired: int, deployment: dict | None = None) -> list[str]:
    """Why a deployment is not what was asked for, beyond what each of its pods says: the controller behind,
    a replica failure (a quota), the progress deadline, pods still terminating, fewer pods than asked for."""
    return not_ready_reasons(pods, desired, deployment, per_pod=False)


def not_ready_reasons(pods: list[dict], desired: int, deployment: dict | None = None, *,
                      per_pod: bool = True) -> list[str]:
    """why_not_ready's reasons; per_pod=False leaves out the pods' own states (unschedulable, pending, waiting,
    not ready), which the detail view says pod by pod."""
    reasons: list[str] = []
    status = (deployment or {}).get("status") or {}
    meta = (deployment or {}).get("metadata") or {}
    if status.get("observedGeneration", 0) < meta.get("generation", 0):
        reasons.append(said(ControllerBehind()))
    for cond in status.get("conditions") or []:
        if cond.get("type") == "ReplicaFailure" and cond.get("status") == "True":
            reasons.append(said(ReplicaFailure(cond.get("message", cond.get("reason", "")))))
        if cond.get("type") == "Progressing" and cond.get("reason") == "ProgressDeadlineExceeded":
            reasons.append(said(ProgressDeadline()))
    terminating = [p for p in pods if p["metadata"].get("deletionTimestamp")]
    live = [p for p in pods if not p["metadata"].get("deletionTimestamp")]
    if terminating:
        reasons.append(said(PodsTerminating(len(terminating))))
    unschedulable, waiting, pending, not_ready = [], [], 0, 0
    for p in live:
        st = p.get("status") or {}
        for c in st.get("conditions") or []:
            if c.get("type") == "PodScheduled" and c.get("status") == "False":
                unschedulable.append(c.get("message") or c.get("reason") or "")  # "": it says neither
        for cs in st.get("containerStatuses") or []:
            w = (cs.get("state") or {}).get("waiting")
            if w and w.get("reason") not in (None, "ContainerCreating"):
                waiting.append(w["reason"])
        if st.get("phase") == "Pending":
            pending += 1
        elif not is_ready(p):
            not_ready += 1
    if per_pod and unschedulable:
        reasons.append(said(PodsUnschedulable(len(unschedulable), unschedulable[0])))
    elif per_pod and pending:
        reasons.append(said(PodsPending(pending)))
    if per_pod and waiting:
        reasons.append(said(ContainersWaiting(tuple(sorted(set(waiting))))))
    if per_pod and not_ready:
        reasons.append(said(PodsRunningNotReady(not_ready)))
    if len(live) < desired and not unschedulable and not pending:
        reasons.append(said(PodsCreated(len(live), desired)))
    return reasons
