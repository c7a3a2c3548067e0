"""`hubtui connect`: the old connect-*.sh scripts, on hubtui's engine."""

from __future__ import annotations

import argparse
import sys

from ..errors import UsageError
from ..settings import Settings


def add_parser(sub, parents) -> None:
    p = sub.add_parser("connect", parents=parents, help="open psql, redis-cli or a Kafka shell in the hub's pods",
                       description="Find the pod and hand the terminal to psql / redis-cli / a shell through "
                                   "`kubectl exec -it`. Ctrl-] ends the session.")
    p.add_argument("target", choices=("timescaledb", "redis", "kafka"))
    p.add_argument("-p", "--pod", help="connect to this pod instead of the one found")
    p.add_argument("-d", "--db-name", help="TimescaleDB database (default llm_analytics)")
    p.add_argument("-u", "--user", help="TimescaleDB user (default postgres)")
    p.add_argument("--secret", default="analytics-hub-secrets", help="secret holding the Redis password")
    p.add_argument("--secret-key", default="REDIS_PASSWORD", help="key of the Redis password in that secret")
    p.add_argument("--dry-run", action="store_true", help="print what would run (without secrets), run nothing")
    p.add_argument("--json", action="store_true", help=argparse.SUPPRESS)
    p.set_defaults(run=run)


def run(args: argparse.Namespace, settings: Settings) -> int:
    import dataclasses

    from ..kube.client import connect
    from ..ops.connect import hand_over, plan

    if args.json:
        raise UsageError("connect opens an interactive session, which has no JSON form: leave out --json")
    settings = dataclasses.replace(settings, db_name=args.db_name or settings.db_name,
                                   db_user=args.user or settings.db_user)
    conn = connect(settings)
    try:
        session = plan(conn, settings, args.target, pod_name=args.pod, secret_name=args.secret,
                       secret_key=args.secret_key)
    finally:
        conn.close()
    if args.dry_run:
        for warning in session.warnings:
            print(f"warning: {warning}", file=sys.stderr)
        print("\n".join(session.header))
        print(f"Command: {session.describe()}")
        if session.secret is not None:
            print(f"The password from secret {args.secret} ({args.secret_key}) would be typed into the "
                  "pod's terminal with echo off; it is on no command line.")
        return 0
    if not sys.stdin.isatty():
        raise UsageError("connect needs a terminal (stdin is not one); --dry-run shows what would run")
    result = hand_over(session)  # the same hand-over (and audit record) as the TUI's
    print(f"\nhubtui: {result.summary()}", file=sys.stderr)
    if result.error:
        return 1
    if result.escaped:
        return 0  # the operator ended it on purpose
    return result.exit_status if result.exit_status is not None else 1
