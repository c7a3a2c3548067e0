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

import asyncio
import itertools
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, ClassVar, Protocol, Self

from rich.control import Control
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import events
from textual.actions import parse as parse_action
from textual.binding import Binding, BindingType
from textual.cache import LRUCache
from textual.color import Color
from textual.errors import NoWidget
from textual.filter import LineFilter
from textual.geometry import Region, Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.scrollbar import ScrollBarRender
from textual.strip import Strip
from textual.widget import Widget

if TYPE_CHECKING:
    from textual.screen import Screen

CellValue = str | Text


class Terminal(Protocol):
    """Where lines drawn ahead of the frame go (hubtui's driver, ui/driver.py)."""

    frames: int  # Textual's writes so far

    def write_ahead(self, data: str) -> bool: ...  # True if written
# Seconds after a move of the cursor, when its frame is on screen, that what can wait is drawn: the lines either
# side of the cursor (ahead of the next move), the replica slider's new row. Not call_after_refresh: the screen
# calls those back when it is next idle, which is before the move's frame when its lines are not yet marked.
AFTER_FRAME = 0.02


def after_frame(widget: Widget, callback: Callable[[], None]) -> None:
    """`callback`, AFTER_FRAME seconds from now, on the widget's turn (call_next: a failure is the app's, as in any
    handler). A timer of the loop's own, not a Textual Timer, which is a task of its own: this is made at every ↓,
    on the key's path."""
    asyncio.get_running_loop().call_later(AFTER_FRAME, widget.call_next, callback)


def _bindings(cls: type) -> Iterable[Binding]:
    for klass in cls.__mro__:
        for binding in vars(klass).get("BINDINGS", ()):
            if isinstance(binding, Binding):
                yield binding
            else:  # a tuple (key, action, description)
                yield Binding(*binding)


@cache
def _navigation(cls: type) -> dict[str, str]:
    """key -> action of the class's bindings, the most derived class's first (ScrollView binds ↑ ↓ to scrolling)."""
    actions: dict[str, str] = {}
    for b in _bindings(cls):
        for key in b.key.split(","):
            actions.setdefault(key.strip(), b.action)
    return actions


@cache
def _own_navigation() -> dict[str, str]:
    """RowTable's own keys (not those it inherits from ScrollView)."""
    return {key.strip(): b.action for b in RowTable.BINDINGS if isinstance(b, Binding) for key in b.key.split(",")}


@cache
def _parsed(action: str) -> tuple[str, tuple[object, ...]]:
    _, name, params = parse_action(action)
    return name, params


def priority_keys(widget: Widget) -> frozenset[str]:
    """The keys bound with priority on the widget or any node above it (the app included): they act before the
    focused widget, whatever it is."""
    return _priority_keys(tuple(type(node) for node in widget.ancestors_with_self))


@cache
def _priority_keys(classes: tuple[type, ...]) -> frozenset[str]:
    return frozenset(_priority_actions(classes))


def priority_actions(widget: Widget) -> Mapping[str, str]:
    """priority_keys, each with its action (the nearest node's binding of it)."""
    return _priority_actions(tuple(type(node) for node in widget.ancestors_with_self))


@cache
def _priority_actions(classes: tuple[type, ...]) -> Mapping[str, str]:
    actions: dict[str, str] = {}
    for cls in classes:
        for b in _bindings(cls):
            if b.priority:
                for key in b.key.split(","):
                    actions.setdefault(key.strip(), b.action)
    return actions


@dataclass
class Column:
    key: str
    label: str
    width: int  # of the values; each cell has one column of padding either side


class RowTable(ScrollView, can_focus=True):
    ALLOW_SELECT = False  # no text to select in rows; a drag on the scroll bar scrolls (Textual's bar: the same)
    PADDING = 1  # each side of a cell
    BAR_WIDTH = 2  # the vertical scroll bar's, as Textual's default (scrollbar-size-vertical)

    COMPONENT_CLASSES: ClassVar[set[str]] = {"row-table--header", "row-table--cursor", "row-table--even-row"}
    DEFAULT_CSS = """
    RowTable {
        background: $surface;
        color: $foreground;
        height: auto;
        max-height: 100%;
        scrollbar-size-vertical: 0;  /* the table draws its vertical scroll bar itself (_bar) */
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

    class HeaderClicked(Message):
        """A click on a column's header."""

        def __init__(self, table: RowTable, column: str):
            super().__init__()
            self.table, self.column = table, column

        @property
        def control(self) -> RowTable:
            return self.table

    def __init__(self, *, zebra_stripes: bool = True, follow_cursor: Callable[[str | None], None] | None = None,
                 id: str | None = None, classes: str | None = None):
        """`follow_cursor(key)`: the cursor is on another row (None: no rows). It is called at once, in the move, not
        posted as a message: what follows the cursor (the replica slider) follows it before the next key is read,
        and before the move's frame is drawn, not after a message's trip through the screen."""
        super().__init__(id=id, classes=classes)
        self.follow_cursor = follow_cursor
        self.zebra_stripes = zebra_stripes
        self.columns: dict[str, Column] = {}
        self._column_at: dict[str, int] = {}  # column key -> its place
        self._order: list[str] = []  # row keys, top to bottom
        self._index: dict[str, int] = {}  # row key -> its place in _order
        self._cells: dict[str, tuple[CellValue, ...]] = {}
        # row key -> its version, from one count for the whole table: a row removed and added again (a deployment
        # deleted and made again) never meets the lines cached for it before
        self._version: dict[str, int] = {}
        self._versions = itertools.count()
        self._in_bulk = 0  # inside bulk(): follow_cursor waits for its end
        self._layout = 0  # bumped when the columns change
        self._lines: LRUCache[tuple, Strip] = LRUCache(4096)
        self._styles: dict[str, Style] = {}  # resolved styles (_style)
        self._filtering: tuple[tuple[LineFilter, ...], Color] | None = None  # the app's line filters (_filtered)
        self._warming = False  # _warm_cursor_lines is due
        self._highlighted: str | None = None  # the key last given to follow_cursor
        self._bar_cells: tuple[Strip, ...] = ()  # the scroll bar's cells, top to bottom (_bar), drawn for:
        self._bar_key: tuple | None = None
        self._bar_parts: tuple[str, ...] = ()  # each line's part of the bar (_bar_part)
        self._bar_state = ""  # its colours: "" at rest, "hover", "active" (held)
        self._grabbed: tuple[float, float] | None = None  # the thumb held: the mouse's screen y, scroll_y then
        self._pressed_on_bar = False  # the last press was on the bar: its click is not a row's (on_click)
        # drawing the cursor's rows ahead of the frame (draw_cursor_ahead):
        self._moved: tuple[int, int] | None = None  # the rows the cursor left and reached in this move
        # the terminal's frame count when the whole table was last drawn; None while it is to be drawn again
        # whole (more than a row's lines changed) and not drawn yet
        self._drawn_at: int | None = None
        self._covered: bool | None = None  # something is over the table, or it is cut (None: to be looked at)

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
            self._version[key] = next(self._versions)
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
        self._drawn_at = None  # the rows under it move up a line: not a row's change (draw_cursor_ahead)
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
            self._version[key] = next(self._versions)
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
    def navigation(self, key: str) -> str | None:
        """The action of one of RowTable's own keys (↑ ↓ PgUp PgDn Home End) if it is still theirs on this table;
        None for any other key (a subclass's keys, such as the screen's digits and Enter, are not navigation)."""
        action = _own_navigation().get(key)
        return action if action is not None and _navigation(type(self)).get(key) == action else None

    def navigate(self, action: str) -> bool:
        """Do a navigation key's action (navigation), if it may be done here now (check_action): True if done.
        Called directly, not through App.run_action: its parse and dispatch were a tenth of ↓'s time."""
        name, params = _parsed(action)
        if not self.check_action(name, params):
            return False
        self._moved = None  # the move's, if it moves the cursor (watch_cursor_row)
        getattr(self, f"action_{name}")(*params)
        return True

    def action_cursor(self, step: int) -> None:
        self.move_cursor(row=self.cursor_row + step)

    def action_page(self, step: int) -> None:
        self.move_cursor(row=self.cursor_row + step * max(1, self._visible_height() - 2))

    def action_cursor_to(self, row: int) -> None:
        self.move_cursor(row=row if row >= 0 else len(self._order) - 1)

    def on_click(self, event: events.Click) -> None:
        pressed_on_bar, self._pressed_on_bar = self._pressed_on_bar, False
        offset = event.get_content_offset(self)
        if offset is None or pressed_on_bar or self._bar_part(offset.x, offset.y) is not None:
            return  # the bar's (a drag on it let go over a row included), never a row's or a header's
        if offset.y == 0:
            x = offset.x + self.scroll_offset.x  # where the lines are drawn from (render_line)
            for column in self.columns.values():
                x -= column.width + 2 * self.PADDING
                if x < 0:
                    self.post_message(self.HeaderClicked(self, column.key))
                    return
            return
        row = self.scroll_offset.y + offset.y - 1
        if row < len(self._order):
            self.move_cursor(row=row)

    # The scroll bar, with the mouse, as Textual's own: the thumb held follows the mouse until let go, a press on
    # the track above or below it pages, and it takes its hover and held colours.
    def on_mouse_down(self, event: events.MouseDown) -> None:
        offset = event.get_content_offset(self)
        part = None if offset is None else self._bar_part(offset.x, offset.y)
        self._pressed_on_bar = part is not None
        if part is None or event.button != 1:
            return
        event.stop()
        if part == "grab":
            self._grabbed = (event.screen_y, self.scroll_y)
            self.capture_mouse()
            self._bar_look("active")
        elif part == "scroll_up":
            self.scroll_page_up(animate=False)
        else:
            self.scroll_page_down(animate=False)

    def on_mouse_move(self, event: events.MouseMove) -> None:
        if self._grabbed is not None and self.app.mouse_captured is self:
            screen_y, position = self._grabbed
            height = self._visible_height()
            # to a whole row: a fraction would be drawn rounded, and leave the bar's eighths stale on its lines
            self.scroll_to(y=round(position + (event.screen_y - screen_y) * (len(self._order) + 1) / max(1, height)),
                           animate=False, immediate=True)
            event.stop()
            return
        offset = event.get_content_offset(self)
        self._bar_look("hover" if offset is not None and self._bar_part(offset.x, offset.y) else "")

    def on_mouse_up(self, event: events.MouseUp) -> None:
        if self._grabbed is not None:
            self.release_mouse()  # then on_mouse_release
            event.stop()

    def on_mouse_release(self, event: events.MouseRelease) -> None:
        """The mouse let go, or taken away (a screen pushed over the table mid-drag): the drag ends."""
        self._grabbed = None
        self._bar_look("")

    def on_leave(self, event: events.Leave) -> None:
        if self._grabbed is None:
            self._bar_look("")

    def on_hide(self) -> None:
        if self._grabbed is not None and self.app.mouse_captured is self:
            self.release_mouse()
        self._grabbed = None

    def _bar_part(self, x: int, y: int) -> str | None:
        """What of the scroll bar is at content offset (x, y): "grab" (the thumb), "scroll_up" or "scroll_down"
        (the track above or below it); None off the bar, or with no bar."""
        if self._bar() is None or x < self.size.width - self.BAR_WIDTH or not 0 <= y < len(self._bar_parts):
            return None
        return self._bar_parts[y]

    def _bar_look(self, look: str) -> None:
        """The bar's colours: "" (at rest), "hover" or "active" (held): redrawn on every line when they change."""
        if look != self._bar_state:
            self._bar_state = look
            if self._bar_key is not None:
                self._bar_key = None
                self.refresh()

    def _visible_height(self) -> int:
        """The lines of rows on screen, the header's included (a horizontal scroll bar, when there is one, is
        under them)."""
        return self.scrollable_content_region.height

    def watch_cursor_row(self, old: int, new: int) -> None:
        self._moved = (old, new)
        self._refresh_rows((old, new))
        self._say_highlighted()
        if not self._warming:
            after_frame(self, self._warm_cursor_lines)
            self._warming = True

    @contextmanager
    def bulk(self) -> Iterator[None]:
        """Changes in bulk (the table cleared and filled again, its cursor put back on its row): follow_cursor is
        called once at the end, if the row under the cursor is another then, not for each state in between."""
        self._in_bulk += 1
        try:
            yield
        finally:
            self._in_bulk -= 1
            if not self._in_bulk:
                self._say_highlighted()

    def _say_highlighted(self) -> None:
        key = self.cursor_key
        if key != self._highlighted and not self._in_bulk:
            self._highlighted = key
            if self.follow_cursor is not None:
                self.follow_cursor(key)

    def _scroll_to_cursor(self) -> None:
        body = max(1, self._visible_height() - 1)  # rows under the header
        top = self.scroll_offset.y
        if self.cursor_row < top:
            self.scroll_to(y=self.cursor_row, animate=False, immediate=True)
        elif self.cursor_row >= top + body:
            self.scroll_to(y=self.cursor_row - body + 1, animate=False, immediate=True)

    def on_resize(self) -> None:
        self._resized()
        self._scroll_to_cursor()

    # ----- drawing -----------------------------------------------------------------------------------------
    def on_mount(self) -> None:
        # at once, in the layout's turn: a toast or a tooltip that came is known before the next key is handled
        self.screen.screen_layout_refresh_signal.subscribe(self, self._laid_out, immediate=True)
        # another screen came or went, or the app is back from a program it handed the terminal to: the screen
        # on the terminal is not this table's until it is drawn whole again
        self.app.screen_change_signal.subscribe(self, self._screen_changed, immediate=True)
        self.app.app_resume_signal.subscribe(self, self._screen_changed, immediate=True)

    def _laid_out(self, screen: Screen) -> None:
        self._covered = None

    def _screen_changed(self, _: object) -> None:
        self._drawn_at, self._covered = None, None

    def refresh(self, *regions: Region, repaint: bool = True, layout: bool = False, recompose: bool = False) -> Self:
        if not regions or any(region.height != 1 for region in regions) or layout or recompose:
            self._drawn_at = None  # more than rows changed (a scroll, the styles, the size, the columns)
        return super().refresh(*regions, repaint=repaint, layout=layout, recompose=recompose)

    def render_lines(self, crop: Region) -> list[Strip]:
        lines = super().render_lines(crop)
        if crop.contains_region(Region(0, 0, *self.outer_size)):
            # a frame's (it asks for every line; those not changed come cached), or a screenshot's: drawn on the
            # terminal once the terminal has had a frame since. (A frame of other widgets asks too: a whole
            # redraw asked for just before it, whose turn at the screen is still to come, is then taken as
            # written a frame early; two rows drawn ahead in that window show ahead of the rest for that frame.)
            terminal = getattr(self.app, "hub_driver", None)
            self._drawn_at = None if terminal is None else terminal.frames
        return lines

    def draw_cursor_ahead(self, terminal: Terminal) -> bool:
        """The rows the cursor just left and reached, written to the terminal now, ahead of the frame
        that draws them: Textual's way from a move to the screen (the table's refresh, the screen's turn, its
        update timer, the compositor over every widget on those lines) was two fifths of ↓'s time at 2,000 rows. The
        frame follows and draws the same lines, the same, from the same cache. Only when that is all there is to
        draw of the table, and nothing could differ: the table is the current screen's, uncut, with nothing over
        it (a toast, a tooltip), and is not to be drawn again whole (it scrolled, its styles changed, it is back
        from under another screen) or drawn whole but not yet written. True if written."""
        moved, self._moved = self._moved, None
        screen = self.screen
        app = self.app
        if moved is None or self._drawn_at is None or terminal.frames <= self._drawn_at:
            return False
        if app.screen is not screen or not app.is_running or app.is_inline:
            return False
        if self._covered is None:
            self._covered = self._overlaid()
        if self._covered:
            return False
        try:
            region = screen.find_widget(self).region
        except NoWidget:
            return False
        top, gutter, height = self.scroll_offset.y, self.gutter.top, self._visible_height()
        console = app.console
        out = []
        for index in sorted(set(moved)):
            line = index - top + 1  # in the content: the header is line 0
            if 1 <= line < height and index < len(self._order):
                y = gutter + line
                strip = self.render_lines(Region(0, y, region.width, 1))[0]
                out.append(Control.move_to(region.x, region.y + y).segment.text + strip.render(console))
        return bool(out) and terminal.write_ahead("".join(out))

    def _overlaid(self) -> bool:
        """Whether the table is not wholly on screen as its own lines: cut by what holds it, or with a widget
        over it (one drawn after it, overlapping it: a toast, a tooltip). Looked at once after each layout."""
        screen = self.screen
        try:
            mine = screen.find_widget(self)
        except NoWidget:
            return True
        if not mine.clip.contains_region(mine.region):
            return True
        under = set(self.ancestors_with_self)
        for widget in screen.walk_children(Widget):
            if widget in under:
                continue
            try:
                geometry = screen.find_widget(widget)
            except NoWidget:
                continue  # not on screen
            if geometry.order > mine.order and geometry.region.intersection(geometry.clip).overlaps(mine.region):
                return True
        return False

    def _column_index(self, column: str) -> int:
        return self._column_at[column]

    def _columns_changed(self) -> None:
        self._column_at = {key: i for i, key in enumerate(self.columns)}
        self._layout += 1
        self._resized()
        self.refresh()

    def _resized(self) -> None:
        width = sum(c.width + 2 * self.PADDING for c in self.columns.values())
        before = self._bar_key
        bar = self._bar() is not None
        # the last column is the bar's when there is one: scrolled to the right, the last cells clear it
        self.virtual_size = Size(width + bar * self.BAR_WIDTH, len(self._order) + 1)
        if self._bar_key != before:
            self.refresh()  # the bar came, went or changed its thumb: on every line

    def _bar(self) -> tuple[Strip, ...] | None:
        """The vertical scroll bar, a cell for each line, in the table's last column, as Textual's own draws it
        (ScrollBarRender, in the widget's scrollbar colours); None when every row is on screen. Textual's bar is
        a widget of its own: every frame that redrew a row of the table went through all its lines as well, a
        twelfth of the time from ↓ to the screen at 2,000 rows. Drawn here, it is in the rows' own lines."""
        height, width = self._visible_height(), self.size.width
        virtual = len(self._order) + 1
        if virtual <= height or height < 2 or width <= self.BAR_WIDTH:
            self._bar_key, self._bar_cells, self._bar_parts = None, (), ()
            return None
        position = int(self.scroll_y * 8) / 8  # as Textual's ScrollBar: an eighth of a cell
        key = (virtual, height, position, self._bar_state)
        if key != self._bar_key:
            styles = self.styles
            background, colour = {
                "active": (styles.scrollbar_background_active, styles.scrollbar_color_active),
                "hover": (styles.scrollbar_background_hover, styles.scrollbar_color_hover),
            }.get(self._bar_state, (styles.scrollbar_background, styles.scrollbar_color))
            if background.a < 1:
                background = self.background_colors[0] + background
            colour = background + colour
            bar = ScrollBarRender.render_bar(size=height, virtual_size=virtual, window_size=height,
                                             position=position, thickness=self.BAR_WIDTH, vertical=True,
                                             back_color=background.rich_color,
                                             bar_color=colour.rich_color)
            # what each line is, from the mouse actions Textual's ScrollBar gives its cells ("grab" the thumb,
            # "scroll_up"/"scroll_down" the track): here the table's own handlers act on them (on_mouse_down)
            self._bar_parts = tuple(str((s.style.meta if s.style else {}).get("@mouse.down", "")) for s in bar.segments)
            self._bar_cells = tuple(self._filtered(Strip([Segment(s.text, s.style and s.style.clear_meta_and_links())],
                                                       self.BAR_WIDTH))
                                    for s in bar.segments)
            self._bar_key = key
        return self._bar_cells

    def _refresh_rows(self, indexes: Iterable[int]) -> None:
        """Redraw these rows where they are on screen (the header is line 0): one refresh for all of them."""
        top, height, width = self.scroll_offset.y, self.size.height, self.size.width
        if isinstance(indexes, range):  # only the part of a range that is on screen
            indexes = range(max(indexes.start, top), min(indexes.stop, top + height))
        regions = [Region(0, line, width, 1) for line in (index - top + 1 for index in indexes) if 1 <= line < height]
        if regions:
            self.refresh(*regions)

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._styles.clear()  # a theme, the focus (the cursor's colours), a stylesheet: the lines are drawn again
        self._filtering = None
        self._bar_key = None
        self._lines.clear()

    def get_line_filters(self) -> Sequence[LineFilter]:
        """None for Textual to apply at each frame: the app's filters (ANSI colours to the theme's) are applied to
        each line once, as it is drawn into the cache (_filtered). Textual applied them to every line on screen at
        every frame, a lookup each, and to a redrawn line in full, a fifth of a move's frame at 2,000 rows."""
        return ()

    def _filtered(self, strip: Strip) -> Strip:
        """A line through the app's line filters, as Textual would pass it (against the widget's background)."""
        if self._filtering is None:
            self._filtering = (tuple(self.app.get_line_filters()), self.background_colors[1])
        filters, background = self._filtering
        for line_filter in filters:
            strip = strip.apply_filter(line_filter, background)
        return strip

    def _style(self, part: str) -> Style:
        """The widget's style ("base") or a component's, resolved once until the styles change (above)."""
        style = self._styles.get(part)
        if style is None:
            style = self.rich_style if part == "base" else self.get_component_rich_style(part)
            self._styles[part] = style
        return style

    def render_line(self, y: int) -> Strip:
        scroll_x, scroll_y = self.scroll_offset
        bar = self._bar()
        width = self.size.width - (bar is not None) * self.BAR_WIDTH
        if y == 0:
            line = self._line((None, self._layout), None, False, scroll_x, width)
        elif (index := y - 1 + scroll_y) >= len(self._order):
            line = self._filtered(Strip.blank(width, self._style("base")))
        else:
            line = self._row_line(index, index == self.cursor_row, scroll_x, width)
        return Strip.join((line, bar[y])) if bar is not None and y < len(bar) else line

    def _warm_cursor_lines(self) -> None:
        """The rows either side of the cursor, drawn under the cursor ahead of ↑ or ↓ (after the frame, while
        the operator reads it): the next move then draws from the cache."""
        self._warming = False
        scroll_x, scroll_y = self.scroll_offset
        width, height = self.size.width - (self._bar() is not None) * self.BAR_WIDTH, self._visible_height()
        for index in (self.cursor_row - 1, self.cursor_row + 1):
            if 0 <= index < len(self._order) and scroll_y <= index < scroll_y + height - 1:
                self._row_line(index, True, scroll_x, width)

    def _row_line(self, index: int, cursor: bool, scroll_x: int, width: int) -> Strip:
        key = self._order[index]
        return self._line((key, self._version[key], self._layout), index, cursor, scroll_x, width)

    def _line(self, key: tuple, index: int | None, cursor: bool, scroll_x: int, width: int) -> Strip:
        """One row's cells (index None: the header), padded and cut to their columns: the row's style under the
        cells' own, the cursor's over them; its stripe (and the cursor) reach the right edge. Cached under the
        row's version, the stripe, the cursor, the scroll and the width (the styles: until they change)."""
        striped = index is not None and self.zebra_stripes and index % 2 == 1
        cache_key = (*key, striped, cursor, scroll_x, width)
        strip = self._lines.get(cache_key)
        if strip is None:
            if index is None:
                style = self._style("base") + self._style("row-table--header")
                cells: Iterable[CellValue] = (c.label for c in self.columns.values())
            else:
                style = self._style("base")
                if striped:
                    style += self._style("row-table--even-row")
                cells = self._cells[key[0]]
            post = self._style("row-table--cursor") if cursor else None
            text = Text(no_wrap=True, end="")
            pad = " " * self.PADDING
            for column, value in zip(self.columns.values(), cells):
                cell = value.copy() if isinstance(value, Text) else Text(str(value))
                cell.truncate(column.width, overflow="ellipsis", pad=True)
                text.append(pad)
                text.append_text(cell)
                text.append(pad)
            segments = Segment.apply_style(text.render(self.app.console), style, post)
            strip = self._filtered(Strip(segments, text.cell_len).crop_extend(scroll_x, scroll_x + width,
                                                                              style + post if post else style))
            self._lines[cache_key] = strip
        return strip
