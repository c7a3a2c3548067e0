"""A deployment's status in words, once, for both faces: `hubtui scale` prints it, the deployments screen shows it
in its Status column (coloured by tone), and the two can never disagree about the same deployment."""

from __future__ import annotations

from ..kube.deployments import DeploymentRow
from .tones import ERROR, MUTED, SUCCESS, WARNING


def deployment_status(row: DeploymentRow) -> tuple[str, str]:
    """(words, tone): Ready; Scaled to 0 (no pod asked for, none left: nothing is serving, so not "Ready");
    Scaling current→desired while pods are added, removed or replaced; otherwise Not ready with ready/desired."""
    if row.settled:
        return ("Scaled to 0", MUTED) if row.desired == 0 else ("Ready", SUCCESS)
    if row.replicas != row.desired or row.updated != row.desired:
        return f"Scaling {row.replicas}→{row.desired} · ready {row.ready}", WARNING
    return f"Not ready · {row.ready}/{row.desired}", ERROR


def one_namespace_only(namespace: str) -> str:
    """The deployments screen's line when all namespaces were asked for and the cluster-wide list is refused (403):
    the consequence first, short enough for the message line beside the watch status."""
    return f"showing namespace {namespace} only: all namespaces are forbidden to you (403)"
