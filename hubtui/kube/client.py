"""The connection to a cluster, found as kubectl finds it (--kubeconfig, $KUBECONFIG, ~/.kube/config; --context)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from ..errors import HubError, UsageError
from ..settings import Settings

if TYPE_CHECKING:
    # imported when used only: the client is slow to import
    from kubernetes.client import ApiClient, V1ObjectMeta

# Every API call hubtui makes carries a timeout: (connect, read) seconds.
REQUEST_TIMEOUT = (5, 30)


def kubeconfig_paths(settings: Settings) -> str:
    """The kubeconfig path list kubectl would use, as one os.pathsep-joined string."""
    if settings.kubeconfig:
        return settings.kubeconfig
    return os.environ.get("KUBECONFIG") or str(Path.home() / ".kube" / "config")


@dataclass(frozen=True)
class KubeConnection:
    """An API client plus what an operator must see before anything changes: context, cluster, server."""

    api: ApiClient
    context: str
    cluster: str
    server: str
    user: str
    kubeconfig: str

    def close(self) -> None:
        self.api.close()


def connect(settings: Settings) -> KubeConnection:
    from kubernetes import config
    from kubernetes.config.config_exception import ConfigException

    paths = kubeconfig_paths(settings)
    existing = [p for p in paths.split(os.pathsep) if p and Path(p).expanduser().exists()]
    if not existing:
        raise HubError(f"no kubeconfig found at {paths}: pass --kubeconfig or set KUBECONFIG")
    try:
        contexts, active = config.list_kube_config_contexts(config_file=paths)
        chosen = active
        if settings.context:
            chosen = next((c for c in contexts if c["name"] == settings.context), None)
            if chosen is None:
                names = ", ".join(c["name"] for c in contexts) or "none"
                # a name the operator typed: bad usage (exit 2), as the README's exit codes have it
                raise UsageError(f"context {settings.context!r} is not in {paths} (contexts: {names})")
        if not chosen:
            raise HubError(f"{paths} has no current context: pass --context")
        from kubernetes import client

        cfg = client.Configuration()
        config.load_kube_config(config_file=paths, context=chosen["name"], client_configuration=cfg,
                                persist_config=False)
        cfg.connection_pool_maxsize = 32  # scale_all runs up to 16 calls at once, plus the watches
        api = client.ApiClient(cfg)
    except HubError:
        raise  # said in its own words above
    except ConfigException as e:
        raise HubError(f"cannot use kubeconfig {paths}: {e}") from None
    except OSError as e:
        raise HubError(f"cannot read kubeconfig {paths}: {e.strerror or e}") from None
    except Exception as e:  # noqa: BLE001 - e.g. YAML that does not parse: one line, not a traceback
        first = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        raise HubError(f"cannot use kubeconfig {paths}: {first}") from None
    ctx = chosen.get("context") or {}
    return KubeConnection(
        api=api,
        context=chosen["name"],
        cluster=ctx.get("cluster", ""),
        server=api.configuration.host,
        user=ctx.get("user", ""),
        kubeconfig=paths,
    )


def contexts(settings: Settings) -> tuple[list[str], str]:
    """The kubeconfig's context names and the one in use (--context, else the file's current one)."""
    from kubernetes import config
    from kubernetes.config.config_exception import ConfigException

    paths = kubeconfig_paths(settings)
    try:
        found, active = config.list_kube_config_contexts(config_file=paths)
    except (ConfigException, OSError) as e:
        raise HubError(f"cannot read the contexts of {paths}: {e}") from None
    return sorted(c["name"] for c in found), settings.context or (active or {}).get("name", "")


class ApiObject(Protocol):
    """Any object of the client's models (V1Pod, V1Namespace, ...)."""

    @property
    def metadata(self) -> V1ObjectMeta | None: ...


def meta(obj: ApiObject) -> V1ObjectMeta:
    """The metadata of an object the API server returned, which always has some (the client's models make
    every field optional)."""
    if obj.metadata is None:
        raise HubError(f"the API server returned a {type(obj).__name__} without metadata")
    return obj.metadata


def name_of(obj: ApiObject) -> str:
    """The name of an object the API server returned, which always has one."""
    name = meta(obj).name
    if name is None:
        raise HubError(f"the API server returned a {type(obj).__name__} without a name")
    return name


def describe_api_error(exc: BaseException, what: str) -> HubError:
    """Turn an API or network failure into one line an operator can act on."""
    from kubernetes.client.exceptions import ApiException
    from urllib3.exceptions import HTTPError as Urllib3Error

    if isinstance(exc, HubError):  # already one line of ours (e.g. the audit log cannot be written)
        return exc

    if isinstance(exc, ApiException):
        if exc.status == 401:
            return HubError(f"{what}: unauthorized (401): the kubeconfig's credentials were refused")
        if exc.status == 403:
            return HubError(f"{what}: forbidden (403): your user may not do this; ask for RBAC access")
        if exc.status == 404:
            return HubError(f"{what}: not found (404)")
        return HubError(f"{what}: API error {exc.status} {exc.reason}")
    if isinstance(exc, (Urllib3Error, OSError)):
        return HubError(f"{what}: cannot reach the API server ({network_reason(exc)}); is the cluster up?")
    return HubError(f"{what}: {exc}")


def network_reason(exc: BaseException) -> str:
    """Why a connection failed, in plain words (never an exception's class name on screen)."""
    import socket
    import ssl

    from urllib3.exceptions import (ConnectTimeoutError, MaxRetryError, NameResolutionError, NewConnectionError,
                                    ProtocolError, ReadTimeoutError, SSLError)

    seen: set[int] = set()
    cause: BaseException | None = exc
    while cause is not None and id(cause) not in seen:  # MaxRetryError holds the real reason
        seen.add(id(cause))
        if isinstance(cause, NameResolutionError | socket.gaierror):
            return "its name does not resolve"
        if isinstance(cause, ConnectTimeoutError | ReadTimeoutError | TimeoutError | socket.timeout):
            return "no answer in time"
        if isinstance(cause, SSLError | ssl.SSLError):
            return "the TLS handshake failed: the certificate or the CA does not match"
        if isinstance(cause, ConnectionRefusedError) or "Connection refused" in str(cause):
            return "connection refused"
        if isinstance(cause, ProtocolError | ConnectionResetError):
            return "the connection was dropped"
        if isinstance(cause, NewConnectionError) and "No route" in str(cause):
            return "no route to it"
        cause = cause.reason if isinstance(cause, MaxRetryError) else cause.__cause__ or cause.__context__
    return "no connection"


def check_reachable(conn: KubeConnection, timeout: float = 3.0) -> None:
    """One short request (GET /version) before a screen is built on a context: one that cannot be reached, or
    whose credentials are refused, is one plain line naming the context and the server."""
    from kubernetes import client

    try:
        client.VersionApi(conn.api).get_code(_request_timeout=(timeout, timeout))
    except Exception as e:  # noqa: BLE001 - one line, the context named
        raise describe_api_error(e, f"context {conn.context} ({conn.server})") from None
