"""The run's steps in order and their titles, and the name a served object goes by in the plan and the log.
Light on purpose: a plan's face (a dry run) shows them without importing the run's modules (runner,
kube_steps)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .plan import Plan

STEP_TITLES = {
    "quiesce": "Stop writers",
    "backup": "Backup",
    "drain": "Drain",
    "namespaces": "Delete namespaces",
    "cloud": "Cloud teardown",
    "local": "Local state",
}


def steps_for(plan: Plan) -> list[str]:
    """The run's steps in order. With a backup, the application's writers stop first (deployments, jobs and
    cronjobs scaled down or deleted, their pods gone), so that the stores are saved quiet; the stores are
    drained after the backup."""
    steps = [] if plan.opts.skip_backup else ["quiesce", "backup"]
    steps += ["drain", "namespaces"]
    if plan.cloud is not None:
        steps.append("cloud")
    return steps + ["local"]


def served_label(w: dict) -> str:
    """A cluster-wide object served from a doomed namespace, as the plan and the log name it."""
    return f"APIService {w['name']}" if w["kind"] == "apiservice" else f"{w['kind']} webhook configuration {w['name']}"
