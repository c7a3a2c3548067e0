"""A deployment's rollout, pods and events in words: what the detail view shows (and any other face could).

Input: a DetailSnapshot of stripped dicts (kube/detail.py). Output: small frozen facts with the text already
written, so that every face says the same thing about the same object. No Textual here.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, UTC

from ..frozen import frozen
from ..kube.detail import DetailSnapshot
from .words import counted

REVISION = "deployment.kubernetes.io/revision"


def parse_time(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None


def age(value: str | datetime | None, now: datetime) -> str:
    when = parse_time(value) if isinstance(value, str) or value is None else value
    if when is None:
        return "-"
    secs = max(0, int((now - when).total_seconds()))
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if secs >= size:
            return f"{secs // size}{unit}"
    return f"{secs}s"


# ----- pods ------------------------------------------------------------------------------------------
@frozen
class PodFacts:
    name: str
    phase: str  # what kubectl shows in STATUS: Running, Pending, ImagePullBackOff, Terminating, ...
    ready: str  # "x/y"
    restarts: int
    node: str
    age: str
    reason: str  # why it is not ready, in words ("" when it is ready)
    containers: tuple[str, ...]  # for the log pane's container choice

    @property
    def ok(self) -> bool:
        return not self.reason


def _is_ready(pod: dict) -> bool:
    return any(c.get("type") == "Ready" and c.get("status") == "True"
               for c in (pod.get("status") or {}).get("conditions") or ())


def _probe_event(events: list[dict], pod: str) -> str | None:
    for e in events:  # newest first
        if e["kind"] == "Pod" and e["object"] == pod and e["reason"] == "Unhealthy" and "Readiness" in e["message"]:
            return e["message"]
    return None


def container_reason(cs: dict, spec: dict, *, pod_events: list[dict], pod: str) -> str | None:
    """Why one container is not ready, or None."""
    name, image = cs.get("name", "?"), cs.get("image") or spec.get("image") or "?"
    state = cs.get("state") or {}
    waiting, terminated = state.get("waiting"), state.get("terminated")
    last = ((cs.get("lastState") or {}).get("terminated")) or {}
    restarts = cs.get("restartCount") or 0
    if waiting:
        reason, message = waiting.get("reason") or "Waiting", waiting.get("message") or ""
        if reason in ("ImagePullBackOff", "ErrImagePull", "ErrImageNeverPull", "InvalidImageName"):
            return f"{reason}: image {image} cannot be pulled (container {name})" + (
                f" — {message}" if message and image not in message else "")
        if reason == "CrashLoopBackOff":
            code = last.get("exitCode")
            exited = (f"last exit code {code}" + (f" ({last['reason']})" if last.get("reason") else "")
                      if code is not None else "it keeps exiting")
            return f"CrashLoopBackOff: container {name} keeps crashing, {exited}, restarted {restarts}×"
        if reason in ("ContainerCreating", "PodInitializing"):
            return f"Starting: container {name} is being created"
        return f"{reason}: container {name}" + (f" — {message}" if message else "")
    if terminated:
        code = terminated.get("exitCode")
        return (f"Terminated: container {name} exited with code {code}"
                + (f" ({terminated['reason']})" if terminated.get("reason") else ""))
    if not cs.get("ready"):
        probe = _probe_event(pod_events, pod)
        if probe or spec.get("readinessProbe"):
            return f"Readiness probe failing: container {name}" + (f" — {probe}" if probe else "")
        if cs.get("started") is False:
            return f"Starting: container {name} has not started yet"
        return f"Not ready: container {name} is running but not ready"
    return None


def pod_facts(pod: dict, now: datetime, events: Sequence[dict] = ()) -> PodFacts:
    meta, spec, status = pod["metadata"], pod.get("spec") or {}, pod.get("status") or {}
    name = meta["name"]
    specs = {c["name"]: c for c in (spec.get("initContainers") or []) + (spec.get("containers") or [])}
    statuses = status.get("containerStatuses") or []
    n_ready = sum(1 for c in statuses if c.get("ready"))
    total = len(spec.get("containers") or []) or len(statuses)
    restarts = sum(c.get("restartCount") or 0 for c in statuses)
    phase = status.get("phase") or "Pending"
    reason = ""
    shown = phase
    if meta.get("deletionTimestamp"):
        shown = "Terminating"
        reason = f"Terminating: deletion requested {age(meta['deletionTimestamp'], now)} ago"
    elif not _is_ready(pod) and phase not in ("Succeeded",):
        sched = next((c for c in status.get("conditions") or () if c.get("type") == "PodScheduled"), None)
        if sched is not None and sched.get("status") == "False":
            reason = (f"Pending: {sched.get('reason') or 'Unschedulable'}: "
                      f"{sched.get('message') or 'the scheduler found no node'}")
        elif not spec.get("nodeName"):
            reason = "Pending: waiting for the scheduler to place it"
        else:
            pod_events = [e for e in events if e["kind"] == "Pod" and e["object"] == name]
            for cs in (status.get("initContainerStatuses") or []) + statuses:
                if cs.get("ready") or ((cs.get("state") or {}).get("terminated") or {}).get("reason") == "Completed":
                    continue
                why = container_reason(cs, specs.get(cs.get("name"), {}), pod_events=pod_events, pod=name)
                if why:
                    reason = why
                    waiting = ((cs.get("state") or {}).get("waiting") or {}).get("reason")
                    if waiting and waiting not in ("ContainerCreating", "PodInitializing"):
                        shown = waiting
                    break
            if not reason:
                reason = (f"{phase}: not ready" if phase != "Running" else
                          "Not ready: " + next((c.get("message") or c.get("reason") or "not ready"
                                                for c in status.get("conditions") or ()
                                                if c.get("type") == "Ready"), "not ready"))
        if phase == "Failed" and not reason:
            reason = f"Failed: {status.get('reason') or ''} {status.get('message') or ''}".strip()
    return PodFacts(name=name, phase=shown, ready=f"{n_ready}/{total}", restarts=restarts,
                    node=spec.get("nodeName") or "-", age=age(meta.get("creationTimestamp"), now), reason=reason,
                    containers=tuple(c["name"] for c in spec.get("containers") or ()))


# ----- rollout ---------------------------------------------------------------------------------------
@frozen
class ConditionFacts:
    type: str
    ok: bool
    text: str  # "Available: False — MinimumReplicasUnavailable: Deployment does not have minimum availability."


@frozen
class ReplicaSetFacts:
    name: str
    revision: str
    role: str  # "new" or "old"
    desired: int
    current: int
    ready: int
    available: int
    images: tuple[str, ...]
    age: str

    @property
    def text(self) -> str:
        return (f"{self.role:<3}  {self.name}  rev {self.revision or '?'}  desired {self.desired} · current "
                f"{self.current} · ready {self.ready} · available {self.available}  ({self.age})")


@frozen
class RolloutFacts:
    summary: str  # one line: complete, rolling out, stuck, scaled to 0, deleted
    ok: bool
    conditions: tuple[ConditionFacts, ...]
    replicasets: tuple[ReplicaSetFacts, ...]  # new first, then old ones that still have pods
    old_at_zero: int  # older replica sets kept for rollback, with no pods
    images: tuple[tuple[str, str], ...]  # (container, image) of the pod template
    desired: int


def rollout_facts(snap: DetailSnapshot, now: datetime) -> RolloutFacts:
    dep = snap.deployment
    if dep is None:
        return RolloutFacts(summary=(f"deployment {snap.name} is gone (deleted)" if snap.synced else "loading…"),
                            ok=False, conditions=(), replicasets=(), old_at_zero=0, images=(), desired=0)
    spec, status, meta = dep["spec"], dep.get("status") or {}, dep["metadata"]
    desired = spec.get("replicas", 1)
    conds = []
    for c in status.get("conditions") or ():
        ok = c.get("status") == "True" and c.get("type") != "ReplicaFailure"
        detail = " — ".join(x for x in (c.get("reason"), c.get("message")) if x)
        conds.append(ConditionFacts(c.get("type", "?"), ok, f"{c.get('type')}: {c.get('status')}"
                                    + (f" — {detail}" if detail else "")))
    dep_revision = (meta.get("annotations") or {}).get(REVISION)
    rss = sorted(snap.replicasets, key=lambda r: int(r["metadata"].get("revision") or 0), reverse=True)
    facts, old_zero = [], 0
    for i, r in enumerate(rss):
        rev = r["metadata"].get("revision") or ""
        new = rev == dep_revision if dep_revision else i == 0
        st = r.get("status") or {}
        f = ReplicaSetFacts(name=r["metadata"]["name"], revision=rev, role="new" if new else "old",
                            desired=r["spec"].get("replicas", 0), current=st.get("replicas", 0),
                            ready=st.get("readyReplicas", 0), available=st.get("availableReplicas", 0),
                            images=tuple(r["spec"].get("images") or ()),
                            age=age(r["metadata"].get("creationTimestamp"), now))
        if not new and f.desired == 0 and f.current == 0:
            old_zero += 1
            continue
        facts.append(f)
    facts.sort(key=lambda f: f.role != "new")
    updated, ready = status.get("updatedReplicas", 0), status.get("readyReplicas", 0)
    available, total = status.get("availableReplicas", 0), status.get("replicas", 0)
    stuck = next((c for c in status.get("conditions") or () if c.get("reason") == "ProgressDeadlineExceeded"), None)
    failure = next((c for c in status.get("conditions") or ()
                    if c.get("type") == "ReplicaFailure" and c.get("status") == "True"), None)
    if status.get("observedGeneration", 0) < meta.get("generation", 0):
        summary, ok = "Rollout pending: the deployment controller has not seen the latest change yet", False
    elif stuck is not None:
        summary, ok = f"Rollout stuck: progress deadline exceeded — {stuck.get('message', '')}", False
    elif failure is not None:
        summary, ok = f"Replica failure: {failure.get('message') or failure.get('reason')}", False
    elif desired == 0 and total == 0:
        summary, ok = "Scaled to 0: no pods wanted", True
    elif updated == ready == available == total == desired:
        summary, ok = f"Rollout complete: {desired}/{desired} updated, ready and available", True
    elif total > updated:
        summary, ok = (f"Rolling out: {updated}/{desired} updated, {counted(total - updated, 'old pod')} still running, "
                       f"{ready} ready", False)
    else:
        summary, ok = f"Not ready: {ready}/{desired} ready, {available} available", False
    images = tuple((c["name"], c.get("image", "")) for c in spec.get("containers") or ())
    return RolloutFacts(summary, ok, tuple(conds), tuple(facts), old_zero, images, desired)


# ----- events ----------------------------------------------------------------------------------------
@frozen
class EventFacts:
    uid: str
    warning: bool
    type: str
    reason: str
    age: str
    count: int
    object: str  # "Pod/name"
    message: str
    time: str  # for ordering (newest first)


def event_facts(snap: DetailSnapshot, now: datetime) -> list[EventFacts]:
    """The deployment's, its replica sets' and its pods' events, newest first."""
    return [EventFacts(uid=e["uid"], warning=e["type"] != "Normal", type=e["type"], reason=e["reason"],
                       age=age(e["time"], now), count=int(e.get("count") or 1), object=f"{e['kind']}/{e['object']}",
                       message=" ".join((e["message"] or "").split()), time=e["time"] or "")
            for e in sorted(snap.events, key=lambda e: e["time"] or "", reverse=True)]


def now_utc() -> datetime:
    return datetime.now(UTC)


def reasons_of(waited) -> dict[str, str]:
    """wait_reasons of a wait's outcome (ops/scale.py's WaitOutcome, or a hub's result across the fleet, which
    carries the same three: not_ready, pods, deployments)."""
    return wait_reasons(waited.not_ready or {}, waited.pods, waited.deployments)


def wait_reasons(not_ready: dict[str, str], pods: dict[str, tuple[dict, ...]] | None = None,
                 deployments: dict[str, tuple[int, dict | None]] | None = None,
                 now: datetime | None = None) -> dict[str, str]:
    """Why each deployment a wait gave up on is not ready: what the deployment itself says (the controller
    behind, a replica failure, fewer pods than asked for…), then its pods' reasons in the detail view's words
    (`ImagePullBackOff: image x cannot be pulled (container y)`); the wait's own line where there is neither."""
    from ..kube.pods import deployment_reasons

    now = now or datetime.now(UTC)
    out = {}
    for name, why in not_ready.items():
        mine = list((pods or {}).get(name, ()))
        reasons = list(dict.fromkeys(r for r in (pod_facts(p, now).reason for p in mine) if r))
        shown = reasons[:2] + ([f"and {len(reasons) - 2} more"] if len(reasons) > 2 else [])
        if name in (deployments or {}):
            desired, raw = (deployments or {})[name]
            shown = deployment_reasons(mine, desired, raw) + shown
        out[name] = "; ".join(shown) or why
    return out
