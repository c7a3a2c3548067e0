"""The connect screen: the three stores with the pod each resolves to; Enter hands the terminal over."""

from __future__ import annotations

from rich.markup import escape
from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Static

from ...errors import HubError
from ...ops.connect import TARGETS, PodChoice
from ..actions import bindings, help_rows
from ..backend import Backend
from .modals import Help, readonly_badge

HELP = help_rows("connect")


class ConnectScreen(Screen):
    ACTION_SCREEN = "connect"  # its entry in the action table (ui/actions.py)
    BINDINGS = bindings("connect")

    def __init__(self, backend: Backend):
        super().__init__()
        self.backend = backend
        self.found: dict[str, PodChoice | str] = {}
        self.last_session = ""
        self.connecting = False  # one session at a time: a second Enter while preparing does nothing

    def compose(self) -> ComposeResult:
        yield Static(readonly_badge(self.backend) + f"[b]Connect[/]  ·  context [b]{self.backend.context}[/]  ·  "
                     f"namespace [b]{self.backend.namespace}[/]", id="titlebar")
        yield DataTable(id="targets", cursor_type="row")
        yield Static("looking up the pods…", id="message")
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        for key, label in (("target", "Store"), ("pod", "Pod"), ("container", "Container"), ("state", "State")):
            table.add_column(label, key=key)
        for key, t in TARGETS.items():
            table.add_row(t.title, "…", "", "", key=key)
        table.focus()
        self.action_lookup()

    @work(thread=True, exclusive=True, exit_on_error=False, group="connect-lookup")
    def action_lookup(self) -> None:
        try:
            found = self.backend.connect_candidates()
        except HubError as e:
            self.app.call_from_thread(self.say, f"[b red]error:[/] {escape(str(e))}")
            return
        self.app.call_from_thread(self.show, found)

    def show(self, found: dict[str, PodChoice | str]) -> None:
        self.found = found
        table = self.query_one(DataTable)
        for key, choice in found.items():
            if isinstance(choice, PodChoice):
                values = (choice.name, choice.container, Text("Running, ready", style="green"))
            else:
                values = ("-", "", Text(choice, style="red"))
            for col, value in zip(("pod", "container", "state"), values):
                table.update_cell(key, col, value, update_width=True)
        hint = "Enter connects · Ctrl-] inside a session brings you back"
        self.say(f"{self.last_session}  ·  {hint}" if self.last_session else hint)

    def say(self, text: str) -> None:
        self.query_one("#message", Static).update(text)

    def selected(self) -> str:
        table = self.query_one(DataTable)
        return str(table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value)

    def action_connect(self) -> None:
        if self.connecting:
            return
        key = self.selected()
        choice = self.found.get(key)
        if isinstance(choice, str):
            self.notify(choice, title=f"cannot connect to {TARGETS[key].title}", severity="error", timeout=8)
            return
        self.connecting = True
        self.say(f"preparing the {TARGETS[key].title} session…")
        self.prepare(key)

    @work(thread=True, exclusive=True, exit_on_error=False, group="connect-plan")
    def prepare(self, key: str) -> None:
        try:
            plan = self.backend.connect_plan(key)
        except HubError as e:
            self.app.call_from_thread(self.failed, key, str(e))
            return
        except Exception as e:  # noqa: BLE001 - a bug is one line too, and never leaves the screen "connecting"
            self.app.call_from_thread(self.failed, key, f"unexpected {type(e).__name__}: {e}")
            return
        self.app.call_from_thread(self.start_session, plan)

    def start_session(self, plan) -> None:
        if not self.is_attached or self.app.screen is not self:  # the operator left meanwhile
            self.connecting = False
            return
        self.app.hand_over(plan, self.session_done)

    def failed(self, key: str, message: str) -> None:
        self.connecting = False
        self.say(f"[b red]cannot connect to {TARGETS[key].title}:[/] {escape(message)}")
        self.notify(message, title="connect failed", severity="error", timeout=8)

    def session_done(self, summary: str, ok: bool) -> None:
        self.connecting = False
        self.last_session = escape(summary) if ok else f"[b red]{escape(summary)}[/]"
        self.say(self.last_session)
        self.notify(summary, severity="information" if ok else "error", timeout=8)
        self.action_lookup()

    def action_back(self) -> None:
        self.app.pop_screen()

    def action_help(self) -> None:
        self.app.push_screen(Help("Connect — keys", HELP))
