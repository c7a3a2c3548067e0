"""`hubtui doctor`'s checks in words: each a fact (ops/doctor.py), said as what is there, or what is wrong and
what to do about it."""

from __future__ import annotations

from ..ops.doctor import (Check, CloudSdk, ConfigFile, ContextAnswers, ContextUnreachable, KubeconfigRead,
                          KubeconfigUnusable, LocalClient, Right, StateFolder)
from ..paths import tilde

# what each of hubtui's jobs needs, in words (ops/doctor.RIGHTS's keys)
JOBS = {  # {verbs}: the verbs asked about, or those refused
    "list": "list deployments",
    "watch": "watch deployments",
    "get": "get deployments (a scale by name)",
    "pods": "{verbs} pods (the wait for readiness, the detail view)",
    "scale": "patch deployments/scale (scale)",
    "maintenance": "patch deployments (maintenance and restore)",
    "exec": "create pods/exec (connect)",
    "portforward": "create pods/portforward (connect --local)",
    "lock": "{verbs} leases (the cleanup lock)",
    "cleanup": "delete namespaces (cleanup)",
}
CLIENTS = {  # tool: (what it is for, what to install)
    "psql": ("connect timescaledb --local", "install postgresql-client (or pgcli)"),
    "redis-cli": ("connect redis --local", "install redis-tools"),
    "kubectl": ("connect (kubectl exec)", "install kubectl"),
}
CREDENTIALS = {"AWS": "run `aws configure` or `aws sso login`",
               "GCP": "run `gcloud auth application-default login`", "Azure": "run `az login`"}


def and_list(items) -> str:
    """`get`, `get and create`, `get, create and delete`."""
    items = list(items)
    return ", ".join(items[:-1]) + " and " + items[-1] if len(items) > 1 else "".join(items)


def words(check: Check) -> tuple[str, str]:
    """(what is there or what is wrong, what to do: '' when nothing)."""
    fact = check.fact
    if isinstance(fact, KubeconfigUnusable):
        return fact.error, "pass --kubeconfig, set KUBECONFIG, or create ~/.kube/config"
    if isinstance(fact, KubeconfigRead):
        return f"kubeconfig {fact.paths}: context {fact.context} (server {fact.server})", ""
    if isinstance(fact, ContextUnreachable):
        return f"context {fact.context} is {fact.kind}: {fact.why}", "check the VPN, the cluster, or sign in again"
    if isinstance(fact, ContextAnswers):
        return f"context {fact.context} answers", ""
    if isinstance(fact, Right):
        where = f" in namespace {fact.namespace}" if fact.namespace else ""
        what = JOBS.get(fact.job, fact.job).replace("{verbs}", and_list(fact.denied or fact.verbs))
        if fact.error:
            return f"may {what}{where}? cannot ask: {fact.error}", ""
        if not fact.denied:
            return f"may {what}{where}", ""
        resource = f"{fact.resource}/{fact.subresource}" if fact.subresource else fact.resource
        return f"may not {what}{where}", f"ask for RBAC access to {resource} ({', '.join(fact.denied)})"
    if isinstance(fact, CloudSdk):
        if not fact.installed:
            return (f"{fact.provider}: its SDK ({fact.module}) is not installed",
                    f"install hubtui[{fact.extra}] (pipx install 'hubtui[{fact.extra}]')")
        if fact.credentials:
            return f"{fact.provider}: SDK installed; credentials from {tilde(fact.credentials)}", ""
        return f"{fact.provider}: SDK installed; no credentials found", CREDENTIALS.get(fact.provider, "")
    if isinstance(fact, LocalClient):
        what, install = CLIENTS.get(fact.tool, ("", f"install {fact.tool}"))
        if fact.path:
            return f"{fact.tool} for {what}: {fact.path}", ""
        return f"{fact.tool} is not on PATH ({what})", install
    if isinstance(fact, StateFolder):
        where = tilde(fact.path)
        if not fact.exists:
            return ((f"state folder {where} will be made (0700) on first use", "") if fact.can_make else
                    (f"state folder {where} cannot be made", "set XDG_STATE_HOME"))
        if fact.other_owner is not None or not fact.writable:
            problem = (f"it is owned by uid {fact.other_owner}, not by you" if fact.other_owner is not None
                       else "it cannot be written")
            return (f"state folder {where}: {problem}; hubtui changes nothing without its audit log",
                    "fix the folder's owner and permissions, or set XDG_STATE_HOME")
        if not check.ok:
            return f"state folder {where} is open to others (mode {fact.mode:o})", f"chmod 700 {where}"
        return f"state folder {where}: the audit log can be written", ""
    if isinstance(fact, ConfigFile):
        where = tilde(fact.path)
        if fact.problem:
            return f"{fact.problem}; these checks used the defaults", "fix the file, or move it away to use the defaults"
        if not fact.exists:
            return f"config file {where} (none: the defaults)", ""
        if fact.other_owner is not None:
            return (f"config file {where} (or its folder) is owned by uid {fact.other_owner}, not by you",
                    "make it yours (chown), or move it away")
        if fact.mode & 0o022:
            return f"config file {where} can be changed by others (mode {fact.mode:o})", f"chmod go-w {where}"
        if fact.folder_mode & 0o022:
            folder = tilde(str(fact.path).rsplit("/", 1)[0])
            return (f"config folder {folder} lets others replace the file (mode {fact.folder_mode:o})",
                    f"chmod go-w {folder}")
        return f"config file {where}", ""
    return str(fact), ""
