"""One deployment, live: the deployment, its replica sets, its pods and their events, from four watches; and a
pod's log, followed. What the detail view shows; the words for it are in present/detail.py.

Watches, not polling: each collection is a Watcher (kube/watch.py) narrowed on the server where the API
allows it (the deployment by name, replica sets and pods by the deployment's selector). Events cannot be
selected by owner, so the namespace's events are watched and only the deployment's, its replica sets' and its
pods' are kept, stripped to what a row needs. stop() ends every stream; nothing is left blocked on a read.
"""

from __future__ import annotations

import functools
import re
import threading
import time
from typing import TYPE_CHECKING, Any, TypedDict
from collections.abc import Callable

from ..frozen import frozen
from ..errors import HubError, said
from .client import REQUEST_TIMEOUT, KubeConnection, describe_api_error
from .failures import (ContainerNotStarted, ContainerRestarting, DeploymentNotFound, DeploymentPart, DetailClosed,
                       EmptySelector, LogRefused, PodNotScheduled, ReadingDeployment, ReadingLogs, WatchError)
from .rest import Collection
from .watch import DELETED, ERROR, SYNCED, ResponseThread, Watcher, WatchEvent

if TYPE_CHECKING:
    pass

MAX_EVENTS = 200  # the newest ones are kept; an operator reads the first screenful


@frozen
class DetailSnapshot:
    """Everything the detail view shows at one moment (plain dicts, stripped)."""

    name: str
    namespace: str
    deployment: dict | None = None  # None: deleted (or not seen yet)
    replicasets: tuple[dict, ...] = ()
    pods: tuple[dict, ...] = ()
    events: tuple[dict, ...] = ()
    synced: bool = False  # every watch has listed once
    error: str | None = None  # a watch is broken (it retries); the rest is the last known state


def label_selector(selector: dict | None) -> str:
    """A LabelSelector (matchLabels, matchExpressions) as the API's label_selector string."""
    selector = selector or {}
    parts = [f"{k}={v}" for k, v in sorted((selector.get("matchLabels") or {}).items())]
    for e in selector.get("matchExpressions") or ():
        op, key, values = e.get("operator"), e["key"], ",".join(e.get("values") or ())
        parts.append({"In": f"{key} in ({values})", "NotIn": f"{key} notin ({values})", "Exists": key,
                      "DoesNotExist": f"!{key}"}.get(op, key))
    return ",".join(parts)


def _meta(obj: dict, *keys: str) -> dict:
    m = obj.get("metadata") or {}
    return {k: m[k] for k in ("name", "uid", "creationTimestamp", "deletionTimestamp", *keys) if k in m}


def strip_deployment(dep: dict) -> dict:
    spec = dep.get("spec") or {}
    tpl = ((spec.get("template") or {}).get("spec") or {})
    return {"metadata": _meta(dep, "namespace", "generation", "annotations", "resourceVersion"),
            "spec": {"replicas": spec.get("replicas", 1), "selector": spec.get("selector"),
                     "containers": [{"name": c["name"], "image": c.get("image", "")}
                                    for c in tpl.get("containers") or ()]},
            "status": dep.get("status") or {}}


def strip_replicaset(rs: dict) -> dict:
    spec = rs.get("spec") or {}
    tpl = ((spec.get("template") or {}).get("spec") or {})
    meta = _meta(rs, "ownerReferences")
    meta["revision"] = ((rs.get("metadata") or {}).get("annotations") or {}).get("deployment.kubernetes.io/revision")
    return {"metadata": meta,
            "spec": {"replicas": spec.get("replicas", 0),
                     "images": [c.get("image", "") for c in tpl.get("containers") or ()]},
            "status": {k: v for k, v in (rs.get("status") or {}).items() if k != "conditions"}}


def strip_pod(pod: dict) -> dict:
    spec = pod.get("spec") or {}

    def containers(key: str) -> list[dict]:
        return [{"name": c["name"], "image": c.get("image", ""), "readinessProbe": bool(c.get("readinessProbe"))}
                for c in spec.get(key) or ()]

    return {"metadata": _meta(pod, "ownerReferences"),
            "spec": {"nodeName": spec.get("nodeName"), "containers": containers("containers"),
                     "initContainers": containers("initContainers")},
            "status": pod.get("status") or {}}


def _sortable(ts: str | None) -> str:
    """An RFC 3339 UTC time with 6 fractional digits, so that times compare as strings (events carry both
    seconds and microseconds: '12:40:20Z' and '12:40:20.512Z')."""
    if not ts:
        return ""
    base, _, frac = ts.rstrip("Z").partition(".")
    return f"{base}.{(frac + '000000')[:6]}Z"


class _EventMeta(TypedDict, total=False):
    name: Any
    namespace: Any
    resourceVersion: Any
    uid: Any
    creationTimestamp: Any


class EventFields(TypedDict, total=False):
    """What the events watch decodes of each Event of the namespace (the rest, managedFields included, is
    skipped by the parser): the watch covers every event of the namespace, most of them not this deployment's."""

    metadata: _EventMeta
    involvedObject: dict[str, Any] | None
    type: Any
    reason: Any
    message: Any
    count: Any
    series: dict[str, Any] | None
    lastTimestamp: Any
    eventTime: Any
    firstTimestamp: Any


def strip_event(ev: dict) -> dict:
    inv = ev.get("involvedObject") or {}
    return {"uid": (ev.get("metadata") or {}).get("uid") or (ev.get("metadata") or {}).get("name"),
            "type": ev.get("type") or "Normal", "reason": ev.get("reason") or "", "message": ev.get("message") or "",
            "count": ev.get("count") or (ev.get("series") or {}).get("count") or 1,
            "time": _sortable(ev.get("lastTimestamp") or (ev.get("series") or {}).get("lastObservedTime")
                              or ev.get("eventTime") or ev.get("firstTimestamp")
                              or (ev.get("metadata") or {}).get("creationTimestamp")),
            "kind": inv.get("kind") or "", "object": inv.get("name") or "", "object_uid": inv.get("uid") or ""}


@frozen
class _Known:
    rs_uids: set
    pod_uids: set
    rs_names: list


class DeploymentDetail:
    """The live state of deployment `name` in `namespace`. start(listener) reads the deployment once (an
    unknown name is a HubError), then watches; listener(DetailSnapshot) is called on a watch thread after
    each change (consumers coalesce: the latest snapshot wins). stop() ends every watch; call it off the UI
    thread (it joins them)."""

    def __init__(self, conn: KubeConnection, namespace: str, name: str, *, max_events: int = MAX_EVENTS):
        self.conn, self.namespace, self.name = conn, namespace, name
        self.max_events = max_events
        self._lock = threading.Lock()
        self._listener: Callable[[DetailSnapshot], None] | None = None
        self._watchers: dict[str, Watcher] = {}
        self._events: dict[str | None, dict] = {}  # by metadata.uid, as the watch reports them
        self._dropped: set[str | None] = set()  # events dropped as the oldest beyond max_events
        self._errors: dict[str, str] = {}
        self._synced: set[str] = set()
        self._stopped = False
        self._logs: list[LogStream] = []
        # replica sets are NAME-<hash>: events of ones already gone count too. Pods are <replica set>-<suffix>:
        # a pod already gone counts when its replica set is one of this deployment's (a StatefulSet's pod
        # NAME-x-0 is not taken for one).
        self._rs_name = re.compile(rf"^{re.escape(name)}-[a-z0-9]+$")
        self._pod_suffix = re.compile(r"^-[a-z0-9]+$")

    # ----- lifecycle ---------------------------------------------------------------------
    def start(self, listener: Callable[[DetailSnapshot], None]) -> None:
        from .objects import dig, read_object

        try:
            dep = read_object(self.conn, "apps/v1", "deployments", self.name, self.namespace)
        except Exception as e:  # noqa: BLE001
            if getattr(e, "status", None) == 404:
                raise HubError(DeploymentNotFound(self.name, self.namespace)) from None
            raise describe_api_error(e, ReadingDeployment(self.name)) from None
        selector = label_selector(dig(dep, "spec", "selector"))
        if not selector:
            raise HubError(EmptySelector(self.name))
        self._listener = listener
        ns = self.namespace
        http = self.conn.http
        calls: dict[str, Callable[..., Any]] = {
            "deployment": Collection(http, "apps/v1", "deployments", ns, field_selector=f"metadata.name={self.name}"),
            "replicasets": Collection(http, "apps/v1", "replicasets", ns, label_selector=selector),
            "pods": Collection(http, "v1", "pods", ns, label_selector=selector),
            "events": Collection(http, "v1", "events", ns),
        }
        with self._lock:
            if self._stopped:
                return
            for what, call in calls.items():
                self._watchers[what] = Watcher(call, functools.partial(self._on_events, what),
                                               what=DeploymentPart(what, self.name),
                                               schema=EventFields if what == "events" else None)
            watchers = list(self._watchers.values())
        for w in watchers:
            w.start()

    def stop(self) -> None:
        with self._lock:
            self._stopped = True
            watchers, logs = list(self._watchers.values()), list(self._logs)
            self._listener = None
        for stream in logs:
            stream.stop()
        for w in watchers:
            w.stop()

    @property
    def threads(self) -> list[threading.Thread]:
        """The threads this detail started (for tests: none is alive after stop())."""
        with self._lock:
            return [t for t in [w.thread for w in self._watchers.values()] + [s.thread for s in self._logs] if t]

    # ----- from the watch threads ----------------------------------------------------------
    def _on_events(self, what: str, events: list[WatchEvent]) -> None:
        changed = what != "events"  # the namespace's events: only a change of this deployment's counts
        known: _Known | None = None  # what the other watches know, read once per batch when an event needs it
        with self._lock:
            for ev in events:
                if ev.type == ERROR:
                    self._errors[what] = ev.error or said(WatchError())
                    changed = True
                elif ev.type == SYNCED:
                    changed = changed or what in self._errors or what not in self._synced
                    self._errors.pop(what, None)
                    self._synced.add(what)
                    if what == "events":  # a relist: drop what the server no longer has
                        live = {(e.get("metadata") or {}).get("uid")
                                for e in self._watchers["events"].snapshot().values()}
                        before = len(self._events)
                        self._events = {k: v for k, v in self._events.items() if k in live}
                        changed = changed or len(self._events) != before
                elif what == "events" and ev.obj is not None:
                    uid = (ev.obj.get("metadata") or {}).get("uid")
                    if ev.type == DELETED:
                        changed = self._events.pop(uid, None) is not None or changed
                    elif self._relevant(ev.obj, known := known or self._known()):
                        self._events[uid] = strip_event(ev.obj)
                        changed = True
            if what in ("deployment", "replicasets", "pods") and "events" in self._watchers:
                # events may come before the pod or replica set they are about: look at the namespace's again
                # (the ones already kept, or dropped as the oldest, are not looked at twice)
                known = self._known()  # this batch changed it
                for obj in self._watchers["events"].snapshot().values():
                    uid = (obj.get("metadata") or {}).get("uid")
                    if uid not in self._events and uid not in self._dropped and self._relevant(obj, known):
                        self._events[uid] = strip_event(obj)
                        changed = True
            if len(self._events) > self.max_events:
                keep = sorted(self._events.values(), key=lambda e: e["time"] or "", reverse=True)[:self.max_events]
                self._dropped |= set(self._events) - {e["uid"] for e in keep}
                self._events = {e["uid"]: e for e in keep}
            listener = self._listener
        if listener is not None and changed:
            listener(self.snapshot())

    def _relevant(self, ev: dict, known: _Known) -> bool:
        inv = ev.get("involvedObject") or {}
        kind, name, uid = inv.get("kind"), inv.get("name") or "", inv.get("uid")
        if kind == "Deployment":
            return name == self.name
        if kind == "ReplicaSet":
            return bool(self._rs_name.match(name)) or uid in known.rs_uids
        if kind == "Pod":
            return uid in known.pod_uids or any(
                name.startswith(rs) and self._pod_suffix.match(name[len(rs):]) for rs in known.rs_names)
        return False

    def _known(self) -> _Known:
        """What the watches know now: the uids of the watched replica sets and pods, and the names of the
        replica sets this deployment owns (their pods, gone or not, are NAME-<hash>-<suffix>)."""
        w = self._watchers
        deps = w["deployment"].snapshot() if "deployment" in w else {}
        dep_uid = ((deps.get(self.name) or {}).get("metadata") or {}).get("uid")
        rss = list(w["replicasets"].snapshot().values()) if "replicasets" in w else []
        pods = w["pods"].snapshot().values() if "pods" in w else ()
        return _Known(
            rs_uids={(r.get("metadata") or {}).get("uid") for r in rss} - {None},
            pod_uids={(p.get("metadata") or {}).get("uid") for p in pods} - {None},
            rs_names=[r["metadata"]["name"] for r in rss if dep_uid and any(
                o.get("uid") == dep_uid for o in r["metadata"].get("ownerReferences") or ())])

    def snapshot(self) -> DetailSnapshot:
        w = self._watchers
        deps = w["deployment"].snapshot() if "deployment" in w else {}
        dep = deps.get(self.name)
        dep_uid = ((dep or {}).get("metadata") or {}).get("uid")
        rss = [strip_replicaset(r) for r in (w["replicasets"].snapshot().values() if "replicasets" in w else ())]
        if dep_uid:  # only the replica sets this deployment owns (another one may share labels)
            rss = [r for r in rss if any(o.get("uid") == dep_uid for o in r["metadata"].get("ownerReferences") or ())]
        rs_uids = {r["metadata"].get("uid") for r in rss}
        pods = [strip_pod(p) for p in (w["pods"].snapshot().values() if "pods" in w else ())]
        pods = [p for p in pods if not dep_uid or any(o.get("uid") in rs_uids
                                                       for o in p["metadata"].get("ownerReferences") or ())]
        with self._lock:
            events = tuple(sorted(self._events.values(), key=lambda e: e["time"] or "", reverse=True))
            error = next(iter(self._errors.values()), None)
            synced = len(self._synced) == len(w) > 0
        return DetailSnapshot(self.name, self.namespace, strip_deployment(dep) if dep else None,
                              tuple(sorted(rss, key=lambda r: r["metadata"]["name"])),
                              tuple(sorted(pods, key=lambda p: p["metadata"]["name"])), events, synced, error)

    # ----- logs ----------------------------------------------------------------------------
    def logs(self, pod: str, container: str, *, tail: int, on_lines: Callable[[list[str]], None],
             on_end: Callable[[str | None], None]) -> LogStream:
        """Follow a container's log (the last `tail` lines first). on_lines(batch) runs on the stream's thread;
        on_end(error or None) once when it ends. stop() of the stream, or of this detail, ends it."""
        stream = LogStream(self.conn, self.namespace, pod, container, tail=tail, on_lines=on_lines, on_end=on_end)
        with self._lock:
            if self._stopped:
                raise HubError(DetailClosed())
            self._logs = [s for s in self._logs if not s.stopped] + [stream]
        return stream.start()


class LogStream(ResponseThread):
    """`kubectl logs -f --tail N` of one container, on a thread of its own; stop() closes the connection under
    a blocked read, so the thread ends at once.

    The lines travel with the kubelet's timestamps (stripped before on_lines). A log quiet for READ_TIMEOUT
    is opened again asking for the seconds since its last line (plus OVERLAP, for a clock that differs from the
    node's), and what was shown already is skipped by its timestamp: no line written while it reopened is lost,
    none is shown twice."""

    # A quiet log is normal: after this long without a byte the stream is opened again.
    READ_TIMEOUT = 300
    OVERLAP = 30

    def __init__(self, conn: KubeConnection, namespace: str, pod: str, container: str, *, tail: int,
                 on_lines: Callable[[list[str]], None], on_end: Callable[[str | None], None]):
        super().__init__(f"logs {pod}/{container}")
        self.conn, self.namespace, self.pod, self.container, self.tail = conn, namespace, pod, container, tail
        self.on_lines, self.on_end = on_lines, on_end
        self._last: str | None = None  # the timestamp (as _stamp_key) of the last line shown
        self._at_last = 0  # how many lines shown carry exactly that timestamp
        self._last_seen = 0.0  # when (this machine's clock) the last line or the stream's opening was
        self._replaying = False  # a reopened stream sends again what was shown: skipped by timestamp
        self._streaming = False  # the stream's answer has come: a read timeout from now on is a quiet log

    def start(self) -> LogStream:
        super().start()
        return self

    def _run(self) -> None:
        from .http import is_read_timeout

        error, since = None, None
        while not self._stop.is_set():
            try:
                self._follow(since)
                error = self._why_no_more()  # the server ended the stream: say why, as the pod shows it
                break
            except Exception as e:  # noqa: BLE001 - one line in the pane, never a crash
                if not (is_read_timeout(e) and self._streaming):  # a quiet log; not an API server that never answers
                    if not self._stop.is_set():
                        error = self._why_no_more() or _log_error(e, self.pod, self.container)
                    break
                # opened again from a little before the last line; what was shown is skipped
                since = int(time.time() - self._last_seen) + self.OVERLAP
        if not self._stop.is_set():
            self.on_end(error)

    def _why_no_more(self) -> str | None:
        """Why a log stream ended without an error: a pod not scheduled yet, or a container not started yet,
        have no log to follow (said so, never taken for a container that stopped); None: it stopped."""
        from .objects import dig, read_object

        try:
            pod = read_object(self.conn, "v1", "pods", self.pod, self.namespace)
        except Exception:  # noqa: BLE001 - only a better word: without it the plain ending stands
            return None
        if not dig(pod, "spec", "nodeName"):
            return said(PodNotScheduled(self.pod))
        for status in dig(pod, "status", "containerStatuses") or []:
            waiting = dig(status, "state", "waiting") if status.get("name") == self.container else None
            if waiting is not None:
                reason = str(waiting["reason"]) if waiting.get("reason") else ""
                if status.get("restartCount"):  # it ran before: its log ended with that run
                    return said(ContainerRestarting(self.container, reason))
                return said(ContainerNotStarted(self.container, reason))
        return None

    def _follow(self, since: int | None) -> None:
        from .objects import api_path

        if since is None:
            self._last_seen = time.time()
        self._streaming = False  # until the answer's head is in: a timeout before it is a failure, not a quiet log
        query: list[tuple[str, Any]] = [("container", self.container), ("follow", True), ("timestamps", True)]
        if since is not None:
            query.append(("sinceSeconds", max(since, 1)))
        elif self.tail is not None:
            query.append(("tailLines", self.tail))
        # the raw response, its body read as it comes
        resp = self._hold(self.conn.http.request("GET", api_path("v1", "pods", self.namespace, self.pod) + "/log",
                                                 query=query, stream=True,
                                                 timeout=(REQUEST_TIMEOUT[0], self.READ_TIMEOUT)))
        self._streaming = True
        skip = self._at_last if since is not None else 0  # lines at the last timestamp shown already
        self._replaying = since is not None  # until the first line not shown yet: what was shown comes again
        buf = b""
        try:
            for chunk in resp.stream(8192, decode_content=True):
                buf += chunk
                *lines, buf = buf.split(b"\n")
                shown, skip = self._new_lines(lines, skip)
                if shown and not self._stop.is_set():
                    self.on_lines(shown)
                if self._stop.is_set():
                    return
        finally:
            self._release(resp)
        if buf and not self._stop.is_set():
            shown, _ = self._new_lines([buf], skip)
            if shown:
                self.on_lines(shown)

    def _new_lines(self, lines: list[bytes], skip: int) -> tuple[list[str], int]:
        """The lines not shown yet, without their timestamps; and how many at the last timestamp are still to
        skip. While a reopened stream replays what was shown, lines up to the last timestamp shown are skipped;
        from the first new line on, every line is shown (stdout and stderr may interleave out of order). A
        line without a timestamp is shown as it is."""
        out = []
        for raw in lines:
            text = raw.decode("utf-8", "replace")
            stamp, sep, rest = text.partition(" ")
            key = _stamp_key(stamp) if sep else None
            if key is None:
                out.append(text)
                continue
            if self._replaying and self._last is not None and (key < self._last or (key == self._last and skip > 0)):
                if key == self._last:
                    skip -= 1
                continue
            self._replaying = False
            if key == self._last:
                self._at_last += 1
            else:
                self._last, self._at_last = key, 1
            self._last_seen = time.time()
            out.append(rest)
        return out, skip


def _stamp_key(stamp: str) -> str | None:
    """An RFC 3339 timestamp as the kubelet writes it (nanoseconds, trailing zeros trimmed; UTC, or the node's
    offset) in a form that compares as a string, in UTC; None when it is not one."""
    from datetime import datetime, UTC

    if len(stamp) < 20 or stamp[4] != "-" or stamp[10] != "T":
        return None
    base, rest = stamp[:19], stamp[19:]
    frac = ""
    if rest.startswith("."):
        digits = len(rest) - len(rest[1:].lstrip("0123456789"))
        frac, rest = rest[1:digits], rest[digits:]
    zone = "+00:00" if rest == "Z" else rest
    try:
        when = datetime.fromisoformat(base + zone).astimezone(UTC)
    except ValueError:
        return None
    return f"{when.strftime('%Y-%m-%dT%H:%M:%S')}.{(frac + '000000000')[:9]}Z"


def _log_error(exc: BaseException, pod: str, container: str) -> str:
    """The API's own words where it has them (e.g. 'container "x" in pod "y" is waiting to start: ...')."""
    import json

    body = getattr(exc, "body", None)
    if body:
        try:
            message = json.loads(body).get("message")
        except (ValueError, AttributeError):
            message = None
        if message:
            return said(LogRefused(pod, container, str(message)))
    return str(describe_api_error(exc, ReadingLogs(pod, container)))


