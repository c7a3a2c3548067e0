"""What went wrong (hubtui.cloud.failures), worded: one line each."""

from __future__ import annotations


def text(fact) -> str:
    from ..cloud import failures as f  # noqa: F401

    match fact:
        case _:
            pass
    raise LookupError(f"no wording for {fact!r}")
