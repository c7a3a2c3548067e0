"""The title bar of a screen: READ-ONLY first when it is on, then what the screen is about, as much as the
terminal's width holds. Every value is escaped here, once (a context named `[prod]` is shown as it is)."""

from __future__ import annotations

from rich.markup import escape
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.content import Content
from textual.widgets import Static

SEP, TIGHT = "  ·  ", " · "
READONLY = "[b reverse] READ-ONLY [/]  "  # first in every title bar while read-only is on


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
        self._badge = READONLY if readonly else ""
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
        return fullest(tries, width) if tries else self._badge + head

    def refit(self) -> None:
        width = (self.size.width or self.app.size.width) - 2  # its padding
        self.update(self.markup(width))


def fullest(tries: list[str], width: int) -> str:
    """The first of `tries` (Textual markup, fullest first) that fits `width` cells; else the last, the shortest."""
    return next((t for t in tries if Content.from_markup(t).cell_length <= width), tries[-1])


def title_markup(context: str, cluster: str, namespace: str | None, production: bool, room: int) -> str:
    """The title bar: hubtui, the context, the cluster and the namespace, as much as `room` columns hold. What
    gives way first: the cluster, then the name hubtui and the words; the namespace and the context stay."""
    ctx = f"[b $text-error on $error-muted] {escape(context)} [/]" if production else f"[b]{escape(context)}[/]"
    ns = "[b]all namespaces[/]" if namespace is None else f"namespace [b]{escape(namespace)}[/]"
    bare_ns = "[b]all namespaces[/]" if namespace is None else f"[b]{escape(namespace)}[/]"
    tries = [f"[b]hubtui[/]  ·  context {ctx}  ·  cluster [b]{escape(cluster)}[/]  ·  {ns}",
             f"[b]hubtui[/]  ·  context {ctx}  ·  {ns}",
             f"context {ctx} · {ns}",
             f"{ctx} · {bare_ns}"]
    if cluster == context:
        tries.pop(0)  # the same name twice says nothing more
    for markup in tries:
        if Text.from_markup(markup).cell_len <= room:
            return markup
    return tries[-1]  # the Static cuts the end off: the context and the start of the namespace stay


MODES = {"dry run": "[b $text-error on $error-muted] DRY RUN [/]", "wait": "[b $text-warning on $warning-muted] WAIT [/]",
         "rollback": "[b $text-warning on $warning-muted] ROLLBACK [/]"}


class HomeTitle(Horizontal):
    """The deployments screen's title bar: READ-ONLY, then title_markup() in the room the operator's modes (DRY
    RUN, WAIT, at the right) leave; fitted again when the width changes."""

    BLANK = True  # its background, drawn at once (DeploymentsScreen's note)
    DEFAULT_CSS = """
    HomeTitle #title { width: 1fr; padding: 0 1; }
    HomeTitle #modes { width: auto; }
    """

    def __init__(self, *, id: str | None = None):
        super().__init__(id=id)
        self._shown: tuple = ()

    def compose(self) -> ComposeResult:
        yield Static(id="title")
        yield Static(id="modes")

    def show(self, context: str, cluster: str, namespace: str | None, *, production: bool, readonly: bool,
             modes: tuple[str, ...]) -> None:
        """`namespace` None: all namespaces; `modes`: keys of MODES, in the order shown."""
        self._shown = (context, cluster, namespace, production, readonly, modes)
        self.refit()

    def on_resize(self) -> None:
        self.refit()

    def refit(self) -> None:
        if not self._shown:
            return
        context, cluster, namespace, production, readonly, modes = self._shown
        marks = [MODES[m] for m in modes]
        self.query_one("#modes", Static).update(" ".join(marks))
        badge = READONLY if readonly else ""
        room = ((self.size.width or self.app.size.width) - 2 - Text.from_markup(badge).cell_len
                - sum(Text.from_markup(m).cell_len + 1 for m in marks))
        self.query_one("#title", Static).update(badge + title_markup(context, cluster, namespace, production, room))
