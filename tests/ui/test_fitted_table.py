"""FittedTable (ui/widgets/fitted_table.py): a cell that keeps its words but changes its colour is drawn again,
as the screen shows it."""

from __future__ import annotations

from rich.text import Text
from textual.app import App, ComposeResult

from hubtui.ui.widgets.fitted_table import FittedTable, same_cell

COLUMNS = (("pod", "Pod"), ("phase", "Status"))


class OneTable(App):
    def compose(self) -> ComposeResult:
        yield FittedTable(id="t")


def colour_of(app: App, word: str) -> object:
    """The foreground colour the word is drawn in, read from the table's rendered lines."""
    table = app.query_one(FittedTable)
    for y in range(table.size.height):
        for segment in table.render_line(y):
            if word in segment.text:
                return segment.style.color if segment.style else None
    raise AssertionError(f"{word!r} is not on screen")


async def test_a_cell_that_only_changes_colour_is_drawn_again():
    app = OneTable()
    async with app.run_test(size=(40, 6)) as pilot:
        table = app.query_one(FittedTable)
        table.fit(COLUMNS, {"a": ("pod-a", "Running")})
        await pilot.pause()
        plain = colour_of(app, "Running")
        assert not table.fit(COLUMNS, {"a": ("pod-a", Text("Running", style="red"))})  # in place: same width
        await pilot.pause()
        assert colour_of(app, "Running") != plain and str(colour_of(app, "Running")).startswith("Color('red'")


def test_same_cell_counts_the_colour():
    assert Text("live", style="green") == Text("live", style="red")  # rich's equality leaves the style out
    assert not same_cell(Text("live", style="green"), Text("live", style="red"))
    assert same_cell(Text("live", style="green"), Text("live", style="green")) and same_cell("3s", "3s")
    assert not same_cell("3s", "4s")
