"""The connection to a cluster, found as kubectl finds it (--kubeconfig, $KUBECONFIG, ~/.kube/config; --context)."""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from ..errors import HubError, said
from ..settings import Settings
from .failures import (ApiStatus, ConnectionDropped, ConnectionFailed, ConnectionRefused, ContextsUnreadable,
                       Unauthorized, KubeconfigUnreadable, KubeconfigUnusable, LoaderRefused, Nameless,
                       NameDoesNotResolve, NoAnswerInTime, NoConnection, NoKubeconfig, NoMetadata, NoRoute,
                       NoSuchContext, ReachingContext, ReadForbidden, TlsMismatch)

if TYPE_CHECKING:
    # imported when used only: the client is slow to import
    from kubernetes.client import ApiClient, V1ObjectMeta

    from .http import Credential, Transport
    from .kubeconfig import Endpoint

# Every API call hubtui makes carries a timeout: (connect, read) seconds.
REQUEST_TIMEOUT = (5, 30)


def kubeconfig_paths(settings: Settings) -> str:
    """The kubeconfig path list kubectl would use, as one os.pathsep-joined string."""
    if settings.kubeconfig:
        return settings.kubeconfig
    return os.environ.get("KUBECONFIG") or str(Path.home() / ".kube" / "config")


class KubeConnection:
    """A connection to one cluster, plus what an operator must see before anything changes: context, cluster,
    server. `http` makes requests without the kubernetes package (kube/http.py); `api`, the typed client the
    rest of the engine uses, is built on first use, from the same endpoint and credential."""

    def __init__(self, *, context: str, cluster: str, server: str, user: str, kubeconfig: str,
                 endpoint: Endpoint | None = None, api: ApiClient | None = None):
        self.context, self.cluster, self.server, self.user, self.kubeconfig = context, cluster, server, user, kubeconfig
        self.endpoint = endpoint
        self._api = api
        self._http: Transport | ClientTransport | None = None
        self._lock = threading.Lock()
        self._cred: Credential | None = None

    def __repr__(self) -> str:
        return f"KubeConnection(context={self.context!r}, server={self.server!r})"

    @property
    def credential(self) -> Credential:
        from .http import Credential

        with self._lock:
            if self._cred is None:
                assert self.endpoint is not None, "a connection from the library's loader has no Credential"
                self._cred = Credential(self.endpoint)
            return self._cred

    @property
    def api(self) -> ApiClient:
        """The kubernetes client's ApiClient (its import costs most of a second: only when needed)."""
        if self._api is None:
            assert self.endpoint is not None
            from . import typed_client

            client = typed_client()

            from .http import configure

            cfg = client.Configuration()
            configure(self.endpoint, self.credential, cfg)
            cfg.connection_pool_maxsize = 32  # scale_all runs up to 16 calls at once, plus the watches
            with self._lock:
                if self._api is None:
                    self._api = client.ApiClient(cfg)
        return self._api

    @property
    def http(self) -> Transport | ClientTransport:
        """Requests without the typed client: lean (kube/http.py), or through the library's ApiClient when the
        kubeconfig needed the library's loader."""
        if self._http is None:
            from .http import Transport

            transport = (Transport(self.endpoint, self.credential) if self.endpoint is not None
                         else ClientTransport(self.api))
            with self._lock:
                if self._http is None:
                    self._http = transport
        return self._http

    def close(self) -> None:
        if self._api is not None:
            self._api.close()
        if self._http is not None:
            self._http.close()


class ClientTransport:
    """Transport's requests through the library's ApiClient (a kubeconfig only its loader reads)."""

    def __init__(self, api: ApiClient):
        self.api = api

    def request(self, method: str, path: str, *, query=None, body=None, content_type: str = "application/json",
                timeout=None, stream: bool = False, retries=None, idempotent: bool = False):
        """As the lean transport's: `idempotent`, a request that sets values (a scale) is sent again, three times
        at most, when its connection drops before the answer (the library's client retries only the methods HTTP
        calls idempotent, never a PATCH). `retries` is the lean transport's alone."""
        import urllib3

        from .http import ApiError

        headers = {"Accept": "application/json"}
        if body is not None:
            headers["Content-Type"] = content_type
        request = self.api.param_serialize(method=method, resource_path=path, query_params=query or [],
                                           header_params=headers, body=body, auth_settings=["BearerToken"])
        attempts = 4 if idempotent else 1
        for attempt in range(attempts):
            try:
                resp = self.api.call_api(*request, _request_timeout=timeout).response
                break
            except urllib3.exceptions.ProtocolError:  # the connection ended with no answer
                if attempt == attempts - 1:
                    raise
        if not 200 <= resp.status <= 299:
            raise ApiError(resp.status, resp.reason or "", resp.read() if stream else resp.data, resp.headers)
        return resp

    def json(self, method: str, path: str, **kw):
        import json

        return json.loads(self.request(method, path, **kw).data or b"null")

    def close(self) -> None:
        pass


def connect(settings: Settings, *, interactive: bool = False, exec_timeout: float | None = None) -> KubeConnection:
    """The connection kubectl would make with these settings. The common kubeconfigs (a client certificate, a
    token, a token file, an exec plugin) are read without the kubernetes package (kube/kubeconfig.py); the
    rest (an auth-provider, basic auth) by the library's loader. An exec plugin runs now, as
    kubectl runs it; `interactive`: on the operator's terminal when there is one (before any screen);
    `exec_timeout`: the seconds it may take when it runs on its own (none: http.EXEC_TIMEOUT)."""
    from .kubeconfig import NotLean, endpoint

    paths = kubeconfig_paths(settings)
    existing = [p for p in paths.split(os.pathsep) if p and Path(p).expanduser().exists()]
    if not existing:
        raise HubError(NoKubeconfig(paths))
    try:
        ep = endpoint(paths, settings.context)
    except NotLean as e:
        return _library_connect(settings, paths, e.context)
    except HubError:
        raise
    except Exception as e:  # noqa: BLE001 - e.g. YAML that does not parse: one line, not a traceback
        raise unusable(paths, e) from None
    conn = KubeConnection(context=ep.context, cluster=ep.cluster, server=ep.server, user=ep.user, kubeconfig=paths,
                          endpoint=ep)
    if ep.exec is not None:
        import sys

        if exec_timeout is not None:
            conn.credential.exec_timeout = exec_timeout
        conn.credential.prime(interactive and sys.stdin.isatty() and sys.stderr.isatty())
    return conn


def unusable(paths: str, e: BaseException) -> HubError:
    """A kubeconfig that cannot be read, or does not parse, in one line."""
    if isinstance(e, OSError):
        return HubError(KubeconfigUnreadable(paths, e))
    return HubError(KubeconfigUnusable(paths, e))


def _library_connect(settings: Settings, paths: str, context: str) -> KubeConnection:
    """The library's loader, for what only it reads, on the context hubtui resolved as kubectl does (the
    library would let the last file of a KUBECONFIG list choose the current context)."""
    from . import bare_package

    bare_package()
    from kubernetes import config
    from kubernetes.config.config_exception import ConfigException

    try:
        contexts, _ = config.list_kube_config_contexts(config_file=paths)
        chosen = next((c for c in contexts if c["name"] == context), None)
        if chosen is None:
            raise HubError(NoSuchContext(context, paths))
        from . import typed_client

        client = typed_client()

        cfg = client.Configuration()
        config.load_kube_config(config_file=paths, context=chosen["name"], client_configuration=cfg,
                                persist_config=False)
        cfg.connection_pool_maxsize = 32  # scale_all runs up to 16 calls at once, plus the watches
        api = client.ApiClient(cfg)
    except HubError:
        raise  # said in its own words above
    except ConfigException as e:
        raise HubError(LoaderRefused(paths, e)) from None
    except Exception as e:  # noqa: BLE001 - e.g. YAML that does not parse: one line, not a traceback
        raise unusable(paths, e) from None
    ctx = chosen.get("context") or {}
    return KubeConnection(context=chosen["name"], cluster=ctx.get("cluster", ""), server=api.configuration.host,
                          user=ctx.get("user", ""), kubeconfig=paths, api=api)


def contexts(settings: Settings) -> tuple[list[str], str]:
    """The kubeconfig's context names and the one in use (--context, else the file's current one)."""
    from .kubeconfig import context_names

    paths = kubeconfig_paths(settings)
    try:
        found, active = context_names(paths)
    except Exception as e:  # noqa: BLE001 - unreadable, or YAML that does not parse: one line
        raise HubError(ContextsUnreadable(paths, e)) from None
    return sorted(found), settings.context or active


class ApiObject(Protocol):
    """Any object of the client's models (V1Pod, V1Namespace, ...)."""

    @property
    def metadata(self) -> V1ObjectMeta | None: ...


def meta(obj: ApiObject) -> V1ObjectMeta:
    """The metadata of an object the API server returned, which always has some (the client's models make
    every field optional)."""
    if obj.metadata is None:
        raise HubError(NoMetadata(type(obj).__name__))
    return obj.metadata


def name_of(obj: ApiObject) -> str:
    """The name of an object the API server returned, which always has one."""
    name = meta(obj).name
    if name is None:
        raise HubError(Nameless(type(obj).__name__))
    return name


def is_api_error(exc: BaseException) -> bool:
    """An error status from the API server: kube/http.py's ApiError, or the kubernetes client's ApiException
    (looked for only when the client is loaded: checking never imports it)."""
    import sys

    from .http import ApiError

    if isinstance(exc, ApiError):
        return True
    exceptions = sys.modules.get("kubernetes.client.exceptions")
    return exceptions is not None and isinstance(exc, exceptions.ApiException)


def describe_api_error(exc: BaseException, doing: object) -> HubError:
    """An API or network failure while `doing` something (a fact: hubtui.kube.failures.ApiFailed says what it
    holds), as an error of one line an operator can act on (worded in present/kube_failures.py)."""
    from .failures import ApiFailed

    if isinstance(exc, HubError):  # already one line of ours (e.g. the audit log cannot be written)
        return exc
    if is_api_error(exc):
        status, reason = getattr(exc, "status", None), getattr(exc, "reason", "")
        if status == 401:
            return HubError(ApiFailed(doing, UNAUTHORIZED, 401))
        if status == 403:
            return HubError(ApiFailed(doing, FORBIDDEN, 403))
        if not status:  # the library's WebSocket calls (exec, port-forward) say a network failure as status 0
            return HubError(ApiFailed(doing, UNREACHABLE, 0, _plain(reason)))
        # an admission policy's or webhook's own reason
        return HubError(ApiFailed(doing, FAILED, status, reason, server_message(getattr(exc, "body", None))))
    if isinstance(exc, (*_urllib3_errors(), OSError)):
        return HubError(ApiFailed(doing, UNREACHABLE, 0, network_reason(exc)))
    return HubError(ApiFailed(doing, FAILED, error=str(exc)))


def server_message(body) -> str:
    """The message of the Status an API server answered an error with, on one line (at most 300 characters);
    '' when the body holds none."""
    if not body:
        return ""
    import json

    try:
        message = json.loads(body).get("message") if isinstance(body, (str, bytes)) else None
    except (ValueError, AttributeError):
        return ""
    if not isinstance(message, str):
        return ""
    line = " ".join(message.split())
    return line if len(line) <= 300 else line[:299] + "…"


UNAUTHORIZED, FORBIDDEN, UNREACHABLE, FAILED = "unauthorized", "forbidden", "unreachable", "failed"


def failure_kind(exc: BaseException) -> tuple[str, str]:
    """A failed request as a kind (UNAUTHORIZED, FORBIDDEN, UNREACHABLE, FAILED) and why, in a few words."""
    from .failures import ApiFailed

    if isinstance(exc, HubError):  # describe_api_error's: its fact has the kind; another's, its words tell
        return exc.fact.kind if isinstance(exc.fact, ApiFailed) else error_kind(str(exc)), str(exc)
    if is_api_error(exc):
        status = getattr(exc, "status", None)
        if status == 401:
            return UNAUTHORIZED, said(Unauthorized())
        if status == 403:
            return FORBIDDEN, said(ReadForbidden())
        if not status:
            return UNREACHABLE, _plain(getattr(exc, "reason", ""))
        return FAILED, said(ApiStatus(status, getattr(exc, "reason", "")))
    if isinstance(exc, (*_urllib3_errors(), OSError)):
        return UNREACHABLE, network_reason(exc)
    return FAILED, str(exc) or type(exc).__name__


def error_kind(text: str) -> str:
    """The kind of a line describe_api_error wrote (a watch reports its failures as such lines)."""
    if "unauthorized (401)" in text:
        return UNAUTHORIZED
    if "forbidden (403)" in text:
        return FORBIDDEN
    if "cannot reach the API server" in text:
        return UNREACHABLE
    return FAILED


def _plain(reason: object) -> str:
    """A network failure's reason as the library words it ("[Errno 111] Connection refused"), in plain words."""
    import re

    text = re.sub(r"^\[Errno -?\d+\]\s*", "", str(reason or "")).strip()
    return (text[:1].lower() + text[1:]) if text else said(ConnectionFailed())


def urllib3_exceptions():
    """urllib3's exceptions module when urllib3 is loaded (only a proxy or the library's client raises them), else
    None: reading an error never imports it."""
    import sys

    return sys.modules.get("urllib3.exceptions")


def _urllib3_errors() -> tuple[type, ...]:
    u3 = urllib3_exceptions()
    return (u3.HTTPError,) if u3 is not None else ()


def network_reason(exc: BaseException) -> str:
    """Why a connection failed, in plain words (worded in present/: never an exception's class name on screen).
    The failures of hubtui's own sockets (kube/wire.py) are OSErrors; urllib3's (a proxy, the library's client)
    are read too."""
    import errno
    import socket
    import ssl

    u3 = urllib3_exceptions()
    seen: set[int] = set()
    cause: BaseException | None = exc
    while cause is not None and id(cause) not in seen:  # MaxRetryError holds the real reason
        seen.add(id(cause))
        if isinstance(cause, socket.gaierror) or (u3 is not None and isinstance(cause, u3.NameResolutionError)):
            return said(NameDoesNotResolve())
        if isinstance(cause, ConnectionRefusedError) or "Connection refused" in str(cause):
            return said(ConnectionRefused())  # before the timeouts: urllib3's NewConnectionError is a ConnectTimeoutError
        if isinstance(cause, TimeoutError) or (
                u3 is not None and isinstance(cause, u3.ConnectTimeoutError | u3.ReadTimeoutError)):
            return said(NoAnswerInTime())
        if isinstance(cause, ssl.SSLError) or (u3 is not None and isinstance(cause, u3.SSLError)):
            return said(TlsMismatch())
        if isinstance(cause, ConnectionError) or (u3 is not None and isinstance(cause, u3.ProtocolError)):
            return said(ConnectionDropped())
        if (isinstance(cause, OSError) and cause.errno in (errno.EHOSTUNREACH, errno.ENETUNREACH)) or (
                u3 is not None and isinstance(cause, u3.NewConnectionError) and "No route" in str(cause)):
            return said(NoRoute())
        if u3 is not None and isinstance(cause, u3.MaxRetryError):
            cause = cause.reason
        else:
            cause = cause.__cause__ or cause.__context__
    return said(NoConnection())


def reach(conn: KubeConnection, timeout: float = 3.0) -> None:
    """GET /version, within `timeout` to connect and to answer; raises the transport's own error (an ApiError,
    a network error), for failure_kind()."""
    conn.http.request("GET", "/version", timeout=(timeout, timeout), retries=False)


def check_reachable(conn: KubeConnection, timeout: float = 3.0) -> None:
    """One short request (GET /version) before a screen is built on a context: one that cannot be reached, or
    whose credentials are refused, is one plain line naming the context and the server."""
    try:
        reach(conn, timeout)
    except Exception as e:  # noqa: BLE001 - one line, the context named
        raise describe_api_error(e, ReachingContext(conn.context, conn.server)) from None
