"""kube/wire.py, hubtui's own HTTP/1.1 requests, against a server scripted byte by byte on a real socket: the
framings the API server uses, kept-alive connections, and what is sent again after a failure (and said so)."""

from __future__ import annotations

import socket
import threading
import time

import pytest

from hubtui.kube import wire
from hubtui.kube.client import network_reason
from hubtui.kube.http import is_read_timeout

OK = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}"


class Scripted:
    """A TCP server on 127.0.0.1: each accepted connection is handed to `handle(sock, n)` (n: its ordinal), in a
    thread of its own. `requests` holds every request head read by `read_request`."""

    def __init__(self, handle):
        self.handle = handle
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.accepted = 0
        self.requests: list[bytes] = []
        self.threads: list[threading.Thread] = []
        threading.Thread(target=self._accept, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _accept(self):
        while True:
            try:
                sock, _ = self.listener.accept()
            except OSError:
                return
            n, self.accepted = self.accepted, self.accepted + 1
            t = threading.Thread(target=self._run, args=(sock, n), daemon=True)
            t.start()
            self.threads.append(t)

    def _run(self, sock, n):
        try:
            self.handle(sock, n)
        except OSError:
            pass
        finally:
            sock.close()

    def read_request(self, sock) -> bytes | None:
        """One request's head and body (by its Content-Length); None when the client closed the connection."""
        data = b""
        while b"\r\n\r\n" not in data:
            got = sock.recv(65536)
            if not got:
                return None
            data += got
        head, _, body = data.partition(b"\r\n\r\n")
        length = next((int(line.split(b":")[1]) for line in head.split(b"\r\n")
                       if line.lower().startswith(b"content-length:")), 0)
        while len(body) < length:
            body += sock.recv(65536)
        self.requests.append(head + b"\r\n\r\n" + body)
        return head

    def close(self):
        self.listener.close()


@pytest.fixture
def serve():
    servers: list[Scripted] = []

    def start(handle) -> Scripted:
        server = Scripted(handle)
        servers.append(server)
        return server

    yield start
    for s in servers:
        s.close()


def test_a_chunked_answer_is_given_chunk_by_chunk_as_it_comes_and_its_connection_is_kept(serve):
    """A watch's events come as chunks: each is handed over when it arrives, not held to fill the read size. The
    connection serves the next request once the answer has been read to its end."""
    first_seen = threading.Event()

    def handle(sock, n):
        assert server.read_request(sock) is not None
        sock.sendall(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n7\r\n{\"a\":1}\r\n")
        assert first_seen.wait(5), "the first chunk was not handed over before the second was sent"
        sock.sendall(b"1\r\n\n\r\n8;ext=1\r\n{\"b\":22}\r\n0\r\nX-Trailer: t\r\n\r\n")
        assert server.read_request(sock) is not None
        sock.sendall(OK)
        server.read_request(sock)

    server = serve(handle)
    pool = wire.Pool(server.url)
    resp, resent = pool.request("GET", "/watch", {}, None, (5, 5), stream=True)
    assert (resp.status, resent) == (200, False)
    pieces = []
    for piece in resp.stream(65536):
        pieces.append(piece)
        first_seen.set()
    assert b"".join(pieces) == b'{"a":1}\n{"b":22}' and pieces[0] == b'{"a":1}'
    resp.release_conn()
    again, _ = pool.request("GET", "/next", {}, None, (5, 5))
    assert (again.status, again.data, server.accepted) == (200, b"{}", 1)


def test_a_body_framed_by_its_length_or_by_the_connection_closing_is_read_whole(serve):
    def handle(sock, n):
        server.read_request(sock)
        if n == 0:
            sock.sendall(b"HTTP/1.1 404 Not Found\r\nContent-Length: 5\r\n\r\nab")
            time.sleep(0.05)
            sock.sendall(b"cde")
            server.read_request(sock)
        else:
            sock.sendall(b"HTTP/1.0 200 OK\r\n\r\nuntil the end")

    server = serve(handle)
    pool = wire.Pool(server.url)
    resp, _ = pool.request("GET", "/a", {}, None, (5, 5))
    assert (resp.status, resp.reason, resp.data) == (404, "Not Found", b"abcde")
    pool.clear()
    resp, _ = pool.request("GET", "/b", {}, None, (5, 5))
    assert resp.data == b"until the end"


def test_the_request_carries_its_host_headers_and_body(serve):
    def handle(sock, n):
        server.read_request(sock)
        sock.sendall(OK)

    server = serve(handle)
    wire.Pool(server.url + "/k8s/clusters/c1").request(
        "PATCH", "/apis/x?dryRun=All", {"Content-Type": "application/merge-patch+json"}, b'{"spec":{}}', (5, 5))
    head, _, body = server.requests[0].partition(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    assert lines[0] == b"PATCH /k8s/clusters/c1/apis/x?dryRun=All HTTP/1.1"
    assert {b"Host: 127.0.0.1:%d" % server.port, b"Content-Type: application/merge-patch+json",
            b"Content-Length: 11"} <= set(lines[1:])
    assert body == b'{"spec":{}}'


def test_a_kept_connection_the_server_closed_meanwhile_is_not_used_and_nothing_is_sent_twice(serve):
    """The server closes a kept-alive connection while it is idle: the next request, a PATCH, goes on a new
    connection, once, and is not said to be sent again."""
    def handle(sock, n):
        server.read_request(sock)
        sock.sendall(OK)
        if n == 0:
            return  # closed after its first answer, with no word of it
        server.read_request(sock)

    server = serve(handle)
    pool = wire.Pool(server.url)
    pool.request("GET", "/a", {}, None, (5, 5))
    time.sleep(0.1)  # the server's close has arrived
    resp, resent = pool.request("PATCH", "/scale", {}, b"{}", (5, 5))
    assert (resp.status, resent, server.accepted) == (200, False, 2)
    assert [r.split(b" ")[0] for r in server.requests] == [b"GET", b"PATCH"]


@pytest.mark.parametrize("method, idempotent, sent_again", [
    ("PATCH", False, False), ("POST", False, False), ("PATCH", True, True), ("GET", False, True),
    ("DELETE", False, True)])
def test_a_request_whose_connection_drops_after_it_was_sent_is_sent_again_only_when_that_is_safe(
        serve, method, idempotent, sent_again):
    """The first connection takes the request and ends with no answer (the server may have acted): a PATCH or a
    POST is not sent again (the failure is raised, said as a dropped connection); an idempotent one is, and
    the caller is told it was."""
    def handle(sock, n):
        server.read_request(sock)
        if n > 0:
            sock.sendall(OK)

    server = serve(handle)
    pool = wire.Pool(server.url)
    if sent_again:
        resp, resent = pool.request(method, "/x", {}, b"{}", (5, 5), idempotent=idempotent)
        assert (resp.status, resent, len(server.requests)) == (200, True, 2)
    else:
        with pytest.raises(wire.Dropped) as e:
            pool.request(method, "/x", {}, b"{}", (5, 5), idempotent=idempotent)
        assert network_reason(e.value) == "the connection was dropped"
        assert len(server.requests) == 1


def test_a_refused_connection_is_tried_again_then_said_as_refused_and_never_counted_as_sent():
    with socket.create_server(("127.0.0.1", 0)) as s:
        port = s.getsockname()[1]
    pool = wire.Pool(f"http://127.0.0.1:{port}")
    with pytest.raises(ConnectionRefusedError) as e:
        pool.request("PATCH", "/x", {}, b"{}", (1, 1))
    assert network_reason(e.value) == "connection refused"
    with pytest.raises(ConnectionRefusedError):
        pool.request("GET", "/x", {}, None, (1, 1), retries=0)


def test_no_answer_in_time_is_a_read_timeout_said_in_plain_words(serve):
    def handle(sock, n):
        server.read_request(sock)
        time.sleep(2)

    server = serve(handle)
    with pytest.raises(wire.ReadTimeout) as e:
        wire.Pool(server.url).request("GET", "/slow", {}, None, (1, 0.2), retries=0)
    assert is_read_timeout(e.value) and network_reason(e.value) == "no answer in time"


def test_a_stream_that_stops_coming_is_a_read_timeout_too(serve):
    def handle(sock, n):
        server.read_request(sock)
        sock.sendall(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nab\r\n")
        time.sleep(2)

    server = serve(handle)
    resp, _ = wire.Pool(server.url).request("GET", "/log", {}, None, (1, 0.3), stream=True)
    got = []
    with pytest.raises(wire.ReadTimeout):
        for piece in resp.stream(8192):
            got.append(piece)
    assert got == [b"ab"]


def test_shutdown_from_another_thread_ends_a_blocked_read_at_once(serve):
    """Stopping a watch: its thread is blocked reading a quiet stream; shutdown() from another thread ends the
    read, and the connection is not kept."""
    def handle(sock, n):
        server.read_request(sock)
        sock.sendall(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")
        time.sleep(5)

    server = serve(handle)
    pool = wire.Pool(server.url)
    resp, _ = pool.request("GET", "/watch", {}, None, (5, 30), stream=True)
    ended = []

    def read():
        try:
            for _ in resp.stream(8192):
                pass
        except OSError as e:
            ended.append(e)
        else:
            ended.append(None)

    reader = threading.Thread(target=read)
    reader.start()
    time.sleep(0.2)
    started = time.monotonic()
    resp.shutdown()
    reader.join(3)
    assert not reader.is_alive() and time.monotonic() - started < 1
    assert isinstance(ended[0], wire.Dropped)
    resp.release_conn()
    assert pool._idle == []


@pytest.mark.parametrize("answer, said", [
    (b"SSH-2.0-OpenSSH_9\r\n\r\n", "not HTTP"),
    (b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort", "bytes of the answer unread"),
    (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", "chunk size is not a number"),
    (b"HTTP/1.1 200 OK\r\nContent-", "ended before the whole answer")])
def test_an_answer_that_is_not_whole_http_is_a_dropped_connection_saying_what_was_wrong(serve, answer, said):
    def handle(sock, n):
        server.read_request(sock)
        sock.sendall(answer)

    server = serve(handle)
    with pytest.raises(wire.Dropped, match=said) as e:
        wire.Pool(server.url).request("GET", "/x", {}, None, (5, 5), retries=0)
    assert network_reason(e.value) == "the connection was dropped"


def test_a_name_that_does_not_resolve_is_said_so():
    with pytest.raises(OSError) as e:
        wire.Pool("https://no-such-host.invalid:6443").request("GET", "/version", {}, None, (2, 2), retries=0)
    assert network_reason(e.value) == "its name does not resolve"


@pytest.mark.parametrize("method, idempotent, tries", [("DELETE", False, 2), ("PATCH", False, 1), ("PATCH", True, 2)])
def test_an_answer_whose_body_is_cut_counts_as_a_failure_once_sent(serve, method, idempotent, tries):
    """The head came, the body was cut: the server acted. A DELETE (or a PATCH said idempotent) is sent again and
    said resent (a namespace's delete then ends 404: its answer was lost); a plain PATCH is not sent again."""
    def handle(sock, n):
        server.read_request(sock)
        if n == 0:
            sock.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nab")
        else:
            sock.sendall(b"HTTP/1.1 404 Not Found\r\nContent-Length: 2\r\n\r\n{}")

    server = serve(handle)
    pool = wire.Pool(server.url)
    if tries == 2:
        resp, resent = pool.request(method, "/x", {}, b"{}", (5, 5), idempotent=idempotent)
        assert (resp.status, resent) == (404, True)
    else:
        with pytest.raises(wire.Dropped):
            pool.request(method, "/x", {}, b"{}", (5, 5), idempotent=idempotent)
    assert len(server.requests) == tries


def test_a_failing_idempotent_request_is_tried_four_times_in_all(serve):
    def handle(sock, n):
        server.read_request(sock)

    server = serve(handle)
    with pytest.raises(wire.Dropped):
        wire.Pool(server.url).request("GET", "/x", {}, None, (5, 5))
    assert len(server.requests) == 1 + wire.RETRIES


@pytest.mark.parametrize("method, tries", [("GET", 2), ("PATCH", 1)])
def test_a_throttled_read_waits_for_retry_after_and_goes_again_but_a_patch_is_left_to_its_caller(
        serve, method, tries):
    def handle(sock, n):
        while server.read_request(sock) is not None:
            if len(server.requests) == 1:
                sock.sendall(b"HTTP/1.1 429 Too Many Requests\r\nRetry-After: 0.2\r\nContent-Length: 2\r\n\r\n{}")
            else:
                sock.sendall(OK)

    server = serve(handle)
    started = time.monotonic()
    resp, resent = wire.Pool(server.url).request(method, "/x", {}, b"{}" if method == "PATCH" else None, (5, 5),
                                                 idempotent=method == "PATCH")
    assert (resp.status, resent, len(server.requests)) == ((200 if tries == 2 else 429), False, tries)
    assert resp.headers.get("Retry-After") in (None, "0.2")
    if tries == 2:
        assert time.monotonic() - started >= 0.2


def test_an_interim_answer_is_skipped_and_a_closing_or_unfinished_connection_is_never_reused(serve):
    def handle(sock, n):
        while server.read_request(sock) is not None:
            path = server.requests[-1].split(b" ")[1]
            if path == b"/interim":
                sock.sendall(b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 204 No Content\r\nContent-Length: 0\r\n\r\n")
            elif path == b"/closing":
                sock.sendall(b"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\n{}")
            else:
                sock.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\n[1,2,3]"[:-1])

    server = serve(handle)
    pool = wire.Pool(server.url)
    resp, _ = pool.request("GET", "/interim", {}, None, (5, 5))
    assert (resp.status, resp.data) == (204, b"")
    assert len(pool._idle) == 1  # kept: the next request reuses it
    resp, _ = pool.request("GET", "/closing", {}, None, (5, 5))
    assert resp.data == b"{}" and pool._idle == []  # the server said it closes
    resp, _ = pool.request("GET", "/long", {}, None, (5, 5), stream=True)
    assert next(resp.stream(2)) == b"[1"
    resp.release_conn()
    assert pool._idle == []  # four bytes of its body unread: never handed to the next request
    assert server.accepted == 2  # the first served /interim and /closing; /long needed a new one


def test_a_header_with_a_line_break_is_refused_and_nothing_is_sent(serve):
    from hubtui.errors import HubError

    server = serve(lambda sock, n: server.read_request(sock))
    with pytest.raises(HubError, match="line break"):
        wire.Pool(server.url).request("GET", "/x", {"Authorization": "Bearer abc\r\nX-Evil: 1"}, None, (5, 5))
    time.sleep(0.1)
    assert server.accepted == 0


@pytest.mark.parametrize("server, host", [("https://[::1]:6443", "[::1]:6443"), ("https://example.org", "example.org"),
                                          ("http://10.0.0.1:80/", "10.0.0.1")])
def test_the_host_header_names_the_server_as_http_wants_it(server, host):
    assert wire.Pool(server).host_header == host


# ----- TLS -----------------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def certificate(tmp_path_factory):
    """A self-signed certificate for 127.0.0.1 and localhost (openssl), and its key."""
    import subprocess

    where = tmp_path_factory.mktemp("tls")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                    "-subj", "/CN=localhost", "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost", "-days", "1",
                    "-keyout", str(where / "key.pem"), "-out", str(where / "cert.pem")],
                   check=True, capture_output=True)
    return str(where / "cert.pem"), str(where / "key.pem")


def tls_serve(serve, certificate, handle):
    import ssl

    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(*certificate)

    def wrapped(sock, n):
        try:
            tls = ctx.wrap_socket(sock, server_side=True)
        except (ssl.SSLError, OSError):
            return
        handle(tls, n)

    return serve(wrapped)


def endpoint(url: str, ca: str | None, **kw):
    from hubtui.kube.kubeconfig import Endpoint

    return Endpoint(context="c", cluster="c", user="u", server=url, kubeconfig="k", ca_file=ca, **kw)


def test_over_tls_connections_are_kept_and_a_blocked_read_is_ended_by_shutdown(serve, certificate):
    from hubtui.kube.http import tls_context

    def handle(sock, n):
        while server.read_request(sock) is not None:
            if server.requests[-1].split(b" ")[1] == b"/watch":
                sock.sendall(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")
                time.sleep(5)
                return
            sock.sendall(OK)

    server = tls_serve(serve, certificate, handle)
    url = f"https://127.0.0.1:{server.port}"
    pool = wire.Pool(url, lambda: tls_context(endpoint(url, certificate[0]), None))
    for _ in range(3):
        assert pool.request("GET", "/x", {}, None, (5, 5))[0].data == b"{}"
    assert server.accepted == 1
    resp, _ = pool.request("GET", "/watch", {}, None, (5, 30), stream=True)
    failures = []
    reader = threading.Thread(target=lambda: failures.extend(_read_all(resp)))
    reader.start()
    time.sleep(0.2)
    resp.shutdown()
    reader.join(3)
    assert not reader.is_alive() and isinstance(failures[0], OSError)


def _read_all(resp) -> list:
    try:
        for _ in resp.stream(8192):
            pass
    except OSError as e:
        return [e]
    return [None]


@pytest.mark.parametrize("name, works", [(None, True), ("localhost", True), ("kubernetes.default", False)])
def test_the_certificate_is_checked_for_the_address_or_the_tls_server_name(serve, certificate, name, works):
    from hubtui.kube.http import tls_context

    def handle(sock, n):
        server.read_request(sock)
        sock.sendall(OK)

    server = tls_serve(serve, certificate, handle)
    url = f"https://127.0.0.1:{server.port}"
    pool = wire.Pool(url, lambda: tls_context(endpoint(url, certificate[0]), None), server_hostname=name)
    if works:
        assert pool.request("GET", "/x", {}, None, (5, 5))[0].status == 200
        return
    with pytest.raises(OSError) as e:
        pool.request("PATCH", "/x", {}, b"{}", (5, 5))
    assert network_reason(e.value) == "the TLS handshake failed: the certificate or the CA does not match"
    assert server.requests == [] and server.accepted == 1 + wire.RETRIES  # never sent: tried again, as any connect


def test_a_server_that_is_not_trusted_is_said_so_and_never_sent_a_request(serve, certificate):
    from hubtui.kube.http import tls_context

    server = tls_serve(serve, certificate, lambda sock, n: server.read_request(sock))
    url = f"https://127.0.0.1:{server.port}"
    pool = wire.Pool(url, lambda: tls_context(endpoint(url, None), None), maxsize=4)  # the system's CAs only
    with pytest.raises(OSError) as e:
        pool.request("GET", "/version", {}, None, (5, 5), retries=0)
    assert "TLS handshake failed" in network_reason(e.value) and server.requests == []


# ----- through kube/http.py's Transport ---------------------------------------------------------------------
def transport(url: str, **kw):
    from hubtui.kube.http import Credential, Transport

    ep = endpoint(url, None, token="t0k3n", **kw)
    return Transport(ep, Credential(ep))


def test_a_delete_whose_answer_was_lost_ends_as_an_api_error_that_says_it_was_sent_again(serve):
    """What the cleanup's namespace deletion reads (kube_steps): the first DELETE was acted on and its answer
    lost; the second finds the namespace gone (404), and the error says the request was sent again."""
    def handle(sock, n):
        server.read_request(sock)
        if n > 0:
            sock.sendall(b"HTTP/1.1 404 Not Found\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}")

    server = serve(handle)
    from hubtui.kube.http import ApiError

    with pytest.raises(ApiError) as e:
        transport(server.url).json("DELETE", "/api/v1/namespaces/doomed", body={"kind": "DeleteOptions"})
    assert (e.value.status, e.value.resent) == (404, True)
    assert all(b"Authorization: Bearer t0k3n" in r and b"User-Agent: hubtui" in r for r in server.requests)


def test_requests_go_on_hubtuis_own_sockets_unless_a_proxy_stands_between():
    t = transport("https://127.0.0.1:6443")
    assert isinstance(t.pool(None), wire.Pool)
    proxied = transport("https://10.1.2.3:6443", proxy="http://127.0.0.1:3128")
    assert type(proxied.pool(None)).__module__.startswith("urllib3")
