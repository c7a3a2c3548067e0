"""One command, no session (`hubtui connect TARGET -c …` / `-f FILE`), through kwok's exec rules to the real
PostgreSQL and Redis: the output, the rows as JSON, the client's exit code, read-only mode, and the audit (no
password, no output)."""

from __future__ import annotations

import getpass
import json
from pathlib import Path

import pytest


from .hub import audit, redis_password, run_hubtui

pytestmark = pytest.mark.cluster


def test_a_query_prints_its_output_and_json_gives_its_rows(env, local_cluster):
    done = run_hubtui(env, "connect", "timescaledb", "-c", "SELECT 1 AS one, 'a b' AS letters")
    assert done.returncode == 0, done.stderr
    assert " one | letters " in done.stdout and "(1 row)" in done.stdout
    rows = run_hubtui(env, "connect", "timescaledb", "-c", "SELECT n, n * n AS square FROM generate_series(1, 3) n",
                      "--json")
    assert rows.returncode == 0, rows.stderr
    assert json.loads(rows.stdout) == [{"n": "1", "square": "1"}, {"n": "2", "square": "4"}, {"n": "3", "square": "9"}]
    start, end = [e for e in audit(env) if e["action"].startswith("connect.command")][-2:]
    assert start["action"] == "connect.command.start" and end["action"] == "connect.command"
    assert end["command"] == "SELECT n, n * n AS square FROM generate_series(1, 3) n"
    assert (end["exit_status"], end["store"], end["context"]) == (0, "timescaledb", local_cluster.context)
    assert end["user"] == start["user"] == getpass.getuser() and "command_lines" not in end  # who
    two = run_hubtui(env, "connect", "timescaledb", "-c", "SELECT 1 AS first\n-- and a second line\n;")
    assert two.returncode == 0, two.stderr
    assert (audit(env)[-1]["command"], audit(env)[-1]["command_lines"]) == ("SELECT 1 AS first", 3)  # its first line


def test_the_exit_code_is_the_clients(env):
    bad = run_hubtui(env, "connect", "timescaledb", "-c", "SELECT * FROM no_such_table")
    assert bad.returncode == 1 and 'relation "no_such_table" does not exist' in bad.stderr and not bad.stdout
    shell = run_hubtui(env, "connect", "kafka", "-c", "echo from the pod; echo to stderr >&2; exit 3")
    assert shell.returncode == 3 and shell.stdout == "from the pod\n"
    assert shell.stderr == "to stderr\n"  # the client's own; nothing of how the exit was carried
    assert audit(env)[-1]["exit_status"] == 3


def test_a_sql_file_runs_in_one_go(env, tmp_path):
    sql = tmp_path / "step.sql"
    sql.write_text("CREATE TEMP TABLE t (a int);\nINSERT INTO t VALUES (1), (2);\nSELECT sum(a) AS total FROM t;\n")
    done = run_hubtui(env, "connect", "timescaledb", "-f", str(sql), "--json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == [{"total": "3"}]
    assert audit(env)[-1]["command"] == f"-f {sql}"
    missing = run_hubtui(env, "connect", "timescaledb", "-f", str(tmp_path / "none.sql"))
    assert missing.returncode == 2 and "cannot read the SQL file" in missing.stderr


def test_a_redis_command_authenticates_with_the_secret_never_on_a_command_line(env, kube):
    done = run_hubtui(env, "connect", "redis", "-c", "PING")
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "PONG"
    info = run_hubtui(env, "connect", "redis", "-c", "INFO keyspace")
    assert info.returncode == 0 and "# Keyspace" in info.stdout
    dry = run_hubtui(env, "connect", "redis", "-c", "PING", "--dry-run")
    password = redis_password(kube)
    assert dry.returncode == 0 and password not in dry.stdout
    assert dry.stdout.splitlines()[1].endswith("-- redis-cli PING  (the password goes in on stdin)")
    text = (Path(env["XDG_STATE_HOME"]) / "hubtui" / "audit.jsonl").read_text()
    assert password not in text and '"command": "INFO keyspace"' in text


def test_read_only_makes_sql_read_only_and_refuses_redis(env):
    write = run_hubtui(env, "--readonly", "connect", "timescaledb", "-c", "CREATE TABLE hubtui_ro (a int)")
    assert write.returncode == 1 and "read-only transaction" in write.stderr
    redis = run_hubtui(env, "--readonly", "connect", "redis", "-c", "PING")
    assert redis.returncode == 2 and "refused" in redis.stderr and not redis.stdout


@pytest.mark.parametrize("text", ["SET default_transaction_read_only = off; CREATE TABLE hubtui_ro (a int)",
                                  "BEGIN READ WRITE; CREATE TABLE hubtui_ro (a int); COMMIT",
                                  "\\! psql -c 'CREATE TABLE hubtui_ro (a int)'"])
def test_read_only_refuses_a_command_that_would_turn_it_off(env, tmp_path, text):
    done = run_hubtui(env, "--readonly", "connect", "timescaledb", "-c", text)
    assert done.returncode == 2 and "a command that turns read-only off or runs a shell" in done.stderr
    assert not done.stdout


def test_read_only_refuses_a_pg_dumpall_file_which_turns_it_off(env, tmp_path):
    dump = tmp_path / "dumpall.sql"
    dump.write_text("SET default_transaction_read_only = off;\nCREATE ROLE hubtui_ro;\n")
    done = run_hubtui(env, "--readonly", "connect", "timescaledb", "-f", str(dump))
    assert done.returncode == 2 and "pg_dumpall" in done.stderr
