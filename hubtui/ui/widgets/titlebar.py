"""The title bar of a screen: READ-ONLY first when it is on, then what the screen is about, as much as the
terminal's width holds. Every value is escaped here, once (a context named `[prod]` is shown as it is)."""

from __future__ import annotations

from rich.markup import escape
from rich.text import Text
from textual.widgets import Static

SEP, TIGHT = "  ·  ", " · "


class TitleBar(Static):
    """show(head, parts): head is the screen's own words (bold); each part is (label, value) with the value
    in bold, or (label, "") for words alone; a label "long|short" has a shorter form for a narrow terminal. What gives way when the width is short: the wide separators, then
    the labels, then the parts from the end; the head and the first part stay."""

    def __init__(self, *, id: str | None = None):
        super().__init__(id=id)
        self._head, self._badge = "", ""
        self._parts: list[tuple[str, str]] = []

    def show(self, head: str, parts: list[tuple[str, str]], *, readonly: bool = False) -> None:
        self._head, self._parts = head, parts
        self._badge = "[b reverse] READ-ONLY [/]  " if readonly else ""
        self.refit()

    def on_resize(self) -> None:
        self.refit()

    def markup(self, width: int) -> str:
        """The fullest title that fits `width` columns."""
        def part(label: str, value: str, labels: str) -> str:
            long, _, short = label.partition("|")  # "deployment in namespace|namespace": a shorter label
            if not value:
                return escape(long)
            words = {"long": long, "short": short or long, "none": ""}[labels]
            return (f"{escape(words)} " if words else "") + f"[b]{escape(value)}[/]"

        head = f"[b]{escape(self._head)}[/]" if self._head else ""
        tries = []
        for keep in range(len(self._parts), 0, -1):
            for sep, labels in ((SEP, "long"), (TIGHT, "long"), (TIGHT, "short"), (TIGHT, "none")):
                pieces = ([head] if head else []) + [part(label, value, labels) for label, value in self._parts[:keep]]
                tries.append(self._badge + sep.join(pieces))
        if not tries:
            return self._badge + head
        return next((t for t in tries if Text.from_markup(t).cell_len <= width), tries[-1])

    def refit(self) -> None:
        width = (self.size.width or self.app.size.width) - 2  # its padding
        self.update(self.markup(width))
