"""What a connect session says (ops/connect.py plans it and words nothing): the header the old connect-*.sh
scripts printed, the hints, a secret that gave no password, the command line as a person reads it, and a
port-forward that dropped. hand_over takes this module as its SessionWords."""

from __future__ import annotations

import shlex

from ..ops.connect import (IN_CLIENT_ENVIRONMENT, CommandPlan, SECRET_NO_KEY, SECRET_NOT_FOUND, SECRET_NOT_TEXT, SECRET_UNREADABLE,
                           SECRET_UNTYPABLE, SH_WITHOUT_BASH, TYPED_WITHOUT_ECHO, SecretProblem, SessionPlan)

HOW = {
    TYPED_WITHOUT_ECHO: "the password is typed into the pod's terminal with echo off and handed to redis-cli as "
                        "REDISCLI_AUTH",
    IN_CLIENT_ENVIRONMENT: "the password in the client's environment",
    SH_WITHOUT_BASH: "sh where the pod has no bash",
}

PROBLEMS = {
    SECRET_NOT_FOUND: "secret {name} not found in {namespace}",
    SECRET_UNREADABLE: "could not read secret {name} ({error})",
    SECRET_NO_KEY: "secret {name} has no key {key}",
    SECRET_NOT_TEXT: "secret {name} key {key} is not valid base64 text",
    SECRET_UNTYPABLE: "secret {name} key {key} holds control characters that cannot be typed safely",
}


def problem_text(p: SecretProblem) -> str:
    return PROBLEMS[p.kind].format(name=p.name, key=p.key, namespace=p.namespace, error=p.error) + \
        ": connecting without a password"


def warnings(session: SessionPlan) -> list[str]:
    return [problem_text(p) for p in session.problems]


def header(session: SessionPlan) -> list[str]:
    """`=== Connecting to Redis ===`, the pod, the database and user or the password's secret, read-only, and
    where the session is recorded."""
    from ..paths import tilde

    t = session.target
    title = f"=== Connecting to {t.title}" + (
        f" (local {session.local.client}, through a port-forward) ===" if session.local is not None else " ===")
    lines = [title, f"Pod: {session.pod.name}"]
    if t.key == "timescaledb":
        lines += [f"Database: {session.database}", f"User: {session.user}"]
        if session.readonly:
            lines.append(f"Read-only: every transaction is read-only ({session.readonly})")
    elif t.key == "redis":
        lines.append(f"Auth: {'password from secret ' + session.auth if session.auth is not None else 'none'}")
    if session.recording is not None:
        lines.append(f"Recording: {tilde(session.recording)}" + (
            " (with what is typed)" if session.record_input else " (the output; what is typed is not kept)"))
    return lines


def hints(session: SessionPlan) -> list[str]:
    return ["Useful commands:", *(f"  {c}" for c in session.commands)] if session.commands else []


def describe(session: SessionPlan) -> str:
    """The command line as a person would type it, and what it does not say (how the password goes in)."""
    line = shlex.join(session.typed_line()).replace("'{port}'", "PORT").replace("{port}", "PORT")
    how = HOW.get(session.how, "")
    if session.local is not None:
        return line + f"  (through a port-forward to {session.pod.name}:{session.local.remote}; {how})"
    return line + (f"  ({how})" if how else "")


def opening(session: SessionPlan, escape: str, forward_port: int | None) -> list[str]:
    """What the terminal shows as the session is handed over: the header, the hints, the escape key, and the
    forward's local port."""
    lines = [*header(session), *hints(session), f"({escape} ends the session)"]
    if forward_port is not None and session.local is not None:
        lines.append(f"(port-forward 127.0.0.1:{forward_port} → {session.pod.name}:{session.local.remote})")
    return lines


def dropped(session: SessionPlan, summary: str) -> str:
    """A port-forward that dropped while the local client runs (`summary`: the forward's own account)."""
    return f"{summary}; the {session.target.title} client's connection to the pod is closed"


def describe_command(todo: CommandPlan) -> str:
    """One command's line as a person would type it, and how a Redis password goes in."""
    return shlex.join(todo.typed_line()) + (
        "  (the password goes in on stdin)" if todo.stdin and todo.target.key == "redis" else "")
