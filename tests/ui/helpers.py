"""What the UI tests share: opening the app under a pilot, waiting for it, and reading its screen and table."""

from __future__ import annotations

import itertools
import time
from contextlib import asynccontextmanager

from textual.widgets import DataTable


@asynccontextmanager
async def opened(backend, size: tuple[int, int], *, notifications: bool = False):
    """hubtui's app on `backend` (a FakeBackend, or a real one), run headless at `size` under a pilot:
    `async with opened(FakeBackend(), size=SIZE) as (app, pilot):`. `notifications`: toasts drawn on screen."""
    from hubtui.ui.app import HubApp

    app = HubApp(backend=backend)
    async with app.run_test(size=size, notifications=notifications) as pilot:
        yield app, pilot


@asynccontextmanager
async def opened_on(name: str, backend, size: tuple[int, int]):
    """`opened`, with the cursor on the deployment `name` once the rows are there."""
    async with opened(backend, size) as (app, pilot):
        await select(pilot, app, name)
        yield app, pilot


async def select(pilot, app, name: str) -> None:
    """The table's cursor on the row `name`, once the rows are there."""
    await until(pilot, lambda: table(app).row_count > 0, what="rows")
    t = table(app)
    t.move_cursor(row=t.get_row_index(name))
    await pilot.pause()


async def until(pilot, check, tries: int = 200, what: str = "condition") -> None:
    """Let the app run (20 ms a try) until check() holds; AssertionError naming `what` once `tries` tries have
    failed and 20 s have passed (a loaded machine makes each try's pause longer than asked, or fewer of them)."""
    deadline = time.monotonic() + 20
    for attempt in itertools.count(1):
        if check():
            return
        if attempt >= tries and time.monotonic() > deadline:
            break
        await pilot.pause(0.02)
    raise AssertionError(f"timed out waiting for {what}")


async def press_for(pilot, app, keys: str | tuple[str, ...], screen: type) -> None:
    """Press `keys` (one, or several as one burst) and wait until a `screen` (its class) is on top."""
    await pilot.press(*((keys,) if isinstance(keys, str) else keys))
    await until(pilot, lambda: isinstance(app.screen, screen), what=f"the {screen.__name__} screen")


def table(app):
    """The current screen's table (the deployments' RowTable, or the detail's first DataTable)."""
    from hubtui.ui.widgets.row_table import RowTable

    found = app.screen.query(RowTable)
    return found.first() if found else app.screen.query_one(DataTable)


def rendered_text(widget) -> str:
    """The lines a widget draws, as plain text (a Rich table's cells included), at the size it has on screen."""
    from textual.geometry import Region

    lines = widget.render_lines(Region(0, 0, widget.outer_size.width, widget.outer_size.height))
    return "\n".join(line.text.rstrip() for line in lines)


def screen_lines(app) -> list[str]:
    """The whole screen as a person sees it: one string a row, every layer composed (dialogs over screens,
    toasts, the footer), read from the app's own screenshot (the SVG Textual exports)."""
    import html
    import re

    svg = app.export_screenshot()
    width, height = app.size
    rows = [[" "] * width for _ in range(height)]
    char = None
    for x, line, text in re.findall(
            r'<text [^>]*?x="([\d.]+)" [^>]*?clip-path="url\(#[\w-]+-line-(\d+)\)">([^<]*)</text>', svg):
        text = html.unescape(text).replace("\xa0", " ")
        if char is None:  # the cell width, from the first run of text at the left edge or after it
            found = re.search(r'textLength="([\d.]+)"[^>]*>' + re.escape(html.escape(text).replace(" ", "&#160;")),
                              svg)
            char = float(found.group(1)) / max(1, len(text)) if found else 12.2
        start = round(float(x) / char)
        row = rows[int(line)]
        for i, c in enumerate(text):
            if 0 <= start + i < width:
                row[start + i] = c
    return ["".join(r).rstrip() for r in rows]


def line_backgrounds(app) -> list[str]:
    """The background colour at the left edge of each row of the screen, as a person sees it (from the app's
    screenshot, like screen_lines): "#rrggbb"."""
    import re

    svg = app.export_screenshot()
    out = [""] * app.size.height
    for fill, x, y in re.findall(r'<rect fill="(#[0-9a-fA-F]{6})" x="([\d.]+)" y="([\d.]+)" width="[\d.]+" '
                                 r'height="24.65"', svg):
        line = round((float(y) - 1.5) / 24.4)
        if float(x) == 0 and 0 <= line < len(out):
            out[line] = fill.lower()
    return out


def screen_text(app) -> str:
    return "\n".join(screen_lines(app))


def dialog_words(app) -> str:
    """The words inside the dialog on screen (between its side borders), its wrapped lines joined."""
    inside = []
    for line in screen_lines(app):
        left, right = line.find("█"), line.rfind("█")
        if 0 <= left < right:
            inside.append(line[left + 1:right])
    return " ".join(" ".join(inside).split())


CHARACTERS = {"space": " ", "tab": "\t", "enter": "\r", "escape": "\x1b", "shift+tab": None}


def burst(app, *keys: str) -> None:
    """Keys as one burst, the way a fast typist or a paste sends them: all queued at once, none waiting for the
    one before it to be handled (Pilot.press waits after each key, which hides races of the focus). A key is a
    name ("enter", "minus") or a character ("-"), sent as the terminal sends it: named ("minus"), with its
    character."""
    import unicodedata

    from textual import events
    from textual.keys import KEY_NAME_REPLACEMENTS, key_to_character

    for key in keys:
        if len(key) == 1:  # a character: named as the terminal's driver names it
            character = key
            if not key.isalnum() and key not in CHARACTERS.values():
                name = unicodedata.name(key).lower().replace("-", "_").replace(" ", "_")
                key = KEY_NAME_REPLACEMENTS.get(name, name)
        else:
            character = CHARACTERS[key] if key in CHARACTERS else key_to_character(key)
        app.post_message(events.Key(key, character))


async def open_palette(pilot, app, key: str = "ctrl+p") -> None:
    """The command palette opened with `key` (Ctrl-P, or `colon`)."""
    from textual.command import CommandPalette

    await pilot.press(key)
    await until(pilot, lambda: isinstance(app.screen, CommandPalette), what="the palette")


async def palette_pick(pilot, app, typed: str) -> None:
    """`typed` into the open command palette as one burst, then Enter once the palette's highlighted match is
    the one typed (its search runs in the background: Enter before it ends would pick an older match)."""
    from textual.command import CommandList

    def matched() -> bool:
        found = app.screen.query(CommandList)
        if not found or found.first().highlighted is None:
            return False
        options = found.first()
        prompt = options.get_option_at_index(options.highlighted).prompt
        return typed.lower() in str(getattr(prompt, "plain", prompt)).lower()

    await pilot.press(*typed)
    await until(pilot, matched, what=f"the palette's match for {typed!r}")
    await pilot.press("enter")
