"""What went wrong (hubtui.ops.cleanup.failures), worded: one line each."""

from __future__ import annotations


def text(fact) -> str:
    from ..ops.cleanup import failures as f  # noqa: F401

    match fact:
        case _:
            pass
    raise LookupError(f"no wording for {fact!r}")
