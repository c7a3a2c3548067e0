"""A table for many live rows, on Textual's Line API and public API only.

The deployments screen shows thousands of rows, and a storm of watch events changes a few cells of many of
them at once. DataTable keys every render cache on one counter that any cell change bumps, so that a change
to a row off screen re-renders every visible cell; hubtui once reached into its private caches to avoid that.
RowTable is small instead: the rows are a keyed store (key -> cells) and an order, each row's line is cached
under the row's own version, and a change re-renders the changed rows that are on screen, nothing else.
Adding rows measures nothing: the caller gives the columns their widths (it knows its values).

A fixed header line, a row cursor, zebra stripes, the keys ↑ ↓ PgUp PgDn Home End, a click on a row or a
header, and the mouse wheel: what the deployments screen uses, and no more.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import ClassVar

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import Binding, BindingType
from textual.cache import LRUCache
from textual.geometry import Region, Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

CellValue = str | Text


@dataclass
class Column:
    key: str
    label: str
    width: int  # of the values; each cell has one column of padding either side


class RowTable(ScrollView, can_focus=True):
    PADDING = 1  # each side of a cell

    COMPONENT_CLASSES: ClassVar[set[str]] = {"row-table--header", "row-table--cursor", "row-table--even-row"}
    DEFAULT_CSS = """
    RowTable {
        background: $surface;
        color: $foreground;
        height: auto;
        max-height: 100%;
        & > .row-table--header {
            text-style: bold;
            background: $panel;
            color: $foreground;
        }
        & > .row-table--even-row {
            background: $surface-lighten-1 50%;
        }
        &:dark > .row-table--even-row {
            background: $surface-darken-1 40%;
        }
        & > .row-table--cursor {
            background: $block-cursor-blurred-background;
            color: $block-cursor-blurred-foreground;
            text-style: $block-cursor-blurred-text-style;
        }
        &:focus {
            background-tint: $foreground 5%;
            & > .row-table--cursor {
                background: $block-cursor-background;
                color: $block-cursor-foreground;
                text-style: $block-cursor-text-style;
            }
        }
    }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up", "cursor(-1)", "Up", show=False),
        Binding("down", "cursor(1)", "Down", show=False),
        Binding("pageup", "page(-1)", "Page up", show=False),
        Binding("pagedown", "page(1)", "Page down", show=False),
        Binding("home", "cursor_to(0)", "First", show=False),
        Binding("end", "cursor_to(-1)", "Last", show=False),
    ]

    cursor_row: reactive[int] = reactive(0, repaint=False, init=False)  # its watcher redraws the two rows

    class RowHighlighted(Message):
        """The cursor is on another row (or the row under it changed)."""

        def __init__(self, table: RowTable, key: str | None, index: int):
            super().__init__()
            self.table, self.key, self.cursor_row = table, key, index

        @property
        def control(self) -> RowTable:
            return self.table

    class HeaderClicked(Message):
        """A click on a column's header."""

        def __init__(self, table: RowTable, column: str):
            super().__init__()
            self.table, self.column = table, column

        @property
        def control(self) -> RowTable:
            return self.table

    def __init__(self, *, zebra_stripes: bool = True, id: str | None = None, classes: str | None = None):
        super().__init__(id=id, classes=classes)
        self.zebra_stripes = zebra_stripes
        self.columns: dict[str, Column] = {}
        self._column_at: dict[str, int] = {}  # column key -> its place
        self._order: list[str] = []  # row keys, top to bottom
        self._index: dict[str, int] = {}  # row key -> its place in _order
        self._cells: dict[str, tuple[CellValue, ...]] = {}
        self._version: dict[str, int] = {}  # row key -> bumped on every change of its cells
        self._layout = 0  # bumped when the columns change
        self._lines: LRUCache[tuple, Strip] = LRUCache(4096)
        self._highlighted: str | None = None  # the key last posted in RowHighlighted

    # ----- reading -----------------------------------------------------------------------------------------
    @property
    def ordered_columns(self) -> list[Column]:
        return list(self.columns.values())

    @property
    def rows(self) -> Mapping[str, tuple[CellValue, ...]]:
        """Row key -> its cells (read only)."""
        return self._cells

    @property
    def row_count(self) -> int:
        return len(self._order)

    def get_row(self, key: str) -> list[CellValue]:
        return list(self._cells[key])

    def get_row_at(self, index: int) -> list[CellValue]:
        return list(self._cells[self._order[index]])

    def get_row_index(self, key: str) -> int:
        return self._index[key]

    def get_cell(self, key: str, column: str) -> CellValue:
        return self._cells[key][self._column_index(column)]

    def key_at(self, index: int) -> str | None:
        return self._order[index] if 0 <= index < len(self._order) else None

    @property
    def cursor_key(self) -> str | None:
        """The key of the row under the cursor (None: no rows)."""
        return self.key_at(self.cursor_row)

    # ----- changing ----------------------------------------------------------------------------------------
    def add_column(self, label: str, *, key: str, width: int) -> None:
        self.columns[key] = Column(key, label, width)
        self._columns_changed()

    def set_column_width(self, key: str, width: int) -> None:
        self.columns[key].width = width
        self._columns_changed()

    def clear(self, columns: bool = False) -> None:
        self._order, self._index, self._cells, self._version = [], {}, {}, {}
        self._lines.clear()
        if columns:
            self.columns = {}
            self._columns_changed()
        self.cursor_row = 0
        self._resized()

    def add_row(self, *cells: CellValue, key: str) -> None:
        self.add_rows([(key, cells)])

    def add_rows(self, rows: Iterable[tuple[str, Iterable[CellValue]]]) -> None:
        """Rows at the bottom, in this order (a first list of thousands costs one resize)."""
        first = len(self._order)
        for key, cells in rows:
            if key in self._cells:
                raise KeyError(f"row {key!r} is in the table already")
            self._index[key] = len(self._order)
            self._order.append(key)
            self._cells[key] = tuple(cells)
            self._version[key] = 0
        self._resized()
        self._refresh_rows(range(first, len(self._order)))
        if first <= self.cursor_row < len(self._order):
            self._say_highlighted()

    def remove_row(self, key: str) -> None:
        at = self._index.pop(key)
        del self._order[at]
        del self._cells[key], self._version[key]
        for i in range(at, len(self._order)):
            self._index[self._order[i]] = i
        self._resized()
        if self.cursor_row >= len(self._order):
            self.cursor_row = max(0, len(self._order) - 1)
        self._refresh_rows(range(at, len(self._order) + 1))
        self._say_highlighted()

    def set_cells(self, changes: Mapping[str, Mapping[str, CellValue]]) -> None:
        """row key -> {column key: new value}: only those rows are drawn again, and only if on screen."""
        changed = []
        for key, values in changes.items():
            cells = list(self._cells[key])
            for column, value in values.items():
                cells[self._column_index(column)] = value
            self._cells[key] = tuple(cells)
            self._version[key] += 1
            changed.append(self._index[key])
        self._refresh_rows(changed)

    def reorder(self, keys: Iterable[str]) -> None:
        """The rows in this order (the same keys); the cursor stays on its row."""
        selected = self.cursor_key
        order = list(keys)
        if len(order) != len(self._order) or not self._index.keys() >= set(order):
            raise ValueError("reorder() takes the table's own keys")
        self._order = order
        self._index = {key: i for i, key in enumerate(order)}
        if selected is not None:
            self.move_cursor(row=self._index[selected])
        self.refresh()

    def move_cursor(self, *, row: int, animate: bool = False) -> None:
        self.cursor_row = max(0, min(row, len(self._order) - 1))
        self._scroll_to_cursor()

    # ----- keys and mouse ----------------------------------------------------------------------------------
    def action_cursor(self, step: int) -> None:
        self.move_cursor(row=self.cursor_row + step)

    def action_page(self, step: int) -> None:
        self.move_cursor(row=self.cursor_row + step * max(1, self.size.height - 2))

    def action_cursor_to(self, row: int) -> None:
        self.move_cursor(row=row if row >= 0 else len(self._order) - 1)

    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is None:
            return
        if offset.y == 0:
            x = offset.x + int(self.scroll_x)
            for column in self.columns.values():
                x -= column.width + 2 * self.PADDING
                if x < 0:
                    self.post_message(self.HeaderClicked(self, column.key))
                    return
            return
        row = int(self.scroll_y) + offset.y - 1
        if row < len(self._order):
            self.move_cursor(row=row)

    def watch_cursor_row(self, old: int, new: int) -> None:
        self._refresh_rows((old, new))
        self._say_highlighted()

    def _say_highlighted(self) -> None:
        key = self.cursor_key
        if key != self._highlighted:
            self._highlighted = key
            self.post_message(self.RowHighlighted(self, key, self.cursor_row))

    def _scroll_to_cursor(self) -> None:
        body = max(1, self.size.height - 1)  # rows under the header
        top = int(self.scroll_y)
        if self.cursor_row < top:
            self.scroll_to(y=self.cursor_row, animate=False, immediate=True)
        elif self.cursor_row >= top + body:
            self.scroll_to(y=self.cursor_row - body + 1, animate=False, immediate=True)

    def on_resize(self) -> None:
        self._scroll_to_cursor()

    # ----- drawing -----------------------------------------------------------------------------------------
    def _column_index(self, column: str) -> int:
        return self._column_at[column]

    def _columns_changed(self) -> None:
        self._column_at = {key: i for i, key in enumerate(self.columns)}
        self._layout += 1
        self._resized()
        self.refresh()

    def _resized(self) -> None:
        width = sum(c.width + 2 * self.PADDING for c in self.columns.values())
        self.virtual_size = Size(width, len(self._order) + 1)

    def _refresh_rows(self, indexes: Iterable[int]) -> None:
        """Redraw these rows where they are on screen (the header is line 0)."""
        top, height, width = int(self.scroll_y), self.size.height, self.size.width
        if isinstance(indexes, range):  # only the part of a range that is on screen
            indexes = range(max(indexes.start, top), min(indexes.stop, top + height))
        for index in indexes:
            line = index - top + 1
            if 1 <= line < height:
                self.refresh(Region(0, line, width, 1))

    def render_line(self, y: int) -> Strip:
        scroll_x, scroll_y = self.scroll_offset
        width = self.size.width
        base = self.rich_style
        if y == 0:
            header = base + self.get_component_rich_style("row-table--header")
            return self._line((c.label for c in self.columns.values()), header, None,
                              ("header", self._layout), scroll_x, width)
        index = y - 1 + scroll_y
        if index >= len(self._order):
            return Strip.blank(width, base)
        key = self._order[index]
        style = base
        if self.zebra_stripes and index % 2:
            style = style + self.get_component_rich_style("row-table--even-row")
        cursor = self.get_component_rich_style("row-table--cursor") if index == self.cursor_row else None
        return self._line(self._cells[key], style, cursor, (key, self._version[key], self._layout), scroll_x, width)

    def _line(self, cells: Iterable[CellValue], style: Style, cursor: Style | None, key: tuple, scroll_x: int,
              width: int) -> Strip:
        """One row's cells, padded and cut to their columns: the row's style under the cells' own, the
        cursor's over them; its stripe (and the cursor) reach the right edge. Cached under the row's version,
        every style it was drawn with, the scroll and the width."""
        cache_key = (*key, style, cursor, scroll_x, width)
        strip = self._lines.get(cache_key)
        if strip is None:
            text = Text(no_wrap=True, end="")
            pad = " " * self.PADDING
            for column, value in zip(self.columns.values(), cells):
                cell = value.copy() if isinstance(value, Text) else Text(str(value))
                cell.truncate(column.width, overflow="ellipsis", pad=True)
                text.append(pad)
                text.append_text(cell)
                text.append(pad)
            segments = Segment.apply_style(text.render(self.app.console), style, cursor)
            strip = Strip(segments, text.cell_len).crop_extend(scroll_x, scroll_x + width,
                                                                style + cursor if cursor else style)
            self._lines[cache_key] = strip
        return strip
