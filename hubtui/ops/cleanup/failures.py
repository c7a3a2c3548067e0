"""What went wrong in a cleanup's steps (backup, drain, deletions, its lock and journal), and in its plan's
checks, as data: hubtui.errors.HubError holds one of these, and hubtui.present.cleanup_failures words it (what an
operator reads lives in present/). Why the conversation stops before anything changed is ops/cleanup/refusals.py.

What hubtui was doing when a request to the cluster failed (describe_api_error's `doing`) is a fact here too,
worded as a phrase ("reading namespace hub"); so is what the engine holds as text in its data (a backup's notes,
a Redis master's problem, why a namespace is stuck or was not deleted, why the cluster lock was lost): it builds
the fact and keeps its line (hubtui.errors.said)."""

from __future__ import annotations

from ...frozen import frozen


# ----- backup.py: running commands in a store's pod -----------------------------------------------------
@frozen
class InPodFailed:
    """`command` (its first words) run in a pod exited `exit` (None: not said); `said` is the last line of its
    error output ('' when it wrote none)."""
    command: tuple[str, ...]
    said: str
    exit: int | None = None


@frozen
class PodSilent:
    """Pod `pod` did not answer in `timeout` seconds."""
    pod: str
    timeout: float


@frozen
class ExecFailed:
    """Exec into pod `pod` failed; `said` is the last line of its error output ('' when it wrote none)."""
    pod: str
    said: str


# ----- backup.py: the backup as a whole ------------------------------------------------------------------
@frozen
class BackupFailed:
    """The backup of `store` (its title) failed for `cause` (an error); nothing was deleted, and what was
    saved is in `folder`."""
    store: str
    cause: object
    folder: str


# ----- backup.py: TimescaleDB ----------------------------------------------------------------------------
@frozen
class RolesDumpEmpty:
    """The roles dump holds no CREATE ROLE."""


@frozen
class RolesNotDumped:
    """The databases were saved, their roles were not, for `cause` (an error)."""
    cause: object


@frozen
class PgRestoreMissing:
    """pg_restore is not installed on this machine: a dump cannot be verified."""


@frozen
class DumpUnreadable:
    """The dump of database `db` does not read back (pg_restore --list); `said`: the last line of its error
    output, if any."""
    db: str
    said: tuple[str, ...]


@frozen
class DumpIncomplete:
    """The dump of database `db` lacks these tables, or their data."""
    db: str
    missing: tuple[str, ...]


@frozen
class DumpDoesNotRestore:
    """The dump of database `db` does not restore; `said` is the last line of pg_restore's error output ('' when
    it wrote none)."""
    db: str
    said: str


# ----- backup.py: Redis ----------------------------------------------------------------------------------
@frozen
class RedisCliFailed:
    """redis-cli in pod `pod` failed or was refused (authentication): `said` is its first line of output ('' when
    it wrote none), `exit` its exit code."""
    pod: str
    said: str
    exit: int


@frozen
class RedisNoInfo:
    """redis-cli in pod `pod` gave no cluster INFO: `said` is the first line it gave ('' when none)."""
    pod: str
    said: str


@frozen
class NoRedisAnswers:
    """No Redis pod answers: `why`, for each pod asked, an error or a fact of this module."""
    why: tuple[object, ...]


@frozen
class NoClusterNodes:
    """Redis in pod `pod` is in cluster mode, but CLUSTER NODES gave no nodes: `said` is the first line it gave
    ('' when none)."""
    pod: str
    said: str


@frozen
class NoMasterWithSlots:
    """The Redis cluster seen from pod `pod` has no master with slots."""
    pod: str


@frozen
class ShardStuck:
    """A Redis cluster master (`node`: it described) cannot be saved, for `problem`."""
    node: str
    problem: str


@frozen
class ShardsStuck:
    """Masters of the Redis cluster cannot be saved (none was saved: a cluster saved in part is no backup)."""
    stuck: tuple[ShardStuck, ...]


@frozen
class ShardNotSaved:
    """A Redis cluster master (`node`: it described), saved through pod `pod`, failed for `cause` (an error)."""
    node: str
    pod: str
    cause: object


@frozen
class ShardsNotSaved:
    """Masters of the Redis cluster failed to be saved (the verified ones are kept)."""
    failed: tuple[ShardNotSaved, ...]


@frozen
class RdbIncomplete:
    """The RDB snapshot has no REDIS header or no end marker."""


@frozen
class RdbRefused:
    """redis-check-rdb refuses the snapshot: `said` is the last line it gave ('' when none)."""
    said: str


# ----- backup.py: Kafka ----------------------------------------------------------------------------------
@frozen
class NoKafkaTool:
    """The Kafka pod `pod` has none of `tools` on its PATH (the plan says so too: best effort)."""
    pod: str
    tools: tuple[str, ...]


# ----- backup.py: what the backup saved, and why a store was not (BackupResult.notes, BackupSaved's note) ----
@frozen
class StoreFailed:
    """`store` (its title), which the cleanup needs saved, failed for `cause` (an error): the backup step's
    failure."""
    store: str
    cause: object


@frozen
class StoreSkipped:
    """The store was not looked for further: its pod was not found, for `cause` (an error)."""
    cause: object


@frozen
class RolesSkipped:
    """The databases were saved, their roles were not, for `cause` (an error)."""
    cause: object


@frozen
class BestEffortFailed:
    """A best-effort store (Kafka) could not be saved, for `cause` (an error)."""
    cause: object


@frozen
class RolesSaved:
    """The roles dump holds `roles` CREATE ROLE."""
    roles: int


@frozen
class DumpVerified:
    """The dump of a database was read back whole by pg_restore: `tables` tables with their data."""
    tables: int


@frozen
class RdbVerified:
    """An RDB snapshot of version `version`, `size` bytes, complete; `checked`: redis-check-rdb passed it too."""
    version: str
    size: int
    checked: bool


@frozen
class MasterSaved:
    """A Redis cluster master (`node_id`, its `slots`) saved by exec into pod `pod`: its own (`direct`), or the
    pod that reached it at `host`:`port`; `note` says what was verified."""
    node_id: str
    slots: tuple[str, ...]
    pod: str
    direct: bool
    host: str
    port: int
    note: str


@frozen
class ClusterNodesSaved:
    """CLUSTER NODES of the `masters` masters saved (which file holds which slots)."""
    masters: int


@frozen
class KafkaTopicsSaved:
    """The Kafka topics and their configs saved."""


@frozen
class FilesSaved:
    """A store saved as these files (a Redis cluster: one per master, and its nodes)."""
    files: tuple[str, ...]


# ----- backup.py: a Redis cluster master (RedisNode.describe, RedisShard.problem; the ShardUnsaved risk) ----
@frozen
class NodeAddress:
    """A Redis cluster node's address: `host`:`port` ('' host: it has none yet)."""
    host: str
    port: int


@frozen
class RedisMaster:
    """A Redis cluster master: `node_id`, its address (`host`, '' when none, `port`), its `slots` and `flags`."""
    node_id: str
    host: str
    port: int
    slots: tuple[str, ...]
    flags: tuple[str, ...]


@frozen
class MasterNoAddress:
    """No ready pod answers as the master's node (`silent`: the pods that did not answer), and it has no
    address."""
    silent: tuple[str, ...]


@frozen
class MasterAnswersOddly:
    """No ready pod answers as the master's node (`silent`: the pods that did not answer), and from pod `pod`
    its address answers PING with `answer`."""
    silent: tuple[str, ...]
    pod: str
    answer: str


@frozen
class MasterSilent:
    """No ready pod answers as the master's node (`silent`: the pods that did not answer), and from pod `pod`
    its address does not answer, for `cause` (an error)."""
    silent: tuple[str, ...]
    pod: str
    cause: object


# ----- backup.py: what hubtui was doing --------------------------------------------------------------------
@frozen
class CheckingForStore:
    """Checking whether `store` (its title) is in namespace `namespace`."""
    store: str
    namespace: str


@frozen
class ListingStatefulSets:
    """Listing the statefulsets of namespace `namespace`."""
    namespace: str


@frozen
class ListingStorePods:
    """Listing the pods of `store` (its title) in namespace `namespace`."""
    store: str
    namespace: str


# ----- cluster_lock.py ---------------------------------------------------------------------------------
@frozen
class LeaseHeld:
    """Another live run of `environment` holds the cluster lock (Lease `namespace`/`lease`): `holder`, since
    `since` (ISO 8601, UTC)."""
    environment: str
    holder: str
    since: str
    namespace: str
    lease: str


@frozen
class LeaseChangedHands:
    """The cluster lock of `environment` was taken by another run while hubtui took it over."""
    environment: str


@frozen
class TakingLease:
    """Taking the cluster lock (Lease `namespace`/`lease`)."""
    namespace: str
    lease: str


@frozen
class ReadingLease:
    """Reading the cluster lock (Lease `namespace`/`lease`)."""
    namespace: str
    lease: str


@frozen
class RenewingLease:
    """Renewing the cluster lock."""


# ----- cluster_lock.py: why the lease was lost while held (ClusterLease.lost, the Stopping event) ---------
@frozen
class LeaseTakenBy:
    """The cluster lock of `environment` is held by `holder` now (None or '': nobody): hubtui could not renew it
    in time."""
    environment: str
    holder: str | None


@frozen
class LeaseDeleted:
    """The cluster lock of `environment` was deleted by someone else."""
    environment: str


@frozen
class LeaseNotRenewed:
    """The cluster lock of `environment` could not be renewed for `seconds`, for `cause` (an error): another run
    may hold it now."""
    environment: str
    seconds: int
    cause: object


# ----- journal.py -------------------------------------------------------------------------------------
@frozen
class JournalUnwritable:
    """The journal `path` cannot be written (`strerror`): the run stops, as it could not be resumed safely."""
    path: str
    strerror: str | None


@frozen
class JournalUnreadable:
    """The journal `path` cannot be read (`strerror`)."""
    path: str
    strerror: str | None


@frozen
class JournalNotSetAside:
    """The interrupted run's journal `path` could not be set aside (`strerror`)."""
    path: str
    strerror: str | None


# ----- kube_steps.py ----------------------------------------------------------------------------------
@frozen
class RecreatedSincePlan:
    """Namespace `namespace` has uid `uid`, not the plan's `planned`: it was created again since; nothing in it
    was touched."""
    namespace: str
    uid: str
    planned: str


@frozen
class NoPlannedUid:
    """The plan has no uid for namespace `namespace` (an older hubtui made it)."""
    namespace: str


@frozen
class SetBy:
    """The field manager `manager` last set the workload's replicas."""
    manager: str


@frozen
class MarkedBy:
    """A label or annotation of `tool` (Argo CD, Flux) marks the workload: `mark` (key=value)."""
    tool: str
    mark: str


@frozen
class ManagedBy:
    """The workload's app.kubernetes.io/managed-by says `manager`."""
    manager: str


@frozen
class OwnedBy:
    """The workload has an owner: `kind`/`name`."""
    kind: str
    name: str


Keeper = SetBy | MarkedBy | ManagedBy | OwnedBy


@frozen
class ScaledBack:
    """Workload `name`, scaled to 0 by the drain, is back at `replicas`; `keepers`: who keeps it, as far as its
    own metadata says (none: nothing says)."""
    name: str
    replicas: int
    keepers: tuple[Keeper, ...] = ()


@frozen
class DrainNotHeld:
    """In namespace `namespace`, workloads the drain scaled to 0 have replicas again (`back`); nothing more was
    deleted."""
    namespace: str
    back: tuple[ScaledBack, ...]


@frozen
class CancelledBeforeDrain:
    """The operator stopped the run before namespace `namespace` was drained: nothing in it was changed."""
    namespace: str


@frozen
class CancelledWhileScaling:
    """The operator stopped the drain of `namespace` once `scaled` of its `workloads` workloads were scaled to 0
    (each count recorded); no job or cronjob was deleted."""
    namespace: str
    scaled: int
    workloads: int


@frozen
class CancelledWhileDeletingJobs:
    """The operator stopped the drain of `namespace` once all was scaled to 0 and `deleted` of its `jobs` jobs
    and cronjobs were deleted."""
    namespace: str
    deleted: int
    jobs: int


@frozen
class CancelledWhileSettling:
    """The operator stopped the drain of `namespace` while it checked that its workloads stay at 0."""
    namespace: str


@frozen
class CancelledWhileWaiting:
    """The operator stopped the drain of `namespace` while it waited for its pods to go."""
    namespace: str


@frozen
class PodsUnwatched:
    """The pods of namespace `namespace` could not be watched to see them go: `why`, the watch's last error
    ('' when none came)."""
    namespace: str
    why: str


@frozen
class CheckingDrained:
    """Checking that namespace `namespace` is still drained."""
    namespace: str


@frozen
class ListingWorkloads:
    """Listing the workloads of namespace `namespace`."""
    namespace: str


@frozen
class Draining:
    """Draining namespace `namespace`."""
    namespace: str


@frozen
class CheckingAtZero:
    """Checking that the workloads of namespace `namespace` stay at 0."""
    namespace: str


@frozen
class DeletingNamespace:
    """Deleting namespace `namespace`."""
    namespace: str


@frozen
class DeletingWebhook:
    """Deleting a webhook configuration or APIService (`label`: served_label's)."""
    label: str


# ----- kube_steps.py: the drain's step, what was not deleted and why, why a namespace is stuck -------------
@frozen
class DrainStep:
    """The drain of namespace `namespace` as a step of the run's log: all its workloads (`stores`), or its
    writers only."""
    namespace: str
    stores: bool


@frozen
class RecreatedNotDeleted:
    """Namespace `namespace` was created again since the plan (uid `uid`, the plan's `planned`): not deleted."""
    namespace: str
    uid: str
    planned: str


@frozen
class UidNotPlanned:
    """The plan has no uid for the namespace (an older hubtui made it): not deleted."""


@frozen
class WebhookFoundAgain:
    """A webhook or APIService of that name has another uid, after this run's delete lost its answer: not
    deleted (the first delete may have removed the planned one)."""


@frozen
class WebhookCreatedAgain:
    """A webhook or APIService was created again since the plan: not deleted."""


@frozen
class NamespaceUnread:
    """The state of a namespace still Terminating could not be read."""


@frozen
class StuckCondition:
    """A status condition of a Terminating namespace that says what holds it: its `kind` (type) and `message`."""
    kind: str
    message: str


@frozen
class StuckWhy:
    """What holds a Terminating namespace: its status `conditions` and its `finalizers` (none: not said yet)."""
    conditions: tuple[StuckCondition, ...]
    finalizers: tuple[str, ...]


# ----- local_state.py ---------------------------------------------------------------------------------
@frozen
class KubeconfigUnreadable:
    """The kubeconfig `path` cannot be read (`strerror`)."""
    path: str
    strerror: str | None


@frozen
class KubeconfigNotYaml:
    """The kubeconfig `path` is not valid YAML: it is left as it is."""
    path: str


@frozen
class KubeconfigToClean:
    """What the local step removes from kubeconfig `file`: its `contexts`, and the `clusters` and `users` only
    they use (KubeconfigEntries.describe)."""
    file: str
    contexts: tuple[str, ...]
    clusters: tuple[str, ...]
    users: tuple[str, ...]


# ----- lock.py ----------------------------------------------------------------------------------------
@frozen
class NoLockName:
    """`environment` cannot name a lock file (empty, a '/', a NUL, a leading '.')."""
    environment: str


@frozen
class LockHeldHere:
    """This very lock of `environment` is held already (entered twice)."""
    environment: str


@frozen
class LockHeld:
    """A run of `environment` holds the lock on this machine: pid `pid` on `host` since `started`, as it wrote
    them (None: it did not)."""
    environment: str
    pid: str | None
    host: str | None
    started: str | None


@frozen
class LockKeepsMoving:
    """The lock file `path` kept being replaced while hubtui took it."""
    path: str


@frozen
class LockUnavailable:
    """The lock file `path` cannot be made or locked: `reason` (the system's, or the error's kind)."""
    path: str
    reason: str


# ----- plan.py: the options checked ---------------------------------------------------------------------
@frozen
class UnknownProvider:
    """`provider` is not one of `providers`."""
    provider: str
    providers: tuple[str, ...]


@frozen
class NoEnvironment:
    """The environment was not named."""


@frozen
class BadEnvironmentName:
    """`environment` is not a DNS label (lower-case letters, digits and '-'), or has spaces around it."""
    environment: str


@frozen
class BadNamespaceName:
    """`namespace` is not a valid Kubernetes namespace name."""
    namespace: str


@frozen
class SystemNamespace:
    """`namespace` is one of Kubernetes itself."""
    namespace: str


@frozen
class PlatformNamespace:
    """`namespace` matches `pattern` of the platforms' namespaces (a service mesh, a GitOps controller...)."""
    namespace: str
    pattern: str


# ----- plan.py: a saved plan ----------------------------------------------------------------------------
@frozen
class PlanUnreadable:
    """The saved plan `path` cannot be read, or is not JSON: `cause` (an error)."""
    path: str
    cause: object


@frozen
class PlanRiskUnknown:
    """The saved plan `path` holds a risk this hubtui does not know (another version saved it)."""
    path: str


@frozen
class PlanEvidenceUnknown:
    """The saved plan `path` holds evidence this hubtui does not know (another version saved it)."""
    path: str


@frozen
class PlanChanged:
    """The saved plan `path` does not match its hash."""
    path: str


@frozen
class PlanForOtherCluster:
    """The plan was made for context `context` (`server`), but hubtui is connected to `connected`
    (`connected_server`)."""
    context: str
    server: str
    connected: str
    connected_server: str


@frozen
class PlanUnsaved:
    """The plan cannot be saved to `path` (`strerror`)."""
    path: str
    strerror: str | None


# ----- plan.py: what hubtui was doing ---------------------------------------------------------------------
@frozen
class ListingNamespace:
    """Listing what namespace `namespace` holds."""
    namespace: str


@frozen
class ListingInfraUsers:
    """Listing what uses an infrastructure namespace from other namespaces."""


@frozen
class ListingWebhooks:
    """Listing the `kind` (validating, mutating) webhook configurations."""
    kind: str


@frozen
class ListingApiServices:
    """Listing the APIServices."""


@frozen
class ListingCrds:
    """Listing the CustomResourceDefinitions."""


# ----- runner.py: what runs again in a drained namespace (DrainUndone's `running`) -------------------------
@frozen
class RunsAgain:
    """`what` (kind/name) runs again in namespace `namespace`."""
    namespace: str
    what: str


# ----- session.py -------------------------------------------------------------------------------------
@frozen
class RunUnconfirmed:
    """A run of `environment` was asked of the session before its plan was confirmed (or a second time)."""
    environment: str


@frozen
class SavedPlanUnusable:
    """An interrupted run's saved plan cannot run again here, for `cause` (the error its load raised): said
    without its "nothing was changed" (the refusal or the question says what happens)."""
    cause: object


# ----- runner.py, session.py: what read-only refuses (hubtui.ops.failures.ReadOnlyRefused's `what`) ---------
@frozen
class Destroying:
    """Destroying the environment `environment`."""
    environment: str


# ----- runner.py, kube_steps.py: names the log and the journal give a step and a served object ----------------
@frozen
class StepTitle:
    """The title of the run's step `step` (a key of ops/cleanup/steps.py)."""
    step: str


@frozen
class Served:
    """A cluster-wide object served from a doomed namespace: `kind` (a webhook configuration's, or "apiservice")
    and `name`."""
    kind: str
    name: str
