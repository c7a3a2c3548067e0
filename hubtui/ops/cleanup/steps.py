"""The run's steps in order (their titles are present/steps.py's). Light on purpose: a plan's face (a dry run)
shows them without importing the run's modules (runner, kube_steps)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .plan import Plan

def steps_for(plan: Plan) -> list[str]:
    """The run's steps in order. With a backup, the application's writers stop first (deployments, jobs and
    cronjobs scaled down or deleted, their pods gone), so that the stores are saved quiet; the stores are
    drained after the backup."""
    steps = [] if plan.opts.skip_backup else ["quiesce", "backup"]
    steps += ["drain", "namespaces"]
    if plan.cloud is not None:
        steps.append("cloud")
    return steps + ["local"]

