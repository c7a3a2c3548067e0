"""An in-memory Backend for UI unit tests (the behaviour is proven against the real cluster elsewhere)."""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any
from datetime import datetime, timedelta, UTC

from hubtui.kube.deployments import DeploymentRow, HpaRange, RowsChanged
from hubtui.ops.scale import ScaleChange, WaitOutcome, hpa_warning, parse_replicas
from hubtui.ops.cleanup.journal import JournalState

if TYPE_CHECKING:
    from hubtui.ui.backend import Backend, ConnectSource

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)


def row(name, desired, ready=None, age_minutes=90, hpa=None, **kw) -> DeploymentRow:
    ready = desired if ready is None else ready
    return DeploymentRow(name=name, desired=desired, ready=ready, updated=kw.get("updated", ready),
                         available=kw.get("available", ready), replicas=kw.get("replicas", ready),
                         created=NOW - timedelta(minutes=age_minutes), generation=2, observed_generation=2,
                         hpa=hpa, original_replicas=kw.get("original"), namespace=kw.get("namespace", ""))


HUB_ROWS = [
    row("anomaly-detection", 1),
    row("api-server", 3, hpa=HpaRange("api-server", 2, 10), age_minutes=60 * 50),
    row("correlation-engine", 1),
    row("event-ingestion", 2, ready=1, available=1),
    row("forecasting", 1, age_minutes=5),
    row("metrics-aggregation", 1),
    row("scheduler", 1),
    row("worker-service", 2),
]


class FakeBackend:
    """Rows in memory; a change applies at once (desired = ready = n) and is streamed like a watch."""

    context = cluster = "kwok-demo"

    all_namespaces = False
    notice: str | None = None  # what ClusterBackend says when all namespaces fell back to one
    refuse_all_namespaces = False  # True: -A falls back to the namespace (no cluster-wide RBAC)

    def __init__(self, rows=HUB_ROWS, namespace="llm-analytics-hub"):
        self.namespace = namespace
        self._rows = {r.ref: r for r in rows}
        self.listener: Any = None
        self.calls: list[tuple] = []
        self.details: list = []  # the FakeDetail of every detail view opened
        self.stopped = False

    def now(self):
        return NOW

    readonly = None  # why read-only is on (None: off)
    production = False

    def production_context(self):
        return self.production

    def contexts(self):
        return ["kwok-demo", "kwok-prod"], self.context

    def for_context(self, context):
        self.stop()
        other = FakeBackend([row("billing-api", 2)])
        other.context = other.cluster = context
        other.production = "prod" in context
        return other

    def readonly_reason(self):
        return self.readonly

    def watch(self, listener):
        self.listener = listener
        listener(RowsChanged(upserted=tuple(self._rows.values()), synced=True))

    def push(self, *rows, error=None, hpa_error=None):
        """Simulate a watch event."""
        for r in rows:
            self._rows[r.ref] = r
        self.listener(RowsChanged(upserted=rows, synced=error is None, error=error, hpa_error=hpa_error))

    def remove(self, *refs):
        """Simulate deletions seen by the watch."""
        for ref in refs:
            self._rows.pop(ref, None)
        self.listener(RowsChanged(removed=refs, synced=True))

    def stop(self):
        self.stopped = True

    def rows(self):
        return sorted(self._rows.values(), key=lambda r: (r.namespace, r.name))

    def _set(self, names, n, emit, dry_run):
        out = []
        for name in names:
            r = self._rows[name]
            warning = hpa_warning(r, n)
            if warning:
                emit(warning)
            out.append(ScaleChange(name, r.desired, n, dry_run, warning))
            if not dry_run:
                original = r.original_replicas if r.original_replicas is not None or n else r.desired
                self.push(dataclasses.replace(r, desired=n, ready=n, updated=n, available=n, replicas=n,
                                              original_replicas=original))
        return out

    def scale(self, names, n, *, dry_run, emit=lambda e: None):
        self.calls.append(("scale", tuple(names), parse_replicas(n), dry_run))
        return self._set(names, n, emit, dry_run)

    def scale_all(self, n, *, dry_run, emit=lambda e: None):
        self.calls.append(("scale_all", parse_replicas(n), dry_run))
        return self._set(sorted(self._rows), n, emit, dry_run)

    def restore(self, *, force, dry_run, emit=lambda e: None):
        self.calls.append(("restore", force, dry_run))
        out = []
        for r in self.rows():
            if r.original_replicas is not None:
                out += self._set([r.ref], r.original_replicas, emit, dry_run)
                if not dry_run:
                    self.push(dataclasses.replace(self._rows[r.ref], original_replicas=None))
        return out

    not_ready: dict[str, str] | None = None  # a test's deployments that never become ready: name -> why

    wait_error = ""  # the wait fails with this (after the changes were made)

    def wait_ready(self, names, timeout=None, *, targets=None, cancel=None):
        self.calls.append(("wait", tuple(names)))
        if self.wait_error:
            from hubtui.errors import HubError

            raise HubError(self.wait_error)
        failing = {n: why for n, why in (self.not_ready or {}).items() if n in names}
        return WaitOutcome(tuple(n for n in names if n not in failing), failing, 0.0)

    def rollback(self, changes, *, emit=lambda e: None):
        made = [c for c in changes if c.ok and not c.dry_run and c.before != c.after]
        self.calls.append(("rollback", tuple(c.name for c in made)))
        out = []
        for c in made:
            out += self._set([c.name], c.before, emit, False)
        return out

    def detail(self, name, namespace=None):
        view = FakeDetail(self, name, namespace or self.namespace)
        self.details.append(view)
        return view

    def connect_candidates(self):
        from hubtui.ops.connect import PodChoice

        return {"timescaledb": PodChoice("timescaledb-0", "postgres", "Running", True),
                "redis": "no ready Redis pod in namespace llm-analytics-hub (candidates: redis-cluster-0 (Pending))",
                "kafka": PodChoice("kafka-0", "kafka", "Running", True)}

    def connect_plan(self, target, *, local=False):
        from hubtui.errors import HubError

        raise HubError(f"cannot plan {target}{' (local)' if local else ''} in a test")

    def namespaces(self):
        return ["default", "llm-analytics-hub", "monitoring"]

    def check_namespace(self, namespace):
        from hubtui.errors import HubError

        if namespace not in self.namespaces():
            raise HubError(f"namespace {namespace!r} not found in context {self.context}: nothing was changed")

    def for_namespace(self, namespace):
        return FakeBackend([row("prometheus", 1)], namespace=namespace)

    def for_all_namespaces(self, on):
        """Every namespace: the hub's rows and monitoring's, each carrying its namespace."""
        self.calls.append(("all_namespaces", on))
        if not on:
            return FakeBackend(namespace=self.namespace)
        if self.refuse_all_namespaces:
            other = FakeBackend(namespace=self.namespace)
            from hubtui.present.deployment import one_namespace_only

            other.notice = one_namespace_only(self.namespace)
            return other
        rows = [dataclasses.replace(r, namespace=self.namespace) for r in self._rows.values()]
        rows.append(row("prometheus", 1, namespace="monitoring"))
        other = FakeBackend(rows, namespace=self.namespace)
        other.all_namespaces = True
        return other

    # ----- the cleanup wizard, from memory -------------------------------------------------
    pending = None  # a JournalState to offer for resume
    cleanup_gate = None  # a threading.Event the fake run waits on after the drain (to test cancel)
    cleanup_error = ""  # raised part-way through the fake run

    def cleanup_port(self):
        return FakeCleanupPort(self)

    def cleanup_pending(self, environment):
        return self.pending

    def cleanup_discard(self, environment):
        self.calls.append(("discard", environment))
        self.pending = None

    def cleanup_load(self, plan_file):
        from hubtui.ops.cleanup.plan import CleanupOptions

        self.calls.append(("load", plan_file))
        if self.unreadable:
            from hubtui.errors import HubError

            raise HubError(self.unreadable)
        # saved with Force ticked back then: a resume must not skip the questions because of it
        return fake_plan("dev", CleanupOptions("dev", "k8s", "llm-analytics-hub", force=True))

    stale = None  # why a pending run cannot be resumed (None: it can)
    unreadable = ""  # why the pending run's saved plan cannot be read ("": it can)
    labelled = True  # the planned cluster's namespace says environment=<env>

    lock_holder = ""  # a run of the environment going on elsewhere (the refusal's text)

    def cleanup_stale(self, plan, pending):
        self.calls.append(("stale", plan.environment))
        return self.stale

    def cleanup_plan(self, opts):
        from pathlib import Path

        self.calls.append(("plan", opts))
        return (fake_plan(opts.environment, opts, labelled=self.labelled),
                Path(f"/state/hubtui/cleanup/{opts.environment}/plan-1234.json"))

    def cleanup_run(self, plan, plan_file, *, emit, cancel, allow_disable_deletion_protection, force):
        from hubtui.ops.cleanup.runner import RunSummary, StepOutcome
        from hubtui.present.steps import STEP_TITLES
        from hubtui.events import LogLine, Progress, StepDone, StepStarted
        from hubtui.facts import BackedUp, Drained, Listed, LocalCleaned, NamespacesDeleted, NamespacesTerminating, NotRun, StepError

        self.calls.append(("run", plan.environment, allow_disable_deletion_protection))
        self.calls.append(("force", force))
        summary = RunSummary(plan.environment, plan.hash)
        script: list[tuple[str, list[str], Drained | BackedUp]] = [("quiesce", ["llm-analytics-hub: 8 deployments (the writers) scaled to 0",
                               "llm-analytics-hub: deleted cronjob/metrics-rollup, job/db-migrate"],
                   Drained(1, stores=False)),
                  ("backup", ["backup: TimescaleDB saved to timescaledb-llm_analytics.dump (verified with "
                              "pg_restore: 3 tables with their data)", "backup: Redis saved to redis.rdb"],
                   BackedUp(2, "/state/hubtui/backups/dev/20261126T120000Z")),
                  ("drain", ["llm-analytics-hub: 11 deployments and statefulsets scaled to 0"],
                   Drained(1, stores=True))]
        for step, lines, fact in script:
            emit(StepStarted(step, STEP_TITLES[step]))
            for line in lines:
                emit(LogLine(line))
            emit(StepDone(step, said=(fact,)))
            summary.steps.append(StepOutcome(step, "done", (fact,)))
        emit(StepStarted("namespaces", "Delete namespaces"))
        emit(Progress("namespaces", 1, 4, (NamespacesTerminating(3),)))
        if self.cleanup_gate is not None:
            self.cleanup_gate.wait(10)
        if self.cleanup_error:
            from hubtui.errors import HubError

            raise HubError(self.cleanup_error)
        if cancel.is_set():
            summary.steps.append(StepOutcome("namespaces", "cancelled",
                                             (StepError("cancelled while waiting", cancelled=True),)))
            summary.steps.append(StepOutcome("local", "skipped", (NotRun(),)))
            return summary
        deleted = NamespacesDeleted(4, 4, 0)
        summary.steps.append(StepOutcome("namespaces", "done", (deleted,), deleted=[
            Listed("namespace llm-analytics-hub"), Listed("namespace monitoring")]))
        emit(StepDone("namespaces", said=(deleted,)))
        summary.steps.append(StepOutcome("local", "done", (LocalCleaned(0, (), False),)))
        return summary


class FakeLock:
    def __init__(self, backend, environment):
        self.backend, self.environment, self.held = backend, environment, False

    def acquire(self):
        if self.backend.lock_holder:
            from hubtui.errors import HubError

            raise HubError(self.backend.lock_holder)
        self.backend.calls.append(("lock", self.environment))
        self.held = True
        return self

    def release(self):
        if self.held:
            self.backend.calls.append(("unlock", self.environment))
        self.held = False


class FakeCleanupPort:
    """The cleanup session's port (hubtui.ops.cleanup.session.CleanupPort) on the fake backend's cleanup_*
    methods, which tests may replace."""

    def __init__(self, backend):
        self.b = backend

    def refuse_if_readonly(self, what, namespace):
        if self.b.readonly:
            from hubtui.ops.failures import ReadOnlyRefused
            from hubtui.readonly import ReadOnlyError

            raise ReadOnlyError(ReadOnlyRefused(self.b.readonly, what))

    def lock(self, environment):
        return FakeLock(self.b, environment)

    def probe_lease(self, environment):
        pass

    def pending(self, environment):
        return self.b.cleanup_pending(environment)

    def discard(self, environment):
        self.b.cleanup_discard(environment)

    def journal_path(self, environment):
        from pathlib import Path

        return Path(f"/state/hubtui/cleanup/{environment}/journal.jsonl")

    def load(self, plan_file):
        return self.b.cleanup_load(plan_file)

    def stale(self, plan, pending):
        return self.b.cleanup_stale(plan, pending)

    def plan(self, opts):
        return self.b.cleanup_plan(opts)

    def run(self, plan, plan_file, *, emit, cancel, allow_disable_deletion_protection, force, lock):
        assert lock is not None and lock.held, "a run holds the environment's lock"
        return self.b.cleanup_run(plan, plan_file, emit=emit, cancel=cancel,
                                  allow_disable_deletion_protection=allow_disable_deletion_protection, force=force)


def fake_plan(environment, opts=None, *, labelled=True):
    """A plan like the demo hub's, without a cluster (fixed time, so snapshots stay still). `labelled`: the
    hub's namespace carries environment=<env> (the evidence holds); otherwise nothing shows the cluster is
    the environment's."""
    from hubtui.cloud.base import CloudPlan, CloudResource
    from hubtui.facts import ProtectionOn, Unworded, VolumesGoWithNamespaces
    from hubtui.ops.cleanup.evidence import gather
    from hubtui.ops.cleanup.plan import CleanupOptions, NamespacePlan, Plan

    opts = opts or CleanupOptions(environment, "k8s", "llm-analytics-hub")
    main = NamespacePlan(opts.namespace, True, "main",
                         deployments=tuple((r.name, r.desired) for r in HUB_ROWS),
                         statefulsets=(("kafka", 1), ("redis-cluster", 1), ("timescaledb", 1)),
                         jobs=("db-migrate",), cronjobs=("metrics-rollup",),
                         pvcs=(("data-kafka-0", "10Gi"), ("data-redis-cluster-0", "2Gi"),
                               ("data-timescaledb-0", "20Gi")), pods=16, uid="0b1c-main")
    infra = tuple(NamespacePlan(n, True, "infrastructure", deployments=((n.split("-")[0], 1),), pods=1,
                                uid=f"0b1c-{n}")
                  for n in ("monitoring", "cert-manager", "ingress-nginx"))
    cloud = None
    risks: list = [VolumesGoWithNamespaces()]
    if opts.cloud:
        c = f"llm-analytics-hub-{environment}"
        cloud = CloudPlan(opts.provider, "AWS account 123456789012", "eu-west-1", (
            CloudResource("eks-nodegroup", f"{c}-workers", f"arn:ng/{c}", "name+tag", {"cluster": c}),
            CloudResource("eks-cluster", c, f"arn:eks/{c}", "name+tag"),
            CloudResource("rds-instance", f"{c}-postgres", f"arn:rds/{c}", "name", {"deletion_protection": True}),
        ), (ProtectionOn("aws", "rds-instance", f"{c}-postgres"),)).to_dict()
        risks.append(ProtectionOn("aws", "rds-instance", f"{c}-postgres"))
    public = {"environment": environment, "provider": opts.provider, "namespace": opts.namespace,
              "additional_namespaces": list(opts.additional_namespaces), "force": opts.force,
              "skip_backup": opts.skip_backup, "k8s_only": opts.k8s_only, "dry_run": opts.dry_run,
              "include_tag_matches": opts.include_tag_matches, "include_shared_infra": opts.include_shared_infra}
    evidence = gather(environment, namespace=opts.namespace, labels={"environment": environment} if labelled else {},
                      context="kwok-demo", cluster="kwok-demo", server="https://127.0.0.1:6443")
    if not labelled:
        risks.insert(0, Unworded("nothing shows that context kwok-demo (server https://127.0.0.1:6443) is environment "
                                 f"'{environment}''s cluster"))
    return Plan(environment, opts.provider, "kwok-demo", "kwok-demo", "https://127.0.0.1:6443", public,
                (main, *infra), tuple(risks), cloud,
                {"kubeconfig": [], "working_dir": f"/state/hubtui/cleanup/{environment}",
                 "kept": [f"/state/hubtui/backups/{environment}", "/state/hubtui/audit.jsonl"]},
                evidence.to_dict(), created="2026-11-26T12:00:00+00:00")


# ----- the deployment detail ----------------------------------------------------------------------------
def _ts(minutes_ago: float) -> str:
    return (NOW - timedelta(minutes=minutes_ago)).strftime("%Y-%m-%dT%H:%M:%S.000000Z")


def detail_snapshot(name="event-ingestion", desired=2, *, bad_image="registry.example.com/hub/ingest:typo",
                    events=None, synced=True, error=None):
    """A deployment with one ready pod and one in ImagePullBackOff, as kube/detail.py strips them."""
    from hubtui.kube.detail import DetailSnapshot

    uid = f"uid-{name}"
    dep = {"metadata": {"name": name, "uid": uid, "namespace": "llm-analytics-hub", "generation": 2,
                        "creationTimestamp": _ts(90), "annotations": {"deployment.kubernetes.io/revision": "2"}},
           "spec": {"replicas": desired, "selector": {"matchLabels": {"app": name}},
                    "containers": [{"name": "ingest", "image": bad_image}, {"name": "sidecar", "image": "envoy:1"}]},
           "status": {"observedGeneration": 2, "replicas": 2, "updatedReplicas": 2, "readyReplicas": 1,
                      "availableReplicas": 1, "conditions": [
                          {"type": "Available", "status": "False", "reason": "MinimumReplicasUnavailable",
                           "message": "Deployment does not have minimum availability."},
                          {"type": "Progressing", "status": "True", "reason": "ReplicaSetUpdated",
                           "message": f'ReplicaSet "{name}-7d9f" is progressing.'}]}}
    rs = {"metadata": {"name": f"{name}-7d9f", "uid": "rs-uid", "creationTimestamp": _ts(30), "revision": "2",
                       "ownerReferences": [{"uid": uid}]},
          "spec": {"replicas": 2, "images": [bad_image, "envoy:1"]},
          "status": {"replicas": 2, "readyReplicas": 1, "availableReplicas": 1}}

    def pod(suffix, ok):
        waiting = {"reason": "ImagePullBackOff", "message": f'Back-off pulling image "{bad_image}"'}
        return {"metadata": {"name": f"{name}-7d9f-{suffix}", "uid": f"pod-{suffix}", "creationTimestamp": _ts(30),
                             "ownerReferences": [{"uid": "rs-uid"}]},
                "spec": {"nodeName": "node-000000", "initContainers": [],
                         "containers": [{"name": "ingest", "image": bad_image, "readinessProbe": False},
                                        {"name": "sidecar", "image": "envoy:1", "readinessProbe": False}]},
                "status": {"phase": "Running" if ok else "Pending",
                           "conditions": [{"type": "Ready", "status": "True" if ok else "False"}],
                           "containerStatuses": [
                               {"name": "ingest", "image": bad_image, "ready": ok, "restartCount": 0,
                                "state": {"running": {}} if ok else {"waiting": waiting}},
                               {"name": "sidecar", "image": "envoy:1", "ready": True, "restartCount": 0,
                                "state": {"running": {}}}]}}

    if events is None:
        events = [
            {"uid": "e1", "type": "Normal", "reason": "Scheduled", "count": 1,
             "message": f"Successfully assigned llm-analytics-hub/{name}-7d9f-bbbbb to node-000000 (a message longer "
                        "than the table's room for it, read whole with Enter)",
             "time": _ts(30), "kind": "Pod", "object": f"{name}-7d9f-bbbbb", "object_uid": "pod-bbbbb"},
            {"uid": "e2", "type": "Warning", "reason": "Failed", "message": "Error: ImagePullBackOff", "count": 7,
             "time": _ts(1), "kind": "Pod", "object": f"{name}-7d9f-bbbbb", "object_uid": "pod-bbbbb"},
        ]
    return DetailSnapshot(name, "llm-analytics-hub", dep, (rs,), (pod("aaaaa", True), pod("bbbbb", False)),
                          tuple(events), synced, error)


class FakeLogStream:
    def __init__(self, pod, container, tail, on_lines, on_end):
        self.pod, self.container, self.tail, self.on_lines, self.on_end = pod, container, tail, on_lines, on_end
        self.stopped = False

    def stop(self):
        self.stopped = True


class FakeDetail:
    """The detail's watches in memory: start() sends detail_snapshot(); push() simulates a change."""

    def __init__(self, backend, name, namespace):
        self.backend, self.name, self.namespace = backend, name, namespace
        self.listener: Any = None
        self.stopped = False
        self.streams: list[FakeLogStream] = []
        self.threads = []

    def start(self, listener):
        from hubtui.errors import HubError

        if not any(r.name == self.name for r in self.backend._rows.values()):
            raise HubError(f"deployment {self.name} not found in namespace {self.namespace}")
        self.listener = listener
        listener(detail_snapshot(self.name))

    def push(self, snapshot):
        self.listener(snapshot)

    def logs(self, pod, container, *, tail, on_lines, on_end):
        stream = FakeLogStream(pod, container, tail, on_lines, on_end)
        self.streams.append(stream)
        return stream

    def stop(self):
        self.stopped = True
        for s in self.streams:
            s.stop()


def _conforms() -> Backend:
    """mypy (make lint) checks the fake against the Backend protocol: a method the screens may call and the fake
    lacks, or one whose parameters differ, fails the build."""
    return FakeBackend()


class StoresOnly:
    """A ConnectSource and nothing more: the connect screen needs only its part of the backend."""

    context, namespace = "kwok-small", "shop"

    def now(self) -> datetime:
        return NOW

    def readonly_reason(self) -> str | None:
        return None

    def connect_candidates(self) -> dict[str, Any]:
        return {"timescaledb": "no ready TimescaleDB pod in namespace shop", "redis": "no ready Redis pod",
                "kafka": "no ready Kafka pod"}

    def connect_plan(self, target: str, *, local: bool = False) -> Any:
        raise AssertionError("nothing is ready: no plan is asked for")


def _stores_only_conforms() -> ConnectSource:
    return StoresOnly()


def pending_run(started: str = "2026-11-26T11:00:00Z", *, drain_started: bool = False) -> JournalState:
    """The journal of an interrupted cleanup of 'dev': its backup done (and its drain begun, when asked)."""
    steps = {"backup": {"status": "done"}} | ({"drain": {"status": "started"}} if drain_started else {})
    return JournalState("a" * 64, "/state/hubtui/cleanup/dev/plan-aaaa.json", started, steps)
