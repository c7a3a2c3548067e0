"""A DataTable whose columns are always as wide as their cells are now.

DataTable widens a column for a grown cell only when it is next idle (update_cell with update_width), and on a
busy machine that moment can come late or not at all: a connect screen on CI showed its pods cut to the width of
the "Pod" heading ("tim", "Runni"). This table measures its cells itself and sets each column's width when it is
filled; a change that needs another width fills it afresh, and any other change is drawn in place."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from rich.cells import cell_len
from rich.text import Text
from textual.widgets import DataTable


def plain(value: object) -> object:
    """A cell as shown: a str as plain text (DataTable reads a str as markup, and a pod's name or an event's
    message is the cluster's text: `[/app]` in one would raise, `[b]` would vanish)."""
    return Text(value) if isinstance(value, str) else value


def same_cell(a: object, b: object) -> bool:
    """Two cells drawn alike: a Text's own style counts too (rich's Text equality compares text and spans only,
    so a state that keeps its words and changes its colour would not be drawn again)."""
    if isinstance(a, Text) and isinstance(b, Text):
        return a.plain == b.plain and a.style == b.style and a.spans == b.spans
    return type(a) is type(b) and a == b


def cell_width(value: object) -> int:
    """The columns a cell takes on screen."""
    if isinstance(value, Text):
        return value.cell_len
    return cell_len(str(value))


class FittedTable(DataTable):
    """Shows `rows` (key → cells) under `columns` ((key, label), …), every column as wide as its widest cell."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._columns_shown: tuple[tuple[str, str], ...] = ()
        self._widths: list[int] = []

    @staticmethod
    def widths(columns: Sequence[tuple[str, str]], rows: Mapping[str, Sequence]) -> list[int]:
        return [max([cell_len(label)] + [cell_width(cells[i]) for cells in rows.values()])
                for i, (_, label) in enumerate(columns)]

    def fit(self, columns: Sequence[tuple[str, str]], rows: Mapping[str, Sequence]) -> bool:
        """`rows` on screen; True when the table was filled afresh (the caller puts its cursor back)."""
        columns = tuple(columns)
        rows = {key: tuple(plain(c) for c in cells) for key, cells in rows.items()}
        widths = self.widths(columns, rows)
        if (columns != self._columns_shown or widths != self._widths
                or [str(k.value) for k in self.rows] != list(rows)):
            scrolled = (self.scroll_x, self.scroll_y)
            self.clear(columns=True)
            self._columns_shown, self._widths = columns, widths
            for (key, label), width in zip(columns, widths):
                self.add_column(label, key=key, width=width)
            for key, cells in rows.items():
                self.add_row(*cells, key=key)
            if scrolled != (0, 0):  # where the reader was (once the table knows its new size)
                self.call_after_refresh(self.scroll_to, *scrolled, animate=False)
            return True
        for key, cells in rows.items():
            for (column, _), old, new in zip(columns, self.get_row(key), cells):
                if not same_cell(old, new):  # the words, or only the colour
                    self.update_cell(key, column, new)
        return False
