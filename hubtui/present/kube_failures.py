"""What went wrong talking to a cluster (hubtui.kube.failures), worded: one line each. What hubtui was doing
when it went wrong (a "doing" fact: ReadingNamespace…), and what a watch watches (PodsIn…), are worded as
phrases, for the start of such a line."""

from __future__ import annotations

from ..words import counted
from .failures import os_reason, phrase


def text(fact) -> str:
    from ..kube import failures as f
    from ..kube.client import FORBIDDEN, UNAUTHORIZED, UNREACHABLE

    match fact:
        case f.ApiFailed(doing, kind, status, reason, said, error):
            what = phrase(doing)
            if error is not None:
                return f"{what}: {error}"
            if kind == UNAUTHORIZED:
                return f"{what}: unauthorized (401): the kubeconfig's credentials were refused"
            if kind == FORBIDDEN:
                return f"{what}: forbidden (403): your user may not do this; ask for RBAC access"
            if kind == UNREACHABLE:
                return f"{what}: cannot reach the API server ({reason}); is the cluster up?"
            if status == 404:
                return f"{what}: not found (404)"
            return f"{what}: API error {status} {reason}" + (f": {said}" if said else "")

        # ----- client.py: the kubeconfig, and what an API server returned
        case f.NoKubeconfig(paths):
            return f"no kubeconfig found at {paths}: pass --kubeconfig or set KUBECONFIG"
        case f.KubeconfigUnreadable(paths, e):
            return f"cannot read kubeconfig {paths}: {os_reason(e)}"
        case f.KubeconfigUnusable(paths, e):
            return f"cannot use kubeconfig {paths}: {_first_line(e)}"
        case f.LoaderRefused(paths, e):
            return f"cannot use kubeconfig {paths}: {e}"
        case f.NoSuchContext(context, paths):
            return f"context {context!r} is not in {paths}"
        case f.ContextsUnreadable(paths, e):
            return f"cannot read the contexts of {paths}: {e}"
        case f.NoMetadata(model):
            return f"the API server returned a {model} without metadata"
        case f.Nameless(model):
            return f"the API server returned a {model} without a name"
        case f.ReachingContext(context, server):
            return f"context {context} ({server})"

        # ----- client.py: why a request failed, in a few words (failure_kind's why, network_reason's reason)
        case f.Unauthorized():
            return "the credentials were refused (401): sign in again"
        case f.ReadForbidden():
            return "forbidden (403): your user may not read this"
        case f.ApiStatus(status, reason):
            return f"API error {status} {reason}".strip()
        case f.NameDoesNotResolve():
            return "its name does not resolve"
        case f.ConnectionRefused():
            return "connection refused"
        case f.NoAnswerInTime():
            return "no answer in time"
        case f.TlsMismatch():
            return "the TLS handshake failed: the certificate or the CA does not match"
        case f.ConnectionDropped():
            return "the connection was dropped"
        case f.NoRoute():
            return "no route to it"
        case f.NoConnection():
            return "no connection"
        case f.ConnectionFailed():
            return "the connection failed"

        # ----- kubeconfig.py: a kubeconfig hubtui reads itself
        case f.NotAKubeconfig(path):
            return f"cannot use kubeconfig {path}: it is not a kubeconfig (no mapping at its top)"
        case f.NotBase64(key):
            return f"the kubeconfig's {key}-data is not base64"
        case f.NoCurrentContext(paths):
            return f"{paths} has no current context: pass --context"
        case f.UnknownContext(context, paths, contexts):
            names = ", ".join(contexts) or "none"
            return f"context {context!r} is not in {paths} (contexts: {names})"
        case f.CurrentContextUndefined(paths, name):
            return f"{paths}: its current context {name!r} is not defined in it"
        case f.UndefinedCluster(name, cluster_name, paths):
            return f"context {name!r} names cluster {cluster_name!r}, which {paths} does not define"
        case f.NoServer(cluster_name, paths):
            return f"cluster {cluster_name!r} of {paths} has no server"
        case f.ServerNotHttp(cluster_name, paths, server):
            return f"cluster {cluster_name!r} of {paths}: its server {server!r} is not an http or https URL"
        case f.Impersonates(user_name, paths, impersonating):
            return (f"user {user_name!r} of {paths} impersonates ({', '.join(impersonating)}): hubtui cannot "
                    "act as another user; use a context without it")
        case f.HalfClientCertificate(user_name, paths):
            return (f"user {user_name!r} of {paths} has a client certificate without its key, or a key without "
                    "its certificate")
        case f.ExecWithoutCommand(user_name, paths):
            return f"user {user_name!r} of {paths}: its exec plugin names no command"
        case f.FileUnreadable(what, file, name, exists):
            why = "does not exist" if not exists else "cannot be read"
            return f"the {what} {file} of context {name!r} {why}"

        # ----- http.py: the credential
        case f.TokenFileUnreadable(token_file, e):
            return f"cannot read the token file {token_file}: {os_reason(e)}"
        case f.PluginNotInstalled(command, user, install_hint):
            hint = f" ({install_hint.strip()})" if install_hint.strip() else ""
            return f"the credential plugin {command!r} of user {user!r} is not installed{hint}"
        case f.PluginUnrunnable(command, e):
            return f"cannot run the credential plugin {command!r}: {os_reason(e)}"
        case f.PluginSilent(command, timeout):
            return f"the credential plugin {command!r} gave no answer in {timeout:g} s"
        case f.PluginFailed(command, returncode, said):
            return f"the credential plugin {command!r} failed (exit {returncode})" + (f": {said}" if said else "")
        case f.PluginGaveNoCredential(command, e):
            return f"the credential plugin {command!r} printed no credential: {e}"
        # why a plugin's output is not a credential (PluginGaveNoCredential's cause)
        case f.NotExecCredential(api_version):
            return "not an ExecCredential of " + api_version
        case f.StatusNotObject():
            return "its status is not an object"
        case f.NoTokenNorCertificate():
            return "neither a token nor a client certificate and its key"
        case f.ExpiryWithoutZone(expires):
            return f"expirationTimestamp {expires} has no time zone"

        # ----- wire.py: a request
        case f.LineBreakInRequest():
            return ("a request's header or path holds a line break (a token or name with a newline "
                    "in it?): not sent")

        # ----- objects.py: an object's path
        case f.Unnamed(resource, missing):
            return f"an object of {resource} without a {missing}: not sent"

        # ----- namespaces.py
        case f.NamespaceNotFound(name, context):
            return f"namespace {name!r} not found in context {context}: nothing was changed"
        case f.ListingNamespaces():
            return "listing namespaces"
        case f.ReadingNamespace(name):
            return f"reading namespace {name}"

        # ----- pods.py: why a deployment's pods are not (yet) what was asked for
        case f.RolloutUnfinished():
            return "waiting for the rollout to finish"
        case f.ControllerBehind():
            return "the deployment controller has not seen the change yet"
        case f.ReplicaFailure(message):
            return f"replica failure: {message}"
        case f.ProgressDeadline():
            return "progress deadline exceeded"
        case f.PodsTerminating(count):
            return f"{counted(count, 'pod')} still terminating"
        case f.PodsUnschedulable(count, why):
            return f"{counted(count, 'pod')} unschedulable: {why or 'unschedulable'}"
        case f.PodsPending(count):
            return f"{counted(count, 'pod')} pending"
        case f.ContainersWaiting(reasons):
            return f"containers waiting: {', '.join(reasons)}"
        case f.PodsRunningNotReady(count):
            return f"{counted(count, 'pod')} running but not ready"
        case f.PodsCreated(live, desired):
            return f"{live} of {desired} pods created"

        # ----- deployments.py
        case f.OriginalReplicasNotACount(value):
            from ..kube.deployments import MAX_REPLICAS, ORIGINAL_REPLICAS_ANNOTATION

            return (f"{ORIGINAL_REPLICAS_ANNOTATION} is {_shown(value)}, not a whole number from "
                    f"0 to {MAX_REPLICAS}")
        case f.OriginalReplicasTooMany(value):
            from ..kube.deployments import MAX_REPLICAS, ORIGINAL_REPLICAS_ANNOTATION

            return (f"{ORIGINAL_REPLICAS_ANNOTATION} is {_shown(value)}, more than hubtui "
                    f"restores ({MAX_REPLICAS})")
        case f.ListingDeployments(namespace):
            return f"listing {text(f.DeploymentsIn(namespace))}"
        case f.ListingHpas(namespace):
            return f"listing {text(f.HpasIn(namespace))}"
        case f.ReadingDeployment(name, None):
            return f"reading deployment {name}"
        case f.ReadingDeployment(name, namespace):
            return f"reading deployment {name} in {namespace}"
        case f.RecordChanged(name):
            return f"{name}: its count or record changed since it was read"

        # ----- detail.py: one deployment, its pods' logs
        case f.DeploymentNotFound(name, namespace):
            return f"deployment {name} not found in namespace {namespace}"
        case f.EmptySelector(name):
            return f"deployment {name} has an empty selector: hubtui cannot tell its pods"
        case f.DetailClosed():
            return "the detail view is closed"
        case f.ReadingLogs(pod, container):
            return f"logs of {pod}/{container}"
        case f.LogRefused(pod, container, message):
            return f"logs of {pod}/{container}: {message}"
        case f.PodNotScheduled(pod):
            return f"pod {pod} is not scheduled yet: there is no log until it runs on a node"
        case f.ContainerRestarting(container, reason):
            why = f" ({reason})" if reason else ""
            return f"container {container} is waiting to restart{why}: the log ended with its last run"
        case f.ContainerNotStarted(container, reason):
            why = f" ({reason})" if reason else ""
            return f"container {container} has not started yet{why}: there is no log to follow"

        # ----- portforward.py
        case f.CannotListen(local_port, e):
            return f"cannot listen on 127.0.0.1:{local_port}: {os_reason(e)}"
        case f.PortForwardForbidden(pod, namespace):
            return (f"port-forward to pod {pod} is forbidden (403): your user may not create "
                    "pods/portforward in namespace " + namespace)
        case f.PodNotFound(pod, namespace):
            return f"pod {pod} not found in namespace {namespace}"
        case f.PortForwarding(pod):
            return f"port-forward to pod {pod}"
        case f.StreamDropped(pod, port, why):
            return f"the port-forward to {pod}:{port} dropped: {why}"
        case f.ForwardDropped():
            return "the port-forward dropped"
        case f.FirstProblem(first, more):
            return first + (f" (and {more} more)" if more > 0 else "")
        case f.ApiServerUnreachable(why):
            return f"the API server cannot be reached ({why})"
        case f.ApiServerFailing(why):
            return f"the API server: {why}"

        # ----- watch.py
        case f.Watching(what):
            return f"watching {phrase(what)}"
        case f.WatchError():
            return "watch error"
        # what a watch watches, as a phrase
        case f.DeploymentsIn(namespace):
            return f"deployments in {_where(namespace)}"
        case f.HpasIn(namespace):
            return f"HPAs in {_where(namespace)}"
        case f.PodsIn(namespace):
            return f"pods in {_where(namespace)}"
        case f.DeploymentPart(part, name):
            return f"{part} of deployment {name}"
        case f.NamespaceNamed(name):
            return f"namespace {name}"
    raise LookupError(f"no wording for {fact!r}")


def _where(namespace: str | None) -> str:
    """A namespace, or every namespace (None), after "in"."""
    return "all namespaces" if namespace is None else namespace


def _first_line(e: object) -> str:
    """The first line of an error (a YAML parser's error runs over lines); its kind when it says nothing."""
    return str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__


def _shown(value: object) -> str:
    """A value as a short one-line literal (an annotation may be long, or hold a newline)."""
    text = repr(value)
    return text if len(text) <= 24 else text[:20] + "..."
