"""HTTP/1.1 to the API server on sockets of hubtui's own: what kube/http.py's Transport sends when no proxy stands
between (a proxy goes through urllib3, as before).

Why not urllib3 for every request: its import (http.client, email, its HTTP/2 probe and importlib.metadata) cost
more than a third of `hubtui scale`'s start. The API server speaks plain HTTP/1.1 to a client that asks nothing
else: a status line, headers, and a body framed by Content-Length or chunked (lists and watches), never
compressed unless asked (hubtui never asks).

- A `Pool` keeps idle connections to one server (TCP_NODELAY; TLS from http.tls_context), at most `maxsize`;
  one found closed by the server while it waited is dropped before it is used, never sent a request.
- `Pool.request()` returns a `Response` with the subset of urllib3's response its callers use (`status`,
  `reason`, `headers`, `data`, `read()`, `stream()`, `release_conn()`, `drain_conn()`, `shutdown()`).
- Failures are OSError's kinds, so kube/client.py's wording reads them as it reads any socket's:
  ConnectionRefusedError, socket.gaierror, `Timeout` (a TimeoutError), ssl.SSLError, and `Dropped` (a
  ConnectionError: the connection ended before the whole answer).
- Retries follow urllib3's defaults (3 more): a request that never left (no connection, no TLS) is tried again
  whatever its method; one that may have reached the server (its connection dropped, or no answer in time) only
  when sending it twice does what sending it once does (GET, PUT, DELETE, HEAD, or `idempotent`). The caller
  learns whether it was sent again (`resent`): an earlier copy may have been acted on.
"""

from __future__ import annotations

import select
import socket
import threading
import time
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, cast
from urllib.parse import urlsplit

from ..errors import HubError
from .failures import LineBreakInRequest

if TYPE_CHECKING:
    import io
    import ssl

RETRIES = 3  # as urllib3's default Retry(3)
IDEMPOTENT = frozenset({"GET", "HEAD", "PUT", "DELETE", "OPTIONS", "TRACE"})  # urllib3's default allowed_methods
MAX_LINE = 65536  # a status or header line, or a chunk's size line, longer than this is not HTTP we understand
MAX_HEADERS = 200


class Dropped(ConnectionError):
    """The connection ended (or was reset) before the whole answer came: "the connection was dropped"."""


class Timeout(TimeoutError):
    """No connection, or no answer, within the timeout."""


class ReadTimeout(Timeout):
    """The request was sent, and no answer (or no more of it) came within the read timeout."""


class Headers(dict):
    """Response headers by lower-case name; `get()` takes any case."""

    def get(self, key: str, default: Any = None) -> Any:
        return super().get(key.lower(), default)

    def __getitem__(self, key: str) -> str:
        return super().__getitem__(key.lower())

    def __contains__(self, key: object) -> bool:
        return super().__contains__(key.lower() if isinstance(key, str) else key)


class _Conn:
    def __init__(self, sock: socket.socket):
        self.sock = sock
        self.rfile = cast("io.BufferedReader", sock.makefile("rb", buffering=65536))

    def idle_and_open(self) -> bool:
        """Whether the server kept this idle connection: nothing to read (a closed one reads as readable: EOF)."""
        try:
            poll = select.poll()  # not select(): a descriptor above 1024 is fine
            poll.register(self.sock, select.POLLIN)
            return not poll.poll(0)
        except (OSError, ValueError):
            return False

    def close(self) -> None:
        try:
            self.rfile.close()
        except OSError:
            pass
        try:
            self.sock.close()
        except OSError:
            pass


class Response:
    """An answer whose body is read as it comes (`stream`) or at once (`data`). The connection goes back to its
    pool when the body has been read to its end; `release_conn()` before that closes it."""

    def __init__(self, pool: Pool, conn: _Conn, method: str, status: int, reason: str, headers: Headers,
                 keep: bool):
        self._pool = pool
        self._conn: _Conn | None = conn
        self.status, self.reason, self.headers = status, reason, headers
        self._keep = keep
        self._data: bytes | None = None
        self._done = False
        self._shut = False  # shutdown() was called: the connection is never handed to another request
        self._chunked = "chunked" in headers.get("transfer-encoding", "").lower()
        length = headers.get("content-length")
        self._left: int | None = None
        if method == "HEAD" or status in (204, 304) or 100 <= status < 200:
            self._left, self._chunked = 0, False
        elif not self._chunked and length is not None:
            try:
                self._left = int(length)
            except ValueError:
                raise Dropped(f"the answer's Content-Length is not a number: {length!r}") from None
            if self._left < 0:
                raise Dropped(f"the answer's Content-Length is negative: {length!r}")
        if (self._left is None and not self._chunked) or status == 101:
            self._keep = False  # the body ends when the server closes the connection (or it is another protocol)
        self._chunk_left = 0  # of the chunk being read (chunked)
        if self._left == 0:
            self._finish()

    # ----- the body ------------------------------------------------------------------------------------------
    @property
    def data(self) -> bytes:
        """The whole body (read now unless streamed already)."""
        if self._data is None:
            self._data = b"".join(self._chunks(1 << 20))
        return self._data

    def read(self) -> bytes:
        """The rest of the body."""
        if self._data is not None:
            return self._data
        return b"".join(self._chunks(1 << 20))

    def stream(self, amt: int = 65536, decode_content: bool = True) -> Iterator[bytes]:
        """The body's bytes as they arrive, at most `amt` at a time: a watch's event is given as soon as its chunk
        is in, never held back to fill `amt`. (`decode_content`: as urllib3's; hubtui never asks for an encoding.)"""
        if self._data is not None:
            if self._data:
                yield self._data
            return
        yield from self._chunks(amt)

    def _chunks(self, amt: int) -> Iterator[bytes]:
        rfile = self._conn.rfile if self._conn is not None else None
        while not self._done and rfile is not None:
            try:
                if self._chunked:
                    if self._chunk_left == 0:
                        size = self._chunk_size(rfile)
                        if size == 0:
                            self._trailers(rfile)
                            self._finish()
                            return
                        self._chunk_left = size
                    piece = rfile.read1(min(amt, self._chunk_left))
                    if not piece:
                        raise Dropped("the connection ended inside a chunk of the answer")
                    self._chunk_left -= len(piece)
                    if self._chunk_left == 0 and _line(rfile) != b"":
                        raise Dropped("a chunk of the answer did not end where its size said")
                elif self._left is not None:
                    piece = rfile.read1(min(amt, self._left))
                    if not piece:
                        raise Dropped(f"the connection ended with {self._left} bytes of the answer unread")
                    self._left -= len(piece)
                    if self._left == 0:
                        self._finish()
                else:
                    piece = rfile.read1(amt)
                    if not piece:
                        self._finish()
                        return
            except TimeoutError:
                self._abandon()
                raise ReadTimeout("no answer in time (read timed out)") from None
            except (OSError, ValueError) as e:  # ValueError: a file closed under the read (shutdown())
                self._abandon()
                if isinstance(e, (Dropped, ConnectionError)):
                    raise
                raise Dropped(f"the connection failed while reading the answer: {e}") from None
            yield piece

    @staticmethod
    def _chunk_size(rfile) -> int:
        line = _line(rfile)
        size = line.split(b";", 1)[0].strip()
        if not size or size.strip(b"0123456789abcdefABCDEF"):
            raise Dropped(f"the answer's chunk size is not a number: {line[:40]!r}")
        return int(size, 16)

    @staticmethod
    def _trailers(rfile) -> None:
        for _ in range(MAX_HEADERS):
            if _line(rfile) == b"":
                return
        raise Dropped("the answer's trailers did not end")

    # ----- the connection ------------------------------------------------------------------------------------
    def _finish(self) -> None:
        """The body is read to its end: the connection goes back to the pool (when it may be kept)."""
        self._done = True
        conn, self._conn = self._conn, None
        if conn is not None:
            if self._keep and not self._shut:
                self._pool.put(conn)
            else:
                conn.close()

    def _abandon(self) -> None:
        self._done = True
        conn, self._conn = self._conn, None
        if conn is not None:
            conn.close()

    def release_conn(self) -> None:
        """Done with this answer: its connection goes back to the pool if its body was read to the end, else it is
        closed (what is left of the body is never read by the next request)."""
        if not self._done:
            self._abandon()

    def drain_conn(self) -> None:
        """Read the rest of the body and drop it, so that the connection may be kept."""
        try:
            for _ in self._chunks(65536):
                pass
        except OSError:
            pass

    def shutdown(self) -> None:
        """From another thread: a read blocked on this answer returns (the socket is shut down, not closed). Its
        connection is not kept, even if the answer ended meanwhile."""
        self._shut = True
        conn = self._conn
        if conn is not None:
            try:
                socket.socket.shutdown(conn.sock, socket.SHUT_RDWR)  # under TLS too: the raw socket's
            except OSError:
                pass

    def close(self) -> None:
        self._abandon()


def _line(rfile) -> bytes:
    """One CRLF-ended line without its end; a connection that ends first is Dropped."""
    line = rfile.readline(MAX_LINE + 1)
    if len(line) > MAX_LINE:
        raise Dropped("the answer has a line longer than HTTP allows here")
    if not line.endswith(b"\n"):
        raise Dropped("the connection ended before the whole answer")
    return line.rstrip(b"\r\n")


def _system_tls() -> ssl.SSLContext:
    """TLS checked against the system's CAs: a Pool given no TLS of its own."""
    import ssl

    return ssl.create_default_context()


def dial(host: str, port: int, timeout: float | None, tls: ssl.SSLContext | None = None,
         server_hostname: str | None = None) -> socket.socket:
    """A connection to the API server as hubtui makes its own: TCP_NODELAY, and TLS with `tls` (the handshake
    within `timeout` too), the certificate checked for `server_hostname`. The requests' pool and the
    port-forward's WebSocket both connect so."""
    sock = socket.create_connection((host, port), timeout=timeout)
    try:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        if tls is not None:
            sock = tls.wrap_socket(sock, server_hostname=server_hostname or host)
    except BaseException:
        sock.close()
        raise
    return sock


class Pool:
    """Kept-alive connections to one server (`server`: https://host:port or http://...). `tls` makes the TLS
    context (only for https); `server_hostname` is the name the certificate must carry (None: the host)."""

    def __init__(self, server: str, tls: Any = None, *, server_hostname: str | None = None, maxsize: int = 32):
        where = urlsplit(server)
        self.secure = where.scheme == "https"
        self.host = where.hostname or "localhost"
        self.port = where.port or (443 if self.secure else 80)
        self.prefix = where.path.rstrip("/")  # a server behind a path (https://host/k8s/clusters/c)
        default = 443 if self.secure else 80
        host = f"[{self.host}]" if ":" in self.host else self.host
        self.host_header = host if self.port == default else f"{host}:{self.port}"
        self._tls_factory = tls or _system_tls
        self._tls: ssl.SSLContext | None = None
        self.server_hostname = server_hostname
        self.maxsize = maxsize
        self._idle: list[_Conn] = []
        self._lock = threading.Lock()
        self._closed = False

    # ----- connections -------------------------------------------------------------------------------------
    def _connect(self, timeout: float | None) -> _Conn:
        ctx = None
        if self.secure:
            with self._lock:
                if self._tls is None:
                    self._tls = self._tls_factory()
                ctx = self._tls
        return _Conn(dial(self.host, self.port, timeout, ctx, self.server_hostname or self.host))

    def _take(self) -> _Conn | None:
        while True:
            with self._lock:
                if not self._idle:
                    return None
                conn = self._idle.pop()
            if conn.idle_and_open():
                return conn
            conn.close()  # the server closed it while it waited: never sent a request

    def put(self, conn: _Conn) -> None:
        with self._lock:
            if not self._closed and len(self._idle) < self.maxsize:
                self._idle.append(conn)
                return
        conn.close()

    def clear(self) -> None:
        """Every idle connection closed (a new client certificate, or the end)."""
        with self._lock:
            idle, self._idle = self._idle, []
        for conn in idle:
            conn.close()

    def close(self) -> None:
        with self._lock:
            self._closed = True
        self.clear()

    # ----- requests ----------------------------------------------------------------------------------------
    def request(self, method: str, target: str, headers: dict[str, str], body: bytes | None,
                timeout: tuple[float | None, float | None], *, stream: bool = False, retries: int = RETRIES,
                idempotent: bool = False) -> tuple[Response, bool]:
        """(the answer, whether the request was sent again after a failure once it may have reached the server).
        `target` is the path and query. `timeout`: (to connect, to wait for each read). `retries`: how many more
        tries a failure may have (0: none). A 413, 429 or 503 with Retry-After is tried again after that long
        (capped), for the methods HTTP calls idempotent, as urllib3 did; it was answered, so it is not resent."""
        for value in (target, *headers.values()):
            if "\r" in value or "\n" in value:
                raise HubError(LineBreakInRequest())
        head = [f"{method} {self.prefix}{target} HTTP/1.1", f"Host: {self.host_header}"]
        head += [f"{k}: {v}" for k, v in headers.items()]
        if body is not None or method in ("POST", "PUT", "PATCH"):
            head.append(f"Content-Length: {len(body or b'')}")
        wire = ("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + (body or b"")
        again = idempotent or method in IDEMPOTENT
        resent = False
        tries = 0
        while True:
            tries += 1
            conn, sent = None, False
            try:
                conn = self._take()
                if conn is None:
                    conn = self._connect(timeout[0])
                conn.sock.settimeout(timeout[1])
                sent = True
                conn.sock.sendall(wire)
                resp = self._answer(conn, method)
                if not stream:
                    resp.data  # noqa: B018 - read now (a failure in it is the request's): the connection is freed
            except BaseException as e:
                if conn is not None:
                    conn.close()
                error = _as_failure(e, sent)
                if error is None:  # not a network failure (KeyboardInterrupt, ...)
                    raise
                if tries > retries or (sent and not again):
                    if error is e:
                        raise
                    raise error from None
                resent = resent or sent
                continue
            pause = _retry_after(resp) if method in IDEMPOTENT and tries <= retries else None
            if pause is None:
                return resp, resent
            resp.drain_conn()
            time.sleep(pause)

    def _answer(self, conn: _Conn, method: str) -> Response:
        rfile = conn.rfile
        while True:
            status_line = _line(rfile)
            parts = status_line.split(None, 2)
            if len(parts) < 2 or not parts[0].startswith(b"HTTP/"):
                raise Dropped(f"the server's answer is not HTTP: {status_line[:40]!r}")
            try:
                status = int(parts[1])
            except ValueError:
                raise Dropped(f"the server's answer has no status: {status_line[:40]!r}") from None
            headers = Headers()
            for _ in range(MAX_HEADERS):
                line = _line(rfile)
                if not line:
                    break
                name, _, value = line.decode("latin-1").partition(":")
                key = name.strip().lower()
                value = value.strip()
                headers[key] = f"{headers[key]}, {value}" if key in headers else value
            else:
                raise Dropped("the server's answer has too many headers")
            if 100 <= status < 200 and status != 101:
                continue  # an interim answer (100 Continue): the real one follows
            break
        keep = parts[0] == b"HTTP/1.1" and "close" not in headers.get("connection", "").lower()
        reason = parts[2].decode("latin-1") if len(parts) > 2 else ""
        return Response(self, conn, method, status, reason, headers, keep)


RETRY_AFTER_MAX = 10.0  # seconds: a longer Retry-After is not waited for here (the caller hears the status)


def _retry_after(resp: Response) -> float | None:
    """The seconds a 413, 429 or 503 asks to wait before the request is sent again; None: not such an answer (or
    it asks for longer than RETRY_AFTER_MAX, or says it as a date)."""
    if resp.status not in (413, 429, 503):
        return None
    try:
        seconds = float(resp.headers.get("retry-after", ""))
    except ValueError:
        return None
    return max(seconds, 0.0) if seconds <= RETRY_AFTER_MAX else None


def _as_failure(e: BaseException, sent: bool) -> OSError | None:
    """A request's failure as the OSError it is said as: a timeout once sent is Timeout; a closed file under a
    read is Dropped. None: not a network failure."""
    if isinstance(e, TimeoutError):
        if isinstance(e, Timeout):
            return e
        return ReadTimeout("no answer in time") if sent else Timeout("no connection in time")
    if isinstance(e, OSError):
        return e
    if isinstance(e, ValueError) and sent:  # the socket's file closed under the read
        return Dropped(f"the connection failed: {e}")
    return None
