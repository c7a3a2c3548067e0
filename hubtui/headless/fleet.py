"""`hubtui fleet`: every environment's hub on one screen (the TUI), or once as JSON for scripts and CI; and
the part of `hubtui scale --contexts` that runs across hubs."""

from __future__ import annotations

import argparse
import functools
import json
import sys
import threading

from ..errors import EXIT_FAILURE, EXIT_OK, UsageError
from ..settings import Settings

SETTLE_TIMEOUT = 15.0  # seconds --json waits for every hub to be listed or to fail


def add_parser(sub, parents) -> None:
    p = sub.add_parser("fleet", parents=parents, help="every environment's hub on one screen, live",
                       description="One row per hub (a context of the kubeconfig and its hub namespace), live: "
                                   "state, ready deployments, maintenance, HPAs. Enter opens a hub; v shows the "
                                   "versions across hubs; z / r run maintenance or restore on the hubs selected.")
    p.add_argument("--contexts", metavar="PATTERNS",
                   help="the contexts, comma-separated shell patterns, case-insensitive (default: the config's "
                        "`fleet`, else every context)")
    p.add_argument("--json", action="store_true",
                   help="print the hubs and the versions matrix once, as JSON (exit 1 if a hub could not be read)")
    p.add_argument("--timeout", type=float, metavar="SECS",
                   help=f"with --json: how long to wait for every hub (default {SETTLE_TIMEOUT:g})")
    p.set_defaults(run=run, screen=for_the_screen)


def patterns(text: str | None) -> list[str] | None:
    """`--contexts dev,staging-*` as patterns; None when not given. An empty list is a usage error."""
    if text is None:
        return None
    found = [p.strip() for p in text.split(",") if p.strip()]
    if not found:
        raise UsageError("--contexts names no context (give comma-separated names or shell patterns)")
    return found


def for_the_screen(args: argparse.Namespace, settings: Settings):
    """`hubtui fleet` without --json: the Fleet the TUI opens on (__main__ opens it: the headless layer never
    imports the UI), already started: the hubs connect and list while Textual loads."""
    from ..ops.fleet import Fleet, choose_hubs

    if args.json:
        return None
    if args.timeout is not None:
        raise UsageError("--timeout goes with --json")
    return ("fleet", Fleet(settings, choose_hubs(settings, patterns(args.contexts))).start())


def run(args: argparse.Namespace, settings: Settings) -> int:
    from ..ops.fleet import choose_hubs

    hubs = choose_hubs(settings, patterns(args.contexts))
    timeout = SETTLE_TIMEOUT if args.timeout is None else args.timeout
    if not 0 < timeout <= 3600:
        raise UsageError("--timeout must be a positive number of seconds (at most an hour)")
    return print_once(settings, hubs, timeout)


def print_once(settings: Settings, hubs, timeout: float) -> int:
    from ..ops.fleet import Fleet, versions

    fleet = Fleet(settings, hubs).start()
    try:
        fleet.wait_settled(timeout)
        views = fleet.views()
    finally:
        threading.Thread(target=fleet.stop, daemon=True).start()  # stopping joins threads: not in the way out
    failed = [v for v in views if not v.synced]
    print(json.dumps({"ok": not failed, "hubs": [v.to_dict() for v in views],
                      "versions": [r.to_dict() for r in versions(views)]}, indent=2))
    for v in failed:
        print(f"hubtui: {v.context}: {v.state}" + (f": {v.why}" if v.why else " (no answer in time)"),
              file=sys.stderr)
    return EXIT_FAILURE if failed else EXIT_OK


def scale_hubs(args: argparse.Namespace, settings: Settings) -> int:
    """`hubtui scale --contexts … --all -r N` or `--restore`: each hub in turn (a few at a time), the result of
    each said; exit 1 naming every hub that failed. Ctrl-C stops starting new hubs."""
    from ..ops.fleet import MAINTENANCE, MAYBE_PRODUCTION, REFUSED, RESTORE, UNCONFIRMED, act_on_hubs, choose_hubs
    from ..ops.scale import parse_replicas
    from .output import EventPrinter, StopOnSignals, table

    if args.deployment:
        raise UsageError("--contexts scales whole hubs: use --all -r N or --restore, not --deployment")
    if not args.all and not args.restore:
        raise UsageError("--contexts needs --all -r N or --restore")
    if args.restore and args.all:
        raise UsageError("--restore and --all don't go together (restore covers every recorded deployment)")
    if args.force and not args.restore:
        raise UsageError("--force only goes with --restore")
    if args.timeout is not None and not args.wait:
        raise UsageError("--timeout goes with --wait: it is how long the wait lasts")
    if args.rollback_on_failure and not args.wait:
        raise UsageError("--rollback-on-failure goes with --wait: what is not ready in time is rolled back")
    wait = None
    if args.wait:
        wait = settings.scale_timeout if args.timeout is None else args.timeout
        if not 0 < wait <= 86400:
            raise UsageError(f"--timeout must be a positive number of seconds (at most a day), not {wait:g}")
    replicas = 0 if args.restore else parse_replicas(args.replicas)
    hubs = choose_hubs(settings, patterns(args.contexts))
    confirmed = [c.strip() for c in (args.confirm_production or "").split(",") if c.strip()]
    strangers = [c for c in confirmed if c not in {h.context for h in hubs}]
    if strangers:  # a typo confirms nothing: said before anything changes
        raise UsageError(f"--confirm-production names {', '.join(strangers)}, not among the hubs chosen "
                         f"({', '.join(h.context for h in hubs)}); name each production context exactly")
    printer = EventPrinter(ndjson=args.ndjson)
    cancel = threading.Event()

    from ..present.fleet import result_dict, result_text

    def said(result) -> None:
        if args.ndjson:
            printer.result({"event": "HubResult", **result_dict(result)})
        elif not args.json:
            print(f"{result.context}: {result_text(result)}", file=sys.stderr, flush=True)

    with StopOnSignals(cancel, first="hubtui: stopping: no new hub is started; those under way finish",
                       terminated="stopping: no new hub is started; those under way finish", second_stops=False):
        results = act_on_hubs(settings, hubs, RESTORE if args.restore else MAINTENANCE, replicas=replicas,
                              force=args.force, dry_run=args.dry_run, wait=wait, rollback=args.rollback_on_failure,
                              confirmed=confirmed, cancel=cancel, on_result=said,
                              emit_for=lambda hub: functools.partial(printer, context=hub.context))
    failed = [r for r in results if not r.ok]
    code = EXIT_FAILURE if failed else EXIT_OK
    if args.json or args.ndjson:
        printer.result({"ok": not failed, "exit_code": code, "dry_run": args.dry_run,
                        "stopped": cancel.is_set(), "hubs": [result_dict(r) for r in results]})
    else:
        print(table(("Context", "Namespace", "Result"), [(r.context, r.namespace, result_text(r)) for r in results]))
    if failed:
        print(f"hubtui: error: not done on {', '.join(r.context for r in failed)}", file=sys.stderr)
    unconfirmed = [r.context for r in results if r.outcome == REFUSED and r.refused in (UNCONFIRMED, MAYBE_PRODUCTION)]
    if unconfirmed:
        print(f"hubtui: to change a production hub, name it: --confirm-production {','.join(unconfirmed)}",
              file=sys.stderr)
    return code
