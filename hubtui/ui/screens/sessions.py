"""The recordings of connect sessions (hubtui/term/recording.py), newest first; Enter plays one back in this
terminal at its own speed (f: four times faster), and hubtui comes back when it ends or Ctrl-] is pressed."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from rich.markup import escape
from textual import work
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.widgets import DataTable, Static

from ...paths import tilde
from ...term.recording import Recording, listing
from ..actions import bindings, help_rows, table_bindings
from ..widgets.footer import HubFooter
from ..widgets.titlebar import TitleBar
from .base import HubScreen
from .modals import Help


class RecordingTable(DataTable):
    BINDINGS: ClassVar[list[BindingType]] = table_bindings("sessions")


class SessionsScreen(HubScreen):
    ACTION_SCREEN = "sessions"
    BINDINGS: ClassVar[list[BindingType]] = list(bindings("sessions"))
    DEFAULT_CSS = """
    SessionsScreen #titlebar { height: 1; background: $primary; color: $text; }
    SessionsScreen #recordings { height: 1fr; }
    SessionsScreen #message { height: auto; max-height: 2; padding: 0 1; color: $text-muted; }
    """

    def __init__(self, state_dir: Path | None):
        super().__init__()
        self.state_dir = state_dir
        self.found: list[Recording] = []

    def compose(self) -> ComposeResult:
        yield TitleBar(id="titlebar")
        yield RecordingTable(id="recordings", cursor_type="row", zebra_stripes=True)
        yield Static("", id="message")
        yield HubFooter()

    def on_mount(self) -> None:
        table = self.query_one(RecordingTable)
        for key, label in (("started", "Started (UTC)"), ("context", "Context"), ("store", "Store"),
                           ("length", "Length"), ("input", "Input"), ("file", "File")):
            table.add_column(label, key=key)
        self.fill()
        table.focus()

    def fill(self) -> None:
        """The title now; the recordings are read off the UI thread (each file is read whole) and listed when
        they are."""
        self.query_one(TitleBar).show("hubtui · session recordings",
                                      [("in", tilde(self.state_dir / "recordings") if self.state_dir else "-")])
        self.say("reading the recordings…")
        self.read_recordings()

    @work(thread=True, exclusive=True, exit_on_error=False, group="recordings", name="recordings")
    def read_recordings(self) -> None:
        found = listing(self.state_dir) if self.state_dir is not None else []
        self.report(self.show, found)

    def show(self, found: list[Recording]) -> None:
        self.found = found
        table = self.query_one(RecordingTable)
        table.clear()
        for r in self.found:
            table.add_row(r.started.strftime("%Y-%m-%d %H:%M:%S"), r.context, r.store, f"{r.seconds:.0f} s",
                          "kept" if r.has_input else "-", r.path.name, key=str(r.path))
        self.say(f"{len(self.found)} recordings · Enter plays one back · f plays it 4× faster · Ctrl-] stops it"
                 if self.found else "no recordings yet: connect sessions on production contexts are recorded "
                                    "(hubtui connect --record records one anywhere)")

    def say(self, text: str) -> None:
        self.query_one("#message", Static).update(escape(text))

    def current(self) -> Recording | None:
        table = self.query_one(RecordingTable)
        if not self.found:
            return None
        return self.found[min(table.cursor_row, len(self.found) - 1)]

    def action_play(self, speed: float = 1.0) -> None:
        recording = self.current()
        if recording is None:
            return
        self.hub.play_recording(recording.path, speed, self.played)

    def action_play_fast(self) -> None:
        self.action_play(4.0)

    def played(self, text: str) -> None:
        self.say(text)

    def action_back(self) -> None:
        if len(self.app.screen_stack) > 2:
            self.app.pop_screen()
        else:
            self.say("this is hubtui's first screen: q quits")

    def action_help(self) -> None:
        self.app.push_screen(Help("Session recordings — keys", help_rows("sessions")))
