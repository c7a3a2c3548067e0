"""Run a confirmed cleanup plan step by step: backup, drain, delete namespaces, cloud teardown, local state.

Every step's outcome goes to the journal (for resume) and every action to the audit log (with the plan's
hash, the context and the identity). A failed step stops the run: the steps after it are skipped and the
summary says so; a later run of the same plan resumes at the failed step.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, UTC
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ...audit import AuditError, AuditLog, held
from ...errors import EXIT_FAILURE, HubError, Refused, said
from ...kube.client import KubeConnection
from ...paths import tilde
from ...settings import Settings
from ...events import Emit, Progress, StepDone, StepFailed, StepStarted, ignore, named
from ...facts import (ResourceEnded, AuditUnwritable, BackedUp, DoneBefore, BackupTakenAgain, CloudTally, Drained, ForcedRun, Item,
                      KubeconfigCleaned, ClusterQuiet, LeaseSkipped, Listed, LocalCleaned, NamespaceCreatedAgain,
                      NamespaceLeftAlone, NamespacesDeleted, NamespaceStuck, NothingToBackUp, NotRun, PodsDidNotGo,
                      PodsRemain, Said, StepError, StillDeleting, StoppedBefore, Stopping, Within, WorkingFilesKept, WritersStayDown,
                      from_dict)
from .journal import Journal, JournalState
from .plan import Plan, shared_since, working_dir
from .failures import StepTitle
from .steps import steps_for
if TYPE_CHECKING:
    from .cluster_lock import ClusterLease
    from .refusals import Stale


# step statuses in the summary
DONE, DONE_EARLIER, FAILED, SKIPPED, CANCELLED = "done", "done earlier", "failed", "skipped", "cancelled"


@dataclass
class StepOutcome:
    """What a step came to: its status, what it says (facts, worded by present/summary.py) and what it deleted,
    failed on and skipped (each one a fact too)."""
    step: str
    status: str
    said: tuple[Said, ...] = ()
    deleted: list[Item] = field(default_factory=list)
    failed: list[Item] = field(default_factory=list)
    skipped: list[Item] = field(default_factory=list)
    seconds: float | None = None  # how long the step ran in this run (None: it did not run now)
    data: dict = field(default_factory=dict)  # facts worth keeping at hand, e.g. the backup's folder

    @property
    def title(self) -> str:
        return said(StepTitle(self.step))



@dataclass
class RunSummary:
    environment: str
    plan_hash: str
    steps: list[StepOutcome] = field(default_factory=list)

    @property
    def result(self) -> str:
        """`completed` only when every planned step ran (now or in an earlier run); a run that stopped after
        any step, whether a step noticed the stop or not, is `cancelled`; a failure wins over both."""
        if any(s.status == FAILED or s.failed for s in self.steps):
            return "failed"
        if self.steps and all(s.status in (DONE, DONE_EARLIER) for s in self.steps):
            return "completed"
        return "cancelled"

    @property
    def finished_steps(self) -> list[StepOutcome]:
        return [s for s in self.steps if s.status in (DONE, DONE_EARLIER)]

    @property
    def unfinished_steps(self) -> list[StepOutcome]:
        return [s for s in self.steps if s.status not in (DONE, DONE_EARLIER)]

    @property
    def stopped_after(self) -> str:
        """The title of the last step that finished before the run stopped ('' when none did)."""
        first = self.unfinished_steps[0] if self.unfinished_steps else None
        before = [s for s in self.finished_steps if first is None or self.steps.index(s) < self.steps.index(first)]
        return before[-1].title if before else ""

    @property
    def ok(self) -> bool:
        return self.result == "completed"

    @property
    def backup_folder(self) -> str:
        """Where this cleanup's backup is, taken now or by the run it resumes ('' when none was taken)."""
        return next((s.data["folder"] for s in self.steps if s.data.get("folder")), "")

    @property
    def seconds(self) -> float:
        return sum(s.seconds or 0 for s in self.steps)

    def all_of(self, attr: str) -> list[Item]:
        return [item for s in self.steps for item in getattr(s, attr)]

    def deleted_namespace(self, name: str) -> bool:
        """Whether this run (or the one it resumes) deleted namespace `name`."""
        return any(isinstance(i, Listed) and i.label == f"namespace {name}" for i in self.all_of("deleted"))


class BoundAudit(AuditLog):
    """The audit log with the run's identity on every entry: context, cloud identity, plan hash, step."""

    def __init__(self, audit: AuditLog, **fields):
        super().__init__(audit.path.parent)
        self.fields = fields

    def bind(self, **more) -> BoundAudit:
        return BoundAudit(self, **(self.fields | more))

    def record(self, action: str, **fields) -> None:
        super().record(action, **(self.fields | fields))


def pending_run(state_dir: Path, environment: str) -> JournalState | None:
    """The interrupted run of this environment, if there is one to resume."""
    st = Journal(working_dir(state_dir, environment)).state()
    return st if st.resumable else None


def holds_cluster(resource) -> bool:
    """Whether a planned cloud resource is, or holds, a Kubernetes cluster: an EKS or GKE cluster, an Azure
    resource group with AKS clusters in it (one without is data only: no API server goes with it)."""
    if resource.kind == "resource-group":
        return bool(resource.details.get("aks_clusters"))
    return resource.kind in ("eks-cluster", "gke-cluster")


RESUME_MAX_AGE = Settings.resume_max_age  # seconds (config resume_max_age_hours): an older run is planned afresh


def _age(ts: str, now: datetime) -> float | None:
    try:
        then = datetime.fromisoformat(ts)
    except (TypeError, ValueError):
        return None
    if then.tzinfo is None:
        then = then.replace(tzinfo=UTC)
    return (now - then).total_seconds()


def resume_ages(pending: JournalState, now: datetime | None = None) -> tuple[float | None, float | None]:
    """(age of the interrupted run, age of its backup or None when it took none) in seconds."""
    now = now or datetime.now(UTC)
    backup = pending.steps.get("backup", {})
    return _age(pending.started, now), (_age(backup.get("ts", ""), now) if pending.done("backup") else None)


def stale_reason(plan: Plan, pending: JournalState, conn: KubeConnection, *, max_age: float = RESUME_MAX_AGE,
                 now: datetime | None = None) -> Stale | None:
    """Why an interrupted run must not be resumed (None: it may be). Too old, or a namespace of its plan
    created again since (the environment was redeployed: its backup and drain are out of date)."""
    from .kube_steps import NamespaceRecreated, check_namespace_uid
    from .refusals import Recreated, TooOld

    run_age, _ = resume_ages(pending, now)
    if run_age is None or run_age > max_age:
        return TooOld(run_age, max_age)
    for name, uid in plan.planned_uids.items():
        try:
            check_namespace_uid(conn, name, uid)
        except NamespaceRecreated as e:  # other errors (403, no answer) go up: they prove nothing stale
            return Recreated(e.namespace, e.uid, e.planned)
    return None


def options_differ(saved: Plan, opts) -> list[tuple[str, Any, Any]]:
    """What the options asked for now change against an interrupted run's saved plan, as (option, planned,
    asked now): such a run is not resumed with them (both faces refuse with the same words)."""
    def view(o) -> dict:
        return {"provider": o.provider, "namespace": o.namespace, "k8s-only": o.k8s_only,
                "skip-backup": o.skip_backup, "include-tag-matches": o.include_tag_matches,
                "include-shared-infra": o.include_shared_infra,
                "additional-namespaces": sorted(set(o.additional_namespaces) - {o.namespace})}

    asked, planned = view(opts), view(saved.opts)
    return [(k, planned[k], asked[k]) for k in asked if asked[k] != planned[k]]


class CleanupRun:
    """One execution (or resumption) of a confirmed plan. run() never raises for a step's failure: the
    summary says what happened. Set `cancel` from another thread to stop at the next safe point."""

    def __init__(self, plan: Plan, plan_file: Path, conn: KubeConnection, settings: Settings, *,
                 emit: Emit = ignore, cancel: threading.Event | None = None,
                 allow_disable_deletion_protection: bool = False, drain_timeout: float = 120,
                 namespace_timeout: float = 300, cloud_tuning: dict | None = None, force: bool | None = None,
                 lock=None):
        self.plan, self.plan_file, self.conn, self.settings = plan, Path(plan_file), conn, settings
        self.lock = lock  # the environment's lock when the caller holds it already (from before its questions)
        self.emit = emit
        self.cancel = cancel or threading.Event()
        self.allow_disable_deletion_protection = allow_disable_deletion_protection
        self.drain_timeout, self.namespace_timeout = drain_timeout, namespace_timeout
        self.cloud_tuning = cloud_tuning or {}
        self.force = plan.opts.force if force is None else force  # this invocation's, recorded in the audit
        self.journal = Journal(working_dir(settings.state_dir, plan.environment))
        cloud = plan.cloud_plan
        self.audit = BoundAudit(AuditLog(settings.state_dir), environment=plan.environment,
                                context=conn.context, identity=cloud.identity if cloud else "",
                                plan_hash=plan.hash)
        self.steps = steps_for(plan)
        self._counts: dict[str, tuple[int, int]] = {}  # step -> (done, total) where the runner counts itself
        self._lease: ClusterLease | None = None  # the cluster lock while the run holds it

    # ----- the run -----------------------------------------------------------------------
    def run(self) -> RunSummary:
        """The whole run, holding the environment's lock (one run per environment at a time)."""
        from .lock import EnvironmentLock

        from ..hubs import refuse_hub_if_readonly  # another context of a doomed hub may declare it read-only
        from .failures import Destroying

        refuse_hub_if_readonly(self.settings, self.conn.context, self.conn.server,
                               [ns.name for ns in self.plan.namespaces if ns.doomed],
                               Destroying(self.plan.environment))
        if self.lock is not None and self.lock.held:
            return self._run_leased()
        with EnvironmentLock(self.settings.state_dir, self.plan.environment):
            return self._run_leased()

    def _run_leased(self) -> RunSummary:
        """The run, holding the environment's lease on the cluster too (one run per environment, whichever
        machine runs it). A lease lost to another run stops this one at its next safe point."""
        from .cluster_lock import ClusterLease

        def lost(why: str) -> None:
            self.emit(Stopping(why))
            self.cancel.set()

        with ClusterLease(self.conn, self.plan.environment, on_lost=lost) as lease:
            self._lease = lease
            if lease.skipped:
                self.emit(LeaseSkipped(lease.skipped, self.plan.environment))
            return self._run()

    def _preflight(self) -> None:
        """Prove the target before touching it: the same cluster, the namespaces the plan saw."""
        from .kube_steps import check_namespace_uid

        self.plan.check_cluster(self.conn)
        for name, uid in self.plan.planned_uids.items():
            check_namespace_uid(self.conn, name, uid)

    def _run(self) -> RunSummary:
        self._preflight()
        self.audit.check()  # AuditError, one line: nothing was changed
        before = self.journal.state()
        resumed = before.plan_hash == self.plan.hash and before.resumable
        if before.plan_hash and before.plan_hash != self.plan.hash and before.resumable:
            from .refusals import PendingFirst

            raise Refused(PendingFirst(self.plan.environment, before.plan_hash), exit_code=EXIT_FAILURE)
        if not resumed:
            before = JournalState()
        else:
            before = self._resume_checks(before)
        self.journal.begin(self.plan.hash, str(self.plan_file), resumed=resumed)
        self.audit.record("cleanup-start", resumed=resumed, force=self.force,
                          options=self.plan.options, steps=self.steps)
        if self.force:
            self.emit(ForcedRun())
        summary = RunSummary(self.plan.environment, self.plan.hash)
        stop_reason: NotRun | None = None
        for step in self.steps:
            if stop_reason:
                summary.steps.append(StepOutcome(step, SKIPPED, (stop_reason,)))
                continue
            if before.done(step):
                entry = before.steps[step]
                # its data too: a backup taken earlier is still this cleanup's backup (its folder is offered)
                said = entry.get("said")
                said = tuple(from_dict(f) for f in said) if isinstance(said, list) else \
                    (from_dict(entry["detail"]),) if entry.get("detail") else ()  # an older hubtui's journal
                outcome = StepOutcome(step, DONE_EARLIER, said, data=dict(entry.get("data") or {}))
                summary.steps.append(outcome)
                self.emit(StepDone(step, said=(DoneBefore(), *outcome.said)))
                continue
            if self.cancel.is_set():
                stop_reason = NotRun(stopped=True)
                summary.steps.append(StepOutcome(step, SKIPPED, (stop_reason,)))
                continue
            outcome = self._run_step(step, before)
            summary.steps.append(outcome)
            if outcome.status == FAILED or outcome.failed:
                stop_reason = NotRun(failed_step=step)
                if step == "backup" and "quiesce" in self.steps:
                    outcome.said += (WritersStayDown(),)
            elif outcome.status == CANCELLED:
                stop_reason = NotRun()
        result = summary.result
        self.journal.end(result)
        end: dict[str, object] = {"result": result}
        if result == "cancelled":  # where it stopped, so that the audit log alone tells what is left
            end |= {"stopped_after": summary.stopped_after or "nothing",
                    "not_run": [s.step for s in summary.unfinished_steps]}
        try:
            self.audit.record("cleanup-end", **end)
        except AuditError as e:
            self.emit(AuditUnwritable(str(e)))
            if result == "completed":  # the journal stays: with no audit entry, it is the run's only record
                local = next(s for s in summary.steps if s.step == "local")
                local.said += (WorkingFilesKept(str(self.journal.folder), str(e), unaudited=True),)
            return summary
        if result == "completed":
            self._forget_working_files(summary)
        return summary

    def _resume_checks(self, before: JournalState) -> JournalState:
        """A resumed run: too old or recreated namespaces refuse it (checked again now, not only when the
        question was asked); its backup is kept only once the drain has begun (the stores may be down), and
        then only while its files are all there; before that, the writers are stopped and the backup taken
        again (the application may have written since). Once drained, it goes on only while nothing runs
        there again."""
        import copy

        from .failures import RunsAgain
        from .refusals import BackupGone, CannotResume, DrainUndone

        stale = stale_reason(self.plan, before, self.conn, max_age=self.settings.resume_max_age)
        if stale:
            raise Refused(CannotResume(self.plan.environment, stale), exit_code=EXIT_FAILURE)
        if not before.done("backup"):
            return before
        if "drain" not in before.steps:
            self.emit(BackupTakenAgain())
            redo = copy.deepcopy(before)
            for step in ("quiesce", "backup"):
                redo.steps.pop(step, None)
            return redo
        data = before.steps["backup"].get("data") or {}
        missing = [f for f in data.get("files", ()) if not Path(f).is_file() or Path(f).stat().st_size == 0]
        if data.get("folder") and not Path(data["folder"]).is_dir():
            missing = [data["folder"]]
        if missing:
            raise Refused(BackupGone(self.plan.environment, tuple(str(m) for m in missing)), exit_code=EXIT_FAILURE)
        if before.done("drain") and not before.done("namespaces"):
            # the drain holds no longer if something runs there again (`scale --restore`, a redeploy): what it
            # wrote since is in no backup, so the namespaces are not deleted on the old drain's word
            from .kube_steps import running_again

            running = [said(RunsAgain(ns.name, what)) for ns in self.plan.namespaces
                       if ns.doomed and not ns.infrastructure for what in running_again(self.conn, ns.name)]
            if running:
                raise Refused(DrainUndone(self.plan.environment, tuple(running)), exit_code=EXIT_FAILURE)
        return before

    def _run_step(self, step: str, before: JournalState) -> StepOutcome:
        self.emit(StepStarted(step, said(StepTitle(step))))
        self.journal.step(step, "started")
        audit = self.audit.bind(step=step)
        started = time.monotonic()
        try:
            if self.cancel.is_set():  # the stop came as the step began: it changes nothing
                outcome = StepOutcome(step, CANCELLED, (NotRun(stopped=True),))
            else:
                outcome = getattr(self, f"_step_{step}")(audit, before)
        except HubError as e:
            from .kube_steps import StepCancelled

            cancelled = isinstance(e, StepCancelled)
            outcome = StepOutcome(step, CANCELLED if cancelled else FAILED, (StepError(str(e), cancelled),))
        except Exception as e:  # noqa: BLE001 - a bug or an unexpected error is a failure, never a success
            outcome = StepOutcome(step, FAILED, (StepError(str(e), unexpected=type(e).__name__),))
        if outcome.status == DONE and outcome.failed:
            outcome.status = FAILED
        outcome.seconds = time.monotonic() - started
        saved = [named(f) for f in outcome.said]
        self.journal.step(step, outcome.status, saved, {"deleted": [named(i) for i in outcome.deleted],
                                                       "failed": [named(i) for i in outcome.failed], **outcome.data})
        try:
            audit.record("cleanup-step", outcome=outcome.status, said=saved)
        except AuditError as e:  # the step is journaled; an unaudited run goes no further
            outcome.status, outcome.said = FAILED, (StepError(str(e)),)
        if outcome.status == DONE:
            self.emit(StepDone(step, said=outcome.said))
        else:
            self.emit(StepFailed(step, outcome.status, said=outcome.said))  # cancelled or failed; said: why
        return outcome

    def _sub_emit(self, step: str) -> Emit:
        """Events of the operations a step runs: their progress counts for the step, their own start/done
        lines become log lines (the step list shows the runner's steps only)."""
        def emit(event) -> None:
            if isinstance(event, Progress) and step in self._counts:  # the step's own count (resources gone)
                self.emit(Progress(step, *self._counts[step], event.said))
            elif isinstance(event, Progress):
                self.emit(Progress(step, event.done, event.total, event.said))
            elif isinstance(event, StepDone) and event.step == step:
                pass  # the step's own done line follows from the runner
            elif isinstance(event, StepStarted | StepDone | StepFailed):
                self.emit(Within(event))
            else:
                self.emit(event)
        return emit

    # ----- the steps ---------------------------------------------------------------------
    def _main(self):
        return self.plan.namespaces[0]

    def _step_backup(self, audit: BoundAudit, before: JournalState) -> StepOutcome:
        from .backup import backup

        main = self._main()
        if not main.exists:
            return StepOutcome("backup", DONE, (NothingToBackUp(main.name),))
        result = backup(self.conn, self.settings, main.name, self.plan.environment, emit=self._sub_emit("backup"))
        audit.record("backup", folder=str(result.folder), files={k: str(v) for k, v in result.files.items()})
        return StepOutcome("backup", DONE, (BackedUp(len(result.files), str(result.folder)),),
                           data={"folder": str(result.folder), "files": [str(f) for f in result.files.values()]})

    def _step_quiesce(self, audit: BoundAudit, before: JournalState) -> StepOutcome:
        return self._drain_all("quiesce", audit, stores=False)

    def _step_drain(self, audit: BoundAudit, before: JournalState) -> StepOutcome:
        return self._drain_all("drain", audit, stores=True)

    def _drain_all(self, step: str, audit: BoundAudit, *, stores: bool) -> StepOutcome:
        """Drain the doomed namespaces (stores=False: stop their writers only). Pods left at the timeout, or a
        workload scaled back up meanwhile, fail the step: the run goes no further."""
        from .kube_steps import check_namespace_uid, drain

        targets = [ns for ns in self.plan.namespaces if ns.doomed and not ns.infrastructure]
        out = StepOutcome(step, DONE)
        for ns in targets:
            if not check_namespace_uid(self.conn, ns.name, ns.uid):  # gone since: nothing to drain
                continue
            result = drain(self.conn, ns.name, audit=audit, emit=self._sub_emit(step), timeout=self.drain_timeout,
                           cancel=self.cancel, stores=stores)
            if result.stragglers:
                out.failed.append(PodsRemain(ns.name, tuple(result.stragglers), self.drain_timeout))
        out.said = (PodsDidNotGo(),) if out.failed else (Drained(len(targets), stores),)
        return out

    def _step_namespaces(self, audit: BoundAudit, before: JournalState) -> StepOutcome:
        from .kube_steps import delete_namespaces

        uids = self.plan.planned_uids
        if not uids:
            return StepOutcome("namespaces", DONE, (NamespacesDeleted(0),))
        # Infrastructure that something staying has started to use since the plan is left alone: the step
        # fails naming it, and a new plan shows it as shared.
        kept = shared_since(self.conn, self.plan)
        for k in kept:
            uids = {n: u for n, u in uids.items() if n != k.namespace}
            self.emit(k)
        # APIServices served from the namespaces going go first: one left unavailable would keep every
        # namespace deletion of the cluster (these included) from finishing
        from .kube_steps import delete_webhooks

        early = [w for w in self.plan.webhooks if w["kind"] == "apiservice" and set(w["namespaces"]) <= set(uids)]
        early_done, early_failed, early_left = delete_webhooks(self.conn, early, audit=audit, cancel=self.cancel,
                                                               emit=self._sub_emit("namespaces"))
        result = delete_namespaces(self.conn, uids, audit=audit, emit=self._sub_emit("namespaces"),
                                   timeout=self.namespace_timeout, cancel=self.cancel)
        outcome = StepOutcome("namespaces", DONE, (NamespacesDeleted(
            len(uids), len(result.gone), len(result.absent), len(result.stuck), len(result.recreated),
            not_sent=len(result.not_sent), terminating=len(result.terminating)),),
            deleted=[Listed(f"namespace {n}") for n in result.gone])
        outcome.failed = [NamespaceLeftAlone(k.namespace, k.users, k.unchecked) for k in kept]
        outcome.failed += [NamespaceCreatedAgain(n) for n in result.recreated]
        outcome.failed += [NamespaceStuck(n, self.namespace_timeout, why) for n, why in result.stuck.items()]
        outcome.failed += [Listed(f"namespace {n}", why) for n, why in result.refused.items()]
        outcome.deleted += early_done
        outcome.failed += [Listed(label, why) for label, why in early_failed.items()]
        # a stop: what was not sent a delete is untouched, what was goes on in the cluster; both are named
        outcome.skipped = [Listed(label, said=(StoppedBefore("request"),)) for label in early_left]
        outcome.skipped += [Listed(f"namespace {n}", said=(StillDeleting("Kubernetes"),)) for n in result.terminating]
        outcome.skipped += [Listed(f"namespace {n}", said=(StoppedBefore("request"),)) for n in result.not_sent]
        gone = set(result.gone) | set(result.absent)
        webhooks = [w for w in self.plan.webhooks if set(w["namespaces"]) <= gone and w not in early]
        if webhooks:
            done, failed, left = delete_webhooks(self.conn, webhooks, audit=audit, cancel=self.cancel,
                                                 emit=self._sub_emit("namespaces"))
            outcome.deleted += done
            outcome.failed += [Listed(label, why) for label, why in failed.items()]
            outcome.skipped += [Listed(label, said=(StoppedBefore("request"),)) for label in left]
        if outcome.skipped and not outcome.failed:
            outcome.status = CANCELLED
        return outcome

    def _step_cloud(self, audit: BoundAudit, before: JournalState) -> StepOutcome:
        from ...cloud import base

        cloud = self.plan.cloud_plan
        going = self._cluster_going(cloud)
        if self._lease is not None and going == "yes":
            self._lease.let_go()  # the cluster itself is going: its API server going away is no lost lock
        total = len(cloud.resources)
        self._counts["cloud"] = (len(set(before.finished_resources) & {r.id for r in cloud.resources}), total)

        def record(o: base.ResourceOutcome) -> None:
            said = [named(f) for f in o.said]
            with held():  # the journal's line and the audit's together: a hard stop waits for both
                self.journal.resource(o.resource.id, o.resource.label(), o.outcome, said)
                try:
                    audit.record("cloud-delete", resource=o.resource.id, kind=o.resource.kind, outcome=o.outcome,
                                 said=said)
                except AuditError:
                    self.cancel.set()  # no deletion goes on unaudited: the parallel ones stop at their next check
                    raise
            done, _ = self._counts["cloud"]
            self._counts["cloud"] = (done + 1, total)
            self.emit(Progress("cloud", done + 1, total, (ResourceEnded(o.resource.label(), o.outcome),)))

        ctx = base.TeardownContext(emit=self._sub_emit("cloud"), record=record,
                                   finished=frozenset(before.finished_resources), cancel=self.cancel,
                                   allow_disable_deletion_protection=self.allow_disable_deletion_protection,
                                   **self.cloud_tuning)
        if self.allow_disable_deletion_protection:
            audit.record("allow-disable-deletion-protection")
        if self._lease is not None and going == "maybe":  # once one of them was sent a delete (ctx.changed)
            clusters = {r.id for r in cloud.resources if holds_cluster(r)}
            self._lease.may_go(lambda: bool(clusters & ctx.changed),
                               lambda: self.emit(ClusterQuiet(self.plan.environment)))
        try:
            outcomes = base.teardown(cloud, self.settings, ctx) if cloud.resources else []
        finally:
            if self._lease is not None:
                self._lease.may_go(None)
        out = StepOutcome("cloud", DONE)
        out.deleted = [Listed(r.label(), earlier=True) for r in cloud.resources if r.id in before.finished_resources]
        for o in outcomes:
            if o.resource.id in before.finished_resources:
                continue  # counted above
            if o.outcome == base.GONE:
                out.deleted.append(Listed(o.resource.label(), was_gone=True))
                continue
            item = Listed(o.resource.label(), said=o.said)
            {base.DELETED: out.deleted, base.FAILED: out.failed, base.SKIPPED: out.skipped}[o.outcome].append(item)
        out.said = (CloudTally(len(out.deleted), len(cloud.resources), len(out.failed), len(out.skipped)),)
        if self.cancel.is_set() and not out.failed and out.skipped:
            out.status = CANCELLED
        return out

    def _cluster_going(self, cloud) -> str | None:
        """Whether the cloud step deletes the cluster this run is connected to: "yes" (_deletes_this_cluster);
        "maybe" when it deletes clusters whose endpoints are not this connection's server (a proxy or another DNS
        name in front of one of them would look the same: a server that stops answering is then that cluster
        going, not another run taking the lock); None when it deletes no cluster."""
        if self._deletes_this_cluster(cloud):
            return "yes"
        return "maybe" if any(holds_cluster(r) for r in cloud.resources) else None

    def _deletes_this_cluster(self, cloud) -> bool:
        """Whether the cloud step deletes the cluster this run is connected to (its API server is among the
        planned clusters' endpoints): only then is the lease let go, else another run could take it meanwhile.
        A planned cluster whose endpoint is unknown counts as this one (its API server may go)."""
        from ...cloud.base import cluster_endpoints
        from ...urls import normalise_server

        clusters = [r for r in cloud.resources if holds_cluster(r)]
        if any(not (r.details.get("endpoint") or r.details.get("endpoints")) for r in clusters):
            return True
        return normalise_server(self.conn.server) in {normalise_server(e) for e in cluster_endpoints(cloud)}

    def _step_local(self, audit: BoundAudit, before: JournalState) -> StepOutcome:
        from .local_state import remove_kubeconfig_entries

        local = self.plan.local_plan
        copies_dir = Path(self.settings.state_dir) / "backups" / self.plan.environment / "kubeconfig"
        out = StepOutcome("local", DONE)
        for entries in local.kubeconfig:
            copy, removed = remove_kubeconfig_entries(entries, copies_dir)
            for item in removed:
                audit.record("remove-local", item=item, file=entries.file, copy=str(copy))
            out.deleted += [Listed(item) for item in removed]
            if removed:
                self.emit(KubeconfigCleaned(entries.file, len(removed), str(copy)))
        out.said = (LocalCleaned(len(out.deleted), tuple(str(k) for k in local.kept), bool(local.kubeconfig)),)
        return out

    def _forget_working_files(self, summary: RunSummary) -> None:
        """The run is complete: hubtui's working files for the environment (plans, journal) go; the audit
        log and the backups stay. A folder that will not go is said in the summary, not hidden."""
        from .local_state import remove_working_files

        local = next(s for s in summary.steps if s.step == "local")
        try:
            removed = remove_working_files(self.journal.folder)
        except OSError as e:
            self.emit(WorkingFilesKept(str(self.journal.folder), str(e.strerror)))
            local.said += (WorkingFilesKept(str(self.journal.folder), str(e.strerror)),)
            return
        local.deleted.append(Listed(f"working files {tilde(self.journal.folder)}"))
        try:
            self.audit.record("remove-local", item=f"working files {self.journal.folder}", files=removed)
        except AuditError as e:  # the run is complete and said so: the summary is not lost for the log
            self.emit(AuditUnwritable(str(e)))
