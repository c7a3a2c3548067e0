"""The connect screen: the three stores with the pod each resolves to; Enter hands the terminal over."""

from __future__ import annotations

import time

from typing import TYPE_CHECKING, ClassVar

from rich.markup import escape
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import DataTable, Static

from ...ops.connect import TARGETS, PodChoice
from ..actions import bindings, help_rows
from ..backend import ConnectSource
from ..styles import styled
from .modals import Help
from ..widgets.fitted_table import FittedTable
from ..widgets.footer import HubFooter
from ..widgets.titlebar import TitleBar
from .base import HubScreen

if TYPE_CHECKING:
    pass

HELP = help_rows("connect")
# In a browser (`hubtui serve`) the app has no terminal to hand over: the pty bridge needs a real one.
IN_BROWSER = ("[b $warning]connect needs a real terminal:[/] this hubtui runs in a browser, which cannot be handed "
              "to psql, redis-cli or a shell. In a terminal, run [b]hubtui connect {target}[/]")


COLUMNS = (("target", "Store"), ("pod", "Pod"), ("container", "Container"), ("state", "State"))


class TargetTable(FittedTable):
    """The stores, one row each. Enter on the table connects, through the table's own binding: it is then
    resolved in turn with ↑ ↓ typed before it (a priority binding on the screen ran as soon as it was read, and
    ↓ ↓ Enter typed at once connected to the first store)."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("enter", "screen.connect", "Connect", show=False)]


class ConnectScreen(HubScreen):
    ACTION_SCREEN = "connect"  # its entry in the action table (ui/actions.py)
    BINDINGS: ClassVar[list[BindingType]] = list(bindings("connect"))

    def __init__(self, backend: ConnectSource):
        super().__init__()
        self.backend = backend
        self.found: dict[str, PodChoice | str] = {}
        self.last_session = ""
        self.connecting = False  # one session at a time: a second Enter while preparing does nothing
        self.preparing = ""  # the store being prepared


    def compose(self) -> ComposeResult:
        yield TitleBar(id="titlebar")
        yield TargetTable(id="targets", cursor_type="row")
        yield Static("looking up the pods…", id="message")
        yield HubFooter()

    looked = 0  # lookups shown so far

    def on_mount(self) -> None:
        self.query_one(TitleBar).show("Connect", [("context", self.backend.context),
                                                  ("namespace", self.backend.namespace)],
                                      readonly=bool(self.backend.readonly_reason()))
        table = self.query_one(TargetTable)
        table.fit(COLUMNS, {key: (t.title, "…", "", "") for key, t in TARGETS.items()})
        table.focus()
        self.action_lookup()

    @work(thread=True, exclusive=True, exit_on_error=False, group="connect-lookup", name="pod lookup")
    def action_lookup(self) -> None:
        self.app.call_from_thread(self.say, "looking for the stores' pods…")
        self.app.call_from_thread(self.show, self.backend.connect_candidates())  # a failure: worker_failed

    def worker_failed(self, worker, message: str) -> None:
        """Any failure of a worker of this screen (ui/workers.py): one line, and Enter works again."""
        if worker.group == "connect-plan":
            self.failed(self.preparing, message)
        else:
            self.say(f"[b $error]error:[/] {escape(message)}")

    def show(self, found: dict[str, PodChoice | str]) -> None:
        self.found = found
        table = self.query_one(TargetTable)
        rows: dict[str, tuple] = {}
        for key, t in TARGETS.items():
            choice = found.get(key)
            if choice is None:
                rows[key] = (t.title, "…", "", "")
            elif isinstance(choice, PodChoice):
                rows[key] = (t.title, choice.name, choice.container, styled("Running, ready", "hub.ok"))
            else:
                rows[key] = (t.title, "-", "", styled(choice, "hub.error"))
        cursor = table.cursor_row
        if table.fit(COLUMNS, rows):
            table.move_cursor(row=cursor, animate=False)
        self.looked += 1
        ready = [TARGETS[k].title for k, c in found.items() if isinstance(c, PodChoice)]
        missing = [TARGETS[k].title for k, c in found.items() if not isinstance(c, PodChoice)]
        # what this lookup found, said each time (F5 looks again: the time says it did)
        seen = (f"{'looked again at ' + time.strftime('%H:%M:%S') if self.looked > 1 else 'found'}: "
                f"{len(ready)} of {len(found)} ready" + (f" (not {', '.join(missing)})" if missing else ""))
        if self.app.is_web:
            self.say(f"{seen} · " + IN_BROWSER.format(target="|".join(TARGETS)))
            return
        hint = "Enter connects · Ctrl-] in a session comes back"
        self.say(" · ".join(part for part in (self.last_session, seen, hint) if part))

    def say(self, text: str) -> None:
        self.query_one("#message", Static).update(text)

    def selected(self) -> str:
        table = self.query_one(DataTable)
        return str(table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value)

    def action_connect_local(self) -> None:
        self.action_connect(local=True)

    def action_connect(self, local: bool = False) -> None:
        if self.connecting:
            return
        key = self.selected()
        choice = self.found.get(key)
        if isinstance(choice, str):
            self.notify(choice, title=f"cannot connect to {TARGETS[key].title}", severity="error", timeout=8)
            return
        if self.app.is_web:  # nothing is planned (no secret read): the session could not be shown here
            self.say(IN_BROWSER.format(target=key))
            self.notify(f"run `hubtui connect {key}` in a terminal: a browser cannot be handed to a session",
                        title="connect needs a real terminal", severity="warning", timeout=8)
            return
        self.connecting, self.preparing = True, key
        self.say(f"preparing the {TARGETS[key].title} session{' (local client, port-forward)' if local else ''}…")
        self.prepare(key, local)

    @work(thread=True, exclusive=True, exit_on_error=False, group="connect-plan", name="connect")
    def prepare(self, key: str, local: bool = False) -> None:
        # any failure (a HubError or a bug) is one line through worker_failed, and never leaves the screen
        # "connecting"
        self.app.call_from_thread(self.start_session, self.backend.connect_plan(key, local=local))

    def start_session(self, plan) -> None:
        if not self.is_attached or self.app.screen is not self:  # the operator left meanwhile
            self.connecting = False
            return
        self.hub.hand_over(plan, self.session_done)

    def failed(self, key: str, message: str) -> None:
        self.connecting = False
        self.say(f"[b $error]cannot connect to {TARGETS[key].title}:[/] {escape(message)}")

    def session_done(self, summary: str, ok: bool) -> None:
        self.connecting = False
        self.last_session = escape(summary) if ok else f"[b $error]{escape(summary)}[/]"
        self.say(self.last_session)
        self.notify(summary, severity="information" if ok else "error", timeout=8)
        self.action_lookup()

    def action_back(self) -> None:
        self.app.pop_screen()

    def action_help(self) -> None:
        self.app.push_screen(Help("Connect — keys", HELP))
