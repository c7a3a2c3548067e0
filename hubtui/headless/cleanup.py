"""`hubtui cleanup`: the old destroy.sh / `llm-analytics utils cleanup`. For now it plans (--dry-run)."""

from __future__ import annotations

import argparse
import json
import sys

from ..errors import HubError
from ..settings import Settings


def add_parser(sub, parents) -> None:
    p = sub.add_parser("cleanup", parents=parents, help="plan the destruction of an environment (--dry-run)",
                       description="Discover what an environment has and show the exact plan. Running the "
                                   "teardown itself is not available yet: only --dry-run works.")
    p.add_argument("-e", "--environment", required=True, help="dev, staging, production, or any name")
    p.add_argument("-p", "--provider", required=True, help="aws, gcp, azure or k8s")
    p.add_argument("--additional-namespaces", action="append", default=[], metavar="NS[,NS...]",
                   help="more namespaces to delete (comma-separated, repeatable)")
    p.add_argument("--force", action="store_true", help="skip the confirmations")
    p.add_argument("--skip-backup", action="store_true", help="take no backup first")
    p.add_argument("--k8s-only", action="store_true", help="leave the cloud resources alone")
    p.add_argument("--dry-run", action="store_true", help="show the plan; change nothing")
    p.add_argument("--json", action="store_true", help="print the plan as JSON")
    p.set_defaults(run=run)


def run(args: argparse.Namespace, settings: Settings) -> int:
    from ..kube.client import connect
    from ..ops.cleanup.plan import CleanupOptions, discover, validate

    extra = tuple(n.strip() for chunk in args.additional_namespaces for n in chunk.split(",") if n.strip())
    opts = validate(CleanupOptions(environment=args.environment, provider=args.provider,
                                   namespace=settings.namespace, additional_namespaces=extra, force=args.force,
                                   skip_backup=args.skip_backup, k8s_only=args.k8s_only, dry_run=args.dry_run))
    if not args.dry_run:
        raise HubError("running the teardown is not available in this version yet: use --dry-run to see "
                       "the plan; nothing was changed")
    conn = connect(settings)
    try:
        plan = discover(conn, opts)
    finally:
        conn.close()
    path = plan.save(settings.state_dir)
    if args.json:
        print(json.dumps({"hash": plan.hash, "plan_file": str(path), **plan.body()}, indent=2))
    else:
        print(plan.render())
        print(f"\ndry run: nothing was changed (plan saved to {path})", file=sys.stderr)
    return 0
