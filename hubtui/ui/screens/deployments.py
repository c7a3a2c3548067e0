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
from collections.abc import Callable
from typing import TYPE_CHECKING, cast

from rich.markup import escape
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Input, Static

from ...errors import HubError
from ...kube.deployments import DeploymentRow, RowsChanged
from ...ops.scale import parse_replicas
from ...present.deployment import deployment_status
from ...present.tones import SUCCESS
from ...present.words import counted
from ..actions import bindings, help_rows, table_bindings
from ..backend import Backend
from ..live import Channel
from ..scaling import CHANGES, Scaling
from ..widgets.replica_slider import ReplicaSlider, SliderKeys
from ..widgets.row_table import CellValue, RowTable
from ..styles import tone_style
from ..gate import ReadOnlyGate
from .modals import Confirm, Help, NamespacePicker, NumberPrompt, readonly_badge
from ..widgets.footer import HubFooter
from .base import HubScreen

if TYPE_CHECKING:
    pass


def when_yes(then: Callable[[], None]) -> Callable[[bool | None], None]:
    """A modal's callback that does `then` on a yes and nothing otherwise."""
    def answer(yes: bool | None) -> None:
        if yes:
            then()
    return answer


NAMESPACE_COLUMN = ("namespace", "Namespace")  # first, in a view of all namespaces
COLUMNS = (("name", "Deployment"), ("replicas", "Ready/Desired"), ("current", "Current"),
           ("updated", "Up-to-date"), ("available", "Available"), ("hpa", "HPA"), ("saved", "Saved"),
           ("age", "Age"), ("status", "Status"))
# Room for the usual values, so that a rollout's status text does not change the table's shape.
MIN_WIDTHS = {"name": 20, "status": 26, "hpa": 5, "namespace": 12}
# Which columns stay when the terminal is narrow (80 columns): the first of these that fit, shown in the
# table's own order. Name, readiness and status never give way.
PRIORITY = ("namespace", "name", "replicas", "status", "age", "saved", "hpa", "available", "current", "updated")
CELL_PADDING = 2 * RowTable.PADDING  # a cell's padding, both sides
ARROWS = {False: " ▲", True: " ▼"}  # in the sorted column's header: ascending, descending
FPS = 10  # the most times a second the table is redrawn from the watch
REBUILD_OVER = 300  # more changed rows than this at once (the first list): fill the table afresh
STATE = "\0state"  # the live channel's key for the watch's state (no deployment's ref has a NUL)


def laggard_rank(row: DeploymentRow) -> int:
    """Sorting by status puts the laggards first: not ready (0), then scaling (1), then ready (2)."""
    if row.settled:
        return 2
    if row.replicas != row.desired or row.updated != row.desired:
        return 1
    return 0


# What each column sorts by (then by namespace/name); the Age column sorts youngest first.
SORT_KEYS = {
    "namespace": lambda r: (r.namespace,),
    "name": lambda r: (),
    "replicas": lambda r: (r.ready, r.desired),
    "current": lambda r: (r.replicas,),
    "updated": lambda r: (r.updated,),
    "available": lambda r: (r.available,),
    "hpa": lambda r: ((r.hpa.min_replicas, r.hpa.max_replicas) if r.hpa else (-1, -1),),
    "saved": lambda r: (r.original_replicas if r.original_replicas is not None else -1,),
    "age": lambda r: (-(r.created.timestamp()) if r.created else 0.0,),
    "status": lambda r: (laggard_rank(r), r.ready - r.desired),
}

HELP = help_rows("deployments")


def status_cell(row: DeploymentRow) -> Text:
    """The status as `hubtui scale` words it (hubtui/present/deployment.py), in the tone's theme style."""
    words, tone = deployment_status(row)
    return Text(words, style="hub.ok" if tone == SUCCESS else tone_style(tone))


def cells(row: DeploymentRow, now, all_namespaces: bool = False) -> tuple:
    if all_namespaces:
        return (row.namespace, *cells(row, now))
    return (row.name, f"{row.ready}/{row.desired}", str(row.replicas), str(row.updated), str(row.available),
            str(row.hpa) if row.hpa else "-",
            str(row.original_replicas) if row.original_replicas is not None else
            ("invalid" if row.original_problem else "-"),
            row.age(now), status_cell(row))


def title_markup(context: str, cluster: str, namespace: str | None, production: bool, room: int) -> str:
    """The title bar: hubtui, the context, the cluster and the namespace, as much as `room` columns hold. What
    gives way first: the cluster, then the name hubtui and the words; the namespace and the context stay."""
    ctx = f"[b $text-error on $error-muted] {escape(context)} [/]" if production else f"[b]{escape(context)}[/]"
    ns = "[b]all namespaces[/]" if namespace is None else f"namespace [b]{escape(namespace)}[/]"
    bare_ns = "[b]all namespaces[/]" if namespace is None else f"[b]{escape(namespace)}[/]"
    tries = [f"[b]hubtui[/]  ·  context {ctx}  ·  cluster [b]{escape(cluster)}[/]  ·  {ns}",
             f"[b]hubtui[/]  ·  context {ctx}  ·  {ns}",
             f"context {ctx} · {ns}",
             f"{ctx} · {bare_ns}"]
    if cluster == context:
        tries.pop(0)  # the same name twice says nothing more
    for markup in tries:
        if Text.from_markup(markup).cell_len <= room:
            return markup
    return tries[-1]  # the Static cuts the end off: the context and the start of the namespace stay


class DeploymentTable(RowTable):
    """The table keeps the focus; ← → - + digits Enter Esc drive the screen's replica slider."""

    BINDINGS = table_bindings()


@dataclass
class Modes:
    """The operator's modes, shared by every rebuild of the deployments screen (namespace, all namespaces,
    context): an operator who believes they are rehearsing must never change something because the screen
    was built again."""

    dry_run: bool = False
    wait: bool = False


class DeploymentsScreen(Scaling, SliderKeys, ReadOnlyGate, HubScreen):
    ACTION_SCREEN = "deployments"  # its entry in the action table (ui/actions.py)
    BINDINGS = bindings("deployments")
    backend: Backend  # all of it (Scaling needs only its Scaler part)
    AGE_TICK = 1.0  # seconds: the Age cells of the rows on screen are brought up to date this often


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
        with Horizontal(id="titlebar"):
            yield Static(id="title")
            yield Static(id="modes")
        yield Static(id="banner")
        yield Input(placeholder="filter deployments by namespace/name (Esc clears)" if self.all_namespaces else
                    "filter deployments by name (Esc clears)", id="filter")
        yield DeploymentTable(id="deployments", zebra_stripes=True)
        yield ReplicaSlider(id="slider")
        with Horizontal(id="bottombar"):
            yield Static(id="message")  # the last action's result: it stays until the next action
            yield Static("connecting…", id="watch-status")  # what the watch says
        yield HubFooter()

    def on_mount(self) -> None:
        table = self.query_one(DeploymentTable)
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

    def on_resize(self) -> None:
        self.refresh_title()
        if self.fit_columns(self.size.width):
            self.apply_rows()

    def refresh_title(self) -> None:
        b = self.backend
        modes = []
        if self.dry_run:
            modes.append("[b $text-error on $error-muted] DRY RUN [/]")
        if self.wait:
            modes.append("[b $text-warning on $warning-muted] WAIT [/]")
        self.query_one("#modes", Static).update(" ".join(modes))
        badge = readonly_badge(b)  # READ-ONLY where every screen has it: the start of the title bar
        room = ((self.size.width or self.app.size.width) - 2 - Text.from_markup(badge).cell_len
                - sum(Text.from_markup(m).cell_len + 1 for m in modes))
        self.query_one("#title", Static).update(badge + title_markup(
            b.context, b.cluster, None if self.all_namespaces else b.namespace, b.production_context(), room))

    def say(self, text: str) -> None:
        """The message line: an action's progress or result. It stays until the next one."""
        self.query_one("#message", Static).update(text)

    def result(self, text: str) -> None:
        """An action's outcome: said, and kept in the session's history (L)."""
        self.say(text)
        self.history.append((self.backend.now().astimezone().strftime("%H:%M:%S"), text))

    def watch_status(self, text: str) -> None:
        if text != getattr(self, "_watch_text", None):  # an update re-lays out the bottom bar: only on change
            self._watch_text = text
            self.query_one("#watch-status", Static).update(text)

    def action_history(self) -> None:
        entries = list(reversed(self.history)) or [("", "nothing has been done yet in this session")]
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
            self._synced, self._hpa_error = state.synced, state.hpa_error
        if self._synced and not self._drawn:  # the first rows are on their way to the screen
            self._drawn = True
            self.call_after_refresh(self.hub.started)
        self.count_status()

    def count_status(self) -> None:
        """The bottom bar's count: `1 of 12 deployments` while a filter hides some."""
        if not self.busy and getattr(self, "_synced", False):
            hpa = f" · [$warning]HPA column empty: {escape(self._hpa_error)}[/]" if self._hpa_error else ""
            shown = (f"{sum(1 for r in self.rows.values() if self.shown(r))} of " if self.filter else "")
            self.watch_status(f"{shown}{counted(len(self.rows), 'deployment')} · watching for changes{hpa}")

    # ----- the table ----------------------------------------------------------------------
    def shown(self, row: DeploymentRow) -> bool:
        """The filter matches the row's name (namespace/name in a view of all namespaces)."""
        return self.filter in row.ref

    def sort_key(self, row: DeploymentRow):
        return (*SORT_KEYS[self.sort_column](row), row.namespace, row.name)

    def visible_rows(self) -> list[DeploymentRow]:
        return sorted((r for r in self.rows.values() if self.shown(r)), key=self.sort_key,
                      reverse=self.sort_reverse)

    def _cells(self, row: DeploymentRow, now) -> tuple:
        """The cells of the columns shown."""
        values = cells(row, now, self.all_namespaces)
        return tuple(values[i] for i in self._shown_index)

    def header(self, key: str, label: str) -> str:
        """A column's header: the sorted one carries an arrow."""
        return label + ARROWS[self.sort_reverse] if key == self.sort_column else label

    def column_width(self, key: str, label: str) -> int:
        """The width measured for its values, and room for the arrow when it is the sorted column."""
        return max(self._widths[key], len(self.header(key, label)))

    def fit_columns(self, width: int) -> bool:
        """Choose the columns that fit `width` by PRIORITY (the rest give way, in their order); True if the
        choice changed."""
        room = width - 2 - len(ARROWS[False])  # the vertical scrollbar's room, whether or not it shows, and the
        # sorted column's arrow: the same columns stay whichever is sorted
        keep: set[str] = set()
        for key in PRIORITY:
            if key in self._widths and (not keep or self._widths[key] + CELL_PADDING <= room):
                keep.add(key)
                room -= self._widths[key] + CELL_PADDING
        shown = tuple((key, label) for key, label in self.columns if key in keep)
        if shown == self.shown_columns:
            return False
        self.shown_columns = shown
        self._shown_index = [i for i, (key, _) in enumerate(self.columns) if key in keep]
        return True

    def apply_rows(self) -> None:
        """Fill the table afresh from self.rows (the filter or the sort changed, or a first list)."""
        table = self.query_one(DeploymentTable)
        now = self.backend.now()
        want = self.visible_rows()
        full = {row.ref: cells(row, now, self.all_namespaces) for row in want}
        self._widths = {key: max([len(label), MIN_WIDTHS.get(key, 0)] + [len(str(v[i])) for v in full.values()])
                        for i, (key, label) in enumerate(self.columns)}
        self.fit_columns(self.size.width or self.app.size.width)
        values = {ref: tuple(v[i] for i in self._shown_index) for ref, v in full.items()}
        self.rebuild_table(table, want, values, self._widths)
        self.sync_slider(keep_target=True)

    def apply_changes(self, before: dict[str, DeploymentRow | None]) -> None:
        """Bring the rows named in `before` (ref -> the row as it was) in line with self.rows: changed cells
        in place, rows in or out, and the order kept when a change moves a row. Nothing else is looked at."""
        table = self.query_one(DeploymentTable)
        if len(before) > REBUILD_OVER or table.row_count == 0:
            self.apply_rows()
            return
        now = self.backend.now()
        reorder = False
        widen: dict[str, int] = {}
        changed: dict[str, dict[str, CellValue]] = {}
        keys = [key for key, _ in self.shown_columns]
        for ref, old_row in before.items():
            row = self.rows.get(ref)
            present = ref in table.rows
            if row is None or not self.shown(row):
                if present:
                    table.remove_row(ref)
                continue
            new = self._cells(row, now)
            for key, value in zip(keys, new):
                if len(str(value)) > table.columns[key].width:
                    widen[key] = max(widen.get(key, 0), len(str(value)))
            if not present:
                table.add_row(*new, key=ref)
                reorder = True
                continue
            old = table.get_row(ref)
            cells = {key: after for key, before, after in zip(keys, old, new)
                     if str(before) != str(after) or (isinstance(after, Text) and getattr(before, "style", None)
                                                      != after.style)}
            if cells:
                changed[ref] = cells
            if old_row is None or self.sort_key(old_row) != self.sort_key(row):
                reorder = True
        table.set_cells(changed)
        for key, width in widen.items():  # a wider value than the column: widen it (rare), never re-measure
            table.set_column_width(key, width)
            self._widths[key] = width
        if widen and self.fit_columns(self.size.width):  # wider now than the terminal: a column gives way
            self.apply_rows()
            return
        if reorder:  # a row added at the bottom, or one whose sort value changed, goes to its place
            self.resort(table)
        self.sync_slider(keep_target=True)

    def resort(self, table: DeploymentTable) -> None:
        """Order the table's rows by the current sort, the cursor staying on its deployment."""
        table.reorder(sorted(table.rows, key=lambda ref: self.sort_key(self.rows[ref]), reverse=self.sort_reverse))

    def rebuild_table(self, table: DeploymentTable, want: list[DeploymentRow], values: dict, widths: dict) -> None:
        selected = self.selected()
        table.clear(columns=True)
        for key, label in self.shown_columns:
            table.add_column(self.header(key, label), key=key, width=max(widths[key], len(self.header(key, label))))
        # the columns have the widths measured above: nothing is measured again
        table.add_rows((row.ref, values[row.ref]) for row in want)
        if selected is None and self.select_first is not None:  # the deployment selected before a rebuild
            namespace, name = self.select_first
            ref = f"{namespace}/{name}" if self.all_namespaces else name
            if ref in values and (self.all_namespaces or namespace == self.backend.namespace):
                table.move_cursor(row=table.get_row_index(ref), animate=False)
                self.select_first = None
        elif selected is not None and selected.ref in values:
            table.move_cursor(row=table.get_row_index(selected.ref), animate=False)

    def refresh_ages(self) -> None:
        """Only the Age cells of the rows on screen, only where the text changed: rows off screen cost
        nothing until they are scrolled into view (the next tick catches them up)."""
        table = self.query_one(DeploymentTable)
        if not table.row_count or "age" not in dict(self.shown_columns):
            return
        now = self.backend.now()
        first = max(0, int(table.scroll_y))
        changed = {}
        for index in range(first, min(table.row_count, first + table.size.height + 1)):
            key = table.key_at(index)
            deployment = self.rows.get(key or "")
            if key is None or deployment is None:
                continue
            age = deployment.age(now)
            if str(table.get_cell(key, "age")) != age and len(age) <= table.columns["age"].width:
                changed[key] = {"age": age}
        table.set_cells(changed)

    # ----- sort and find ------------------------------------------------------------------
    def action_sort(self, reverse: bool = False) -> None:
        """s: sort by the next column; S: the other way round."""
        keys = [key for key, _ in self.shown_columns]  # a column that gave way to a narrow terminal: not
        if reverse:
            self.sort_by(self.sort_column, not self.sort_reverse)
        else:
            at = keys.index(self.sort_column) if self.sort_column in keys else -1
            self.sort_by(keys[(at + 1) % len(keys)], False)

    @on(RowTable.HeaderClicked)
    def _header_clicked(self, event: RowTable.HeaderClicked) -> None:
        """A click on a header sorts by that column; on the sorted one, the other way round."""
        self.sort_by(event.column, not self.sort_reverse if event.column == self.sort_column else False)

    def sort_by(self, column: str, reverse: bool) -> None:
        self.sort_column, self.sort_reverse = column, reverse
        self.apply_rows()  # the rows in their new order, the arrow in the sorted header
        label = dict(self.columns)[self.sort_column]
        order = "descending" if self.sort_reverse else "ascending"
        if self.sort_column == "status":
            order = "ready first" if self.sort_reverse else "not ready and scaling first"
        self.say(f"sorted by {label} ({order})")

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

    @work(thread=True, exclusive=True, exit_on_error=False, group="namespaces")
    def action_all_namespaces(self) -> None:
        """A: every namespace's deployments, or back to the current namespace."""
        try:
            backend = self.backend.for_all_namespaces(not self.all_namespaces)
        except HubError as e:
            self.report(lambda message: self.notify(message, severity="error"), str(e))
            return
        self.report(self._use_backend, backend)

    def _use_backend(self, backend: Backend) -> None:
        self.hub.backend = backend
        self.app.switch_screen(self.rebuilt(backend))

    # ----- the slider --------------------------------------------------------------------
    def selected(self) -> DeploymentRow | None:
        key = self.query_one(DeploymentTable).cursor_key
        return self.rows.get(key) if key is not None else None

    def sync_slider(self, keep_target: bool = False) -> None:
        slider = self.query_one(ReplicaSlider)
        row = self.selected()
        same = slider.row is not None and row is not None and slider.row.ref == row.ref
        pending = same and slider.row is not None and slider.target != slider.row.desired
        slider.row = row
        if row is not None and not (keep_target and pending):
            slider.target = row.desired

    @on(RowTable.RowHighlighted)
    def _row_highlighted(self) -> None:
        slider = self.query_one(ReplicaSlider)
        slider.forget_typing()
        before, target = slider.row, slider.target
        self.sync_slider(keep_target=True)  # a pending target survives only on the same deployment
        if before is not None and target != before.desired and (slider.row is None or slider.row.ref != before.ref):
            self.say(f"[$warning]{escape(before.ref)}: target {target} dropped, not applied (the selection "
                     "moved)[/]")

    def action_cancel(self) -> None:
        """Esc: a moved slider goes back first (its own hint says Esc cancels it), then the filter."""
        slider = self.query_one(ReplicaSlider)
        slider.forget_typing()
        if slider.row is not None and slider.target != slider.row.desired:
            slider.target = slider.row.desired
            self.say("cancelled")
            return
        if self.filter or self.query_one("#filter", Input).display:
            self.clear_filter()

    # ----- operations (Enter, run_change and the result: ui/scaling.py) -------------------
    def worker_failed(self, worker, message: str) -> None:
        """An unexpected failure in one of this screen's workers (ui/workers.py): never left busy."""
        if worker.group == CHANGES:
            self.change_failed(message)
        else:
            self.say(message)

    def where(self) -> str:
        return "all namespaces" if self.all_namespaces else f"namespace {self.backend.namespace}"

    def beyond_filter(self) -> str:
        """For the keys that act on every deployment (a, z, r): what the filter hides from them ("" without one)."""
        if not self.filter:
            return ""
        shown = sum(1 for r in self.rows.values() if self.shown(r))
        if shown == len(self.rows):
            return ""
        return (f"The filter shows {shown} of {counted(len(self.rows), 'deployment')}: this acts on all of them, "
                f"in {self.where()}, not only those shown.")

    def action_scale_all(self) -> None:
        if not self.dry_run and self.hub.refused_readonly("scaling all"):
            return
        names = sorted(self.rows)
        listed = ", ".join(names[:30]) + (f" and {len(names) - 30} more" if len(names) > 30 else "")
        beyond = self.beyond_filter()

        def chosen(n: int | None) -> None:
            if n is None:
                return
            if n == 0:
                self.app.push_screen(Confirm(
                    "Scale every deployment to 0?",
                    f"All {len(names)} deployments in {self.where()} "
                    f"(context {self.backend.context}) go to 0 replicas:\n{listed}\n\n"
                    "Their counts are recorded; r restores them." + (f"\n\n{beyond}" if beyond else ""),
                    danger=True, yes="Scale to 0"),
                    when_yes(lambda: self.scale_all(0)))
            else:
                self.scale_all(n)

        where = "all namespaces" if self.all_namespaces else self.backend.namespace
        self.app.push_screen(NumberPrompt(f"Scale all {len(names)} deployments in {where} to:",
                                          parse_replicas, note=beyond), chosen)

    def scale_all(self, n: int, what: str | None = None) -> None:
        dry_run = self.dry_run
        self.run_change(what or f"scale all to {n}",
                        lambda emit: self.backend.scale_all(n, dry_run=dry_run, emit=emit))

    def action_maintenance(self) -> None:
        if not self.dry_run and self.hub.refused_readonly("maintenance"):
            return
        names = sorted(self.rows)
        self.app.push_screen(Confirm(
            "Maintenance mode",
            f"Scale all {len(names)} deployments in {self.where()} "
            f"(context {self.backend.context}) to 0.\nEach one's current count is recorded in "
            "hubtui.io/original-replicas; r restores it."
            + (f"\n\n{self.beyond_filter()}" if self.beyond_filter() else ""), danger=True, yes="Scale to 0"),
            when_yes(lambda: self.scale_all(0, "maintenance (all to 0)")))

    def action_restore(self, force: bool = False) -> None:
        if not self.dry_run and self.hub.refused_readonly("restoring the recorded counts"):
            return
        saved = [r for _, r in sorted(self.rows.items()) if r.original_replicas is not None or r.original_problem]
        if not saved:
            self.notify("no deployment has a recorded count to restore", severity="warning")
            return
        from ...ops.scale import restore_plan

        todo, at_count, refused = restore_plan(saved, force=force)

        def listed(head: str, items: list[str]) -> list[str]:
            if not items:
                return []
            more = [f"  and {len(items) - 15} more"] if len(items) > 15 else []
            return [head] + [f"  {item}" for item in items[:15]] + more

        body = listed("Restored:", [f"{r.ref}: {r.desired} → {r.original_replicas}" for r in todo])
        body += listed("Already at their recorded count (the record is cleared):",
                       [f"{r.ref}: {r.desired}" for r in at_count])
        body += listed("Left alone:", [why for _, why in refused])
        if refused and not force:
            body.append("R restores the ones changed since maintenance too.")
        if self.beyond_filter():
            body.append(self.beyond_filter())
        self.app.push_screen(Confirm(
            "Restore recorded counts" + (" (force)" if force else ""), "\n".join(body),
            danger=force, yes="Restore"),
            when_yes(lambda: self.restore(force)))

    def restore(self, force: bool) -> None:
        dry_run = self.dry_run
        self.run_change("restore" + (" (force)" if force else ""),
                        lambda emit: self.backend.restore(force=force, dry_run=dry_run, emit=emit))

    def action_toggle_wait(self) -> None:
        self.wait = not self.wait
        self.refresh_title()
        self.say(f"wait for readiness {'on' if self.wait else 'off'}")

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

    # ----- filter, namespace, help -------------------------------------------------------
    def action_filter(self) -> None:
        box = self.query_one("#filter", Input)
        box.display = True
        box.focus()

    @on(Input.Changed, "#filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        self.filter = event.value.strip()
        self.apply_rows()
        self.count_status()

    @on(Input.Submitted, "#filter")
    def _filter_done(self) -> None:
        self.query_one(DeploymentTable).focus()
        if not self.filter:
            self.query_one("#filter", Input).display = False

    def clear_filter(self) -> None:
        box = self.query_one("#filter", Input)
        box.value = ""
        box.display = False
        self.filter = ""
        self.apply_rows()
        self.count_status()
        self.query_one(DeploymentTable).focus()

    def key_escape(self) -> None:
        # Esc inside the filter box (the table has its own Esc binding)
        if self.query_one("#filter", Input).has_focus:
            self.clear_filter()

    @work(thread=True, exit_on_error=False, group="namespaces")
    def action_namespace(self) -> None:
        try:
            names = self.backend.namespaces()
        except HubError as e:
            self.app.call_from_thread(self.notify, str(e), severity="error")
            return
        self.app.call_from_thread(self.app.push_screen, NamespacePicker(names, self.backend.namespace),
                                  self.switch_namespace)

    @work(thread=True, exclusive=True, exit_on_error=False, group="contexts")
    def action_context(self) -> None:
        try:
            names, current = self.backend.contexts()
        except HubError as e:
            self.app.call_from_thread(self.notify, str(e), severity="error")
            return
        self.app.call_from_thread(self.app.push_screen, NamespacePicker(names, current, "Switch context"),
                                  self.switch_context)

    def switch_context(self, context: str | None) -> None:
        if context and context != self.backend.context:
            self.hub.switch_to_context(context)

    def switch_namespace(self, namespace: str | None) -> None:
        if not namespace or namespace == self.backend.namespace:
            return
        self.hub.switch_to_namespace(namespace)

    def action_help(self) -> None:
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
