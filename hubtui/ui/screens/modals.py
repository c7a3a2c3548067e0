"""The modal base every dialog uses (its own CSS: centred box, danger border, title, body), and the
small dialogs: ask for a number, confirm, pick a name of a list, help."""

from __future__ import annotations

from typing import TypeVar
from collections.abc import Callable

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, OptionList, Static

from ...errors import HubError
from ..widgets.paging import PagedScroll

T = TypeVar("T")


class Modal(ModalScreen[T]):
    """A centred dialog box; the buttons row and `.problem` share the app's CSS with the screens. Escape dismisses
    it with `cancel_value` (the safe answer), so a modal never leaves its caller waiting. Subclasses compose
    their content inside `self.box()`."""

    DEFAULT_CSS = """
    Modal {
        align: center middle;
    }
    Modal .dialog {
        width: 72;
        height: auto;
        max-height: 80%;
        border: thick $primary;
        background: $surface;
        padding: 1 2;
    }
    Modal .dialog.danger {
        border: thick $error;
    }
    Modal .dialog-title {
        text-style: bold;
        width: 100%;
        margin-bottom: 1;
    }
    Modal .dialog-body {
        margin-bottom: 1;
    }
    Modal .dialog-warning {
        color: $error;
        text-style: bold;
    }
    Modal .closing {
        color: $text-muted;
    }
    """
    BINDINGS = [Binding("escape", "cancel", "Cancel")]
    cancel_value: T | None = None

    def box(self, *, danger: bool = False, classes: str = "") -> Vertical:
        return Vertical(classes=" ".join(c for c in ("dialog", "danger" if danger else "", classes) if c))

    def action_cancel(self) -> None:
        self.dismiss(self.cancel_value)

    def takes_keys_typed_ahead(self) -> bool:
        """Whether keys typed before it was drawn may answer it (ui/typeahead.py): not when it guards a change."""
        return True


class NumberPrompt(Modal[int | None]):
    """Ask for a replica count; OK stays disabled until the value is valid."""

    def __init__(self, title: str, parse: Callable[[str], int], initial: str = "", note: str = ""):
        super().__init__()
        self.title_text = title
        self.parse = parse
        self.initial = initial
        self.note = note  # a line under the title (what the change reaches that the screen does not show)

    def compose(self) -> ComposeResult:
        with self.box():
            yield Label(self.title_text, classes="dialog-title")
            if self.note:
                yield Static(self.note, classes="warning-note")
            yield Input(value=self.initial, placeholder="replicas (0-1000)", id="value")
            yield Static("", id="problem", classes="problem")
            with Horizontal(classes="buttons"):
                yield Button("OK", variant="primary", id="ok", disabled=True)
                yield Button("Cancel", id="cancel")

    def on_mount(self) -> None:
        self.validate(self.initial)

    def validate(self, text: str) -> int | None:
        try:
            n = self.parse(text)
        except HubError as e:
            self.query_one("#problem", Static).update(str(e) if text else "")
            self.query_one("#ok", Button).disabled = True
            return None
        self.query_one("#problem", Static).update("")
        self.query_one("#ok", Button).disabled = False
        return n

    def on_input_changed(self, event: Input.Changed) -> None:
        self.validate(event.value)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        n = self.validate(event.value)
        if n is not None:
            self.dismiss(n)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "ok":
            self.dismiss(self.validate(self.query_one(Input).value))
        else:
            self.dismiss(None)


class Confirm(Modal[bool]):
    """Yes or no, with the exact targets shown."""

    BINDINGS = [Binding("y", "yes", "Yes"), Binding("n", "no", "No")]
    cancel_value = False

    def __init__(self, title: str, body: str, *, danger: bool = False, yes: str = "Yes"):
        super().__init__()
        self.title_text, self.body, self.danger, self.yes_label = title, body, danger, yes

    def compose(self) -> ComposeResult:
        with self.box(danger=self.danger):
            yield Label(self.title_text, classes="dialog-title")
            yield Static(self.body, classes="dialog-body")
            with Horizontal(classes="buttons"):
                yield Button(self.yes_label, variant="error" if self.danger else "primary", id="yes")
                yield Button("No", id="no")

    def on_mount(self) -> None:
        self.query_one("#no", Button).focus()  # the safe answer is the default

    def takes_keys_typed_ahead(self) -> bool:
        return not self.danger

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "yes")

    def action_yes(self) -> None:
        self.dismiss(True)

    def action_no(self) -> None:
        self.dismiss(False)


class NamespacePicker(Modal[str | None]):
    """Pick one name of a list (namespaces, contexts); the current one is marked."""

    def __init__(self, namespaces: list[str], current: str, title: str = "Switch namespace"):
        super().__init__()
        self.namespaces, self.current, self.title_text = namespaces, current, title

    def compose(self) -> ComposeResult:
        with self.box():
            yield Label(self.title_text, classes="dialog-title")
            yield OptionList(*[f"{n}  (current)" if n == self.current else n for n in self.namespaces],
                             id="namespaces")

    def on_mount(self) -> None:
        options = self.query_one(OptionList)
        if self.current in self.namespaces:
            options.highlighted = self.namespaces.index(self.current)

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(self.namespaces[event.option_index])


class Help(Modal[None]):
    """The keys of a screen in one screenful where it fits: laid out in as many columns as the terminal's width
    takes (as k9s does), a wrapped description hanging under itself, not under its key; where it does not fit
    (80x24), the list scrolls (arrows, PgUp / PgDn, the mouse wheel)."""

    BINDINGS = [Binding("escape", "close", "Close"), Binding("question_mark", "close", "Close"),
                Binding("q", "close", "Close"), Binding("f1", "close", "Close")]  # F1 opened it on the form
    DEFAULT_CSS = """
    Help .dialog.help {
        width: 96%;
        max-width: 150;
        max-height: 96%;
        padding: 0 1;
    }
    Help #help-keys {
        height: auto;
        scrollbar-gutter: stable;
    }
    Help .dialog-title {
        margin-bottom: 0;
    }
    """
    COLUMN_WIDTH = 56  # one key and its description read well in this many cells

    def __init__(self, title: str, keys: list[tuple[str, str]], *, closing: str = "Esc or ? closes this help",
                 columns: bool = True):
        super().__init__()
        self.title_text, self.closing, self.columns = title, closing, columns
        self.keys = [(k, text.replace("`", "")) for k, text in keys]  # Markdown's quotes belong to the README

    def keys_table(self, width: int):
        """The keys as a Rich table of `columns` key / description pairs, filled column by column."""
        from rich.table import Table

        columns = max(1, min(3, width // self.COLUMN_WIDTH)) if self.columns else 1
        rows = -(-len(self.keys) // columns)
        key_width = max(len(k) for k, _ in self.keys)
        table = Table.grid(padding=(0, 2, 0, 0), expand=True)
        for _ in range(columns):
            table.add_column(no_wrap=True, width=key_width, style="bold")
            table.add_column(ratio=1, overflow="fold")
        for r in range(rows):
            cells = []
            for c in range(columns):
                i = c * rows + r
                cells += list(self.keys[i]) if i < len(self.keys) else ["", ""]
            table.add_row(*cells)
        return table

    def compose(self) -> ComposeResult:
        with self.box(classes="help"):
            yield Label(self.title_text, classes="dialog-title")
            with PagedScroll(id="help-keys"):
                yield Static(self.keys_table(min(self.app.size.width - 8, 148)), classes="dialog-body", markup=False)
            yield Static(self.closing, classes="closing", markup=False)

    def on_mount(self) -> None:
        keys = self.query_one("#help-keys")
        keys.styles.max_height = max(3, self.app.size.height - 6)  # title, closing line, borders
        keys.focus()  # arrows and PgUp / PgDn scroll it

    def on_resize(self) -> None:
        self.query_one("#help-keys Static", Static).update(self.keys_table(min(self.app.size.width - 8, 148)))
        self.query_one("#help-keys").styles.max_height = max(3, self.app.size.height - 6)

    def action_close(self) -> None:
        self.dismiss(None)
