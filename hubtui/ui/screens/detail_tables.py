"""The detail's two tables: its pods (with why each is not ready) and their events (newest first, warnings
standing out). Each draws the facts present/detail.py gives it, in place when only values moved."""

from __future__ import annotations

from typing import ClassVar

from textual.binding import BindingType

from ...present.detail import EventFacts, PodFacts
from ..actions import table_bindings
from ..styles import styled
from ..widgets.fitted_table import FittedTable

POD_COLUMNS = (("name", "Pod"), ("phase", "Status"), ("ready", "Ready"), ("restarts", "Restarts"),
               ("node", "Node"), ("age", "Age"), ("reason", "Why not ready"))
EVENT_COLUMNS = (("age", "Age"), ("type", "Type"), ("reason", "Reason"), ("object", "Object"), ("count", "Count"),
                 ("message", "Message"))
REASON_WIDTH = 60  # the table shows the start; the selected pod's full reason is written under the table
WARN = "hub.warning"  # a pod that is not ready, a Warning event (ui/styles.py: the theme's $warning)


def pod_cells(p: PodFacts) -> tuple:
    reason = p.reason if len(p.reason) <= REASON_WIDTH else p.reason[:REASON_WIDTH - 1] + "…"
    return (p.name, styled(p.phase, WARN) if not p.ok else p.phase, p.ready, str(p.restarts), p.node,
            p.age, styled(reason, WARN) if reason else "")


def event_cells(e: EventFacts) -> tuple:
    count = f"×{e.count}" if e.count > 1 else ""
    if not e.warning:
        return (e.age, e.type, e.reason, e.object, count, e.message)
    return (e.age, styled(e.type, WARN), styled(e.reason, WARN), e.object, count, styled(e.message, WARN))


class FactsTable(FittedTable):
    """A table keyed by one fact's key: filled afresh when the keys, their order or a column's width change, else
    updated in place."""

    COLUMNS: ClassVar[tuple[tuple[str, str], ...]] = ()

    def on_mount(self) -> None:
        self.fit(self.COLUMNS, {})

    def show_rows(self, rows: dict[str, tuple]) -> bool:
        """`rows` (key → cells) on screen; True when the table was filled afresh (its cursor went back to the top)."""
        return self.fit(self.COLUMNS, rows)

    def selected_key(self) -> str | None:
        if self.row_count == 0:
            return None
        return str(self.coordinate_to_cell_key(self.cursor_coordinate).row_key.value)


class PodTable(FactsTable):
    """The pods; ← → - + digits Enter drive the screen's replica slider (as on the deployments)."""

    BINDINGS: ClassVar[list[BindingType]] = list(table_bindings("detail"))
    COLUMNS = POD_COLUMNS

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.facts: dict[str, PodFacts] = {}

    def show(self, facts: list[PodFacts]) -> None:
        """The pods, the selection kept on the same pod when the rows were rebuilt."""
        selected = self.selected_key()
        self.facts = {p.name: p for p in facts}
        if self.show_rows({p.name: pod_cells(p) for p in facts}) and selected in self.facts:
            self.move_cursor(row=self.get_row_index(selected), animate=False)

    def selected(self) -> PodFacts | None:
        key = self.selected_key()
        return None if key is None else self.facts.get(key)


class EventTable(FactsTable):
    """The events, newest first; Enter shows the selected one whole (its message is cut in the table)."""

    BINDINGS: ClassVar[list[BindingType]] = list(table_bindings("detail", on="events"))
    COLUMNS = EVENT_COLUMNS

    def show(self, facts: list[EventFacts]) -> None:
        """The events, the selection kept on the same event when the table was filled afresh (a new event, or an
        age that grew a digit)."""
        selected = self.selected_key()
        rows = {e.uid: event_cells(e) for e in facts}
        if self.show_rows(rows) and selected in rows:
            self.move_cursor(row=self.get_row_index(selected), animate=False)
