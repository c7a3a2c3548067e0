"""Connect, end to end in a real pty: the TUI and `hubtui connect` reach the real PostgreSQL and Redis
through kwok's exec rules, hand the terminal over, and come back."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pexpect
import pytest

from cluster.localcluster import HUB_NAMESPACE

from .hub import redis_password, run_hubtui
from .terminal import Terminal

pytestmark = pytest.mark.cluster


def finish(term: Terminal) -> None:
    term.quit()


def test_tui_connects_to_timescaledb_runs_a_query_and_comes_back(env):
    term = Terminal([], env)
    try:
        term.wait_for("watching for changes")
        term.press("c")
        term.wait_line("TimescaleDB", "timescaledb-0", "postgres", "Running, ready")
        term.press("enter")
        term.wait_for("=== Connecting to TimescaleDB ===")
        assert "Database: llm_analytics" in term.text and "User: postgres" in term.text
        term.wait_for("llm_analytics=#")
        term.press(*"select model, count(*) from llm_requests group by model order by model;", "enter")
        term.wait_line("claude-sonnet-4", "334")
        term.press(*"\\q", "enter")
        term.wait_for("session ended (exit 0,")
        term.wait_line("TimescaleDB", "timescaledb-0")  # the TUI is redrawn where it was
        term.press("escape")
        term.wait_for("watching for changes")
        finish(term)
    finally:
        term.close()


def test_tui_redis_session_authenticates_without_the_password_on_any_command_line(env, kube):
    password = redis_password(kube)
    term = Terminal([], env)
    try:
        term.wait_for("watching for changes")
        term.press("c")
        term.wait_line("Redis", "redis-cluster-0")
        term.press("down", "enter")
        term.wait_for("Auth: password from secret analytics-hub-secrets")
        term.wait_for("127.0.0.1:")
        term.press(*"PING", "enter")
        term.wait_for("PONG")  # the password worked
        term.press(*"GET hub:version", "enter")
        term.wait_for('"1.4.2"')
        processes = subprocess.run(["ps", "-eo", "args"], capture_output=True, text=True).stdout
        assert password not in processes
        assert password not in term.text
        term.press("\x1d")  # Ctrl-]: the escape key ends the session
        term.wait_for("session ended (ended with Ctrl-]")
        finish(term)
    finally:
        term.close()
    [record] = [r for r in session_records(env) if r["action"] == "connect.session"]  # the TUI's session too
    assert (record["store"], record["pod"], record["escaped"]) == ("redis", "redis-cluster-0", True)
    assert password not in json.dumps(session_records(env))


def test_tui_kafka_shell_shows_the_hints_and_exit_returns(env):
    term = Terminal([], env)
    try:
        term.wait_for("watching for changes")
        term.press("c")
        term.wait_line("Kafka", "kafka-0")
        term.press("down", "down", "enter")
        term.wait_for("kafka-topics.sh --list --bootstrap-server localhost:9092")
        assert "kafka-console-consumer.sh" in term.text and "kafka-console-producer.sh" in term.text
        term.press(*"echo shell-$((6*7))", "enter")
        term.wait_for("shell-42")
        term.press(*"exit", "enter")
        term.wait_for("session ended (exit 0,")
        finish(term)
    finally:
        term.close()


def test_headless_connect_works_under_a_pty_and_returns_the_session_status(env):
    term = Terminal(["connect", "timescaledb", "--db-name", "llm_analytics", "-u", "postgres"], env)
    try:
        term.wait_for("llm_analytics=#")
        term.press(*"select 40 + 2 as answer;", "enter")
        term.wait_line("42")
        term.ends(*"\\q", "enter")
    finally:
        term.close()


def session_records(env) -> list[dict]:
    path = Path(env["XDG_STATE_HOME"]) / "hubtui" / "audit.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def test_headless_redis_session_is_audited_without_the_password(env, kube, local_cluster):
    password = redis_password(kube)
    term = Terminal(["connect", "redis"], env)
    try:
        term.wait_for("127.0.0.1:")
        term.press(*"PING", "enter")
        term.wait_for("PONG")  # authenticated with the password handed over through the pty
        term.press("\x1d")  # Ctrl-] ends the session
        term.child.expect(pexpect.EOF, timeout=15)
        term.child.close()
        assert term.child.exitstatus == 0
    finally:
        term.close()
    records = session_records(env)
    start, end = [r for r in records if r["action"].startswith("connect.")]
    where = {"context": local_cluster.context, "namespace": HUB_NAMESPACE, "pod": "redis-cluster-0",
             "container": "redis", "store": "redis", "readonly": False}
    assert start["action"] == "connect.start" and {k: start[k] for k in where} == where and start["user"]
    assert end["action"] == "connect.session" and {k: end[k] for k in where} == where
    assert end["escaped"] is True and end["error"] is None and end["seconds"] > 0
    assert end["started"] <= end["ended"]
    text = (Path(env["XDG_STATE_HOME"]) / "hubtui" / "audit.jsonl").read_text()
    assert password not in text and "REDISCLI_AUTH" not in text and "exec -it" not in text


def test_headless_dry_run_prints_the_command_without_secrets(env, kube):
    proc = run_hubtui(env, "connect", "redis", "--dry-run")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines()[:3] == ["=== Connecting to Redis ===", "Pod: redis-cluster-0",
                                            "Auth: password from secret analytics-hub-secrets"]
    command = next(line for line in proc.stdout.splitlines() if line.startswith("Command: "))
    # what a person would type, not the shell script that hands redis-cli the password
    assert command.startswith("Command: kubectl --context ")
    assert command.endswith(" exec -it -n llm-analytics-hub redis-cluster-0 -c redis -- redis-cli  (the password is "
                            "typed into the pod's terminal with echo off and handed to redis-cli as REDISCLI_AUTH)")
    assert "sh -c" not in proc.stdout and "stty" not in proc.stdout
    assert redis_password(kube) not in proc.stdout + proc.stderr


def test_planning_a_session_loads_no_typed_kubernetes_client(env):
    """Finding the pod and reading the password go through the lean requests: `hubtui connect` starts as fast as
    kubectl does, without the typed client's second of imports."""
    import sys

    code = ("import json, sys; from hubtui.__main__ import main; code = main(['connect', 'redis', '--dry-run']); "
            "print(json.dumps([code, sorted(m for m in sys.modules if m.startswith('kubernetes'))]))")
    proc = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60)
    code, loaded = json.loads(proc.stdout.strip().splitlines()[-1])
    assert code == 0 and "Auth: password from secret analytics-hub-secrets" in proc.stdout
    assert loaded == []


def test_connect_flags_match_the_other_commands_and_the_old_letters_still_work(env):
    proc = run_hubtui(env, "connect", "timescaledb", "--database", "other_db", "--dry-run")
    assert proc.returncode == 0, proc.stderr
    assert "Database: other_db" in proc.stdout and "psql -U postgres -d other_db" in proc.stdout
    old = run_hubtui(env, "connect", "timescaledb", "-d", "other_db", "-p", "timescaledb-0", "--dry-run")
    assert old.returncode == 0, old.stderr
    assert "Database: other_db" in old.stdout and "Pod: timescaledb-0" in old.stdout
    assert "note: connect -d is --database now" in old.stderr and "note: connect -p is --pod now" in old.stderr
    both = run_hubtui(env, "connect", "timescaledb", "-d", "a", "--database", "b", "--dry-run")
    assert both.returncode == 2 and both.stderr.strip() == ("hubtui: error: -d and --database name the same thing: "
                                                            "give --database only")


def test_headless_json_is_refused(env):
    proc = run_hubtui(env, "connect", "kafka", "--json")
    assert proc.returncode == 2
    assert proc.stderr.strip() == ("hubtui: error: connect opens an interactive session, which has no JSON form: "
                                   "leave out --json (or run one query with -c)")


def test_kubectl_missing_gives_one_clear_line(env, tmp_path):
    bare = tmp_path / "bin"
    bare.mkdir()
    proc = run_hubtui(env | {"PATH": str(bare)}, "connect", "timescaledb")
    assert proc.returncode == 1
    assert proc.stderr.strip() == ("hubtui: error: kubectl not found on PATH: install kubectl "
                                   "(the session runs `kubectl exec -it`)")


def test_the_session_gets_the_terminal_size_and_its_changes(env):
    term = Terminal(["connect", "kafka"], env, rows=30, cols=120)

    def size_is(rows: int, cols: int) -> None:
        """`stty size` in the pod's shell says rows and cols. Asked again a few times: kubectl sends the size as
        its stream starts, and a shell that runs the first line before kwok has applied it says 0 0."""
        for attempt in range(4):
            term.press(*"stty size", "enter")
            try:
                term.wait_line(f"{rows} {cols}", timeout=5)
                return
            except AssertionError:
                if attempt == 3:
                    raise

    try:
        term.wait_for("(Ctrl-] ends the session)")
        term.wait_for("$ ")  # the shell's prompt, as a person waits for it
        size_is(30, 120)
        term.child.setwinsize(40, 100)  # the operator resizes the window: hubtui gets SIGWINCH
        term.screen.resize(40, 100)
        term.pump(0.5)
        size_is(40, 100)
        term.ends(*"exit", "enter")
    finally:
        term.close()


def test_headless_connect_without_a_terminal_refuses_in_one_line(env):
    proc = run_hubtui(env, "connect", "redis")  # stdin is not a terminal here
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines()[-1] == ("hubtui: error: connect needs a terminal (stdin is not one); "
                                                    "--dry-run shows what would run")
