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


# (what hubtui does, group, resource, verb, subresource, namespaced, needed)
RIGHTS = (
    ("list deployments", "apps", "deployments", "list", "", True, True),
    ("watch deployments", "apps", "deployments", "watch", "", True, True),
    ("patch deployments/scale (scale, maintenance)", "apps", "deployments", "patch", "scale", True, True),
    ("create pods/exec (connect)", "", "pods", "create", "exec", True, False),
    ("create pods/portforward (connect --local)", "", "pods", "create", "portforward", True, False),
    ("create leases (the cleanup lock)", "coordination.k8s.io", "leases", "create", "", True, False),
    ("delete namespaces (cleanup)", "", "namespaces", "delete", "", False, False),
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
        for what, group, resource, verb, sub, namespaced, needed in RIGHTS:
            attrs = {"group": group, "resource": resource, "verb": verb}
            if sub:
                attrs["subresource"] = sub
            if namespaced:
                attrs["namespace"] = settings.namespace
            where = f" in namespace {settings.namespace}" if namespaced else ""
            try:
                review = conn.http.json("POST", "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews",
                                        body={"apiVersion": "authorization.k8s.io/v1",
                                              "kind": "SelfSubjectAccessReview",
                                              "spec": {"resourceAttributes": attrs}}, timeout=(3, 5), retries=False)
                allowed = bool((review.get("status") or {}).get("allowed"))
            except Exception as e:  # noqa: BLE001
                out.append(Check(False, f"may {what}{where}? cannot ask: {failure_kind(e)[1]}", needed=needed,
                                 group="rights"))
                continue
            out.append(Check(allowed, f"may {what}{where}" if allowed else f"may not {what}{where}",
                             "" if allowed else "ask for RBAC access to " + (f"{resource}/{sub}" if sub else resource)
                             + f" ({verb})", needed=needed, group="rights"))
    finally:
        conn.close()
    return out


def _sdk(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):
        return False


def cloud_checks(env: dict | None = None) -> list[Check]:
    env = dict(os.environ) if env is None else env
    home = Path(env.get("HOME", str(Path.home())))
    out = []
    for name, module, creds, where, fix_creds in (
            ("AWS", "boto3", ("AWS_ACCESS_KEY_ID", "AWS_PROFILE", "AWS_WEB_IDENTITY_TOKEN_FILE"),
             home / ".aws" / "credentials", "run `aws configure` or `aws sso login`"),
            ("GCP", "google.cloud.container_v1", ("GOOGLE_APPLICATION_CREDENTIALS",),
             home / ".config" / "gcloud" / "application_default_credentials.json",
             "run `gcloud auth application-default login`"),
            ("Azure", "azure.mgmt.resource", ("AZURE_CLIENT_ID",), home / ".azure" / "azureProfile.json",
             "run `az login`")):
        if not _sdk(module):
            out.append(Check(False, f"{name}: its SDK ({module}) is not installed",
                             "install hubtui with its cloud extras", needed=False, group="cloud"))
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


def folder_checks(settings: Settings, env: dict | None = None) -> list[Check]:
    from ..config import config_path
    from ..paths import tilde

    env = dict(os.environ) if env is None else env
    out = []
    state = Path(settings.state_dir)
    if state.exists():
        mode = stat.S_IMODE(state.stat().st_mode)
        writable = os.access(state, os.W_OK)
        private = mode & 0o077 == 0
        out.append(Check(writable and private, f"state folder {tilde(state)} (mode {mode:o})",
                         "" if writable and private else f"chmod 700 {tilde(state)}" if writable else
                         f"make {tilde(state)} writable, or set XDG_STATE_HOME", needed=writable, group="folders"))
    else:
        parent = next((p for p in state.parents if p.exists()), Path("/"))
        ok = os.access(parent, os.W_OK)
        out.append(Check(ok, f"state folder {tilde(state)} will be made (0700) on first use" if ok else
                         f"state folder {tilde(state)} cannot be made", "" if ok else "set XDG_STATE_HOME",
                         group="folders"))
    config = config_path(env)
    out.append(Check(True, f"config file {tilde(config)}" + ("" if config.exists() else " (none: the defaults)"),
                     group="folders"))
    return out


def checks(settings: Settings) -> list[Check]:
    return kube_checks(settings) + cloud_checks() + client_checks() + folder_checks(settings)
