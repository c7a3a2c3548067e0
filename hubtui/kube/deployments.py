"""Deployments as immutable rows, kept live by a watch: what the deployments screen and `hubtui scale` show."""

from __future__ import annotations

import threading
from dataclasses import field
from datetime import datetime, UTC
from typing import Any, TypedDict
from collections.abc import Callable

from ..errors import said
from ..frozen import frozen
from .client import REQUEST_TIMEOUT, KubeConnection, describe_api_error
from .failures import (DeploymentsIn, HpasIn, ListingDeployments, ListingHpas, OriginalReplicasNotACount,
                       OriginalReplicasTooMany, ReadingDeployment, RecordChanged)
from .objects import api_path
from .rest import Collection
from .watch import DELETED, ERROR, SYNCED, Watcher, WatchEvent, name_key, namespaced_key

ORIGINAL_REPLICAS_ANNOTATION = "hubtui.io/original-replicas"
MAX_REPLICAS = 1000  # the most replicas hubtui sets (a flag, the slider, a recorded count to restore)


class InvalidOriginalReplicas(ValueError):
    """A hubtui.io/original-replicas value that is not a count hubtui would restore: `fact` says why
    (kube/failures.py), str() words it as a HubError words its fact (present/)."""

    def __init__(self, fact: OriginalReplicasNotACount | OriginalReplicasTooMany):
        super().__init__(fact)
        self.fact = fact

    def __str__(self) -> str:
        return said(self.fact)


def parse_original_replicas(value: str | None) -> int | None:
    """The count recorded in hubtui.io/original-replicas: None when there is no record; raises
    InvalidOriginalReplicas (with a one-line reason that shows the value) unless it is plain ASCII digits
    from 0 to MAX_REPLICAS. Everything that reads the annotation goes through here: int() and isdigit() take
    '²', '٣', ' 3' or '+3', and none of those was written by hubtui."""
    if value is None:
        return None
    if not (isinstance(value, str) and value.isascii() and value.isdecimal()):  # ASCII: only 0-9, at least one
        raise InvalidOriginalReplicas(OriginalReplicasNotACount(value))
    digits = value.lstrip("0") or "0"
    if len(digits) > len(str(MAX_REPLICAS)) or int(digits) > MAX_REPLICAS:
        raise InvalidOriginalReplicas(OriginalReplicasTooMany(value))
    return int(digits)


@frozen
class HpaRange:
    name: str
    min_replicas: int
    max_replicas: int

    def __str__(self) -> str:
        return f"{self.min_replicas}–{self.max_replicas}"


@frozen
class DeploymentRow:
    name: str
    desired: int
    ready: int
    updated: int
    available: int
    created: datetime | None
    generation: int
    observed_generation: int
    replicas: int = 0  # pods the controller counts (status.replicas), terminating ones aside
    terminating: int = 0  # status.terminatingReplicas, where the API server reports it
    hpa: HpaRange | None = None
    original_replicas: int | None = None  # the count recorded for restore, when valid
    original_problem: str | None = None  # why the recorded count is not valid (it is then never used)
    original_text: str | None = None  # the annotation's own text when it is not valid (a rollback puts it back)
    selector: tuple[tuple[str, str], ...] = ()
    images: tuple[str, ...] = ()  # of the pod template's containers, in their order
    namespace: str = ""  # set when the row comes from a view of all namespaces (then `ref` is namespace/name)
    # as read: a change that writes its record is sent on this version only (a conflict: it moved since)
    resource_version: str = field(default="", compare=False)
    record_text: str | None = field(default=None, compare=False)  # the record's text as read, valid or not (a
    # restore is sent only while it is still that: restore_deployment)

    @property
    def ref(self) -> str:
        """How the row is named where it is shown and chosen: its name, or namespace/name in a view of all
        namespaces."""
        return f"{self.namespace}/{self.name}" if self.namespace else self.name

    @property
    def settled(self) -> bool:
        """The controller has seen the latest spec, and every wanted pod is updated, ready and available
        (for 0: none is left)."""
        return (self.observed_generation >= self.generation
                and self.updated == self.ready == self.available == self.desired
                and self.replicas == self.desired and self.terminating == 0)

    def age(self, now: datetime | None = None) -> str:
        if self.created is None:
            return "-"
        secs = int(((now or datetime.now(UTC)) - self.created).total_seconds())
        for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
            if secs >= size:
                return f"{secs // size}{unit}"
        return f"{max(secs, 0)}s"


def _time(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value.replace("Z", "+00:00")) if value else None


# What the watches decode of each object (kube/watch.py: everything else is skipped by the parser). Leaves are
# Any: the API's own types, never checked twice; a container may be null (one odd object must not fail a list). strip_deployment / strip_hpa then narrow annotations and
# conditions.
class _Meta(TypedDict, total=False):
    name: Any
    namespace: Any
    resourceVersion: Any
    creationTimestamp: Any
    generation: Any
    uid: Any
    deletionTimestamp: Any
    annotations: dict[str, Any] | None


class _Selector(TypedDict, total=False):
    matchLabels: dict[str, Any] | None


class _Container(TypedDict, total=False):
    image: Any


class _PodSpec(TypedDict, total=False):
    containers: list[_Container] | None


class _Template(TypedDict, total=False):
    spec: _PodSpec | None


class _DeploymentSpec(TypedDict, total=False):
    replicas: Any
    selector: _Selector | None
    template: _Template | None  # its containers' images only (the fleet's versions)


class _DeploymentStatus(TypedDict, total=False):
    observedGeneration: Any
    replicas: Any
    updatedReplicas: Any
    readyReplicas: Any
    availableReplicas: Any
    unavailableReplicas: Any
    terminatingReplicas: Any
    collisionCount: Any
    conditions: list[dict[str, Any]] | None


class DeploymentFields(TypedDict, total=False):
    metadata: _Meta
    spec: _DeploymentSpec | None
    status: _DeploymentStatus | None


class _HpaSpec(TypedDict, total=False):
    scaleTargetRef: dict[str, Any] | None
    minReplicas: Any
    maxReplicas: Any


class HpaFields(TypedDict, total=False):
    metadata: _Meta
    spec: _HpaSpec | None


def strip_deployment(dep: dict) -> dict:
    """A Deployment reduced to what a row (and why_not_ready) reads: no managedFields, of the pod template its
    containers' images only (as spec.images), no other annotation than the recorded count. Applied at the watch boundary, so the cache stays small."""
    meta, spec = dep.get("metadata") or {}, dep.get("spec") or {}
    small_meta = {k: meta[k] for k in ("name", "namespace", "resourceVersion", "creationTimestamp", "generation",
                                       "uid", "deletionTimestamp") if k in meta}
    original = (meta.get("annotations") or {}).get(ORIGINAL_REPLICAS_ANNOTATION)
    if original is not None:
        small_meta["annotations"] = {ORIGINAL_REPLICAS_ANNOTATION: original}
    small_spec = {}
    if "replicas" in spec:
        small_spec["replicas"] = spec["replicas"]
    match = (spec.get("selector") or {}).get("matchLabels")
    if match:
        small_spec["selector"] = {"matchLabels": match}
    containers = ((spec.get("template") or {}).get("spec") or {}).get("containers") or ()
    images = [c["image"] for c in containers if isinstance(c, dict) and isinstance(c.get("image"), str)]
    if images:
        small_spec["images"] = images
    status = dep.get("status") or {}
    small_status = {k: v for k, v in status.items() if k != "conditions"}
    conditions = [{k: c[k] for k in ("type", "status", "reason", "message") if k in c}
                  for c in status.get("conditions") or ()
                  if c.get("status") == "True" and c.get("type") == "ReplicaFailure"
                  or c.get("reason") == "ProgressDeadlineExceeded"]
    if conditions:  # only those why_not_ready explains
        small_status["conditions"] = conditions
    return {"metadata": small_meta, "spec": small_spec, "status": small_status}


def strip_hpa(hpa: dict) -> dict:
    meta, spec = hpa.get("metadata") or {}, hpa.get("spec") or {}
    return {"metadata": {k: meta[k] for k in ("name", "namespace", "resourceVersion") if k in meta},
            "spec": {k: spec[k] for k in ("scaleTargetRef", "minReplicas", "maxReplicas") if k in spec}}


def row_from(dep: dict, hpa: HpaRange | None = None, *, qualified: bool = False) -> DeploymentRow:
    """A row from a Deployment as the API sends it (a dict); `qualified`: the row carries its namespace (a
    view of all namespaces)."""
    meta, spec, status = dep["metadata"], dep.get("spec", {}), dep.get("status") or {}
    text = (meta.get("annotations") or {}).get(ORIGINAL_REPLICAS_ANNOTATION)
    try:  # never raise here: this runs on the watch thread, for every row, on every event
        original = parse_original_replicas(text)
        problem = None
    except InvalidOriginalReplicas as e:
        original, problem = None, str(e)
    return DeploymentRow(
        name=meta["name"],
        desired=spec.get("replicas", 1),
        ready=status.get("readyReplicas", 0),
        updated=status.get("updatedReplicas", 0),
        available=status.get("availableReplicas", 0),
        replicas=status.get("replicas", 0),
        terminating=status.get("terminatingReplicas") or 0,
        created=_time(meta.get("creationTimestamp")),
        generation=meta.get("generation", 0),
        observed_generation=status.get("observedGeneration", 0),
        hpa=hpa,
        original_replicas=original,
        original_problem=problem,
        original_text=str(text) if problem is not None else None,
        selector=tuple(sorted(((spec.get("selector") or {}).get("matchLabels") or {}).items())),
        images=_images(spec),
        namespace=meta.get("namespace", "") if qualified else "",
        resource_version=str(meta.get("resourceVersion") or ""),
        record_text=None if text is None else str(text),
    )


def _images(spec: dict) -> tuple[str, ...]:
    """The containers' images: of a stripped deployment (spec.images), or of one as the API sends it."""
    if "images" in spec:
        return tuple(spec["images"])
    containers = ((spec.get("template") or {}).get("spec") or {}).get("containers") or ()
    return tuple(c["image"] for c in containers if isinstance(c, dict) and isinstance(c.get("image"), str))


def hpa_targets(hpas: dict[str, dict], qualified: bool = False) -> dict[str, HpaRange]:
    """HPAs that target a Deployment, keyed by the deployment's name (namespace/name when `qualified`)."""
    out = {}
    for h in hpas.values():
        ref = (h.get("spec") or {}).get("scaleTargetRef") or {}
        if ref.get("kind") == "Deployment" and ref.get("name"):
            key = f"{h['metadata'].get('namespace', '')}/{ref['name']}" if qualified else ref["name"]
            out[key] = HpaRange(h["metadata"]["name"], h["spec"].get("minReplicas", 1), h["spec"]["maxReplicas"])
    return out


def _lists(conn: KubeConnection, namespace: str | None):
    """The list calls of deployments and HPAs: in `namespace`, or in every namespace when it is None."""
    return (Collection(conn.http, "apps/v1", "deployments", namespace),
            Collection(conn.http, "autoscaling/v2", "horizontalpodautoscalers", namespace))


def where(namespace: str | None) -> str:
    """The audit log's value of a change's namespace (ops/scale.py's restore-force): the namespace, or "all
    namespaces" for a change across every namespace. Not wording: present/ says a namespace in its own words."""
    return "all namespaces" if namespace is None else namespace


def _deployment_path(namespace: str, name: str) -> str:
    return api_path("apps/v1", "deployments", namespace, name)


def patch_scale(conn: KubeConnection, namespace: str, name: str, replicas: int, *, dry_run: bool = False) -> None:
    """spec.replicas of a deployment through its scale subresource, as `kubectl scale` sets it (a merge patch);
    dry_run: the API server validates the change and keeps nothing. Raises the transport's ApiError."""
    conn.http.request("PATCH", _deployment_path(namespace, name) + "/scale",
                      query=[("dryRun", "All")] if dry_run else None, body={"spec": {"replicas": replicas}},
                      content_type="application/merge-patch+json", timeout=REQUEST_TIMEOUT, idempotent=True)


def patch_deployment(conn: KubeConnection, namespace: str, name: str, patch: dict, *, dry_run: bool = False) -> None:
    """A merge patch of a deployment (e.g. an annotation set, or removed with None): it sets values, so it is
    sent again when the connection drops before the answer."""
    conn.http.request("PATCH", _deployment_path(namespace, name), query=[("dryRun", "All")] if dry_run else None,
                      body=patch, content_type="application/merge-patch+json", timeout=REQUEST_TIMEOUT,
                      idempotent=True)


def restore_deployment(conn: KubeConnection, namespace: str, name: str, *, replicas: int, record: str,
                       to: int | None, dry_run: bool = False) -> None:
    """A restore's one request (RFC 6902): only if the deployment is still at `replicas` with its record (the
    hubtui.io/original-replicas annotation) still `record`, the record is removed and, with `to`, the count set.
    The API server checks both against the deployment as it is when it writes, whatever else moved since (its
    status, as pods come and go); when either changed, it refuses (StaleRestore) and nothing is written."""
    path = "/metadata/annotations/" + ORIGINAL_REPLICAS_ANNOTATION.replace("~", "~0").replace("/", "~1")
    ops: list[dict] = [{"op": "test", "path": "/spec/replicas", "value": replicas},
                       {"op": "test", "path": path, "value": record},
                       {"op": "remove", "path": path}]
    if to is not None:
        ops.append({"op": "replace", "path": "/spec/replicas", "value": to})
    try:
        conn.http.request("PATCH", _deployment_path(namespace, name),
                          query=[("dryRun", "All")] if dry_run else None, body=ops,
                          content_type="application/json-patch+json", timeout=REQUEST_TIMEOUT, idempotent=True)
    except Exception as e:
        if getattr(e, "status", None) == 422 and not _invalid_causes(getattr(e, "body", "")):
            raise StaleRestore(name, resent=getattr(e, "resent", False)) from e  # a failed test says no more
        raise  # than "Invalid", with no cause


def _invalid_causes(body: object) -> list:
    """The causes a 422 Status names (a field the object would not be valid with); [] for none."""
    import json

    try:
        return list(((json.loads(body) if isinstance(body, str) and body else {}).get("details") or {}).get("causes")
                    or [])
    except (ValueError, AttributeError):
        return []


class StaleRestore(Exception):
    """The deployment's count or record is not what the restore read (it changed since; or, `resent`: this
    restore's first copy, whose answer was lost, made it): nothing was written by this request. A 422 without
    causes is what a failed test gives; the cause (`__cause__`) holds the server's answer. `fact` says it
    (kube/failures.py's RecordChanged), and str() words it (present/)."""

    status = 409

    def __init__(self, name: str, *, resent: bool = False):
        self.fact = RecordChanged(name)
        super().__init__(self.fact)
        self.resent = resent

    def __str__(self) -> str:
        return said(self.fact)


def _together(calls: list[Callable[[], object]]) -> list:
    """The calls at the same time (the first on this thread, so one call is no thread at all): each one's
    result, or the exception it raised, in the calls' order. Requests sent together cost one round trip."""
    results: list = [None] * len(calls)

    def run(i: int) -> None:
        try:
            results[i] = calls[i]()
        except Exception as e:  # noqa: BLE001 - the caller says it, on its own thread
            results[i] = e

    others = [threading.Thread(target=run, args=(i,), name=f"request {i}", daemon=True) for i in range(1, len(calls))]
    for thread in others:
        thread.start()
    run(0)
    for thread in others:
        thread.join()
    return results


def list_rows(conn: KubeConnection, namespace: str | None) -> list[DeploymentRow]:
    """One list of the namespace's deployments (no watch), the HPAs' list asked beside it; namespace None: of
    every namespace, the rows carrying their namespace."""
    import json

    qualified = namespace is None
    deps_call, hpas_call = _lists(conn, namespace)
    deps, hpas = _together([
        lambda: json.loads(deps_call(_preload_content=False, _request_timeout=REQUEST_TIMEOUT).data)["items"],
        lambda: json.loads(hpas_call(_preload_content=False, _request_timeout=REQUEST_TIMEOUT).data)["items"]])
    if isinstance(deps, Exception):
        raise describe_api_error(deps, ListingDeployments(namespace)) from None
    key = namespaced_key if qualified else name_key
    targets = hpa_targets({key(h): h for h in _hpas_or_none(hpas, namespace)}, qualified)
    rows = (row_from(d, targets.get(key(d)), qualified=qualified) for d in deps)
    return sorted(rows, key=lambda r: (r.namespace, r.name))


def _hpas_or_none(hpas: list | Exception, namespace: str | None) -> list:
    """The HPAs' list as read, or none when the user may not read HPAs (403: scaled without the HPA check);
    any other error raised in one line."""
    if isinstance(hpas, Exception):
        if getattr(hpas, "status", None) != 403:
            raise describe_api_error(hpas, ListingHpas(namespace)) from None
        return []
    return hpas


def get_rows(conn: KubeConnection, namespace: str, names: list[str], *,
             with_hpas: bool = True) -> list[DeploymentRow] | None:
    """The named deployments of one namespace, each read by itself and all at once (with the namespace's HPAs
    beside them when `with_hpas`): what a scale of a few named deployments reads, without the namespace's whole
    list. In the order of `names`. None when one of them is not there (404, or no such namespace): the caller
    lists the namespace, to say which is missing and what is close."""
    import json

    def get(name: str) -> Callable[[], dict]:
        return lambda: json.loads(conn.http.request("GET", _deployment_path(namespace, name),
                                                    timeout=REQUEST_TIMEOUT).data)

    def list_hpas() -> list:
        return json.loads(_lists(conn, namespace)[1](_request_timeout=REQUEST_TIMEOUT).data)["items"]

    unique = list(dict.fromkeys(names))
    read = _together([*(get(name) for name in unique), *([list_hpas] if with_hpas else [])])
    deps, hpa_list = dict(zip(unique, read)), (read[len(unique)] if with_hpas else [])
    for name, dep in deps.items():
        if isinstance(dep, Exception):
            if getattr(dep, "status", None) == 404:
                return None
            raise describe_api_error(dep, ReadingDeployment(name, namespace)) from None
    targets = hpa_targets({name_key(h): h for h in _hpas_or_none(hpa_list, namespace)})
    return [row_from(deps[name], targets.get(name)) for name in names]


def all_namespaces_refused(conn: KubeConnection) -> bool:
    """Whether the cluster-wide list of deployments is refused to this user (403). Other errors are left to the
    watch, which reports and retries them."""
    try:
        resp = Collection(conn.http, "apps/v1", "deployments")(limit=1)
        resp.drain_conn()
        resp.release_conn()
    except Exception as e:  # noqa: BLE001
        return getattr(e, "status", None) == 403
    return False


@frozen
class RowsChanged:
    """What a DeploymentStore reports: rows added or changed, names removed, and the connection state."""

    upserted: tuple[DeploymentRow, ...] = ()
    removed: tuple[str, ...] = ()
    synced: bool = False  # the store now matches the server (after a list)
    error: str | None = None  # the watch is broken (API unreachable, 403...); it keeps retrying
    error_kind: str = ""  # the error's kind (kube.client's UNAUTHORIZED, FORBIDDEN, UNREACHABLE, FAILED)
    hpa_error: str | None = None  # the HPAs cannot be read (e.g. 403): the rows work, the HPA column is empty


class DeploymentStore:
    """The namespace's deployments (and the HPAs that target them) kept live by two watches; namespace None:
    those of every namespace, keyed namespace/name (each row's `ref`).

    The watches keep stripped objects only (strip_deployment, strip_hpa). A deployment event recomputes the
    rows it names, nothing else; an HPA event or a relist recomputes all (both are rare).
    Listeners get RowsChanged on the watch threads; `rows` and `wait_for` are safe from any thread.
    """

    def __init__(self, conn: KubeConnection, namespace: str | None):
        self.namespace = namespace
        self.qualified = namespace is None
        key = namespaced_key if self.qualified else name_key
        self._key = key
        deps_call, hpas_call = _lists(conn, namespace)
        self._cond = threading.Condition()
        self._rows: dict[str, DeploymentRow] = {}
        self._targets: dict[str, HpaRange] = {}
        self._listeners: list[Callable[[RowsChanged], None]] = []
        self.error: str | None = None  # the deployments watch is broken (it keeps retrying)
        self.error_kind = ""  # its kind (WatchEvent.kind)
        self.hpa_error: str | None = None  # HPAs cannot be watched (e.g. 403): rows show no HPA
        self._deps = Watcher(deps_call, self._on_deployments, what=DeploymentsIn(namespace), key=key,
                             schema=DeploymentFields, transform=strip_deployment)
        self._hpas = Watcher(hpas_call, self._on_hpas, what=HpasIn(namespace), key=key,
                             schema=HpaFields, transform=strip_hpa)
        self._synced = {"deployments": False, "hpas": False}

    def subscribe(self, listener: Callable[[RowsChanged], None]) -> None:
        """Report every change to `listener` from now on; if the store has started already, it first gets
        what the store holds (all rows, and the state of the watch), so that it may start early."""
        with self._cond:
            self._listeners.append(listener)
            if self._rows or self._synced["deployments"] or self.error or self.hpa_error:
                listener(RowsChanged(tuple(sorted(self._rows.values(), key=lambda r: (r.namespace, r.name))),
                                     synced=self._synced["deployments"], error=self.error,
                                     error_kind=self.error_kind, hpa_error=self.hpa_error))

    def start(self) -> DeploymentStore:
        if self._deps.thread is None:
            self._hpas.start()
            self._deps.start()
        return self

    def stop(self) -> None:
        self._deps.stop()
        self._hpas.stop()

    @property
    def rows(self) -> list[DeploymentRow]:
        with self._cond:
            return sorted(self._rows.values(), key=lambda r: (r.namespace, r.name))

    def row(self, ref: str) -> DeploymentRow | None:
        """A row by its ref (its name; namespace/name in a store of every namespace)."""
        with self._cond:
            return self._rows.get(ref)

    def raw(self, ref: str) -> dict | None:
        """The deployment as the API last sent it, stripped (strip_deployment)."""
        return self._deps.get(ref)

    def notify(self) -> None:
        """Make wait_for() look again (when something it depends on besides deployments changed)."""
        with self._cond:
            self._cond.notify_all()

    @property
    def synced(self) -> bool:
        """The rows match the server (the HPA column may still be filling in)."""
        with self._cond:
            return self._synced["deployments"]

    def wait_for(self, predicate: Callable[[DeploymentStore], bool], timeout: float) -> bool:
        """Block until predicate(store) holds (checked on every change), or the timeout passes."""
        with self._cond:
            return self._cond.wait_for(lambda: predicate(self), timeout)

    # ----- watch callbacks (watcher threads) ------------------------------------------------
    def _on_deployments(self, events: list[WatchEvent]) -> None:
        self._update(events, "deployments")

    def _on_hpas(self, events: list[WatchEvent]) -> None:
        self._update(events, "hpas")

    def _row(self, key: str, obj: dict) -> DeploymentRow:
        return row_from(obj, self._targets.get(key), qualified=self.qualified)

    def _update(self, events: list[WatchEvent], source: str) -> None:
        """On a watcher thread. Listeners are called under the store's lock, so that changes reach them
        in the order they were made, whichever of the two watches saw them."""
        failed = next((e for e in events if e.type == ERROR), None)
        error = failed.error if failed is not None else None
        synced_now = any(e.type == SYNCED for e in events)
        with self._cond:
            if synced_now:
                self._synced[source] = True
            hpa_changed = False
            if source == "hpas":
                # Without the right to list HPAs the rows still work; the HPA column stays empty (and the
                # screen says why).
                before = self.hpa_error
                self.hpa_error = error if error else (None if self._synced["hpas"] else self.hpa_error)
                hpa_changed = self.hpa_error != before
                error = None
            elif error:
                self._synced["deployments"] = False
                self.error, self.error_kind = error, failed.kind if failed is not None else ""
            elif self._synced["deployments"]:
                self.error, self.error_kind = None, ""
            upserted: list[DeploymentRow] = []
            removed: list[str] = []
            if source == "hpas" or synced_now:
                # Rare (an HPA changed, or a full list): recompute every row, report those that differ.
                if source == "hpas":
                    self._targets = hpa_targets(self._hpas.snapshot(), self.qualified)
                fresh = {key: self._row(key, obj) for key, obj in self._deps.snapshot().items()}
                upserted = [r for key, r in sorted(fresh.items()) if self._rows.get(key) != r]
                removed = sorted(set(self._rows) - set(fresh))
                self._rows = fresh
            else:
                # A deployment event: only the rows it names (the last event of a key wins).
                latest: dict[str, dict | None] = {}
                for e in events:
                    if e.obj is not None and e.type != ERROR:
                        latest[self._key(e.obj)] = None if e.type == DELETED else e.obj
                for key, obj in latest.items():
                    if obj is None:
                        if self._rows.pop(key, None) is not None:
                            removed.append(key)
                        continue
                    row = self._row(key, obj)
                    if self._rows.get(key) != row:
                        self._rows[key] = row
                        upserted.append(row)
            change = RowsChanged(tuple(upserted), tuple(removed), synced=self._synced["deployments"],
                                 error=self.error, error_kind=self.error_kind, hpa_error=self.hpa_error)
            self._cond.notify_all()
            if upserted or removed or error or hpa_changed or synced_now:
                for listener in list(self._listeners):
                    listener(change)
