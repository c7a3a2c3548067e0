"""What went wrong (hubtui.ops.failures), worded: one line each. What hubtui was doing (describe_api_error's
`doing`) and what read-only mode refused are worded as phrases, with no closing punctuation."""

from __future__ import annotations

from .failures import os_reason, phrase


def text(fact) -> str:
    from ..ops import failures as f

    match fact:
        # ----- a change refused in read-only mode
        case f.ReadOnlyRefused(why, what):
            return f"read-only ({why}): {phrase(what)} is refused; nothing was changed"
        case f.ReadOnlyThrough(other, reason):
            return f"through context {other}, the same hub (its server and namespace): {reason}"
        case f.Scaling():
            return "scaling"
        case f.StoreShell(store):
            return f"the {store} shell (it has no read-only form)"
        case f.StoreCommand(store):
            return f"a {store} command (it has no read-only form)"
        case f.UndoesReadOnly():
            return ("a command that turns read-only off or runs a shell (a pg_dumpall file begins with "
                    "SET default_transaction_read_only = off)")

        # ----- connect: the store's pod, the clients, a session's or a command's plan
        case f.UnknownTarget(name):
            return f"unknown target {name!r}: choose timescaledb, redis or kafka"
        case f.PodState(name):
            return f"{name} ({pod_state(fact)})"
        case f.PodNotReady(namespace, pod):
            return f"pod {pod.name} in {namespace} is not ready ({pod_state(pod)})"
        case f.NoReadyPod(store, namespace, matched, pods):
            listed = ", ".join(text(p) for p in pods[:10]) or "the namespace is empty"
            if len(pods) > 10:
                listed += f", and {len(pods) - 10} more"
            what = "candidates" if matched else "no pod matches; the namespace has"
            return f"no ready {store} pod in namespace {namespace} ({what}: {listed})"
        case f.KubectlMissing():
            return "kubectl not found on PATH: install kubectl (the session runs `kubectl exec -it`)"
        case f.PgClientMissing():
            return ("neither pgcli nor psql is on PATH: install postgresql-client (or pgcli), or connect "
                    "without --local (psql in the pod)")
        case f.RedisCliMissing():
            return "redis-cli is not on PATH: install redis-tools, or connect without --local"
        case f.NoLocalClient(store, key):
            return f"{store} has no local client here: connect {key} without --local opens a shell in its pod"
        case f.SqlFileNeedsTimescale():
            return "-f runs a SQL file: it goes with timescaledb only"
        case f.JsonNeedsTimescale():
            return "--json gives a query's rows: it goes with timescaledb only"
        case f.SqlFileUnreadable(path, cause):
            return f"cannot read the SQL file {path}: {os_reason(cause)}"
        case f.SqlFileTooBig(path, limit):
            return f"the SQL file {path} is over {limit // 1024} KiB: run it in a session"
        case f.NoCommand():
            return "-c needs a command (or -f FILE for a SQL file)"
        case f.FindingPod(store, namespace):
            return f"finding the {store} pod in {namespace}"
        case f.ListingPods(namespace):
            return f"listing the pods in {namespace}"
        case f.ReadingSecret():
            return "reading"

        # ----- connect: what a session or a command says besides its own output
        case f.SessionWarning(warning):
            return f"warning: {warning}"
        case f.HubtuiSays(line):
            return f"hubtui: {line}"
        case f.SessionError(before, then):
            return f"{before + '; ' if before else ''}{then}"
        case f.CommandNoAnswer(timeout):
            return f"no answer in {timeout:g} s: stopped"

        # ----- hubs: the kubeconfig's contexts
        case f.NoContexts(paths):
            return f"the kubeconfig {paths} has no contexts"
        case f.NoContextNamed():
            return "--contexts names no context"
        case f.NoContextMatches(patterns, contexts):
            shown = ", ".join(contexts[:12]) + (f" and {len(contexts) - 12} more" if len(contexts) > 12 else "")
            return f"no context matches {', '.join(repr(p) for p in patterns)} (the kubeconfig has: {shown})"

        # ----- scale: the replica count, the deployments, the changes
        case f.ReplicasNotANumber(value, most):
            return f"replicas must be a whole number from 0 to {most}, not {value!r}"
        case f.ReplicasNegative(n):
            return f"replicas cannot be negative (got {n})"
        case f.ReplicasTooMany(n, most):
            return f"replicas {n} is more than hubtui allows ({most})"
        case f.DeploymentNotFound(name, namespace, close, known):
            hint = f"; did you mean {' or '.join(close)}?" if close else \
                f" (it has: {', '.join(sorted(known)[:20]) or 'no deployments'})"
            place = "any namespace (name them namespace/name)" if namespace is None else f"namespace {namespace}"
            return f"deployment {name!r} not found in {place}{hint}"
        case f.NoNamespace(deployment):
            return f"{deployment}: no namespace"
        case f.ChangeFailed(deployment, error):
            return error or f"{deployment} failed"
        case f.ChangesFailed(failed):
            return "; ".join(text(c) for c in failed)
        case f.ScalingDeployment(ref):
            return f"scaling {ref}"
        case f.ClearingRecord(ref):
            return f"clearing the recorded count of {ref}"

        # ----- scale: a change's line, a restore's, a rollback's, a wait's
        case f.NotSentNoAudit():
            return "not sent: the audit log cannot be written"
        case f.NotSentStopped():
            return "not sent: the run was stopped"
        case f.DoneNoAudit():
            return "done, but the audit log cannot be written"
        case f.AnswerLost(ref, n):
            return (f"{ref}: the answer to the change to {n} was lost and the request sent again was refused; it may "
                    f"have been made (audited so) and changed since: look at {ref} before running it again")
        case f.ChangedSince(ref):
            return f"{ref} changed since it was read (its count or record): not changed; run it again"
        case f.DryRun():
            return "dry run"
        case f.DryRunNothingChanged():
            return "dry run: nothing changed"
        case f.SentOnCountNow(count):
            return f"sent on its count now, {count}"
        case f.RollbackGone(name):
            return f"rolling back {name}: {text(f.DeploymentGone())}"
        case f.RecordInvalid(ref, problem, desired):
            return (f"{ref}: cannot restore: {problem}; left at {desired}. Set the annotation to the count wanted, "
                    "or remove it")
        case f.NoRecord(ref):
            return f"{ref}: no recorded replica count to restore"
        case f.ChangedSinceMaintenance(ref, now, recorded):
            return (f"{ref} was changed since maintenance (now {now}, recorded {recorded}): restore with force to "
                    f"set it to {recorded}")
        case f.DeploymentGone():
            return "the deployment is gone"
        case f.NoAnswer():
            return "no answer"
        case f.PodsUnread(error):
            why = error or text(f.NoAnswer())
            return f"its pods could not be read ({why}), so they are not known to be gone"
        case f.NotReadyWhenStopped(why):
            return f"not ready when the wait was stopped: {why}"
        case f.NotReadyAfter(timeout, why):
            return f"not ready after {timeout:g}s: {why}"

        # ----- fleet: the hubs
        case f.PointsElsewhere(context, server, was):
            return f"the context {context} now points at {server}, not {was}: not changed (open the fleet again)"
        case f.HubNamespaceNotFound(namespace):
            return f"namespace {namespace} not found"
    raise LookupError(f"no wording for {fact!r}")


def pod_state(pod) -> str:
    """A pod's state in a few words (hubtui.ops.failures.PodState): "Running, ready", "Running, not ready",
    "Pending", "Terminating"."""
    if pod.deleting:
        return "Terminating"
    return f"{pod.phase}, {'ready' if pod.ready else 'not ready'}" if pod.phase == "Running" else pod.phase
