"""The cleanup run's steps (hubtui.ops.cleanup.steps) and the cluster-wide objects served from a doomed namespace,
by the names the plan, the log and the summary give them. Light: a dry run's plan shows them."""

from __future__ import annotations

STEP_TITLES = {
    "quiesce": "Stop writers",
    "backup": "Backup",
    "drain": "Drain",
    "namespaces": "Delete namespaces",
    "cloud": "Cloud teardown",
    "local": "Local state",
}


def step_title(step: str) -> str:
    """A step's title; a step this hubtui does not know (an older journal's) by its own name."""
    return STEP_TITLES.get(step, step)


def served_label(kind: str, name: str) -> str:
    """A cluster-wide object served from a doomed namespace (a webhook configuration's kind, or "apiservice")."""
    return f"APIService {name}" if kind == "apiservice" else f"{kind} webhook configuration {name}"
