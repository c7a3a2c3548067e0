"""Typed progress events every operation emits; the CLI prints them, the TUI turns them into messages."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from collections.abc import Callable


@dataclass(frozen=True)
class StepStarted:
    step: str
    detail: str = ""


@dataclass(frozen=True)
class Progress:
    step: str
    done: int
    total: int
    detail: str = ""


@dataclass(frozen=True)
class LogLine:
    text: str
    level: str = "info"  # info | warning | error


@dataclass(frozen=True)
class StepDone:
    step: str
    detail: str = ""


@dataclass(frozen=True)
class StepFailed:
    step: str
    error: str


# ----- what a cleanup run reports besides its steps: facts, as data; present/events.py words them -----------------
@dataclass(frozen=True)
class Stopping:
    """The run stops at its next safe point, because of `why` (the cluster lease was lost)."""
    why: str


@dataclass(frozen=True)
class LeaseSkipped:
    """No lease could be held on the cluster (`why`): only this machine's lock keeps a second run out."""
    why: str
    environment: str


@dataclass(frozen=True)
class ForcedRun:
    """--force: the typed confirmations were skipped (the audit log records it)."""


@dataclass(frozen=True)
class BackupTakenAgain:
    """A resumed run that had not reached the drain: the writers are stopped and the backup taken again."""


@dataclass(frozen=True)
class NamespaceKept:
    """An infrastructure namespace left alone: `users` use it since the plan (or one 'could not check …')."""
    namespace: str
    users: tuple[str, ...]


@dataclass(frozen=True)
class KubeconfigCleaned:
    """`removed` entries of the kubeconfig `file` removed, a copy of it first kept in `copy`."""
    file: str
    removed: int
    copy: str


@dataclass(frozen=True)
class WorkingFilesKept:
    """The working files of a completed run (plans, journal) could not be removed: `reason`."""
    folder: str
    reason: str


@dataclass(frozen=True)
class AuditUnwritable:
    """The audit log could not take a record (`error`, the audit's own line)."""
    error: str


@dataclass(frozen=True)
class ScaledToZero:
    """A drain scaled `count` workloads of `namespace` to 0: its deployments and statefulsets (`stores`), or only
    its deployments (the writers, before a backup)."""
    namespace: str
    count: int
    stores: bool


@dataclass(frozen=True)
class JobsDeleted:
    """A drain deleted these cronjobs and jobs (`kind/name`) of `namespace`."""
    namespace: str
    objects: tuple[str, ...]


@dataclass(frozen=True)
class PodsRemain:
    """Pods of `namespace` still there when the drain's `timeout` (seconds) ran out."""
    namespace: str
    pods: tuple[str, ...]
    timeout: float


@dataclass(frozen=True)
class NamespaceCreatedAgain:
    """A planned namespace was created again since the plan (another uid): it is not deleted."""
    namespace: str


@dataclass(frozen=True)
class NamespaceStuck:
    """A namespace still Terminating after `timeout` seconds, and `why` (what its status says holds it)."""
    namespace: str
    timeout: float
    why: str


@dataclass(frozen=True)
class WebhookDeleted:
    """A webhook or APIService (`label`) deleted, whose service lived in `namespaces`."""
    label: str
    namespaces: tuple[str, ...]


@dataclass(frozen=True)
class WebhookNotDeleted:
    """A webhook or APIService (`label`) that was not deleted, and why (an API error's line)."""
    label: str
    why: str


@dataclass(frozen=True)
class Within:
    """A start, end or failure of an operation a step runs (a store's backup, a namespace's drain): a line of
    the run's log, while the step list shows only the run's own steps."""
    inner: StepStarted | StepDone | StepFailed


Fact = Stopping | LeaseSkipped | ForcedRun | BackupTakenAgain | NamespaceKept | KubeconfigCleaned | WorkingFilesKept \
    | AuditUnwritable | ScaledToZero | JobsDeleted | PodsRemain | NamespaceCreatedAgain | NamespaceStuck | WebhookDeleted \
    | WebhookNotDeleted | Within
Event = StepStarted | Progress | LogLine | StepDone | StepFailed | Fact
Emit = Callable[[Event], None]


def to_dict(event: Event) -> dict:
    if isinstance(event, Within):
        return {"event": "Within", "inner": to_dict(event.inner)}
    return {"event": type(event).__name__, **asdict(event)}


def ignore(event: Event) -> None:
    """An Emit that drops every event."""
