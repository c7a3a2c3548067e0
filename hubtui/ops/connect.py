"""Connect: find the TimescaleDB / Redis / Kafka pod and plan the interactive session into it.

The plan is a kubectl exec command line (no secret in it), what the header the old tool printed says (worded
by present/connect.py), and, for Redis, the password to hand over through the pty after the pod's shell has switched echo off.
"""

from __future__ import annotations

import base64
import re
import shlex
import shutil
import threading
from dataclasses import field, replace
from pathlib import Path
from collections.abc import Callable
from typing import Protocol

from ..frozen import frozen
from ..errors import HubError, UsageError, said
from ..kube.client import KubeConnection, describe_api_error
from ..kube.objects import read_object
from ..kube.pods import PodLook, list_pods, read_pod
from ..settings import Settings
from ..readonly import ReadOnlyError
from ..kube.failures import PodNotFound
from . import failures as f
from .hubs import hub_readonly_reason
from datetime import UTC


DEFAULT_SECRET = "analytics-hub-secrets"
DEFAULT_SECRET_KEY = "REDIS_PASSWORD"
SIDECARS = {"istio-proxy", "linkerd-proxy", "envoy", "cloud-sql-proxy", "vault-agent", "fluent-bit", "fluentd",
            "metrics-exporter", "exporter", "redis-exporter", "postgres-exporter", "kafka-exporter", "jmx-exporter"}
# Pods named <store>-<one of these>-... are helpers, not the store (redis-exporter, kafka-ui, ...).
HELPER_PODS = {"exporter", "ui", "proxy", "operator", "metrics", "backup", "admin", "console", "connect"}
# Printed by the pod's shell once its echo is off and it waits for the password on stdin. The command
# line builds it from two halves, so that nothing that merely echoes the command can look like it.
AUTH_PROMPT = "hubtui: ready for the password"
_PROMPT_HALVES = ("hubtui: ready", " for the password")
NO_STTY_EXIT = 97


@frozen
class Target:
    key: str
    title: str
    names: tuple[str, ...]  # label values and name prefixes that identify the pod
    containers: tuple[str, ...]  # preferred container names


TARGETS = {
    "timescaledb": Target("timescaledb", "TimescaleDB", ("timescaledb", "postgres", "postgresql"),
                          ("postgres", "timescaledb", "postgresql")),
    "redis": Target("redis", "Redis", ("redis-cluster", "redis"), ("redis",)),
    "kafka": Target("kafka", "Kafka", ("kafka",), ("kafka",)),
}

KAFKA_HINTS = [
    "kafka-topics.sh --list --bootstrap-server localhost:9092",
    "kafka-console-consumer.sh --bootstrap-server localhost:9092 --topic <topic> --from-beginning",
    "kafka-console-producer.sh --bootstrap-server localhost:9092 --topic <topic>",
]


@frozen
class PodChoice:
    name: str
    container: str
    phase: str
    ready: bool


@frozen
class Candidate:
    name: str
    state: str  # e.g. "Running, ready" / "Pending" / "Running, not ready"


# why a secret gave no password (SecretProblem.kind); present/connect.py words each
SECRET_NOT_FOUND, SECRET_UNREADABLE, SECRET_NO_KEY, SECRET_NOT_TEXT, SECRET_UNTYPABLE = (
    "not found", "unreadable", "no key", "not text", "untypable")
# how the password reaches the client, where the command line does not say it (SessionPlan.how)
TYPED_WITHOUT_ECHO, IN_CLIENT_ENVIRONMENT, SH_WITHOUT_BASH = "typed without echo", "client environment", "sh fallback"


@frozen
class SecretProblem:
    """A secret that gives no password (the session goes on without one)."""
    kind: str
    name: str
    key: str
    namespace: str
    error: str = ""  # SECRET_UNREADABLE: the read's own error


@frozen
class SessionPlan:
    target: Target
    pod: PodChoice
    namespace: str
    argv: list[str]  # kubectl exec -it ...: never holds a secret
    database: str = ""  # TimescaleDB: the database and the user
    user: str = ""
    auth: str | None = None  # Redis: the secret the password comes from (None: no password)
    commands: tuple[str, ...] = ()  # commands worth knowing in the session (Kafka's shell)
    secret: str | None = field(default=None, repr=False)  # handed over through the pty, never printed
    problems: tuple[SecretProblem, ...] = ()  # a secret that gave no password
    env: dict = field(default_factory=dict, repr=False)  # added to the environment kubectl runs in (--local: a password)
    context: str = ""  # where the session goes, for its audit record
    state_dir: Path | None = None  # where the audit log is; None (a test's fake plan): the session is not audited
    readonly: str | None = None  # why the session is read-only, if it is
    shown: tuple[str, ...] = ()  # what runs in the pod, as a person reads it (default: argv's own)
    how: str = ""  # what the command line does not say: TYPED_WITHOUT_ECHO, IN_CLIENT_ENVIRONMENT, SH_WITHOUT_BASH
    recording: Path | None = None  # where the session is recorded (asciicast v2), if it is
    record_input: bool = False  # the recording keeps what is typed too
    local: LocalEnd | None = None  # --local: the client runs here, through a port-forward to the pod

    def typed_line(self) -> list[str]:
        """The command line as a person would type it: `kubectl`, not its path; the client, not the shell
        script that hands it the password (a secret is never in either). `{port}`: the forward's local port."""
        if self.local is not None:
            return [self.local.client, *self.argv[1:]]
        at = self.argv.index("--") + 1
        return ["kubectl", *self.argv[1:at], *(list(self.shown) or self.argv[at:])]


def target(name: str) -> Target:
    try:
        return TARGETS[name]
    except KeyError:
        raise UsageError(f.UnknownTarget(name)) from None


def _ordinal(pod_name: str) -> int:
    m = re.search(r"-(\d+)$", pod_name)
    return int(m.group(1)) if m else 1_000_000


def _ready(pod: PodLook) -> bool:
    return pod.ready and not pod.deleting


def _state(pod: PodLook) -> f.PodState:
    return f.PodState(pod.name, pod.phase, pod.ready, pod.deleting)


def choose_container(pod: PodLook, t: Target) -> str:
    """The preferred container: the target's own name, then the default-container annotation, then the
    first container that is not a known sidecar."""
    names = list(pod.containers)
    for want in t.containers:
        if want in names:
            return want
    annotated = pod.annotations.get("kubectl.kubernetes.io/default-container")
    if isinstance(annotated, str) and annotated in names:
        return annotated
    main = [n for n in names if n not in SIDECARS and not n.endswith("-exporter")]
    return (main or names)[0]


def find_pod(conn: KubeConnection, namespace: str, t: Target, pod_name: str | None = None,
             pods: list[PodLook] | None = None) -> PodChoice:
    """The pod to connect to: by labels, then by name prefix; Running and Ready only; ordinal 0 first. `pods`:
    the namespace's pods as already listed (the connect screen lists them once for every store)."""
    if pods is not None and not pod_name:
        return _choose_pod(pods, namespace, t)
    try:
        if pod_name:
            pod = read_pod(conn, namespace, pod_name)
            ready = _ready(pod)
            if not ready:
                raise HubError(f.PodNotReady(namespace, f.PodState(pod_name, pod.phase, pod.ready, pod.deleting)))
            return PodChoice(pod_name, choose_container(pod, t), pod.phase, ready)
        pods = list_pods(conn, namespace)
    except HubError:
        raise
    except Exception as e:  # noqa: BLE001
        if getattr(e, "status", None) == 404 and pod_name:
            raise HubError(PodNotFound(pod_name, namespace)) from None
        raise describe_api_error(e, f.FindingPod(t.title, namespace)) from None
    return _choose_pod(pods, namespace, t)


def matches_store(pod: PodLook, t: Target) -> tuple[bool, bool]:
    """(by its labels, by its name's prefix): whether the pod is the store's (a helper such as redis-exporter
    is not)."""
    by_label = any(pod.labels.get(k) in t.names for k in ("app.kubernetes.io/name", "app"))
    by_prefix = any(pod.name == n or (pod.name.startswith(n + "-") and pod.name[len(n) + 1:].split("-")[0]
                                      not in HELPER_PODS) for n in t.names)
    return by_label, by_prefix


def _choose_pod(pods: list[PodLook], namespace: str, t: Target) -> PodChoice:
    matched = [p for p in pods if matches_store(p, t)[0]] or [p for p in pods if matches_store(p, t)[1]]
    ready_pods = [p for p in matched if _ready(p)]
    if not ready_pods:
        shown = matched or pods  # nothing matched: list what the namespace has
        raise HubError(f.NoReadyPod(t.title, namespace, bool(matched), tuple(_state(p) for p in shown)))
    best = min(ready_pods, key=lambda p: (_ordinal(p.name), p.name))
    return PodChoice(best.name, choose_container(best, t), best.phase, True)


def candidates(conn: KubeConnection, namespace: str) -> dict[str, PodChoice | str]:
    """For the connect screen: each target's pod, or why there is none."""
    out: dict[str, PodChoice | str] = {}
    try:  # one list for every store
        pods = list_pods(conn, namespace)
    except Exception as e:  # noqa: BLE001
        why = str(describe_api_error(e, f.ListingPods(namespace)))
        return {key: why for key in TARGETS}
    for key, t in TARGETS.items():
        try:
            out[key] = find_pod(conn, namespace, t, pods=pods)
        except HubError as e:
            out[key] = str(e)
    return out


def read_secret(conn: KubeConnection, namespace: str, name: str, key: str) -> tuple[str | None, SecretProblem | None]:
    """(value, problem): a missing secret or key gives no value and a problem, never an error."""
    def problem(kind: str, error: str = "") -> tuple[None, SecretProblem]:
        return None, SecretProblem(kind, name, key, namespace, error)

    try:
        secret = read_object(conn, "v1", "secrets", name, namespace)
    except Exception as e:  # noqa: BLE001
        if getattr(e, "status", None) == 404:
            return problem(SECRET_NOT_FOUND)
        return problem(SECRET_UNREADABLE, str(describe_api_error(e, f.ReadingSecret())))
    raw = ((secret or {}).get("data") or {}).get(key)
    if raw is None:
        return problem(SECRET_NO_KEY)
    try:
        value = base64.b64decode(raw, validate=True).decode("utf-8").rstrip("\r\n")
    except (ValueError, UnicodeDecodeError):
        return problem(SECRET_NOT_TEXT)
    if any(ord(c) < 32 or ord(c) == 127 for c in value):
        # A newline or ^C/^U/^D would be acted on by the pod's terminal and could show the rest.
        return problem(SECRET_UNTYPABLE)
    return value, None


def kubectl_path() -> str:
    path = shutil.which("kubectl")
    if not path:
        raise HubError(f.KubectlMissing())
    return path


# ----- the client on this machine, through a port-forward ----------------------------------------------------
SERVER_PORTS = {"timescaledb": 5432, "redis": 6379}
PG_SECRET_KEY = "POSTGRES_PASSWORD"


@frozen
class LocalEnd:
    """What a local session needs besides its client: the pod's port, and the connection the forward uses."""

    remote: int
    conn: KubeConnection = field(repr=False)
    client: str = ""  # psql, pgcli or redis-cli


def local_client(t: Target) -> str:
    """The client that runs here: pgcli when present, else psql; redis-cli. A missing one is one line."""
    if t.key == "timescaledb":
        found = shutil.which("pgcli") or shutil.which("psql")
        if not found:
            raise HubError(f.PgClientMissing())
        return found
    found = shutil.which("redis-cli")
    if not found:
        raise HubError(f.RedisCliMissing())
    return found


def local_plan(conn: KubeConnection, settings: Settings, target_name: str, *, pod_name: str | None = None,
               secret_name: str = DEFAULT_SECRET, secret_key: str = DEFAULT_SECRET_KEY, record: bool | None = None,
               record_input: bool | None = None) -> SessionPlan:
    """`hubtui connect TARGET --local`: the client here (psql or pgcli; redis-cli), on a port-forward to the pod
    that hand_over opens. The password goes in through the client's environment (PGPASSWORD, REDISCLI_AUTH),
    never argv. Read-only: psql's transactions read-only (PGOPTIONS); Redis refused."""
    t = target(target_name)
    if t.key not in SERVER_PORTS:
        raise UsageError(f.NoLocalClient(t.title, t.key))
    readonly = hub_readonly_reason(settings, conn.context, conn.server, (settings.namespace,))
    if readonly and t.key != "timescaledb":
        raise ReadOnlyError(f.ReadOnlyRefused(readonly, f.StoreShell(t.title)))
    client = local_client(t)
    ns = settings.namespace
    pod = find_pod(conn, ns, t, pod_name)
    env: dict[str, str] = {}
    name = Path(client).name
    if t.key == "timescaledb":
        password, problem = read_secret(conn, ns, secret_name, PG_SECRET_KEY)
        if password is not None:
            env["PGPASSWORD"] = password
        if readonly:
            env["PGOPTIONS"] = "-c default_transaction_read_only=on"
        argv = [client, "-h", "127.0.0.1", "-p", "{port}", "-U", settings.db_user, "-d", settings.db_name]
        database, user, auth = settings.db_name, settings.db_user, None
    else:
        password, problem = read_secret(conn, ns, secret_name, secret_key)
        if password is not None:
            env["REDISCLI_AUTH"] = password
        argv = [client, "-h", "127.0.0.1", "-p", "{port}"]
        database, user, auth = "", "", secret_name if password is not None else None
    session = SessionPlan(t, pod, ns, argv, database=database, user=user, auth=auth,
                          problems=(problem,) if problem else (), env=env, context=conn.context,
                          state_dir=settings.state_dir, readonly=readonly, shown=tuple(argv),
                          how=IN_CLIENT_ENVIRONMENT, local=LocalEnd(SERVER_PORTS[t.key], conn, name))
    return _with_recording(session, settings, record, record_input)


def recorded(settings: Settings, context: str, record: bool | None) -> bool:
    """Whether a session is recorded: --record / --no-record, else the config's record_sessions (production:
    the contexts that match production_contexts)."""
    if record is not None:
        return record
    if settings.record_sessions == "always":
        return True
    if settings.record_sessions == "never":
        return False
    from ..config import context_pattern

    return context_pattern(context, settings.production_contexts) is not None


def plan(conn: KubeConnection, settings: Settings, target_name: str, *, pod_name: str | None = None,
         secret_name: str = DEFAULT_SECRET, secret_key: str = DEFAULT_SECRET_KEY,
         kubectl: str | None = None, record: bool | None = None, record_input: bool | None = None) -> SessionPlan:
    t = target(target_name)
    ns = settings.namespace
    pod = find_pod(conn, ns, t, pod_name)
    base = [kubectl or kubectl_path()]
    env = {}
    if settings.kubeconfig:
        env["KUBECONFIG"] = settings.kubeconfig  # may be a path list, which --kubeconfig does not take
    base += ["--context", conn.context, "exec", "-it", "-n", ns, pod.name, "-c", pod.container, "--"]
    problems: tuple[SecretProblem, ...] = ()
    secret = None
    database = user = ""
    auth: str | None = None
    commands: tuple[str, ...] = ()
    shown: tuple[str, ...] = ()  # the pod's side of the command as a person reads it (typed_line())
    how = ""
    readonly = hub_readonly_reason(settings, conn.context, conn.server, (settings.namespace,))
    if readonly and t.key != "timescaledb":
        raise ReadOnlyError(f.ReadOnlyRefused(readonly, f.StoreShell(t.title)))
    if t.key == "timescaledb":
        database, user = settings.db_name, settings.db_user
        dbname = settings.db_name
        if readonly:  # every transaction of the session is read-only unless the operator unsets it on purpose
            dbname = f"dbname={settings.db_name} options='-c default_transaction_read_only=on'"
        argv = base + ["psql", "-U", settings.db_user, "-d", dbname]
    elif t.key == "redis":
        secret, problem = read_secret(conn, ns, secret_name, secret_key)
        if problem:
            problems = (problem,)
        if secret is not None:
            # The pod's shell turns echo off, says it is ready, reads the password from the terminal and
            # exports it as REDISCLI_AUTH: it is never on a command line, here or in the pod.
            # Without stty the password would be echoed: the shell gives up instead.
            script = (f"stty -echo || {{ echo 'hubtui: the pod has no stty; cannot hand over the password "
                      f"safely' >&2; exit {NO_STTY_EXIT}; }}; printf '%s%s\\n' '{_PROMPT_HALVES[0]}' "
                      f"'{_PROMPT_HALVES[1]}'; IFS= read -r REDISCLI_AUTH; stty echo; export REDISCLI_AUTH; "
                      "exec redis-cli")
            argv = base + ["sh", "-c", script]
            shown, how, auth = ("redis-cli",), TYPED_WITHOUT_ECHO, secret_name
        else:
            argv = base + ["redis-cli"]
    else:
        argv = base + ["sh", "-c", "command -v bash >/dev/null 2>&1 && exec bash || exec sh"]
        shown, how, commands = ("bash",), SH_WITHOUT_BASH, tuple(KAFKA_HINTS)
    session = SessionPlan(t, pod, ns, argv, database=database, user=user, auth=auth, commands=commands,
                          secret=secret, problems=problems, env=env, context=conn.context,
                          state_dir=settings.state_dir, readonly=readonly, shown=shown, how=how)
    return _with_recording(session, settings, record, record_input)


def _with_recording(session: SessionPlan, settings: Settings, record: bool | None,
                    record_input: bool | None) -> SessionPlan:
    keep_input = settings.record_input if record_input is None else record_input
    if not recorded(settings, session.context, record if record is not None else (True if record_input else None)):
        return session
    from ..term.recording import new_path

    recording = new_path(settings.state_dir, session.context, session.target.key)
    return replace(session, recording=recording, record_input=keep_input)


class SessionWords(Protocol):
    """How a session is said on the terminal it is handed (present/connect.py: the engine words nothing)."""

    def warnings(self, session: SessionPlan) -> list[str]: ...

    def opening(self, session: SessionPlan, escape: str, forward_port: int | None) -> list[str]: ...

    def dropped(self, session: SessionPlan, summary: str) -> str: ...


def hand_over(session: SessionPlan, words: SessionWords, *, out=None, err=None):
    """Give the terminal to a planned session: the same for `hubtui connect` and the TUI (which calls it inside
    App.suspend()). Says the warnings and the opening (`words`: the header, the hints, the escape key and the
    forward), runs the session through the pty bridge, and audits it: who, context / namespace / pod, which store, start, end, duration and exit status,
    never the password or the command line. Returns the bridge's SessionResult.

    The start is recorded before the session opens: an audit log that cannot be written refuses the session
    (AuditError, nothing was opened). An end that cannot be recorded makes the result a failure."""
    import os
    import sys
    from datetime import datetime

    from ..audit import AuditError, AuditLog
    from ..term.bridge import ESCAPE_NAME, run_session

    out, err = out or sys.stdout, err or sys.stderr
    audit = AuditLog(session.state_dir) if session.state_dir is not None else None
    where = {"context": session.context, "namespace": session.namespace, "pod": session.pod.name,
             "container": session.pod.container, "store": session.target.key, "readonly": bool(session.readonly)}
    if session.recording is not None:
        where["recording"] = str(session.recording)
    forward = None
    argv = session.argv
    if session.local is not None:  # the forward first: a pod that cannot be reached so is one line, nothing run
        from ..kube.portforward import Forward

        where["via"] = "port-forward"
        forward = Forward(session.local.conn, session.namespace, session.pod.name, session.local.remote).check()
        argv = [a.replace("{port}", str(forward.port)) for a in argv]
    started = datetime.now(UTC)
    recorder = None
    try:  # the recording's file first: one that cannot be made leaves no session begun, no forward open
        if session.recording is not None:
            from ..term.bridge import terminal_size
            from ..term.recording import Recorder

            recorder = Recorder(session.recording, *terminal_size(),
                                title=f"{session.target.title} · {session.context}",
                                record_input=session.record_input,
                                meta={k: v for k, v in where.items() if k != "recording"})
        if audit is not None:
            audit.check()
            audit.record("connect.start", **where)
    except BaseException:
        if recorder is not None:
            recorder.close()
        if forward is not None:
            forward.close()
        raise
    for warning in words.warnings(session):
        print(said(f.SessionWarning(warning)), file=err)
    print("\n".join(words.opening(session, ESCAPE_NAME, None if forward is None else forward.port)), file=out,
          flush=True)
    over = threading.Event()
    if forward is not None:
        threading.Thread(target=_say_drop, args=(forward, over, lambda: words.dropped(session, forward.summary()), err),
                         daemon=True, name="port-forward drop").start()
    try:
        result = run_session(argv, secret=session.secret, ready_marker=AUTH_PROMPT,
                             env={**os.environ, **session.env}, recorder=recorder)
    finally:
        over.set()
        if recorder is not None:
            recorder.close()
        if forward is not None:
            forward.close()
    if forward is not None and forward.dropped.is_set():  # the client saw its connection end: said here too
        dropped = forward.summary()  # the stream that dropped first; then the client's tries again
        result = replace(result, error=said(f.SessionError(result.error, dropped)))
    if audit is not None:
        ended = datetime.now(UTC)
        try:
            audit.record("connect.session", **where, started=started.isoformat(timespec="milliseconds"),
                         ended=ended.isoformat(timespec="milliseconds"), seconds=round(result.seconds, 3),
                         exit_status=result.exit_status, escaped=result.escaped, error=result.error)
        except AuditError as e:
            result = replace(result, error=said(f.SessionError(result.error, str(e))))
    return result


def _say_drop(forward, over: threading.Event, line: Callable[[], str], err) -> None:
    """A forward that drops while the client runs is said at once, on the terminal the client has (raw mode:
    lines end in \\r\\n); the client was told by its connection closing."""
    while not over.is_set():
        if forward.dropped.wait(0.2):
            forward.settle()  # a stream that dropped first is said, not the client's try again after it
            if not over.is_set():
                print(f"\r\n{said(f.HubtuiSays(line()))}\r", file=err, flush=True)
            return


# ----- one command, no session ---------------------------------------------------------------------------------
EXIT_MARK = "hubtui-exit-status:"
# what would undo a read-only psql session's guard: read-only is against mistakes, and these are one
UNDOES_READ_ONLY = re.compile(r"transaction_read_only|read\s+write|\\!|\\setenv|\\o\s*\|", re.IGNORECASE)
MAX_SQL_FILE = 96 * 1024  # bytes: a SQL file goes on the command line (Linux takes 128 KiB an argument)
@frozen
class CommandPlan:
    """One command in a store's pod, through `kubectl exec -i` (no terminal): psql -c / -f, redis-cli ARGS, or a
    shell line in the Kafka pod. The password goes in on stdin, first, never on a command line."""

    target: Target
    pod: PodChoice
    namespace: str
    argv: list[str]  # never holds a secret
    stdin: bytes = field(repr=False, default=b"")  # the password's line (Redis), then a SQL file's text
    command: str = ""  # what the operator asked to run, for the audit (its first line)
    context: str = ""
    state_dir: Path | None = None
    readonly: str | None = None
    env: dict = field(default_factory=dict, repr=False)
    as_json: bool = False
    shown: tuple[str, ...] = ()  # what runs in the pod, as a person reads it (no wrapper, no password)

    def typed_line(self) -> list[str]:
        """The command line as a person would type it (the password is never in it)."""
        at = self.argv.index("--") + 1
        return ["kubectl", *self.argv[1:at], *self.shown]


@frozen
class CommandResult:
    exit_status: int
    stdout: str
    stderr: str
    seconds: float

    def rows(self) -> list[dict]:
        """psql's --csv output as rows (every value as psql printed it)."""
        import csv
        import io

        return list(csv.DictReader(io.StringIO(self.stdout)))


def command_plan(conn: KubeConnection, settings: Settings, target_name: str, command: str | None = None, *,
                 sql_file: str | None = None, pod_name: str | None = None, secret_name: str = DEFAULT_SECRET,
                 secret_key: str = DEFAULT_SECRET_KEY, as_json: bool = False,
                 kubectl: str | None = None) -> CommandPlan:
    """`hubtui connect TARGET -c COMMAND` (or `-f FILE` for TimescaleDB). Read-only mode applies as to a
    session: psql's transactions are read-only, Redis and the Kafka shell are refused."""
    t = target(target_name)
    if sql_file is not None and t.key != "timescaledb":
        raise UsageError(f.SqlFileNeedsTimescale())
    if as_json and t.key != "timescaledb":
        raise UsageError(f.JsonNeedsTimescale())
    stdin = b""
    sql = b""
    if sql_file is not None:
        try:
            sql = Path(sql_file).expanduser().read_bytes()
        except OSError as e:
            raise UsageError(f.SqlFileUnreadable(sql_file, e)) from None
        if len(sql) > MAX_SQL_FILE:
            raise UsageError(f.SqlFileTooBig(sql_file, MAX_SQL_FILE))
        command = f"-f {sql_file}"
    if not command or not command.strip():
        raise UsageError(f.NoCommand())
    readonly = hub_readonly_reason(settings, conn.context, conn.server, (settings.namespace,))
    if readonly and t.key != "timescaledb":
        raise ReadOnlyError(f.ReadOnlyRefused(readonly, f.StoreCommand(t.title)))
    if readonly and UNDOES_READ_ONLY.search((sql or b"").decode(errors="replace") + "\n" + (command or "")):
        raise ReadOnlyError(f.ReadOnlyRefused(readonly, f.UndoesReadOnly()))
    ns = settings.namespace
    pod = find_pod(conn, ns, t, pod_name)
    env = {"KUBECONFIG": settings.kubeconfig} if settings.kubeconfig else {}
    base = [kubectl or kubectl_path(), "--context", conn.context, "exec", "-i", "-n", ns, pod.name, "-c",
            pod.container, "--"]
    if t.key == "timescaledb":
        database = settings.db_name
        if readonly:
            database = f"dbname={settings.db_name} options='-c default_transaction_read_only=on'"
        psql = ["psql", "-X", "-v", "ON_ERROR_STOP=1", "-U", settings.db_user, "-d", database]
        psql += ["--csv", "-q"] if as_json else []  # the rows alone: no command tags between them
        if sql_file is not None:  # on the command line, encoded: no exec transport has to carry an end of input
            import base64 as b64

            inner = ["sh", "-c", 'f=$1; shift; printf %s "$f" | base64 -d | "$@" -f -', "psql",
                     b64.b64encode(sql).decode(), *psql]
        else:
            inner = psql + ["-c", command]
    elif t.key == "redis":
        secret, _warning = read_secret(conn, ns, secret_name, secret_key)
        words = shlex.split(command)
        if secret is not None:  # read from stdin, exported to redis-cli alone: never on a command line
            inner = ["sh", "-c", 'IFS= read -r REDISCLI_AUTH; export REDISCLI_AUTH; exec redis-cli "$@"',
                     "redis-cli", *words]
            stdin = secret.encode() + b"\n"
        else:
            inner = ["redis-cli", *words]
    else:
        inner = ["sh", "-c", command]
    # The client's exit code, said by the pod's shell itself: how an exec transport reports a command's exit
    # differs (a kubelet says "command terminated with exit code N"; others only that it failed).
    argv = base + ["sh", "-c", f'"$@"; c=$?; printf "\\n{EXIT_MARK}%d\\n" "$c" >&2; exit "$c"', "sh", *inner]
    if t.key == "timescaledb":
        shown = tuple(psql) + (("-f", str(sql_file)) if sql_file is not None else ("-c", command))
    elif t.key == "redis":
        shown = ("redis-cli", *shlex.split(command))
    else:
        shown = ("sh", "-c", command)
    return CommandPlan(t, pod, ns, argv, stdin, command, conn.context, settings.state_dir, readonly, env, as_json,
                       shown)


def run_command(plan: CommandPlan, *, timeout: float | None = None) -> CommandResult:
    """Run it and audit it: the start before (an audit log that cannot be written refuses it), then who, where,
    the command's first line and the exit status; never the password, never the output."""
    import os
    import subprocess
    import time

    from ..audit import AuditLog

    audit = AuditLog(plan.state_dir) if plan.state_dir is not None else None
    first_line = plan.command.strip().splitlines()[0][:200] if plan.command.strip() else ""
    where = {"context": plan.context, "namespace": plan.namespace, "pod": plan.pod.name,
             "container": plan.pod.container, "store": plan.target.key, "readonly": bool(plan.readonly),
             "command": first_line}
    lines = len(plan.command.strip().splitlines())
    if lines > 1:  # the audit keeps the first line: it says there were more
        where["command_lines"] = lines
    if audit is not None:
        audit.check()
        audit.record("connect.command.start", **where)
    started = time.monotonic()
    try:
        done = subprocess.run(plan.argv, input=plan.stdin, capture_output=True, timeout=timeout,
                              env={**os.environ, **plan.env})
    except subprocess.TimeoutExpired as e:
        result = CommandResult(124, "", said(f.CommandNoAnswer(e.timeout)), time.monotonic() - started)
    except BaseException as e:  # Ctrl-C, or kubectl that cannot start: its end is audited, then it goes on up
        if audit is not None:
            audit.record("connect.command", **where, exit_status=None, seconds=round(time.monotonic() - started, 3),
                         error=f"stopped: {type(e).__name__}")
        raise
    else:
        stderr, code = done.stderr.decode(errors="replace"), done.returncode
        at = stderr.rfind("\n" + EXIT_MARK)
        if at >= 0:  # the pod's shell said the client's exit code: that one, and its line taken out
            line_end = stderr.find("\n", at + 1)
            try:
                code = int(stderr[at + 1 + len(EXIT_MARK):line_end if line_end >= 0 else None])
                stderr = stderr[:at] + (stderr[line_end + 1:] if line_end >= 0 else "")
            except ValueError:
                pass
            if code != 0:  # the transport's own words about that exit say nothing more
                stderr = "\n".join(ln for ln in stderr.splitlines()
                                   if not ln.startswith("command terminated with exit code")
                                   and not (ln.startswith("error: ") and "error executing command in container" in ln)
                                   ) + ("\n" if stderr.strip() else "")
        result = CommandResult(code, done.stdout.decode(errors="replace"), stderr, time.monotonic() - started)
    if audit is not None:
        audit.record("connect.command", **where, exit_status=result.exit_status, seconds=round(result.seconds, 3))
    return result
