"""Read-only mode: one rule for both faces, enforced in the engine's checks before any change.

On with `--readonly`, `HUBTUI_READONLY=1`, `readonly = true` in the config file, or by itself when the
context's name matches one of the config file's `readonly_contexts` patterns (e.g. "*prod*"). Plans, dry
runs and reading stay allowed; scaling, restoring, destroying and the Redis / Kafka shells are refused; psql
opens in a read-only transaction.
"""

from __future__ import annotations

from .errors import UsageError
from .config import context_pattern


class ReadOnlyError(UsageError):
    """A change refused in read-only mode (exit 2, nothing changed)."""


def readonly_reason(settings, context: str | None) -> str | None:
    """Why read-only is on for this context (None: it is off)."""
    if settings.readonly:
        return settings.readonly_why or "read-only mode"
    pattern = context_pattern(context, settings.readonly_contexts)
    if pattern:
        return f"context {context} matches the read-only pattern {pattern!r} of the config file"
    return None
