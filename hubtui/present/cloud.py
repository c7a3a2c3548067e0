"""What came of one cloud resource in a teardown (cloud/base.py's ResourceOutcome.said), in words: the step's
✓ / ✗ line, the summary's lists, the journal's and the audit log's `detail`."""

from __future__ import annotations

from ..facts import (AlreadyGone, BlockedBy, CannotDelete, CloudError, CredentialsRefused, FinalBackupKept,
                     FinalSnapshot, FinishedBefore, HoldsUnplanned, JoinedEarlierDeletion, NoFinalSnapshot, NotReached,
                     PartGone, PartStillDeleting, PartsFailed, PartsLeft, ProtectionSwitchedOff, ResourceSaid, StillDeleting, StoppedBefore)

STOPPED_BEFORE = {"start": "cancelled before it started", "request": "cancelled before the delete request",
                  "accepted": "cancelled before the deletion was accepted",
                  "confirmed": "cancelled before it was confirmed deleted"}
# an EKS cluster's parts (cloud/aws.py's kinds), in the order they are said
PART_NOUNS = {"eks-nodegroup": "nodegroup", "eks-fargate-profile": "Fargate profile", "eks-addon": "add-on"}


def parts(kinds: tuple[str, ...]) -> str:
    """"nodegroups", "nodegroups and add-ons", "nodegroups, Fargate profiles and add-ons"."""
    words = [f"{PART_NOUNS.get(k, k)}s" for k in PART_NOUNS if k in set(kinds)]
    words += [f"{k}s" for k in dict.fromkeys(kinds) if k not in PART_NOUNS]
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} and {words[-1]}"


def resource_text(fact: ResourceSaid) -> str:
    if isinstance(fact, CloudError):
        return fact.text
    if isinstance(fact, NotReached):
        return "not reached"
    if isinstance(fact, StoppedBefore):
        return STOPPED_BEFORE.get(fact.point, f"cancelled before {fact.point}")
    if isinstance(fact, StillDeleting):
        return "cancelled after the delete request: " + (
            f"{fact.provider} is still deleting it" if fact.provider else "it may still be deleting")
    if isinstance(fact, FinishedBefore):
        return "finished in an earlier run"
    if isinstance(fact, ProtectionSwitchedOff):
        return "deletion protection switched off (confirmed)"
    if isinstance(fact, PartGone):
        return f"its {fact.what} was deleted"
    if isinstance(fact, PartStillDeleting):
        return f"its {fact.what} was being deleted when the run stopped: {fact.provider} may still be deleting it"
    if isinstance(fact, FinalSnapshot):
        if fact.check_error:
            return f"final snapshot {fact.name} (could not check it: {fact.check_error})"
        if not fact.listed:
            return f"final snapshot {fact.name} requested but NOT listed by AWS"
        return f"final snapshot {fact.name} ({fact.status or 'unknown'})"
    if isinstance(fact, NoFinalSnapshot):
        return f"no final {'backup' if fact.backup else 'snapshot'} (as chosen)"
    if isinstance(fact, FinalBackupKept):
        return f"Cloud SQL keeps its final backup {fact.days} days"
    if isinstance(fact, AlreadyGone):
        return "its deletion was already under way; now gone" if fact.was_deleting else "already gone"
    if isinstance(fact, JoinedEarlierDeletion):
        if fact.operation:
            return f"deleted (waited for operation {fact.operation}, which an earlier run started)"
        return "deleted (waited for the deletion an earlier run started)"
    if isinstance(fact, CannotDelete):
        return f"hubtui cannot delete a {fact.kind} on {fact.provider}"
    if isinstance(fact, HoldsUnplanned):
        more = f" and {fact.more} more" if fact.more else ""
        return f"it holds resources the plan did not show: {', '.join(fact.names)}{more}; nothing was deleted: plan again"
    if isinstance(fact, CredentialsRefused):
        return f"{fact.provider} credentials missing or refused: {fact.hint}"
    if isinstance(fact, PartsFailed):
        failed = ", ".join(f"{PART_NOUNS.get(k, k)} {n}" for k, n in zip(fact.failed_kinds, fact.failed))
        return f"{failed} failed: the cluster cannot go before its {parts(fact.kinds)}"
    if isinstance(fact, PartsLeft):
        return f"cancelled before its {parts(fact.kinds)} were gone"
    if isinstance(fact, BlockedBy):
        return f"{fact.label} was not deleted ({fact.outcome})"
    raise TypeError(f"no words for {fact!r}")


def resource_words(said: tuple) -> str:
    """A resource's facts in one line, one after the other."""
    return "; ".join(resource_text(f) for f in said)


def stopped(said: tuple) -> bool:
    """Whether what came of a resource is that the operator stopped the run (not that it failed)."""
    return any(isinstance(f, (StoppedBefore, StillDeleting, PartsLeft)) for f in said)
