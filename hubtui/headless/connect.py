"""`hubtui connect`: the old connect-*.sh scripts, on hubtui's engine."""

from __future__ import annotations

import argparse
import sys

from ..errors import UsageError
from ..settings import Settings


def add_parser(sub, parents) -> None:
    p = sub.add_parser("connect", parents=parents, help="open psql, redis-cli or a Kafka shell in the hub's pods",
                       description="Find the pod and hand the terminal to psql / redis-cli / a shell in it "
                                   "through `kubectl exec -it`; with --local, to psql (or pgcli) / redis-cli here "
                                   "through a port-forward hubtui opens (no exec); with -c / -f, run one command "
                                   "and print its output. Ctrl-] ends a session.")
    p.add_argument("target", choices=("timescaledb", "redis", "kafka"))
    p.add_argument("--pod", help="connect to this pod instead of the one found")
    p.add_argument("--database", "--db-name", dest="db_name", metavar="NAME",
                   help="TimescaleDB database (default llm_analytics)")
    p.add_argument("-u", "--user", help="TimescaleDB user (default postgres)")
    # The first connect had -p for --pod and -d for --db-name; every other command has -p for --provider and -d
    # for --deployment. The old letters still work here, with a note, and are not offered.
    p.add_argument("-p", dest="old_pod", help=argparse.SUPPRESS)
    p.add_argument("-d", dest="old_db_name", help=argparse.SUPPRESS)
    p.add_argument("--secret", default="analytics-hub-secrets", help="secret holding the Redis password")
    p.add_argument("--secret-key", default="REDIS_PASSWORD", help="key of the Redis password in that secret")
    p.add_argument("--dry-run", action="store_true", help="print what would run (without secrets), run nothing")
    local = p.add_mutually_exclusive_group()
    local.add_argument("--local", action="store_true",
                       help="run the client on this machine (psql or pgcli, redis-cli) through a port-forward to "
                            "the pod: no kubectl exec")
    local.add_argument("--port", type=int, metavar="N",
                       help="only open a port-forward to the pod on 127.0.0.1:N (0: any free port) for a client of "
                            "your own, until Ctrl-C")
    rec = p.add_mutually_exclusive_group()
    rec.add_argument("--record", action="store_true", default=None,
                     help="record the session (asciicast, under the state folder; default: on for the contexts "
                          "matching production_contexts, or as the config's record_sessions says)")
    rec.add_argument("--no-record", dest="record", action="store_false", help="do not record the session")
    p.add_argument("--record-input", action="store_true", default=None,
                   help="the recording keeps what is typed too (never the password hubtui hands over); records")
    one = p.add_mutually_exclusive_group()
    one.add_argument("-c", "--command", metavar="TEXT",
                     help="run one command, no session: SQL for timescaledb, redis-cli's words for redis, a shell "
                          "line for kafka; prints its output, exits with its exit code")
    one.add_argument("-f", "--file", metavar="FILE", help="timescaledb: run the SQL of FILE, no session")
    p.add_argument("--json", action="store_true", help="with -c or -f on timescaledb: the rows as JSON")
    p.set_defaults(run=run)


def run(args: argparse.Namespace, settings: Settings) -> int:
    import dataclasses

    from ..kube.client import connect
    from ..ops.connect import hand_over, plan
    from ..present import connect as words

    one_shot = args.command is not None or args.file is not None
    if args.json and not one_shot:
        raise UsageError("connect opens an interactive session, which has no JSON form: leave out --json (or run "
                         "one query with -c)")
    for old_flag, value, new, field in (("-p", args.old_pod, "--pod", "pod"),
                                        ("-d", args.old_db_name, "--database", "db_name")):
        if value is not None:
            if getattr(args, field) is not None:
                raise UsageError(f"{old_flag} and {new} name the same thing: give {new} only")
            setattr(args, field, value)
            print(f"note: connect {old_flag} is {new} now ({old_flag} means "
                  f"{'--provider' if old_flag == '-p' else '--deployment'} elsewhere)", file=sys.stderr)
    if args.record is False and args.record_input:
        raise UsageError("--record-input records what is typed: it does not go with --no-record")
    settings = dataclasses.replace(settings, db_name=args.db_name or settings.db_name,
                                   db_user=args.user or settings.db_user)
    if (args.local or args.port is not None) and one_shot:
        raise UsageError("-c / -f run in the pod: leave out --local / --port")
    if args.port is not None and not 0 <= args.port <= 65535:
        raise UsageError(f"--port must be from 0 to 65535, not {args.port}")
    conn = connect(settings, interactive=True)
    if args.port is not None:
        try:
            return forward_only(conn, settings, args)
        finally:
            conn.close()
    if args.local:
        from ..ops.connect import local_plan

        try:
            session = local_plan(conn, settings, args.target, pod_name=args.pod, secret_name=args.secret,
                                 secret_key=args.secret_key, record=args.record, record_input=args.record_input)
            if args.dry_run:
                for warning in words.warnings(session):
                    print(f"warning: {warning}", file=sys.stderr)
                print("\n".join(words.header(session)))
                print(f"Command: {words.describe(session)}")
                return 0
            if not sys.stdin.isatty():
                raise UsageError("connect needs a terminal (stdin is not one); --dry-run shows what would run")
            result = hand_over(session, words)
        finally:
            conn.close()
        print(f"\nhubtui: {result.summary()}", file=sys.stderr)
        if result.error:
            return 1
        return 0 if result.escaped else (result.exit_status if result.exit_status is not None else 1)
    if one_shot:
        try:
            from ..ops.connect import command_plan

            todo = command_plan(conn, settings, args.target, args.command, sql_file=args.file, pod_name=args.pod,
                                secret_name=args.secret, secret_key=args.secret_key, as_json=args.json)
        finally:
            conn.close()
        return run_one(todo, args.dry_run)
    try:
        session = plan(conn, settings, args.target, pod_name=args.pod, secret_name=args.secret,
                       secret_key=args.secret_key, record=args.record, record_input=args.record_input)
    finally:
        conn.close()
    if args.dry_run:
        for warning in words.warnings(session):
            print(f"warning: {warning}", file=sys.stderr)
        print("\n".join(words.header(session)))
        print(f"Command: {words.describe(session)}")
        if session.secret is not None:
            print(f"The password from secret {args.secret} ({args.secret_key}) would be typed into the "
                  "pod's terminal with echo off; it is on no command line.")
        return 0
    if not sys.stdin.isatty():
        raise UsageError("connect needs a terminal (stdin is not one); --dry-run shows what would run")
    result = hand_over(session, words)  # the same hand-over (and audit record) as the TUI's
    print(f"\nhubtui: {result.summary()}", file=sys.stderr)
    if result.error:
        return 1
    if result.escaped:
        return 0  # the operator ended it on purpose
    return result.exit_status if result.exit_status is not None else 1


def run_one(todo, dry_run: bool) -> int:
    """One command: its output as the client printed it (stdout, stderr), or its rows as JSON; the client's
    exit code."""
    import json

    from ..ops.connect import run_command

    if dry_run:
        from ..present.connect import describe_command

        print(f"Pod: {todo.pod.name}\nCommand: {describe_command(todo)}")
        return 0
    result = run_command(todo)
    if todo.as_json and result.exit_status == 0:
        print(json.dumps(result.rows(), indent=2))
    else:
        sys.stdout.write(result.stdout)
    sys.stderr.write(result.stderr)
    return result.exit_status


def forward_only(conn, settings: Settings, args: argparse.Namespace) -> int:
    """`--port N`: the port-forward alone, for a client of the operator's own, until Ctrl-C; audited (open and
    closed). What goes wrong with a stream while it is open is said as it happens; exit 1 when a stream failed."""
    import threading

    from ..audit import AuditLog
    from ..kube.portforward import Forward
    from ..ops.connect import PG_SECRET_KEY, SERVER_PORTS, find_pod, target
    from ..ops.hubs import refuse_hub_if_readonly

    t = target(args.target)
    if t.key not in SERVER_PORTS:
        raise UsageError(f"{t.title} has no port to forward here (timescaledb 5432, redis 6379)")
    what = (f"a {t.title} port-forward (a client of your own is not made read-only: use `connect timescaledb "
            "--local`)" if t.key == "timescaledb" else "a Redis port-forward (Redis has no read-only form)")
    refuse_hub_if_readonly(settings, conn.context, conn.server, (settings.namespace,), what)
    pod = find_pod(conn, settings.namespace, t, args.pod)
    forward = Forward(conn, settings.namespace, pod.name, SERVER_PORTS[t.key], args.port).check()
    audit = AuditLog(settings.state_dir)
    where = {"context": conn.context, "namespace": settings.namespace, "pod": pod.name, "store": t.key,
             "via": "port-forward", "local_port": forward.port}
    audit.check()
    audit.record("connect.forward.start", **where)
    if t.key == "timescaledb":
        how = (f"psql -h 127.0.0.1 -p {forward.port} -U {settings.db_user} -d {settings.db_name} (the password: "
               f"key {PG_SECRET_KEY} of secret {args.secret})")
    else:
        how = f"redis-cli -h 127.0.0.1 -p {forward.port} (the password: key {args.secret_key} of secret {args.secret})"
    print(f"Forwarding 127.0.0.1:{forward.port} → {pod.name}:{forward.remote} (namespace {settings.namespace}, "
          f"context {conn.context})\nConnect with: {how}\nCtrl-C closes it.", flush=True)
    said = 0
    stop = threading.Event()
    try:
        while not stop.wait(0.5):
            while said < len(forward.problems):
                print(f"hubtui: {forward.problems[said]}", file=sys.stderr, flush=True)
                said += 1
    except KeyboardInterrupt:
        pass
    finally:
        forward.close()
        failed = len(forward.problems)
        audit.record("connect.forward", **where, connections=forward.connections, failed=failed)
    for problem in forward.problems[said:]:
        print(f"hubtui: {problem}", file=sys.stderr)
    print(f"\nhubtui: port-forward closed ({forward.connections} connection"
          f"{'' if forward.connections == 1 else 's'}"
          f"{f', {failed} failed' if failed else ''})", file=sys.stderr)
    return 1 if failed else 0
