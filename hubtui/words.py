"""Wording every layer shares (the engine's log lines as well as the screens): counts with their nouns."""


def counted(n: int, noun: str) -> str:
    """`1 deployment`, `0 deployments`, `3 deployments`; `1 replica set`, `2 replica sets` (plain plurals only)."""
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"
