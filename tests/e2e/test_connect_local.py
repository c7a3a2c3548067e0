"""Connect without exec: the client on this machine through a port-forward opened by hubtui through the
Kubernetes API (kwok's port-forward rules carry a hub pod's 5432 / 6379 to the real local PostgreSQL / Redis),
and the forward alone for a client of one's own."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pexpect
import pytest

from cluster.localcluster import HUB_NAMESPACE

from .hub import audit, redis_password, run_hubtui
from .terminal import Terminal

pytestmark = pytest.mark.cluster
ROOT = Path(__file__).resolve().parents[2]


def test_a_local_psql_session_goes_through_a_port_forward(env):
    term = Terminal(["connect", "timescaledb", "--local"], env)
    try:
        term.wait_for("llm_analytics=#")
        assert "(local psql, through a port-forward)" in term.text or "(local pgcli" in term.text
        assert re.search(r"port-forward 127\.0\.0\.1:\d+ → timescaledb-0:5432", term.text)
        term.press(*"select 40 + 2 as answer;", "enter")
        term.wait_line("42")
        term.ends(*"\\q", "enter")
    finally:
        term.close()
    start, end = [e for e in audit(env) if e["action"] in ("connect.start", "connect.session")][-2:]
    assert start["via"] == end["via"] == "port-forward" and end["exit_status"] == 0


def descendants(pid: int) -> list[tuple[int, str]]:
    """(pid, command line) of every process under `pid`."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(entry.name))
    out, todo = [], list(children.get(pid, []))
    while todo:
        child = todo.pop()
        try:
            out.append((child, (Path("/proc") / str(child) / "cmdline").read_bytes().replace(b"\0", b" ").decode()))
        except OSError:
            continue
        todo += children.get(child, [])
    return out


def test_a_local_redis_session_runs_redis_cli_here_with_the_password_in_its_environment_and_no_kubectl(env, kube):
    term = Terminal(["connect", "redis", "--local"], env)
    try:
        term.wait_line("127.0.0.1:")  # redis-cli's prompt (the forward's own line starts with "(port-forward")
        assert "(local redis-cli, through a port-forward)" in term.text
        term.press(*"PING", "enter")
        term.wait_for("PONG")  # authenticated: the real Redis asks for its password
        running = descendants(term.child.pid)
        password = redis_password(kube)
        clients = [(pid, cmd) for pid, cmd in running if "redis-cli" in cmd]
        assert clients and not any("kubectl" in cmd for _, cmd in running), running
        assert not any(password in cmd for _, cmd in running)  # never in argv
        assert all(f"REDISCLI_AUTH={password}".encode() in (Path("/proc") / str(pid) / "environ").read_bytes()
                   for pid, _ in clients)
        term.ends("\x1d")
    finally:
        term.close()
    end = [e for e in audit(env) if e["action"] == "connect.session"][-1]
    assert end["via"] == "port-forward" and end["store"] == "redis"


def test_pgcli_is_the_client_when_it_is_on_path(env, tmp_path):
    """A stand-in pgcli (the real one is not installed here) says what it was given."""
    bin_ = tmp_path / "bin"
    bin_.mkdir()
    said = tmp_path / "pgcli-said"
    (bin_ / "pgcli").write_text(f"#!/bin/sh\necho \"$@\" > {said}\n[ -n \"$PGPASSWORD\" ] && echo password-set >> {said}\n")
    (bin_ / "pgcli").chmod(0o755)
    term = Terminal(["connect", "timescaledb", "--local"], env | {"PATH": f"{bin_}:{env['PATH']}"})
    try:
        term.wait_for("local pgcli, through a port-forward")
        term.child.expect(pexpect.EOF, timeout=30)
    finally:
        term.close()
    argv, password = said.read_text().splitlines()
    assert re.fullmatch(r"-h 127\.0\.0\.1 -p \d+ -U postgres -d llm_analytics", argv) and password == "password-set"


def test_read_only_makes_the_local_psql_sessions_transactions_read_only(env):
    term = Terminal(["--readonly", "connect", "timescaledb", "--local"], env)
    try:
        term.wait_for("llm_analytics=#")
        assert "Read-only: every transaction is read-only" in term.text
        term.press(*"create table hubtui_readonly_probe (i int);", "enter")
        term.wait_for("read-only transaction")
        term.ends(*"\\q", "enter")
    finally:
        term.close()


def test_the_forward_alone_serves_a_client_of_ones_own_until_ctrl_c(env, kube):
    child = pexpect.spawn(sys.executable, ["-m", "hubtui", "connect", "redis", "--port", "0"], env=env,
                          cwd=str(ROOT), timeout=30, encoding="utf-8")
    try:
        child.expect(r"Forwarding 127\.0\.0\.1:(\d+) → redis-cluster-0:6379")
        port = child.match.group(1)
        child.expect("Ctrl-C closes it")
        pong = subprocess.run(["redis-cli", "-h", "127.0.0.1", "-p", port, "PING"], capture_output=True, text=True,
                              env={**os.environ, "REDISCLI_AUTH": redis_password(kube)}, timeout=20)
        assert pong.stdout.strip() == "PONG", pong.stderr
        child.kill(signal.SIGINT)
        child.expect(r"port-forward closed \(1 connection\)")
        child.expect(pexpect.EOF)
    finally:
        child.close(force=True)
    assert child.exitstatus == 0
    opened, closed = [e for e in audit(env) if e["action"].startswith("connect.forward")]
    assert opened["action"] == "connect.forward.start" and closed["connections"] == 1
    assert redis_password(kube) not in (Path(env["XDG_STATE_HOME"]) / "hubtui" / "audit.jsonl").read_text()


def test_a_stream_that_fails_while_the_forward_is_open_is_said_and_the_exit_code_says_it(env, kube, scratch):
    """The pod goes away while the forward is open: the next client's stream cannot be opened. That is said
    on the spot, counted in the closing line and the audit, and the exit code is 1, not 0."""
    ns = scratch("fwd", {"redis": 1})
    child = pexpect.spawn(sys.executable, ["-m", "hubtui", "connect", "redis", "-n", ns.name, "--port", "0"],
                          env=env, cwd=str(ROOT), timeout=30, encoding="utf-8")
    try:
        child.expect(r"Forwarding 127\.0\.0\.1:(\d+) → (redis-[\w-]+):6379")
        port, pod = child.match.group(1), child.match.group(2)
        child.expect("Ctrl-C closes it")
        auth = {**os.environ, "REDISCLI_AUTH": redis_password(kube)}
        pong = subprocess.run(["redis-cli", "-h", "127.0.0.1", "-p", port, "PING"], capture_output=True, text=True,
                              env=auth, timeout=20)
        assert pong.stdout.strip() == "PONG", pong.stderr
        ns.apps.patch_namespaced_deployment_scale("redis", ns.name, {"spec": {"replicas": 0}})
        wait_gone(ns, pod)
        subprocess.run(["redis-cli", "-h", "127.0.0.1", "-p", port, "PING"], capture_output=True, text=True,
                       env=auth, timeout=20)
        child.expect(r"hubtui: .*" + re.escape(pod))
        child.kill(signal.SIGINT)
        child.expect(r"port-forward closed \((\d+) connections, (\d+) failed\)")  # redis-cli tries again
        connections, failed = int(child.match.group(1)), int(child.match.group(2))
        child.expect(pexpect.EOF)
    finally:
        child.close(force=True)
    assert child.exitstatus == 1
    assert failed >= 1 and connections == 1 + failed  # the first, which worked, is not counted as failed
    closed = [e for e in audit(env) if e["action"] == "connect.forward"]
    assert [(e["connections"], e["failed"]) for e in closed] == [(connections, failed)]


def test_a_forward_cut_from_the_api_server_while_a_client_uses_it_is_said_and_exits_1(env, kube, api_proxy):
    """The API server goes away under an open connection (the proxy in front of it cuts every connection):
    the client sees its connection end, hubtui says the forward dropped and why, and the exit code says it.
    (The pod's side ending alone would look the same as the server closing the connection: the API server is
    asked.)"""
    import socket

    child = pexpect.spawn(sys.executable, ["-m", "hubtui", "connect", "redis", "--port", "0"],
                          env=env | {"KUBECONFIG": str(api_proxy.kubeconfig)}, cwd=str(ROOT), timeout=30,
                          encoding="utf-8")
    try:
        child.expect(r"Forwarding 127\.0\.0\.1:(\d+) → redis-cluster-0:6379")
        port = int(child.match.group(1))
        child.expect("Ctrl-C closes it")
        with socket.create_connection(("127.0.0.1", port), timeout=20) as client:
            client.sendall(f"AUTH {redis_password(kube)}\r\nPING\r\n".encode())
            answer = b""
            while b"+PONG" not in answer:
                answer += client.recv(1024)
            api_proxy.cut()
            assert client.recv(1024) == b""  # the client is told: its connection ends
        child.expect(r"hubtui: the port-forward to redis-cluster-0:6379 dropped: ([^\r\n]+)", timeout=60)
        why = child.match.group(1)
        child.kill(signal.SIGINT)
        child.expect(r"port-forward closed \(1 connection, 1 failed\)")
        child.expect(pexpect.EOF)
    finally:
        child.close(force=True)
    # a new connection is refused, or a kept-alive one is found dropped: both are the API server gone
    assert why in ("the API server cannot be reached (connection refused)",
                   "the API server cannot be reached (the connection was dropped)"), why
    assert child.exitstatus == 1


def test_a_local_psql_session_whose_forward_is_cut_ends_saying_so(env, api_proxy):
    term = Terminal(["connect", "timescaledb", "--local"], env | {"KUBECONFIG": str(api_proxy.kubeconfig)})
    try:
        term.wait_for("llm_analytics=#")
        api_proxy.cut()
        term.press(*"select 1;", "enter")
        term.wait_for("connection")  # psql: the server closed the connection / the connection was lost
        term.wait_for("hubtui: the port-forward to timescaledb-0:5432 dropped")  # said at once, psql still running
        assert "the TimescaleDB client's connection to the pod is closed" in "".join(term.screen.display)
        term.press(*"\\q", "enter")
        term.wait_for("session failed")  # hubtui's line once psql has ended
        term.child.expect(pexpect.EOF, timeout=20)
        term.child.close()
        status = term.child.exitstatus
    finally:
        term.close()
    unwrapped = "".join(term.screen.display)  # the line is longer than the screen is wide
    # the API server asked at once: a new connection is refused, or a kept-alive one is found dropped
    assert re.search(r"session failed: the port-forward to timescaledb-0:5432 dropped: the API server cannot be "
                     r"reached \((connection refused|the connection was dropped)\)", unwrapped), term.text
    assert status == 1, term.text


def wait_gone(ns, pod: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while pod in {p.metadata.name for p in ns.core.list_namespaced_pod(ns.name).items}:
        assert time.monotonic() < deadline, f"pod {pod} still there after {timeout:.0f}s"
        time.sleep(0.2)


def test_a_user_who_may_not_port_forward_gets_one_line(env, kube, tmp_path):
    from tests.kubehelpers import restricted_kubeconfig

    config = restricted_kubeconfig(kube.api, tmp_path / "kubeconfig", HUB_NAMESPACE, rules=[
        {"apiGroups": [""], "resources": ["pods"], "verbs": ["get", "list"]},
        {"apiGroups": [""], "resources": ["secrets"], "verbs": ["get"]}])
    done = run_hubtui(env | {"KUBECONFIG": config}, "connect", "timescaledb", "--port", "0")
    assert done.returncode == 1
    assert done.stderr.strip() == ("hubtui: error: port-forward to pod timescaledb-0 is forbidden (403): your user "
                                   f"may not create pods/portforward in namespace {HUB_NAMESPACE}")
    readonly = run_hubtui(env, "--readonly", "connect", "redis", "--port", "0")
    assert readonly.returncode == 2 and "refused" in readonly.stderr
    own_client = run_hubtui(env, "--readonly", "connect", "timescaledb", "--port", "0")  # no PGOPTIONS for it
    assert own_client.returncode == 2 and "a client of your own is not made read-only" in own_client.stderr
    kafka = run_hubtui(env, "connect", "kafka", "--local")
    assert kafka.returncode == 2 and "Kafka has no local client here" in kafka.stderr
