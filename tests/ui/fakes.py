"""In-memory row sources for UI unit tests (the behaviour is proven against the real cluster elsewhere)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from hubtui.kube.deployments import DeploymentRow, HpaRange
from hubtui.ui.screens.deployments import RowSource

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


def static_source(rows=HUB_ROWS) -> RowSource:
    return RowSource(title="context kwok-demo  ·  cluster kwok-demo  ·  namespace llm-analytics-hub",
                     load=lambda: list(rows), clock=lambda: NOW)
