"""Why the cleanup conversation stopped before anything changed (hubtui.ops.cleanup.refusals), worded once for
both faces: a Refused error holds the fact, and its line is `refused_text`'s (through hubtui.present.failures,
which hands it the facts of the conversation and of the evidence)."""

from __future__ import annotations

from ..paths import tilde
from ..words import human_age


def stale_text(stale) -> str:
    """Why an interrupted run may not be resumed (hubtui.ops.cleanup.refusals.Stale)."""
    from ..ops.cleanup.refusals import TooOld
    from .cleanup_failures import recreated

    if isinstance(stale, TooOld):
        return (f"it started {human_age(stale.age)} ago, more than {human_age(stale.max_age)}: the environment may "
                "have changed since its backup and drain")
    return recreated(stale.namespace, stale.uid, stale.planned)


def refused_text(fact) -> str:
    """The one line of a refusal: what stopped it, what to do; nothing was changed."""
    from ..ops.cleanup import refusals as r
    from ..ops.cleanup.evidence import ContraryFacts

    if isinstance(fact, ContraryFacts):
        from .evidence import refusal

        return refusal(fact.against, fact.environment, fact.context)
    if isinstance(fact, r.PendingUnusable):
        return (f"an interrupted cleanup of '{fact.environment}' is pending, but it cannot be resumed: {fact.why}; "
                f"run without --force on a terminal to set it aside, or move {fact.journal} away; nothing was "
                "changed")
    if isinstance(fact, r.PendingStays):
        return f"nothing was changed: the interrupted cleanup of '{fact.environment}' stays pending"
    if isinstance(fact, r.OptionsDiffer):
        differ = "; ".join(f"{option} {planned!r} (now {asked!r})" for option, planned, asked in fact.differ)
        return (f"an interrupted cleanup of '{fact.environment}' is pending with other options: {differ}. Run it "
                "with the same options to resume it; nothing was changed")
    if isinstance(fact, r.DryRunPlanOnly):
        return "a dry run's plan destroys nothing: plan again without dry run; nothing was changed"
    if isinstance(fact, r.ForceNeedsContext):
        given = f" (given {fact.given!r})" if fact.given else ""
        if fact.production:
            return (f"'{fact.environment}' is production: with --force, repeat the context's name with "
                    f"--context-name {fact.context}{given}; nothing was changed")
        return (f"nothing shows that context {fact.context} is '{fact.environment}''s cluster: with --force, "
                f"repeat its name with --context-name {fact.context}{given}; nothing was changed")
    if isinstance(fact, r.ForceNeedsNamespace):
        return (f"the main namespace {fact.namespace} comes from {fact.source} and is not labelled "
                f"environment={fact.environment}: with --force, name it with -n {fact.namespace}; nothing was "
                "changed")
    if isinstance(fact, r.NotConfirmed):
        return f"not confirmed (type exactly {fact.phrase!r}): nothing was changed" if fact.phrase else \
            "not confirmed: nothing was changed"
    if isinstance(fact, r.ProtectionStays):
        return f"deletion protection of {fact.resource} stays on: nothing was changed"
    if isinstance(fact, r.PendingFirst):
        return (f"an interrupted cleanup of '{fact.environment}' (plan {fact.plan_hash[:12]}) is pending: resume it "
                "or discard it first")
    if isinstance(fact, r.CannotResume):
        return (f"the interrupted cleanup of '{fact.environment}' cannot be resumed: {stale_text(fact.stale)}. "
                "Nothing was changed; plan again")
    if isinstance(fact, r.DrainUndone):
        more = f" and {len(fact.running) - 5} more" if len(fact.running) > 5 else ""
        return (f"the interrupted cleanup of '{fact.environment}' drained its namespaces, but "
                f"{', '.join(fact.running[:5])}{more} {'runs' if len(fact.running) == 1 else 'run'} there again: "
                "what it wrote since is in no backup, so the "
                "run is not resumed; set it aside and plan again (a new backup is taken); nothing was changed")
    if isinstance(fact, r.BackupGone):
        return (f"the backup of the interrupted cleanup of '{fact.environment}' is gone or empty "
                f"({', '.join(tilde(m) for m in fact.missing[:3])}), and the stores may be drained already: the "
                "run is not resumed without it; nothing was changed")
    raise TypeError(f"no words for {fact!r}")


text = refused_text  # hubtui.present.failures words a fact with its module's `text`
