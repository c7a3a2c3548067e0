"""A port-forward to a pod through the Kubernetes API (the client's WebSocket port-forward, no kubectl process):
127.0.0.1:PORT on this machine reaches the pod's port, one stream per connection, until it is closed."""

from __future__ import annotations

import re
import socket
import threading
import time
from typing import TYPE_CHECKING

from ..errors import HubError, said
from .client import describe_api_error
from .failures import (ApiServerFailing, ApiServerUnreachable, CannotListen, FirstProblem, ForwardDropped,
                       PodNotFound, PortForwardForbidden, PortForwarding, StreamDropped)

if TYPE_CHECKING:
    from collections.abc import Callable

    from .client import KubeConnection

PROBE_TIMEOUT = 3.0  # seconds the API server has to answer when a stream ended from the pod's side


def pipe(src: socket.socket, dst: socket.socket, ended: Callable[[], object] | None = None) -> None:
    """Bytes from one socket to the other until either side closes; then `ended()` is called, and both are shut
    down (which ends the pipe the other way too: `ended` is called first by the side that ended first)."""
    try:
        while data := src.recv(65536):
            dst.sendall(data)
    except OSError:
        pass
    finally:
        if ended is not None:
            ended()
        for end in (src, dst):
            try:
                end.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


class WebSocketStream:
    """One port-forward stream over the API server's WebSocket (pods/portforward, the v4.channel.k8s.io
    protocol): channel 0 carries the port's bytes, channel 1 what went wrong with them, and each channel's first
    frame names the port. `socket()` is a local socket whose bytes are the pod port's; `error()` is what the
    error channel said (None: nothing). What the client sent before it closed its side is still sent; then the
    WebSocket is closed."""

    CLOSE_WAIT = 5.0  # seconds the API server has to answer our close before the connection is dropped

    def __init__(self, ws, port: int):
        self.ws, self.port = ws, port
        self._outer, self._inner = socket.socketpair()
        self._error: str | None = None
        self._done = threading.Event()  # the reader has ended: the WebSocket is closed
        threading.Thread(target=self._from_pod, name=f"port-forward {port} in", daemon=True).start()
        threading.Thread(target=self._to_pod, name=f"port-forward {port} out", daemon=True).start()

    @classmethod
    def open(cls, conn: KubeConnection, namespace: str, pod: str, port: int) -> WebSocketStream:
        """Connects (the socket and its TLS are hubtui's own, as the lean requests make them: no proxy taken
        from the environment by the WebSocket library) and upgrades to the port-forward. An error status is an
        ApiError, as a request's; a WebSocket failure is a ConnectionError."""
        from http import HTTPStatus
        from urllib.parse import urlsplit

        import websocket

        from .client import REQUEST_TIMEOUT
        from .http import ApiError, tls_context
        from .objects import api_path
        from .wire import dial

        ep = conn.endpoint
        assert ep is not None
        where = urlsplit(ep.server)
        secure = where.scheme == "https"
        url = ("wss" if secure else "ws") + ep.server[len(where.scheme):] + api_path("v1", "pods", namespace, pod) + \
            f"/portforward?ports={int(port)}"
        for attempt in (1, 2):
            auth, cert = conn.credential.current()
            ws = websocket.WebSocket(enable_multithread=True, skip_utf8_validation=True)
            try:
                sock = dial(where.hostname or "localhost", where.port or (443 if secure else 80), REQUEST_TIMEOUT[0],
                            tls_context(ep, cert) if secure else None, ep.tls_server_name or where.hostname)
                try:
                    ws.connect(url, socket=sock, header=[f"Authorization: {auth}"] if auth else [],
                               subprotocols=["v4.channel.k8s.io"], timeout=REQUEST_TIMEOUT[0], suppress_origin=True)
                except BaseException:
                    sock.close()
                    raise
            except websocket.WebSocketBadStatusException as e:
                if e.status_code == 401 and attempt == 1 and conn.credential.expire(auth):
                    continue  # a plugin's token expired early: ask it again, once
                try:
                    reason = HTTPStatus(e.status_code).phrase
                except ValueError:
                    reason = ""
                raise ApiError(e.status_code, reason, e.resp_body or b"") from None
            except websocket.WebSocketException as e:
                raise ConnectionError(str(e) or type(e).__name__) from None
            ws.settimeout(None)
            return cls(ws, port)
        raise AssertionError("unreachable")

    def socket(self, port: int) -> socket.socket:
        return self._outer

    def error(self, port: int) -> str | None:
        return self._error

    def close(self) -> None:
        """The client's side is done: what it sent still goes (then the WebSocket closes, _to_pod)."""
        try:
            self._outer.close()
        except OSError:
            pass

    def _wake(self) -> None:
        """The WebSocket's socket shut down (not closed: the other thread may be in it): a recv or a send in it
        returns at once."""
        try:
            if self.ws.sock is not None:
                self.ws.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    def _from_pod(self) -> None:
        import websocket

        started = [False, False]
        try:
            while True:
                opcode, frame = self.ws.recv_data_frame(True)
                if opcode == websocket.ABNF.OPCODE_CLOSE:
                    break
                if opcode != websocket.ABNF.OPCODE_BINARY or not frame.data or frame.data[0] > 1:
                    continue  # a ping, or a channel this stream did not ask for
                channel, data = frame.data[0], bytes(frame.data[1:])
                if not started[channel]:  # the channel's first frame: the port it is for
                    started[channel] = True
                    data = data[2:]
                if not data:
                    continue
                if channel == 0:
                    self._inner.sendall(data)
                else:
                    self._error = (self._error or "") + data.decode("utf-8", "replace")
                    break
        except (OSError, websocket.WebSocketException):
            pass
        finally:
            self._done.set()
            try:
                self._inner.shutdown(socket.SHUT_WR)  # the client reads the end of the pod's bytes
            except OSError:
                pass
            self._wake()  # a send to a pod that is gone returns

    def _to_pod(self) -> None:
        import websocket

        try:
            while data := self._inner.recv(65536):
                self.ws.send(b"\x00" + data, opcode=websocket.ABNF.OPCODE_BINARY)
            self.ws.send_close()
        except (OSError, websocket.WebSocketException):
            pass
        if not self._done.wait(self.CLOSE_WAIT):  # no answer to our close: the reader is woken, and ends
            self._wake()
            self._done.wait(self.CLOSE_WAIT)
        self.ws.shutdown()  # the one close of the socket, once the reader is out of it
        self._inner.close()


class Forward:
    """Listens on 127.0.0.1 (`local_port`, or one the system picks: `.port`); each connection gets a stream of
    its own to `pod`:`remote`. `check()` opens one stream first, so that a pod that cannot be reached this way
    (the user may not port-forward, the pod is gone) is one line before any client starts. What went wrong
    later is in `.problems`, in the order it was seen; `.dropped` is set when a stream failed while a client used
    it, and `summary()` says it in one line, a dropped stream first."""

    def __init__(self, conn: KubeConnection, namespace: str, pod: str, remote: int, local_port: int = 0):
        self.conn, self.namespace, self.pod, self.remote = conn, namespace, pod, remote
        self.listener = socket.socket()
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            self.listener.bind(("127.0.0.1", local_port))
        except OSError as e:
            self.listener.close()
            raise HubError(CannotListen(local_port, e)) from None
        self.listener.listen(16)
        self.port = self.listener.getsockname()[1]
        self.problems: list[str] = []
        self.drops: list[str] = []  # the problems that are a stream dropped under its client (also in .problems)
        self.dropped = threading.Event()
        self._streams: dict[threading.Thread, socket.socket] = {}  # each serving thread, and its client's socket
        self._lock = threading.Lock()
        self._examining = 0  # streams that ended and are being looked at (is it a drop? the API server asked)
        self._quiet = threading.Condition(self._lock)
        self.connections = 0
        self._closed = threading.Event()
        self._thread = threading.Thread(target=self._accept, name=f"port-forward {pod}:{remote}", daemon=True)

    def _open(self):
        """One stream to the pod's port: over a WebSocket of hubtui's own (no kubernetes package to import) for
        the kubeconfigs hubtui reads itself and no proxy between; else through the kubernetes client."""
        from .http import proxy_for

        ep = self.conn.endpoint
        try:
            if ep is not None and not proxy_for(ep):
                return WebSocketStream.open(self.conn, self.namespace, self.pod, self.remote)
            from . import typed_client

            client = typed_client()
            from kubernetes.stream import portforward

            core = client.CoreV1Api(self.conn.api)
            return portforward(core.connect_get_namespaced_pod_portforward, self.pod, self.namespace,
                               ports=str(self.remote))
        except Exception as e:  # noqa: BLE001 - one line, the pod named
            status = getattr(e, "status", None)
            handshake = re.search(r"Handshake status (\d{3})", str(e))  # the WebSocket upgrade's own answer
            if handshake:
                status = int(handshake.group(1))
            if status == 403:
                raise HubError(PortForwardForbidden(self.pod, self.namespace)) from None
            if status == 404:
                raise HubError(PodNotFound(self.pod, self.namespace)) from None
            raise describe_api_error(e, PortForwarding(self.pod)) from None

    def check(self) -> Forward:
        """Open (and close) one stream now; raises HubError in one line (the local port closed). Then starts
        listening."""
        try:
            pf = self._open()
        except BaseException:
            self.listener.close()
            raise
        pf.close()
        self._thread.start()
        return self

    def _accept(self) -> None:
        while not self._closed.is_set():
            try:
                local, _ = self.listener.accept()
            except OSError:
                return
            self.connections += 1
            stream = threading.Thread(target=self._serve, args=(local,), daemon=True,
                                      name=f"port-forward stream {self.connections}")
            with self._lock:
                if self._closed.is_set():  # accepted as close() ran: not carried, never left open
                    local.close()
                    return
                self._streams[stream] = local
            stream.start()

    def _serve(self, local: socket.socket) -> None:
        try:
            self._carry(local)
        finally:
            with self._lock:
                self._streams.pop(threading.current_thread(), None)

    def _drop(self, problem: str) -> None:
        with self._lock:
            self.problems.append(problem)
            self.drops.append(problem)
        self.dropped.set()

    def _carry(self, local: socket.socket) -> None:
        try:
            pf = self._open()
        except HubError as e:
            with self._lock:
                self.problems.append(str(e))
            self.dropped.set()
            local.close()
            return
        remote = pf.socket(self.remote)
        remote.setblocking(True)

        ended: list[str] = []  # which side's bytes ended first: the client's, or the pod's

        def end(side: str) -> None:
            with self._lock:
                ended.append(side)
                if len(ended) == 1:
                    # looked at from now on, before either socket is shut down: a client that sees its connection
                    # end and tries again at once (its stream refused) waits in settle() for this one's verdict
                    self._examining += 1

        def carry(src: socket.socket, dst: socket.socket, side: str) -> None:
            pipe(src, dst, lambda: end(side))

        back = threading.Thread(target=carry, args=(remote, local, "pod"), daemon=True)
        back.start()
        carry(local, remote, "client")
        try:
            ours = self._closed.is_set()  # the stream ended because the forward was closed under it: no problem
            back.join(timeout=5)
            error = pf.error(self.remote)
            if ours:
                pass
            elif error:
                self._drop(said(StreamDropped(self.pod, self.remote, error.strip())))
            elif ended and ended[0] == "pod" and (why := self._unreachable()):
                # The pod's side ended while the client was still there: the server closing the connection looks
                # the same as the forward's connection to the API server being cut, so the API server is asked.
                self._drop(said(StreamDropped(self.pod, self.remote, why)))
        finally:
            with self._lock:
                self._examining -= 1
                self._quiet.notify_all()
        try:
            pf.close()
        except Exception:  # noqa: BLE001
            pass
        local.close()

    def _unreachable(self) -> str | None:
        """Why the API server cannot be reached now (one short request), or None when it answers."""
        from .client import UNREACHABLE, failure_kind, reach

        try:
            reach(self.conn, PROBE_TIMEOUT)
        except Exception as e:  # noqa: BLE001 - the reason, in one line
            kind, why = failure_kind(e)
            return said(ApiServerUnreachable(why) if kind == UNREACHABLE else ApiServerFailing(why))
        return None

    def settle(self, timeout: float = PROBE_TIMEOUT + 2) -> None:
        """Wait (at most `timeout`) until no ended stream is still being looked at: a client that tries again at
        once gets a stream that cannot open before the first one's drop is known, and the drop is the cause."""
        with self._lock:
            self._quiet.wait_for(lambda: self._examining == 0, timeout)

    def summary(self) -> str:
        """What went wrong, in one line: a stream that dropped under its client first (a client that then
        tries again gets streams that cannot open, which come after it in time but not in cause), then how
        many more problems there were."""
        with self._lock:
            problems = list(dict.fromkeys(self.drops + self.problems))
        if not problems:
            return said(ForwardDropped()) if self.dropped.is_set() else ""
        return said(FirstProblem(problems[0], len(problems) - 1))

    def close(self, wait: float = PROBE_TIMEOUT + 7) -> None:
        """Stops listening and ends the streams still open. A stream that had already ended is let finish saying
        why (at most `wait` seconds in all), so that `.problems` is complete when this returns."""
        with self._lock:  # with _accept's check: a connection is either in the streams ended below, or closed there
            self._closed.set()
        try:
            self.listener.shutdown(socket.SHUT_RDWR)  # wakes accept()
        except OSError:
            pass
        self.listener.close()
        with self._lock:
            streams = list(self._streams.items())
        for _, local in streams:
            try:
                local.shutdown(socket.SHUT_RDWR)  # a client still connected: its stream ends, as closed by us
            except OSError:
                pass
        deadline = time.monotonic() + wait
        for stream, _ in streams:
            stream.join(timeout=max(0.0, deadline - time.monotonic()))
