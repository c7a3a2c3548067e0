"""`hubtui serve`: the same TUI in a browser tab, for live demos, through textual-serve.

textual-serve starts one `python -m hubtui ...` process per browser session (a shell command, with
Textual's web driver in its environment) and relays its screen and keys over a websocket. This module
builds that command from the operator's flags, refuses to listen beyond loopback unless told to, checks the
kubeconfig and context before it listens, and serves. Whoever reaches the port would drive the cluster with
the operator's credentials, so every start makes a random token, printed in the URL (as Jupyter does): a
request without it (in the URL, or in the cookie the first page sets) gets 403. It imports neither textual nor hubtui.ui: the app
runs in the child processes.
"""

from __future__ import annotations

import argparse
import ipaddress
import os
import shlex
import socket
import sys

from .errors import HubError, UsageError
from .settings import Settings

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000
TOKEN_COOKIE = "hubtui_token"


def add_parser(sub, parents) -> None:
    p = sub.add_parser("serve", parents=parents, help="serve the TUI in a web browser (for live demos)",
                       description="Serve hubtui's TUI to web browsers through textual-serve: each browser tab "
                                   "runs its own hubtui with these flags. Only the URL it prints (with a random "
                                   "token, new at every start) opens it; by default it listens on loopback only.")
    p.add_argument("--host", default=DEFAULT_HOST,
                   help=f"address to listen on (default {DEFAULT_HOST}; one that is not loopback needs "
                        "--allow-remote)")
    p.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"port to listen on (default {DEFAULT_PORT})")
    p.add_argument("--allow-remote", action="store_true",
                   help="allow a --host that is not loopback: anyone who can reach the port and has the "
                        "printed URL can then drive the cluster with your credentials")
    p.add_argument("-A", "--all-namespaces", action="store_true", default=argparse.SUPPRESS,
                   help="each session shows the deployments of every namespace you may list")
    p.set_defaults(run=run)


def is_loopback(host: str) -> bool:
    """True when every address `host` names is a loopback one (127.0.0.0/8, ::1). An empty host, 0.0.0.0
    or :: (every interface) is not; a name is resolved and must name loopback addresses only."""
    if not host:
        return False
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        pass
    try:
        infos = socket.getaddrinfo(host, None)
    except (socket.gaierror, UnicodeError) as e:
        raise UsageError(f"--host {host}: cannot resolve it ({getattr(e, 'strerror', None) or e})") from None
    addresses = {str(info[4][0]).split("%")[0] for info in infos}  # str(): typeshed also allows (int, bytes)
    return bool(addresses) and all(ipaddress.ip_address(a).is_loopback for a in addresses)


def check_binding(host: str, port: int, allow_remote: bool) -> str | None:
    """Refuse (UsageError) what must not be served; return a warning for a remote binding that is allowed."""
    if not 1 <= port <= 65535:
        raise UsageError(f"--port {port}: must be between 1 and 65535")
    if is_loopback(host):
        return None
    shown = host or "every interface"
    if not allow_remote:
        raise UsageError(f"--host {shown} is not a loopback address: anyone who can reach it could drive the "
                         "cluster with your credentials; add --allow-remote if that is what you want")
    return (f"serving on {shown}:{port}, not only loopback: anyone who can reach this port and learns the "
            "printed URL can drive the cluster with your credentials")


def app_command(args: argparse.Namespace, context: str, namespace: str) -> str:
    """The shell command textual-serve runs for each browser session: this Python, the same hubtui, the same
    flags (the context pinned to the one checked now), each argument quoted."""
    argv = [sys.executable, "-m", "hubtui"]
    if args.kubeconfig:
        argv += ["--kubeconfig", args.kubeconfig]
    argv += ["--context", context, "-n", namespace]
    if args.readonly:
        argv.append("--readonly")
    if getattr(args, "all_namespaces", False):
        argv.append("--all-namespaces")
    return shlex.join(argv)


def run(args: argparse.Namespace, settings: Settings) -> int:
    from .kube.client import connect

    warning = check_binding(args.host, args.port, args.allow_remote)
    conn = connect(settings)  # the kubeconfig and the context, checked before anything listens (no network)
    conn.close()
    command = app_command(args, conn.context, settings.namespace)
    if warning:
        print(f"hubtui: warning: {warning}", file=sys.stderr, flush=True)
    try:
        import textual_serve.server  # noqa: F401
    except ImportError:
        raise HubError("serve needs the textual-serve package: pip install textual-serve") from None
    from .readonly import readonly_reason

    server = _make_server(command, args.host, args.port, conn.context, settings.namespace,
                          readonly_reason(settings, conn.context), loopback_only=warning is None)
    try:
        server.serve()
    except OSError as e:
        reason = os.strerror(e.errno).lower() if e.errno else str(e)
        raise HubError(f"cannot listen on {args.host}:{args.port}: {reason}") from None
    return 0


def token_refusal(token: str, query: str | None, cookie: str | None) -> str | None:
    """Why a request without the start's token is refused (None: it carries it, in the URL or the cookie)."""
    import hmac

    for given in (query, cookie):
        if given and hmac.compare_digest(given.encode(), token.encode()):
            return None
    return "no valid token (open the URL hubtui serve printed)" if not (query or cookie) else "a wrong token"


def request_refusal(host_header: str, origin: str | None, loopback_only: bool) -> str | None:
    """Why a request must be refused (None: serve it). Another web page open in the operator's browser may
    send requests here too: a websocket from another origin is refused (it would drive the cluster), and on
    loopback a Host that is not a loopback address or localhost is refused (a DNS rebinding attack names its
    own domain)."""
    from urllib.parse import urlsplit

    if loopback_only:
        name = urlsplit(f"//{host_header}").hostname or ""
        if name != "localhost":
            try:
                if not ipaddress.ip_address(name).is_loopback:
                    return f"Host {host_header} is not a loopback address"
            except ValueError:
                return f"Host {host_header} is not a loopback address"
    if origin is not None and urlsplit(origin).netloc != host_header:
        return f"Origin {origin} is not this server ({host_header})"
    return None


def _make_server(command: str, host: str, port: int, context: str, namespace: str, readonly: str | None,
                 loopback_only: bool = True, token: str | None = None):
    import asyncio
    import logging
    import secrets
    import signal

    from aiohttp import web
    from textual_serve.server import Server

    token = token or secrets.token_urlsafe(24)
    url_host = f"[{host}]" if ":" in host else host
    mode = f" (read-only: {readonly})" if readonly else ""
    banner = (f"hubtui serve: context {context}, namespace {namespace}{mode}, on http://{url_host}:{port}/?token="
              f"{token}  (each browser tab runs its own hubtui; Ctrl-C stops)")

    @web.middleware
    async def token_gate(request: web.Request, handler):
        """Every request, the page, its files and the websocket, carries the start's token: in the URL the
        operator opened, then in the cookie that page sets (strict same-site, not readable by scripts)."""
        if why := token_refusal(token, request.query.get("token"), request.cookies.get(TOKEN_COOKIE)):
            logging.getLogger("hubtui.serve").warning("refused %s: %s", request.path, why)
            raise web.HTTPForbidden(text=f"hubtui serve: refused: {why}\n")
        response = await handler(request)
        if request.query.get("token") and isinstance(response, web.Response):
            response.set_cookie(TOKEN_COOKIE, token, httponly=True, samesite="Strict", path="/")
        return response

    class HubServer(Server):
        """textual-serve's server, with the banner said only once the port is really listening, a bind
        error raised (not logged), and each page's websocket pointed back at the address its browser used."""

        def serve(self, debug: bool = False) -> None:
            logging.basicConfig(level="WARNING", format="hubtui serve: %(message)s")
            asyncio.run(self._serve())

        async def _serve(self) -> None:
            runner = web.AppRunner(await self._make_app(), handle_signals=False)
            await runner.setup()
            try:
                await web.TCPSite(runner, self.host, self.port).start()  # OSError: in use, not ours, ...
                print(banner, flush=True)
                stop = asyncio.Event()
                loop = asyncio.get_running_loop()
                for sig in (signal.SIGINT, signal.SIGTERM):
                    loop.add_signal_handler(sig, stop.set)
                await stop.wait()
            finally:
                await runner.cleanup()  # closes the websockets: each session's hubtui is told to quit

        async def _make_app(self) -> web.Application:
            app = await super()._make_app()
            app.middlewares.append(token_gate)
            return app

        async def on_startup(self, app) -> None:
            pass  # textual-serve's logo and banner: ours is printed once listening

        async def handle_index(self, request: web.Request):
            if why := request_refusal(request.host, None, loopback_only):
                raise web.HTTPForbidden(text=f"hubtui serve: refused: {why}\n")
            # The page's websocket goes back to the address the browser used (a name, or the host's address
            # when --host is 0.0.0.0), not to the listening address.
            self.public_url = f"{request.scheme}://{request.host}"
            return await super().handle_index(request)

        async def handle_websocket(self, request: web.Request):
            if why := request_refusal(request.host, request.headers.get("Origin"), loopback_only):
                logging.getLogger("hubtui.serve").warning("refused a session: %s", why)
                raise web.HTTPForbidden(text=f"hubtui serve: refused: {why}\n")
            return await super().handle_websocket(request)

    return HubServer(command, host=host, port=port, title=f"hubtui · {context} · {namespace}")
