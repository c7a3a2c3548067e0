"""What the fleet screen opens: the confirmation of an action across hubs (each hub and what changes there; a
production hub's context name typed), and the versions matrix (deployments × hubs)."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Button, DataTable, Input, Label, Static

from ...ops.fleet import HubView, versions
from ...words import counted
from ..actions import bindings
from ..live import Channel
from ..styles import styled
from ..widgets.titlebar import TitleBar
from .table_screen import TableScreen
from .modals import Modal

if TYPE_CHECKING:
    from ...ops.fleet import Fleet


class FleetConfirm(Modal[bool]):
    """Every hub of the action and what changes there. With production hubs among them, each one's context name
    is typed before OK works; without, OK is a plain yes. Esc or Cancel: nothing happens."""

    cancel_value = False
    DEFAULT_CSS = """
    FleetConfirm .dialog { max-height: 100%; }
    FleetConfirm #hub-lines { height: auto; max-height: 10; margin-bottom: 1; }
    FleetConfirm Input { margin-bottom: 0; }
    FleetConfirm .typed-name { width: 100%; }
    """

    def __init__(self, title: str, lines: list[str], production: list[tuple[str, bool]]):
        """production: (context, known to be production) for each hub whose name must be typed (not known: its
        namespace's labels could not be read)."""
        super().__init__()
        self.title_text, self.lines = title, lines
        self.production = [context for context, _ in production]
        self.known = dict(production)

    def compose(self) -> ComposeResult:
        with self.box(danger=bool(self.production)):
            yield Label(self.title_text, classes="dialog-title")
            with VerticalScroll(id="hub-lines", can_focus=False):
                yield Static("\n".join(f"• {line}" for line in self.lines), markup=False)
            for i, context in enumerate(self.production):
                yield Label(f"{context} is a production hub: type its name to include it" if self.known[context] else
                            f"{context} may be a production hub (its labels could not be read): type its name to "
                            "include it", classes="typed-name")
                yield Input(placeholder=context, id=f"typed-{i}")
            yield Static("", id="hint", classes="problem")
            with Horizontal(classes="buttons"):
                yield Button("OK", variant="error" if self.production else "primary", id="ok",
                             disabled=bool(self.production))
                yield Button("Cancel", id="cancel")

    def on_mount(self) -> None:
        if self.production:
            self.query_one("#typed-0", Input).focus()
        else:
            self.query_one("#cancel", Button).focus()  # the safe answer is the default

    def takes_keys_typed_ahead(self) -> bool:
        """Never: it scales every deployment of the hubs it lists (as the one hub's maintenance dialog, a dangerous
        yes). A production hub's name is typed having read what changes there, and without one, a Tab and Enter
        typed with the key that opened it would answer OK unseen."""
        return False

    def typed_all(self) -> bool:
        return all(self.query_one(f"#typed-{i}", Input).value == name for i, name in enumerate(self.production))

    def on_input_changed(self, event: Input.Changed) -> None:
        self.query_one("#ok", Button).disabled = not self.typed_all()
        self.query_one("#hint", Static).update("")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if self.typed_all():
            self.dismiss(True)
            return
        wrong = next(name for i, name in enumerate(self.production)
                     if self.query_one(f"#typed-{i}", Input).value != name)
        self.query_one("#hint", Static).update(f"Type {wrong} exactly (case counts), or Esc.")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "ok" and self.typed_all())


class VersionsScreen(TableScreen):
    """Deployments × the hubs that were read: each cell the image tags and the ready count. A deployment whose
    images differ between hubs is marked ≠ and its odd cells stand out (against the first production hub, else
    what most hubs run). Kept up to date from the fleet's watches."""

    ACTION_SCREEN = "versions"
    HELP_TITLE = "Fleet versions — keys"
    BINDINGS: ClassVar[list[BindingType]] = list(bindings("versions"))

    def __init__(self, fleet: Fleet):
        super().__init__()
        self.fleet = fleet
        self.only_differing = False
        self.live: Channel[str, HubView] = Channel(self, lambda views: self.fill(), fps=4)
        self._listener = lambda view: self.live.put(view.context, view)
        fleet.listeners.append(self._listener)
        self._columns: tuple[str, ...] = ()

    def make_table(self) -> DataTable:
        return DataTable(id="matrix", cursor_type="row", zebra_stripes=True)

    def on_mount(self) -> None:
        self.query_one(TitleBar).show("hubtui · fleet · versions", [])
        self.fill()
        self.query_one(DataTable).focus()

    def on_unmount(self) -> None:
        super().on_unmount()
        try:
            self.fleet.listeners.remove(self._listener)
        except ValueError:
            pass

    def fill(self) -> None:
        views = self.fleet.views()
        read = [v for v in views if v.synced]
        rows = versions(views)
        table = self.query_one(DataTable)
        columns = tuple(v.context for v in read)
        cursor = table.cursor_row
        table.clear(columns=columns != self._columns)
        if columns != self._columns:
            table.add_column(" ", key="mark")
            table.add_column("Deployment", key="deployment")
            for v in read:
                table.add_column(styled(v.context, "hub.error") if v.production else Text(v.context, style="bold"),
                                 key=v.context)
            self._columns = columns
        shown = [r for r in rows if r.differs or not self.only_differing]
        for r in shown:
            cells: list = [styled("≠", "hub.warning") if r.differs else "", r.deployment]
            for v in read:
                cell = r.cells.get(v.context)
                text = "-" if cell is None else f"{cell.tags} {cell.ready}/{cell.desired}"
                cells.append(styled(text, "hub.warning") if v.context in r.odd else text)
            table.add_row(*cells, key=r.deployment)
        if shown:
            table.move_cursor(row=min(cursor, len(shown) - 1))
        differing = sum(1 for r in rows if r.differs)
        unread = [v.context for v in views if not v.synced]
        self.say(
            f"{counted(len(rows), 'deployment')} on {counted(len(read), 'hub')}: "
            f"{differing} differ (≠; the odd cells stand out)"
            + (f" · not read: {', '.join(unread)}" if unread else "")
            + (" · only those that differ (f shows all)" if self.only_differing else " · f: only those that differ"))

    def action_only_differing(self) -> None:
        self.only_differing = not self.only_differing
        self.fill()
