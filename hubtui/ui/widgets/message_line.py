"""A one-line message that says when it is cut."""

from __future__ import annotations

from rich.cells import cell_len
from textual.app import RenderResult
from textual.content import Content
from textual.widgets import Static


class MessageLine(Static):
    """One line of text: one too long for it is cut inside the line and ends with `more` (where to read it
    whole), at the width the line has each time it is drawn (after a resize, or when what stands beside it
    grows). Set with `update()`, as a Static."""

    def __init__(self, more: str = " … (L: all of it)", **kwargs) -> None:
        super().__init__("", **kwargs)
        self.more = more

    def render(self) -> RenderResult:
        shown = self.visual
        width = self.content_region.width
        if isinstance(shown, Content) and width > cell_len(self.more) and shown.cell_length > width:
            return shown.truncate(width - cell_len(self.more)).rstrip().append_text(self.more, "bold")
        return shown
