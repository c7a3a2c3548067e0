"""The port-forward's account of what went wrong, with its Kubernetes side stood in for: the order in which a cut
forward's problems arrive is forced here, which the end-to-end test of a cut can only meet by chance."""

from __future__ import annotations

import socket
import threading

import pytest

from hubtui.errors import HubError
from hubtui.kube.portforward import Forward

REFUSED = "port-forward to pod timescaledb-0: cannot reach the API server (connection refused)"


class Stream:
    """One stream of the client library's port-forward: a socket whose far end plays the pod."""

    def __init__(self):
        self.ours, self.pod = socket.socketpair()

    def socket(self, port):
        return self.ours

    def error(self, port):
        return None

    def close(self):
        self.ours.close()


class CutForward(Forward):
    """The first stream opens; once the API server is cut, every later one is refused at once, while asking
    the API server why the first ended takes as long as `probe` is held."""

    def __init__(self):
        super().__init__(None, "hub", "timescaledb-0", 5432)
        self.streams: list[Stream] = []
        self.cut = False
        self.probe = threading.Event()
        self.probing = threading.Event()

    def _open(self):
        if self.cut:
            raise HubError(REFUSED)
        stream = Stream()
        self.streams.append(stream)
        return stream

    def _unreachable(self):
        self.probing.set()
        self.probe.wait(10)
        return "the API server cannot be reached (connection refused)"


def connect(forward: Forward) -> socket.socket:
    return socket.create_connection(("127.0.0.1", forward.port), timeout=5)


def pod_side(forward: CutForward, client: socket.socket) -> socket.socket:
    """The pod's end of the stream `client` was given, once bytes have gone through it."""
    client.sendall(b"hello")
    for _ in range(500):
        if len(forward.streams) == 2:  # check()'s own, then the client's
            break
        threading.Event().wait(0.01)
    pod = forward.streams[1].pod
    pod.settimeout(5)
    assert pod.recv(64) == b"hello"
    return pod


def test_a_client_that_tries_again_after_a_cut_does_not_hide_the_drop_behind_its_refused_streams():
    forward = CutForward().check()
    first = connect(forward)
    try:
        pod = pod_side(forward, first)
        forward.cut = True
        pod.close()  # the stream to the API server ends under a client that is still there
        assert forward.probing.wait(5)
        again = connect(forward)  # the client tries again while hubtui still asks why: refused, and said first
        assert again.recv(64) == b""
        again.close()
        assert forward.problems == [REFUSED]
    finally:
        first.close()
    threading.Timer(0.3, forward.probe.set).start()  # the answer comes after the client has gone
    forward.close()
    assert forward.summary() == ("the port-forward to timescaledb-0:5432 dropped: the API server cannot be reached "
                                 "(connection refused) (and 1 more)")
    assert forward.dropped.is_set()


def test_closing_the_forward_under_a_connected_client_is_not_a_problem():
    forward = CutForward().check()
    client = connect(forward)
    pod_side(forward, client)
    forward.close()
    assert client.recv(64) == b""  # the client sees its connection end
    client.close()
    assert (forward.problems, forward.summary(), forward.dropped.is_set()) == ([], "", False)


def test_a_stream_that_cannot_open_is_the_summary_when_nothing_dropped():
    forward = CutForward().check()
    forward.cut = True
    client = connect(forward)
    assert client.recv(64) == b""
    client.close()
    forward.close()
    assert forward.summary() == REFUSED


@pytest.fixture(autouse=True)
def _no_stray_threads():
    before = set(threading.enumerate())
    yield
    left = [t.name for t in threading.enumerate() if t not in before and t.name.startswith("port-forward stream")]
    assert not left, left
