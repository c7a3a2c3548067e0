"""The fleet: every environment's hub (a context of the kubeconfig and its hub namespace), live, side by side.

Each hub is watched on its own: one connection, one DeploymentStore (the store the deployments screen uses).
The hubs start concurrently, a bounded number at a time (an exec credential plugin runs while its hub
starts, with its own timeout). A hub that cannot be reached says why on its own view within the reach
timeout, delays no other, and is tried again with backoff. Once a hub is live its watch reconnects by itself;
a credential expired or revoked meanwhile shows on its view as the watch's error.

The versions: deployments × hubs, each cell the images and the ready count; a deployment whose images differ
between hubs is marked, and so are its odd cells.
"""

from __future__ import annotations

import dataclasses
import functools
import threading
import time
from collections import Counter
from collections.abc import Callable, Collection, Sequence
from concurrent.futures import ThreadPoolExecutor

from ..frozen import frozen
from ..config import context_pattern
from ..errors import HubError, said
from ..events import Emit, ignore
from ..kube.client import (FAILED, describe_api_error, FORBIDDEN, UNAUTHORIZED, UNREACHABLE, KubeConnection, connect, failure_kind, reach)
from ..kube.deployments import DeploymentRow, DeploymentStore, RowsChanged
from ..settings import Settings
from .cleanup.names import ENVIRONMENT_LABELS, named_environments, production_like
from ..kube.failures import ReadingNamespace
from . import failures as f
from .hubs import NOT_HUBS, Hub, choose_hubs, hub_key, hub_readonly, hub_settings, readonly_hubs, same_server

__all__ = ["NOT_HUBS", "Hub", "choose_hubs", "hub_key", "hub_settings", "readonly_hubs", "same_server"]  # theirs

CONNECTING, LIVE, NO_HUB = "connecting", "live", "no hub"
STATES = (CONNECTING, LIVE, UNREACHABLE, UNAUTHORIZED, FORBIDDEN, NO_HUB, FAILED)
REACH_TIMEOUT = 3.0  # seconds: a hub that cannot be reached says so within this
PARALLEL = 8  # hubs starting at once
BACKOFF = (1.0, 30.0)  # seconds: the first retry of a hub that failed to start, and the longest wait


def points_elsewhere(hub: Hub, server: str) -> f.PointsElsewhere | None:
    """Why a hub's context no longer reaches the cluster the fleet showed for it (the kubeconfig changed since),
    or None."""
    if hub.server and server and not same_server(hub.server, server):
        return f.PointsElsewhere(hub.context, server, hub.server)
    return None


def environment_of(hub: Hub, labels: dict[str, str] | None, production_contexts: Sequence[str]) -> tuple[str, str, bool]:
    """(environment, where it was read, production?) from the evidence the cleanup uses: the namespace's
    label, else a name holding `llm-analytics-hub-<env>`. Production when any fact says so: the environment,
    a label, or the context matching `production_contexts`."""
    environment, source = "", ""
    for label in ENVIRONMENT_LABELS:
        value = (labels or {}).get(label, "").strip().lower()
        if value:
            environment, source = value, f"label {label}"
            break
    if not environment:
        for text in (hub.namespace, hub.context, hub.server):
            found = named_environments(text)
            if found:
                environment, source = found[0], "name"
                break
    production = (production_like(environment) or context_pattern(hub.context, production_contexts) is not None
                  or any(production_like(v) for k, v in (labels or {}).items() if k in ENVIRONMENT_LABELS))
    return environment, source, production


@frozen
class HubView:
    """One hub as the fleet shows it, at one moment."""

    hub: Hub
    state: str = CONNECTING
    why: str = ""  # the state's reason (unreachable: why; a broken watch: its line)
    environment: str = ""
    environment_from: str = ""
    production: bool = False
    readonly: str | None = None  # why changes are refused on this hub (None: they are not)
    readonly_through: str = ""  # readonly comes from another context of the same hub (its reason in `readonly`)
    labels_read: bool = False  # its namespace's labels were read (unread: it may be production, not known)
    rows: tuple[DeploymentRow, ...] = ()
    synced: bool = False  # the rows match the server
    changed_at: float | None = None  # wall time of the last change seen (none yet: None)
    result: str = ""  # the last fleet action's outcome on this hub
    result_ok: bool = True

    @property
    def settled(self) -> bool:
        """Live and listed, or failed: nothing more comes of starting it."""
        return self.synced or self.state not in (CONNECTING, LIVE)

    @property
    def context(self) -> str:
        return self.hub.context

    @property
    def ready(self) -> int:
        return sum(1 for r in self.rows if r.settled)

    @property
    def not_ready(self) -> list[str]:
        return [r.name for r in self.rows if not r.settled]

    @property
    def in_maintenance(self) -> int:
        """Deployments carrying hubtui.io/original-replicas (a valid record or not)."""
        return sum(1 for r in self.rows if r.original_replicas is not None or r.original_problem is not None)

    @property
    def hpas(self) -> int:
        return sum(1 for r in self.rows if r.hpa is not None)

    def to_dict(self) -> dict:
        return {"context": self.context, "namespace": self.hub.namespace, "server": self.hub.server,
                "state": self.state, "why": self.why or None, "environment": self.environment or None,
                "environment_from": self.environment_from or None, "production": self.production,
                "readonly": self.readonly, "readonly_through": self.readonly_through or None,
                "deployments": len(self.rows), "ready": self.ready,
                "not_ready": self.not_ready, "in_maintenance": self.in_maintenance, "hpas": self.hpas,
                "last_change": self.changed_at}


class Fleet:
    """The hubs, each kept live on its own. Each of `listeners` (on_change first) gets every new HubView, on
    the hubs' threads, under the fleet's lock (so in the order the views were made: a listener must be quick
    and must not call back into the fleet)."""

    def __init__(self, settings: Settings, hubs: Sequence[Hub], on_change: Callable[[HubView], None] | None = None,
                 *, parallel: int = PARALLEL, reach_timeout: float = REACH_TIMEOUT,
                 backoff: tuple[float, float] = BACKOFF):
        self.settings = settings
        self.hubs = list(hubs)
        self.listeners: list[Callable[[HubView], None]] = [on_change] if on_change else []
        self.reach_timeout, self.backoff = reach_timeout, backoff
        self._lock = threading.Condition()
        self._views = {h.context: HubView(h) for h in self.hubs}
        self._conns: dict[str, KubeConnection] = {}
        self._stores: dict[str, DeploymentStore] = {}
        self._stop = threading.Event()
        self._gate = threading.BoundedSemaphore(max(1, parallel))
        self._threads: list[threading.Thread] = []
        self._readonly: dict[tuple[str, str], tuple[str, str]] | None = None  # readonly_hubs, read once

    def readonly_of(self, hub: Hub) -> tuple[str | None, str]:
        """(why changes are refused on the hub, the other context it comes from ('': its own)); None: they are
        not. Any thread: the kubeconfig's contexts are read once, off the UI thread."""
        found = self._readonly
        if found is None and self.settings.readonly_contexts:  # read outside the lock: the UI thread reads
            found = readonly_hubs(self.settings, self.hubs)  # the views under it
            with self._lock:
                self._readonly = self._readonly or found
        return hub_readonly(self.settings, hub, found or {})

    # ----- any thread ------------------------------------------------------------------------------------------
    def start(self) -> Fleet:
        """Each hub's thread, once (a second call does nothing)."""
        if self._threads:
            return self
        for hub in self.hubs:
            t = threading.Thread(target=self._run, args=(hub,), name=f"fleet {hub.context}", daemon=True)
            self._threads.append(t)
            t.start()
        return self

    def stop(self) -> None:
        """Stop every hub's watch and close its connection (joins threads: not on the UI thread)."""
        self._stop.set()
        with self._lock:
            stores, conns = list(self._stores.values()), list(self._conns.values())
            self._lock.notify_all()
        for store in stores:
            store.stop()
        for conn in conns:
            conn.close()

    def views(self) -> list[HubView]:
        with self._lock:
            return [self._views[h.context] for h in self.hubs]

    def view(self, context: str) -> HubView:
        with self._lock:
            return self._views[context]

    def connection(self, context: str) -> KubeConnection | None:
        with self._lock:
            return self._conns.get(context)

    def wait_settled(self, timeout: float) -> bool:
        """Block until every hub is live and listed, or has failed (the headless fleet's one look)."""
        with self._lock:
            return self._lock.wait_for(lambda: all(v.settled for v in self._views.values()), timeout)

    def set_result(self, context: str, text: str, ok: bool) -> None:
        self._update(context, result=text, result_ok=ok)

    # ----- the hubs' threads -----------------------------------------------------------------------------------
    def _update(self, context: str, **changes) -> None:
        with self._lock:  # listeners are told under the lock: in the order the views were made
            view = dataclasses.replace(self._views[context], **changes)
            self._views[context] = view
            self._lock.notify_all()
            for listener in list(self.listeners):
                listener(view)

    def _run(self, hub: Hub) -> None:
        delay = self.backoff[0]
        settings = hub_settings(self.settings, hub)
        while not self._stop.is_set():
            conn = None
            with self._gate:
                if self._stop.is_set():
                    return
                try:
                    conn = connect(settings)  # an exec plugin runs here, with its own timeout
                    elsewhere = points_elsewhere(hub, conn.server)
                    if elsewhere:
                        raise HubError(elsewhere)
                    reach(conn, self.reach_timeout)
                    from ..kube.namespaces import namespace_labels

                    labels = namespace_labels(conn, hub.namespace, self.reach_timeout)
                except Exception as e:  # noqa: BLE001 - said on the hub's row; tried again
                    if conn is not None:
                        conn.close()
                    if getattr(e, "status", None) == 404:
                        state, why = NO_HUB, said(f.HubNamespaceNotFound(hub.namespace))
                    else:
                        state, why = failure_kind(e)
                    self._update(hub.context, state=state, why=why, synced=False)
                    if self._stop.wait(delay):
                        return
                    delay = min(delay * 2, self.backoff[1])
                    continue
            environment, source, production = environment_of(hub, labels, self.settings.production_contexts)
            readonly, through = self.readonly_of(hub)
            store = DeploymentStore(conn, hub.namespace)
            with self._lock:
                if self._stop.is_set():
                    conn.close()
                    return
                self._conns[hub.context], self._stores[hub.context] = conn, store
            self._update(hub.context, environment=environment, environment_from=source, production=production,
                         labels_read=labels is not None, readonly=readonly, readonly_through=through, why="")
            store.subscribe(functools.partial(self._rows_changed, hub.context, store))
            store.start()
            return

    def _rows_changed(self, context: str, store: DeploymentStore, change: RowsChanged) -> None:
        """On the hub's watch thread."""
        before = self.view(context)
        changes: dict = {"rows": tuple(store.rows), "synced": change.synced}
        if change.error:
            changes.update(state=change.error_kind or FAILED, why=change.error, synced=False)
        elif change.synced:
            changes.update(state=LIVE, why="")
        if before.synced and (change.upserted or change.removed):
            changes["changed_at"] = time.time()
        self._update(context, **changes)


# ----- versions across the fleet -------------------------------------------------------------------------------
def short_image(image: str) -> str:
    """What tells two versions apart at a glance: the tag (`repo/api:1.4.2` -> `1.4.2`), a digest's first 12
    characters, or `latest` for an image named without either."""
    if "@" in image:
        digest = image.split("@", 1)[1]
        return digest.split(":", 1)[-1][:12]
    last = image.rsplit("/", 1)[-1]
    return last.rsplit(":", 1)[1] if ":" in last else "latest"


@frozen
class Cell:
    images: tuple[str, ...]
    ready: int
    desired: int

    @property
    def tags(self) -> str:
        return ",".join(dict.fromkeys(short_image(i) for i in self.images)) or "-"


@frozen
class VersionRow:
    deployment: str
    cells: dict[str, Cell | None]  # context -> the cell (None: the hub has no such deployment)
    differs: bool  # the images are not the same on every hub that was read
    odd: frozenset[str]  # the contexts whose cell differs from the reference

    def to_dict(self) -> dict:
        return {"deployment": self.deployment, "differs": self.differs, "odd": sorted(self.odd),
                "hubs": {ctx: None if c is None else {"images": list(c.images), "tags": c.tags, "ready": c.ready,
                                                       "desired": c.desired}
                         for ctx, c in self.cells.items()}}


def versions(views: Sequence[HubView]) -> list[VersionRow]:
    """Deployments × the hubs that were read (live and listed). The reference a cell is odd against: the
    first production hub's images, else the images most hubs run (a deployment a hub lacks counts as a
    difference: it answers "what is in staging that prod does not run yet")."""
    read = [v for v in views if v.synced]
    names = sorted({r.name for v in read for r in v.rows})
    by_hub = {v.context: {r.name: r for r in v.rows} for v in read}
    out = []
    for name in names:
        cells: dict[str, Cell | None] = {}
        for v in read:
            r = by_hub[v.context].get(name)
            cells[v.context] = None if r is None else Cell(r.images, r.ready, r.desired)
        values = {ctx: (None if c is None else c.images) for ctx, c in cells.items()}
        reference_hub = next((v.context for v in read if v.production and values[v.context] is not None), None)
        if reference_hub is not None:
            reference = values[reference_hub]
        else:
            reference = Counter(values.values()).most_common(1)[0][0]
        differs = len(set(values.values())) > 1
        odd = frozenset(ctx for ctx, val in values.items() if differs and val != reference)
        out.append(VersionRow(name, cells, differs, odd))
    return out


# ----- maintenance across hubs ---------------------------------------------------------------------------------
MAINTENANCE, RESTORE = "maintenance", "restore"
ACT_PARALLEL = 4  # hubs changed at once


# what came of a hub in act_on_hubs (HubResult.outcome); present/fleet.py words it
NOT_STARTED, REFUSED, HUB_FAILED, NOT_READY, DONE = "not started", "refused", "failed", "not ready", "done"
STOPPED = "stopped"  # changed, then stopped (Ctrl-C) while waiting for readiness: not known to be ready, not rolled back
SAME_HUB = "same hub"  # another context of the action reaches the same server and namespace: acted on there, once
# why a hub was refused (HubResult.refused)
READ_ONLY, NOT_A_HUB, UNCONFIRMED, MAYBE_PRODUCTION = "read-only", "not a hub", "production", "maybe production"


@frozen
class HubResult:
    """What came of one hub: its outcome, and the facts behind it. `why`: a refusal's read-only reason, or the
    error that kept the hub from being changed; `changes` (ScaleChanges: a failed one carries its error);
    `not_ready`: after a wait, each deployment not ready and why (None: no wait), within `wait` seconds, or all
    ready in `seconds`; `rolled_back`: the changes that put them back."""
    context: str
    namespace: str
    ok: bool
    outcome: str
    why: str = ""
    refused: str = ""  # REFUSED: READ_ONLY (why: the reason), NOT_A_HUB, UNCONFIRMED or MAYBE_PRODUCTION
    of_first: str = ""  # SAME_HUB: the outcome of the context it was acted on through (why: that context)
    through: str = ""  # READ_ONLY: the other context of the same hub that is read-only (why: its reason)
    changes: tuple = ()
    not_ready: dict[str, str] | None = None
    rolled_back: tuple = ()
    dry_run: bool = False
    wait: float | None = None
    seconds: float | None = None
    pods: dict[str, tuple[dict, ...]] | None = None  # the not-ready ones' pods (present/detail.wait_reasons)
    deployments: dict[str, tuple[int, dict | None]] | None = None  # and their (desired, deployment)


def act_on_hubs(settings: Settings, hubs: Sequence[Hub], action: str, *, replicas: int = 0, force: bool = False,
                dry_run: bool = False, wait: float | None = None, rollback: bool = False,
                confirmed: Collection[str] = (), emit_for: Callable[[Hub], Emit] | None = None,
                cancel: threading.Event | None = None, on_result: Callable[[HubResult], None] | None = None,
                connections: Callable[[str], KubeConnection | None] | None = None,
                parallel: int | None = None) -> list[HubResult]:
    """Scale every deployment of each hub to `replicas` (MAINTENANCE with 0 records each count first, as
    the deployments screen does), or RESTORE each recorded count: hub by hub, a few at a time. A read-only hub
    is refused on its own; one hub's failure never stops another's; `cancel` stops starting new hubs (those
    are reported as not started). Each change is audited with its context by the scale engine.
    A production hub is changed only when its context is among `confirmed` (its name typed, or given): whether it
    is production is read from its namespace's labels as it is changed, not from an earlier look; a hub whose
    labels cannot be read may be production and needs the same. A dry run changes nothing and needs neither.
    Two contexts that reach the same server and namespace are one hub, acted on once, through the first (or
    the first whose name is in `confirmed`): the other is SAME_HUB (why: that context; of_first: its outcome),
    never audited twice.
    `wait`: seconds to wait, on each hub, until what changed is ready (a hub whose deployments are not ready
    by then has failed, with each one's reason); `rollback`: such a hub's changes are then put back, each to the
    count it had; `emit_for(hub)`: that hub's Emit for the engine's events."""
    from .scale import ScaleEngine, made_before

    cancel = cancel or threading.Event()
    report = on_result or (lambda result: None)
    seen: dict[tuple[str, str], str] = {}  # a hub (server, namespace) -> the context it is acted on through
    for hub in hubs:  # a context whose name was confirmed is the one that acts (the confirmation was for it)
        if hub.server:
            key = hub_key(hub)
            if key not in seen or (hub.context in confirmed and seen[key] not in confirmed):
                seen[key] = hub.context
    firsts: dict[Hub, str] = {}  # a hub that another context of the action reaches already -> that context
    for hub in hubs:
        if hub.server:
            first = seen[hub_key(hub)]
            if first != hub.context:
                firsts[hub] = first

    # a hub that one of its contexts declares read-only is read-only through all of them: `readonly_contexts`
    # protects the hub, not one name for it
    readonly_through = readonly_hubs(settings, hubs) if not dry_run else {}

    results: dict[str, HubResult] = {}
    ended = {context: threading.Event() for context in seen.values()}

    def one(hub: Hub) -> HubResult:
        try:
            results[hub.context] = _act(hub)
            return results[hub.context]
        finally:
            if hub.context in ended:  # the contexts that reach the same hub wait for this
                ended[hub.context].set()

    def _act(hub: Hub) -> HubResult:
        if cancel.is_set():
            result = HubResult(hub.context, hub.namespace, False, NOT_STARTED)
            report(result)
            return result
        s = hub_settings(settings, hub)
        refused = ""
        why, through = hub_readonly(settings, hub, readonly_through) if not dry_run else (None, "")
        if why:
            refused = READ_ONLY
        elif hub.namespace_from == "context" and hub.namespace in NOT_HUBS:
            refused, why = NOT_A_HUB, ""
        if refused:
            result = HubResult(hub.context, hub.namespace, False, REFUSED, why or "", refused, through=through)
            report(result)
            return result
        first = firsts.get(hub)
        if first is not None:  # the first context's hub: its result, once it has one (it was started before this)
            ended[first].wait()
            done = results.get(first)
            result = HubResult(hub.context, hub.namespace, done is not None and done.ok, SAME_HUB, first,
                               of_first=done.outcome if done is not None else HUB_FAILED)
            report(result)
            return result
        conn = connections(hub.context) if connections else None
        own = conn is None
        changes: list = []  # the changes made, once known: an error in the wait or the rollback keeps them
        try:
            if conn is None:
                conn = connect(s)
            elsewhere = points_elsewhere(hub, conn.server)
            if elsewhere:
                raise HubError(elsewhere)
            if not dry_run:
                from ..kube.namespaces import namespace_labels

                try:
                    labels = namespace_labels(conn, hub.namespace)
                except Exception as e:  # noqa: BLE001 - one line, on the hub's own row
                    raise describe_api_error(e, ReadingNamespace(hub.namespace)) from None
                production = environment_of(hub, labels, settings.production_contexts)[2]
                if (production or labels is None) and hub.context not in confirmed:
                    result = HubResult(hub.context, hub.namespace, False, REFUSED, "",
                                       UNCONFIRMED if production else MAYBE_PRODUCTION)
                    report(result)
                    return result
            engine = ScaleEngine(conn, s, dry_run=dry_run, emit=emit_for(hub) if emit_for else ignore)
            changes = engine.restore(force=force) if action == RESTORE else engine.scale_all(replicas)
            failed = [c for c in changes if not c.ok]
            moved = {c.name: c.after for c in changes if c.ok and c.before != c.after}
            outcome = None
            rolled: tuple = ()
            if wait is not None and moved and not dry_run and not failed:
                outcome = engine.wait_ready(list(moved), wait, targets=moved, cancel=cancel)
            if failed:
                kind = HUB_FAILED
            elif outcome is not None and not outcome.ok and outcome.stopped:
                kind = STOPPED  # the operator stopped the wait: nothing is known to have failed, nothing rolled back
            elif outcome is not None and not outcome.ok:
                kind = NOT_READY
                if rollback:
                    rolled = tuple(engine.rollback(changes))
            else:
                kind = DONE
            result = HubResult(hub.context, hub.namespace, kind == DONE, kind, changes=tuple(changes),
                               not_ready=None if outcome is None else dict(outcome.not_ready), rolled_back=rolled,
                               dry_run=dry_run, wait=wait, seconds=None if outcome is None else outcome.seconds,
                               pods=None if outcome is None else outcome.pods,
                               deployments=None if outcome is None else outcome.deployments)
        except Exception as e:  # noqa: BLE001 - one hub's failure is its own row's, with what it changed before
            result = HubResult(hub.context, hub.namespace, False, HUB_FAILED, str(e),
                               changes=tuple(changes) or made_before(e),
                               rolled_back=made_before(e) if changes else ())
        finally:
            if own and conn is not None:
                conn.close()
        report(result)
        return result

    workers = max(1, min(parallel or ACT_PARALLEL, len(hubs)))
    ordered = [h for h in hubs if h not in firsts] + [h for h in hubs if h in firsts]  # each first before its others
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="fleet act") as pool:
        by_context = {r.context: r for r in pool.map(one, ordered)}
    return [by_context[h.context] for h in hubs]
