"""What went wrong talking to a cluster, as data: hubtui.errors.HubError holds one of these, and
hubtui.present.kube_failures words it (what an operator reads lives in present/). The kube layer's other lines
are facts here too, held as text with hubtui.errors.said(): why a request failed or a deployment is not ready,
what a port-forward met, what a watch watches."""

from __future__ import annotations

from ..frozen import frozen


@frozen
class ApiFailed:
    """A request failed while hubtui was `doing` something (a fact of the calling layer, worded as a phrase:
    "reading namespace hub"). `kind` is one of kube.client's UNAUTHORIZED, FORBIDDEN, UNREACHABLE, FAILED;
    `status` the HTTP status (0: no answer); `reason` the status's reason or the network's, in plain words;
    `said` the server's own message ('' when it gave none); `error` the text of an unexpected error (None: the
    failure was an API's or the network's)."""
    doing: object
    kind: str
    status: int = 0
    reason: str = ""
    said: str = ""
    error: str | None = None


# ----- client.py: the kubeconfig, and what an API server returned -------------------------------------
@frozen
class NoKubeconfig:
    """No file of the kubeconfig path list `paths` exists."""
    paths: str


@frozen
class KubeconfigUnreadable:
    """The kubeconfig list `paths` cannot be read: `cause` is the OSError."""
    paths: str
    cause: object


@frozen
class KubeconfigUnusable:
    """The kubeconfig list `paths` does not parse, or holds what cannot be used: `cause` is the error (its
    first line says why)."""
    paths: str
    cause: object


@frozen
class LoaderRefused:
    """The library's loader refused the kubeconfig list `paths`: `cause` is its ConfigException, whole."""
    paths: str
    cause: object


@frozen
class NoSuchContext:
    """The library's loader does not find context `context` in the kubeconfig list `paths`."""
    context: str
    paths: str


@frozen
class ContextsUnreadable:
    """The contexts of the kubeconfig list `paths` cannot be read: `cause` is the error."""
    paths: str
    cause: object


@frozen
class NoMetadata:
    """The API server returned an object of the client's model `model` (V1Pod…) without metadata."""
    model: str


@frozen
class Nameless:
    """The API server returned an object of the client's model `model` (V1Pod…) without a name."""
    model: str


@frozen
class ReachingContext:
    """Doing: the first request to context `context`, whose API server is `server`."""
    context: str
    server: str


# ----- client.py: why a request failed, in a few words (failure_kind's why, network_reason's reason) --------
@frozen
class Unauthorized:
    """The API server refused the credentials (401)."""


@frozen
class ReadForbidden:
    """The API server forbade the user what was asked (403)."""


@frozen
class ApiStatus:
    """The API server answered with the error status `status` and its reason `reason` (as the library gives it:
    '' or None for none)."""
    status: int
    reason: object


@frozen
class NameDoesNotResolve:
    """The API server's host name does not resolve."""


@frozen
class ConnectionRefused:
    """The API server's address refused the connection."""


@frozen
class NoAnswerInTime:
    """No connection, or no answer, in the time allowed."""


@frozen
class TlsMismatch:
    """The TLS handshake failed: the certificate or the CA does not match."""


@frozen
class ConnectionDropped:
    """The connection was dropped (reset, or ended before the whole answer)."""


@frozen
class NoRoute:
    """There is no route to the API server's host or network."""


@frozen
class NoConnection:
    """The connection failed, for no reason known to hubtui."""


@frozen
class ConnectionFailed:
    """A network failure the library reported with no reason."""


# ----- kubeconfig.py: a kubeconfig hubtui reads itself ---------------------------------------------------
@frozen
class NotAKubeconfig:
    """The file `path` holds no mapping at its top."""
    path: str


@frozen
class NotBase64:
    """A `key`-data of the kubeconfig (certificate-authority, client-key…) is not base64."""
    key: str


@frozen
class NoCurrentContext:
    """The kubeconfig list `paths` sets no current context, and none was asked for."""
    paths: str


@frozen
class UnknownContext:
    """Context `context` was asked for; the kubeconfig list `paths` has only `contexts`."""
    context: str
    paths: str
    contexts: tuple[str, ...]


@frozen
class CurrentContextUndefined:
    """The current context of the kubeconfig list `paths`, `context`, is not defined in it."""
    paths: str
    context: str


@frozen
class UndefinedCluster:
    """Context `context` names cluster `cluster`, which the kubeconfig list `paths` does not define."""
    context: str
    cluster: str
    paths: str


@frozen
class NoServer:
    """Cluster `cluster` of the kubeconfig list `paths` has no server."""
    cluster: str
    paths: str


@frozen
class ServerNotHttp:
    """Cluster `cluster` of the kubeconfig list `paths` has a server, `server`, that is no http or https URL."""
    cluster: str
    paths: str
    server: str


@frozen
class Impersonates:
    """User `user` of the kubeconfig list `paths` impersonates (its keys `keys`: as, as-groups…)."""
    user: str
    paths: str
    keys: tuple[str, ...]


@frozen
class HalfClientCertificate:
    """User `user` of the kubeconfig list `paths` has a client certificate without its key, or the reverse."""
    user: str
    paths: str


@frozen
class ExecWithoutCommand:
    """The exec plugin of user `user` of the kubeconfig list `paths` names no command."""
    user: str
    paths: str


@frozen
class FileUnreadable:
    """The file `file` that `key` (certificate-authority, client-certificate, client-key, tokenFile) of context
    `context` names cannot be read; `exists`: it is there (else it does not exist)."""
    key: str
    file: str
    context: str
    exists: bool


# ----- http.py: the credential -------------------------------------------------------------------------
@frozen
class TokenFileUnreadable:
    """The token file `path` cannot be read (and no token was read from it before): `cause` is the OSError."""
    path: str
    cause: object


@frozen
class PluginNotInstalled:
    """The credential plugin `command` of user `user` is not found; `install_hint` is the kubeconfig's
    installHint ('' for none)."""
    command: str
    user: str
    install_hint: str


@frozen
class PluginUnrunnable:
    """The credential plugin `command` cannot be run (not executable, a folder…): `cause` is the OSError."""
    command: str
    cause: object


@frozen
class PluginSilent:
    """The credential plugin `command` gave no answer in `seconds`."""
    command: str
    seconds: float


@frozen
class PluginFailed:
    """The credential plugin `command` exited with `exit` (not 0); `said` is the last line of its stderr ('' for
    none)."""
    command: str
    exit: int
    said: str


@frozen
class PluginGaveNoCredential:
    """The credential plugin `command` printed no ExecCredential hubtui can use: `cause` is why."""
    command: str
    cause: object


# why a plugin's output is not a credential (PluginGaveNoCredential's cause)
@frozen
class NotExecCredential:
    """The output is not an ExecCredential of the kubeconfig's apiVersion `api_version`."""
    api_version: str


@frozen
class StatusNotObject:
    """The ExecCredential's status is not an object."""


@frozen
class NoTokenNorCertificate:
    """The ExecCredential's status holds neither a token nor a client certificate and its key."""


@frozen
class ExpiryWithoutZone:
    """The ExecCredential's expirationTimestamp, `expires` (as written), has no time zone."""
    expires: object


# ----- wire.py: a request ------------------------------------------------------------------------------
@frozen
class LineBreakInRequest:
    """A request's header or path holds a line break: it was not sent."""


# ----- objects.py: an object's path --------------------------------------------------------------------
@frozen
class Unnamed:
    """An object of `resource` was given an empty `missing` (name, namespace): its path would be the whole
    collection's, and nothing was sent."""
    resource: str
    missing: str


# ----- namespaces.py -----------------------------------------------------------------------------------
@frozen
class NamespaceNotFound:
    """Namespace `name` does not exist in context `context`: nothing was changed."""
    name: str
    context: str


@frozen
class ListingNamespaces:
    """Doing: listing the namespaces."""


@frozen
class ReadingNamespace:
    """Doing: reading namespace `name`."""
    name: str


# ----- pods.py: why a deployment's pods are not (yet) what was asked for (not_ready_reasons) -------------
@frozen
class RolloutUnfinished:
    """No reason is known: the rollout has not finished."""


@frozen
class ControllerBehind:
    """The deployment controller has not seen the deployment's latest change (its observedGeneration)."""


@frozen
class ReplicaFailure:
    """The deployment's ReplicaFailure condition is True: `message` is its message (else its reason)."""
    message: object


@frozen
class ProgressDeadline:
    """The deployment's Progressing condition says ProgressDeadlineExceeded."""


@frozen
class PodsTerminating:
    """`count` pods of the deployment are still terminating."""
    count: int


@frozen
class PodsUnschedulable:
    """`count` pods cannot be scheduled: `why` is the first one's message, else its reason ('' for none)."""
    count: int
    why: object


@frozen
class PodsPending:
    """`count` pods are pending."""
    count: int


@frozen
class ContainersWaiting:
    """Containers wait, for the reasons `reasons` (as the kubelet says them, sorted, once each)."""
    reasons: tuple[str, ...]


@frozen
class PodsRunningNotReady:
    """`count` pods run but are not ready."""
    count: int


@frozen
class PodsCreated:
    """Only `live` of the `desired` pods were created."""
    live: int
    desired: int


# ----- deployments.py ----------------------------------------------------------------------------------
@frozen
class OriginalReplicasNotACount:
    """The hubtui.io/original-replicas annotation holds `value`, which is not plain ASCII digits (a count from
    0 to MAX_REPLICAS)."""
    value: object


@frozen
class OriginalReplicasTooMany:
    """The hubtui.io/original-replicas annotation holds `value`, more than MAX_REPLICAS (what hubtui
    restores)."""
    value: object


@frozen
class ListingDeployments:
    """Doing: listing the deployments of `namespace` (None: of every namespace)."""
    namespace: str | None


@frozen
class ListingHpas:
    """Doing: listing the HPAs of `namespace` (None: of every namespace)."""
    namespace: str | None


@frozen
class ReadingDeployment:
    """Doing: reading deployment `name` (in `namespace`, when it is said)."""
    name: str
    namespace: str | None = None


@frozen
class RecordChanged:
    """A restore of deployment `name` was refused: its count or record changed since it was read
    (deployments.StaleRestore)."""
    name: str


# ----- detail.py: one deployment, its pods' logs ---------------------------------------------------------
@frozen
class DeploymentNotFound:
    """Deployment `name` does not exist in namespace `namespace`."""
    name: str
    namespace: str


@frozen
class EmptySelector:
    """Deployment `name` selects its pods with an empty selector: hubtui cannot tell which are its."""
    name: str


@frozen
class DetailClosed:
    """A log was asked of a deployment's detail that was closed."""


@frozen
class ReadingLogs:
    """Doing: following the log of `container` in pod `pod`."""
    pod: str
    container: str


@frozen
class LogRefused:
    """The log of `container` in pod `pod` cannot be followed: `said` is the API server's own message (e.g.
    'container "x" in pod "y" is waiting to start: ...')."""
    pod: str
    container: str
    said: str


@frozen
class PodNotScheduled:
    """Why a log ended, or never began: pod `pod` runs on no node yet."""
    pod: str


@frozen
class ContainerRestarting:
    """Why a log ended: `container` ran before and waits to restart (`reason`, as the kubelet says; '' for
    none)."""
    container: str
    reason: str


@frozen
class ContainerNotStarted:
    """Why a log has nothing to follow: `container` has not started yet (`reason`, as the kubelet says; '' for
    none)."""
    container: str
    reason: str


# ----- portforward.py ----------------------------------------------------------------------------------
@frozen
class CannotListen:
    """Port `port` of 127.0.0.1 cannot be listened on (0: one the system picks): `cause` is the OSError."""
    port: int
    cause: object


@frozen
class PortForwardForbidden:
    """The user may not create pods/portforward for pod `pod` in namespace `namespace` (403)."""
    pod: str
    namespace: str


@frozen
class PodNotFound:
    """Pod `pod` does not exist in namespace `namespace`."""
    pod: str
    namespace: str


@frozen
class PortForwarding:
    """Doing: opening a port-forward stream to pod `pod`."""
    pod: str


@frozen
class StreamDropped:
    """A port-forward stream to `pod`:`port` dropped under its client: `why` is the pod's error channel's own
    words, or why the API server cannot be reached (ApiServerUnreachable, ApiServerFailing, worded)."""
    pod: str
    port: int
    why: str


@frozen
class ForwardDropped:
    """The port-forward dropped, and nothing more is known."""


@frozen
class FirstProblem:
    """The port-forward's first problem, `first` (a line), and how many more there were (`more`: 0 for none)."""
    first: str
    more: int


@frozen
class ApiServerUnreachable:
    """The API server cannot be reached (checked after a stream ended): `why` in a few words."""
    why: str


@frozen
class ApiServerFailing:
    """The API server answered, with a failure (checked after a stream ended): `why` in a few words."""
    why: str


# ----- watch.py ----------------------------------------------------------------------------------------
@frozen
class Watching:
    """Doing: watching `what`: what the watch watches, a fact below (PodsIn…) worded as a phrase ("pods in hub"),
    or a plain str (a test's own name)."""
    what: object


@frozen
class WatchError:
    """A watch stream's ERROR event, or a watch's failure, that says nothing more."""


# what a watch watches (Watcher's `what`), worded as a phrase
@frozen
class DeploymentsIn:
    """The deployments of `namespace` (None: of every namespace)."""
    namespace: str | None


@frozen
class HpasIn:
    """The HPAs of `namespace` (None: of every namespace)."""
    namespace: str | None


@frozen
class PodsIn:
    """The pods of `namespace` (None: of every namespace)."""
    namespace: str | None


@frozen
class DeploymentPart:
    """One collection (`part`: deployment, replicasets, pods, events) of deployment `name`'s detail."""
    part: str
    name: str


@frozen
class NamespaceNamed:
    """Namespace `name` itself."""
    name: str
