"""What went wrong (hubtui.ops.cleanup.failures), worded: one line each; what hubtui was doing, as a phrase."""

from __future__ import annotations

from ..paths import tilde
from ..words import counted
from .failures import os_reason


def text(fact) -> str:
    from ..ops.cleanup import failures as f

    match fact:
        # ----- backup.py
        case f.InPodFailed(command, said, None):
            return f"`{' '.join(command)}` in the pod failed: {said or 'no message'}"
        case f.InPodFailed(command, said, exit):
            return f"`{' '.join(command)}` in the pod failed (exit {exit}): {said or 'no message'}"
        case f.PodSilent(pod, timeout):
            return f"pod {pod} did not answer in {timeout:.0f}s"
        case f.ExecFailed(pod, said):
            return f"exec into pod {pod} failed: {said or 'no message'}"
        case f.BackupFailed(store, cause, folder):
            return f"backup of {store} failed: {cause}; nothing was deleted (what was saved is in {tilde(folder)})"
        case f.RolesDumpEmpty():
            return "the roles dump holds no CREATE ROLE"
        case f.RolesNotDumped(cause):
            return f"{cause}"
        case f.PgRestoreMissing():
            return "pg_restore is not installed here, so the dump cannot be verified (install postgresql-client)"
        case f.DumpUnreadable(db, said):
            return f"the dump of {db} does not read back" + (f": {'; '.join(said)}" if said else " (pg_restore said nothing)")
        case f.DumpIncomplete(db, missing):
            return f"the dump of {db} lacks tables or their data: {', '.join(missing)}"
        case f.DumpDoesNotRestore(db, said):
            return f"the dump of {db} does not restore: {said or '?'}"
        case f.RedisCliFailed(pod, said, exit):
            return f"redis-cli in pod {pod}: {said or f'exit {exit}'}"
        case f.RedisNoInfo(pod, said):
            return f"redis-cli in pod {pod}: {said or 'no answer'}"
        case f.NoRedisAnswers(why):
            return f"no Redis pod answers ({'; '.join(_cause(w) for w in why)})"
        case f.NoClusterNodes(pod, said):
            return f"Redis in pod {pod} is in cluster mode but CLUSTER NODES gave no nodes: {said or 'no answer'}"
        case f.NoMasterWithSlots(pod):
            return f"the Redis cluster seen from pod {pod} has no master with slots"
        case f.ShardStuck(node, problem):
            return f"{node} cannot be saved: {problem}"
        case f.ShardsStuck(stuck):
            return "; ".join(text(s) for s in stuck)
        case f.ShardNotSaved(node, pod, cause):
            return f"{node} (pod {pod}): {cause}"
        case f.ShardsNotSaved(failed):
            return "; ".join(text(s) for s in failed)
        case f.RdbIncomplete():
            return "the RDB snapshot is not complete (no REDIS header or no end marker)"
        case f.RdbRefused(said):
            return f"redis-check-rdb refuses the snapshot: {said or 'no message'}"
        case f.NoKafkaTool(pod, tools):
            return f"the Kafka pod {pod} has no {' or '.join(tools)} on its PATH"
        case f.StoreFailed(store, cause):
            return f"{store}: {cause}"
        case f.StoreSkipped(cause):
            return f"skipped: {cause}"
        case f.RolesSkipped(cause):
            return f"not saved: {cause}"
        case f.BestEffortFailed(cause):
            return f"best effort, failed: {cause}"
        case f.RolesSaved(roles):
            return f"{counted(roles, 'role')}"
        case f.DumpVerified(tables):
            return f"verified with pg_restore: {tables} tables with their data"
        case f.RdbVerified(version, size, checked):
            also = ", checked by redis-check-rdb" if checked else ""
            return f"RDB version {version}, {size} bytes, complete{also}"
        case f.MasterSaved(node_id, slots, pod, direct, host, port, note):
            via = f"pod {pod}" if direct else f"{text(f.NodeAddress(host, port))} from pod {pod}"
            return f"master {node_id[:8]}, slots {','.join(slots)}, {via}: {note}"
        case f.ClusterNodesSaved(masters):
            return f"CLUSTER NODES of {masters} masters"
        case f.KafkaTopicsSaved():
            return "topics and their configs"
        case f.FilesSaved(files):
            return f"{counted(len(files), 'file')}: " + "; ".join(files)
        case f.NodeAddress(host, port):
            return f"{host}:{port}" if host else "no address"
        case f.RedisMaster(node_id, host, port, slots, flags):
            shown = ",".join(slots[:4]) + (",…" if len(slots) > 4 else "")
            state = [flag for flag in flags if flag in ("fail", "fail?", "noaddr", "handshake")]
            return (f"Redis cluster master {node_id[:8]} ({text(f.NodeAddress(host, port))}, slots {shown}"
                    f"{', ' + ' '.join(state) if state else ''})")
        case f.MasterNoAddress(silent):
            return f"{_unmapped(silent)}, and it has no address"
        case f.MasterAnswersOddly(silent, pod, answer):
            return f"{_unmapped(silent)}, and from pod {pod} it answers {answer[:80]!r}"
        case f.MasterSilent(silent, pod, cause):
            return f"{_unmapped(silent)}, and from pod {pod} it does not answer ({cause})"
        case f.CheckingForStore(store, namespace):
            return f"checking for {store} in {namespace}"
        case f.ListingStatefulSets(namespace):
            return f"listing the statefulsets of {namespace}"
        case f.ListingStorePods(store, namespace):
            return f"listing the {store} pods in {namespace}"
        # ----- cluster_lock.py
        case f.LeaseHeld(environment, holder, since, namespace, lease):
            return (f"a cleanup of '{environment}' is already running on this cluster ({holder}, since {since}; "
                    f"Lease {namespace}/{lease}): wait for it to finish, or stop it; nothing was changed")
        case f.LeaseChangedHands(environment):
            return (f"the cluster lock of '{environment}' changed hands while hubtui took it: try again; nothing "
                    "was changed")
        case f.StepTitle(step):
            from .steps import step_title

            return step_title(step)
        case f.Served(kind, name):
            from .steps import served_label

            return served_label(kind, name)
        case f.Destroying(environment):
            return f"destroying '{environment}'"
        case f.TakingLease(namespace, lease):
            return f"taking the cluster lock (Lease {namespace}/{lease})"
        case f.ReadingLease(namespace, lease):
            return f"reading the cluster lock (Lease {namespace}/{lease})"
        case f.RenewingLease():
            return "renewing it"
        case f.LeaseTakenBy(environment, holder):
            return (f"the cluster lock of '{environment}' was taken by {holder or 'nobody'} "
                    "(hubtui could not renew it in time)")
        case f.LeaseDeleted(environment):
            return f"the cluster lock of '{environment}' was deleted by someone else"
        case f.LeaseNotRenewed(environment, seconds, cause):
            return (f"the cluster lock of '{environment}' could not be renewed for {seconds} s ({cause}): another "
                    "run may hold it now")
        # ----- journal.py
        case f.JournalUnwritable(path, strerror):
            return (f"cannot write the cleanup journal {path} ({strerror}): stopping, because a run that cannot be "
                    "journaled cannot be resumed safely")
        case f.JournalUnreadable(path, strerror):
            return f"cannot read the cleanup journal {path} ({strerror})"
        case f.JournalNotSetAside(path, strerror):
            return f"cannot set the interrupted run aside ({strerror}): move {path} away by hand"
        # ----- kube_steps.py
        case f.RecreatedSincePlan(namespace, uid, planned):
            return f"{recreated(namespace, uid, planned)}: nothing in it was touched; plan again"
        case f.NoPlannedUid(namespace):
            return f"the plan has no uid for namespace {namespace}: it was made by an older hubtui; plan again"
        case f.SetBy(manager):
            return f"set by {manager}"
        case f.MarkedBy(tool, mark):
            return f"{tool} ({mark})"
        case f.ManagedBy(manager):
            return f"managed by {manager}"
        case f.OwnedBy(kind, name):
            return f"owned by {kind}/{name}"
        case f.ScaledBack(name, replicas, keepers):
            kept = "; ".join(dict.fromkeys(text(k) for k in keepers))
            return f"{name} is back at {counted(replicas, 'replica')}" + (f" ({kept})" if kept else "")
        case f.DrainNotHeld(namespace, back):
            why = "; ".join(text(b) for b in back)
            return (f"{namespace}: scaled to 0, but something scales it back up: {why}. Stop that controller (or its "
                    "sync) first; nothing more was deleted")
        case f.CancelledBeforeDrain(namespace):
            return f"cancelled before {namespace} was drained: nothing in it was changed"
        case f.CancelledWhileScaling(namespace, scaled, workloads):
            return (f"cancelled while draining {namespace}: {scaled} of {workloads} scaled to 0 (each count "
                    "recorded), no job or cronjob deleted")
        case f.CancelledWhileDeletingJobs(namespace, deleted, jobs):
            return f"cancelled while draining {namespace}: scaled to 0, {deleted} of {jobs} jobs/cronjobs deleted"
        case f.CancelledWhileSettling(namespace):
            return f"cancelled while checking that the workloads of {namespace} stay at 0"
        case f.CancelledWhileWaiting(namespace):
            return f"cancelled while waiting for the pods of {namespace} to go"
        case f.PodsUnwatched(namespace, why):
            return f"could not watch the pods of {namespace} to see them go ({why or 'no answer'})"
        case f.CheckingDrained(namespace):
            return f"checking that {namespace} is still drained"
        case f.ListingWorkloads(namespace):
            return f"listing the workloads of {namespace}"
        case f.Draining(namespace):
            return f"draining {namespace}"
        case f.CheckingAtZero(namespace):
            return f"checking the workloads of {namespace} stay at 0"
        case f.DeletingNamespace(namespace):
            return f"deleting namespace {namespace}"
        case f.DeletingWebhook(label):
            return f"deleting {label}"
        case f.DrainStep(namespace, stores):
            return f"drain {namespace}" if stores else f"stop the writers of {namespace}"
        case f.RecreatedNotDeleted(namespace, uid, planned):
            return f"{recreated(namespace, uid, planned)}: not deleted"
        case f.UidNotPlanned():
            return "the plan has no uid for it (made by an older hubtui): plan again"
        case f.WebhookFoundAgain():
            return ("one of that name exists with another uid: not deleted (this run's first delete, "
                    "whose answer was lost, may have removed the planned one)")
        case f.WebhookCreatedAgain():
            return "created again since the plan: not deleted"
        case f.NamespaceUnread():
            return "its state could not be read"
        case f.StuckCondition(kind, message):
            return f"{kind}: {message.strip()}" if message.strip() else kind
        case f.StuckWhy(conditions, finalizers):
            reasons = [text(c) for c in conditions]
            if finalizers:
                reasons.append(f"namespace finalizers: {', '.join(finalizers)}")
            return "; ".join(reasons) or "the namespace controller has not reported why yet"
        # ----- local_state.py
        case f.KubeconfigUnreadable(path, strerror):
            return f"cannot read kubeconfig {path} ({strerror})"
        case f.KubeconfigNotYaml(path):
            return f"kubeconfig {path} is not valid YAML: left as it is"
        case f.KubeconfigToClean(file, contexts, clusters, users):
            parts = [f"{counted(len(contexts), 'context')} {', '.join(contexts)}"]
            if clusters:
                parts.append(("cluster " if len(clusters) == 1 else "clusters ") + ", ".join(clusters))
            if users:
                parts.append(("user " if len(users) == 1 else "users ") + ", ".join(users))
            return f"{tilde(file)}: " + "; ".join(parts)
        # ----- lock.py
        case f.NoLockName(environment):
            return f"environment {environment!r} cannot name a lock file"
        case f.LockHeldHere(environment):
            return (f"a cleanup of '{environment}' is already running in this hubtui (this lock is held already); "
                    "nothing was changed")
        case f.LockHeld(environment, pid, host, started):
            pid, host, started = ("unknown" if v is None else v for v in (pid, host, started))
            return (f"a cleanup of '{environment}' is already running (pid {pid} on {host}, since {started}): wait "
                    "for it to finish, or stop it; nothing was changed")
        case f.LockKeepsMoving(path):
            return f"cannot take the cleanup lock {path}: it keeps being replaced; try again"
        case f.LockUnavailable(path, reason):
            return (f"cannot take the cleanup lock {path} ({reason}): fix the folder's permissions or set "
                    "XDG_STATE_HOME; nothing was changed")
        # ----- plan.py
        case f.UnknownProvider(provider, providers):
            return f"provider {provider!r} is not one of {', '.join(providers)}"
        case f.NoEnvironment():
            return "the environment is empty: name it (dev, staging, production, ...)"
        case f.BadEnvironmentName(environment):
            return (f"environment {environment!r}: use lower-case letters, digits and '-', with no spaces (it names "
                    "cloud resources)")
        case f.BadNamespaceName(namespace):
            return f"namespace {namespace!r} is not a valid Kubernetes namespace name"
        case f.SystemNamespace(namespace):
            return f"namespace {namespace!r} belongs to Kubernetes itself: hubtui never deletes it"
        case f.PlatformNamespace(namespace, pattern):
            return (f"namespace {namespace!r} is a platform's (it matches {pattern!r}: a service mesh, a network "
                    "plugin, a policy engine, a GitOps controller or a cloud's own): hubtui never deletes it; "
                    "nothing was changed")
        case f.PlanUnreadable(path, cause):
            return f"cannot read the saved plan {path}: {os_reason(cause)}"
        case f.PlanRiskUnknown(path):
            return (f"the saved plan {path} holds a risk this hubtui does not know (it was saved by another version "
                    "of hubtui): plan again")
        case f.PlanEvidenceUnknown(path):
            return (f"the saved plan {path} holds evidence this hubtui does not know (it was saved by another "
                    "version of hubtui): plan again")
        case f.PlanChanged(path):
            return f"the saved plan {path} does not match its hash: it was changed; plan again"
        case f.PlanForOtherCluster(context, server, connected, connected_server):
            return (f"the plan was made for context {context} ({server}), but hubtui is connected to {connected} "
                    f"({connected_server}): nothing was changed; use --context {context}, or plan again")
        case f.PlanUnsaved(path, strerror):
            return f"cannot save the plan to {path} ({strerror}): set XDG_STATE_HOME to a writable folder"
        case f.ListingNamespace(namespace):
            return f"listing what namespace {namespace} holds"
        case f.ListingInfraUsers():
            return "listing its users in other namespaces"
        case f.ListingWebhooks(kind):
            return f"listing the {kind} webhook configurations"
        case f.ListingApiServices():
            return "listing the APIServices"
        case f.ListingCrds():
            return "listing CRDs"
        # ----- runner.py
        case f.RunsAgain(namespace, what):
            return f"{namespace}: {what}"
        # ----- session.py
        case f.RunUnconfirmed(environment):
            return f"the cleanup of '{environment}' was not confirmed: nothing was changed"
        case f.SavedPlanUnusable(cause):
            return str(cause).removesuffix("; nothing was changed").removesuffix(": nothing was changed")
    raise LookupError(f"no wording for {fact!r}")


def recreated(namespace: str, uid: str, planned: str) -> str:
    """A namespace created again since the plan, in a few words (a refusal's, a result's and a stale run's)."""
    return f"namespace {namespace} was created again since the plan (uid {uid}, planned {planned})"


def _unmapped(silent: tuple[str, ...]) -> str:
    """Why a Redis cluster master is not saved through its own pod: none answers as its node."""
    return "no ready pod answers as that node" + (f" ({', '.join(silent)} did not answer)" if silent else "")


def _cause(said: object) -> str:
    """Another error (its own line), or a fact of this layer worded here."""
    return str(said) if isinstance(said, (str, BaseException)) else text(said)
