"""The Kubernetes steps of a cleanup: drain a namespace, then delete namespaces and wait until they are gone.

Each step reports progress through events and returns what happened; a step that cannot finish says why
(the pods still there, or what holds a namespace in Terminating) instead of claiming success.
"""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import field
from typing import Any
from collections.abc import Callable

from ...frozen import frozen
from ...audit import AuditLog
from ...errors import HubError, said
from ...kube.client import KubeConnection, describe_api_error
from ...kube.deployments import ORIGINAL_REPLICAS_ANNOTATION
from ...kube.pods import pod_list_call
from ...kube.watch import Watcher
from ...events import Emit, Progress, StepDone, StepStarted, ignore
from ...facts import DrainFinished, JobsDeleted, Listed, NamespaceCreatedAgain, NamespacesDeleted, NamespacesTerminating, NamespaceStuck, PodsLeft, PodsRemain, ScaledToZero, WebhookDeleted, WebhookNotDeleted
from ...kube.objects import delete_object, dig, list_items, meta_of, name_in, patch_object, read_object
from ...kube.rest import Collection
from ...kube.failures import NamespaceNamed, PodsIn, ReadingNamespace
from .failures import (Served, CancelledBeforeDrain, CancelledWhileDeletingJobs, CancelledWhileScaling, CancelledWhileSettling,
                       CancelledWhileWaiting, CheckingAtZero, CheckingDrained, DeletingNamespace, DeletingWebhook,
                       DrainNotHeld, DrainStep, Draining, Keeper, ListingWorkloads, ManagedBy, MarkedBy, NamespaceUnread,
                       NoPlannedUid, OwnedBy, PodsUnwatched, RecreatedNotDeleted, RecreatedSincePlan, ScaledBack, SetBy,
                       StuckCondition, StuckWhy, UidNotPlanned, WebhookCreatedAgain, WebhookFoundAgain)


MAX_PARALLEL = 16


@frozen
class DrainResult:
    namespace: str
    scaled: tuple[str, ...] = ()  # kind/name scaled to 0
    deleted: tuple[str, ...] = ()  # job/..., cronjob/...
    stragglers: tuple[str, ...] = ()  # pods still there when the wait ended

    @property
    def complete(self) -> bool:
        return not self.stragglers


SETTLE = 4.0  # seconds a drain keeps watching its workloads at 0 once their pods are gone


def _settle(check: Callable[[], None], seconds: float, cancel: threading.Event) -> None:
    """Run `check` now and every second for `seconds` (it raises to stop); a cancel ends the watch early."""
    deadline = time.monotonic() + seconds
    while True:
        check()
        if time.monotonic() >= deadline or cancel.wait(min(1.0, max(0.0, deadline - time.monotonic()))):
            return


class DrainReverted(HubError):
    """A workload the drain scaled to 0 has replicas again: something (a GitOps controller, an operator) keeps
    it running, so the drain cannot hold and the run goes no further."""


FIELD_MANAGER = "hubtui"  # the name the API server records for hubtui's changes (managedFields)
_CONTROLLER_MARKS = (  # (label or annotation, what it says manages the workload)
    ("argocd.argoproj.io/instance", "Argo CD"), ("argocd.argoproj.io/tracking-id", "Argo CD"),
    ("kustomize.toolkit.fluxcd.io/name", "Flux"), ("helm.toolkit.fluxcd.io/name", "Flux"),
    ("app.kubernetes.io/managed-by", ""))


def controller_of(obj: dict) -> tuple[Keeper, ...]:
    """Who keeps a workload's replicas, as far as its own metadata says: the field manager that last set
    spec.replicas (other than hubtui), the GitOps labels (Argo CD, Flux), app.kubernetes.io/managed-by, an
    owner. () when nothing says."""
    md = meta_of(obj)
    marks = {**(md.get("annotations") or {}), **(md.get("labels") or {})}
    parts: list[Keeper] = []
    setters = [e for e in md.get("managedFields") or () if e.get("manager") != FIELD_MANAGER
               and "f:replicas" in (dig(e, "fieldsV1", "f:spec") or {})]
    if setters:
        last = max(setters, key=lambda e: str(e.get("time") or ""))
        parts.append(SetBy(str(last.get("manager"))))
    for key, what in _CONTROLLER_MARKS:
        if marks.get(key):
            parts.append(MarkedBy(what, f"{key}={marks[key]}") if what else ManagedBy(str(marks[key])))
    for owner in md.get("ownerReferences") or ():
        parts.append(OwnedBy(str(owner.get("kind")), str(owner.get("name"))))
    return tuple(parts)


def running_again(conn: KubeConnection, namespace: str) -> list[str]:
    """What runs in a namespace that was drained: deployments and statefulsets with replicas, and pods not
    going away (`deployment/x`, `pod/y`). Read errors go up (they prove nothing drained)."""
    try:
        found = [f"{kind}/{name_in(o)}" for kind, resource in (("deployment", "deployments"),
                                                               ("statefulset", "statefulsets"))
                 for o in list_items(conn, "apps/v1", resource, namespace) if (dig(o, "spec", "replicas") or 0) > 0]
        found += [f"pod/{name_in(p)}" for p in list_items(conn, "v1", "pods", namespace)
                  if not meta_of(p).get("deletionTimestamp")]
    except Exception as e:  # noqa: BLE001
        if getattr(e, "status", None) == 404:  # the namespace is gone: nothing runs there
            return []
        raise describe_api_error(e, CheckingDrained(namespace)) from None
    return found


def _owned_by_statefulset(pod: dict) -> bool:
    return any(o.get("kind") == "StatefulSet" for o in (pod.get("metadata") or {}).get("ownerReferences") or ())


@frozen
class NamespaceDeletion:
    gone: tuple[str, ...] = ()
    absent: tuple[str, ...] = ()  # did not exist: nothing to do
    stuck: dict[str, str] = field(default_factory=dict)  # name -> why it is still Terminating
    recreated: dict[str, str] = field(default_factory=dict)  # name -> why it was not deleted (not the plan's)
    # the operator stopped the step: these were never sent a DELETE (untouched), these were and still Terminate
    not_sent: tuple[str, ...] = ()
    terminating: tuple[str, ...] = ()
    stopped: bool = False
    refused: dict[str, str] = field(default_factory=dict)  # name -> why its DELETE failed (the others went on)

    @property
    def complete(self) -> bool:
        return not self.stuck and not self.recreated and not self.stopped and not self.refused


def _ignore_not_found(call: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    try:
        return call(*args, **kwargs)
    except Exception as e:
        if getattr(e, "status", None) == 404:
            return None  # already gone counts as done
        raise


class StepCancelled(HubError):
    """The operator cancelled during a wait; what was requested so far stands, and a rerun picks it up."""


class NamespaceRecreated(HubError):
    """A planned namespace exists with another uid: it was deleted and created again since the plan."""

    def __init__(self, namespace: str, uid: str, planned: str):
        super().__init__(RecreatedSincePlan(namespace, uid, planned))
        self.namespace, self.uid, self.planned = namespace, uid, planned


def check_namespace_uid(conn: KubeConnection, namespace: str, uid: str) -> bool:
    """The namespace is still the one the plan saw (False: it is gone). A namespace deleted and created
    again since the plan has another uid: HubError, and nothing in it is touched."""
    if not uid:
        raise HubError(NoPlannedUid(namespace))
    try:
        found = read_object(conn, "v1", "namespaces", namespace)
    except Exception as e:  # noqa: BLE001
        if getattr(e, "status", None) == 404:
            return False
        raise describe_api_error(e, ReadingNamespace(namespace)) from None
    now = meta_of(found).get("uid")
    if now != uid:
        raise NamespaceRecreated(namespace, str(now), uid)
    return True


def drain(conn: KubeConnection, namespace: str, *, audit: AuditLog, emit: Emit = ignore,
          timeout: float = 120, cancel: threading.Event | None = None, stores: bool = True,
          settle: float = SETTLE) -> DrainResult:
    """Record each workload's replica count, scale deployments and statefulsets to 0 (concurrently), delete
    jobs and cronjobs with their pods, and wait by watch until the namespace has no pods left. On timeout the
    result names the stragglers (the caller decides whether to go on). A workload that gets replicas back while
    the drain waits (a GitOps controller, an operator) raises DrainReverted naming what keeps it.

    stores=False stops the writers only (deployments, jobs, cronjobs) and waits for their pods: the
    statefulsets (the stores) keep running so that they can be backed up quietly. Once the pods are gone the
    drain watches `settle` seconds more: a controller that reacts to the change (Argo CD's self-heal) is
    caught before the run goes on."""
    step = said(DrainStep(namespace, stores))
    audit.check()  # every change is audited: no audit log, no change
    cancel = cancel or threading.Event()
    if cancel.is_set():  # a stop is honoured before each change
        raise StepCancelled(CancelledBeforeDrain(namespace))
    emit(StepStarted(step))
    kinds = (("deployment", "deployments"),) + ((("statefulset", "statefulsets"),) if stores else ())
    try:
        workloads: list[tuple[str, dict]] = [(kind, o) for kind, resource in kinds
                                             for o in list_items(conn, "apps/v1", resource, namespace)]
        jobs = list_items(conn, "batch/v1", "jobs", namespace)
        crons = list_items(conn, "batch/v1", "cronjobs", namespace)
    except Exception as e:  # noqa: BLE001
        raise describe_api_error(e, ListingWorkloads(namespace)) from None

    def scale_to_zero(item: tuple[str, dict]) -> str | None:
        kind, obj = item
        if cancel.is_set():
            return None
        name, replicas = name_in(obj), dig(obj, "spec", "replicas") or 0
        annotations = meta_of(obj).get("annotations") or {}
        resource = f"{kind}s"
        patch_meta = {"metadata": {"annotations": {ORIGINAL_REPLICAS_ANNOTATION: str(replicas)}}}
        if replicas > 0 and annotations.get(ORIGINAL_REPLICAS_ANNOTATION) != str(replicas):
            if _ignore_not_found(patch_object, conn, "apps/v1", resource, name, namespace, patch_meta,
                                 field_manager=FIELD_MANAGER) is not None:
                audit.record("record-original-replicas", context=conn.context, namespace=namespace, kind=kind,
                             name=name, replicas=replicas)
        if replicas > 0 and _ignore_not_found(patch_object, conn, "apps/v1", resource, name, namespace,
                                              {"spec": {"replicas": 0}}, subresource="scale",
                                              field_manager=FIELD_MANAGER) is not None:
            audit.record("drain-scale", context=conn.context, namespace=namespace, kind=kind, name=name,
                         before=replicas, after=0)
        return f"{kind}/{name}"

    try:
        with ThreadPoolExecutor(max_workers=MAX_PARALLEL, thread_name_prefix="drain") as pool:
            scaled = tuple(w for w in pool.map(scale_to_zero, workloads) if w)
        if cancel.is_set():
            raise StepCancelled(CancelledWhileScaling(namespace, len(scaled), len(workloads)))
        emit(ScaledToZero(namespace, len(scaled), stores))
        deleted: list[str] = []
        # cronjobs first, so that they start no new job meanwhile
        for kind, items in (("cronjob", crons), ("job", jobs)):
            for item in items:
                if cancel.is_set():
                    raise StepCancelled(CancelledWhileDeletingJobs(namespace, len(deleted), len(jobs) + len(crons)))
                with audit.sending("drain-delete", context=conn.context, namespace=namespace,
                                   object=f"{kind}/{name_in(item)}") as change:
                    try:  # the one listed, by its uid: one made again since under its name is not this drain's
                        delete_object(conn, "batch/v1", f"{kind}s", name_in(item), namespace,
                                      uid=meta_of(item).get("uid"), propagation="Background")
                    except Exception as e:
                        status, resent = getattr(e, "status", None), getattr(e, "resent", False)
                        unanswered(change, e, audit, "drain-delete", context=conn.context, namespace=namespace,
                                   object=f"{kind}/{name_in(item)}")
                        if status not in (404, 409):
                            raise
                        if status == 404 and resent:  # sent again after its answer was lost: the first copy deleted it
                            deleted.append(f"{kind}/{name_in(item)}")
                            audit.record("drain-delete", context=conn.context, namespace=namespace, object=deleted[-1],
                                         answer_lost=True)
                        elif status == 409 and resent:  # the first copy may have deleted it before one was made again
                            audit.record("drain-delete", context=conn.context, namespace=namespace,
                                         object=f"{kind}/{name_in(item)}", answer_lost=True, found_again=True)
                        continue  # gone already (nothing done, nothing audited), or another object now
                    deleted.append(f"{kind}/{name_in(item)}")
                    audit.record("drain-delete", context=conn.context, namespace=namespace, object=deleted[-1])
        if deleted:
            emit(JobsDeleted(namespace, tuple(deleted)))
    except HubError:
        raise
    except Exception as e:  # noqa: BLE001
        raise describe_api_error(e, Draining(namespace)) from None

    def came_back() -> None:
        """Raise DrainReverted if a workload scaled to 0 has replicas again."""
        try:
            now = [(kind, o) for kind, resource in kinds for o in list_items(conn, "apps/v1", resource, namespace)]
        except Exception as e:  # noqa: BLE001
            raise describe_api_error(e, CheckingAtZero(namespace)) from None
        back = [ScaledBack(name_in(o), dig(o, "spec", "replicas"), controller_of(o)) for kind, o in now
                if (dig(o, "spec", "replicas") or 0) > 0 and f"{kind}/{name_in(o)}" in scaled]
        if back:
            raise DrainReverted(DrainNotHeld(namespace, tuple(back)))

    keep = None if stores else _owned_by_statefulset
    stragglers = _wait_pods_gone(conn, namespace, timeout, emit, step, cancel, keep=keep, check=came_back)
    if not stragglers:
        _settle(came_back, settle, cancel)
        if cancel.is_set():  # the pods are gone, but that nothing scales them back up is not yet seen
            raise StepCancelled(CancelledWhileSettling(namespace))
    if stragglers:
        emit(PodsRemain(namespace, tuple(stragglers), timeout))
    else:
        emit(StepDone(step, said=(DrainFinished(len(scaled), len(deleted)),)))
    return DrainResult(namespace, scaled, tuple(deleted), tuple(stragglers))


def _wait_pods_gone(conn: KubeConnection, namespace: str, timeout: float, emit: Emit, step: str,
                    cancel: threading.Event, *, keep: Callable[[dict], bool] | None = None,
                    check: Callable[[], None] | None = None, check_every: float = 2.0) -> list[str]:
    """Wait by watch until the namespace's pods are gone (but those `keep` says stay); `check` runs every
    `check_every` seconds meanwhile (it raises to stop the wait). Returns the pods left at the timeout."""
    changed = threading.Event()
    errors: list[str] = []

    def on_events(events) -> None:
        errors.extend(e.error for e in events if getattr(e, "error", None))
        changed.set()

    pods = Watcher(pod_list_call(conn, namespace), on_events, what=PodsIn(namespace)).start()
    try:
        deadline = time.monotonic() + timeout
        last, total = -1, 0
        checked = time.monotonic()
        while True:
            left = (sorted(n for n, p in pods.snapshot().items() if keep is None or not keep(p))
                    if pods.connected.is_set() else None)
            if left is not None:
                if len(left) != last:
                    last, total = len(left), max(total, len(left))  # done/total: pods gone of the most seen
                    emit(Progress(step, total - len(left), total, (PodsLeft(len(left)),)))
                if not left:
                    return []
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                if left is None:  # never saw the pods: that is a failure to check, not a straggler
                    raise HubError(PodsUnwatched(namespace, errors[-1] if errors else ""))
                return left
            if cancel.is_set():
                raise StepCancelled(CancelledWhileWaiting(namespace))
            if check is not None and time.monotonic() - checked >= check_every:
                check()
                checked = time.monotonic()
            changed.wait(min(remaining, 0.5))
            changed.clear()
    finally:
        pods.stop()


NO_ANSWER = "no answer came (the connection failed): it may or may not have been made"


def unanswered(change, e: BaseException, audit: AuditLog, action: str, **fields) -> None:
    """A delete that failed, inside its audit.sending(): refused by the server, sent once (it answered with a
    status), nothing was made and no line is written; no answer at all (the connection failed, perhaps once it
    was sent), its line is written now, saying so; sent again after a lost answer, the caller reads what the
    first copy did."""
    if not getattr(e, "status", None):
        audit.record(action, **fields, no_answer=NO_ANSWER)
    elif not getattr(e, "resent", False):
        change.settled()


def delete_namespaces(conn: KubeConnection, uids: dict[str, str], *, audit: AuditLog, emit: Emit = ignore,
                      timeout: float = 180, cancel: threading.Event | None = None) -> NamespaceDeletion:
    """Delete each planned namespace (name -> the uid the plan saw) and wait until it is really gone. The
    delete carries the uid as a precondition: a namespace created again since the plan is never deleted by
    it (it is named in NamespaceDeletion.recreated). One still Terminating at the end is explained: its conditions (what
    remains, which finalizers) and its own finalizers.

    A stop (`cancel`) is honoured before each DELETE: the namespaces not yet sent one are left untouched and
    named (not_sent); those already sent one and still Terminating are named too (terminating), never "done"."""
    step = "namespaces"
    audit.check()  # every change is audited: no audit log, no change
    emit(StepStarted(step, ", ".join(uids)))
    cancel = cancel or threading.Event()
    absent: list[str] = []
    pending: list[str] = []
    not_sent: list[str] = []
    refused: dict[str, str] = {}
    created_again: dict[str, str] = {}  # name -> why it was not deleted (not the plan's namespace)
    for name, uid in uids.items():
        if cancel.is_set():
            not_sent.append(name)
            continue
        if not uid:
            created_again[name] = said(UidNotPlanned())
            continue
        # a hard stop (a second Ctrl-C) before its audit line is written writes it, marked interrupted
        with audit.sending("delete-namespace", context=conn.context, namespace=name, uid=uid) as change:
            try:
                delete_object(conn, "v1", "namespaces", name, uid=uid)
            except Exception as e:  # noqa: BLE001
                status, resent = getattr(e, "status", None), getattr(e, "resent", False)
                unanswered(change, e, audit, "delete-namespace", context=conn.context, namespace=name, uid=uid)
                # resent: sent again after its connection dropped, so the first copy may have been carried out, its
                # answer lost. A namespace found gone or Terminating then is this run's deletion: audited as such
                current = _namespace_uid(conn, name) if status == 409 else None
                if status in (404, 409) and resent and current in (None, uid):
                    audit.record("delete-namespace", context=conn.context, namespace=name, uid=uid, answer_lost=True,
                                 **({"already_terminating": True} if current else {}))
                    pending.append(name)
                    continue
                if status == 404:
                    absent.append(name)
                    continue
                if status == 409:
                    # the uid precondition failed (created again since the plan), or it is already Terminating
                    # (a rerun): only the planned namespace is waited for
                    if current is None:
                        absent.append(name)
                    elif current != uid:
                        created_again[name] = said(RecreatedNotDeleted(name, current, uid))
                        emit(NamespaceCreatedAgain(name))
                    else:  # already Terminating: a rerun
                        audit.record("delete-namespace", context=conn.context, namespace=name, uid=uid,
                                     already_terminating=True)
                        pending.append(name)
                    continue
                refused[name] = str(describe_api_error(e, DeletingNamespace(name)))  # the others still go: each
                continue  # one that failed is named, and what went is not hidden behind it
            audit.record("delete-namespace", context=conn.context, namespace=name, uid=uid)
            pending.append(name)

    # One watch per namespace, selected by name: it needs no right to list every namespace of the cluster.
    changed = threading.Event()
    watchers = {n: Watcher(Collection(conn.http, "v1", "namespaces", field_selector=f"metadata.name={n}"),
                           lambda events: changed.set(), what=NamespaceNamed(n)).start() for n in pending}
    try:
        deadline = time.monotonic() + timeout
        stopped_by: float | None = None  # stopped: how long the watches may take to say which are gone already
        while True:
            left = [n for n, w in watchers.items() if not w.connected.is_set() or n in w.snapshot()]
            emit(Progress(step, len(pending) - len(left), len(pending), (NamespacesTerminating(len(left)),)))
            if stopped_by is None and (not_sent or cancel.is_set()):
                stopped_by = min(deadline, time.monotonic() + 5)
            seen = all(w.connected.is_set() for w in watchers.values())
            now = time.monotonic()
            if not left or now >= deadline or (stopped_by is not None and (seen or now >= stopped_by)):
                break
            changed.wait(min(deadline - time.monotonic(), 0.5))
            changed.clear()
        if stopped_by is not None:  # what was sent goes on in the cluster; it is named, not waited for
            terminating, stuck = tuple(left), {}
        else:
            terminating = ()
            stuck = {n: why_stuck(watchers[n].get(n) if watchers[n].connected.is_set() else None) for n in left}
    finally:
        for w in watchers.values():
            w.stop()
    gone = tuple(n for n in pending if n not in stuck and n not in terminating)
    for name, why in stuck.items():
        emit(NamespaceStuck(name, timeout, why))
    # stopped: the stop left something undone (a stop that came once all was gone changed nothing)
    result = NamespaceDeletion(gone, tuple(absent), stuck, created_again, tuple(not_sent), terminating,
                               stopped=bool(not_sent or terminating), refused=refused)
    if result.complete:
        emit(StepDone(step, said=(NamespacesDeleted(len(uids), len(gone), len(absent)),)))
    return result


def _namespace_uid(conn: KubeConnection, name: str) -> str | None:
    try:
        return meta_of(read_object(conn, "v1", "namespaces", name)).get("uid")
    except Exception as e:  # noqa: BLE001
        if getattr(e, "status", None) == 404:
            return None
        raise describe_api_error(e, ReadingNamespace(name)) from None


def delete_webhooks(conn: KubeConnection, webhooks: list[dict], *, audit: AuditLog, emit: Emit = ignore,
                    cancel: threading.Event | None = None) -> tuple[list[Listed], dict[str, str], list[str]]:
    """Delete the planned webhook configurations and APIServices (each by its planned uid) whose service
    namespaces are gone: left behind, a webhook rejects writes and an APIService breaks discovery (HPAs, and
    every later namespace deletion cluster-wide). Returns (deleted or already gone, failed: label -> why, not sent: the
    labels a stop (`cancel`, checked before each DELETE) left untouched)."""
    where = {"validating": ("admissionregistration.k8s.io/v1", "validatingwebhookconfigurations"),
             "mutating": ("admissionregistration.k8s.io/v1", "mutatingwebhookconfigurations"),
             "apiservice": ("apiregistration.k8s.io/v1", "apiservices")}
    done: list[Listed] = []
    failed: dict[str, str] = {}
    not_sent: list[str] = []
    for w in webhooks:
        label = said(Served(w["kind"], w["name"]))
        if cancel is not None and cancel.is_set():
            not_sent.append(label)
            continue
        with audit.sending("delete-webhook", context=conn.context, kind=w["kind"], name=w["name"],
                           uid=w["uid"]) as change:
            resent = False
            try:
                delete_object(conn, *where[w["kind"]], w["name"], uid=w["uid"])
            except Exception as e:  # noqa: BLE001
                status, resent = getattr(e, "status", None), getattr(e, "resent", False)
                unanswered(change, e, audit, "delete-webhook", context=conn.context, kind=w["kind"], name=w["name"],
                           uid=w["uid"])
                if status == 404 and not resent:
                    done.append(Listed(label, was_gone=True))
                    continue
                if status == 409 and resent:
                    # this run's first delete may have removed the planned one (its answer was lost) before one of the
                    # same name was made again: which, nobody can tell now. Audited, and not called done
                    audit.record("delete-webhook", context=conn.context, kind=w["kind"], name=w["name"], uid=w["uid"],
                                 answer_lost=True, found_again=True)
                    failed[label] = said(WebhookFoundAgain())
                elif status == 409:
                    failed[label] = said(WebhookCreatedAgain())
                elif status != 404:
                    failed[label] = str(describe_api_error(e, DeletingWebhook(label)))
                if label in failed:
                    emit(WebhookNotDeleted(label, failed[label]))
                    continue
                # a 404 on a delete sent again after its connection dropped: the first one was carried out, its
                # answer lost. Audited as this run's deletion, and said so
            audit.record("delete-webhook", context=conn.context, kind=w["kind"], name=w["name"], uid=w["uid"],
                         **({"answer_lost": True} if resent else {}))
        emit(WebhookDeleted(label, tuple(w["namespaces"])))
        done.append(Listed(label, answer_lost=resent))
    return done, failed, not_sent


def why_stuck(ns: dict | None) -> str:
    """One line from a Terminating namespace's status conditions and finalizers."""
    if ns is None:
        return said(NamespaceUnread())
    reasons = []
    for cond in (ns.get("status") or {}).get("conditions") or []:
        if cond.get("status") == "True" and cond.get("type") in (
                "NamespaceContentRemaining", "NamespaceFinalizersRemaining", "NamespaceDeletionDiscoveryFailure",
                "NamespaceDeletionContentFailure", "NamespaceDeletionGroupVersionParsingFailure"):
            reasons.append(StuckCondition(cond["type"], str(cond.get("message", ""))))
    finalizers = (ns.get("spec") or {}).get("finalizers") or []
    return said(StuckWhy(tuple(reasons), tuple(finalizers)))
