"""PgDn / PgUp typed as one burst move as far as the same keys one by one, in every view that scrolls by
pages (the help, the run's log, the detail's log: hubtui/ui/widgets/paging.py)."""

from __future__ import annotations

import pytest
from textual.app import App, ComposeResult

from hubtui.ui.widgets.paged_logs import PagedLog, PagedRichLog

from .helpers import burst, screen_lines, until

LINES = [f"line {n:04d}" for n in range(1, 301)]


class OneLog(App):
    def __init__(self, kind):
        super().__init__()
        self.kind = kind

    def compose(self) -> ComposeResult:
        yield self.kind(id="log")

    def on_mount(self) -> None:
        log = self.query_one("#log")
        for line in LINES:
            log.write_line(line) if isinstance(log, PagedLog) else log.write(line)
        log.focus()


async def top_after(kind, keys: list[str], *, as_burst: bool) -> str:
    app = OneLog(kind)
    async with app.run_test(size=(40, 12)) as pilot:
        await until(pilot, lambda: "line 0300" in "\n".join(screen_lines(app)), what="the end of the log")
        if as_burst:
            burst(app, *keys)
        else:
            for key in keys:
                await pilot.press(key)
                await pilot.pause(0.3)
        await pilot.pause(0.3)
        return screen_lines(app)[0].strip()


@pytest.mark.parametrize("kind", [PagedLog, PagedRichLog], ids=["detail log", "run log"])
async def test_three_pgup_in_one_burst_go_as_far_as_three_one_by_one(kind):
    one_by_one = await top_after(kind, ["pageup"] * 3, as_burst=False)
    at_once = await top_after(kind, ["pageup"] * 3, as_burst=True)
    assert one_by_one == at_once and one_by_one.startswith("line 02")  # three pages of 12 up from the end
