"""A Progress count in words. Apart from present/events.py: a scale that shows its pace on a terminal loads no
cleanup facts (hubtui/facts.py) to say it."""

from __future__ import annotations

from ..events import Pace, Progress, Ready
from ..words import counted


def progress_text(event: Progress) -> str:
    """`3/12 · aws: eks-cluster x: deleted`: the count, and what it is of (the count alone when nothing is
    said of it)."""
    words = count_words(event.said)
    count = f"{event.done}/{event.total}"
    if not event.total:
        return words
    if words and all(isinstance(f, Ready) for f in event.said):
        return f"{count} {words}"  # `3/5 ready`
    return f"{count} · {words}" if words else count


def count_words(said: tuple[object, ...]) -> str:
    """What a count is of, without the count: `2 pods left`."""
    return " · ".join(w for w in map(counted_text, said) if w)


def counted_text(fact: object) -> str:
    """What a Progress count is of, in words: a scale's pace and readiness (hubtui/events.py, loaded with
    every scale), or a cleanup step's (hubtui/facts.py, loaded only when a cleanup reports one)."""
    if isinstance(fact, Pace):
        return f"{fact.per_second:.0f}/s · ETA {fact.eta:.0f}s"
    if isinstance(fact, Ready):
        return "ready"
    from ..facts import NamespacesTerminating, PodsLeft, ResourceEnded, Waiting

    if isinstance(fact, PodsLeft):
        return f"{counted(fact.count, 'pod')} left"
    if isinstance(fact, NamespacesTerminating):
        return f"{counted(fact.count, 'namespace')} terminating"
    if isinstance(fact, Waiting):
        return f"{fact.step}: waiting ({fact.seconds}s)"
    if isinstance(fact, ResourceEnded):
        return f"{fact.label}: {fact.outcome}"
    return str(fact)
