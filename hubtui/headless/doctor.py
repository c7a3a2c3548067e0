"""`hubtui doctor`: what this machine has for hubtui, checked read-only, in one screenful."""

from __future__ import annotations

import argparse
import json

from ..errors import EXIT_FAILURE, EXIT_OK
from ..settings import Settings


def add_parser(sub, parents) -> None:
    p = sub.add_parser("doctor", parents=parents, help="check, read-only, what hubtui needs here",
                       description="Checks the kubeconfig and the context, your rights for what hubtui does, the "
                                   "cloud SDKs and credentials, the local clients and hubtui's folders. Each line "
                                   "is ✓ or what to do; exit 1 when something hubtui needs is missing.")
    p.add_argument("--json", action="store_true", help="the checks as JSON")
    p.set_defaults(run=run, despite_config=True)  # a config file that cannot be read is one of its checks


def run(args: argparse.Namespace, settings: Settings) -> int:
    from ..events import named
    from ..ops.doctor import checks
    from ..present.doctor import words

    found = checks(settings, config_problem=getattr(args, "config_problem", None))
    failed = [c for c in found if not c.ok and c.needed]
    said = [words(c) for c in found]
    if args.json:
        print(json.dumps({"ok": not failed, "checks": [{"ok": c.ok, "needed": c.needed, "group": c.group,
                                                         "text": text, "fix": fix or None, **named(c.fact)}
                                                        for c, (text, fix) in zip(found, said)]}, indent=2))
    else:
        for c, (text, fix) in zip(found, said):
            mark = "✓" if c.ok else ("✗" if c.needed else "!")
            print(f"{mark} {text}" + (f": {fix}" if fix else ""))
        from ..words import counted

        missing = f"{counted(len(failed), 'thing')} hubtui needs {'is' if len(failed) == 1 else 'are'} missing"
        print(f"\n{missing if failed else 'everything hubtui needs is here'} (✗ needed, ! optional)")
    return EXIT_FAILURE if failed else EXIT_OK
