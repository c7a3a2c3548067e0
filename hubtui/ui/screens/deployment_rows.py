"""The deployments screen's table: its columns (those that fit the terminal), its sort, its filter, and
keeping it in line with the rows the watch sends, changing only the cells that changed (DeploymentRows, the
screen's base)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual import on
from textual.widgets import Input

from ...kube.deployments import DeploymentRow
from ...present.deployment import deployment_status
from ...present.tones import SUCCESS
from ..actions import table_bindings
from ..styles import tone_style
from ..widgets.row_table import CellValue, RowTable
from .base import HubScreen

if TYPE_CHECKING:
    from ..backend import Backend

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
REBUILD_OVER = 300  # more changed rows than this at once (the first list): fill the table afresh


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


class DeploymentTable(RowTable):
    """The table keeps the focus; ← → - + digits Enter Esc drive the screen's replica slider."""

    BINDINGS = table_bindings()


class DeploymentRows(HubScreen):
    """The deployments screen's rows in its table: what is shown (the filter), in which order (the sort), in
    which columns (those that fit), and each change of the watch as the few cells it changes."""

    # the screen's (typed here for the checker)
    if TYPE_CHECKING:
        backend: Backend
        rows: dict[str, DeploymentRow]
        filter: str
        all_namespaces: bool
        columns: tuple[tuple[str, str], ...]
        shown_columns: tuple[tuple[str, str], ...]
        _shown_index: list[int]
        _widths: dict[str, int]
        sort_column: str
        sort_reverse: bool
        select_first: tuple[str, str] | None

        def selected(self) -> DeploymentRow | None: ...
        def count_status(self) -> None: ...
        def sync_slider(self, keep_target: bool = False) -> None: ...
        def say(self, text: str) -> None: ...

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
        # the vertical scroll bar's room, whether or not it shows, and the sorted column's arrow: the same columns
        # stay whichever is sorted
        room = width - RowTable.BAR_WIDTH - len(ARROWS[False])
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
        with table.bulk():  # the slider follows the cursor once, to where it ends: a target typed stays
            self._rebuild_table(table, want, values, widths)

    def _rebuild_table(self, table: DeploymentTable, want: list[DeploymentRow], values: dict, widths: dict) -> None:
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

    # ----- the filter ----------------------------------------------------------------------
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
