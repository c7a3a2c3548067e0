"""The kubeconfig, read as kubectl reads it, without the kubernetes package.

Importing `kubernetes.config` costs most of a second before the first request (its loader pulls in
google-auth, requests-oauthlib, pydantic and the whole generated client), whatever the kubeconfig holds. The
kinds of credential operators use are simple: a client certificate, a bearer token, a token file, or an exec
credential plugin (`aws eks get-token`, `gke-gcloud-auth-plugin`, `kubelogin`). `endpoint()` resolves those
into an Endpoint: where the API server is, how to trust it, and how to authenticate. The rest (an
auth-provider, a user name and password) raises `NotLean`, and hubtui uses the library's own loader for it
(kube/client.py). Impersonation is refused: the library would silently send the request as the user itself.

Merging follows kubectl: in a KUBECONFIG list, the first file that names a cluster, user or context wins,
and the first file that sets current-context sets it; a relative file path is relative to the file that
names it.
"""

from __future__ import annotations

import atexit
import base64
import os
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..frozen import frozen
from ..errors import HubError, UsageError
from .failures import (CurrentContextUndefined, ExecWithoutCommand, FileUnreadable, HalfClientCertificate, Impersonates,
                       NoCurrentContext, NoServer, NotAKubeconfig, NotBase64, ServerNotHttp, UndefinedCluster,
                       UnknownContext)


class NotLean(Exception):
    """The kubeconfig uses something only the library's loader handles (`what`), for the context `context`
    (resolved here, as kubectl resolves it: the library would let the last file set current-context)."""

    def __init__(self, what: str, context: str):
        super().__init__(what)
        self.context = context


@frozen
class Exec:
    """An exec credential plugin (client.authentication.k8s.io), as the kubeconfig gives it."""
    command: str
    args: tuple[str, ...] = ()
    env: tuple[tuple[str, str], ...] = ()
    api_version: str = "client.authentication.k8s.io/v1"
    install_hint: str = ""
    cluster_info: dict | None = None  # provideClusterInfo: the cluster, as the plugin is told of it
    interactive: bool = True  # interactiveMode is not Never: it may ask on the terminal when there is one


@frozen
class Endpoint:
    """One context of a kubeconfig, resolved: the server, its trust, and the user's credential."""
    context: str
    cluster: str
    user: str
    server: str
    kubeconfig: str
    ca_file: str | None = None  # a file (the data fields are written to a private temporary file)
    verify: bool = True
    tls_server_name: str | None = None
    proxy: str | None = None
    cert_file: str | None = None
    key_file: str | None = None
    token: str | None = None
    token_file: str | None = None
    exec: Exec | None = None


# ----- reading and merging -------------------------------------------------------------------------------------
@dataclass
class _Named:
    value: dict
    base: Path  # the folder of the file that named it: its relative paths start there


@dataclass
class Merged:
    clusters: dict[str, _Named] = field(default_factory=dict)
    users: dict[str, _Named] = field(default_factory=dict)
    contexts: dict[str, _Named] = field(default_factory=dict)
    current: str = ""


def _load_yaml(raw: bytes, path: Path) -> dict:
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    data = yaml.load(raw.decode("utf-8"), Loader=loader)  # a safe loader: C, or the pure Python one
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise HubError(NotAKubeconfig(str(path)))
    return data


_PARSED: dict[tuple[str, bytes], dict] = {}  # the files last parsed, by their path and their bytes
_PARSED_LOCK = threading.Lock()
_PARSED_KEPT = 16


def _parsed(path: Path) -> dict:
    """The file's YAML: parsed once for the same bytes (the fleet connects to many contexts of one list at once,
    and each connection reads every file of it). Read-only to its callers."""
    with open(path, "rb") as f:
        raw = f.read()
    key = (str(path), raw)  # the bytes themselves: no digest to import hashlib for
    with _PARSED_LOCK:
        found = _PARSED.get(key)
    if found is None:
        found = _load_yaml(raw, path)
        with _PARSED_LOCK:
            if len(_PARSED) >= _PARSED_KEPT:
                _PARSED.pop(next(iter(_PARSED)))
            _PARSED[key] = found
    return found


def merged(paths: str) -> Merged:
    """Every file of the os.pathsep-separated list that exists, merged as kubectl merges them."""
    out = Merged()
    for raw in paths.split(os.pathsep):
        if not raw:
            continue
        path = Path(raw).expanduser()
        if not path.exists():
            continue
        data = _parsed(path)
        base = Path(os.path.abspath(path)).parent  # as kubectl: the link's folder, not its target's
        for key, into in (("clusters", out.clusters), ("users", out.users), ("contexts", out.contexts)):
            for item in data.get(key) or []:
                if isinstance(item, dict) and item.get("name") and item["name"] not in into:
                    body = item.get(key[:-1]) or {}
                    into[item["name"]] = _Named(body if isinstance(body, dict) else {}, base)
        if not out.current and data.get("current-context"):
            out.current = str(data["current-context"])
    return out


def context_names(paths: str) -> tuple[list[str], str]:
    """The contexts' names, in the order the files give them, and the current one ('' when none is set)."""
    m = merged(paths)
    return list(m.contexts), m.current


def context_places(paths: str) -> list[tuple[str, str, str]]:
    """Each context as (name, its namespace or '', its cluster's server or ''), in the order the files give
    them: what the fleet shows before it connects."""
    m = merged(paths)
    out = []
    for name, ctx in m.contexts.items():
        cluster = m.clusters.get(str(ctx.value.get("cluster") or ""))
        out.append((name, str(ctx.value.get("namespace") or ""), _server(cluster.value) if cluster else ""))
    return out


def _server(cluster: dict) -> str:
    """The cluster's server as a URL, as client-go reads it: one without a scheme is https when the cluster says
    anything of TLS, else http ('' when it names none). The fleet's rows and the connection spell it alike."""
    server = str(cluster.get("server") or "")
    if server and "://" not in server:
        tls = any(cluster.get(k) for k in ("certificate-authority", "certificate-authority-data",
                                          "insecure-skip-tls-verify", "tls-server-name"))
        server = ("https://" if tls else "http://") + server
    return server


# ----- resolving one context -----------------------------------------------------------------------------------
_written: dict[str, str] = {}
_written_lock = threading.Lock()


def private_file(data: bytes, suffix: str) -> str:
    """The data in a file only this user may read (0600), removed when hubtui exits (one file per content; the
    TLS libraries read certificates and keys from files)."""
    import hashlib  # only for the data fields of a kubeconfig (most name files instead)
    import tempfile

    digest = hashlib.sha256(data).hexdigest()[:16] + suffix
    with _written_lock:
        if digest not in _written:
            fd, name = tempfile.mkstemp(prefix="hubtui-kube-", suffix=suffix)
            with os.fdopen(fd, "wb") as f:
                f.write(data)
            _written[digest] = name
        return _written[digest]


def remove_private_files() -> None:
    """The files private_file wrote, removed (at exit; also before an exit that skips atexit)."""
    with _written_lock:
        names = list(_written.values())
        _written.clear()
    for name in names:
        try:
            os.unlink(name)
        except OSError:
            pass


atexit.register(remove_private_files)


def _file_or_data(body: dict, key: str, base: Path, suffix: str) -> str | None:
    data = body.get(f"{key}-data")
    if data:
        try:
            return private_file(base64.standard_b64decode(data), suffix)
        except ValueError:
            raise HubError(NotBase64(key)) from None
    path = body.get(key)
    if path:
        full = Path(str(path)).expanduser()
        return str(full if full.is_absolute() else base / full)
    return None


LEAN_USER_KEYS = {"client-certificate", "client-certificate-data", "client-key", "client-key-data", "token",
                  "tokenFile", "exec"}
IMPERSONATION = {"as", "as-uid", "as-groups", "as-user-extra"}  # the library ignores these: refused, never dropped


def endpoint(paths: str, context: str | None = None) -> Endpoint:
    """The context `context` (None: the current one) of the kubeconfig list `paths`, resolved. UsageError for a
    context it does not have; HubError for one it cannot use; NotLean for what the library must handle."""
    m = merged(paths)
    name = context or m.current
    if not name:
        raise HubError(NoCurrentContext(paths))
    if name not in m.contexts:
        if context:
            raise UsageError(UnknownContext(context, paths, tuple(m.contexts)))
        raise HubError(CurrentContextUndefined(paths, name))
    ctx = m.contexts[name].value
    cluster_name, user_name = str(ctx.get("cluster") or ""), str(ctx.get("user") or "")
    if cluster_name not in m.clusters:
        raise HubError(UndefinedCluster(name, cluster_name, paths))
    cl = m.clusters[cluster_name]
    server = _server(cl.value)
    if not server:
        raise HubError(NoServer(cluster_name, paths))
    if server.split("://", 1)[0].lower() not in ("http", "https") or not server.split("://", 1)[1].strip("/"):
        raise HubError(ServerNotHttp(cluster_name, paths, server))
    user = m.users.get(user_name) or _Named({}, cl.base)
    impersonating = sorted(set(user.value) & IMPERSONATION)
    if impersonating:
        raise HubError(Impersonates(user_name, paths, tuple(impersonating)))
    other = set(user.value) - LEAN_USER_KEYS
    if other:
        raise NotLean(", ".join(sorted(other)), name)
    u = user.value
    if bool(u.get("client-certificate") or u.get("client-certificate-data")) != bool(
            u.get("client-key") or u.get("client-key-data")):
        raise HubError(HalfClientCertificate(user_name, paths))
    exec_ = None
    if isinstance(u.get("exec"), dict):
        e = u["exec"]
        if not e.get("command"):
            raise HubError(ExecWithoutCommand(user_name, paths))
        command = str(e["command"])
        if "/" in command and not Path(command).expanduser().is_absolute():  # kubectl: from the kubeconfig's folder
            command = str(user.base / command)
        exec_ = Exec(command=command, args=tuple(str(a) for a in e.get("args") or ()),
                     env=tuple((str(v.get("name")), str(v.get("value", ""))) for v in e.get("env") or ()
                               if isinstance(v, dict)),
                     api_version=str(e.get("apiVersion") or Exec.api_version),
                     install_hint=str(e.get("installHint") or ""),
                     cluster_info=_cluster_info(cl.value, cl.base, server) if e.get("provideClusterInfo") else None,
                     interactive=str(e.get("interactiveMode") or "IfAvailable") != "Never")
    token_file = u.get("tokenFile")
    if token_file:
        full = Path(str(token_file)).expanduser()
        token_file = str(full if full.is_absolute() else user.base / full)
    ep = Endpoint(
        context=name, cluster=cluster_name, user=user_name, server=server.rstrip("/"), kubeconfig=paths,
        ca_file=_file_or_data(cl.value, "certificate-authority", cl.base, ".crt"),
        verify=not cl.value.get("insecure-skip-tls-verify", False),
        tls_server_name=cl.value.get("tls-server-name") or None,
        proxy=str(cl.value.get("proxy-url") or "") or None,
        cert_file=_file_or_data(u, "client-certificate", user.base, ".crt"),
        key_file=_file_or_data(u, "client-key", user.base, ".key"),
        token=str(u["token"]) if u.get("token") else None,
        token_file=token_file or None,
        exec=exec_,
    )
    for what, file in (("certificate-authority", ep.ca_file), ("client-certificate", ep.cert_file),
                       ("client-key", ep.key_file), ("tokenFile", ep.token_file)):
        if file and not os.access(file, os.R_OK):
            raise HubError(FileUnreadable(what, file, name, os.path.exists(file)))
    return ep


def _cluster_info(cluster: dict, base: Path, server: str) -> dict:
    """The cluster as an exec plugin is told of it (provideClusterInfo), as kubectl tells it."""
    info: dict[str, Any] = {"server": server}
    if cluster.get("certificate-authority-data"):
        info["certificate-authority-data"] = cluster["certificate-authority-data"]
    elif cluster.get("certificate-authority"):
        ca = Path(str(cluster["certificate-authority"])).expanduser()
        try:
            info["certificate-authority-data"] = base64.standard_b64encode((base / ca).read_bytes()).decode()
        except OSError:
            pass  # said where it matters: the endpoint's own check names the file
    for ext in cluster.get("extensions") or []:
        if isinstance(ext, dict) and ext.get("name") == "client.authentication.k8s.io/exec":
            info["config"] = ext.get("extension")
    if cluster.get("insecure-skip-tls-verify"):
        info["insecure-skip-tls-verify"] = True
    if cluster.get("tls-server-name"):
        info["tls-server-name"] = cluster["tls-server-name"]
    if cluster.get("proxy-url"):
        info["proxy-url"] = cluster["proxy-url"]
    return info
