"""What went wrong in scaling, connecting and the fleet, as data: hubtui.errors.HubError holds one of these, and
hubtui.present.ops_failures words it (what an operator reads lives in present/).

Some are not errors but what hubtui was doing when one happened (describe_api_error's `doing`), or the change
read-only mode refused (ReadOnlyRefused's `what`): those are worded as phrases, to begin or fill an error's line.
Others are the lines the engine holds as text in its results and events (a change's error, a step's detail, a
hub's why): it holds them worded, with hubtui.errors.said."""

from __future__ import annotations

from ..frozen import frozen


# ----- a change refused in read-only mode (hubs.py, connect.py) ------------------------------------------------
@frozen
class ReadOnlyRefused:
    """`what` (a fact worded as a phrase, or the phrase of a caller that still words it) was refused because
    read-only mode is on, for `why`."""
    why: str
    what: object


@frozen
class ReadOnlyThrough:
    """Why a hub is read-only (hubs.hub_readonly_reason): another context of the kubeconfig, `context`, reaches the
    same server and namespace, and is read-only for `reason` (its own line)."""
    context: str
    reason: str


@frozen
class Scaling:
    """What read-only mode refused: scaling deployments."""


@frozen
class StoreShell:
    """What read-only mode refused: a shell in the pod of `store` (its title), which has no read-only form."""
    store: str


@frozen
class StoreCommand:
    """What read-only mode refused: a command in the pod of `store` (its title), which has no read-only form."""
    store: str


@frozen
class UndoesReadOnly:
    """What read-only mode refused: a psql command (or SQL file) that would turn read-only off or run a shell."""


# ----- connect.py: the store's pod, the clients, a session's or a command's plan -------------------------------
@frozen
class UnknownTarget:
    """`connect` was asked for `name`, which is none of its stores."""
    name: str


@frozen
class PodState:
    """One pod as a connect error shows it: `phase` (Running, Pending, …), Ready or not, being deleted or not."""
    name: str
    phase: str
    ready: bool
    deleting: bool


@frozen
class PodNotReady:
    """The pod asked for by name, in `namespace`, is not ready (`pod`: its state)."""
    namespace: str
    pod: PodState


@frozen
class NoReadyPod:
    """No pod of `store` (its title) in `namespace` is ready. `matched`: some pods are the store's (`pods`: those),
    else none is (`pods`: every pod of the namespace)."""
    store: str
    namespace: str
    matched: bool
    pods: tuple[PodState, ...]


@frozen
class KubectlMissing:
    """kubectl is not on PATH: a session runs `kubectl exec -it`."""


@frozen
class PgClientMissing:
    """`connect timescaledb --local`, and neither pgcli nor psql is on PATH."""


@frozen
class RedisCliMissing:
    """`connect redis --local`, and redis-cli is not on PATH."""


@frozen
class NoLocalClient:
    """`--local` asked of `store` (its title; `key` its name on the command line), which has no client here."""
    store: str
    key: str


@frozen
class SqlFileNeedsTimescale:
    """-f (a SQL file) given for a store other than TimescaleDB."""


@frozen
class JsonNeedsTimescale:
    """--json (a query's rows) given for a store other than TimescaleDB."""


@frozen
class SqlFileUnreadable:
    """The SQL file `path` could not be read (`cause`: the OSError)."""
    path: str
    cause: object


@frozen
class SqlFileTooBig:
    """The SQL file `path` is over `limit` bytes (it goes on the command line)."""
    path: str
    limit: int


@frozen
class NoCommand:
    """-c given no command (and no -f FILE)."""


@frozen
class FindingPod:
    """What hubtui was doing: finding the pod of `store` (its title) in `namespace`."""
    store: str
    namespace: str


@frozen
class ListingPods:
    """What hubtui was doing: listing the pods of `namespace`."""
    namespace: str


@frozen
class ReadingSecret:
    """What hubtui was doing: reading the secret that holds a store's password (the problem names the secret)."""


# ----- connect.py: what a session or a command says besides its own output ------------------------------------
@frozen
class SessionWarning:
    """A warning said before a session opens (`text`: present/connect.py's line)."""
    text: str


@frozen
class HubtuiSays:
    """A line hubtui says on a session's terminal while its client runs (the port-forward dropped: `line`)."""
    line: str


@frozen
class SessionError:
    """A session's error: `then` (what went wrong at its end: the port-forward dropped, its end not audited),
    after the session's own error `before` (None or '': none)."""
    before: str | None
    then: str


@frozen
class CommandNoAnswer:
    """A command (connect -c) gave no answer within `seconds`, and was stopped."""
    seconds: float


# ----- hubs.py: the kubeconfig's contexts ---------------------------------------------------------------------
@frozen
class NoContexts:
    """The kubeconfig `paths` has no contexts."""
    paths: str


@frozen
class NoContextNamed:
    """--contexts gave only blank patterns."""


@frozen
class NoContextMatches:
    """No context matches each of `patterns`; the kubeconfig has `contexts` (in its order)."""
    patterns: tuple[str, ...]
    contexts: tuple[str, ...]


# ----- scale.py: the replica count, the deployments, the changes ----------------------------------------------
@frozen
class ReplicasNotANumber:
    """A replica count given as `text`, which is not a whole number (from 0 to `most`)."""
    text: str
    most: int


@frozen
class ReplicasNegative:
    """A replica count `n` below 0."""
    n: int


@frozen
class ReplicasTooMany:
    """A replica count `n` above `most`, the most hubtui allows."""
    n: int
    most: int


@frozen
class DeploymentNotFound:
    """No deployment `name` in `namespace` (None: in any namespace, named namespace/name). `close`: the names
    that look like it; else `known`, those there are."""
    name: str
    namespace: str | None
    close: tuple[str, ...]
    known: tuple[str, ...]


@frozen
class NoNamespace:
    """A change across all namespaces met `deployment`, a row that carries no namespace."""
    deployment: str


@frozen
class ChangeFailed:
    """The change of `deployment` failed, for `error` (its line; None or '': none was said)."""
    deployment: str
    error: str | None


@frozen
class ChangesFailed:
    """Some changes of a scale failed (each with its error)."""
    failed: tuple[ChangeFailed, ...]


@frozen
class ScalingDeployment:
    """What hubtui was doing: scaling the deployment `ref` (namespace/name across namespaces)."""
    ref: str


@frozen
class ClearingRecord:
    """What hubtui was doing: clearing the recorded count (hubtui.io/original-replicas) of the deployment `ref`."""
    ref: str


# ----- scale.py: a change's line (ScaleChange.error, its step's), a restore's, a rollback's, a wait's ------------
@frozen
class NotSentNoAudit:
    """A change not sent: the audit log cannot be written (an earlier change found it so)."""


@frozen
class NotSentStopped:
    """A change not sent: the operator stopped the run first."""


@frozen
class DoneNoAudit:
    """A change made, whose audit line cannot be written."""


@frozen
class AnswerLost:
    """The change of `ref` to `n` was sent twice (its first answer lost), the second copy was refused, and the
    deployment does not show it now (or cannot be read): the first copy may have been made and changed since."""
    ref: str
    n: int


@frozen
class ChangedSince:
    """A change of `ref` sent on the version read was not made: the deployment moved since, and not only its
    status."""
    ref: str


@frozen
class DryRun:
    """A step's detail: a dry run (the API server validates each change, nothing is changed)."""


@frozen
class DryRunNothingChanged:
    """A dry-run step's end: nothing was changed."""


@frozen
class SentOnCountNow:
    """A step's end: sent again after a conflict, on the count the deployment has now (`count`), not the one its
    line was drawn with."""
    count: int


@frozen
class RollbackGone:
    """The rollback of `deployment` failed: it is gone (deleted since the change)."""
    deployment: str


@frozen
class RecordInvalid:
    """A restore left `ref` alone: its record is not a valid count (`problem`: why, kube/deployments.py's line);
    it stays at `desired`."""
    ref: str
    problem: str
    desired: int


@frozen
class NoRecord:
    """A restore left `ref` alone: it has no recorded count."""
    ref: str


@frozen
class ChangedSinceMaintenance:
    """A restore (without force) left `ref` alone: it is at `now`, not 0, though its record says `recorded`."""
    ref: str
    now: int
    recorded: int


@frozen
class DeploymentGone:
    """Why a deployment waited on is not ready: it is gone."""


@frozen
class NoAnswer:
    """Why a deployment waited on is not known to be ready: the API server did not answer (no error was said)."""


@frozen
class PodsUnread:
    """Why a deployment scaled to 0 is not known to be done: its pods could not be read (`error`: the watch's last
    line; None: no answer), so they are not known to be gone."""
    error: str | None


@frozen
class NotReadyWhenStopped:
    """A wait's step: a deployment not ready when the operator stopped the wait, for `why`."""
    why: str


@frozen
class NotReadyAfter:
    """A wait's step: a deployment not ready after `seconds`, for `why`."""
    seconds: float
    why: str


# ----- fleet.py: the hubs ---------------------------------------------------------------------------------------
@frozen
class PointsElsewhere:
    """The hub's context `context` now points at `server`, not at `was`, where the fleet showed it (the kubeconfig
    changed since): nothing was changed."""
    context: str
    server: str
    was: str


@frozen
class HubNamespaceNotFound:
    """A hub's view (HubView.why): its namespace `namespace` is not there."""
    namespace: str
