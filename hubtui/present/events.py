"""A run's events as both faces show them: the CLI prints these lines, the TUI's run screen writes the same
lines into its log and colours them by tone; step states and outcomes are worded here too."""

from __future__ import annotations

from ..events import AtRecordedCount, Event, HpaWillUndo, LogLine, StepDone, StepFailed, StepStarted
from ..facts import AuditUnwritable, BackupNotSaved, BackupSaved, BackupTakenAgain, DeletionUnderway, FinishedEarlier, ForcedRun, HeldBack, JobsDeleted, KubeconfigCleaned, ClusterQuiet, LeaseSkipped, LookingAgain, NamespaceCreatedAgain, NamespaceKept, NamespaceStuck, OperationRunning, PartDeleted, PodsRemain, ProtectionOff, ScaledToZero, SnapshotNotListed, Stopping, TryingAgain, WebhookDeleted, WebhookNotDeleted, Within, WorkingFilesKept
from ..paths import tilde
from ..words import counted, in_use, working_files_kept
from .tones import ERROR, MUTED, PLAIN, STRONG, SUCCESS, WARNING

LEVEL_TONES = {"info": PLAIN, "warning": WARNING, "error": ERROR}

# the outcome of a step in a run's summary (ops/cleanup/runner.py's statuses), and the state while it runs
OUTCOME_TONES = {"done": SUCCESS, "done earlier": SUCCESS, "failed": ERROR, "skipped": MUTED, "cancelled": ERROR,
                 "stopped": ERROR, "running": WARNING, "waiting": MUTED}


def event_line(event: Event) -> tuple[str, str] | None:
    """(text, tone) of an event as a line of the run's log; None for progress (shown by progress_text)."""
    if isinstance(event, StepStarted):
        return f"==> {event.detail or event.step}", STRONG
    if isinstance(event, StepDone):
        return f"    ✓ {step_words(event) or 'done'}", SUCCESS
    if isinstance(event, StepFailed):
        return f"    ✗ {step_words(event) or 'failed'}", ERROR
    if isinstance(event, LogLine):
        return log_line(event.text, event.level)
    if isinstance(event, Within):
        inner = event.inner
        if isinstance(inner, StepStarted):
            return log_line(f"{inner.step}: started" + (f" ({inner.detail})" if inner.detail else ""))
        if isinstance(inner, StepDone):
            words = step_words(inner)
            return log_line(f"{inner.step}: done" + (f": {words}" if words else ""))
        return log_line(f"{inner.step}: failed: {step_words(inner)}", "error")
    fact = fact_line(event)
    return log_line(*fact) if fact else None


def log_line(text: str, level: str = "info") -> tuple[str, str]:
    head = "" if level == "info" else f"{level}: "
    return f"    {head}{text}", LEVEL_TONES.get(level, PLAIN)


def fact_line(event: Event) -> tuple[str, str] | None:
    """(text, level) of what a cleanup run reports besides its steps."""
    if isinstance(event, Stopping):
        return f"{event.why}: stopping at the next safe point", "error"
    if isinstance(event, ClusterQuiet):
        return (f"the API server has not answered since a planned cluster was sent its delete: taken as this cluster "
                f"going, not as the cluster lock of '{event.environment}' lost; the run goes on", "warning")
    if isinstance(event, LeaseSkipped):
        return f"{event.why}: only this machine's lock keeps a second run of '{event.environment}' out", "warning"
    if isinstance(event, ForcedRun):
        return "--force: the confirmations were skipped (recorded in the audit log)", "warning"
    if isinstance(event, BackupTakenAgain):
        return ("resuming before the drain: the writers are stopped and the backup is taken again (the application "
                "may have written since the earlier one)", "warning")
    if isinstance(event, NamespaceKept):
        return f"namespace {event.namespace} is left alone: {in_use(event.users, event.unchecked)}", "warning"
    if isinstance(event, KubeconfigCleaned):
        return f"kubeconfig {event.file}: removed {event.removed} entries (copy in {event.copy})", "info"
    if isinstance(event, WorkingFilesKept):
        return working_files_kept(tilde(event.folder), event.reason, event.unaudited), "warning"
    if isinstance(event, AuditUnwritable):
        return event.error, "error"
    if isinstance(event, ScaledToZero):
        kinds = "deployments and statefulsets" if event.stores else "deployments (the writers)"
        return f"{event.namespace}: {event.count} {kinds} scaled to 0", "info"
    if isinstance(event, JobsDeleted):
        return f"{event.namespace}: deleted {', '.join(event.objects)}", "info"
    if isinstance(event, PodsRemain):
        return (f"{event.namespace}: {counted(len(event.pods), 'pod')} still there after {event.timeout:g}s: "
                f"{', '.join(event.pods[:10])}", "error")
    if isinstance(event, NamespaceCreatedAgain):
        return f"namespace {event.namespace} was created again since the plan: not deleted", "error"
    if isinstance(event, NamespaceStuck):
        return f"namespace {event.namespace} is still Terminating after {event.timeout:g}s: {event.why}", "error"
    if isinstance(event, WebhookDeleted):
        return f"deleted {event.label} (its service lived in {', '.join(event.namespaces)})", "info"
    if isinstance(event, WebhookNotDeleted):
        return f"{event.label}: {event.why}", "error"
    return cloud_line(event) or backup_line(event) or scale_line(event)


def scale_line(event: Event) -> tuple[str, str] | None:
    """(text, level) of what a scale reports besides its steps (an HPA that will undo it)."""
    if isinstance(event, HpaWillUndo):
        if event.replicas == 0:
            return f"{event.deployment}: HPA {event.hpa} ({event.low}–{event.high}) pauses while the deployment is " \
                   "at 0", "warning"
        bound = event.low if event.replicas < event.low else event.high
        return (f"{event.deployment}: {event.replicas} is outside HPA {event.hpa}'s range {event.low}–{event.high}: "
                f"the HPA will scale it back to {bound}", "warning")
    if isinstance(event, AtRecordedCount):
        return f"{event.deployment}: already at its recorded count", "info"
    return None


def change_warning(warning: HpaWillUndo | AtRecordedCount | None) -> str | None:
    """A scale change's warning (ops/scale.py's ScaleChange.warning) as `--json` gives it (a restore's: what it
    found, without the name)."""
    if warning is None:
        return None
    if isinstance(warning, AtRecordedCount):
        return "already at its recorded count"
    line = scale_line(warning)
    return line[0] if line else None


def cloud_line(event: Event) -> tuple[str, str] | None:
    """(text, level) of what a teardown of cloud resources reports besides its steps."""
    if isinstance(event, TryingAgain):
        return (f"{event.what}: {event.error}; trying again in {event.delay:.1f}s ({event.attempt}/{event.retries})",
                "warning")
    if isinstance(event, LookingAgain):
        return f"{event.what}: {event.error}; looking again", "warning"
    if isinstance(event, SnapshotNotListed):
        return f"{event.service} final snapshot {event.snapshot} was requested but is not listed", "error"
    if isinstance(event, ProtectionOff):
        if event.done:
            return f"{event.subject}: deletion protection switched off, as confirmed", "warning"
        return f"{event.subject}: switching deletion protection off (confirmed by the operator)", "warning"
    if isinstance(event, DeletionUnderway):
        if event.operation:
            return (f"{event.step}: already being deleted (operation {event.operation}, asked for by an earlier run); "
                    "waiting for that deletion", "info")
        return f"{event.step}: already being deleted (asked for by an earlier run); waiting until it is gone", "info"
    if isinstance(event, OperationRunning):
        return f"{event.step}: operation {event.operation} is running on it; waiting for it to end before deleting", \
            "info"
    if isinstance(event, FinishedEarlier):
        return f"{event.step}: finished in an earlier run, skipped", "info"
    if isinstance(event, HeldBack):
        from .cloud import resource_text

        return f"{event.step}: skipped ({resource_text(event.why)})", "warning"
    if isinstance(event, PartDeleted):
        return f"{event.step}: {event.what} {'already gone' if event.already_gone else 'deleted'}", "info"
    return None


def backup_line(event: Event) -> tuple[str, str] | None:
    """(text, level) of what a backup reports besides its step."""
    if isinstance(event, BackupSaved):
        return f"backup: {event.title} saved to {event.file} ({event.note})", "info"
    if isinstance(event, BackupNotSaved):
        if event.failed:
            return f"backup: {event.title} (best effort) failed: {event.why}", "warning"
        part = f" {event.part}" if event.part else ""
        why = f"no {event.title} in {event.absent_from}, nothing of it to save" if event.absent_from else event.why
        return f"backup: {event.title}{part} not saved: {why}", "warning"
    return None


def said(event: Event) -> tuple[str, str] | None:
    """(text, level) of a line of a run's log as words, without the log's indent: a LogLine's own, or a fact's;
    None for steps and progress."""
    if isinstance(event, LogLine):
        return event.text, event.level
    return fact_line(event)


def step_words(event: StepDone | StepFailed) -> str:
    """A step's end in words: a cleanup step's facts (present/summary.py words them), or the operation's own."""
    if event.said:
        from .summary import said_text

        return said_text(event.said)
    return event.detail if isinstance(event, StepDone) else event.error


def step_failed_state(event: StepFailed) -> str:
    """How a failed step shows in the step list: cancelled (the operator stopped it) or failed. A cleanup step's
    event carries its status as its error (its words are in `said`); a cloud resource's, its stop in `said`. Any
    other failure is failed, whatever its words say (a backup's error that mentions "cancel" is no stop)."""
    from ..ops.cleanup.runner import CANCELLED
    from .cloud import stopped

    return "cancelled" if event.error == CANCELLED or stopped(event.said) else "failed"
