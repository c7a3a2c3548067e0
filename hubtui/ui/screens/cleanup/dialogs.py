"""The cleanup wizard's dialogs, for what the cleanup session asks (hubtui.ops.cleanup.session): a typed phrase,
and a choice among a few answers (resume or plan again)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Button, Input, Label, Static

from ....ops.cleanup.confirm import Confirmation, accepted
from ....present.session import Question
from ..modals import Modal


class TypedConfirm(Modal[str | None]):
    """A typed phrase: OK stays disabled until the text matches exactly (case, spaces and all). Dismissed with
    what was typed (the session checks it again), or None."""

    cancel_value = None

    def takes_keys_typed_ahead(self) -> bool:
        return False  # answered having read it, never by keys typed before it showed

    def __init__(self, confirmation: Confirmation, question: str, warning: str):
        super().__init__()
        self.confirmation, self.question, self.warning = confirmation, question, warning

    DEFAULT_CSS = """
    TypedConfirm .dialog {
        max-height: 100%;
    }
    TypedConfirm #warning-scroll {
        height: auto;
        margin-bottom: 1;
    }
    TypedConfirm #warning {
        margin-bottom: 0;
    }
    """
    # rows around the warning: the box's border and padding (4), the question's margin (1), the warning's
    # margin (1), the label (1), the field (3), the hint (1), the buttons (3); the question's own height is
    # measured
    RESERVED = 14

    def compose(self) -> ComposeResult:
        from textual.containers import VerticalScroll

        with self.box(danger=True):
            yield Label(self.question, classes="dialog-title")
            with VerticalScroll(id="warning-scroll", can_focus=False):
                yield Static("This permanently deletes:\n" + self.warning, id="warning",
                             classes="dialog-body dialog-warning", markup=False)
            yield Label(f"Type {self.confirmation.phrase} to go on:")
            yield Input(placeholder=self.confirmation.phrase, id="phrase")
            yield Static("", id="hint", classes="problem")
            with Horizontal(classes="buttons"):
                yield Button("OK", variant="error", id="ok", disabled=True)
                yield Button("Cancel", id="cancel")

    def on_mount(self) -> None:
        self.fit()
        self.call_after_refresh(self.fit)  # again once the question has its wrapped height
        self.query_one(Input).focus()

    def on_resize(self) -> None:
        self.fit()

    def fit(self) -> None:
        """The list of what goes scrolls, so that the field and OK / Cancel stay on screen (80x24 too)."""
        question = self.query_one(".dialog-title").size.height or 3
        self.query_one("#warning-scroll").styles.max_height = max(2, self.app.size.height - self.RESERVED
                                                                  - question)

    def on_input_changed(self, event: Input.Changed) -> None:
        self.query_one("#ok", Button).disabled = not accepted(self.confirmation, event.value)
        self.query_one("#hint", Static).update("")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if accepted(self.confirmation, event.value):
            self.dismiss(event.value)
        else:  # Enter on a wrong phrase: say what is wrong, never a silent key
            self.query_one("#hint", Static).update(
                f"Not {self.confirmation.phrase!r} exactly (case and spaces count): type it as shown, or Esc.")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        typed = self.query_one(Input).value
        self.dismiss(typed if event.button.id == "ok" and accepted(self.confirmation, typed) else None)


class ChooseDialog(Modal[str | None]):
    """One of a few answers (an interrupted run: resume it, or plan again), each a button, and Cancel.
    Dismissed with the chosen answer's key, or None."""

    cancel_value = None

    def takes_keys_typed_ahead(self) -> bool:
        return False  # answered having read it, never by keys typed before it showed

    def __init__(self, ask: Question):
        super().__init__()
        self.ask = ask

    def compose(self) -> ComposeResult:
        with self.box():
            yield Label(self.ask.title, classes="dialog-title")
            yield Static(self.ask.body, classes="dialog-body", markup=False)
            with Horizontal(classes="buttons"):
                for i, choice in enumerate(self.ask.choices):
                    yield Button(choice.label, variant="primary" if i == 0 else "default", id=choice.key)
                yield Button("Cancel", id="cancel")

    def on_mount(self) -> None:
        self.query(Button).first().focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        keys = {c.key for c in self.ask.choices}
        self.dismiss(event.button.id if event.button.id in keys else None)
