"""`hubtui serve`: where it may listen, what it runs for each browser tab, and its one-line errors.

The server itself runs for real here (a process on a free port, an HTTP request); the app it serves is
driven in a real browser in tests/browser/.
"""

from __future__ import annotations

import argparse
import os
import shlex
import signal
import socket
import subprocess
import sys
import urllib.error
import urllib.request

import pytest

from hubtui.cli import build_parser
from hubtui.errors import UsageError
from hubtui.serve import app_command, check_binding, is_loopback, request_refusal

KUBECONFIG = """apiVersion: v1
kind: Config
clusters: [{name: demo-cluster, cluster: {server: "https://127.0.0.1:1"}}]
users: [{name: demo-user, user: {token: not-a-secret}}]
contexts: [{name: demo, context: {cluster: demo-cluster, user: demo-user}}]
current-context: demo
"""


@pytest.fixture
def kubeconfig(tmp_path):
    path = tmp_path / "kubeconfig"
    path.write_text(KUBECONFIG)
    return str(path)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def listening(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


def serve(*args: str, **kw) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "hubtui", "serve", *args], capture_output=True, text=True,
                          timeout=60, **kw)


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "192.0.2.10"])
def test_a_host_that_is_not_loopback_is_refused_without_allow_remote(kubeconfig, host):
    port = free_port()
    result = serve("--kubeconfig", kubeconfig, "--host", host, "--port", str(port))
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.count("\n") == 1, result.stderr
    assert result.stderr.startswith(f"hubtui: error: --host {host} is not a loopback address")
    assert "--allow-remote" in result.stderr
    assert not listening(port)  # nothing was served


def test_with_allow_remote_it_warns_then_serves_every_interface(kubeconfig):
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "hubtui", "serve", "--kubeconfig", kubeconfig,
                             "--host", "0.0.0.0", "--allow-remote", "--port", str(port)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        warning = proc.stderr.readline()
        assert warning.startswith("hubtui: warning: serving on 0.0.0.0:")
        assert "anyone who can reach this port and learns the printed URL can drive the cluster" in warning
        banner = proc.stdout.readline()  # printed once the port is listening
        assert f"context demo, namespace llm-analytics-hub, on http://0.0.0.0:{port}/?token=" in banner
        token = banner.split("?token=", 1)[1].split()[0]
        page = urllib.request.urlopen(f"http://127.0.0.1:{port}/?token={token}", timeout=10).read().decode()
        # the page's websocket goes back to the address the browser used, not to 0.0.0.0
        assert f'data-session-websocket-url="ws://127.0.0.1:{port}/ws"' in page
        assert "hubtui · demo · llm-analytics-hub" in page
    finally:
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err
    assert not listening(port)


@pytest.mark.parametrize("host,loopback", [("127.0.0.1", True), ("127.0.0.2", True), ("::1", True),
                                           ("[::1]", True), ("localhost", True), ("0.0.0.0", False),
                                           ("::", False), ("", False), ("10.1.2.3", False)])
def test_only_loopback_addresses_count_as_loopback(host, loopback):
    assert is_loopback(host) is loopback


def test_a_remote_binding_is_allowed_with_the_flag_and_warned_about():
    assert check_binding("127.0.0.1", 8000, allow_remote=False) is None
    assert "anyone who can reach this port" in check_binding("10.1.2.3", 8000, allow_remote=True)
    with pytest.raises(UsageError, match="not a loopback address"):
        check_binding("10.1.2.3", 8000, allow_remote=False)


@pytest.mark.parametrize("host,origin,loopback_only,refused", [
    ("127.0.0.1:8000", None, True, False),
    ("localhost:8000", "http://localhost:8000", True, False),
    ("[::1]:8000", "http://[::1]:8000", True, False),
    ("evil.example:8000", None, True, True),  # DNS rebinding: a page of evil.example resolved to 127.0.0.1
    ("127.0.0.1:8000", "http://evil.example", True, True),  # another page's script opening our websocket
    ("demo-box:8000", "http://demo-box:8000", False, False),  # --allow-remote: any name, the same origin
    ("demo-box:8000", "http://evil.example", False, True),
])
def test_requests_from_other_pages_are_refused(host, origin, loopback_only, refused):
    assert (request_refusal(host, origin, loopback_only) is not None) is refused


def test_the_server_refuses_a_foreign_host_and_a_foreign_origin(kubeconfig):
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "hubtui", "serve", "--kubeconfig", kubeconfig,
                             "--port", str(port)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

    token = ""

    def status(path: str, **headers) -> int:
        sep = "&" if "?" in path else "?"
        request = urllib.request.Request(f"http://127.0.0.1:{port}{path}{sep}token={token}", headers=headers)
        try:
            return urllib.request.urlopen(request, timeout=10).status
        except urllib.error.HTTPError as e:
            return e.code

    try:
        banner = proc.stdout.readline()
        assert "on http://127.0.0.1:" in banner
        token = banner.split("?token=", 1)[1].split()[0]
        assert status("/") == 200
        assert status("/", Host=f"localhost:{port}") == 200
        assert status("/", Host=f"evil.example:{port}") == 403
        assert status("/ws", Origin="http://evil.example") == 403
        assert status("/ws", Host=f"evil.example:{port}", Origin=f"http://evil.example:{port}") == 403
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.communicate(timeout=30)
    assert proc.returncode == 0


@pytest.mark.parametrize("port", ["0", "65536", "-1"])
def test_a_port_out_of_range_is_one_line(kubeconfig, port):
    result = serve("--kubeconfig", kubeconfig, f"--port={port}")
    assert result.returncode == 2
    assert result.stderr == f"hubtui: error: --port {port}: must be between 1 and 65535\n"


def test_a_port_in_use_is_one_line_and_nothing_is_said_to_be_served(kubeconfig):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = serve("--kubeconfig", kubeconfig, "--port", str(port))
    assert result.returncode == 1
    assert result.stdout == ""  # no banner: it never listened
    assert result.stderr == f"hubtui: error: cannot listen on 127.0.0.1:{port}: address already in use\n"


def test_an_unknown_context_is_refused_before_anything_listens(kubeconfig):
    port = free_port()
    result = serve("--kubeconfig", kubeconfig, "--context", "nope", "--port", str(port))
    assert result.returncode == 2  # bad usage: a name that is not there
    assert result.stderr.count("\n") == 1 and "context 'nope' is not in" in result.stderr
    assert not listening(port)


def test_the_command_for_each_browser_tab_carries_the_flags_quoted():
    args = build_parser().parse_args(["serve", "--kubeconfig", "/tmp/my dir/kc;rm -rf ~", "--readonly"])
    command = app_command(args, "ctx 'quoted' $HOME", "hub ns")
    argv = shlex.split(command)  # what textual-serve's shell will run
    assert argv[:3] == [sys.executable, "-m", "hubtui"]
    again = build_parser().parse_args(argv[3:])
    assert (again.kubeconfig, again.context, again.namespace, again.readonly, again.command) == (
        "/tmp/my dir/kc;rm -rf ~", "ctx 'quoted' $HOME", "hub ns", True, None)  # None: the TUI


@pytest.mark.parametrize("argv", [["serve", "-A"], ["-A", "serve"], ["serve", "--all-namespaces"]])
def test_all_namespaces_is_carried_to_each_session(argv):
    args = build_parser().parse_args(argv)
    again = build_parser().parse_args(shlex.split(app_command(args, "demo", "hub"))[3:])
    assert again.all_namespaces is True and again.command is None
    plain = build_parser().parse_args(shlex.split(app_command(build_parser().parse_args(["serve"]), "d", "h"))[3:])
    assert plain.all_namespaces is False


def test_the_shell_runs_that_command_with_the_same_arguments(tmp_path):
    """Through a real /bin/sh, as textual-serve starts it: each argument arrives as it was."""
    args = argparse.Namespace(kubeconfig="a b;c", readonly=False)
    command = app_command(args, "$(touch pwned)", "n`x`")
    shown = command.replace(shlex.quote(sys.executable), shlex.quote(sys.executable) + " -c "
                            + shlex.quote("import sys; print(sys.argv[1:])"), 1)
    out = subprocess.run(["/bin/sh", "-c", shown], capture_output=True, text=True, cwd=tmp_path, check=True).stdout
    assert out.strip() == str(["-m", "hubtui", "--kubeconfig", "a b;c", "--context", "$(touch pwned)", "-n", "n`x`"])
    assert not os.path.exists(tmp_path / "pwned")


def test_every_request_without_the_starts_token_gets_403(kubeconfig):
    """The page, its files and the websocket: without the token printed at this start (in the URL, or in the
    cookie the page sets) each is refused; a token of another start is refused too."""
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "hubtui", "serve", "--kubeconfig", kubeconfig,
                             "--port", str(port)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

    def get(path: str, **headers):
        request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=10) as r:
                return r.status, r.headers, r.read().decode()
        except urllib.error.HTTPError as e:
            return e.code, e.headers, e.read().decode()

    try:
        banner = proc.stdout.readline()
        token = banner.split("?token=", 1)[1].split()[0]
        assert len(token) >= 32
        for path in ("/", "/ws", "/static/css/xterm.css", "/download/x", "/?token=", f"/?token={token}x"):
            code, _, body = get(path)
            assert code == 403, path
            assert "hubtui serve: refused:" in body
        code, headers, page = get(f"/?token={token}")
        assert code == 200 and "hubtui" in page
        cookie = headers["Set-Cookie"]
        assert f"hubtui_token={token}" in cookie and "HttpOnly" in cookie and "SameSite=Strict" in cookie
        # the page's own requests carry the cookie, not the token
        assert get("/static/css/xterm.css", Cookie=f"hubtui_token={token}")[0] == 200
        assert get("/static/css/xterm.css", Cookie="hubtui_token=guess")[0] == 403
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.communicate(timeout=30)
    assert proc.returncode == 0
    second = subprocess.Popen([sys.executable, "-m", "hubtui", "serve", "--kubeconfig", kubeconfig,
                               "--port", str(port)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        other = second.stdout.readline().split("?token=", 1)[1].split()[0]
        assert other != token  # new at every start
        assert get(f"/?token={token}")[0] == 403
    finally:
        second.send_signal(signal.SIGTERM)
        second.communicate(timeout=30)
