"""`hubtui cleanup`: the old destroy.sh / `llm-analytics utils cleanup`, on hubtui's engine.

On a terminal it asks the same typed-phrase questions as the TUI, in the same order. Without a terminal, or
with --json, it refuses to destroy anything unless --force (or --dry-run) is given.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
import threading
import time

from ..errors import EXIT_FAILURE, EXIT_OK, UsageError
from ..events import Event, Progress
from ..paths import tilde
from ..settings import Settings
from .output import EventPrinter, StopOnSignals, say


def add_parser(sub, parents) -> None:
    p = sub.add_parser("cleanup", parents=parents, help="destroy an environment (plan, confirm, back up, tear down)",
                       description="Discover what an environment has, show the exact plan, ask for typed "
                                   "confirmation, back up the data, then drain, delete the namespaces, tear down "
                                   "the cloud resources and forget the local state. A run that stops part-way "
                                   "is resumed by running the same command again.")
    p.add_argument("-e", "--environment", required=True, help="dev, staging, production, or any name")
    p.add_argument("-p", "--provider", required=True, help="aws, gcp, azure or k8s")
    p.add_argument("--additional-namespaces", action="append", default=[], metavar="NS[,NS...]",
                   help="more namespaces to delete (comma-separated, repeatable)")
    p.add_argument("--force", action="store_true",
                   help="skip the confirmations (needed without a terminal; recorded in the audit log)")
    p.add_argument("--skip-backup", action="store_true", help="take no backup first")
    p.add_argument("--k8s-only", action="store_true", help="leave the cloud resources alone")
    p.add_argument("--dry-run", action="store_true", help="show the plan; change nothing")
    p.add_argument("--include-tag-matches", action="store_true",
                   help="also delete the cloud resources that match the environment by tag only (listed in the "
                        "plan as not included; asked separately on a terminal)")
    p.add_argument("--include-shared-infra", action="store_true",
                   help="also delete monitoring / cert-manager / ingress-nginx when other namespaces still use them")
    p.add_argument("--context-name", metavar="NAME",
                   help="with --force, on a cluster where nothing shows it is the environment's: repeat the "
                        "kube context's name")
    p.add_argument("--disable-deletion-protection", action="store_true",
                   help="with --force: switch off deletion protection on the planned databases (on a terminal, "
                        "you are asked instead)")
    out = p.add_mutually_exclusive_group()  # as `hubtui scale` has them
    out.add_argument("--json", action="store_true",
                     help="print one JSON document: the plan (and, when run, its summary); the log stays on stderr")
    out.add_argument("--ndjson", action="store_true",
                     help="stream NDJSON: the plan, every event of the run, then the summary")
    p.set_defaults(run=run)


def options_from(args: argparse.Namespace, settings: Settings):
    from ..ops.cleanup.plan import CleanupOptions, validate

    extra = tuple(n.strip() for chunk in args.additional_namespaces for n in chunk.split(",") if n.strip())
    return validate(CleanupOptions(environment=args.environment, provider=args.provider,
                                   namespace=settings.namespace, namespace_from=settings.namespace_from,
                                   additional_namespaces=extra, force=args.force,
                                   skip_backup=args.skip_backup, k8s_only=args.k8s_only, dry_run=args.dry_run,
                                   include_tag_matches=args.include_tag_matches,
                                   include_shared_infra=args.include_shared_infra))


class CleanupPrinter(EventPrinter):
    """The run's events: NDJSON on stdout as every runner prints them, or, for a person, every step and log
    line on stderr (a cleanup's log is what the operator watches), with progress at most every 2 s."""

    def __init__(self, ndjson: bool):
        super().__init__(ndjson=ndjson)
        self._last_progress: dict[str, tuple[tuple[object, ...], float]] = {}

    def __call__(self, event: Event, context: str | None = None) -> None:
        if self.ndjson:
            super().__call__(event, context)
            return
        with self._lock:
            line = self._line(event)
            if line:
                try:
                    print(line, file=self.err, flush=True)
                except OSError:  # the terminal went away (SIGHUP): the run goes on to its safe point
                    pass

    def _line(self, event: Event) -> str | None:
        from ..present.events import event_line  # with the run: not for every command's parser
        from ..present.progress import progress_text

        if isinstance(event, Progress):  # at most every 2 s per step, and only when what it says changed
            said, at = self._last_progress.get(event.step, ((), 0.0))
            now = time.monotonic()
            if event.said and event.said != said and now - at >= 2:
                self._last_progress[event.step] = (event.said, now)
                return f"    … {progress_text(event)}"
            return None
        line = event_line(event)
        return line[0] if line else None


def _ask(question: str) -> str:
    """One typed answer. What was typed (or pasted) before the question is thrown away first, so that a
    pasted runbook's `yes` cannot answer a question it never saw."""
    flush_type_ahead()
    try:
        return input(question.rstrip() + " ")
    except EOFError:
        return ""


def flush_type_ahead() -> None:
    if sys.stdin.isatty():
        import termios

        with contextlib.suppress(OSError, termios.error):
            termios.tcflush(sys.stdin.fileno(), termios.TCIFLUSH)


class TerminalAsker:
    """The session's questions on a terminal (hubtui.ops.cleanup.session): typed answers on stdin, lines on
    stderr."""

    def choose(self, ask) -> str | None:
        from ..present.session import question

        q = question(ask)
        print(f"{q.title}: {q.body}", file=sys.stderr)
        return q.key(_ask(q.prompt()))

    def type_phrase(self, ask) -> str | None:
        from ..present.session import phrase_question

        return _ask(phrase_question(ask) + ":")

    def say(self, ask) -> None:
        from ..present.session import said

        print(said(ask), file=sys.stderr)


def run(args: argparse.Namespace, settings: Settings) -> int:
    from ..kube.client import connect
    from ..ops.cleanup.session import CleanupSession, ClusterCleanup, converse

    opts = options_from(args, settings)
    if args.disable_deletion_protection and not args.force:
        raise UsageError("--disable-deletion-protection goes with --force (without it you are asked)")
    machine = args.json or args.ndjson  # output for a program: nobody to ask
    interactive = sys.stdin.isatty() and sys.stdout.isatty() and not machine
    if not args.dry_run and not args.force and not interactive:
        why = (f"--{'json' if args.json else 'ndjson'} was given" if machine else "there is no terminal to ask on")
        raise UsageError(f"refusing to destroy '{opts.environment}' without confirmation ({why}): pass --force to "
                         "skip the confirmations, or --dry-run to see the plan; nothing was changed")

    from ..present.plan import plan_json, render_text  # the planner: imported by the command, not by the parser

    conn = connect(settings, interactive=True)
    asker = TerminalAsker()
    try:
        with CleanupSession(ClusterCleanup(conn, settings), opts, force=args.force, context_name=args.context_name,
                            disable_protection=args.disable_deletion_protection) as session:
            plan = converse(session.prepare(), asker)  # read-only check, lock and lease, a pending run, the plan
            plan_file = session.plan_file
            if args.json and args.dry_run:
                print(json.dumps({"hash": plan.hash, "plan_file": str(plan_file), **plan_json(plan)}, indent=2))
            elif args.ndjson:
                print(json.dumps({"event": "Plan", "hash": plan.hash, "plan_file": str(plan_file), **plan_json(plan)}),
                      flush=True)
            elif args.json:
                print(f"plan {plan.hash[:12]} saved to {tilde(plan_file)}", file=sys.stderr)
            else:

                print(render_text(plan))
            if args.dry_run:
                if not machine:
                    print(f"\ndry run: nothing was changed (plan saved to {tilde(plan_file)})", file=sys.stderr)
                return EXIT_OK
            if not args.force:
                print(file=sys.stderr)
            converse(session.confirm(), asker)  # the typed phrases and deletion protection (or --force's checks)
            summary = _run_with_ctrl_c(session, CleanupPrinter(ndjson=args.ndjson))
    finally:
        conn.close()
    from ..present.summary import as_dict, render

    if args.ndjson:
        print(json.dumps({"event": "Summary", **as_dict(summary)}), flush=True)
    elif args.json:  # one document, as `hubtui scale --json` prints: the plan that ran and how it went
        print(json.dumps({"hash": plan.hash, "plan_file": str(plan_file), "plan": plan_json(plan),
                          "summary": as_dict(summary)}, indent=2), flush=True)
    else:
        print("\n" + render(summary))
    return EXIT_OK if summary.ok else EXIT_FAILURE


def _run_with_ctrl_c(session, emit):
    """The first Ctrl-C asks the run to stop at the next safe point; a second one stops it at once (the
    journal still lets a later run resume). The terminal closing (SIGHUP) or a SIGTERM stop it at the next
    safe point too: a cleanup never goes on without someone to see it, nor dies at a random point."""
    cancel = threading.Event()
    try:
        with StopOnSignals(cancel, first="cancelling at the next safe point (Ctrl-C again to stop at once)",
                           terminated="stopping at the next safe point", hang_up=True):
            return session.run(emit=emit, cancel=cancel)
    except KeyboardInterrupt as stop:
        say("\nstopped at once: run the same cleanup again to resume it")
        for line in unrecorded_lines(stop):
            say(line)
        raise


def unrecorded_lines(stop: BaseException) -> list[str]:
    """What a hard stop could not record (cloud.base.StoppedAtOnce), a line each. A further Ctrl-C while the run
    was ending (its lock let go) raised another stop: the first one is found in the chain."""
    from ..audit import AuditError
    from ..errors import said
    from ..cloud.failures import ErrorLine

    seen: BaseException | None = stop
    while seen is not None and not hasattr(seen, "unrecorded"):
        seen = seen.__context__
    lines = []
    for item in getattr(seen, "unrecorded", ()):
        error = item.error
        if isinstance(error, AuditError) and error.log is not None:  # the run writes the journal's line first
            lines.append(f"the audit log misses the end of {item.label}: cannot write {tilde(error.log)} "
                         f"({error.reason}); the journal has it, for the next run")
        elif error is not None:
            lines.append(f"the end of {item.label} is not recorded: {said(ErrorLine(error))}")
        else:
            lines.append(f"the end of {item.label} is not recorded: stopped again before it was")
    return lines
