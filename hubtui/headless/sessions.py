"""`hubtui sessions`: the connect sessions' recordings. With no option, the TUI lists them (Enter plays one);
--list prints them; --play plays one in this terminal."""

from __future__ import annotations

import argparse
import sys

from ..errors import UsageError
from ..settings import Settings


def add_parser(sub, parents) -> None:
    p = sub.add_parser("sessions", parents=parents, help="the recordings of connect sessions: list, play back",
                       description="Connect sessions are recorded as asciicast v2 files under the state folder "
                                   "(by default on production contexts). With no option the TUI lists them; "
                                   "Enter plays one back.")
    what = p.add_mutually_exclusive_group()
    what.add_argument("--list", action="store_true", help="print the recordings, newest first")
    what.add_argument("--play", metavar="FILE|N", help="play a recording here (a file, or N from --list)")
    p.add_argument("--speed", type=float, default=1.0, metavar="X", help="play X times faster (default 1)")
    p.set_defaults(run=run, screen=for_the_screen)


def for_the_screen(args: argparse.Namespace, settings: Settings):
    """No option: the TUI's sessions screen (__main__ opens it); else None, and run() does the work."""
    return None if (args.list or args.play) else ("sessions", None)


def pick(settings: Settings, which: str):
    from pathlib import Path

    from ..term.recording import listing

    found = listing(settings.state_dir)
    if which.isdigit():
        n = int(which)
        if not 1 <= n <= len(found):
            raise UsageError(f"there is no recording {n} (there are {len(found)}: hubtui sessions --list)")
        return found[n - 1].path
    path = Path(which).expanduser()
    if not path.exists():
        raise UsageError(f"no recording at {which}")
    return path


def run(args: argparse.Namespace, settings: Settings) -> int:
    from ..paths import tilde
    from ..term.recording import listing, play
    from .output import table

    if not 0 < args.speed <= 1000:
        raise UsageError("--speed must be above 0 (at most 1000)")
    if args.play:
        path = pick(settings, args.play)
        try:
            play(path, speed=args.speed)
        except (OSError, ValueError) as e:
            raise UsageError(f"cannot play {tilde(path)}: {e}") from None
        except KeyboardInterrupt:
            pass
        return 0
    found = listing(settings.state_dir)
    if not found:
        print("no recordings yet (connect sessions on production contexts are recorded; --record records one)",
              file=sys.stderr)
        return 0
    print(table(("#", "Started (UTC)", "Context", "Store", "Length", "Input", "File"),
                [(str(i), r.started.strftime("%Y-%m-%d %H:%M:%S"), r.context, r.store, f"{r.seconds:.0f} s",
                  "kept" if r.has_input else "-", r.path.name) for i, r in enumerate(found, 1)]))
    return 0
