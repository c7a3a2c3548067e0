"""`hubtui scale`: the old `llm-analytics utils scale`, on hubtui's engine."""

from __future__ import annotations

import argparse
import math
import sys
from collections.abc import Callable

from ..errors import EXIT_FAILURE, EXIT_OK, EXIT_TIMEOUT, HubError, UsageError
from ..events import Event
from ..settings import Settings
from .output import EventPrinter, StopOnSignals, table
from ..words import counted, rolled_back


def add_parser(sub, parents) -> None:
    p = sub.add_parser("scale", parents=parents, help="scale deployments (one, all, or restore after maintenance)",
                       description="Scale the hub's deployments through the scale subresource. Scaling to 0 "
                                   "records each deployment's count so that --restore can put it back.")
    what = p.add_argument_group("what to scale")
    what.add_argument("-d", "--deployment", action="append", metavar="NAME",
                      help="a deployment to scale (repeatable)")
    what.add_argument("--all", action="store_true", help="every deployment in the namespace")
    what.add_argument("--restore", action="store_true",
                      help="set each deployment back to the count recorded before it was scaled to 0")
    p.add_argument("-r", "--replicas", metavar="N", help="the replica count (0-1000)")
    p.add_argument("--contexts", metavar="PATTERNS",
                   help="across hubs: every context matching these comma-separated shell patterns, with --all "
                        "or --restore; results per hub, exit 1 naming the hubs that failed")
    p.add_argument("--confirm-production", metavar="CONTEXTS",
                   help="with --contexts: the production hubs to change, each context named exactly (comma-separated); "
                        "a production hub not named is refused on its own row")
    p.add_argument("--force", action="store_true", help="with --restore: also restore deployments changed since")
    p.add_argument("-w", "--wait", action="store_true", help="wait until the deployments are ready")
    p.add_argument("--timeout", type=float, metavar="SECS", help="how long --wait waits (default: the config file's scale_timeout, else 300)")
    p.add_argument("--rollback-on-failure", action="store_true",
                   help="with --wait: when they are not ready in time, put every deployment changed back to the "
                        "count it had (exit 1, each one not ready named with why)")
    p.add_argument("--dry-run", action="store_true", help="validate on the server; change nothing")
    out = p.add_mutually_exclusive_group()
    out.add_argument("--json", action="store_true", help="print one JSON document with the result")
    out.add_argument("--ndjson", action="store_true", help="stream progress events as NDJSON, then the result")
    p.set_defaults(run=run)


def check_usage(args: argparse.Namespace) -> None:
    if args.restore:
        if args.replicas is not None:
            raise UsageError("--restore sets each deployment to its recorded count: leave out --replicas")
        if args.all:
            raise UsageError("--restore and --all don't go together (restore covers every recorded deployment)")
    else:
        if args.force:
            raise UsageError("--force only goes with --restore")
        if args.deployment and args.all:
            raise UsageError("--all and --deployment don't go together: --all scales every deployment of the "
                             "namespace; leave out one of them")
        if not args.deployment and not args.all:
            raise UsageError("name the deployments with --deployment NAME, or use --all")
        if args.replicas is None:
            raise UsageError("--replicas N is required")
    if args.rollback_on_failure and not args.wait:
        raise UsageError("--rollback-on-failure goes with --wait: what is not ready in time is rolled back")
    if args.timeout is not None and not args.wait:
        raise UsageError("--timeout goes with --wait: it is how long the wait lasts")
    if args.timeout is not None and not (math.isfinite(args.timeout) and 0 < args.timeout <= 86400):
        raise UsageError(f"--timeout must be a positive number of seconds (at most a day), not {args.timeout:g}")


class TerminalProgress:
    """Wraps an Emit: bulk Progress events (done/total, rate, ETA) redrawn on one line of stderr, only when
    stderr is a terminal and the output is for a person (never with --json or --ndjson)."""

    STEPS = {"scale": "scaling", "restore": "restoring", "rollback": "rolling back"}

    def __init__(self, inner, err=None):
        self.inner = inner
        self.err = err or sys.stderr
        self.shown = False

    def __call__(self, event) -> None:
        from ..events import Progress

        if isinstance(event, Progress) and event.step in self.STEPS:
            from ..present.progress import progress_text

            line = f"{self.STEPS[event.step]} {progress_text(event)}"
            self.err.write("\r\x1b[K" + line + ("\n" if event.done >= event.total else ""))
            self.err.flush()
            self.shown = event.done < event.total
            return
        if self.shown:  # a message of its own goes below the progress line
            self.err.write("\n")
            self.shown = False
        self.inner(event)


EXIT_STOPPED = 130  # the operator stopped it (Ctrl-C), as a shell says of a program it interrupted


def _say_made(error: BaseException, changes=None) -> None:
    """What a scale changed before an error stopped it, so that the one line that follows is not read as
    'nothing changed': the changes it made (`changes`, when the error came in the wait or the rollback after
    them), less those a rollback put back before the error."""
    from ..ops.scale import made_before

    back = [c for c in made_before(error) if c.ok] if changes is not None else []
    undone = {c.name for c in back}
    made = [c for c in (made_before(error) if changes is None else changes)
            if c.ok and c.before != c.after and c.name not in undone]
    if made:
        print(f"changed before it stopped ({counted(len(made), 'deployment')}, not rolled back): "
              + ", ".join(f"{c.name} {c.before} → {c.after}" for c in made), file=sys.stderr)
    if back:
        print(f"rolled back before it stopped: {', '.join(f'{c.name} to {c.after}' for c in back)}", file=sys.stderr)


def run(args: argparse.Namespace, settings: Settings) -> int:
    import threading

    from ..kube.client import connect
    from ..ops.scale import ScaleChange, ScaleEngine, parse_replicas

    if args.confirm_production is not None and args.contexts is None:
        raise UsageError("--confirm-production goes with --contexts")
    if args.contexts is not None:
        if args.restore and args.replicas is not None:
            raise UsageError("--restore sets each deployment to its recorded count: leave out --replicas")
        if args.all and not args.restore and args.replicas is None:
            raise UsageError("--replicas N is required")
        from .fleet import scale_hubs

        return scale_hubs(args, settings)
    check_usage(args)
    if args.replicas is not None:
        parse_replicas(args.replicas)  # bad values fail before connecting
    printer = EventPrinter(ndjson=args.ndjson)
    emit: Callable[[Event], None] = printer
    if not (args.json or args.ndjson) and sys.stderr.isatty():
        emit = TerminalProgress(printer)
    conn = connect(settings, interactive=True)
    cancel = threading.Event()
    try:
        with StopOnSignals(cancel, first="stopping: no further change is sent (Ctrl-C again to stop at once)",
                           terminated="stopping: no further change is sent"):
            engine = ScaleEngine(conn, settings, dry_run=args.dry_run, emit=emit, cancel=cancel)
            try:
                if args.restore:
                    changes = engine.restore(args.deployment, force=args.force)
                elif args.all:
                    changes = engine.scale_all(args.replicas)
                else:
                    changes = engine.scale(args.deployment, args.replicas)
            except (HubError, KeyboardInterrupt) as e:
                _say_made(e)
                raise
            done = {c.name: c.after for c in changes if c.ok}
            outcome = None
            rolled: dict[str, ScaleChange] = {}
            try:
                if args.wait and done and not args.dry_run and not cancel.is_set():
                    outcome = engine.wait_ready(list(done), args.timeout, targets=done, cancel=cancel)
                    if args.rollback_on_failure and not outcome.ok and not cancel.is_set():
                        rolled = {c.name: c for c in engine.rollback(changes)}
            except (HubError, KeyboardInterrupt) as e:
                _say_made(e, changes)
                raise
            try:
                # the status is measured, never assumed: the named deployments read again (all of them after --all)
                rows = {r.name: r for r in engine.rows(None if args.all else [c.name for c in changes])}
            except HubError as e:
                print(f"warning: the changes were sent, but their state could not be read: {e}", file=sys.stderr)
                rows = {}
    finally:
        conn.close()

    why_not = {}
    if outcome is not None and not outcome.ok:  # the detail view's reasons: each pod's own
        from ..present.detail import reasons_of

        why_not = reasons_of(outcome)

    def status(c) -> str:
        if c.stopped:
            return "Not sent: stopped"
        if not c.ok:  # a person read the error on stderr as it happened: the table says it once more only briefly
            return f"Failed: {c.error}" if args.json or args.ndjson else "Failed (the error above)"
        if c.dry_run:
            return f"Dry run: already at {c.after}" if c.before == c.after else f"Dry run: would scale {c.before}→{c.after}"
        back = rolled.get(c.name)
        undone = ("" if back is None else f"; rolled back to {back.after}" if back.ok
                  else f"; NOT rolled back: {back.error}")
        if outcome is not None:
            if c.name in outcome.ready:
                return ("Scaled to 0" if c.after == 0 else "Ready") + undone  # the words of deployment_status()
            return f"Not ready: {why_not.get(c.name, '')}{undone}"
        row = rows.get(c.name)
        from ..present.deployment import deployment_status  # the engine: imported by the command, not the parser

        return deployment_status(row)[0] if row else "Unknown (not read back)"

    failed = any(not c.ok and not c.stopped for c in changes) or bool(rolled)  # rolled back: it did not happen
    timed_out = outcome is not None and not outcome.ok
    stopped = cancel.is_set()
    code = EXIT_FAILURE if failed else EXIT_STOPPED if stopped else EXIT_TIMEOUT if timed_out else EXIT_OK
    if args.json or args.ndjson:
        from ..present.events import change_warning

        printer.result({
            "ok": code == EXIT_OK, "exit_code": code, "context": conn.context, "namespace": settings.namespace,
            "dry_run": args.dry_run,
            "changes": [{
                "deployment": c.name, "from": c.before, "to": c.after, "warning": change_warning(c.warning), "error": c.error,
                "status": status(c),
                "ready": rows[c.name].ready if c.name in rows else None,
                "desired": rows[c.name].desired if c.name in rows else None,
            } for c in changes],
            "wait": None if outcome is None else {"ready": list(outcome.ready), "not_ready": why_not,
                                                  "seconds": round(outcome.seconds, 3)},
            "rolled_back": [{"deployment": r.name, "from": r.before, "to": r.after, "error": r.error}
                            for r in rolled.values()],
        })
    else:
        if not changes:
            print("nothing to do" + (": no deployment has a recorded count" if args.restore else ""),
                  file=sys.stderr)
        else:
            print(table(("Deployment", "Replicas", "Status"),
                        [(c.name, f"{c.before} → {c.after}", status(c)) for c in changes]))
        if stopped:
            made = sum(c.ok for c in changes)
            back = sum(r.ok for r in rolled.values())
            print(f"stopped: {made} of {counted(len(changes), 'change')} made, "
                  + (f"{back} rolled back" if rolled else "nothing rolled back")
                  + (f"; {counted(len(outcome.not_ready), 'deployment')} not known to be ready"
                     if outcome is not None and not outcome.ok else ""), file=sys.stderr)
        elif outcome is not None and timed_out:
            waited = settings.scale_timeout if args.timeout is None else args.timeout
            print(f"error: timed out after {waited:g}s: {counted(len(outcome.not_ready), 'deployment')} "
                  "not ready" + (f"; {rolled_back(sum(r.ok for r in rolled.values()))}" if rolled else ""),
                  file=sys.stderr)
    return code
