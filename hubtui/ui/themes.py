"""The `theme` config key's check, light enough to run before hubtui connects (it imports Textual's theme list,
not the app and its screens)."""

from __future__ import annotations

from collections.abc import Mapping


def check_theme(name: str, source: str = "", known: Mapping[str, object] | None = None) -> None:
    """A UsageError (one line, naming where the `theme` key was set) unless `name` is one of the `known`
    themes (default: Textual's own, the ones hubtui offers): checked before hubtui connects to anything."""
    from textual.theme import BUILTIN_THEMES

    from ..errors import UsageError

    known = BUILTIN_THEMES if known is None else known
    if name not in known:
        where = f"{source}: " if source else ""
        raise UsageError(f"{where}theme {name!r} is not a theme (known: {', '.join(sorted(known))})")
