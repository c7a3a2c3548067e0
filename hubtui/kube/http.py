"""Requests to the API server without the kubernetes package: sockets of hubtui's own (kube/wire.py; urllib3
through a proxy), TLS and the credential of an Endpoint (kube/kubeconfig.py), kept fresh.

A `Transport` is what the lists, the watches and the scale path use (kube/rest.py, ops/scale.py). It makes
the same requests the generated client would make (the same headers, timeouts and error statuses), and the
typed client that the rest of the engine uses is built from the same Endpoint and the same Credential
(`configure()`), so the two always connect the same way.
"""

from __future__ import annotations

import atexit
import json
import os
import threading
import time
from datetime import datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from ..errors import HubError, said
from .failures import (ExpiryWithoutZone, NoTokenNorCertificate, NotExecCredential, PluginFailed,
                       PluginGaveNoCredential, PluginNotInstalled, PluginSilent, PluginUnrunnable, StatusNotObject,
                       TokenFileUnreadable)
from .kubeconfig import Endpoint, Exec, private_file

if TYPE_CHECKING:
    import ssl
    import subprocess

    from kubernetes.client import Configuration

EXEC_TIMEOUT = 60.0  # seconds an exec credential plugin may take on its own
EXEC_SIGN_IN = 300.0  # seconds it may take on the operator's terminal (a sign-in in a browser, a device code)
TOKEN_FILE_TTL = 60.0  # seconds a token file's content is used before it is read again (as kubectl does)


class ApiError(Exception):
    """An error status from the API server, with the fields of the kubernetes client's ApiException."""

    def __init__(self, status: int, reason: str, body: bytes | str = b"", headers: Any = None, *,
                 resent: bool = False):
        super().__init__(f"({status}) {reason}")
        self.status, self.reason, self.headers = status, reason, headers
        # the request was sent again after its connection failed: an earlier copy may have been acted on (a
        # DELETE whose answer was lost ends 404 on its second try)
        self.resent = resent
        self.body = body.decode("utf-8", "replace") if isinstance(body, bytes) else body


class NotACredential(ValueError):
    """What a credential plugin printed is not a credential hubtui can use: `fact` says why (kube/failures.py),
    str() words it as a HubError words its fact (present/). PluginGaveNoCredential holds it as its cause."""

    def __init__(self, fact: object):
        super().__init__(fact)
        self.fact = fact

    def __str__(self) -> str:
        return said(self.fact)


_PLUGINS: set[int] = set()  # the process groups of the plugins running now (_run_alone), ended at exit
_PLUGINS_LOCK = threading.Lock()


def _end_group(pgid: int) -> None:
    import signal

    try:
        os.killpg(pgid, signal.SIGKILL)
    except OSError:
        pass


def _end_plugins() -> None:
    """At exit: the plugins still running (a hub's thread was waiting on one when hubtui was told to stop)."""
    with _PLUGINS_LOCK:
        groups = list(_PLUGINS)
        _PLUGINS.clear()
    for pgid in groups:
        _end_group(pgid)


atexit.register(_end_plugins)


def before_hard_exit() -> None:
    """What atexit would do for the connections, before an exit that skips it (os._exit when the terminal closed):
    the credential plugins still running ended (they run in sessions of their own: the terminal's hangup does
    not reach them), and the key material written for TLS removed."""
    from .kubeconfig import remove_private_files

    _end_plugins()
    remove_private_files()


def _run_alone(argv: list[str], env: dict, timeout: float) -> subprocess.CompletedProcess:
    """A credential plugin with no terminal, in a process group of its own: one that takes longer than `timeout`,
    a hubtui interrupted meanwhile, or hubtui's exit while it runs (on any thread) end it with all it started,
    never left running behind hubtui. Its output is read as UTF-8 (what it cannot decode, replaced)."""
    import subprocess

    proc = subprocess.Popen(argv, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            encoding="utf-8", errors="replace", start_new_session=True)
    with _PLUGINS_LOCK:
        _PLUGINS.add(proc.pid)
    try:
        out, err = proc.communicate(timeout=timeout)
    except BaseException:
        _end_group(proc.pid)
        proc.wait()  # not communicate(): something that left the group may hold the pipes open
        for pipe in (proc.stdout, proc.stderr):
            if pipe is not None:
                pipe.close()
        raise
    finally:
        with _PLUGINS_LOCK:
            _PLUGINS.discard(proc.pid)
    return subprocess.CompletedProcess(argv, proc.returncode, out, err)


class Credential:
    """The user's credential of an Endpoint: a bearer token (given, read from a file, or from an exec plugin) and
    a client certificate (given, or from the plugin). Thread-safe; an exec plugin runs again when what it gave
    expires, or after the API server refused it (`expire()`)."""

    FAILURE_KEPT = 5.0  # seconds a plugin's failure is given to every request, not retried by each

    def __init__(self, ep: Endpoint):
        self.ep = ep
        self.exec_timeout = EXEC_TIMEOUT  # seconds a plugin may take on its own (Tab completion gives it less)
        self._lock = threading.Lock()
        self._token: str | None = ep.token
        self._cert: tuple[str, str] | None = (ep.cert_file, ep.key_file) if ep.cert_file and ep.key_file else None
        self._until = float("inf") if ep.exec is None and ep.token_file is None else 0.0
        self._failed: tuple[float, HubError] | None = None  # (until when, the error) of the last plugin run

    def prime(self, interactive: bool) -> None:
        """The credential now, at connect time, as kubectl gets it. `interactive`: hubtui has the operator's
        terminal (no screen drawn yet), so a plugin may ask there (a sign-in); later runs never may."""
        with self._lock:
            if self.ep.exec is not None:
                self._run_exec(self.ep.exec, interactive=interactive)

    def _fresh(self) -> None:
        if time.time() < self._until:
            return
        if self.ep.token_file:
            try:
                with open(self.ep.token_file, encoding="utf-8") as f:
                    self._token = f.read().strip()
            except OSError as e:
                if self._token is None:  # once read, a token file that went away keeps its last token
                    raise HubError(TokenFileUnreadable(self.ep.token_file, e)) from None
            self._until = time.time() + TOKEN_FILE_TTL
        if self.ep.exec is not None:
            if self._failed is not None and time.time() < self._failed[0]:
                raise self._failed[1]  # the threads waiting behind a failed run get its answer, not a run each
            try:
                self._run_exec(self.ep.exec)
            except HubError as e:
                self._failed = (time.time() + self.FAILURE_KEPT, e)
                raise
            self._failed = None

    def _run_exec(self, ex: Exec, *, interactive: bool = False) -> None:
        import subprocess  # only for a plugin: most kubeconfigs have none

        interactive = interactive and ex.interactive
        info: dict[str, Any] = {"apiVersion": ex.api_version, "kind": "ExecCredential",
                                "spec": {"interactive": interactive}}
        if ex.cluster_info is not None:
            info["spec"]["cluster"] = ex.cluster_info
        env = {**os.environ, **dict(ex.env), "KUBERNETES_EXEC_INFO": json.dumps(info)}
        timeout = EXEC_SIGN_IN if interactive else self.exec_timeout
        try:
            if interactive:  # on the operator's terminal, in its foreground: a sign-in may ask there
                proc = subprocess.run([ex.command, *ex.args], env=env, stdout=subprocess.PIPE, text=True, check=False,
                                      timeout=timeout)
            else:
                proc = _run_alone([ex.command, *ex.args], env, timeout)
        except FileNotFoundError:
            raise HubError(PluginNotInstalled(ex.command, self.ep.user, ex.install_hint)) from None
        except OSError as e:  # not executable, a folder, ...
            raise HubError(PluginUnrunnable(ex.command, e)) from None
        except subprocess.TimeoutExpired:
            raise HubError(PluginSilent(ex.command, timeout)) from None
        if proc.returncode != 0:
            said = ((proc.stderr or "").strip().splitlines() or [""])[-1]
            raise HubError(PluginFailed(ex.command, proc.returncode, said))
        try:
            data = json.loads(proc.stdout)
            status = data["status"]
            if data.get("kind") != "ExecCredential" or data.get("apiVersion") != ex.api_version:
                raise NotACredential(NotExecCredential(ex.api_version))
            if not isinstance(status, dict):
                raise NotACredential(StatusNotObject())
            token, cert, key = status.get("token"), status.get("clientCertificateData"), status.get("clientKeyData")
            if not token and not (cert and key):
                raise NotACredential(NoTokenNorCertificate())
            expires = status.get("expirationTimestamp")
            until = float("inf")
            if expires:
                when = datetime.fromisoformat(str(expires).replace("Z", "+00:00"))
                if when.tzinfo is None:
                    raise NotACredential(ExpiryWithoutZone(expires))
                until = when.timestamp() - 10
        except (ValueError, KeyError, TypeError) as e:
            raise HubError(PluginGaveNoCredential(ex.command, e)) from None
        if token:
            self._token = str(token)
        if cert and key:
            self._cert = (private_file(str(cert).encode(), ".crt"), private_file(str(key).encode(), ".key"))
        self._until = until

    def current(self) -> tuple[str | None, tuple[str, str] | None]:
        """(the Authorization header's value, the client certificate and key files), fresh; None for what the
        user does not have."""
        with self._lock:
            self._fresh()
            return (f"Bearer {self._token}" if self._token else None), self._cert

    def authorization(self) -> str | None:
        return self.current()[0]

    def expire(self, refused: str | None) -> bool:
        """The API server refused the credential `refused` (the Authorization a request carried): True when
        asking again may help (a plugin or a token file). Only once for each credential: the other requests
        refused with the same one find it renewed already."""
        with self._lock:
            if self.ep.exec is None and self.ep.token_file is None:
                return False
            if refused == (f"Bearer {self._token}" if self._token else None):
                self._until = 0.0
            return True


def configure(ep: Endpoint, cred: Credential, cfg: Configuration) -> None:
    """The typed client's Configuration for the same connection as the Transport's (kubernetes.client)."""
    cfg.host = ep.server
    cfg.ssl_ca_cert = ep.ca_file
    cfg.verify_ssl = ep.verify
    cfg.tls_server_name = ep.tls_server_name
    cfg.proxy = proxy_for(ep)  # the transport's own choice: both go the same way
    cfg.no_proxy = ""
    auth, cert = cred.current()
    if cert:
        cfg.cert_file, cfg.key_file = cert
    if auth:
        def refresh(c: Configuration) -> None:
            c.api_key["BearerToken"] = cred.authorization() or ""
        cfg.api_key["BearerToken"] = auth
        cfg.refresh_api_key_hook = refresh  # type: ignore[assignment]  # the client types it as None


LOOPBACK = {"localhost", "127.0.0.1", "::1"}


def proxy_for(ep: Endpoint, environ: dict[str, str] | None = None) -> str | None:
    """The proxy to the API server, as kubectl chooses it: the kubeconfig's proxy-url, else HTTPS_PROXY (or
    HTTP_PROXY for an http server; the upper-case name first) unless NO_PROXY covers the host (a name, a
    domain, an address or a CIDR range, or *); never for a loopback address. A proxy without a scheme is
    http://, as Go reads it."""
    if ep.proxy:
        return ep.proxy
    import ipaddress
    from urllib.parse import urlparse

    env = os.environ if environ is None else environ
    scheme = "HTTPS" if ep.server.startswith("https:") else "HTTP"
    proxy = env.get(f"{scheme}_PROXY") or env.get(f"{scheme.lower()}_proxy") or ""
    host = (urlparse(ep.server).hostname or "").lower()
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        address = None
    if not proxy or host == "localhost" or (address is not None and address.is_loopback):
        return None
    for entry in (env.get("NO_PROXY") or env.get("no_proxy") or "").split(","):
        entry = entry.strip().lower()
        if not entry:
            continue
        if entry == "*":
            return None
        if address is not None and "/" in entry:
            try:
                if address in ipaddress.ip_network(entry, strict=False):
                    return None
            except ValueError:
                pass
            continue
        name = entry.lstrip(".").split(":")[0]
        if host == name or host.endswith("." + name):
            return None
    return proxy if "://" in proxy else "http://" + proxy


def _resent(resp: Any) -> bool:
    """Whether urllib3 sent the request again after a failure that came once it may have been sent (a connection
    that dropped before the answer). A failure to connect, to resolve the name or to agree on TLS sent nothing:
    not counted."""
    import urllib3

    unsent = (urllib3.exceptions.ConnectTimeoutError, urllib3.exceptions.SSLError)  # NewConnectionError is one
    return any(h.error is not None and not isinstance(h.error, unsent)
               for h in getattr(resp.retries, "history", None) or ())


def is_read_timeout(exc: BaseException) -> bool:
    """Whether a request was sent and its answer (or the rest of it) did not come in time: hubtui's own sockets'
    ReadTimeout, or urllib3's (through a proxy)."""
    from .client import urllib3_exceptions
    from .wire import ReadTimeout

    u3 = urllib3_exceptions()
    return isinstance(exc, ReadTimeout) or (u3 is not None and isinstance(exc, u3.ReadTimeoutError))


def tls_context(ep: Endpoint, cert: tuple[str, str] | None) -> ssl.SSLContext:
    """TLS to the API server for a connection of hubtui's own (kube/wire.py's requests, the port-forward's
    WebSocket): the kubeconfig's CA (or the system's), no check at all when it says insecure-skip-tls-verify, and
    the client certificate. urllib3 is handed the same context for a proxy (Transport._proxied)."""
    import ssl

    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    if ep.verify:
        if ep.ca_file:
            ctx.load_verify_locations(cafile=ep.ca_file)
        else:
            ctx.load_default_certs()
    else:
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
    if cert:
        ctx.load_cert_chain(*cert)
    return ctx


def _retries(retries: Any) -> int:
    """How many more tries: None, the default (three); False, none; a number, that many."""
    from .wire import RETRIES

    if retries is None:
        return RETRIES
    return 0 if retries is False else int(retries)


def _timeouts(timeout: Any) -> tuple[float | None, float | None]:
    """(to connect, to wait for each read) from a request's timeout: a pair, one number for both (each, not a total
    as urllib3 read it), or None."""
    if isinstance(timeout, tuple):
        return timeout[0], timeout[1]
    return timeout, timeout


class Transport:
    """Requests to one API server. `request()` returns the answer (its body unread when `stream`), with the part
    of urllib3's response API its callers use, and raises ApiError for an error status; network failures are
    OSErrors (kube/wire.py) or, through a proxy, urllib3's errors.

    With no proxy between, the requests go on sockets of hubtui's own (kube/wire.py: its import is a fraction of
    urllib3's); through a proxy (the kubeconfig's proxy-url, HTTPS_PROXY, a SOCKS proxy), by urllib3."""

    def __init__(self, ep: Endpoint, cred: Credential, *, maxsize: int = 32):
        self.ep, self.cred, self.maxsize = ep, cred, maxsize
        self.proxy = proxy_for(ep)
        self._pool: Any = None  # a wire.Pool, or urllib3's manager for a proxy
        self._pool_cert: tuple[str, str] | None = None
        self._lock = threading.Lock()

    def pool(self, cert: tuple[str, str] | None) -> Any:
        """The connections for the client certificate `cert` (an exec plugin may hand out a new one)."""
        with self._lock:
            if self._pool is None or cert != self._pool_cert:
                if self._pool is not None:
                    self._close(self._pool)  # its connections used the old certificate
                if self.proxy:
                    self._pool = self._proxied(cert)
                else:
                    from .wire import Pool

                    self._pool = Pool(self.ep.server, lambda: tls_context(self.ep, cert),
                                      server_hostname=self.ep.tls_server_name, maxsize=self.maxsize)
                self._pool_cert = cert
            return self._pool

    def _proxied(self, cert: tuple[str, str] | None) -> Any:
        """urllib3's manager through the proxy, with tls_context()'s TLS (one TLS setup for both paths)."""
        import urllib3

        proxy = self.proxy
        assert proxy is not None
        # cert_reqs as well: urllib3 sets the context's verify_mode from it (CERT_REQUIRED when not given)
        kw: dict[str, Any] = {"num_pools": 4, "maxsize": self.maxsize, "ssl_context": tls_context(self.ep, cert),
                              "cert_reqs": "CERT_REQUIRED" if self.ep.verify else "CERT_NONE"}
        if self.ep.tls_server_name:
            kw["server_hostname"] = self.ep.tls_server_name
        if not self.ep.verify:
            urllib3.disable_warnings(urllib3.exceptions.InsecureRequestWarning)
        if proxy.startswith("socks"):
            from urllib3.contrib.socks import SOCKSProxyManager  # needs PySocks, as the library does

            return SOCKSProxyManager(proxy, **kw)
        return urllib3.ProxyManager(proxy, **kw)

    def target(self, path: str, query: list[tuple[str, Any]] | None = None) -> str:
        """`path` as its callers build it, each name in it quoted once (kube/rest.py, kube/deployments.py), and its
        query."""
        q = [(k, str(v).lower() if isinstance(v, bool) else v) for k, v in (query or [])]
        return path + (("?" + urlencode(q)) if q else "")

    def url(self, path: str, query: list[tuple[str, Any]] | None = None) -> str:
        return self.ep.server + self.target(path, query)

    def request(self, method: str, path: str, *, query: list[tuple[str, Any]] | None = None, body: Any = None,
                content_type: str = "application/json", timeout: Any = None, stream: bool = False,
                retries: Any = None, idempotent: bool = False) -> Any:
        """`retries`: None, the default (three tries more); False or 0, none (the first failure raised as it is).
        `idempotent`: sending the request twice does what sending it once does (a merge patch setting values,
        such as a scale), so a connection that drops before the answer is tried again whatever the method (by
        default only the methods HTTP calls idempotent are, never a PATCH)."""
        headers = {"Accept": "application/json", "User-Agent": "hubtui"}
        data = None
        if body is not None:
            data = body if isinstance(body, bytes) else json.dumps(body).encode()
            headers["Content-Type"] = content_type
        resent = False
        for attempt in (1, 2):
            auth, cert = self.cred.current()
            if auth:
                headers["Authorization"] = auth
            pool = self.pool(cert)
            if self.proxy:
                resp, again = self._by_urllib3(pool, method, path, query, data, headers, timeout, stream, retries,
                                               idempotent)
            else:
                resp, again = pool.request(method, self.target(path, query), headers, data, _timeouts(timeout),
                                           stream=stream, retries=_retries(retries), idempotent=idempotent)
            resent = resent or again
            if resp.status == 401 and attempt == 1 and self.cred.expire(auth):
                resp.drain_conn()
                continue  # a plugin's token expired early: ask it again, once
            if 200 <= resp.status <= 299:
                return resp
            raise ApiError(resp.status, resp.reason or "", resp.read() if stream else resp.data, resp.headers,
                           resent=resent)
        raise AssertionError("unreachable")

    def _by_urllib3(self, pool: Any, method: str, path: str, query: Any, data: bytes | None, headers: dict,
                    timeout: Any, stream: bool, retries: Any, idempotent: bool) -> tuple[Any, bool]:
        import urllib3

        if idempotent and retries is None:
            retries = urllib3.Retry(total=3, redirect=0, status=0, allowed_methods=None, raise_on_status=False)
        if isinstance(timeout, tuple):
            timeout = urllib3.Timeout(connect=timeout[0], read=timeout[1])
        elif timeout is not None:
            timeout = urllib3.Timeout(total=timeout)
        resp = pool.request(method, self.url(path, query), body=data, headers=headers, preload_content=not stream,
                            timeout=timeout, **({} if retries is None else {"retries": retries}))
        return resp, _resent(resp)

    def json(self, method: str, path: str, **kw: Any) -> Any:
        return json.loads(self.request(method, path, **kw).data or b"null")

    def close(self) -> None:
        with self._lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            self._close(pool)

    @staticmethod
    def _close(pool: Any) -> None:
        """A pool no longer used: its idle connections closed, and (hubtui's own) those still in use closed when
        their answers end, never kept."""
        (pool.close if hasattr(pool, "close") else pool.clear)()
