"""The Kubernetes steps of a cleanup: drain a namespace, then delete namespaces and wait until they are gone.

Each step reports progress through events and returns what happened; a step that cannot finish says why
(the pods still there, or what holds a namespace in Terminating) instead of claiming success.
"""

from __future__ import annotations

import functools
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from ...audit import AuditLog
from ...errors import HubError
from ...kube.client import REQUEST_TIMEOUT, KubeConnection, describe_api_error
from ...kube.deployments import ORIGINAL_REPLICAS_ANNOTATION
from ...kube.pods import pod_list_call
from ...kube.watch import Watcher
from ..events import Emit, LogLine, Progress, StepDone, StepStarted, ignore

MAX_PARALLEL = 16


@dataclass(frozen=True)
class DrainResult:
    namespace: str
    scaled: tuple[str, ...] = ()  # kind/name scaled to 0
    deleted: tuple[str, ...] = ()  # job/..., cronjob/...
    stragglers: tuple[str, ...] = ()  # pods still there when the wait ended

    @property
    def complete(self) -> bool:
        return not self.stragglers


@dataclass(frozen=True)
class NamespaceDeletion:
    gone: tuple[str, ...] = ()
    absent: tuple[str, ...] = ()  # did not exist: nothing to do
    stuck: dict[str, str] = field(default_factory=dict)  # name -> why it is still Terminating

    @property
    def complete(self) -> bool:
        return not self.stuck


def _ignore_not_found(call, *args, **kwargs):
    try:
        return call(*args, **kwargs)
    except Exception as e:  # noqa: BLE001
        if getattr(e, "status", None) == 404:
            return None  # already gone counts as done
        raise


class StepCancelled(HubError):
    """The operator cancelled during a wait; what was requested so far stands, and a rerun picks it up."""


def drain(conn: KubeConnection, namespace: str, *, audit: AuditLog, emit: Emit = ignore,
          timeout: float = 120, cancel: threading.Event | None = None) -> DrainResult:
    """Record each workload's replica count, scale deployments and statefulsets to 0 (concurrently), delete
    jobs and cronjobs with their pods, and wait by watch until the namespace has no pods left. On timeout the
    result names the stragglers (the caller decides whether to go on)."""
    from kubernetes import client

    apps, batch = client.AppsV1Api(conn.api), client.BatchV1Api(conn.api)
    step = f"drain {namespace}"
    audit.check()  # every change is audited: no audit log, no change
    emit(StepStarted(step))
    t = REQUEST_TIMEOUT
    try:
        workloads = [("deployment", d) for d in apps.list_namespaced_deployment(namespace, _request_timeout=t).items]
        workloads += [("statefulset", s) for s in apps.list_namespaced_stateful_set(namespace, _request_timeout=t).items]
        jobs = batch.list_namespaced_job(namespace, _request_timeout=t).items
        crons = batch.list_namespaced_cron_job(namespace, _request_timeout=t).items
    except Exception as e:  # noqa: BLE001
        raise describe_api_error(e, f"listing the workloads of {namespace}") from None

    def scale_to_zero(item) -> str:
        kind, obj = item
        name, replicas = obj.metadata.name, obj.spec.replicas or 0
        annotations = obj.metadata.annotations or {}
        patch_meta = {"metadata": {"annotations": {ORIGINAL_REPLICAS_ANNOTATION: str(replicas)}}}
        patch_scale = {"spec": {"replicas": 0}}
        if kind == "deployment":
            meta_call, scale_call = apps.patch_namespaced_deployment, apps.patch_namespaced_deployment_scale
        else:
            meta_call, scale_call = apps.patch_namespaced_stateful_set, apps.patch_namespaced_stateful_set_scale
        if replicas > 0 and annotations.get(ORIGINAL_REPLICAS_ANNOTATION) != str(replicas):
            if _ignore_not_found(meta_call, name, namespace, patch_meta, _request_timeout=t) is not None:
                audit.record("record-original-replicas", context=conn.context, namespace=namespace, kind=kind,
                             name=name, replicas=replicas)
        if replicas > 0 and _ignore_not_found(scale_call, name, namespace, patch_scale, _request_timeout=t):
            audit.record("drain-scale", context=conn.context, namespace=namespace, kind=kind, name=name,
                         before=replicas, after=0)
        return f"{kind}/{name}"

    try:
        with ThreadPoolExecutor(max_workers=MAX_PARALLEL, thread_name_prefix="drain") as pool:
            scaled = tuple(pool.map(scale_to_zero, workloads))
        emit(LogLine(f"{namespace}: {len(scaled)} deployments and statefulsets scaled to 0"))
        deleted = []
        background = client.V1DeleteOptions(propagation_policy="Background")
        # cronjobs first, so that they start no new job meanwhile
        for kind, items, call in (("cronjob", crons, batch.delete_namespaced_cron_job),
                                  ("job", jobs, batch.delete_namespaced_job)):
            for item in items:
                _ignore_not_found(call, item.metadata.name, namespace, body=background, _request_timeout=t)
                deleted.append(f"{kind}/{item.metadata.name}")
                audit.record("drain-delete", context=conn.context, namespace=namespace, object=deleted[-1])
        if deleted:
            emit(LogLine(f"{namespace}: deleted {', '.join(deleted)}"))
    except HubError:
        raise
    except Exception as e:  # noqa: BLE001
        raise describe_api_error(e, f"draining {namespace}") from None

    stragglers = _wait_pods_gone(conn, namespace, timeout, emit, step, cancel or threading.Event())
    if stragglers:
        emit(LogLine(f"{namespace}: {len(stragglers)} pod(s) still there after {timeout:g}s: "
                     f"{', '.join(stragglers[:10])}; going on", "warning"))
    else:
        emit(StepDone(step, f"{len(scaled)} scaled to 0, {len(deleted)} jobs/cronjobs deleted, no pods left"))
    return DrainResult(namespace, scaled, tuple(deleted), tuple(stragglers))


def _wait_pods_gone(conn: KubeConnection, namespace: str, timeout: float, emit: Emit, step: str,
                    cancel: threading.Event) -> list[str]:
    changed = threading.Event()
    errors: list[str] = []

    def on_events(events) -> None:
        errors.extend(e.error for e in events if getattr(e, "error", None))
        changed.set()

    pods = Watcher(pod_list_call(conn, namespace), on_events, what=f"pods in {namespace}").start()
    try:
        deadline = time.monotonic() + timeout
        last = -1
        while True:
            left = sorted(pods.snapshot()) if pods.connected.is_set() else None
            if left is not None:
                if len(left) != last:
                    last = len(left)
                    emit(Progress(step, 0, len(left), f"{len(left)} pod(s) left"))
                if not left:
                    return []
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                if left is None:  # never saw the pods: that is a failure to check, not a straggler
                    why = errors[-1] if errors else "no answer"
                    raise HubError(f"could not watch the pods of {namespace} to see them go ({why})")
                return left
            if cancel.is_set():
                raise StepCancelled(f"cancelled while waiting for the pods of {namespace} to go")
            changed.wait(min(remaining, 0.5))
            changed.clear()
    finally:
        pods.stop()


def delete_namespaces(conn: KubeConnection, names: list[str], *, audit: AuditLog, emit: Emit = ignore,
                      timeout: float = 180, cancel: threading.Event | None = None) -> NamespaceDeletion:
    """Delete each namespace that exists and wait until it is really gone. One still Terminating at the end is
    explained: its conditions (what remains, which finalizers) and its own finalizers."""
    from kubernetes import client

    core = client.CoreV1Api(conn.api)
    step = "namespaces"
    audit.check()  # every change is audited: no audit log, no change
    emit(StepStarted(step, ", ".join(names)))
    absent, pending = [], []
    for name in names:
        try:
            core.delete_namespace(name, _request_timeout=REQUEST_TIMEOUT)
        except Exception as e:  # noqa: BLE001
            if getattr(e, "status", None) == 404:
                absent.append(name)
                continue
            if getattr(e, "status", None) == 409:  # already Terminating (a rerun): wait for it like the rest
                pending.append(name)
                continue
            raise describe_api_error(e, f"deleting namespace {name}") from None
        audit.record("delete-namespace", context=conn.context, namespace=name)
        pending.append(name)

    # One watch per namespace, selected by name: it needs no right to list every namespace of the cluster.
    cancel = cancel or threading.Event()
    changed = threading.Event()
    watchers = {n: Watcher(functools.partial(core.list_namespace, field_selector=f"metadata.name={n}"),
                           lambda events: changed.set(), what=f"namespace {n}").start() for n in pending}
    try:
        deadline = time.monotonic() + timeout
        while True:
            left = [n for n, w in watchers.items() if not w.connected.is_set() or n in w.snapshot()]
            emit(Progress(step, len(pending) - len(left), len(pending), f"{len(left)} namespace(s) terminating"))
            if not left or time.monotonic() >= deadline:
                break
            if cancel.is_set():
                raise StepCancelled("cancelled while waiting for the namespaces to go")
            changed.wait(min(deadline - time.monotonic(), 0.5))
            changed.clear()
        stuck = {n: why_stuck(watchers[n].get(n) if watchers[n].connected.is_set() else None) for n in left}
    finally:
        for w in watchers.values():
            w.stop()
    gone = tuple(n for n in pending if n not in stuck)
    for name, why in stuck.items():
        emit(LogLine(f"namespace {name} is still Terminating after {timeout:g}s: {why}", "error"))
    if not stuck:
        emit(StepDone(step, f"{len(gone)} deleted, {len(absent)} did not exist"))
    return NamespaceDeletion(gone, tuple(absent), stuck)


def why_stuck(ns: dict | None) -> str:
    """One line from a Terminating namespace's status conditions and finalizers."""
    if ns is None:
        return "its state could not be read"
    reasons = []
    for cond in (ns.get("status") or {}).get("conditions") or []:
        if cond.get("status") == "True" and cond.get("type") in (
                "NamespaceContentRemaining", "NamespaceFinalizersRemaining", "NamespaceDeletionDiscoveryFailure",
                "NamespaceDeletionContentFailure", "NamespaceDeletionGroupVersionParsingFailure"):
            reasons.append(f"{cond['type']}: {cond.get('message', '')}".strip())
    finalizers = (ns.get("spec") or {}).get("finalizers") or []
    if finalizers:
        reasons.append(f"namespace finalizers: {', '.join(finalizers)}")
    return "; ".join(reasons) or "the namespace controller has not reported why yet"
