"""The recordings of connect sessions (hubtui/term/recording.py), newest first; Enter plays one back in this
terminal at its own speed (f: four times faster), and hubtui comes back when it ends or Ctrl-] is pressed."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from textual import work
from textual.binding import BindingType
from textual.widgets import DataTable

from ...paths import tilde
from ...term.recording import Recording, listing
from ..actions import bindings, table_bindings
from ..widgets.titlebar import TitleBar
from .table_screen import TableScreen


class RecordingTable(DataTable):
    BINDINGS: ClassVar[list[BindingType]] = table_bindings("sessions")


class SessionsScreen(TableScreen):
    ACTION_SCREEN = "sessions"
    HELP_TITLE = "Session recordings — keys"
    BINDINGS: ClassVar[list[BindingType]] = list(bindings("sessions"))

    def __init__(self, state_dir: Path | None):
        super().__init__()
        self.state_dir = state_dir
        self.found: list[Recording] = []

    def make_table(self) -> RecordingTable:
        return RecordingTable(id="recordings", cursor_type="row", zebra_stripes=True)

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
        from ...words import counted

        self.say(f"{counted(len(self.found), 'recording')} · Enter plays one back · f plays it 4× faster · Ctrl-] stops it"
                 if self.found else "no recordings yet: connect sessions on production contexts are recorded "
                                    "(hubtui connect --record records one anywhere)")

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
