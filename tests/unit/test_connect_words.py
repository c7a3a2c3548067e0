"""A connect session's words (present/connect.py) from the plan's facts (ops/connect.py), which words nothing."""

from __future__ import annotations

import ast
from pathlib import Path

from hubtui.ops.connect import (IN_CLIENT_ENVIRONMENT, SECRET_NOT_FOUND, SECRET_UNREADABLE, SH_WITHOUT_BASH,
                                TARGETS, TYPED_WITHOUT_ECHO, LocalEnd, PodChoice, SecretProblem, SessionPlan)
from hubtui.present import connect as words

POD = PodChoice("redis-cluster-0", "redis", "Running", True)
KUBECTL = ["/usr/bin/kubectl", "--context", "dev", "exec", "-it", "-n", "hub", "redis-cluster-0", "-c", "redis", "--"]


def test_each_target_says_its_header_and_its_command_line():
    redis = SessionPlan(TARGETS["redis"], POD, "hub", [*KUBECTL, "sh", "-c", "stty -echo; …"], auth="hub-secrets",
                        shown=("redis-cli",), how=TYPED_WITHOUT_ECHO)
    assert words.header(redis) == ["=== Connecting to Redis ===", "Pod: redis-cluster-0",
                                   "Auth: password from secret hub-secrets"]
    assert words.describe(redis) == (
        "kubectl --context dev exec -it -n hub redis-cluster-0 -c redis -- redis-cli  (the password is typed into "
        "the pod's terminal with echo off and handed to redis-cli as REDISCLI_AUTH)")
    nobody = SessionPlan(TARGETS["redis"], POD, "hub", [*KUBECTL, "redis-cli"],
                         problems=(SecretProblem(SECRET_NOT_FOUND, "s", "K", "hub"),))
    assert words.header(nobody)[-1] == "Auth: none"
    assert words.warnings(nobody) == ["secret s not found in hub: connecting without a password"]
    db = SessionPlan(TARGETS["timescaledb"], POD, "hub", [*KUBECTL, "psql"], database="llm_analytics",
                     user="postgres", readonly="context prod is read-only", recording=Path("/tmp/r.cast"))
    assert words.header(db) == ["=== Connecting to TimescaleDB ===", "Pod: redis-cluster-0", "Database: llm_analytics",
                                "User: postgres", "Read-only: every transaction is read-only (context prod is read-only)",
                                "Recording: /tmp/r.cast (the output; what is typed is not kept)"]
    kafka = SessionPlan(TARGETS["kafka"], POD, "hub", [*KUBECTL, "sh", "-c", "…"], shown=("bash",),
                        how=SH_WITHOUT_BASH, commands=("kafka-topics.sh --list",))
    assert words.opening(kafka, "Ctrl-]", None) == ["=== Connecting to Kafka ===", "Pod: redis-cluster-0",
                                                    "Useful commands:", "  kafka-topics.sh --list",
                                                    "(Ctrl-] ends the session)"]
    local = SessionPlan(TARGETS["redis"], POD, "hub", ["/usr/bin/redis-cli", "-h", "127.0.0.1", "-p", "{port}"],
                        auth="s", how=IN_CLIENT_ENVIRONMENT, local=LocalEnd(6379, None, "redis-cli"))  # type: ignore[arg-type]
    assert words.header(local)[0] == "=== Connecting to Redis (local redis-cli, through a port-forward) ==="
    assert words.describe(local) == ("redis-cli -h 127.0.0.1 -p PORT  (through a port-forward to redis-cluster-0:6379; "
                                     "the password in the client's environment)")
    assert words.opening(local, "Ctrl-]", 40123)[-1] == "(port-forward 127.0.0.1:40123 → redis-cluster-0:6379)"
    assert words.dropped(local, "the port-forward dropped") == (
        "the port-forward dropped; the Redis client's connection to the pod is closed")
    unread = SecretProblem(SECRET_UNREADABLE, "s", "K", "hub", "reading: forbidden (403)")
    assert words.problem_text(unread) == "could not read secret s (reading: forbidden (403)): connecting without a password"


def test_the_connect_engine_words_no_header_hint_or_warning():
    """ops/connect.py plans facts; what a person reads is present/connect.py's (its errors are one-line
    HubErrors, which stay where they are raised)."""
    tree = ast.parse((Path(__file__).resolve().parents[2] / "hubtui" / "ops" / "connect.py").read_text())
    prefixes = {"warning: ", "\r\nhubtui: ", "\r"}  # the stream's own marks around words made elsewhere

    def words_in(value: ast.expr) -> bool:
        parts = [value] if isinstance(value, ast.Constant) else value.values if isinstance(value, ast.JoinedStr) else []
        return any(isinstance(p, ast.Constant) and isinstance(p.value, str) and p.value.strip()
                   and p.value not in prefixes for p in parts)

    worded = [node.lineno for node in ast.walk(tree) if isinstance(node, ast.Call)
              and getattr(node.func, "id", getattr(node.func, "attr", "")) in ("print", "SessionPlan", "SecretProblem")
              and any(words_in(a) for a in [*node.args, *(k.value for k in node.keywords)])]
    assert worded == []
    names = {getattr(n, "attr", getattr(n, "id", "")) for n in ast.walk(tree)}
    assert not {"header", "hints"} & names
