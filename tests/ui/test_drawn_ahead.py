"""The cursor's rows drawn ahead of the frame (RowTable.draw_cursor_ahead), in a real terminal: hubtui's app on
in-memory rows in a pseudo-terminal, its own driver, its writes recorded (tests/ui/terminal_app.py) and replayed
on a terminal emulator (pyte), the screen read as a person sees it.

What is drawn ahead must be what the frame then draws: replayed with and without those writes, the screen is
the same after each frame, and the lines drawn ahead, drawn again over it, change nothing. Until that frame,
they only move the cursor's highlight: no line's text changes (a row scrolled, a row over another's place)."""

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
from tests.ui.terminal_app import TOAST, TOAST_SECONDS

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

    def slider_names(self) -> str:
        """The deployment the replica slider is on (it follows the cursor): the first word under the rule."""
        lines = self.screen.display
        rule = next(y for y, line in enumerate(lines) if line.startswith("────"))
        return lines[rule + 1].split()[0]


@contextmanager
def running(tmp_path: Path, count: int, *options: str) -> Iterator[tuple[AppTerminal, list]]:
    """The app on `count` rows; after the block it is quit, and the list holds its writes ([kind, text])."""
    record = tmp_path / "writes.json"
    terminal = AppTerminal(record, count, *options)
    writes: list = []
    try:
        terminal.wait_for("svc-0005")
        yield terminal, writes
        terminal.ends("q")
        writes.extend(json.loads(record.read_text()))
    finally:
        terminal.close()


def paced(terminal: AppTerminal, key: str, times: int) -> None:
    """`key`, `times` times, at a person's pace (each drawn before the next)."""
    for _ in range(times):
        terminal.press(key)
        terminal.pump(0.12)


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
            assert len(changed) <= 2, f"write {number} drawn ahead changed lines {changed}"
            for y in changed:
                assert text(before[y]) == text(after[y]), \
                    f"write {number} drawn ahead changed line {y}'s text:\n{text(before[y])}\n{text(after[y])}"
            pending.append(data)
            count += 1
        else:
            to_shown.feed(data)
            to_plain.feed(data)
            if pending:
                assert cells(shown) == cells(plain), f"the frame (write {number}) after lines drawn ahead differs"
                for ahead in pending:
                    to_shown.feed(ahead)
                assert cells(shown) == cells(plain), f"lines drawn ahead before write {number} differ from its frame"
                pending = []
    assert cells(shown) == cells(plain)
    return count


def test_the_cursor_s_rows_are_drawn_ahead_of_the_frame_and_the_frame_draws_them_the_same(tmp_path):
    """↓ and ↑ at a person's pace and in bursts: each move is written ahead of its frame, and the replay agrees."""
    with running(tmp_path, 200) as (terminal, writes):
        paced(terminal, "down", 6)
        assert terminal.slider_names() == "svc-0006"
        terminal.press(*["down"] * 5)  # a burst
        terminal.pump(0.3)
        assert terminal.slider_names() == "svc-0011"
        paced(terminal, "up", 3)
        assert terminal.slider_names() == "svc-0008"
    # each of the 14 moves was drawn ahead (a burst's keys each as it is handled)
    assert replayed(writes) == 14


def test_a_move_that_scrolls_the_table_waits_for_the_frame(tmp_path):
    """Past the last row on screen the table scrolls: every line changes, and only the frame draws them."""
    with running(tmp_path, 200) as (terminal, writes):
        body = sum(1 for line in terminal.screen.display if re.match(r" svc-\d{4} +1/1 ", line))  # rows on screen
        paced(terminal, "down", body + 3)  # the last 4 moves scroll
        assert terminal.slider_names() == f"svc-{body + 3:04d}"
        assert terminal.line_with(f"svc-{body + 3:04d}").startswith(f" svc-{body + 3:04d}")
    assert replayed(writes) == body - 1


def test_nothing_is_drawn_ahead_under_a_notification_over_the_table(tmp_path):
    """A toast over the table's first rows: the moves under it and past it wait for the frame (drawn ahead, the
    rows would cover the toast until it); once the toast is gone, they are drawn ahead again."""
    with running(tmp_path, 200, "--toast") as (terminal, writes):
        terminal.wait_for(TOAST)
        assert TOAST in terminal.line_with(" svc-0001 "), "the toast is not over the rows the cursor crosses"
        shown_at = time.monotonic()
        paced(terminal, "down", 8)
        assert TOAST in terminal.text and time.monotonic() - shown_at < TOAST_SECONDS - 0.5, \
            "the toast went before the moves were made: the test proves nothing"
        assert terminal.slider_names() == "svc-0008"
        terminal.wait_gone(TOAST)
        paced(terminal, "down", 3)
        assert terminal.slider_names() == "svc-0011"
    assert replayed(writes) == 3  # the 3 moves made once the toast was gone, and none of the 8 under it
