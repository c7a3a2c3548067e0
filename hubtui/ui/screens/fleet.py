"""The fleet screen: every environment's hub on one screen, live (hubtui.ops.fleet), and maintenance across
the hubs selected. Enter opens a hub's deployments screen; Esc there comes back here, to a fleet that kept
running."""

from __future__ import annotations

import threading
import time
from typing import TYPE_CHECKING, ClassVar

from rich.cells import cell_len
from rich.text import Text
from textual import work
from textual.binding import BindingType
from textual.widgets import DataTable

from ...ops.fleet import FORBIDDEN, NO_HUB, UNAUTHORIZED, CONNECTING, LIVE, MAINTENANCE, RESTORE, Fleet, HubResult, HubView, act_on_hubs, hub_settings
from ...present.fleet import result_text
from ...words import counted, human_age
from ..actions import bindings, table_bindings
from ..live import Channel
from ..styles import styled
from ..widgets.fitted_table import same_cell as _same
from ..widgets.titlebar import TitleBar
from .table_screen import TableScreen
from .fleet_dialogs import FleetConfirm, VersionsScreen

if TYPE_CHECKING:
    from ..backend import Backend

COLUMNS = (("mark", " "), ("context", "Context"), ("env", "Env"), ("state", "State"), ("ready", "Ready"),
           ("maint", "Maint."), ("hpas", "HPAs"), ("changed", "Changed"), ("result", "Last action"),
           ("not_ready", "Not ready"), ("server", "Server"))
CHANGED = [key for key, _ in COLUMNS].index("changed")
STATE_STYLE = {LIVE: "hub.ok", CONNECTING: "dim"}
# the state's reason as its cell says it (Enter on the row, and `fleet --json`, give the whole line)
SHORT = {UNAUTHORIZED: "sign in again (401)", FORBIDDEN: "no right to list deployments (403)"}


class HubTable(DataTable):
    """The hubs, one row each. Enter and Space are the table's own bindings: resolved in turn with the ↑ ↓ typed
    before them (a burst selects the hub the cursor reached)."""

    BINDINGS: ClassVar[list[BindingType]] = table_bindings("fleet")


def _cut(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


class FleetScreen(TableScreen):
    ACTION_SCREEN = "fleet"
    HELP_TITLE = "Fleet — keys"
    BINDINGS: ClassVar[list[BindingType]] = list(bindings("fleet"))

    def __init__(self, fleet: Fleet):
        super().__init__()
        self.fleet = fleet
        self.selected: set[str] = set()
        self.running: threading.Event | None = None  # the cancel of an action across hubs, while it runs
        self.opening = False
        self.last_action = ""  # the last action's outcome, kept on the message line until the next one
        self.backend_before: Backend | None = None  # the app's backend when the fleet opened (given back on Esc)
        # a hub's row is a few cells: drawn up to 30 times a second, a change in a burst (the hubs coming live
        # together at the start) waits a 30th of a second for its frame, not a tenth
        self.live: Channel[str, HubView] = Channel(self, self.draw, fps=30)
        self._room = 0  # the Server column's width when the table was last filled
        self._widths: list[int] = []
        self._cells: dict[str, tuple] = {}  # each hub's cells as last drawn (the widths are measured from these)
        self._started = False  # every hub was drawn settled once (HubApp.started told)

    def make_table(self) -> HubTable:
        return HubTable(id="hubs", cursor_type="row", zebra_stripes=True)

    def on_mount(self) -> None:
        self.backend_before = getattr(self.hub, "backend", None)
        table = self.query_one(HubTable)
        # told of every change from now on, then filled with the views as they are: the fleet may have started
        # before the screen (`hubtui fleet` starts it while Textual loads), and no change falls between the two
        self.fleet.listeners.append(lambda view: self.live.put(view.context, view))
        self.fill()
        self.refresh_title()
        table.focus()
        self.fleet.start()
        self.set_interval(1.0, self.tick)  # the Changed ages
        self.say_summary()
        self.started_when_settled()

    def on_unmount(self) -> None:
        super().on_unmount()
        threading.Thread(target=self.fleet.stop, name="stop the fleet", daemon=True).start()

    def on_screen_resume(self) -> None:
        """Back from a hub's deployments: the app's backend is the one it had when the fleet opened."""
        if self.backend_before is not None:
            self.hub.backend = self.backend_before
        if self.opening:
            self.opening = False
            self.tell("")
        self.query_one(HubTable).focus()

    def refresh_title(self) -> None:
        views = self.fleet.views()
        namespaces = sorted({v.hub.namespace for v in views})
        self.query_one(TitleBar).show("hubtui · fleet", [
            ("hubs", str(len(views))),
            ("namespace", namespaces[0]) if len(namespaces) == 1 else ("namespaces", str(len(namespaces)))])

    # ----- drawing ---------------------------------------------------------------------------------------------
    def cells(self, view: HubView) -> tuple:
        mark = "✓" if view.context in self.selected else ""
        context = Text(view.context, style="bold")
        if view.production:
            context = styled(view.context, "hub.error")
        env = view.environment or "?"
        why = f"no namespace {view.hub.namespace}" if view.state == NO_HUB else SHORT.get(view.state, view.why)
        state = view.state if view.state in (LIVE, CONNECTING) else f"{view.state}: {why}"
        if view.state == LIVE and not view.synced:
            state = "listing…"
        state_cell = styled(_cut(state, 36), STATE_STYLE.get(view.state, "hub.error"))
        if view.readonly and view.state == LIVE:
            state_cell = Text.assemble(state_cell, " ", styled("read-only", "hub.warning"))
        shown = view.synced or view.rows
        ready = f"{view.ready}/{len(view.rows)}" if shown else "-"
        ready_cell = styled(ready, "hub.ok" if shown and view.ready == len(view.rows) else "hub.warning") \
            if shown else ready
        maint = str(view.in_maintenance) if shown else "-"
        hpas = str(view.hpas) if shown else "-"
        changed = human_age(time.time() - view.changed_at) if view.changed_at else "-"
        result = styled(_cut(view.result, 40), "hub.ok" if view.result_ok else "hub.error") if view.result else ""
        not_ready = _cut(", ".join(view.not_ready[:3]) + (f" +{len(view.not_ready) - 3}"
                                                           if len(view.not_ready) > 3 else ""), 40)
        return (mark, context, env, state_cell, ready_cell, maint, hpas, changed, result, not_ready, "")

    def widths(self) -> list[int]:
        """Each column's width but the server's, measured from the cells as last drawn (the header included)."""
        rows = [self._cells.get(v.context) or self._cell(v) for v in self.fleet.views()]
        return [max([cell_len(label)] + [r[i].cell_len if isinstance(r[i], Text) else cell_len(r[i]) for r in rows])
                for i, (_, label) in enumerate(COLUMNS[:-1])]

    def fill(self) -> None:
        """Every column afresh, each with the width its cells need now (set, never left for the table to work out
        later: a cell that grew was once shown cut to its column's old width), the servers cut to the room left."""
        table = self.query_one(HubTable)
        cursor = table.cursor_row
        table.clear(columns=True)
        self._cells = {v.context: self.cells(v) for v in self.fleet.views()}
        self._widths = self.widths()
        self._room = self.room()
        for (key, label), width in zip(COLUMNS[:-1], self._widths):
            table.add_column(label, key=key, width=width)
        table.add_column("Server" if self._room >= 12 else "", key="server", width=max(self._room, 0))
        for view in self.fleet.views():
            table.add_row(*self._cells[view.context][:-1], self.server_cell(view), key=view.context)
        table.move_cursor(row=cursor)

    def room(self) -> int:
        """The Server column's room: the table's width less the others' (an EKS endpoint is long: it is cut with
        an ellipsis, or left out below a dozen columns)."""
        table = self.query_one(HubTable)
        used = sum(w + 2 * table.cell_padding for w in self.widths())
        return (table.size.width or self.app.size.width) - used - 2 * table.cell_padding - 1

    def server_cell(self, view: HubView) -> str:
        """The server without its https:// (every API server has it)."""
        return _cut(view.hub.server.removeprefix("https://"), self._room) if self._room >= 12 else ""

    def on_resize(self) -> None:
        if self.is_mounted:
            self.fill()

    def _cell(self, view: HubView) -> tuple:
        """The hub's cells as they are now, kept as the ones drawn."""
        self._cells[view.context] = self.cells(view)
        return self._cells[view.context]

    def draw(self, views: dict[str, HubView]) -> None:
        """The rows of the hubs that changed, and only their cells that changed (the summary below too); when a
        column's cells need another width, the table is filled afresh with the new widths."""
        before = {context: self._cells.get(context) for context in views}
        for view in views.values():
            self._cell(view)
        if self.widths() != self._widths:
            self.fill()
        else:
            table = self.query_one(HubTable)
            for context, old in before.items():
                new = self._cells[context]
                for i, (key, _) in enumerate(COLUMNS[:-1]):
                    if old is None or not _same(new[i], old[i]):
                        table.update_cell(context, key, new[i])
        self.say_summary()
        self.started_when_settled()

    def started_when_settled(self) -> None:
        """Every hub drawn live, or failed (on mount, when they all were already): the app's start is over."""
        if not self._started and all(v.settled for v in self.fleet.views()):
            self._started = True
            self.call_after_refresh(self.hub.started)

    def tick(self) -> None:
        aged = {}
        for view in self.fleet.views():
            cells = self._cells.get(view.context)
            if view.changed_at and cells is not None:
                age = human_age(time.time() - view.changed_at)
                if age != cells[CHANGED]:
                    self._cells[view.context] = cells[:CHANGED] + (age,) + cells[CHANGED + 1:]
                    aged[view.context] = age
        if self.widths() != self._widths:  # an age that grew a digit
            self.fill()
            return
        table = self.query_one(HubTable)
        for context, age in aged.items():
            table.update_cell(context, "changed", age)

    def tell(self, text: str) -> None:
        """One thing said: it stays on the message line, before the hubs' summary, until the next one."""
        self.last_action = text
        self.say_summary()

    def say_summary(self) -> None:
        if self.running is not None:
            self.say(self.last_action)  # the action's progress, alone
            return
        views = self.fleet.views()
        counts: dict[str, int] = {}
        for v in views:
            counts[v.state] = counts.get(v.state, 0) + 1
        states = ", ".join(f"{n} {state}" for state, n in counts.items())
        picked = f" · {len(self.selected)} selected" if self.selected else ""
        last = f"{self.last_action} · " if self.last_action else ""
        self.say(f"{last}{counted(len(views), 'hub')}: {states}{picked} · Enter opens a hub · Space selects · "
                 "z maintenance · r restore · v versions")

    def current(self) -> str | None:
        table = self.query_one(HubTable)
        if not table.row_count:
            return None
        return str(table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value)

    # ----- keys ------------------------------------------------------------------------------------------------
    def action_select(self) -> None:
        context = self.current()
        if context is None:
            return
        self.selected ^= {context}
        mark = "✓" if context in self.selected else ""
        if context in self._cells:
            self._cells[context] = (mark, *self._cells[context][1:])
        self.query_one(HubTable).update_cell(context, "mark", mark)
        self.say_summary()

    def action_open(self) -> None:
        context = self.current()
        if context is None or self.opening:
            return
        view = self.fleet.view(context)
        if view.state != LIVE or not view.synced:
            why = f"{view.state}" + (f": {view.why}" if view.why else "")
            self.tell(f"cannot open {context}: {why}")
            self.notify(f"{context}: {why}", title="Cannot open", severity="error")
            return
        self.opening = True
        self.tell(f"opening {context}…")
        self.open_hub(context)

    @work(thread=True, exclusive=True, exit_on_error=False, group="fleet-open", name="open a hub")
    def open_hub(self, context: str) -> None:
        from ..backend import ClusterBackend

        view = self.fleet.view(context)
        conn = self.fleet.connection(context)
        backend = ClusterBackend(hub_settings(self.fleet.settings, view.hub), conn=conn)
        self.report(self._show_hub, backend)

    def _show_hub(self, backend: Backend) -> None:
        from .deployments import DeploymentsScreen

        self.hub.backend = backend
        self.app.push_screen(DeploymentsScreen(backend))

    def worker_failed(self, worker, message: str) -> None:
        self.opening = False
        self.running = None  # an action's worker that failed runs no more: z and r, Esc and Ctrl-C work again
        self.tell(f"error: {message}")
        self.notify(message, severity="error")

    def action_versions(self) -> None:
        self.app.push_screen(VersionsScreen(self.fleet))

    def action_maintenance(self) -> None:
        self.ask(MAINTENANCE)

    def action_restore(self) -> None:
        self.ask(RESTORE)

    def chosen(self) -> list[HubView]:
        """The selected hubs, or the one under the cursor when none is selected."""
        current = self.current()
        names = self.selected or ({current} if current else set())
        return [v for v in self.fleet.views() if v.context in names]

    def ask(self, action: str) -> None:
        if self.running is not None:
            self.notify("an action is running on the fleet: Esc stops it", severity="warning")
            return
        views = self.chosen()
        if not views:
            return
        lines = []
        for v in views:
            where = f"{v.context} ({v.hub.namespace})"
            if v.readonly and v.readonly_through:  # another context of the same hub is read-only
                lines.append(f"{where}: refused, read-only through {v.readonly_through}, the same hub")
            elif v.readonly:
                lines.append(f"{where}: refused, read-only ({v.readonly})")
            elif not v.synced:  # not seen live: what it holds, and whether it is production, is not known
                lines.append(f"{where}: left out, not live ({v.state}" + (f": {v.why})" if v.why else ")"))
            elif action == MAINTENANCE:
                running = [r for r in v.rows if r.desired > 0]
                lines.append(f"{where}: {counted(len(running), 'deployment')} → 0, each count recorded")
            else:
                recorded = [r for r in v.rows if r.original_replicas is not None]
                lines.append(f"{where}: {counted(len(recorded), 'deployment')} back to the recorded count")
        # each production hub's name typed; so is one whose labels could not be read (it may be production)
        production = [(v.context, v.production) for v in views
                      if (v.production or not v.labels_read) and v.synced and not v.readonly]
        title = ("Maintenance: scale every deployment to 0 on" if action == MAINTENANCE
                 else "Restore the recorded counts on") + f" {counted(len(views), 'hub')}?"
        self.app.push_screen(FleetConfirm(title, lines, production),
                             lambda ok: self.start_action(action, views, [c for c, _ in production]) if ok
                             else self.tell("nothing was changed"))

    def acted_on(self, views: list[HubView]) -> list[HubView]:
        """The hubs an action goes to: those seen live when it was confirmed (a read-only one is refused on its
        row by the engine); the others are left out, said on their rows."""
        for v in views:
            if not v.synced and not v.readonly:
                self.fleet.set_result(v.context, "left out: it was not live when the action was confirmed", False)
        return [v for v in views if v.synced or v.readonly]

    def start_action(self, action: str, views: list[HubView], confirmed: list[str]) -> None:
        views = self.acted_on(views)
        if not views:
            self.tell("nothing was changed: no chosen hub was live")
            return
        self.running = threading.Event()
        for v in views:
            self.fleet.set_result(v.context, "waiting…", True)
        self.tell(f"{action} on {counted(len(views), 'hub')}… (Esc stops starting new hubs)")
        self.act(action, [v.hub for v in views], confirmed, self.running)

    @work(thread=True, exit_on_error=False, group="fleet-act", name="fleet action")
    def act(self, action: str, hubs, confirmed: list[str], cancel: threading.Event) -> None:
        def started(result: HubResult) -> None:
            self.fleet.set_result(result.context, result_text(result), result.ok)

        results = act_on_hubs(self.fleet.settings, hubs, action, cancel=cancel, on_result=started,
                              connections=self.fleet.connection, confirmed=confirmed)
        self.report(self.action_done, action, results, cancel.is_set())

    def action_done(self, action: str, results: list[HubResult], stopped: bool) -> None:
        self.running = None
        done = [r.context for r in results if r.ok]
        failed = [r.context for r in results if not r.ok]
        text = f"{action}: done on {', '.join(done) or 'no hub'}" + (f"; not done on {', '.join(failed)}" if failed else "")
        if stopped:
            text = "stopped: " + text
        self.last_action = text
        self.say_summary()
        self.notify(text, title="Fleet", severity="error" if failed else "information", timeout=8)

    def stop_action(self) -> bool:
        """An action across hubs is running: no new hub starts (True); nothing runs (False)."""
        if self.running is None:
            return False
        self.running.set()
        self.tell("stopping: no new hub is started; those under way finish")
        return True

    async def action_interrupt(self) -> None:
        """Ctrl-C: stops an action across hubs; otherwise quits, as everywhere."""
        if not self.stop_action():
            await self.hub.action_quit()

    def action_back(self) -> None:
        if not self.stop_action():
            super().action_back()
