"""The cursor's rows drawn ahead of the frame (RowTable.draw_cursor_ahead).

In a real terminal: hubtui's app on in-memory rows in a pseudo-terminal, with its own driver, its writes recorded
(tests/ui/terminal_app.py) and replayed on a terminal emulator (pyte), the screen read as a person sees it:
- each write drawn ahead moves the cursor's highlight from one line to another, and changes no line's text (no
  row drawn over another's place, no line of something over the table);
- a frame that follows makes the screen the same as replayed without the writes drawn ahead, and those writes,
  drawn again over it, change nothing (they drew what the frame draws);
- the same keys in a run that draws nothing ahead end on the same screen.
In the app under Pilot, with a terminal of the test's: nothing is drawn ahead over a screen just closed."""

from __future__ import annotations

import json
import os
import re
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pexpect
import pyte

from tests.e2e.terminal import Terminal
from tests.ui.fakes import FakeBackend, row
from tests.ui.helpers import burst, opened, until
from tests.ui.terminal_app import TOAST

ROOT = Path(__file__).resolve().parents[2]
ROWS, COLS = 30, 120


class AppTerminal(Terminal):
    """tests/ui/terminal_app.py in a pseudo-terminal (ROWS × COLS)."""

    def __init__(self, record: Path, count: int, *options: str):
        env = {k: v for k, v in os.environ.items() if not k.startswith("TEXTUAL")}
        env.update(TERM="xterm-256color", COLORTERM="truecolor", PYTHONPATH=str(ROOT))
        self.screen = pyte.Screen(COLS, ROWS)
        self.stream = pyte.ByteStream(self.screen)
        self.raw = bytearray()
        self.child = pexpect.spawn(sys.executable, ["-m", "tests.ui.terminal_app", str(record), str(count), *options],
                                   env=env, dimensions=(ROWS, COLS), timeout=5, cwd=str(ROOT))

    def slider_on(self) -> str:
        """The deployment the replica slider is on (it follows the cursor): the first word under the rule."""
        lines = self.screen.display
        rule = next((y for y, line in enumerate(lines) if line.startswith("────")), None)
        return "" if rule is None else (lines[rule + 1].split() or [""])[0]

    def until_on(self, name: str) -> None:
        deadline = time.monotonic() + self.WAIT
        while self.slider_on() != name:
            if time.monotonic() > deadline:
                raise AssertionError(f"the cursor never reached {name}:\n{self.text}")
            self.pump(0.02)

    def moves(self, key: str, names: list[str]) -> None:
        """`key` once for each name, at a person's pace: each time, the cursor reaches the name's row first."""
        for name in names:
            self.press(key)
            self.until_on(name)
            self.pump(0.05)

    def settled(self) -> list[tuple]:
        """The screen once nothing more has come for a while (the last frames drawn)."""
        shown, deadline = cells(self.screen), time.monotonic() + self.WAIT
        while time.monotonic() < deadline:
            self.pump(0.3)
            if cells(self.screen) == shown:
                return shown
            shown = cells(self.screen)
        raise AssertionError(f"the screen never settled:\n{self.text}")

    def rows_on_screen(self) -> int:
        return sum(1 for line in self.screen.display if re.search(r"svc-\d{4} +1/1 ", line))

    def click(self, x: int, y: int) -> None:
        """A click of the left button at column x, line y (from 0), as the terminal sends it (SGR mouse)."""
        self.child.send(f"\x1b[<0;{x + 1};{y + 1}M\x1b[<0;{x + 1};{y + 1}m")
        self.pump(0.05)


def svc(*numbers: int) -> list[str]:
    return [f"svc-{n:04d}" for n in numbers]


@contextmanager
def running(tmp_path: Path, count: int, *options: str) -> Iterator[tuple[AppTerminal, list]]:
    """The app on `count` rows; after the block it is quit, and the list holds its writes ([kind, text])."""
    record = tmp_path / f"writes{'-'.join(options)}.json"
    terminal = AppTerminal(record, count, *options)
    writes: list = []
    try:
        terminal.wait_for("svc-0005")
        terminal.until_on("svc-0000")
        yield terminal, writes
        terminal.ends("q")
        writes.extend(json.loads(record.read_text()))
    finally:
        terminal.close()


def cells(screen: pyte.Screen) -> list[tuple]:
    return [tuple(screen.buffer[y][x] for x in range(screen.columns)) for y in range(screen.lines)]


def text(line: tuple) -> str:
    return "".join(char.data for char in line)


def replayed(writes: list) -> int:
    """The writes replayed twice, with and without those drawn ahead, checked as the module says; the count of
    writes drawn ahead."""
    shown, plain = pyte.Screen(COLS, ROWS), pyte.Screen(COLS, ROWS)
    to_shown, to_plain = pyte.Stream(shown), pyte.Stream(plain)
    pending: list[str] = []  # drawn ahead since the last frame
    count = 0
    for number, (kind, data) in enumerate(writes):
        if kind == "ahead":
            before = cells(shown)
            to_shown.feed(data)
            after = cells(shown)
            changed = [y for y in range(ROWS) if before[y] != after[y]]
            # the highlight leaves one line and reaches another (none changed: drawn after its own frame)
            assert len(changed) == 2, f"write {number} drawn ahead changed lines {changed}"
            for y in changed:
                assert text(before[y]) == text(after[y]), \
                    f"write {number} drawn ahead changed line {y}'s text:\n{text(before[y])}\n{text(after[y])}"
            pending.append(data)
            count += 1
        else:
            to_shown.feed(data)
            to_plain.feed(data)
            # the frame that draws them (not always the next write: a frame of the screen's may have been due
            # before the move's lines reached it) makes both replays the same
            if pending and cells(shown) == cells(plain):
                for ahead in pending:
                    to_shown.feed(ahead)
                assert cells(shown) == cells(plain), f"lines drawn ahead before write {number} differ from its frame"
                pending = []
    assert not pending and cells(shown) == cells(plain), "lines drawn ahead that no frame drew the same"
    return count


def test_the_cursor_s_rows_are_drawn_ahead_of_the_frame_and_the_frame_draws_them_the_same(tmp_path):
    """↓ and ↑ at a person's pace and in a burst: each move is written ahead of its frame, the replay agrees, and
    a run that draws nothing ahead ends on the same screen."""
    screens = []
    for options in ((), ("--no-ahead",)):
        with running(tmp_path, 200, *options) as (terminal, writes):
            terminal.moves("down", svc(1, 2, 3, 4, 5, 6))
            terminal.press(*["down"] * 5)  # a burst
            terminal.until_on("svc-0011")
            terminal.moves("up", svc(10, 9, 8))
            screens.append(terminal.settled())
        # with: each of the 14 moves was drawn ahead (a burst's keys each as it is handled); without: none
        assert replayed(writes) == (14 if not options else 0)
    assert screens[0] == screens[1]


def test_lines_drawn_ahead_start_where_the_table_does_in_a_border_away_from_the_edge(tmp_path):
    with running(tmp_path, 200, "--framed") as (terminal, writes):
        assert terminal.line_with("svc-0001").startswith("   │ svc-0001 "), terminal.text
        terminal.moves("down", svc(1, 2, 3))
        terminal.moves("up", svc(2))
    assert replayed(writes) == 4


def test_a_move_that_scrolls_the_table_waits_for_the_frame(tmp_path):
    """Past the last row on screen the table scrolls: every line changes, and only the frame draws them."""
    with running(tmp_path, 200) as (terminal, writes):
        body = terminal.rows_on_screen()
        terminal.moves("down", svc(*range(1, body + 4)))  # the last 4 moves scroll
        assert terminal.line_with(f"svc-{body + 3:04d}").startswith(f" svc-{body + 3:04d}")
    assert replayed(writes) == body - 1


def test_nothing_is_drawn_ahead_under_a_notification_over_the_table(tmp_path):
    """A toast over the table's first rows: the moves under it and past it wait for the frame (drawn ahead, the
    rows would cover the toast until it); once the toast is clicked away, they are drawn ahead again."""
    with running(tmp_path, 200, "--toast") as (terminal, writes):
        terminal.wait_for(TOAST)
        y = next(y for y, line in enumerate(terminal.screen.display) if TOAST in line)
        assert "svc-0001" in terminal.screen.display[y], "the toast is not over the rows the cursor crosses"
        terminal.moves("down", svc(1, 2, 3, 4, 5, 6, 7, 8))
        assert TOAST in terminal.text
        terminal.click(terminal.screen.display[y].index(TOAST), y)
        terminal.wait_gone(TOAST)
        terminal.moves("down", svc(9, 10, 11))
    assert replayed(writes) == 3  # the 3 moves made once the toast was gone, and none of the 8 under it


class Recorder:
    """A terminal for the app under Pilot (whose driver draws nothing): Textual's frames counted, as hubtui's
    driver counts its writes, and what is drawn ahead kept."""

    def __init__(self) -> None:
        self.frames = 0
        self.ahead: list[str] = []

    def write_ahead(self, data: str) -> bool:
        self.ahead.append(data)
        return True


async def test_nothing_is_drawn_ahead_over_a_screen_just_closed_nor_after_a_program_had_the_terminal():
    """A ↓ read just after a dialog closed (or after the app is back from psql), before the table's screen is
    drawn again: the terminal still shows the dialog (or the program's last screen), and the two rows drawn
    ahead would sit in it until the frame. They wait for it; the next move is drawn ahead again."""
    backend = FakeBackend([row(f"svc-{i:04d}", 1) for i in range(50)])
    async with opened(backend, (100, 30)) as (app, pilot):
        terminal = Recorder()
        app.hub_driver = terminal  # type: ignore[assignment]
        app.post_display_hook = lambda: setattr(terminal, "frames", terminal.frames + 1)  # type: ignore[method-assign]
        for _ in range(3):
            await pilot.pause(0.05)

        async def moved_down() -> int:
            before = len(terminal.ahead)
            table = app.focused
            row_before = table.cursor_row
            burst(app, "down")
            await until(pilot, lambda: table.cursor_row == row_before + 1, what="the move")
            return len(terminal.ahead) - before

        assert await moved_down() == 1  # drawn ahead: the test's terminal takes it

        await pilot.press("question_mark")  # the help
        await until(pilot, lambda: app.screen is not app.screen_stack[1], what="the help")
        app.pop_screen()
        assert await moved_down() == 0  # its frame not drawn yet: the help is still on the terminal
        for _ in range(3):
            await pilot.pause(0.05)
        assert await moved_down() == 1

        app.app_resume_signal.publish(app)  # back from a program the terminal was handed to (App.suspend)
        assert await moved_down() == 0
        for _ in range(3):
            await pilot.pause(0.05)
        assert await moved_down() == 1

        # a deployment above the cursor gone (as its watch says): the rows under it move up a line, not yet drawn
        app.focused.remove_row("svc-0000")
        assert await moved_down() == 0
        for _ in range(3):
            await pilot.pause(0.05)
        assert await moved_down() == 1

        # the whole table to be drawn again (as a scroll or a new theme asks), and drawn for a screenshot (the
        # palette's), not yet on the terminal: the move waits for the frame
        app.focused.refresh()
        app.export_screenshot()
        assert await moved_down() == 0
        for _ in range(3):
            await pilot.pause(0.05)
        assert await moved_down() == 1
