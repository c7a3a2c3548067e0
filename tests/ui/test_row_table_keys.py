"""The table's keys at speed: ↑ ↓ PgUp PgDn Home End take a short path from the key to the cursor (HubApp), the
slider follows the cursor a frame later, and the rows' lines are cached until the styles change. Each test reads
the screen a person sees."""

from __future__ import annotations

from hubtui.ui.screens.deployment_rows import DeploymentTable
from hubtui.ui.widgets.row_table import RowTable, priority_keys

from .fakes import FakeBackend, row
from .helpers import burst, line_backgrounds, opened_on, screen_lines, screen_text, until

SIZE = (120, 30)


def slider_names(app, name: str) -> bool:
    """The slider (the line under the table) is on deployment `name`."""
    return any(line.startswith(f" {name}  0 ") for line in screen_lines(app))


def row_line(app, name: str) -> int:
    return next(i for i, line in enumerate(screen_lines(app)) if line.startswith(f" {name} "))


async def test_arrows_typed_as_one_burst_move_the_cursor_a_row_each():
    async with opened_on("anomaly-detection", FakeBackend(), size=SIZE) as (app, pilot):
        burst(app, "down", "down", "down", "up", "end", "up", "home", "down", "down")
        await until(pilot, lambda: slider_names(app, "correlation-engine"), what="the slider on the third row")
        for _ in range(5):  # the burst went through the third row on its way: it ends there too
            await pilot.pause(0.02)
        assert slider_names(app, "correlation-engine")


async def test_a_count_and_enter_typed_right_after_an_arrow_scale_the_row_the_arrow_reached():
    """The slider is drawn a frame after the cursor, but it follows the cursor at once: `↓ 5 ⏎` at once scales
    the row ↓ reached, never the one it left."""
    backend = FakeBackend()
    async with opened_on("anomaly-detection", backend, size=SIZE) as (app, pilot):
        burst(app, "down", "5", "enter")
        await until(pilot, lambda: backend.calls, what="a scale")
        assert backend.calls == [("scale", ("api-server",), 5, False)]
        await until(pilot, lambda: " 5/5 " in screen_lines(app)[row_line(app, "api-server")],
                    what="api-server at 5 on screen")
        assert " 1/1 " in screen_lines(app)[row_line(app, "anomaly-detection")]


async def test_an_arrow_typed_after_a_key_that_opens_a_screen_is_that_screens():
    """`?` then ↓ at once: the ↓ was typed for the help `?` opens, not for the table (the short path is not
    taken while a key read before it is still on its way)."""
    async with opened_on("anomaly-detection", FakeBackend(), size=SIZE) as (app, pilot):
        burst(app, "question_mark", "down")
        await until(pilot, lambda: "Deployments — keys" in screen_text(app), what="the help")
        for _ in range(5):
            await pilot.pause(0.02)
        await pilot.press("escape")
        await until(pilot, lambda: "Deployments — keys" not in screen_text(app), what="the help closed")
        await pilot.pause(0.05)
        assert slider_names(app, "anomaly-detection")


async def test_the_cursor_is_drawn_in_its_unfocused_colours_while_the_filter_has_the_focus():
    """The rows' lines are cached without their styles' values: a change of focus draws them again."""
    async with opened_on("api-server", FakeBackend(), size=SIZE) as (app, pilot):
        await pilot.pause(0.05)
        focused = line_backgrounds(app)[row_line(app, "api-server")]
        await pilot.press("slash")
        await until(pilot, lambda: line_backgrounds(app)[row_line(app, "api-server")] != focused,
                    what="the cursor's colours without the focus")
        await pilot.press("escape")
        await until(pilot, lambda: line_backgrounds(app)[row_line(app, "api-server")] == focused,
                    what="the cursor's colours with the focus again")


async def test_the_rows_take_the_colours_of_a_new_theme():
    async with opened_on("api-server", FakeBackend(), size=SIZE) as (app, pilot):
        await pilot.pause(0.05)
        before = line_backgrounds(app)
        rows = [row_line(app, name) for name in ("api-server", "scheduler", "forecasting")]  # the cursor, 2 others
        app.theme = "textual-light"
        await until(pilot, lambda: all(line_backgrounds(app)[i] != before[i] for i in rows),
                    what="every row in the light theme's colours")


def test_only_the_tables_own_keys_take_the_short_path():
    """↑ ↓ PgUp PgDn Home End, as RowTable binds them; the deployments table's other keys (its digits, Enter,
    ← →: the slider's, the screen's actions) go the usual way, as does any key bound with priority."""
    table = DeploymentTable()
    assert [table.navigation(k) for k in ("up", "down", "pageup", "pagedown", "home", "end")] == \
        ["cursor(-1)", "cursor(1)", "page(-1)", "page(1)", "cursor_to(0)", "cursor_to(-1)"]
    assert [table.navigation(k) for k in ("enter", "left", "right", "5", "a")] == [None] * 5
    assert RowTable().navigation("left") is None  # ScrollView's, not RowTable's own


async def test_the_keys_bound_with_priority_above_the_table_are_known():
    async with opened_on("api-server", FakeBackend(), size=SIZE) as (app, pilot):
        keys = priority_keys(app.screen.query_one(DeploymentTable))
        assert {"tab", "shift+tab", "ctrl+p"} <= keys
        assert not keys & {"up", "down", "pageup", "pagedown", "home", "end"}


async def test_the_short_path_asks_check_action_as_a_binding_would():
    """A table that refuses its cursor action now (check_action) does not move, by the short path or the usual."""
    async with opened_on("anomaly-detection", FakeBackend(), size=SIZE) as (app, pilot):
        table = app.screen.query_one(DeploymentTable)
        table.check_action = lambda action, parameters: action != "cursor"  # type: ignore[method-assign]
        burst(app, "down", "down")
        for _ in range(5):
            await pilot.pause(0.02)
        assert slider_names(app, "anomaly-detection")
        burst(app, "end")  # another of its keys still acts
        await until(pilot, lambda: slider_names(app, "worker-service"), what="the last row")


def test_a_terminal_gets_the_driver_that_hands_keys_to_the_app_directly():
    """In a terminal (no TEXTUAL_DRIVER: a browser's textual-serve sets one), hubtui's driver: Textual's Linux
    driver whose keys are posted to the app, not scheduled as a coroutine (ui/driver.py)."""
    from textual.drivers.linux_driver import LinuxDriver

    from hubtui.ui.app import HubApp
    from hubtui.ui.driver import HubDriver

    driver = HubApp(backend=FakeBackend()).driver_class
    assert driver is HubDriver and issubclass(driver, LinuxDriver)


async def test_a_target_typed_on_the_slider_stays_when_the_table_is_sorted_again():
    """A sort (or a filter, a widened column, a storm of changes) rebuilds the table: the slider follows the cursor
    to where it ends, its row, and the target typed for it stays, not "dropped"."""
    async with opened_on("api-server", FakeBackend(), size=SIZE) as (app, pilot):
        await pilot.press("5")
        await until(pilot, lambda: "target 5" in screen_text(app), what="target 5 typed")
        await pilot.press("S")
        await until(pilot, lambda: screen_lines(app)[2].startswith(" worker-service "), what="the reverse sort")
        for _ in range(5):
            await pilot.pause(0.02)
        assert slider_names(app, "api-server") and "target 5" in screen_text(app)
        assert "dropped" not in screen_text(app)


async def test_a_deployment_deleted_and_made_again_shows_its_new_cells():
    backend = FakeBackend()
    async with opened_on("api-server", backend, size=SIZE) as (app, pilot):
        backend.remove("scheduler")
        await until(pilot, lambda: not any(line.startswith(" scheduler ") for line in screen_lines(app)),
                    what="scheduler gone")
        backend.push(row("scheduler", 7, ready=0, available=0, updated=0, replicas=0))
        await until(pilot, lambda: any(line.startswith(" scheduler ") and " 0/7 " in line for line in screen_lines(app)),
                    what="scheduler back, at 0/7")


async def test_a_key_bound_with_priority_above_the_table_wins_over_the_short_path():
    from pathlib import Path

    from textual.binding import Binding

    from hubtui.ui import app as app_module
    from hubtui.ui.app import HubApp

    noted: list[str] = []

    class Watching(HubApp):
        CSS_PATH = str(Path(app_module.__file__).parent / HubApp.CSS_PATH)  # (a relative one is the test's)
        BINDINGS = [*HubApp.BINDINGS, Binding("down", "noted", "Noted", priority=True, show=False)]

        def action_noted(self) -> None:
            noted.append("down")

    app = Watching(backend=FakeBackend())
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: slider_names(app, "anomaly-detection"), what="the first row selected")
        burst(app, "down")
        await until(pilot, lambda: noted, what="the priority binding")
        for _ in range(5):
            await pilot.pause(0.02)
        assert noted == ["down"] and slider_names(app, "anomaly-detection")


async def test_the_driver_stops_drawing_once_the_terminal_is_gone():
    """A hung-up terminal (EIO): the frames are dropped, not raised in the app's loop (the hang-up's signal ends
    hubtui); until then every frame is written as it comes."""
    import errno

    from hubtui.ui.app import HubApp
    from hubtui.ui.driver import HubDriver

    class Terminal:
        def __init__(self) -> None:
            self.written: list[str] = []
            self.gone = False

        def write(self, data: str) -> int:
            if self.gone:
                raise OSError(errno.EIO, "Input/output error")
            self.written.append(data)
            return len(data)

        def flush(self) -> None:
            pass

    driver = HubDriver(HubApp(backend=FakeBackend()))
    terminal = Terminal()
    driver.terminal = terminal  # type: ignore[assignment]
    driver.write("frame 1")
    terminal.gone = True
    driver.write("frame 2")
    driver.write("frame 3")
    assert terminal.written == ["frame 1"] and driver.terminal is None


def _text_colours(app) -> dict[str, str]:
    """Each run of text on the screen (its first word) -> its colour, "#rrggbb", as a person sees it (from the
    app's screenshot, as line_backgrounds)."""
    import re

    svg = app.export_screenshot()
    fills = dict(re.findall(r"\.(terminal-\w+-r\d+) \{ fill: (#[0-9a-fA-F]{6})", svg))
    return {text.split("&#160;")[0]: fills[cls].lower()
            for cls, text in re.findall(r'<text class="([\w-]+)"[^>]*>([^<]*)</text>', svg) if cls in fills}


async def test_a_cell_in_an_ansi_colour_is_drawn_in_the_apps_own_ansi_colours():
    """The table passes its lines through the app's line filters itself, once per cached line (Textual applied
    them at every frame to every line on screen): a cell in ANSI red shows the app's ANSI red, as the rest of
    the app does, not a terminal's default."""
    from rich.text import Text
    from textual.app import App

    class One(App):
        def compose(self):
            yield RowTable()

        def on_mount(self):
            table = self.query_one(RowTable)
            table.add_column("name", key="name", width=10)
            table.add_rows([("a", (Text("cursor", style="red"),)), ("b", (Text("reddish", style="red"),))])

    app = One()
    async with app.run_test(size=(30, 5)) as pilot:
        await until(pilot, lambda: "reddish" in screen_text(app), what="the rows")
        red = "#{:02x}{:02x}{:02x}".format(*app.ansi_theme.ansi_colors[1])
        assert _text_colours(app)["reddish"] == red


def _cell_backgrounds(app, column: int) -> list[str]:
    """The background colour of one column of the screen, each row, as a person sees it (from the screenshot,
    as line_backgrounds): "#rrggbb"."""
    import re

    svg = app.export_screenshot()
    out = [""] * app.size.height
    for fill, x, y, width in re.findall(r'<rect fill="(#[0-9a-fA-F]{6})" x="([\d.]+)" y="([\d.]+)" '
                                        r'width="([\d.]+)" height="24.65"', svg):
        line = round((float(y) - 1.5) / 24.4)
        if float(x) <= column * 12.2 + 1 < float(x) + float(width) and 0 <= line < len(out):
            out[line] = fill.lower()
    return out


def _thumb(app) -> list[int]:
    """The lines of the table where its scroll bar's thumb is: in the screen's two right columns, the lines of
    the colour that only a few of them have (the track has the others). [] when there is no bar."""
    from collections import Counter

    t = app.screen.query_one(DeploymentTable)
    lines = range(t.region.y, t.region.y + t.region.height)
    right, inner = _cell_backgrounds(app, app.size.width - 1), _cell_backgrounds(app, app.size.width - 2)
    rows = _cell_backgrounds(app, 0)
    if all(right[y] == rows[y] for y in lines):  # the rows' own colours (stripes, cursor): no bar
        return []
    assert all(right[y] == inner[y] for y in lines), "the bar is two columns wide, as Textual's"
    track = Counter(right[y] for y in lines).most_common(1)[0][0]
    return [y - t.region.y for y in lines if right[y] != track]


def _top_row(app) -> str:
    t = app.screen.query_one(DeploymentTable)
    return screen_lines(app)[t.region.y + 1].split()[0]


def _many(n: int = 200) -> FakeBackend:
    return FakeBackend([row(f"svc-{i:04d}", 1) for i in range(n)])


async def test_the_tables_scroll_bar_is_drawn_at_its_right_edge_and_follows_the_rows():
    """The table draws its scroll bar in its own lines (Textual's is a widget of its own, which every frame
    that redrew a row went through): two columns at the right edge, the thumb at the top, at the bottom after
    End; none when every row fits."""
    async with opened_on("svc-0000", _many(), size=SIZE) as (app, pilot):
        height = app.screen.query_one(DeploymentTable).region.height
        thumb = _thumb(app)
        assert thumb and max(thumb) < height // 3, thumb
        await pilot.press("end")
        await until(pilot, lambda: _top_row(app) != "svc-0000", what="the last rows")
        thumb = _thumb(app)
        assert thumb and min(thumb) > 2 * height // 3, thumb
    async with opened_on("anomaly-detection", FakeBackend(), size=SIZE) as (app, pilot):
        assert _thumb(app) == []  # every row fits: the rows reach the right edge


def _thumb_colour(app) -> str:
    t = app.screen.query_one(DeploymentTable)
    return _cell_backgrounds(app, app.size.width - 1)[t.region.y + _thumb(app)[0]]


async def test_a_press_on_the_scroll_bars_track_pages_and_leaves_the_selection_where_it_was():
    """As on Textual's bar: a press below the thumb pages down, above it pages up; no row is selected."""
    async with opened_on("svc-0000", _many(), size=SIZE) as (app, pilot):
        t = app.screen.query_one(DeploymentTable)
        await pilot.click("#deployments", offset=(t.region.width - 1, t.region.height - 1))  # the track's foot
        await until(pilot, lambda: _top_row(app) != "svc-0000", what="a page down")
        top = int(_top_row(app).split("-")[1])
        assert t.region.height - 4 <= top <= t.region.height, top  # one page, not the end
        assert slider_names(app, "svc-0000")  # the press was on the bar, not on a row
        await pilot.click("#deployments", offset=(t.region.width - 1, 0))  # the track's head: a page up
        await until(pilot, lambda: _top_row(app) == "svc-0000", what="a page up")


async def test_the_scroll_bars_thumb_held_with_the_mouse_drags_the_rows_until_let_go():
    async with opened_on("svc-0000", _many(), size=SIZE) as (app, pilot):
        t = app.screen.query_one(DeploymentTable)
        x = t.region.width - 2
        at_rest = _thumb_colour(app)
        await pilot.hover("#deployments", offset=(x, 0))
        await until(pilot, lambda: _thumb_colour(app) != at_rest, what="the thumb's hover colour")
        hovered = _thumb_colour(app)
        await pilot.mouse_down("#deployments", offset=(x, 0))  # on the thumb
        await until(pilot, lambda: _thumb_colour(app) not in (at_rest, hovered), what="the thumb's held colour")
        await pilot.hover("#deployments", offset=(x, t.region.height // 2))
        await until(pilot, lambda: _top_row(app) != "svc-0000", what="the rows dragged")
        middle = int(_top_row(app).split("-")[1])
        assert 60 < middle < 140, middle  # half the bar's height down: about half the rows
        await pilot.hover("#deployments", offset=(x, t.region.height - 1))
        await until(pilot, lambda: "svc-0199" in screen_text(app), what="the last rows")
        await pilot.mouse_up("#deployments", offset=(x, t.region.height - 1))
        await pilot.hover("#deployments", offset=(x, 0))  # let go: moving the mouse scrolls no more
        await pilot.pause(0.05)
        assert "svc-0199" in screen_text(app)
        assert slider_names(app, "svc-0000")
        await pilot.hover("#deployments", offset=(2, 3))  # off the bar: its colours at rest
        await until(pilot, lambda: _thumb_colour(app) == at_rest, what="the thumb's colour at rest")


async def test_a_drag_of_the_thumb_let_go_over_a_row_does_not_select_it():
    """The mouse as a terminal sends it, through the app (which makes a Click of a press and a release on the same
    widget, where it was let go): a drag of the thumb let go over a row scrolls, and selects nothing."""
    from textual import events

    def send(app, kind, x, y):
        app.post_message(kind(None, x, y, 0, 0, 1, False, False, False, screen_x=x, screen_y=y))

    async with opened_on("svc-0000", _many(), size=SIZE) as (app, pilot):
        t = app.screen.query_one(DeploymentTable)
        bar_x, row_x = t.region.right - 1, t.region.x + 3
        send(app, events.MouseDown, bar_x, t.region.y)  # the thumb, at the top
        send(app, events.MouseMove, row_x, t.region.y + 5)
        send(app, events.MouseUp, row_x, t.region.y + 5)  # over a row
        await until(pilot, lambda: _top_row(app) != "svc-0000", what="the rows dragged")
        for _ in range(5):
            await pilot.pause(0.02)
        assert slider_names(app, "svc-0000")  # the row let go over was not selected


async def test_a_drag_cut_short_by_a_screen_over_the_table_ends_there():
    """Textual takes the mouse away when a screen is pushed (help, mid-drag): back on the table, moving the
    mouse does not scroll it."""
    async with opened_on("svc-0000", _many(), size=SIZE) as (app, pilot):
        t = app.screen.query_one(DeploymentTable)
        await pilot.mouse_down("#deployments", offset=(t.region.width - 1, 0))
        await pilot.press("question_mark")
        await until(pilot, lambda: "Deployments — keys" in screen_text(app), what="the help")
        await pilot.press("escape")
        await until(pilot, lambda: "Deployments — keys" not in screen_text(app), what="the help closed")
        for y in (5, 10, 15):
            await pilot.hover("#deployments", offset=(t.region.width - 1, y))
        await pilot.pause(0.05)
        assert _top_row(app) == "svc-0000"


async def test_the_mouse_wheel_scrolls_the_table():
    from textual import events

    async with opened_on("svc-0000", _many(), size=SIZE) as (app, pilot):
        t = app.screen.query_one(DeploymentTable)
        for _ in range(5):
            t.post_message(events.MouseScrollDown(t, 5, 5, 0, 1, 0, False, False, False, screen_x=5, screen_y=5))
        await until(pilot, lambda: _top_row(app) != "svc-0000", what="the rows scrolled by the wheel")


async def test_with_a_horizontal_scroll_bar_the_last_row_is_above_it():
    """Names wider than the terminal: the table scrolls sideways too, and its horizontal scroll bar takes its
    bottom line. End puts the last row on screen above it (not under it), and the vertical bar ends there."""
    rows = [row(f"svc-{i:04d}-" + "x" * 80, 1) for i in range(100)]
    async with opened_on("svc-0000-" + "x" * 80, FakeBackend(rows), size=(80, 24)) as (app, pilot):
        await pilot.press("end")
        await until(pilot, lambda: any(line.startswith(" svc-0099-") for line in screen_lines(app)),
                    what="the last row on screen")
        t = app.screen.query_one(DeploymentTable)
        last = next(i for i, line in enumerate(screen_lines(app)) if line.startswith(" svc-0099-"))
        assert last == t.region.bottom - 2  # the line above the horizontal bar
        thumb = _thumb(app)
        assert thumb and max(thumb) == t.region.height - 2, thumb  # the vertical bar's last line: the last row's


async def test_after_a_drag_of_the_thumb_a_click_selects_the_row_under_the_mouse():
    """The thumb dragged by n lines moves the rows by n × (rows / lines of the bar), rarely a whole number: the
    rows land on whole lines all the same, so that a click then selects the row it is on, not its neighbour."""
    async with opened_on("svc-0000", _many(), size=SIZE) as (app, pilot):
        t = app.screen.query_one(DeploymentTable)
        x = t.region.width - 1
        for lines in range(1, t.region.height - 2):  # drags of 1, 2, ... lines from the top: 201 / 25 rows a line
            await pilot.press("home")
            await until(pilot, lambda: _top_row(app) == "svc-0000", what="the first rows")
            await pilot.mouse_down("#deployments", offset=(x, 0))
            await pilot.hover("#deployments", offset=(x, lines))
            await pilot.mouse_up("#deployments", offset=(x, lines))
            shown = screen_lines(app)[t.region.y + 3].split()[0]
            await pilot.click("#deployments", offset=(3, 3))
            await until(pilot, lambda shown=shown: slider_names(app, shown), what=f"{shown}, clicked, on the slider")
