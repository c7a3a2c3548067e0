"""What the UI tests share: waiting for the app under a pilot, and reading its table."""

from __future__ import annotations

from textual.widgets import DataTable


async def until(pilot, check, tries: int = 200, what: str = "condition") -> None:
    """Let the app run (20 ms a try) until check() holds; AssertionError naming `what` after `tries` tries."""
    for _ in range(tries):
        if check():
            return
        await pilot.pause(0.02)
    raise AssertionError(f"timed out waiting for {what}")


def table(app) -> DataTable:
    """The current screen's table (the deployments, or the detail's first)."""
    return app.screen.query_one(DataTable)


def rendered_text(widget) -> str:
    """The lines a widget draws, as plain text (a Rich table's cells included), at the size it has on screen."""
    from textual.geometry import Region

    lines = widget.render_lines(Region(0, 0, widget.outer_size.width, widget.outer_size.height))
    return "\n".join(line.text.rstrip() for line in lines)
