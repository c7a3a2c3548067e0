"""What a cleanup run, its backup and its cloud teardowns report besides their steps: facts, as data, worded
once by present/events.py for the CLI and the TUI. A module of their own, imported by those that report or word
them: a scale or a start-up has none to report, and each dataclass costs its import about a millisecond."""

from __future__ import annotations


from .frozen import frozen
from .events import StepDone, StepFailed, StepStarted


# ----- what a cleanup run reports besides its steps: facts, as data; present/events.py words them -----------------
@frozen
class Stopping:
    """The run stops at its next safe point, because of `why` (the cluster lease was lost)."""
    why: str


@frozen
class ClusterQuiet:
    """The cloud step sent a delete to a cluster that may be this run's own (through a proxy or another name), and
    the API server has not answered since for the lease's duration: taken as that cluster going, not as the
    cluster lease of `environment` lost; the run goes on (a server that answers with another holder stops it)."""
    environment: str


@frozen
class LeaseSkipped:
    """No lease could be held on the cluster (`why`): only this machine's lock keeps a second run out."""
    why: str
    environment: str


@frozen
class ForcedRun:
    """--force: the typed confirmations were skipped (the audit log records it)."""


@frozen
class BackupTakenAgain:
    """A resumed run that had not reached the drain: the writers are stopped and the backup taken again."""


@frozen
class NamespaceKept:
    """An infrastructure namespace left alone: `users` use it since the plan, or they could not be listed
    (`unchecked`: why)."""
    namespace: str
    users: tuple[str, ...]
    unchecked: str = ""


@frozen
class KubeconfigCleaned:
    """`removed` entries of the kubeconfig `file` removed, a copy of it first kept in `copy`."""
    file: str
    removed: int
    copy: str


@frozen
class WorkingFilesKept:
    """The working files of a completed run (plans, journal) could not be removed: `reason`; `unaudited`: they
    are kept on purpose, the audit log could not say how the run ended."""
    folder: str
    reason: str
    unaudited: bool = False


@frozen
class AuditUnwritable:
    """The audit log could not take a record (`error`, the audit's own line)."""
    error: str


@frozen
class ScaledToZero:
    """A drain scaled `count` workloads of `namespace` to 0: its deployments and statefulsets (`stores`), or only
    its deployments (the writers, before a backup)."""
    namespace: str
    count: int
    stores: bool


@frozen
class JobsDeleted:
    """A drain deleted these cronjobs and jobs (`kind/name`) of `namespace`."""
    namespace: str
    objects: tuple[str, ...]


@frozen
class PodsRemain:
    """Pods of `namespace` still there when the drain's `timeout` (seconds) ran out."""
    namespace: str
    pods: tuple[str, ...]
    timeout: float


@frozen
class NamespaceCreatedAgain:
    """A planned namespace was created again since the plan (another uid): it is not deleted."""
    namespace: str


@frozen
class NamespaceStuck:
    """A namespace still Terminating after `timeout` seconds, and `why` (what its status says holds it)."""
    namespace: str
    timeout: float
    why: str


@frozen
class WebhookDeleted:
    """A webhook or APIService (`label`) deleted, whose service lived in `namespaces`."""
    label: str
    namespaces: tuple[str, ...]


@frozen
class WebhookNotDeleted:
    """A webhook or APIService (`label`) that was not deleted, and why (an API error's line)."""
    label: str
    why: str


# ----- what a teardown of cloud resources and a backup report besides their steps ----------------------------------
@frozen
class TryingAgain:
    """A call (`what`) failed with an error worth another try (throttled, in use): tried again after `delay`
    seconds; this was try `attempt` of the `retries` allowed after the first."""
    what: str
    error: str
    delay: float
    attempt: int
    retries: int


@frozen
class LookingAgain:
    """A look at a resource being deleted (`what`) was throttled: it counts as not gone yet."""
    what: str
    error: str


@frozen
class SnapshotNotListed:
    """The final snapshot asked for before a delete (`service`: RDS, ElastiCache) is not listed by the cloud."""
    service: str
    snapshot: str


@frozen
class ProtectionOff:
    """Deletion protection of `subject` switched off, as the operator confirmed; `done` once it is off, else
    while it is being switched off."""
    subject: str
    done: bool


@frozen
class DeletionUnderway:
    """A resource (`step`) already being deleted, asked for by an earlier run (through `operation`, where the
    cloud names one): this run waits for that deletion."""
    step: str
    operation: str = ""


@frozen
class OperationRunning:
    """Another operation (`operation`) runs on the resource (`step`): the delete waits for it to end."""
    step: str
    operation: str


@frozen
class FinishedEarlier:
    """A resource (`step`) an earlier run of this plan finished: skipped, no call made."""
    step: str


@frozen
class HeldBack:
    """A resource (`step`) not started, and no call made, because of `why` (a cancel, or a dependency that was
    not deleted)."""
    step: str
    why: ResourceSaid


@frozen
class PartDeleted:
    """A part of a resource (`what`, a network's subnet or route) deleted, or found gone already."""
    step: str
    what: str
    already_gone: bool = False


@frozen
class BackupSaved:
    """A store's data (`title`) saved to the backup folder's `file`; `note` says what is in it."""
    title: str
    file: str
    note: str


@frozen
class BackupNotSaved:
    """A store's data (`title`, or its `part`: the roles) not saved, and why (an error's own line). `failed`: a
    best-effort save that was tried and failed; `absent_from`: the namespace holds no such store, so there was
    nothing to save; else it could not be saved as the plan allowed."""
    title: str
    why: str = ""
    part: str = ""
    failed: bool = False
    absent_from: str = ""


# ----- what a step of a cleanup run came to (StepOutcome.said), and what it lists (deleted, failed, skipped) --------
@frozen
class NothingToBackUp:
    """The backup's namespace does not exist: there was nothing to back up."""
    namespace: str


@frozen
class BackedUp:
    """The backup saved `files` files in `folder`."""
    files: int
    folder: str


@frozen
class WritersStayDown:
    """The backup failed after the writers were stopped: they stay at 0, each count recorded for a restore."""


@frozen
class Drained:
    """`namespaces` namespaces drained (`stores`: their stores too), or only their writers stopped."""
    namespaces: int
    stores: bool


@frozen
class DrainFinished:
    """A namespace's drain: `scaled` workloads scaled to 0, `deleted` jobs and cronjobs deleted, no pod left."""
    scaled: int
    deleted: int


@frozen
class PodsDidNotGo:
    """A drain ended with pods still there (each namespace's are listed as PodsRemain)."""


@frozen
class NamespacesDeleted:
    """The namespaces step: `deleted` deleted now, `already_gone` gone before; `stuck` still Terminating and
    `created_again` created again since the plan (not deleted). `planned` 0: there was none to delete. A stop:
    `not_sent` were never sent a delete (untouched), `terminating` were and had not gone yet."""
    planned: int
    deleted: int = 0
    already_gone: int = 0
    stuck: int = 0
    created_again: int = 0
    not_sent: int = 0
    terminating: int = 0


@frozen
class CloudTally:
    """The cloud step: `gone` of `total` resources gone (now or earlier), `failed` failed, `skipped` skipped."""
    gone: int
    total: int
    failed: int
    skipped: int


@frozen
class LocalCleaned:
    """The local step: `removed` kubeconfig entries removed (`kubeconfig`: there were some planned); the working
    files go at the end; the folders in `kept` are kept."""
    removed: int
    kept: tuple[str, ...]
    kubeconfig: bool


@frozen
class NotRun:
    """A step the run did not reach: a step before it failed (`failed_step`), was cancelled, or the run was
    stopped before it (`stopped`)."""
    failed_step: str = ""
    stopped: bool = False


@frozen
class DoneBefore:
    """A step an earlier run of the same plan did (what it came to then follows it)."""


@frozen
class StepError:
    """A step that failed or was cancelled (`cancelled`): the error's own message; `unexpected`: the type of an
    error hubtui did not expect (a bug, said as such)."""
    message: str
    cancelled: bool = False
    unexpected: str = ""


@frozen
class Noted:
    """What a step came to, as a journal of an older hubtui wrote it (words, not facts)."""
    text: str


@frozen
class Listed:
    """One thing a step deleted, failed on or skipped: `label` names it (`namespace x`, an EKS cluster), `why`
    is why it failed or was skipped (an error's own line); `earlier`: deleted by an earlier run; `was_gone`:
    already gone when this run came to it; `answer_lost`: deleted, but the delete's answer was lost and, sent
    again, it found the thing gone; `said`: what came of a cloud resource (ResourceOutcome.said)."""
    label: str
    why: str = ""
    earlier: bool = False
    was_gone: bool = False
    answer_lost: bool = False
    said: tuple = ()


# ----- what came of one cloud resource (cloud/base.py's ResourceOutcome.said), worded by present/summary.py -----
@frozen
class CloudError:
    """The error that ended it, as one line: the cloud's own, or the refusal hubtui raised (plan again, …)."""
    text: str


@frozen
class NotReached:
    """The teardown ended before it came to this resource."""


@frozen
class StoppedBefore:
    """Cancelled before `point`: "start" (nothing asked), "request" (looked at, no delete sent), "confirmed"
    (deleting, not yet seen gone)."""
    point: str


@frozen
class StillDeleting:
    """Cancelled after the delete request: the cloud may still be deleting it (`provider`: AWS, GCP, Azure when
    it is known to be)."""
    provider: str = ""


@frozen
class FinishedBefore:
    """An earlier run of this plan finished it: no call made."""


@frozen
class ProtectionSwitchedOff:
    """Its deletion protection was switched off, as the operator confirmed."""


@frozen
class PartStillDeleting:
    """A part of it (`what`: a network's firewall rule or subnetwork, named) was sent its delete, which `provider`
    accepted, and the run stopped before it was seen done: the cloud may still be deleting it. The resource was
    changed, not sent a delete of its own."""
    what: str
    provider: str


@frozen
class PartGone:
    """A part of it (`what`: a network's firewall rule or subnetwork, named) was deleted before it ended
    otherwise: the resource itself was changed, not (yet) sent a delete of its own."""
    what: str


@frozen
class FinalSnapshot:
    """The final snapshot `name` its deletion asked for: `status` as the cloud lists it; not `listed`: the cloud
    does not list it; `check_error`: it could not be looked up."""
    name: str
    status: str = ""
    listed: bool = True
    check_error: str = ""


@frozen
class NoFinalSnapshot:
    """Deleted with no final snapshot (`backup`: no final backup), as the operator chose."""
    backup: bool = False


@frozen
class FinalBackupKept:
    """Cloud SQL keeps the instance's final backup `days` days."""
    days: int


@frozen
class AlreadyGone:
    """It was gone before a delete was sent; `was_deleting`: its deletion was under way, and it is gone now."""
    was_deleting: bool = False


@frozen
class JoinedEarlierDeletion:
    """Deleted by waiting for the deletion an earlier run started (`operation`, when the cloud names one)."""
    operation: str = ""


@frozen
class CannotDelete:
    """hubtui has no deletion for a `kind` on `provider`."""
    kind: str
    provider: str


@frozen
class HoldsUnplanned:
    """A resource group that holds resources the plan did not show (`names`, and `more` besides): not deleted."""
    names: tuple[str, ...]
    more: int = 0


@frozen
class CredentialsRefused:
    """The cloud's credentials are missing or refused; `hint`: how to sign in."""
    provider: str
    hint: str


@frozen
class PartsFailed:
    """An EKS cluster held back: its parts named `failed` (of `failed_kinds`, one each) failed, and it cannot go
    before its parts (`kinds`)."""
    failed: tuple[str, ...]
    failed_kinds: tuple[str, ...]
    kinds: tuple[str, ...]


@frozen
class PartsLeft:
    """An EKS cluster held back: the run was cancelled before its parts (`kinds`) were gone."""
    kinds: tuple[str, ...]


@frozen
class BlockedBy:
    """Held back because `label` (a GKE cluster in the network) was not deleted (`outcome`)."""
    label: str
    outcome: str


ResourceSaid = CloudError | NotReached | StoppedBefore | StillDeleting | FinishedBefore | ProtectionSwitchedOff \
    | PartGone | PartStillDeleting | FinalSnapshot | NoFinalSnapshot | FinalBackupKept | AlreadyGone | JoinedEarlierDeletion | CannotDelete \
    | HoldsUnplanned | CredentialsRefused | PartsFailed | PartsLeft | BlockedBy


@frozen
class NamespaceLeftAlone:
    """A planned namespace left alone, because `users` use it since the plan, or they could not be listed
    (`unchecked`: why): plan again."""
    namespace: str
    users: tuple[str, ...]
    unchecked: str = ""


@frozen
class Within:
    """A start, end or failure of an operation a step runs (a store's backup, a namespace's drain): a line of
    the run's log, while the step list shows only the run's own steps."""
    inner: StepStarted | StepDone | StepFailed


# what a step's Progress counts (Progress.said), worded by present/events.progress_text
@frozen
class PodsLeft:
    """The drain waits for `count` pods to go."""
    count: int


@frozen
class NamespacesTerminating:
    """The namespaces step waits for `count` namespaces to finish terminating."""
    count: int


@frozen
class Waiting:
    """A cloud teardown waits, `seconds` so far, for what its step (`aws: eks-cluster x`) asked of the cloud."""
    step: str
    seconds: int


@frozen
class ResourceEnded:
    """A cloud resource's way through the teardown ended: `outcome` (deleted, gone, failed, skipped)."""
    label: str
    outcome: str




# ----- what a plan warns of before anything changes (Plan.risks, CloudPlan.risks): present/risks.py words them ------
@frozen
class Unworded:
    """A risk as words: a plan saved by an earlier hubtui, whose risks were text (kept as text: its hash holds)."""
    text: str


@frozen
class BindingUnproven:
    """Nothing shows that `context` (`server`) is the environment's cluster: the operator types its name."""
    context: str
    server: str
    environment: str
    namespace: str


@frozen
class BindingUnchecked:
    """--k8s-only on a cloud: the environment's cluster could not be looked up to bind the context (`error`)."""
    provider: str
    environment: str
    error: str


@frozen
class MainNamespaceMissing:
    namespace: str
    context: str


@frozen
class NoBackupTaken:
    """--skip-backup."""


@frozen
class ConfirmationsSkipped:
    """--force."""


@frozen
class VolumesGoWithNamespaces:
    """Persistent volumes are deleted with their namespaces: only the backup keeps their data."""


@frozen
class VolumesNotSaved:
    """A statefulset of the main namespace whose volumes the backup does not save."""
    namespace: str
    statefulset: str


@frozen
class AdditionalNotBackedUp:
    """An additional namespace's statefulsets and volumes: the backup covers the `main` namespace only."""
    namespace: str
    statefulsets: tuple[str, ...]
    volumes: tuple[str, ...]
    main: str


@frozen
class SharedIncluded:
    """Shared infrastructure included although `users` (the first five) use it."""
    namespace: str
    users: tuple[str, ...]


@frozen
class SharedUnchecked:
    """Shared infrastructure included although what uses it could not be listed (`why`)."""
    namespace: str
    why: str


@frozen
class KubeconfigByNameOnly:
    """The kubeconfig entries of `cluster` match by name only: no cloud endpoint was found to compare."""
    cluster: str


@frozen
class ContextPointsElsewhere:
    """A kubeconfig context names the environment's cluster but its server is not the environment's: kept."""
    context: str
    file: str
    server: str


@frozen
class ConversionUnchecked:
    """The CRDs' conversion webhooks could not be checked (`why`, the API's own line)."""
    why: str


@frozen
class ConversionWebhookGoes:
    """A CRD converts its versions through a webhook served from a doomed `namespace` (the CRD stays)."""
    crd: str
    namespace: str


@frozen
class BackupWillStop:
    """A store (`what`) exists but cannot be reached: the backup will stop the cleanup before anything goes."""
    what: str
    why: str


@frozen
class ShardUnsaved:
    """A Redis cluster master (`node`, described) that cannot be saved: the backup will stop the cleanup."""
    node: str
    problem: str


@frozen
class StoreAbsent:
    """No such store (`title`) in the namespace: nothing of it to save."""
    title: str
    namespace: str


@frozen
class OtherInstanceUnsaved:
    """A second instance (`name`) of a store: the backup saves one, the one of `pod`."""
    title: str
    name: str
    pod: str


@frozen
class KafkaToolMissing:
    """The Kafka pod has none of `tools` on its PATH: its topics will not be saved."""
    pod: str
    tools: tuple[str, ...]


@frozen
class RolesUnsaved:
    """TimescaleDB's roles cannot be read: `user` is not a superuser (every database is saved)."""
    user: str


@frozen
class KafkaUnchecked:
    """Whether Kafka's topics can be saved could not be checked (`error`): best effort."""
    error: str


@frozen
class NotIncluded:
    """A cloud resource (`resource`: its label) that matches by tag only and is left out of the plan."""
    resource: str
    within: str  # the resource it is part of, which would stay ("" when none)
    tag: str  # "environment=dev"
    named: str  # what it is not named after
    parts: tuple[str, ...] = ()  # its own parts, left out with it


@frozen
class NameOnly:
    """An included cloud resource that matches by name only: its environment tag (label) is `found` (None:
    it has none)."""
    provider: str
    resource: str  # its label ("rds-instance hub-dev"), or the resource group's name on Azure
    key: str
    environment: str
    found: str | None


@frozen
class TagOnly:
    """An included cloud resource that matches by tag (label) only, not by its name (`named`)."""
    provider: str
    resource: str
    key: str
    environment: str
    named: str
    within: str = ""  # the resource that holds it, which is not part of the plan and stays


@frozen
class ProtectionOn:
    """A database with deletion protection on: switched off only if the operator confirms."""
    provider: str
    kind: str
    name: str


@frozen
class MskDataLost:
    """MSK keeps no snapshot and hubtui saves none of its topics' data."""
    resource: str


@frozen
class MemorystoreDataLost:
    """A Memorystore instance of a tier that keeps no export on delete."""
    kind: str
    name: str
    tier: str


@frozen
class GroupDatabasesLost:
    """An Azure resource group holding databases: Azure keeps no final backup when the group goes."""
    group: str
    databases: tuple[str, ...]


@frozen
class GroupListedInPart:
    """An Azure resource group holding more resources than the plan lists."""
    group: str
    count: int
    shown: int


@frozen
class ApiDisabled:
    """A GCP API is not enabled in the project: nothing of `what` looked up there."""
    api: str
    project: str
    what: str = ""  # what was not looked up ("VPC network"; "": what `api` names, "GKE clusters")


@frozen
class NoAnswerFrom:
    """A GCP service did not answer for some locations: its `things` there are not in the plan."""
    service: str
    places: tuple[str, ...]
    things: str


Risk = Unworded | BindingUnproven | BindingUnchecked | MainNamespaceMissing | NoBackupTaken | ConfirmationsSkipped \
    | VolumesGoWithNamespaces | VolumesNotSaved | AdditionalNotBackedUp | SharedIncluded | SharedUnchecked | KubeconfigByNameOnly \
    | ContextPointsElsewhere | ConversionUnchecked | ConversionWebhookGoes | BackupWillStop | ShardUnsaved | StoreAbsent \
    | OtherInstanceUnsaved | KafkaToolMissing | RolesUnsaved | KafkaUnchecked | NotIncluded | NameOnly | TagOnly \
    | ProtectionOn | MskDataLost | MemorystoreDataLost | GroupDatabasesLost | GroupListedInPart | ApiDisabled | NoAnswerFrom

_RISKS = {cls.__name__: cls for cls in (
    BindingUnproven, BindingUnchecked, MainNamespaceMissing, NoBackupTaken, ConfirmationsSkipped, VolumesGoWithNamespaces,
    VolumesNotSaved, AdditionalNotBackedUp, SharedIncluded, SharedUnchecked, KubeconfigByNameOnly, ContextPointsElsewhere,
    ConversionUnchecked, ConversionWebhookGoes, BackupWillStop, ShardUnsaved, StoreAbsent, OtherInstanceUnsaved,
    KafkaToolMissing, RolesUnsaved, KafkaUnchecked, NotIncluded, NameOnly, TagOnly, ProtectionOn, MskDataLost,
    MemorystoreDataLost, GroupDatabasesLost, GroupListedInPart, ApiDisabled, NoAnswerFrom)}


def risk_data(risk: Risk) -> dict | str:
    """A risk as a saved plan holds it: named data; an Unworded one as its text (an older plan's hash holds)."""
    from .events import named

    return risk.text if isinstance(risk, Unworded) else named(risk)


def risk_from_data(data) -> Risk:
    """A saved plan's risk: text (an earlier hubtui's plan) is Unworded; a risk this hubtui does not know is
    UnknownRisk (the plan is refused: plan again), never dropped."""
    from .events import from_named

    if isinstance(data, str):
        return Unworded(data)
    return from_named(data, _RISKS, UnknownRisk)


class UnknownRisk(ValueError):
    """A saved plan's risk that this hubtui does not know (saved by another version of it)."""

Fact = Stopping | ClusterQuiet | LeaseSkipped | ForcedRun | BackupTakenAgain | NamespaceKept | KubeconfigCleaned | WorkingFilesKept \
    | AuditUnwritable | ScaledToZero | JobsDeleted | PodsRemain | NamespaceCreatedAgain | NamespaceStuck | WebhookDeleted \
    | WebhookNotDeleted | TryingAgain | LookingAgain | SnapshotNotListed | ProtectionOff | DeletionUnderway \
    | OperationRunning | FinishedEarlier | HeldBack | PartDeleted | BackupSaved | BackupNotSaved | Within

# what a step came to and what it lists: in StepOutcome, the journal and the audit log (events.named / from_dict)
Said = NothingToBackUp | BackedUp | WritersStayDown | Drained | DrainFinished | PodsDidNotGo | NamespacesDeleted | CloudTally \
    | LocalCleaned | NotRun | DoneBefore | StepError | Noted | WorkingFilesKept | ResourceSaid
Item = Listed | PodsRemain | NamespaceLeftAlone | NamespaceCreatedAgain | NamespaceStuck

_BY_NAME = {cls.__name__: cls for cls in (
    NothingToBackUp, BackedUp, WritersStayDown, Drained, DrainFinished, PodsDidNotGo, NamespacesDeleted, CloudTally, LocalCleaned,
    NotRun, DoneBefore, StepError, Noted, WorkingFilesKept, Listed, PodsRemain, NamespaceLeftAlone, NamespaceCreatedAgain,
    NamespaceStuck, CloudError, NotReached, StoppedBefore, StillDeleting, FinishedBefore, ProtectionSwitchedOff,
    PartGone, PartStillDeleting, FinalSnapshot, NoFinalSnapshot, FinalBackupKept, AlreadyGone, JoinedEarlierDeletion,
    CannotDelete, HoldsUnplanned, CredentialsRefused, PartsFailed, PartsLeft, BlockedBy)}


def from_dict(data) -> Said | Item:
    """A fact from events.named's data (the journal); words of an older journal, or a fact this hubtui does not know,
    become Noted / Listed of them, never an error: a resume reads what an earlier run wrote."""
    if isinstance(data, str):
        return Noted(data)
    fields = dict(data)
    cls: type = _BY_NAME.get(str(fields.pop("fact", "")), type(None))
    if cls is type(None):
        return Noted(str(data))
    def value(v):
        if isinstance(v, list):  # a tuple; of facts (a Listed's said), named as events.named names them
            return tuple(from_dict(x) if isinstance(x, dict) and "fact" in x else x for x in v)
        return v

    try:
        return cls(**{k: value(v) for k, v in fields.items()})
    except TypeError:
        return Noted(str(data))
