"""What came of a hub in a maintenance or restore across the fleet (ops/fleet.py's HubResult), as the fleet
screen's rows, `hubtui scale --contexts` and its JSON say it."""

from __future__ import annotations

from ..ops.fleet import (DONE, HUB_FAILED, MAYBE_PRODUCTION, NOT_A_HUB, NOT_READY, NOT_STARTED, READ_ONLY, REFUSED,
                         SAME_HUB, STOPPED, UNCONFIRMED, HubResult)
from ..words import counted
from .events import change_warning


def more(count: int) -> str:
    return f" (and {count} more)" if count > 0 else ""


def result_text(r: HubResult) -> str:
    """`done: 2 of 3 deployments changed, all ready in 4 s`, `failed: worker: …`, `refused: read-only (…)`."""
    if r.outcome == NOT_STARTED:
        return "not started: stopped"
    if r.outcome == REFUSED:
        if r.refused == READ_ONLY and r.through:
            return f"refused: read-only through {r.through}, the same hub (its server and namespace): {r.why}"
        return "refused: " + REFUSALS[r.refused].format(why=r.why, namespace=r.namespace, context=r.context)
    if r.outcome == SAME_HUB:
        if r.of_first == DONE:
            return f"the same hub as {r.why} (its server and namespace): changed once, there"
        return f"the same hub as {r.why} (its server and namespace): not changed here either ({r.of_first} there)"
    if r.outcome == HUB_FAILED:
        failed = [c for c in r.changes if not c.ok]
        if r.why or not failed:
            back = {c.name for c in r.rolled_back if c.ok}
            made = sum(c.ok and c.before != c.after and c.name not in back for c in r.changes)
            return f"failed: {r.why}" + (f" ({counted(made, 'deployment')} changed before it, not rolled back)"
                                          if made else "")
        return f"failed: {failed[0].name}: {failed[0].error}{more(len(failed) - 1)}"
    if r.outcome == NOT_READY:
        name, why = next(iter(reasons(r).items()), ("?", "?"))
        waited = r.seconds if r.seconds is not None else r.wait or 0
        text = f"not ready after {waited:.0f} s: {name}: {why}{more(len(r.not_ready or {}) - 1)}"
        if r.rolled_back:
            undone = [c for c in r.rolled_back if not c.ok]
            text += (f"; rolled back {sum(c.ok for c in r.rolled_back)} of {len(r.rolled_back)}"
                     + (f", NOT {undone[0].name}: {undone[0].error}" if undone else ""))
        return text
    if r.outcome == STOPPED:
        moved = sum(c.ok and c.before != c.after for c in r.changes)
        return (f"stopped while waiting: {moved} of {len(r.changes)} deployments changed, "
                f"{len(r.not_ready or {})} not known to be ready (nothing rolled back)")
    assert r.outcome == DONE, r.outcome
    if not r.changes:
        return "done: nothing to do"
    moved = sum(c.ok and c.before != c.after for c in r.changes)
    text = f"done: {moved} of {len(r.changes)} deployments {'would change' if r.dry_run else 'changed'}"
    return text + (f", all ready in {r.seconds:.0f} s" if r.seconds is not None else "")


REFUSALS = {
    READ_ONLY: "read-only ({why})",
    NOT_A_HUB: "namespace {namespace} comes from the context and is no hub's: name the hub's with -n",
    UNCONFIRMED: "a production hub, and its name was not confirmed",
    MAYBE_PRODUCTION: "its namespace's labels could not be read, so it may be production, and its name was not confirmed",
}


def reasons(r: HubResult) -> dict[str, str]:
    """Why each deployment of the hub is not ready, in the detail view's words."""
    if not r.not_ready:
        return {}
    from .detail import reasons_of

    return reasons_of(r)


def result_dict(r: HubResult) -> dict:
    """A hub's result as `hubtui scale --contexts … --json` gives it."""
    return {"context": r.context, "namespace": r.namespace, "ok": r.ok, "result": result_text(r),
            "outcome": r.outcome, "refused": r.refused or None, "same_hub_as": r.why if r.outcome == SAME_HUB else None,
            "readonly_through": r.through or None,
            "not_ready": None if r.not_ready is None else reasons(r),
            "rolled_back": [{"deployment": c.name, "from": c.before, "to": c.after, "error": c.error}
                            for c in r.rolled_back],
            "changes": [{"deployment": c.name, "from": c.before, "to": c.after, "error": c.error,
                         "warning": change_warning(c.warning)} for c in r.changes]}
