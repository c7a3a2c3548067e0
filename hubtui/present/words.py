"""Small wording helpers every presenter shares."""


def counted(n: int, noun: str) -> str:
    """`1 deployment`, `0 deployments`, `3 deployments` (nouns with a plain plural only)."""
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"
