"""An in-memory Backend for UI unit tests (the behaviour is proven against the real cluster elsewhere)."""

from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta, timezone

from hubtui.kube.deployments import DeploymentRow, HpaRange, RowsChanged
from hubtui.ops.scale import ScaleChange, WaitOutcome, hpa_warning, parse_replicas
from hubtui.ops.events import LogLine

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=timezone.utc)


def row(name, desired, ready=None, age_minutes=90, hpa=None, **kw) -> DeploymentRow:
    ready = desired if ready is None else ready
    return DeploymentRow(name=name, desired=desired, ready=ready, updated=kw.get("updated", ready),
                         available=kw.get("available", ready), replicas=kw.get("replicas", ready),
                         created=NOW - timedelta(minutes=age_minutes), generation=2, observed_generation=2,
                         hpa=hpa, original_replicas=kw.get("original"))


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

    def __init__(self, rows=HUB_ROWS, namespace="llm-analytics-hub"):
        self.namespace = namespace
        self._rows = {r.name: r for r in rows}
        self.listener = None
        self.calls: list[tuple] = []
        self.stopped = False

    def now(self):
        return NOW

    def watch(self, listener):
        self.listener = listener
        listener(RowsChanged(upserted=tuple(self._rows.values()), synced=True))

    def push(self, *rows, error=None):
        """Simulate a watch event."""
        for r in rows:
            self._rows[r.name] = r
        self.listener(RowsChanged(upserted=rows, synced=error is None, error=error))

    def stop(self):
        self.stopped = True

    def rows(self):
        return sorted(self._rows.values(), key=lambda r: r.name)

    def _set(self, names, n, emit, dry_run):
        out = []
        for name in names:
            r = self._rows[name]
            warning = hpa_warning(r, n)
            if warning:
                emit(LogLine(warning, "warning"))
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
                out += self._set([r.name], r.original_replicas, emit, dry_run)
                if not dry_run:
                    self.push(dataclasses.replace(self._rows[r.name], original_replicas=None))
        return out

    def wait_ready(self, names, timeout=None, *, targets=None, cancel=None):
        self.calls.append(("wait", tuple(names)))
        return WaitOutcome(tuple(names), {}, 0.0)

    def connect_candidates(self):
        from hubtui.ops.connect import PodChoice

        return {"timescaledb": PodChoice("timescaledb-0", "postgres", "Running", True),
                "redis": "no ready Redis pod in namespace llm-analytics-hub (candidates: redis-cluster-0 (Pending))",
                "kafka": PodChoice("kafka-0", "kafka", "Running", True)}

    def connect_plan(self, target):
        from hubtui.errors import HubError

        raise HubError(f"cannot plan {target} in a test")

    def namespaces(self):
        return ["default", "llm-analytics-hub", "monitoring"]

    def for_namespace(self, namespace):
        self.stop()
        return FakeBackend([row("prometheus", 1)], namespace=namespace)
