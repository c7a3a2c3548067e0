"""Scaling: one deployment or all, through the scale subresource; maintenance (to 0 and back); waiting.

A scale to 0 records each running deployment's count in the annotation hubtui.io/original-replicas, in the
same request that scales it (one merge patch of the deployment: never at 0 without its record); one already at
0 keeps its record, so that a second scale to 0 cannot erase it. restore() sets each deployment back to its own
count and clears the annotation, again in one request each.

With all_namespaces, the engine works on every namespace: rows carry their namespace and are named
namespace/name (DeploymentRow.ref), and each change goes to the row's own namespace.

Many changes at once (scale --all on thousands) go through an AdaptiveLimiter: up to MAX_PARALLEL requests
in flight, fewer when the API server answers 429 (honouring Retry-After), more again as requests succeed;
Progress events (done/total, rate, ETA) report the way.
"""

from __future__ import annotations

import re
import threading
import time
from contextlib import nullcontext
from dataclasses import field, replace

from ..frozen import frozen
from ..audit import AuditError, AuditLog
from ..errors import HubError, UsageError, said
from ..kube.client import KubeConnection, describe_api_error
from ..kube.deployments import (MAX_REPLICAS, ORIGINAL_REPLICAS_ANNOTATION, DeploymentRow, DeploymentStore,
                                StaleRestore, get_rows, list_rows, patch_deployment, patch_scale, restore_deployment,
                                where)
from ..kube.pods import matches, pod_list_call, why_not_ready
from ..kube.watch import Watcher, name_key, namespaced_key
from ..kube.failures import PodsIn
from ..settings import Settings
from ..events import AtRecordedCount, Emit, HpaWillUndo, Pace, Progress, Ready, StepDone, StepFailed, StepStarted, ignore
from . import failures as f

MAX_PARALLEL = 16
MAX_NAMED_READS = 16  # up to this many named deployments are read one by one (at once); more: the namespace's list
MAX_ATTEMPTS = 8  # of one request answered 429 before it counts as failed
_KEEP = object()  # _scale_one's put_record: the record is left as it is
PROGRESS_EVERY = 0.25  # seconds between two Progress events of a bulk change


class TooManyRequests(Exception):
    """What the API server said when it answered 429 to every attempt."""


class AdaptiveLimiter:
    """How many requests may be in flight, adapted to the API server: a 429 halves the limit and pauses
    everyone for its Retry-After (or a growing backoff without one); every `grow_after` successes in a row
    add one back, up to `maximum`. Thread-safe; call() runs one request through it, retrying on 429."""

    def __init__(self, maximum: int = MAX_PARALLEL, *, grow_after: int = 8, backoff: float = 0.25,
                 backoff_max: float = 10.0, sleep=time.sleep, clock=time.monotonic):
        self.maximum = maximum
        self.limit = maximum
        self.in_flight = 0
        self.throttled = 0  # 429 answers seen
        self._grow_after, self._streak = grow_after, 0
        self._backoff, self._backoff_max, self._next_backoff = backoff, backoff_max, backoff
        self._paused_until = 0.0
        self._cond = threading.Condition()
        self._sleep, self._clock = sleep, clock

    def call(self, fn):
        for attempt in range(1, MAX_ATTEMPTS + 1):
            self._acquire()
            try:
                result = fn()
            except Exception as e:
                if getattr(e, "status", None) != 429:
                    self._release(ok=False)
                    raise
                self._release(ok=False)
                self._throttled(_retry_after(e))
                if attempt == MAX_ATTEMPTS:
                    raise
                continue
            self._release(ok=True)
            return result
        raise AssertionError("unreachable")

    def _acquire(self) -> None:
        with self._cond:
            while True:
                wait = self._paused_until - self._clock()
                if wait <= 0 and self.in_flight < self.limit:
                    self.in_flight += 1
                    return
                self._cond.wait(wait if wait > 0 else None)

    def _release(self, ok: bool) -> None:
        with self._cond:
            self.in_flight -= 1
            if ok:
                self._streak += 1
                self._next_backoff = self._backoff
                if self._streak >= self._grow_after and self.limit < self.maximum:
                    self.limit += 1
                    self._streak = 0
            else:
                self._streak = 0
            self._cond.notify_all()

    def _throttled(self, retry_after: float | None) -> None:
        with self._cond:
            self.throttled += 1
            self.limit = max(1, self.limit // 2)
            pause = retry_after if retry_after is not None else self._next_backoff
            self._next_backoff = min(self._next_backoff * 2, self._backoff_max)
            self._paused_until = max(self._paused_until, self._clock() + min(pause, self._backoff_max))
            self._cond.notify_all()


def _retry_after(exc: BaseException) -> float | None:
    """Retry-After in seconds from a 429 (the error's headers), or None."""
    headers = getattr(exc, "headers", None) or {}
    try:
        value = headers.get("Retry-After") or headers.get("retry-after")
        return max(0.0, float(value)) if value is not None else None
    except (TypeError, ValueError):
        return None


class _Progress:
    """done/total, rate and ETA of a bulk change, as Progress events at most every PROGRESS_EVERY seconds."""

    def __init__(self, emit: Emit, step: str, total: int):
        self.emit, self.step, self.total = emit, step, total
        self.done = 0
        self.started = time.monotonic()
        self._last = 0.0
        self._lock = threading.Lock()

    def tick(self) -> None:
        with self._lock:
            self.done += 1
            now = time.monotonic()
            if self.done < self.total and now - self._last < PROGRESS_EVERY:
                return
            self._last = now
            elapsed = max(now - self.started, 1e-6)
            rate = self.done / elapsed
            eta = (self.total - self.done) / rate if rate else 0.0
            event = Progress(self.step, self.done, self.total, (Pace(rate, eta),))
        self.emit(event)


def parse_replicas(value: object) -> int:
    """A replica count from a flag, a modal or the slider: a whole number from 0 to MAX_REPLICAS."""
    text = str(value).strip()
    if not re.fullmatch(r"[+-]?[0-9]+", text):  # ASCII digits only (\d also takes other scripts' digits)
        raise UsageError(f.ReplicasNotANumber(text, MAX_REPLICAS))
    n = int(text)
    if n < 0:
        raise UsageError(f.ReplicasNegative(n))
    if n > MAX_REPLICAS:
        raise UsageError(f.ReplicasTooMany(n, MAX_REPLICAS))
    return n


def hpa_warning(row: DeploymentRow, n: int) -> HpaWillUndo | None:
    """What an HPA will do to a manual scale to n: pause at 0, or scale it back into its range."""
    hpa = row.hpa
    if hpa is None or not (n == 0 or n < hpa.min_replicas or n > hpa.max_replicas):
        return None
    return HpaWillUndo(row.name, hpa.name, hpa.min_replicas, hpa.max_replicas, n)


@frozen
class ScaleChange:
    name: str
    before: int
    after: int
    dry_run: bool = False
    warning: HpaWillUndo | AtRecordedCount | None = None  # worded by present/events.py
    error: str | None = None
    # hubtui.io/original-replicas (before, after) when it set it; before is the text that was there when it was not
    # a valid count, so that a rollback puts back exactly what it replaced
    record: tuple[int | str | None, int | None] | None = None
    stopped: bool = False  # not sent: the operator stopped the run first (error says so)

    @property
    def ok(self) -> bool:
        return self.error is None


# a change that writes the record is sent on the version read; a 409 reads it again and, while its count and
# record are those it planned on (its controller only wrote its status: pods coming or going), sends it again
CONFLICT_TRIES = 10


def made_before(error: BaseException) -> tuple[ScaleChange, ...]:
    """The changes a scale had made when `error` stopped it (none: nothing was changed), so that no face reports
    the run as if nothing had changed. Nothing was rolled back."""
    return getattr(error, "scale_changes_made", ())


@frozen
class WaitOutcome:
    ready: tuple[str, ...]
    not_ready: dict[str, str] = field(default_factory=dict)  # name -> why
    seconds: float = 0.0
    pods: dict[str, tuple[dict, ...]] = field(default_factory=dict)  # name -> its pods (not ready ones): the
    # evidence present/detail.wait_reasons words as the detail view does
    deployments: dict[str, tuple[int, dict | None]] = field(default_factory=dict)  # name -> (desired, the
    # deployment as last seen): the reasons beyond its pods' (kube/pods.deployment_reasons)
    stopped: bool = False  # the wait was ended by a stop before its time was up (not a timeout)

    @property
    def ok(self) -> bool:
        return not self.not_ready


class ScaleEngine:
    """Scale a namespace's deployments. Every change goes to the audit log; dry-run changes nothing
    (the API server validates each change with dryRun=All)."""

    def __init__(self, conn: KubeConnection, settings: Settings, *, dry_run: bool = False, emit: Emit = ignore,
                 all_namespaces: bool = False, limiter: AdaptiveLimiter | None = None,
                 cancel: threading.Event | None = None):
        self.conn = conn
        self.settings = settings
        self.all_namespaces = all_namespaces
        self.namespace = None if all_namespaces else settings.namespace
        self.limiter = limiter or AdaptiveLimiter()
        self.dry_run = dry_run
        self.emit = emit
        self.audit = AuditLog(settings.state_dir)
        self._audit_error: AuditError | None = None  # once the log fails, no further change is made
        self.cancel = cancel  # set: no further change is sent (each one not sent says so)
        self.applied: list[ScaleChange] = []  # the changes the current call made so far (made_before)
        self._applied_lock = threading.Lock()

    # ----- reading and resolving -----------------------------------------------------------
    def rows(self, names: list[str] | None = None) -> list[DeploymentRow]:
        """The namespace's deployments; none at all in a namespace that does not exist is an error (a typo in
        -n reads as 'not found', as kubectl says it, never as 'nothing to do'). With `names`: only those, each
        read by itself (a few named deployments of a big namespace cost a GET each, not the whole list), or, when
        one of them is gone, the namespace's list."""
        if names and self.namespace is not None and len(set(names)) <= MAX_NAMED_READS:
            named = get_rows(self.conn, self.namespace, names, with_hpas=False)
            if named is not None:
                return named
        rows = list_rows(self.conn, self.namespace)
        if not rows and self.namespace and not self.all_namespaces:
            from ..kube.namespaces import check_namespace_exists

            check_namespace_exists(self.conn, self.namespace)
        return rows

    def resolve(self, names: list[str], rows: list[DeploymentRow]) -> list[DeploymentRow]:
        """The rows for `names`; an unknown name is a usage error that names the closest matches."""
        by_name = {r.ref: r for r in rows}
        out = []
        for name in names:
            if name not in by_name:
                import difflib  # only for a name that is not there

                close = difflib.get_close_matches(name, list(by_name), n=3, cutoff=0.5)
                raise UsageError(f.DeploymentNotFound(name, None if self.all_namespaces else self.namespace,
                                                      tuple(close), tuple(by_name)))
            out.append(by_name[name])
        return out

    # ----- scaling -------------------------------------------------------------------------
    def scale(self, names: list[str], replicas: object) -> list[ScaleChange]:
        n = parse_replicas(replicas)  # validate before touching anything
        rows = None
        if self.namespace is not None and len(set(names)) <= MAX_NAMED_READS:
            rows = get_rows(self.conn, self.namespace, names)  # a GET each, the HPAs' list beside them
        if rows is None:  # one is not there (or too many to read one by one): the list says which, and what is close
            rows = self.resolve(names, self.rows())
        return self._scale_rows(rows, n)

    def scale_all(self, replicas: object) -> list[ScaleChange]:
        n = parse_replicas(replicas)
        return self._scale_rows(self.rows(), n)

    def _scale_rows(self, rows: list[DeploymentRow], n: int) -> list[ScaleChange]:
        self._check_audit()
        if n == 0:  # maintenance: each count is recorded by the request that scales it to 0
            return self._parallel(rows, lambda row: self._scale_one(row, 0, action="scale", record=needs_record(row)))
        return self._parallel(rows, lambda row: self._scale_one(row, n, action="scale"))

    def _check_audit(self) -> None:
        """Before any change: read-only mode refuses it (a dry run changes nothing and stays allowed), and
        every change is audited: if the audit log cannot be written, change nothing (AuditError)."""
        if not self.dry_run:
            from .hubs import refuse_hub_if_readonly  # another context of the same hub may declare it read-only

            refuse_hub_if_readonly(self.settings, self.conn.context, self.conn.server,
                                   None if self.namespace is None else (self.namespace,), f.Scaling())
            self.audit.check()
            self._audit_error = None

    def _record(self, action: str, **fields) -> None:
        """Audit one change that was made. An AuditError passes through unchanged (it is never an API
        error), and stops the changes not yet sent (the parallel ones check before they call the API)."""
        try:
            self.audit.record(action, **fields)
        except AuditError as e:
            self._audit_error = e
            raise

    def _ns(self, row: DeploymentRow) -> str:
        namespace = row.namespace or self.namespace
        if not namespace:  # all namespaces: every row carries its own
            raise HubError(f.NoNamespace(row.name))
        return namespace

    def _api(self, fn, *args, **kw):
        """One request through the limiter (429 and Retry-After slow everyone down)."""
        return self.limiter.call(lambda: fn(*args, **kw))

    def _parallel(self, rows, fn, step: str = "scale") -> list[ScaleChange]:
        if not rows:
            return []
        with self._applied_lock:  # what this call makes (a rollback's own, apart from the changes it undoes)
            self.applied = []
        progress = _Progress(self.emit, step, len(rows))

        def one(row):
            try:
                return fn(row)
            finally:
                progress.tick()

        # The first change goes alone: what would fail every one of them (an audit log that cannot be written, a
        # webhook that refuses) is found on one deployment, not on the MAX_PARALLEL already sent beside it.
        try:
            first = one(rows[0])
            if len(rows) == 1:  # one deployment: no pool (nor the import of concurrent.futures and logging)
                return [first]
            from concurrent.futures import ThreadPoolExecutor

            with ThreadPoolExecutor(max_workers=min(MAX_PARALLEL, len(rows) - 1), thread_name_prefix="scale") as pool:
                return [first, *pool.map(one, rows[1:])]
        except BaseException as e:  # the error goes on as it is, carrying what was made before it (made_before)
            with self._applied_lock:
                e.scale_changes_made = tuple(self.applied)  # type: ignore[attr-defined]
            raise

    def _scale_one(self, row: DeploymentRow, n: int, *, action: str, record: bool = False,
                   clear: bool = False, put_record: object = _KEEP, tries: int = CONFLICT_TRIES,
                   step: str = "", planned_from: int | None = None) -> ScaleChange:
        """One deployment to n. record: the same request writes hubtui.io/original-replicas (its count now), so
        that no deployment is ever at 0 without the count to restore; clear: the same request removes it (a
        restore); put_record: the same request sets it to that count, or removes it for None (a rollback puts
        back the record the change set). A plain scale patches the scale subresource.

        A restore is one JSON patch that the API server carries out only while the count and the record are
        still those read (restore_deployment), whatever else moved since (its status, while pods come and go);
        else that deployment fails (an HPA or a person scaled it since: run it again). A maintenance or a
        rollback is a merge patch sent on the version of the deployment that was read: if it moved since, the
        API server refuses it (409) rather than record a stale count or overwrite a newer one. It is then read
        again (CONFLICT_TRIES in all, a short pause growing between them) and sent on what it is now."""
        touch = record or clear or put_record is not _KEEP
        new_record = row.desired if record else None if clear else put_record
        warning = hpa_warning(row, n)
        if not step:  # the first try (a try again after a conflict reports on the first's line)
            step = f"{row.ref} {row.desired}→{n}"
            self.emit(StepStarted(step, said(f.DryRun()) if self.dry_run else ""))
            if warning:
                self.emit(warning)
        if self._audit_error is not None:
            self.emit(StepFailed(step, said(f.NotSentNoAudit())))
            raise self._audit_error
        if self.cancel is not None and self.cancel.is_set():
            error = said(f.NotSentStopped())
            self.emit(StepFailed(step, error))
            return ScaleChange(row.ref, row.desired, n, self.dry_run, warning, error, stopped=True)
        where = dict(context=self.conn.context, cluster=self.conn.cluster, namespace=self._ns(row),
                     deployment=row.name, before=row.desired, after=n)
        failure: Exception | None = None
        answer_lost = False
        # a hard stop (a second Ctrl-C) before the change's audit line is written writes it, marked interrupted
        with nullcontext() if self.dry_run else self.audit.sending(action, **where) as sent:
            try:
                if action == "restore" and clear and row.record_text is not None:
                    # only if its count and record are still those read: checked by the API server as it
                    # writes, whatever else moved since (no version to conflict on while pods come and go)
                    self._api(restore_deployment, self.conn, self._ns(row), row.name, replicas=row.desired,
                              record=row.record_text, to=n, dry_run=self.dry_run)
                elif touch:
                    annotation = None if new_record is None else str(new_record)
                    meta: dict = {"annotations": {ORIGINAL_REPLICAS_ANNOTATION: annotation}}
                    if row.resource_version:
                        meta["resourceVersion"] = row.resource_version
                    self._api(patch_deployment, self.conn, self._ns(row), row.name,
                              {"metadata": meta, "spec": {"replicas": n}}, dry_run=self.dry_run)
                else:
                    self._api(patch_scale, self.conn, self._ns(row), row.name, n, dry_run=self.dry_run)
            except Exception as e:  # noqa: BLE001 - refused or not sent: nothing was changed, unless sent twice
                # sent again after its connection dropped, and then refused: the first copy may have been made
                # (its answer lost), and the second refused for that very reason (a test or a version that no
                # longer holds). What the deployment is now tells: this change's count and record, it was made
                resent = touch and getattr(e, "resent", False)
                if resent and self._shows(row, n, new_record) is True:
                    answer_lost = True
                else:
                    failure = e
                    if resent and not self.dry_run:  # not shown now, or not readable: it may still have been
                        self._record(action, **where, answer_lost=True, may_have_been_made=True)  # made
                    if sent is not None:
                        sent.settled()
            if failure is None:
                change = ScaleChange(row.ref, row.desired, n, self.dry_run, warning,
                                     record=(row.original_replicas if row.original_text is None else row.original_text,
                                             new_record) if touch else None)  # type: ignore[arg-type]
                if not self.dry_run:
                    with self._applied_lock:
                        self.applied.append(change)
                    kept = ({} if not touch else {"cleared_record": True} if new_record is None
                            else {"recorded": new_record})
                    try:
                        self._record(action, **where, **kept, **({"answer_lost": True} if answer_lost else {}))
                    except AuditError:
                        self.emit(StepFailed(step, said(f.DoneNoAudit())))
                        raise
        if failure is not None and touch and getattr(failure, "resent", False):  # no second try on what may be
            # this change's own doing
            error = said(f.AnswerLost(row.ref, n))
            self.emit(StepFailed(step, error))
            return ScaleChange(row.ref, row.desired, n, self.dry_run, warning, error)
        if failure is not None:
            moved = touch and getattr(failure, "status", None) == 409
            fresh = self._again_after_conflict(row, tries, planned=action == "restore") if moved else None
            if fresh is not None and isinstance(failure, StaleRestore) and self._unchanged(row, fresh):
                # refused, though what the restore tested still holds: not a change since (an admission
                # webhook, a policy): the server's own words, and no second try
                moved, fresh = False, None
                failure = failure.__cause__ if isinstance(failure.__cause__, Exception) else failure
            if fresh is not None:
                return self._scale_one(fresh, n, action=action, record=record and needs_record(fresh), clear=clear,
                                       put_record=put_record, tries=tries - 1, step=step,
                                       planned_from=row.desired if planned_from is None else planned_from)
            error = (said(f.ChangedSince(row.ref)) if moved
                     else str(describe_api_error(failure, f.ScalingDeployment(row.ref))))
            self.emit(StepFailed(step, error))
            return ScaleChange(row.ref, row.desired, n, self.dry_run, warning, error)
        # sent again after a conflict on a count that moved since the step's line was drawn: the line says so
        moved_since = said(f.SentOnCountNow(row.desired)) if planned_from not in (None, row.desired) else ""
        self.emit(StepDone(step, said(f.DryRunNothingChanged()) if self.dry_run else moved_since))
        return change

    def _shows(self, row: DeploymentRow, n: int, record: object) -> bool | None:
        """The deployment, read now, is at `n` with its record `record` (None: none): a change to that is made.
        None: it cannot be read (nobody can tell)."""
        fresh = self._read_again(row)
        if fresh is None:
            return None
        return fresh.desired == n and fresh.record_text == (None if record is None else str(record))

    @staticmethod
    def _unchanged(row: DeploymentRow, fresh: DeploymentRow) -> bool:
        """The count and the record a restore stands on are as they were read."""
        return (fresh.desired, fresh.record_text) == (row.desired, row.record_text)

    def _again_after_conflict(self, row: DeploymentRow, tries: int, *, planned: bool) -> DeploymentRow | None:
        """After a 409 on a patch sent on `row`'s version: the deployment as it is now, to send it again on (after
        a pause that grows with each try), or None: no try left, it cannot be read, or (`planned`: a restore)
        its count or record moved since, so it is not sent over them."""
        if tries <= 1:
            return None
        time.sleep(min(0.5, 0.02 * 2 ** (CONFLICT_TRIES - tries)))
        fresh = self._read_again(row)
        if fresh is not None and planned and (fresh.desired, fresh.original_text, fresh.original_replicas) != (
                row.desired, row.original_text, row.original_replicas):
            return None
        return fresh

    def _read_again(self, row: DeploymentRow) -> DeploymentRow | None:
        """The deployment as it is now (None: it cannot be read, or is gone)."""
        try:
            rows = get_rows(self.conn, self._ns(row), [row.name], with_hpas=False)
        except Exception:  # noqa: BLE001 - the change then fails with its own conflict
            return None
        if not rows:
            return None
        return replace(rows[0], hpa=row.hpa, namespace=row.namespace)  # its HPA as read with it

    # ----- maintenance restore -------------------------------------------------------------
    def restore(self, names: list[str] | None = None, *, force: bool = False) -> list[ScaleChange]:
        """Scale each deployment with a recorded count back to it and clear the record.

        A deployment that was scaled since (it is no longer at 0) is refused unless force. One whose record
        is not a valid count (parse_original_replicas) is an error, even with force: it is left as it is."""
        self._check_audit()
        rows = self.rows()
        chosen = self.resolve(names, rows) if names else [
            r for r in rows if r.original_replicas is not None or r.original_problem is not None]
        todo, at_count, refused = restore_plan(chosen, force=force)
        changes = [ScaleChange(row.ref, row.desired, row.original_replicas if row.original_replicas is not None
                               else row.desired, error=why) for row, why in refused]
        for row, why in refused:
            self.emit(StepFailed(f"restore {row.ref}", why))
        if force and todo and not self.dry_run:
            self._record("restore-force", context=self.conn.context, namespace=where(self.namespace),
                         deployments=[r.ref for r in todo])

        def restore_one(row: DeploymentRow) -> ScaleChange:
            assert row.original_replicas is not None  # todo holds only rows with a recorded count (above)
            return self._scale_one(row, row.original_replicas, action="restore", clear=True)  # one request

        def clear_record(row: DeploymentRow, tries: int = CONFLICT_TRIES) -> ScaleChange:
            """Already at its recorded count (an HPA, or someone, put it back): restored, its record cleared."""
            change = ScaleChange(row.ref, row.desired, row.desired, warning=AtRecordedCount(row.ref))
            if self.dry_run:
                return change
            where = dict(context=self.conn.context, namespace=self._ns(row), deployment=row.name)
            with self.audit.sending("clear-original-replicas", **where) as sent:
                try:  # only if its count and record are still those read: a record written since is not erased
                    self._api(restore_deployment, self.conn, self._ns(row), row.name, replicas=row.desired,
                              record=row.record_text or "", to=None)
                except Exception as e:  # noqa: BLE001
                    if getattr(e, "resent", False):  # its first copy's answer was lost
                        shown = self._shows(row, row.desired, None)
                        self._record("clear-original-replicas", **where, answer_lost=True,
                                     **({} if shown else {"may_have_been_made": True}))
                        if shown:  # the first copy cleared it
                            return change
                        error = said(f.AnswerLost(row.ref, row.desired))
                        self.emit(StepFailed(f"restore {row.ref}", error))
                        return ScaleChange(change.name, change.before, change.after, error=error)
                    sent.settled()
                    moved = getattr(e, "status", None) == 409
                    fresh = self._again_after_conflict(row, tries, planned=True) if moved else None
                    if fresh is not None and isinstance(e, StaleRestore) and self._unchanged(row, fresh):
                        moved, fresh = False, None  # refused for another reason: the server's own words
                        e = e.__cause__ if isinstance(e.__cause__, Exception) else e
                    if fresh is not None:
                        return clear_record(fresh, tries - 1)
                    error = said(f.ChangedSince(row.ref)) if moved else str(describe_api_error(
                        e, f.ClearingRecord(row.ref)))
                    self.emit(StepFailed(f"restore {row.ref}", error))
                    return ScaleChange(change.name, change.before, change.after, error=error)
                self._record("clear-original-replicas", **where)
            return change

        return (changes + [clear_record(r) for r in at_count] + self._parallel(todo, restore_one, "restore"))

    # ----- rollback ------------------------------------------------------------------------
    def rollback(self, changes: list[ScaleChange]) -> list[ScaleChange]:
        """Each change that was made goes back to the count it had, all of them: a scale that did not become
        ready is not left half-done. Each is audited as `rollback` (before: the count it was set to, after: the
        one it had), and the record of a count it set or cleared (a maintenance, a restore) goes back in the same
        request. A deployment deleted meanwhile is a failed rollback of its own, never skipped silently."""
        made = {c.name: c.before for c in changes if c.ok and not c.dry_run and c.before != c.after}
        if not made:
            return []
        records = {c.name: c.record[0] for c in changes if c.name in made and c.record is not None}
        self._check_audit()
        rows = {r.ref: r for r in self.rows()}
        gone = [ScaleChange(name, next(c.after for c in changes if c.name == name), before, False, None,
                            said(f.RollbackGone(name)))
                for name, before in made.items() if name not in rows]
        back = self._parallel([rows[name] for name in made if name in rows],
                              lambda row: self._scale_one(row, made[row.ref], action="rollback",
                                                          put_record=records.get(row.ref, _KEEP)), "rollback")
        return back + gone

    # ----- waiting -------------------------------------------------------------------------
    def wait_ready(self, names: list[str], timeout: float | None = None,
                   store: DeploymentStore | None = None, targets: dict[str, int] | None = None,
                   cancel: threading.Event | None = None) -> WaitOutcome:
        """Wait, by watch, until each deployment is settled (for 0: until its pods are gone).

        Settled: observedGeneration >= generation and updated = ready = available = desired.
        With targets, a deployment also has to show that desired count (so that a store that has not
        yet seen the change cannot pass for done). cancel ends the wait early (the app is closing)."""
        timeout = self.settings.scale_timeout if timeout is None else timeout
        started = time.monotonic()
        own_store = store is None
        store = store or DeploymentStore(self.conn, self.namespace).start()
        pod_errors: list[str] = []

        def on_pods(events) -> None:
            pod_errors.extend(e.error for e in events if getattr(e, "error", None))
            store.notify()

        pods = Watcher(pod_list_call(self.conn, self.namespace), on_pods, what=PodsIn(self.namespace),
                       key=namespaced_key if self.namespace is None else name_key).start()

        def pods_of(row: DeploymentRow, pod_list: list[dict]) -> list[dict]:
            return [p for p in pod_list if matches(p, row.selector)
                    and (not row.namespace or p["metadata"].get("namespace") == row.namespace)]
        total = len(names)
        last_done = [-1]

        def done_names(s: DeploymentStore) -> list[str]:
            out = []
            pod_list = list(pods.snapshot().values())
            for name in names:
                row = s.row(name)
                if row is None or not row.settled:
                    continue
                if targets and name in targets and row.desired != targets[name]:
                    continue
                if row.desired == 0 and (not pods.connected.is_set() or pods_of(row, pod_list)):
                    continue  # at 0 only once its pods are seen gone (never, if they cannot be read)
                out.append(name)
            return out

        def check(s: DeploymentStore) -> bool:
            if cancel is not None and cancel.is_set():
                return True
            if not (s.synced and pods.connected.is_set()):
                return False
            done = done_names(s)
            if len(done) != last_done[0]:
                last_done[0] = len(done)
                self.emit(Progress("wait", len(done), total, (Ready(),)))
            return len(done) == total

        try:
            deadline = time.monotonic() + timeout
            while not store.wait_for(check, min(0.5, max(0.0, deadline - time.monotonic()))):
                if time.monotonic() >= deadline:
                    break
            stopped = cancel is not None and cancel.is_set() and time.monotonic() < deadline
            ready = done_names(store) if store.synced else []
            not_ready, evidence, seen = {}, {}, {}
            for name in names:
                if name in ready:
                    continue
                row = store.row(name)
                if row is None:
                    not_ready[name] = (said(f.DeploymentGone()) if store.synced
                                       else store.error or said(f.NoAnswer()))
                    continue
                mine = pods_of(row, list(pods.snapshot().values()))
                if row.desired == 0 and not pods.connected.is_set():
                    not_ready[name] = said(f.PodsUnread(pod_errors[-1] if pod_errors else None))
                else:
                    not_ready[name] = why_not_ready(mine, row.desired, store.raw(name))
                evidence[name] = tuple(mine)
                seen[name] = (row.desired, store.raw(name))
        finally:
            pods.stop()
            if own_store:
                store.stop()
        outcome = WaitOutcome(tuple(ready), not_ready, time.monotonic() - started, evidence, seen,
                              stopped=stopped and bool(not_ready))
        for name, why in not_ready.items():
            self.emit(StepFailed(f"wait {name}", said(f.NotReadyWhenStopped(why) if stopped else
                                                      f.NotReadyAfter(timeout, why))))
        return outcome


def needs_record(row: DeploymentRow) -> bool:
    """Whether a scale to 0 writes the row's count to hubtui.io/original-replicas. A deployment already at 0 keeps
    its record (a second maintenance must not erase it); one that runs records its count now, replacing a record
    left from an older maintenance."""
    return row.desired > 0 and row.original_replicas != row.desired


def ensure_ok(changes: list[ScaleChange]) -> None:
    failed = [c for c in changes if not c.ok]
    if failed:
        raise HubError(f.ChangesFailed(tuple(f.ChangeFailed(c.name, c.error) for c in failed)))


def restore_plan(rows: list[DeploymentRow], *, force: bool) -> tuple[list[DeploymentRow], list[DeploymentRow],
                                                                    list[tuple[DeploymentRow, str]]]:
    """What a restore does with each row, said the same way in the TUI's question and by the engine: (scaled
    back to the recorded count, already at it (restored: the record is cleared), left alone with why)."""
    todo, at_count, refused = [], [], []
    for row in rows:
        if row.original_problem is not None:
            refused.append((row, said(f.RecordInvalid(row.ref, row.original_problem, row.desired))))
        elif row.original_replicas is None:
            refused.append((row, said(f.NoRecord(row.ref))))
        elif row.desired == row.original_replicas:
            at_count.append(row)
        elif row.desired != 0 and not force:
            refused.append((row, said(f.ChangedSinceMaintenance(row.ref, row.desired, row.original_replicas))))
        else:
            todo.append(row)
    return todo, at_count, refused
