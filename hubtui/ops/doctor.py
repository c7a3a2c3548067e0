"""`hubtui doctor`: what an operator's laptop has for hubtui, checked read-only, each check a fact (worded by
present/doctor.py: what is there, or what to do).

The kubeconfig and the current context's reachability; the user's rights for what hubtui does (asked of the API
server with SelfSubjectAccessReviews: nothing is tried); the cloud SDKs and credentials; the local clients; the
state and config folders. A check that fails is `needed` when hubtui cannot do its main work without it."""

from __future__ import annotations

import importlib.util
import os
import shutil
import stat
from pathlib import Path

from ..frozen import frozen
from ..errors import HubError
from ..settings import Settings


@frozen
class Check:
    ok: bool
    fact: object  # one of the facts below
    needed: bool = True  # hubtui's main work needs it (a failure makes doctor exit 1)
    group: str = ""


# ----- the facts ---------------------------------------------------------------------------------------------
@frozen
class KubeconfigUnusable:
    error: str  # why no connection could be made from it (its own one line)


@frozen
class KubeconfigRead:
    paths: str
    context: str
    server: str


@frozen
class ContextUnreachable:
    context: str
    kind: str  # unreachable, unauthorized, forbidden (kube.client.failure_kind)
    why: str


@frozen
class ContextAnswers:
    context: str


@frozen
class Right:
    """What the user may do for one of hubtui's jobs (`job`: a key of RIGHTS), where: `denied` the verbs the API
    server would refuse; `error` why it could not be asked."""
    job: str
    resource: str
    subresource: str
    namespace: str | None
    denied: tuple[str, ...] = ()
    error: str = ""
    verbs: tuple[str, ...] = ()  # those asked about


@frozen
class CloudSdk:
    provider: str  # AWS, GCP, Azure
    extra: str  # hubtui's extra that installs it
    module: str
    installed: bool
    credentials: str = ""  # where credentials were found ("": none)


@frozen
class LocalClient:
    tool: str  # psql, redis-cli, kubectl
    path: str = ""  # where it is ("": not on PATH)


@frozen
class StateFolder:
    """The state folder, which holds the audit log. `exists`: else whether it can be made; `other_owner`: the uid
    of another user who owns it; `writable`: the folder and its audit log can be written; `mode`: its mode."""
    path: str
    exists: bool
    can_make: bool = True
    other_owner: int | None = None
    writable: bool = True
    mode: int = 0o700


@frozen
class ConfigFile:
    """The config file: others may not change it (its mode, its folder's, their owners: another user's uid)."""
    path: str
    exists: bool
    mode: int = 0o600
    problem: str = ""  # why it could not be used (the checks then ran on the defaults)
    folder_mode: int = 0o700
    other_owner: int | None = None


# (job, group, resource, verbs, subresource, namespace, needed): the namespace is the hub's (HUB), none
# (cluster-wide), or the one hubtui uses for it (the cleanup lock's Lease lives in kube-system)
HUB = "hub"
RIGHTS = (
    ("list", "apps", "deployments", ("list",), "", HUB, True),
    ("watch", "apps", "deployments", ("watch",), "", HUB, True),
    ("get", "apps", "deployments", ("get",), "", HUB, True),
    ("pods", "", "pods", ("list", "watch"), "", HUB, False),
    ("scale", "apps", "deployments", ("patch",), "scale", HUB, True),
    ("maintenance", "apps", "deployments", ("patch",), "", HUB, True),
    ("exec", "", "pods", ("create",), "exec", HUB, False),
    ("portforward", "", "pods", ("create",), "portforward", HUB, False),
    ("lock", "coordination.k8s.io", "leases", ("get", "create", "update", "delete"), "", "kube-system", False),
    ("cleanup", "", "namespaces", ("delete",), "", None, False),
)


# ----- the checks --------------------------------------------------------------------------------------------
def kube_checks(settings: Settings) -> list[Check]:
    from ..kube.client import connect, failure_kind, kubeconfig_paths, reach

    paths = kubeconfig_paths(settings)
    try:
        conn = connect(settings)
    except HubError as e:
        return [Check(False, KubeconfigUnusable(str(e)), group="cluster")]
    out = [Check(True, KubeconfigRead(paths, conn.context, conn.server), group="cluster")]
    try:
        try:
            reach(conn, 3.0)
        except Exception as e:  # noqa: BLE001
            kind, why = failure_kind(e)
            out.append(Check(False, ContextUnreachable(conn.context, kind, why), group="cluster"))
            return out
        out.append(Check(True, ContextAnswers(conn.context), group="cluster"))
        for job, group, resource, verbs, sub, namespace, needed in RIGHTS:
            namespace = settings.namespace if namespace == HUB else namespace
            try:
                denied = tuple(verb for verb in verbs if not _allowed(conn, group, resource, verb, sub, namespace))
            except Exception as e:  # noqa: BLE001
                out.append(Check(False, Right(job, resource, sub, namespace, error=failure_kind(e)[1],
                                              verbs=verbs), needed=needed, group="rights"))
                continue
            out.append(Check(not denied, Right(job, resource, sub, namespace, denied, verbs=verbs), needed=needed,
                             group="rights"))
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
    for name, extra, module, creds, where in (
            ("AWS", "aws", "boto3", ("AWS_ACCESS_KEY_ID", "AWS_PROFILE", "AWS_WEB_IDENTITY_TOKEN_FILE"),
             home / ".aws" / "credentials"),
            ("GCP", "gcp", "google.cloud.container_v1", ("GOOGLE_APPLICATION_CREDENTIALS",),
             home / ".config" / "gcloud" / "application_default_credentials.json"),
            ("Azure", "azure", "azure.mgmt.resource", ("AZURE_CLIENT_ID",), home / ".azure" / "azureProfile.json")):
        if not _sdk(module):
            out.append(Check(False, CloudSdk(name, extra, module, False), needed=False, group="cloud"))
            continue
        found = [v for v in creds if env.get(v)] or ([str(where)] if where.exists() else [])
        out.append(Check(bool(found), CloudSdk(name, extra, module, True, found[0] if found else ""), needed=False,
                         group="cloud"))
    return out


def client_checks() -> list[Check]:
    out = []
    for tool in ("psql", "redis-cli", "kubectl"):
        path = shutil.which(tool) or (shutil.which("pgcli") if tool == "psql" else None)
        out.append(Check(bool(path), LocalClient(tool, path or ""), needed=False, group="clients"))
    return out


def folder_checks(settings: Settings, env: dict | None = None, config_problem: str | None = None) -> list[Check]:
    from ..config import config_path

    env = dict(os.environ) if env is None else env
    out = []
    state = Path(settings.state_dir)
    if state.exists():  # the audit log must be appendable before hubtui changes anything
        st = state.stat()
        other = st.st_uid if hasattr(os, "getuid") and st.st_uid != os.getuid() else None
        log = state / "audit.jsonl"
        writable = os.access(state, os.W_OK) and (not log.exists() or os.access(log, os.W_OK))
        fact = StateFolder(str(state), True, other_owner=other, writable=writable, mode=stat.S_IMODE(st.st_mode))
        out.append(Check(writable and other is None, fact, group="folders"))
        if writable and other is None and fact.mode & 0o077:
            out.append(Check(False, fact, needed=False, group="folders"))  # open to others
    else:
        parent = next((p for p in state.parents if p.exists()), Path("/"))
        can_make = os.access(parent, os.W_OK)
        out.append(Check(can_make, StateFolder(str(state), False, can_make=can_make), group="folders"))
    config = config_path(env)
    if config_problem:
        out.append(Check(False, ConfigFile(str(config), True, problem=config_problem), group="folders"))
    elif not config.exists():
        out.append(Check(True, ConfigFile(str(config), False), group="folders"))
    else:
        st, folder = config.stat(), config.parent.stat()
        mine = os.getuid() if hasattr(os, "getuid") else st.st_uid
        other = next((uid for uid in (st.st_uid, folder.st_uid) if uid not in (mine, 0)), None)
        config_fact = ConfigFile(str(config), True, stat.S_IMODE(st.st_mode),
                                 folder_mode=stat.S_IMODE(folder.st_mode), other_owner=other)
        safe = not config_fact.mode & 0o022 and not config_fact.folder_mode & 0o022 and other is None
        out.append(Check(safe, config_fact, needed=False, group="folders"))
    return out


def checks(settings: Settings, config_problem: str | None = None) -> list[Check]:
    """Every check; `config_problem`: why the config file could not be used (the others ran on the defaults)."""
    return (kube_checks(settings) + cloud_checks() + client_checks()
            + folder_checks(settings, config_problem=config_problem))
