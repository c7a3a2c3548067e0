"""Paths as a person reads them: the home folder as `~` (TUI, CLI text and plans alike)."""

from __future__ import annotations

from pathlib import Path


def tilde(path) -> str:
    """`/root/.local/state/hubtui/x` -> `~/.local/state/hubtui/x`; other paths unchanged."""
    text = str(path)
    home = str(Path.home())
    if home not in ("", "/") and (text == home or text.startswith(home.rstrip("/") + "/")):
        return "~" + text[len(home.rstrip("/")):]
    return text
