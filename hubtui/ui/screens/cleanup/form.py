"""The cleanup wizard's form: environment, provider, namespaces and options; Plan (F5) asks the engine for a
plan (read-only) and settles an interrupted run of the same environment first."""

from __future__ import annotations

from typing import ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.binding import BindingType
from textual.widgets import Button, Checkbox, Input, Label, RadioButton, RadioSet, Static

from ....errors import Declined, HubError, UsageError
from ....ops.cleanup.plan import PROVIDERS, CleanupOptions, validate
from ....ops.cleanup.session import CleanupSession
from ....paths import tilde
from ...actions import bindings, help_rows
from ...backend import CleanupSource
from ..modals import Help
from .asker import converse
from .plan import PlanScreen
from ...widgets.footer import HubFooter
from ...widgets.titlebar import TitleBar
from ..base import HubScreen

# No "force" here: skipping the confirmations is for automation (hubtui cleanup --force), never a checkbox.
OPTIONS = (
    ("k8s_only", "Kubernetes only: leave the cloud alone"),
    ("skip_backup", "Skip the backup"),
    ("include_tag_matches", "Include cloud resources that match by tag only (asked separately)"),
    ("include_shared_infra", "Include shared infrastructure namespaces still in use elsewhere"),
    ("dry_run", "Dry run: plan only, change nothing"),
)

FORM_HELP = help_rows("cleanup-form")


def sentence(text: str) -> str:
    """An engine's line as a sentence on screen: a capital first, a full stop last."""
    return text[:1].upper() + text[1:] + ("" if text.endswith(".") else ".")


class CleanupFormScreen(HubScreen):
    ACTION_SCREEN = "cleanup-form"  # its entry in the action table (ui/actions.py)
    BINDINGS: ClassVar[list[BindingType]] = list(bindings("cleanup-form"))

    def __init__(self, backend: CleanupSource, initial: dict | None = None):
        super().__init__()
        self.backend = backend
        # the values the form had when it last planned, on this context (None: a fresh form)
        self.initial = initial if initial and initial.get("context") == backend.context else None
        self.busy = False
        self._problem_values: dict[str, str] = {}  # the fields' values when the problem shown was found

    def compose(self) -> ComposeResult:
        yield TitleBar(id="titlebar")
        with VerticalScroll(id="cleanup-form"):
            # a label beside each field: the whole form, its buttons included, fits 130×36; at 80×24 the fields
            # scroll while the buttons stay on screen
            with Horizontal(classes="field"):
                yield Label("Environment")
                yield Input(placeholder="dev, staging, production, …", id="environment")
            with Horizontal(classes="field"):
                yield Label("Provider")
                with RadioSet(id="provider"):
                    for p in PROVIDERS:
                        yield RadioButton(p, id=f"provider-{p}")
            with Horizontal(classes="field"):
                yield Label("Namespace")
                yield Input(value=self.backend.namespace, id="namespace")
            with Horizontal(classes="field"):
                yield Label("Additional namespaces")
                yield Input(placeholder="comma-separated: jobs,canary", id="additional")
            for key, label in OPTIONS:
                yield Checkbox(label, id=key)
        yield Static("", id="problem", classes="problem")
        with Horizontal(classes="buttons", id="form-buttons"):
            yield Button("Plan", variant="primary", id="plan")
            yield Button("Back", id="back")
        yield Static("Fill in the form, then Plan (F5): nothing changes until you confirm.", id="message")
        yield HubFooter()

    def on_mount(self) -> None:
        self.query_one(TitleBar).show("Cleanup", [("destroy an environment", ""), ("context", self.backend.context)],
                                      readonly=bool(self.backend.readonly_reason()))
        self.query_one("#environment", Input).focus()
        if self.initial is not None:  # as they were when last planned: the operator need not type them again
            values = self.initial
            self.query_one("#environment", Input).value = values["environment"]
            if values["provider"] in PROVIDERS:
                self.query_one(f"#provider-{values['provider']}", RadioButton).value = True
            self.query_one("#namespace", Input).value = values["namespace"]
            self.query_one("#additional", Input).value = values["additional"]
            for key, _ in OPTIONS:
                self.query_one(f"#{key}", Checkbox).value = values["options"].get(key, False)
            self.say("The values of the last plan, as you left them: change what you need, then Plan (F5).")


    def chosen_provider(self) -> str:
        """The provider chosen ("" for none), read from the buttons themselves: a Space and an F5 typed in one
        burst reach the form before the RadioSet has heard of the press (its pressed_button follows by a
        message), and F5 found no provider."""
        pressed = self.query_one(RadioSet).pressed_button
        on = [b for b in self.query(RadioButton) if b.value]
        newest = [b for b in on if b is not pressed] or on  # pressed just now, the set not yet told
        return str(newest[0].label) if newest else ""

    def remember(self) -> None:
        """Keep the form's values in the app, for the next `x`."""
        self.hub.last_cleanup_form = {
            "context": self.backend.context,
            "environment": self.query_one("#environment", Input).value,
            "provider": self.chosen_provider(),
            "namespace": self.query_one("#namespace", Input).value,
            "additional": self.query_one("#additional", Input).value,
            "options": {key: self.query_one(f"#{key}", Checkbox).value for key, _ in OPTIONS}}

    def options(self) -> CleanupOptions:
        """The form as options, validated by the engine (a bad value raises UsageError)."""
        provider = self.chosen_provider()
        extra = tuple(n.strip() for n in self.query_one("#additional", Input).value.split(",") if n.strip())
        if not provider:
            raise UsageError(f"choose a provider ({', '.join(PROVIDERS)}): there is no default")
        namespace = self.query_one("#namespace", Input).value.strip()
        shown = namespace == self.backend.namespace  # left as the screen showed it: not named on purpose
        return validate(CleanupOptions(  # the environment exactly as typed: spaces around it are refused
            environment=self.query_one("#environment", Input).value,
            provider=provider, namespace=namespace,
            namespace_from="the screen hubtui showed" if shown else "typed in the form",
            additional_namespaces=extra,
            **{key: self.query_one(f"#{key}", Checkbox).value for key, _ in OPTIONS}))

    def on_input_changed(self, event: Input.Changed) -> None:
        """A field being fixed: the problem it caused is no longer shown as if it stood (a change that arrives
        late, with the value the problem was found with, leaves it)."""
        if self._problem_values.get(event.input.id or "") != event.value:
            self.query_one("#problem", Static).update("")

    def say(self, text: str, problem: str = "") -> None:
        self.query_one("#message", Static).update(text)
        self.query_one("#problem", Static).update(problem)
        self._problem_values = {i.id or "": i.value for i in self.query(Input)} if problem else {}

    @on(Button.Pressed, "#plan")
    def action_plan(self) -> None:
        if self.busy:
            return
        try:
            opts = self.options()
        except HubError as e:
            self.say("Nothing was changed.", str(e))
            return
        self.busy = True
        self.remember()
        self.say(f"Looking for what '{opts.environment}' has (read-only)…")
        self.plan_for(opts)

    @work(exclusive=True, exit_on_error=False, group="cleanup-plan", name="planning")
    async def plan_for(self, opts: CleanupOptions) -> None:
        """The session's first steps (hubtui.ops.cleanup.session): the read-only check, the environment's lock,
        an interrupted run settled with the operator, then the plan; the plan screen holds the session."""
        session = CleanupSession(self.backend.cleanup_port(), opts)
        try:
            await converse(self.app, session.prepare())
        except Declined as e:
            self.say(sentence(str(e)))
            return
        except HubError as e:
            self.say("Nothing was changed.", str(e))
            return
        finally:  # anything else: worker_failed says it, in one line
            self.busy = False
        assert session.plan_file is not None
        self.say("Resuming the interrupted run: review its plan." if session.resume else
                 f"Plan saved to {tilde(session.plan_file)}.")
        self.app.push_screen(PlanScreen(self.backend, session))

    def worker_failed(self, worker, message: str) -> None:
        self.busy = False
        self.say("Nothing was changed.", message)

    @on(Button.Pressed, "#back")
    def action_back(self) -> None:
        self.app.pop_screen()

    def action_help(self) -> None:
        self.app.push_screen(Help("Cleanup: the form", FORM_HELP))
