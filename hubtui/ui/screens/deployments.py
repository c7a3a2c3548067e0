"""The deployments screen (home): every deployment of the namespace (or of all namespaces), live, with a
replica slider.

At scale (thousands of rows, a storm of watch events) the screen does work in proportion to what changed:
the watch thread only puts the latest row of each deployment it touched into a live channel (ui/live.py:
latest wins) and never calls into the UI; the screen draws FPS times a second at most (a lone change at
once), updating only the cells that changed in its RowTable (ui/widgets/row_table.py), which redraws only
those rows and only where they are on screen; keys are never queued behind updates. Rows off screen cost one
dict entry and one cell write; their Age is caught up when they scroll into view.
"""

from __future__ import annotations

from dataclasses import dataclass

import threading
from typing import cast

from rich.markup import escape
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Input, Static

from ...kube.deployments import DeploymentRow, RowsChanged
from ...present.deployment import deployment_status
from ...present.words import counted
from ..actions import bindings, help_rows
from ..backend import Backend
from ..live import Channel
from ..scaling import CHANGES, Scaling
from ..widgets.replica_slider import ReplicaSlider, SliderKeys
from ..gate import ReadOnlyGate
from ..widgets.footer import HubFooter
from ..widgets.message_line import MessageLine
from .all_deployments import AllDeployments
from ..widgets.titlebar import HomeTitle, fullest
from .deployment_rows import COLUMNS, MIN_WIDTHS, NAMESPACE_COLUMN, DeploymentRows, DeploymentTable
from .switching import Switching


FPS = 120  # the most times a second the table is redrawn from the watch
STATE = "\0state"  # the live channel's key for the watch's state (no deployment's ref has a NUL)


HELP = help_rows("deployments")


class Bottom(Vertical):
    """What is under the table: the slider, the bottom line, the footer (BLANK: DeploymentsScreen's note)."""

    BLANK = True


@dataclass
class Modes:
    """The operator's modes, shared by every rebuild of the deployments screen (namespace, all namespaces,
    context): an operator who believes they are rehearsing must never change something because the screen
    was built again."""

    dry_run: bool = False
    wait: bool = False
    rollback: bool = False  # with wait: a change not ready in time is put back


class DeploymentsScreen(AllDeployments, Switching, Scaling, SliderKeys, ReadOnlyGate, DeploymentRows):
    ACTION_SCREEN = "deployments"  # its entry in the action table (ui/actions.py)
    BINDINGS = bindings("deployments")
    backend: Backend  # all of it (Scaling needs only its Scaler part)
    AGE_TICK = 1.0  # seconds: the Age cells of the rows on screen are brought up to date this often
    # The screen, its title bar and the container under the table have no content of their own, only a
    # background: Textual draws a BLANK widget as that background at once. A frame crosses every widget of the
    # screen beside the rows it redraws, and each one it drew through its styles was a tenth of ↓'s frame.
    BLANK = True


    @property
    def dry_run(self) -> bool:
        return self.modes.dry_run

    @dry_run.setter
    def dry_run(self, on: bool) -> None:
        self.modes.dry_run = on

    @property
    def wait(self) -> bool:
        return self.modes.wait

    @wait.setter
    def wait(self, on: bool) -> None:
        self.modes.wait = on

    def rebuilt(self, backend: Backend) -> DeploymentsScreen:
        """The screen again on another backend (namespace, all namespaces, context), with the same modes, the
        same sort, and the selection on the same deployment when the new screen has it."""
        screen = DeploymentsScreen(backend, self.modes)
        column = self.sort_column
        if column == "namespace" and not screen.all_namespaces:
            column = "name"
        if column == "name" and screen.all_namespaces:
            column = "namespace"  # namespace/name: the name sort of a view of all namespaces
        screen.sort_column, screen.sort_reverse = column, self.sort_reverse
        row = self.selected()
        if row is not None:
            screen.select_first = (row.namespace or self.backend.namespace, row.name)
        return screen

    def __init__(self, backend: Backend, modes: Modes | None = None):
        super().__init__()
        self.backend = backend
        self.modes = modes or Modes()  # a rebuild passes the screen's own: dry run and wait carry over
        self.rows: dict[str, DeploymentRow] = {}
        self.filter = ""
        self.busy = False
        self.all_namespaces = getattr(backend, "all_namespaces", False)
        self.columns = ((NAMESPACE_COLUMN,) if self.all_namespaces else ()) + COLUMNS
        self.shown_columns = self.columns  # those that fit the terminal's width (fit_columns)
        self._shown_index = list(range(len(self.columns)))
        self._widths: dict[str, int] = {}  # each column's width when the table was last filled
        self.sort_column = "namespace" if self.all_namespaces else "name"
        self.sort_reverse = False
        self.select_first: tuple[str, str] | None = None  # (namespace, name) selected once the rows are drawn
        # filled by the watch thread, drawn at most FPS times a second: the latest row of each changed deployment
        # (None: removed) under its ref, and the newest connection state under STATE
        self.live: Channel[str, DeploymentRow | RowsChanged | None] = Channel(self, self.flush, fps=FPS)
        self._synced = False  # the last state the watch reported
        self._drawn = False  # the first synced rows have been drawn
        self._hpa_error: str | None = None
        self.history: list[tuple[str, str]] = []  # (local time, result) of every action in this session

    # ----- layout ------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        yield HomeTitle(id="titlebar")
        yield Static(id="banner")
        yield Input(placeholder="filter deployments by namespace/name (Esc clears)" if self.all_namespaces else
                    "filter deployments by name (Esc clears)", id="filter")
        yield DeploymentTable(id="deployments", zebra_stripes=True, follow_cursor=self._cursor_moved)
        # One container for what is under the table: a frame that redraws rows of the table then draws it as one
        # widget, not three (a screen's frame goes through every widget whose area it crosses).
        with Bottom(id="bottom"):
            yield ReplicaSlider(id="slider")
            with Horizontal(id="bottombar"):
                yield MessageLine(id="message")  # the last action's result: it stays until the next action
                yield Static("connecting…", id="watch-status")  # what the watch says
            yield HubFooter()

    def on_mount(self) -> None:
        table = self.query_one(DeploymentTable)
        # the two widgets each move of the cursor reaches (_cursor_moved), found once: the screen never
        # recomposes, and a query at every ↓ was a tenth of its time at 2,000 rows
        self._table, self._slider = table, self.query_one(ReplicaSlider)
        self._widths = {key: max(len(label), MIN_WIDTHS.get(key, 0)) for key, label in self.columns}
        self.fit_columns(self.app.size.width)
        for key, label in self.shown_columns:
            table.add_column(self.header(key, label), key=key, width=self.column_width(key, label))
        self.query_one("#filter", Input).display = False
        self.query_one("#banner", Static).display = False
        table.focus()
        self.refresh_title()
        notice = getattr(self.backend, "notice", None)
        if notice:  # e.g. all namespaces were asked for, but the user may not list them
            self.result(f"[$warning]{escape(notice)}[/]")
        self.set_interval(self.AGE_TICK, self.refresh_ages)
        self.backend.watch(self._on_rows_changed)

    def on_unmount(self) -> None:
        self._leaving.set()
        self.hub.thaw()
        # Stopping joins the watch threads: never on the UI thread.
        threading.Thread(target=self.backend.stop, name="stop watches", daemon=True).start()

    STATUS_SHARE = 0.45  # of the bottom line, at most, for the watch's status (the rest: the message)

    def on_resize(self) -> None:  # the title bar fits itself (HomeTitle.on_resize)
        if self.fit_columns(self.size.width):
            self.apply_rows()
        self.count_status()

    def refresh_title(self) -> None:
        b = self.backend
        modes = ((("dry run",) if self.dry_run else ()) + (("wait",) if self.wait else ())
                 + (("rollback",) if self.rollback else ()))
        self.query_one(HomeTitle).show(b.context, b.cluster, None if self.all_namespaces else b.namespace,
                                       production=b.production_context(), readonly=bool(b.readonly_reason()),
                                       modes=modes)

    def say(self, text: str) -> None:
        """The message line: an action's progress or result. It stays until the next one (one too long for the
        line says so: L, the history, shows it whole)."""
        self.query_one("#message", Static).update(text)

    def result(self, text: str) -> None:
        """An action's outcome: said, and kept in the session's history (L)."""
        self.say(text)
        self.remember(text)

    def remember(self, text: str) -> None:
        """Kept in the session's history (L), with the local time."""
        self.history.append((self.backend.now().astimezone().strftime("%H:%M:%S"), text))

    def watch_status(self, text: str) -> None:
        if text != getattr(self, "_watch_text", None):  # an update re-lays out the bottom bar: only on change
            self._watch_text = text
            self.query_one("#watch-status", Static).update(text)

    def action_history(self) -> None:
        from textual.content import Content

        from .modals import Help

        # each result is Textual markup ($error, $warning); the list is Rich's: its words, escaped, without colour
        entries = [(when, escape(Content.from_markup(text).plain)) for when, text in reversed(self.history)] or [
            ("", "nothing has been done yet in this session")]
        self.app.push_screen(Help("What happened in this session (newest first)", entries,
                                  closing="Esc closes this list", columns=False))

    # ----- rows from the watch -----------------------------------------------------------
    def _on_rows_changed(self, change: RowsChanged) -> None:
        """On the watch thread: the latest row of each deployment (latest wins), and the state, into the live
        channel; nothing else. The UI's queue never fills with updates."""
        for row in change.upserted:
            self.live.put(row.ref, row)
        for ref in change.removed:
            self.live.put(ref, None)
        self.live.put(STATE, change)

    def flush(self, items: dict[str, DeploymentRow | RowsChanged | None]) -> None:
        """At most FPS times a second: apply what the watch changed since the last time."""
        state = items.pop(STATE, None)
        assert state is None or isinstance(state, RowsChanged)
        dirty = cast("dict[str, DeploymentRow | None]", items)
        if state is None and not dirty:
            return
        before = {}
        for ref, row in dirty.items():
            before[ref] = self.rows.pop(ref, None) if row is None else self.rows.get(ref)
            if row is not None:
                self.rows[ref] = row
        if dirty:
            self.apply_changes(before)
        if state is not None:
            banner = self.query_one("#banner", Static)
            if state.error:
                banner.update(f"⚠ {state.error} — retrying; the table shows the last known state")
                banner.display = True
            elif state.synced and banner.display:
                banner.display = False
            if state.hpa_error and state.hpa_error != self._hpa_error:  # why, kept whole in the history (L)
                self.remember(f"HPA column empty: {escape(state.hpa_error)}")
            self._synced, self._hpa_error = state.synced, state.hpa_error
        if self._synced and not self._drawn:  # the first rows are on their way to the screen
            self._drawn = True
            self.call_after_refresh(self.hub.started)
        self.count_status()

    def count_status(self) -> None:
        """The bottom bar's count: `1 of 12 deployments` while a filter hides some, and what the watch does. It
        takes at most STATUS_SHARE of the line, in shorter words on a narrow screen, so that the message beside
        it keeps room (the HPA note's reason is in the history, L)."""
        if not self.busy and getattr(self, "_synced", False):
            shown = (f"{sum(1 for r in self.rows.values() if self.shown(r))} of " if self.filter else "")
            count = f"{shown}{counted(len(self.rows), 'deployment')}"
            forms = (("watching for changes", "HPA column empty (L: why)"), ("watching", "HPA column empty (L: why)"),
                     ("watching", "HPAs unread (L)"), ("", "HPAs unread (L)"))
            tries = [" · ".join([count] + [watching] * bool(watching)
                                + [f"[$warning]{hpa}[/]"] * bool(self._hpa_error)) for watching, hpa in forms]
            self.watch_status(fullest(tries, int(self.size.width * self.STATUS_SHARE) - 2))  # - its padding

    def action_next_not_ready(self) -> None:
        """Move to the next row (after the cursor, wrapping) that is not Ready."""
        table = self.query_one(DeploymentTable)
        count = table.row_count
        if not count:
            return
        start = table.cursor_row
        for step in range(1, count + 1):
            index = (start + step) % count
            row = self.rows.get(table.key_at(index) or "")
            if row is not None and not row.settled:
                table.move_cursor(row=index, animate=False)
                self.say(f"{row.ref}: {deployment_status(row)[0]}")
                return
        self.say("every deployment shown is ready")

    # ----- the slider --------------------------------------------------------------------
    def selected(self) -> DeploymentRow | None:
        key = self._table.cursor_key
        return self.rows.get(key) if key is not None else None

    def sync_slider(self, keep_target: bool = False) -> None:
        slider = self._slider
        row = self.selected()
        same = slider.row is not None and row is not None and slider.row.ref == row.ref
        pending = same and slider.row is not None and slider.target != slider.row.desired
        slider.row = row
        if row is not None and not (keep_target and pending):
            slider.target = row.desired

    def _cursor_moved(self, key: str | None) -> None:
        slider = self._slider
        slider.forget_typing()
        before, target = slider.row, slider.target
        self.sync_slider(keep_target=True)  # a pending target survives only on the same deployment
        if before is not None and target != before.desired and (slider.row is None or slider.row.ref != before.ref):
            self.say(f"[$warning]{escape(before.ref)}: target {target} dropped, not applied (the selection "
                     "moved)[/]")

    def action_cancel(self) -> None:
        """Esc: a moved slider goes back first (its own hint says Esc cancels it), then the filter, then (opened
        from the fleet) back to the fleet."""
        slider = self.query_one(ReplicaSlider)
        slider.forget_typing()
        if slider.row is not None and slider.target != slider.row.desired:
            slider.target = slider.row.desired
            self.say("cancelled")
            return
        if self.filter or self.query_one("#filter", Input).display:
            self.clear_filter()
            return
        if any(getattr(s, "ACTION_SCREEN", "") == "fleet" for s in self.app.screen_stack[:-1]):
            self.app.pop_screen()  # opened from the fleet: back to it (it kept running)

    # ----- operations (Enter, run_change and the result: ui/scaling.py) -------------------
    def worker_failed(self, worker, message: str) -> None:
        """An unexpected failure in one of this screen's workers (ui/workers.py): never left busy."""
        if worker.group == CHANGES:
            self.change_failed(message)
        else:
            self.say(message)

    @property
    def rollback(self) -> bool:
        return self.modes.rollback

    def action_toggle_wait(self) -> None:
        self.wait = not self.wait
        also = ""
        if not self.wait and self.modes.rollback:
            self.modes.rollback = False
            also = "; rollback off (it needs the wait)"
        self.refresh_title()
        self.say(f"wait for readiness {'on' if self.wait else 'off'}{also}")

    def action_toggle_rollback(self) -> None:
        """b: a change whose deployments are not ready in time is put back, each to the count it had (the wait
        comes on with it: there is no failure to roll back without one)."""
        self.modes.rollback = not self.modes.rollback
        also = ""
        if self.modes.rollback and not self.wait:
            self.wait = True
            also = " (wait for readiness on too)"
        self.refresh_title()
        self.say(f"rollback on failure {'on' if self.modes.rollback else 'off'}{also}")

    def readonly_allows(self, name: str) -> bool:
        return self.dry_run  # a dry run changes nothing: allowed in read-only mode

    def readonly_what(self, name: str) -> str:
        row = self.selected()
        return {"apply": f"scaling {row.ref if row else 'a deployment'}", "scale_all": "scaling all",
                "maintenance": "maintenance", "restore": "restoring the recorded counts"}.get(name, name)

    def action_toggle_dry_run(self) -> None:
        self.dry_run = not self.dry_run
        self.refresh_bindings()  # read-only: the changing keys come back (dry run) or grey out again
        self.refresh_title()
        self.say(f"dry run {'on: changes are validated, not applied' if self.dry_run else 'off'}")

    # ----- help, the detail ---------------------------------------------------------------
    def action_help(self) -> None:
        from .modals import Help

        self.app.push_screen(Help("Deployments — keys", HELP))

    def action_detail(self) -> None:
        """i / Space: the selected deployment, live (ui/screens/detail.py)."""
        from .detail import DetailScreen

        row = self.selected()
        if row is None:
            self.notify("no deployment selected", severity="warning")
            return
        self.app.push_screen(DetailScreen(self.backend, row.name, ref=getattr(row, "ref", row.name),
                                          namespace=getattr(row, "namespace", "") or self.backend.namespace,
                                          dry_run=self.dry_run))
