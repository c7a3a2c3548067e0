"""A screen that is one table: a title bar, the table, a message line and the footer, with Esc back and ? for
the keys. The fleet, its versions and the session recordings are such screens."""

from __future__ import annotations

from typing import ClassVar

from rich.markup import escape
from textual.app import ComposeResult
from textual.widgets import DataTable, Static

from ..actions import help_rows
from ..widgets.footer import HubFooter
from ..widgets.titlebar import TitleBar
from .base import HubScreen
from .modals import Help


class TableScreen(HubScreen):
    ACTION_SCREEN: ClassVar[str] = ""  # its entry in the action table (ui/actions.py): its keys and their help
    HELP_TITLE: ClassVar[str] = "Keys"
    DEFAULT_CSS = """
    TableScreen #titlebar { height: 1; background: $primary; color: $text; }
    TableScreen .screen-table { height: 1fr; }
    TableScreen #message { height: auto; max-height: 2; padding: 0 1; color: $text-muted; }
    """

    def make_table(self) -> DataTable:
        """The screen's table (it is given the class screen-table, which makes it fill the screen)."""
        raise NotImplementedError

    def compose(self) -> ComposeResult:
        yield TitleBar(id="titlebar")
        table = self.make_table()
        table.add_class("screen-table")
        yield table
        yield Static("", id="message")
        yield HubFooter()

    def say(self, text: str) -> None:
        """The message line, as plain text (a context's or a file's name is never read as markup)."""
        self.query_one("#message", Static).update(escape(text))

    def action_back(self) -> None:
        """Esc: back to the screen this one was opened from; on hubtui's first screen, say how to quit (as a
        notification: a live screen's message line is soon drawn over)."""
        if len(self.app.screen_stack) > 2:
            self.app.pop_screen()
        else:
            self.notify("this is hubtui's first screen: q quits", timeout=3)

    def action_help(self) -> None:
        self.app.push_screen(Help(self.HELP_TITLE, help_rows(self.ACTION_SCREEN)))
