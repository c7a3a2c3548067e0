"""`hubtui doctor`: what an operator's laptop has for hubtui, checked read-only, each line a fact or what to do.

The kubeconfig and the current context's reachability; the user's rights for what hubtui does (asked of the API
server with SelfSubjectAccessReviews: nothing is tried); the cloud SDKs and credentials; the local clients; the
state and config folders. A check that fails is `needed` when hubtui cannot do its main work without it."""

from __future__ import annotations

import importlib.util
import os
import shutil
import stat
from dataclasses import dataclass
from pathlib import Path

from ..errors import HubError
from ..settings import Settings


@dataclass(frozen=True)
class Check:
    ok: bool
    text: str  # the fact (ok) or what is wrong
    fix: str = ""  # what to do about it
    needed: bool = True  # hubtui's main work needs it (a failure makes doctor exit 1)
    group: str = ""


# (what hubtui does, group, resource, verbs, subresource, namespace, needed): the namespace is the hub's (HUB), none
# (cluster-wide), or the one hubtui uses for it (the cleanup lock's Lease lives in kube-system)
HUB = "hub"
RIGHTS = (
    ("list deployments", "apps", "deployments", ("list",), "", HUB, True),
    ("watch deployments", "apps", "deployments", ("watch",), "", HUB, True),
    ("patch deployments/scale (scale)", "apps", "deployments", ("patch",), "scale", HUB, True),
    ("patch deployments (maintenance and restore: the count is recorded in the same change)", "apps",
     "deployments", ("patch",), "", HUB, True),
    ("create pods/exec (connect)", "", "pods", ("create",), "exec", HUB, False),
    ("create pods/portforward (connect --local)", "", "pods", ("create",), "portforward", HUB, False),
    ("get, create, update and delete leases (the cleanup lock)", "coordination.k8s.io", "leases",
     ("get", "create", "update", "delete"), "", "kube-system", False),
    ("delete namespaces (cleanup)", "", "namespaces", ("delete",), "", None, False),
)


def kube_checks(settings: Settings) -> list[Check]:
    from ..kube.client import connect, failure_kind, kubeconfig_paths, reach

    paths = kubeconfig_paths(settings)
    try:
        conn = connect(settings)
    except HubError as e:
        return [Check(False, str(e), "pass --kubeconfig, set KUBECONFIG, or create ~/.kube/config", group="cluster")]
    out = [Check(True, f"kubeconfig {paths}: context {conn.context} (server {conn.server})", group="cluster")]
    try:
        try:
            reach(conn, 3.0)
        except Exception as e:  # noqa: BLE001
            kind, why = failure_kind(e)
            out.append(Check(False, f"context {conn.context} is {kind}: {why}",
                             "check the VPN, the cluster, or sign in again", group="cluster"))
            return out
        out.append(Check(True, f"context {conn.context} answers", group="cluster"))
        for what, group, resource, verbs, sub, namespace, needed in RIGHTS:
            namespace = settings.namespace if namespace == HUB else namespace
            where = f" in namespace {namespace}" if namespace else ""
            try:
                denied = [verb for verb in verbs if not _allowed(conn, group, resource, verb, sub, namespace)]
            except Exception as e:  # noqa: BLE001
                out.append(Check(False, f"may {what}{where}? cannot ask: {failure_kind(e)[1]}", needed=needed,
                                 group="rights"))
                continue
            out.append(Check(not denied, f"may not {what}{where}" if denied else f"may {what}{where}",
                             "ask for RBAC access to " + (f"{resource}/{sub}" if sub else resource)
                             + f" ({', '.join(denied)})" if denied else "", needed=needed, group="rights"))
    finally:
        conn.close()
    return out


def _allowed(conn, group: str, resource: str, verb: str, sub: str, namespace: str | None) -> bool:
    """Whether the API server would allow it: one SelfSubjectAccessReview (nothing is tried)."""
    attrs = {"group": group, "resource": resource, "verb": verb}
    if sub:
        attrs["subresource"] = sub
    if namespace:
        attrs["namespace"] = namespace
    review = conn.http.json("POST", "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews",
                            body={"apiVersion": "authorization.k8s.io/v1", "kind": "SelfSubjectAccessReview",
                                  "spec": {"resourceAttributes": attrs}}, timeout=(3, 5), retries=False)
    return bool((review.get("status") or {}).get("allowed"))


def _sdk(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):
        return False


def cloud_checks(env: dict | None = None) -> list[Check]:
    env = dict(os.environ) if env is None else env
    home = Path(env.get("HOME", str(Path.home())))
    out = []
    for name, extra, module, creds, where, fix_creds in (
            ("AWS", "aws", "boto3", ("AWS_ACCESS_KEY_ID", "AWS_PROFILE", "AWS_WEB_IDENTITY_TOKEN_FILE"),
             home / ".aws" / "credentials", "run `aws configure` or `aws sso login`"),
            ("GCP", "gcp", "google.cloud.container_v1", ("GOOGLE_APPLICATION_CREDENTIALS",),
             home / ".config" / "gcloud" / "application_default_credentials.json",
             "run `gcloud auth application-default login`"),
            ("Azure", "azure", "azure.mgmt.resource", ("AZURE_CLIENT_ID",), home / ".azure" / "azureProfile.json",
             "run `az login`")):
        if not _sdk(module):
            out.append(Check(False, f"{name}: its SDK ({module}) is not installed",
                             f"install hubtui[{extra}] (pipx install 'hubtui[{extra}]')", needed=False, group="cloud"))
            continue
        found = [v for v in creds if env.get(v)] or ([str(where)] if where.exists() else [])
        out.append(Check(bool(found), f"{name}: SDK installed; credentials from {found[0]}" if found
                         else f"{name}: SDK installed; no credentials found", "" if found else fix_creds,
                         needed=False, group="cloud"))
    return out


def client_checks() -> list[Check]:
    out = []
    for tool, what, fix in (("psql", "connect timescaledb --local", "install postgresql-client (or pgcli)"),
                            ("redis-cli", "connect redis --local", "install redis-tools"),
                            ("kubectl", "connect (kubectl exec)", "install kubectl")):
        path = shutil.which(tool) or (shutil.which("pgcli") if tool == "psql" else None)
        out.append(Check(bool(path), f"{tool} for {what}: {path}" if path else f"{tool} is not on PATH ({what})",
                         "" if path else fix, needed=False, group="clients"))
    return out


def folder_checks(settings: Settings, env: dict | None = None, config_problem: str | None = None) -> list[Check]:
    from ..config import config_path
    from ..paths import tilde

    env = dict(os.environ) if env is None else env
    out = []
    state = Path(settings.state_dir)
    if state.exists():
        from ..audit import own_folder

        mode = stat.S_IMODE(state.stat().st_mode)
        try:  # the audit log must be appendable before hubtui changes anything
            own_folder(state)
            log = state / "audit.jsonl"
            problem = ("" if os.access(state, os.W_OK) and (not log.exists() or os.access(log, os.W_OK))
                       else "it cannot be written")
        except PermissionError as e:
            problem = str(e.strerror)
        out.append(Check(not problem, f"state folder {tilde(state)}: the audit log can be written" if not problem
                         else f"state folder {tilde(state)}: {problem}; hubtui changes nothing without its audit log",
                         "" if not problem else "fix the folder's owner and permissions, or set XDG_STATE_HOME",
                         group="folders"))
        if not problem and mode & 0o077:
            out.append(Check(False, f"state folder {tilde(state)} is open to others (mode {mode:o})",
                             f"chmod 700 {tilde(state)}", needed=False, group="folders"))
    else:
        parent = next((p for p in state.parents if p.exists()), Path("/"))
        ok = os.access(parent, os.W_OK)
        out.append(Check(ok, f"state folder {tilde(state)} will be made (0700) on first use" if ok else
                         f"state folder {tilde(state)} cannot be made", "" if ok else "set XDG_STATE_HOME",
                         group="folders"))
    config = config_path(env)
    if config_problem:
        out.append(Check(False, f"{config_problem}; these checks used the defaults",
                         "fix the file, or move it away to use the defaults", group="folders"))
    elif not config.exists():
        out.append(Check(True, f"config file {tilde(config)} (none: the defaults)", group="folders"))
    else:
        mode = stat.S_IMODE(config.stat().st_mode)
        out.append(Check(not mode & 0o022, f"config file {tilde(config)}" + (
            f" can be changed by others (mode {mode:o})" if mode & 0o022 else ""),
            f"chmod go-w {tilde(config)}" if mode & 0o022 else "", needed=False, group="folders"))
    return out


def checks(settings: Settings, config_problem: str | None = None) -> list[Check]:
    """Every check; `config_problem`: why the config file could not be used (the others ran on the defaults)."""
    return (kube_checks(settings) + cloud_checks() + client_checks()
            + folder_checks(settings, config_problem=config_problem))
