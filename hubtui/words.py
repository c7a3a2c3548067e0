"""Wording every layer shares (the engine's log lines and errors as well as the screens): counts with their nouns,
and ages."""


def counted(n: int, noun: str) -> str:
    """`1 deployment`, `0 deployments`, `3 deployments`; `1 replica set`, `2 replica sets` (plain plurals only)."""
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def human_age(seconds: float | None) -> str:
    """`3 d`, `2 h`, `5 min`, `40 s` (the largest whole unit); `an unknown time` for None."""
    if seconds is None:
        return "an unknown time"
    seconds = max(0, int(seconds))
    for unit, size in (("d", 86400), ("h", 3600), ("min", 60)):
        if seconds >= size:
            return f"{seconds // size} {unit}"
    return f"{seconds} s"


def rolled_back(n: int) -> str:
    """`1 deployment rolled back to the count it had`, `3 deployments rolled back, each to the count it had`."""
    return f"{counted(n, 'deployment')} rolled back" + (" to the count it had" if n == 1 else ", each to the count it had")
