"""The cleanup wizard: a form, the plan, typed-phrase confirmations, then the run with its step list and log.

The screens only gather input and show events; every decision (validation, what the plan holds, the order
of the steps, what counts as done) belongs to the engine in hubtui/ops/cleanup.
"""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path

from rich.markup import escape
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import Button, Checkbox, DataTable, Footer, Input, Label, Log, RadioButton, RadioSet, Static

from ...errors import HubError, UsageError
from ...ops.cleanup.confirm import Confirmation, accepted, confirmations, protection_confirmation
from ...ops.cleanup.plan import PROVIDERS, CleanupOptions, Plan, contents, evidence_lines, validate
from ...ops.cleanup.runner import (STEP_TITLES, describe_pending, options_differ, options_differ_message,
                                   steps_for)
from ...ops.events import Event, LogLine, Progress, StepDone, StepFailed, StepStarted
from ..backend import Backend
from .modals import Confirm, Help

# No "force" here: skipping the confirmations is for automation (hubtui cleanup --force), never a checkbox.
OPTIONS = (
    ("k8s_only", "Kubernetes only: leave the cloud alone"),
    ("skip_backup", "Skip the backup"),
    ("include_tag_matches", "Include cloud resources that match by tag only (asked separately)"),
    ("include_shared_infra", "Include shared infrastructure namespaces still in use elsewhere"),
    ("dry_run", "Dry run: plan only, change nothing"),
)

FORM_HELP = [
    ("Tab / Shift-Tab", "next / previous field"),
    ("Space / Enter", "choose a provider, tick an option"),
    ("Ctrl-P", "plan: discover what exists (nothing is changed)"),
    ("Esc", "back to the deployments"),
    ("F1", "this help"),
]
PLAN_HELP = [
    ("↑ ↓ PgUp PgDn", "scroll the plan"),
    ("D", "destroy: typed confirmations first (production also needs DELETE PRODUCTION)"),
    ("s", "dry run: keep the saved plan, change nothing, close"),
    ("Esc", "back to the form"),
    ("?", "this help"),
]
RUN_HELP = [
    ("↑ ↓ PgUp PgDn", "scroll the log (it follows the end while you are at the end)"),
    ("Esc", "while running: cancel at the next safe point (asks first); when finished: close"),
    ("?", "this help"),
]


def doomed_summary(plan: Plan) -> str:
    """What a confirmation's red warning lists: everything that will be permanently deleted."""
    lines = []
    for ns in plan.namespaces:
        if ns.doomed:
            vols = f", volumes {', '.join(f'{n} ({s})' for n, s in ns.pvcs)}" if ns.pvcs else ""
            lines.append(f"• namespace {ns.name}: {len(ns.deployments)} deployments, "
                         f"{len(ns.statefulsets)} statefulsets{vols}")
    cloud = plan.cloud_plan
    if cloud:
        for r in cloud.resources:
            lines.append(f"• {r.kind} {r.name} ({cloud.identity})")
            lines += [f"    with it: {line}" for line in contents(r)]
    for e in plan.local_plan.kubeconfig:
        lines.append(f"• kubeconfig contexts {', '.join(e.contexts)}")
    return "\n".join(lines) or "• nothing exists any more: only the local state is cleaned"


class TypedConfirm(ModalScreen[bool]):
    """A typed phrase: OK stays disabled until the text matches exactly (case, spaces and all)."""

    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, confirmation: Confirmation, warning: str):
        super().__init__()
        self.confirmation, self.warning = confirmation, warning

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog danger"):
            yield Label(self.confirmation.question, classes="dialog-title")
            yield Static(Text("This permanently deletes:\n" + self.warning, style="bold red"), id="warning",
                         classes="dialog-body")
            yield Label(f"Type {self.confirmation.phrase} to go on:")
            yield Input(placeholder=self.confirmation.phrase, id="phrase")
            with Horizontal(classes="buttons"):
                yield Button("OK", variant="error", id="ok", disabled=True)
                yield Button("Cancel", id="cancel")

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    def on_input_changed(self, event: Input.Changed) -> None:
        self.query_one("#ok", Button).disabled = not accepted(self.confirmation, event.value)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if accepted(self.confirmation, event.value):
            self.dismiss(True)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "ok" and accepted(self.confirmation, self.query_one(Input).value))

    def action_cancel(self) -> None:
        self.dismiss(False)


class ResumeChoice(ModalScreen[str]):
    """An interrupted run of the same environment: resume it with its saved plan, or plan again."""

    BINDINGS = [Binding("escape", "choose('cancel')", "Cancel")]

    def __init__(self, environment: str, body: str):
        super().__init__()
        self.environment, self.body = environment, body

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(f"An interrupted cleanup of '{self.environment}' is pending", classes="dialog-title")
            yield Static(self.body, classes="dialog-body")
            with Horizontal(classes="buttons"):
                yield Button("Resume", variant="primary", id="resume")
                yield Button("Plan again", id="again")
                yield Button("Cancel", id="cancel")

    def on_mount(self) -> None:
        self.query_one("#resume", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id)

    def action_choose(self, choice: str) -> None:
        self.dismiss(choice)


class CleanupFormScreen(Screen):
    BINDINGS = [
        Binding("ctrl+p", "plan", "Plan", priority=True),
        Binding("escape", "back", "Back"),
        Binding("f1", "help", "Help"),  # ? would be typed into the fields
    ]

    def __init__(self, backend: Backend):
        super().__init__()
        self.backend = backend
        self.busy = False

    def compose(self) -> ComposeResult:
        yield Static(f"[b]Cleanup[/]  ·  destroy an environment  ·  context [b]{escape(self.backend.context)}[/]",
                     id="titlebar")
        with VerticalScroll(id="cleanup-form"):
            yield Label("Environment")
            yield Input(placeholder="dev, staging, production, …", id="environment")
            yield Label("Provider")
            with RadioSet(id="provider"):
                for p in PROVIDERS:
                    yield RadioButton(p, id=f"provider-{p}")
            yield Label("Namespace")
            yield Input(value=self.backend.namespace, id="namespace")
            yield Label("Additional namespaces")
            yield Input(placeholder="comma-separated, e.g. llm-analytics-jobs,llm-analytics-canary", id="additional")
            for key, label in OPTIONS:
                yield Checkbox(label, id=key)
            yield Static("", id="problem", classes="problem")
            with Horizontal(classes="buttons"):
                yield Button("Plan", variant="primary", id="plan")
                yield Button("Back", id="back")
        yield Static("Fill in the form, then Plan (Ctrl-P): nothing changes until you confirm.", id="message")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#environment", Input).focus()

    def options(self) -> CleanupOptions:
        """The form as options, validated by the engine (a bad value raises UsageError)."""
        provider = self.query_one(RadioSet).pressed_button
        extra = tuple(n.strip() for n in self.query_one("#additional", Input).value.split(",") if n.strip())
        if provider is None:
            raise UsageError(f"choose a provider ({', '.join(PROVIDERS)}): there is no default")
        return validate(CleanupOptions(  # the environment exactly as typed: spaces around it are refused
            environment=self.query_one("#environment", Input).value,
            provider=str(provider.label), namespace=self.query_one("#namespace", Input).value.strip(),
            additional_namespaces=extra,
            **{key: self.query_one(f"#{key}", Checkbox).value for key, _ in OPTIONS}))

    def say(self, text: str, problem: str = "") -> None:
        self.query_one("#message", Static).update(text)
        self.query_one("#problem", Static).update(problem)

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
        self.say(f"Looking for what '{opts.environment}' has (read-only)…")
        self.plan_for(opts)

    @work(exclusive=True, group="cleanup-plan")
    async def plan_for(self, opts: CleanupOptions) -> None:
        try:
            pending = await asyncio.to_thread(self.backend.cleanup_pending, opts.environment)
            if pending is not None and not opts.dry_run:
                saved = await asyncio.to_thread(self.backend.cleanup_load, pending.plan_file)
                differ = options_differ(saved, opts)
                if differ:
                    self.say("Nothing was changed.", options_differ_message(opts.environment, differ))
                    return
                stale = await asyncio.to_thread(self.backend.cleanup_stale, saved, pending)
                if stale:
                    await asyncio.to_thread(self.backend.cleanup_discard, opts.environment)
                    self.app.notify(f"The interrupted cleanup of '{opts.environment}' cannot be resumed: {stale}. "
                                    "It was set aside; here is a fresh plan.", title="Cleanup", severity="warning",
                                    timeout=12)
                else:
                    body = (describe_pending(pending) + ".\nResume goes on from the first unfinished step with "
                            "the plan that was confirmed; Plan again sets the interrupted run aside.")
                    choice = await self.app.push_screen_wait(ResumeChoice(opts.environment, body))
                    if choice == "resume":
                        self.app.push_screen(PlanScreen(self.backend, saved, Path(pending.plan_file), resume=True))
                        self.say("Resuming the interrupted run: review its plan.")
                        return
                    if choice != "again":
                        self.say("Nothing was changed.")
                        return
                    await asyncio.to_thread(self.backend.cleanup_discard, opts.environment)
            plan, path = await asyncio.to_thread(self.backend.cleanup_plan, opts)
        except HubError as e:
            self.say("Nothing was changed.", str(e))
            return
        except Exception as e:  # noqa: BLE001 - one line on the form, never a crash of the whole app
            self.say("Nothing was changed.", f"{type(e).__name__}: {e}")
            return
        finally:
            self.busy = False
        self.say(f"Plan saved to {path}.")
        self.app.push_screen(PlanScreen(self.backend, plan, path))

    @on(Button.Pressed, "#back")
    def action_back(self) -> None:
        self.app.pop_screen()

    def action_help(self) -> None:
        self.app.push_screen(Help("Cleanup: the form", FORM_HELP))


class PlanScreen(Screen):
    BINDINGS = [
        Binding("D", "destroy", "Destroy"),
        Binding("s", "dry_run", "Dry run"),
        Binding("escape", "back", "Back"),
        Binding("question_mark", "help", "Help"),
    ]

    def __init__(self, backend: Backend, plan: Plan, plan_file: Path, *, resume: bool = False):
        super().__init__()
        self.backend, self.plan, self.plan_file, self.resume = backend, plan, Path(plan_file), resume

    def compose(self) -> ComposeResult:
        p, opts = self.plan, self.plan.opts
        verb = "Resume the cleanup" if self.resume else "Cleanup plan"
        yield Static(f"[b]{verb}[/]  ·  environment [b]{escape(p.environment)}[/]  ·  provider [b]{p.provider}[/]"
                     f"  ·  plan {p.hash[:12]}", id="titlebar")
        identity = [f"Kubernetes context [b]{escape(p.context)}[/]   cluster [b]{escape(p.cluster)}[/]   "
                    f"server {escape(p.server)}"]
        cloud = p.cloud_plan
        if cloud:
            identity.append(f"Cloud: [b]{escape(cloud.identity)}[/], region [b]{escape(cloud.region)}[/]")
        styles = {"bound": "green", "unproven": "bold yellow", "contrary": "bold red"}
        evidence = evidence_lines(p)
        identity.append(f"[{styles[p.binding]}]{escape(evidence[0])}[/]")
        identity += [escape(line) if "PRODUCTION" not in line else f"[bold red]{escape(line)}[/]"
                     for line in evidence[1:]]
        yield Static("\n".join(identity), id="identity")
        with VerticalScroll(id="plan-body"):
            yield Static(self._body(), id="plan-text")
        notices = []
        if opts.dry_run:
            notices.append("DRY RUN: this plan can only be saved; untick Dry run in the form to destroy")
        yield Static("\n".join(notices), id="force-notice")
        with Horizontal(classes="buttons"):
            yield Button("Resume…" if self.resume else "Destroy…", variant="error", id="destroy",
                         disabled=opts.dry_run)
            yield Button("Dry run: change nothing", id="dry")
            yield Button("Back", id="back")
        yield Static(f"Plan saved to {self.plan_file}. Nothing has been changed.", id="message")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#force-notice").display = bool(self.plan.opts.dry_run)
        self.query_one("#dry", Button).focus()

    def _body(self) -> Text:
        """The plan, grouped: Kubernetes, cloud, local state, risks."""
        p = self.plan
        t = Text()
        if p.risks:
            t.append("Risks\n", style="bold underline red")
            for r in p.risks:
                t.append(f"  ! {r}\n", style="bold red")
            t.append("\n")
        t.append("Kubernetes\n", style="bold underline")
        for ns in p.namespaces:
            if not ns.exists:
                if ns.role != "infrastructure":
                    t.append(f"  namespace {ns.name} ({ns.role}): does not exist, nothing to delete\n", style="dim")
                continue
            if not ns.included:
                t.append(f"  namespace {ns.name} ({ns.role}): NOT included, shared with "
                         f"{', '.join(ns.shared[:3])}{' …' if len(ns.shared) > 3 else ''}\n", style="yellow")
                continue
            t.append(f"  namespace {ns.name}", style="bold")
            t.append(f" ({ns.role}, {ns.pods} pods)\n")
            for label, items in ns.groups():
                t.append(f"    {label}: ", style="bold")
                t.append(", ".join(items) + "\n")
        cloud = p.cloud_plan
        t.append("\nCloud\n", style="bold underline")
        if cloud is None:
            t.append("  left alone" + (" (Kubernetes only)" if p.provider != "k8s" else " (provider k8s)") + "\n",
                     style="dim")
        elif not cloud.resources:
            t.append("  nothing found by name or by the environment tag\n", style="dim")
        for w in p.webhooks:
            t.append(f"  {w['kind']} webhook configuration {w['name']}", style="bold")
            t.append(f" (its service lived in {', '.join(w['namespaces'])})\n")
        for r in cloud.resources if cloud else ():
            t.append(f"  {r.kind} ", style="bold")
            t.append(f"{r.name}  [matched by {r.matched_by}]")
            if r.details.get("deletion_protection"):
                t.append("  deletion protection ON", style="bold yellow")
            t.append("\n")
            for line in contents(r):
                t.append(f"      with it: {line}\n", style="dim")
        for r in getattr(cloud, "not_included", ()) if cloud else ():
            t.append(f"  NOT included: {r.kind} {r.name} [matched by {r.matched_by} only]\n", style="yellow")
        local = p.local_plan
        t.append("\nLocal state\n", style="bold underline")
        for e in local.kubeconfig:
            t.append(f"  kubeconfig {e.describe()} (a copy is saved first)\n")
        if local.working_dir:
            t.append(f"  hubtui's working files {local.working_dir}\n  kept: {', '.join(local.kept)}\n")
        t.append("\nSteps: ", style="bold")
        t.append(" → ".join(STEP_TITLES[s] for s in steps_for(p)) + "\n")
        return t

    @on(Button.Pressed, "#destroy")
    def action_destroy(self) -> None:
        if not self.plan.opts.dry_run:
            self.confirm_and_run()

    @work(exclusive=True, group="cleanup-confirm")
    async def confirm_and_run(self) -> None:
        warning = doomed_summary(self.plan)
        for c in confirmations(self.plan):
            if not await self.app.push_screen_wait(TypedConfirm(c, warning)):
                self.query_one("#message", Static).update("Not confirmed: nothing was changed.")
                return
        allow = False
        protected = [r for r in (self.plan.cloud_plan.resources if self.plan.cloud_plan else ())
                     if r.details.get("deletion_protection")]
        for r in protected:  # deletion protection is never switched off silently
            modal = TypedConfirm(protection_confirmation(self.plan, r), f"• {r.label()}")
            if not await self.app.push_screen_wait(modal):
                self.query_one("#message", Static).update(
                    f"Deletion protection of {r.label()} stays on: nothing was changed.")
                return
            allow = True
        self.app.push_screen(RunScreen(self.backend, self.plan, self.plan_file, allow_unprotect=allow))

    @on(Button.Pressed, "#dry")
    def action_dry_run(self) -> None:
        self.app.pop_screen()  # the plan
        self.app.pop_screen()  # the form
        self.app.notify(f"Dry run: nothing was changed. The plan is saved in {self.plan_file}.",
                        title="Cleanup", timeout=8)

    @on(Button.Pressed, "#back")
    def action_back(self) -> None:
        self.app.pop_screen()

    def action_help(self) -> None:
        self.app.push_screen(Help("Cleanup: the plan", PLAN_HELP))


class RunScreen(Screen):
    """The run: a step list with live status and a log pane fed in batches (events arrive on a thread)."""

    BINDINGS = [
        Binding("escape", "cancel", "Cancel"),
        # q / Ctrl-C / Ctrl-Q: never quit in the middle; the app asks, stops at a safe point, then exits
        Binding("q,ctrl+c,ctrl+q", "app.quit", "Quit", show=False, priority=True),
        Binding("escape", "close", "Close"),
        Binding("question_mark", "help", "Help"),
    ]
    FLUSH_EVERY = 0.1  # seconds between two batched writes to the log

    def __init__(self, backend: Backend, plan: Plan, plan_file: Path, *, allow_unprotect: bool = False):
        super().__init__()
        self.backend, self.plan, self.plan_file, self.allow_unprotect = backend, plan, plan_file, allow_unprotect
        self.exit_when_done = False  # the operator quit: exit once the run has stopped
        self.run_done = threading.Event()  # set on the run's thread as soon as the engine has returned
        self._asking_to_leave = False
        self.started_steps: list[str] = []
        self.cancel = threading.Event()
        self.summary = None
        self._events: list[Event] = []
        self._lock = threading.Lock()

    def compose(self) -> ComposeResult:
        p = self.plan
        yield Static(f"[b]Destroying[/] '{escape(p.environment)}'  ·  context [b]{escape(p.context)}[/]  ·  "
                     f"plan {p.hash[:12]}", id="titlebar")
        with Horizontal(id="run-panes"):
            yield DataTable(id="steps", cursor_type="none")
            yield Log(id="log", highlight=False, auto_scroll=True)
        yield Static("", id="summary")
        yield Static("Running. Esc cancels at the next safe point.", id="message")
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one("#steps", DataTable)
        table.add_column("Step", key="step", width=18)
        table.add_column("Status", key="status", width=32)
        for step in steps_for(self.plan):
            table.add_row(STEP_TITLES[step], Text("waiting", style="dim"), key=step)
        self.query_one("#summary").display = False
        self.set_interval(self.FLUSH_EVERY, self.flush)
        self.execute()

    def emit(self, event: Event) -> None:
        """Called on the run's thread: queue the event for the next flush."""
        with self._lock:
            self._events.append(event)

    def flush(self) -> None:
        with self._lock:
            events, self._events = self._events, []
        if not events:
            return
        lines = []
        for event in events:
            self._step_status(event)
            line = self._line(event)
            if line is not None:
                lines.append(line)
        if lines:
            self.query_one(Log).write_lines(lines)

    @staticmethod
    def _line(event: Event) -> str | None:
        if isinstance(event, LogLine):
            return ("" if event.level == "info" else f"{event.level.upper()}: ") + event.text
        if isinstance(event, StepStarted):
            return f"==> {event.detail or event.step}"
        if isinstance(event, StepDone):
            return f"  ✓ {event.detail}" if event.detail else "  ✓ done"
        if isinstance(event, StepFailed):
            return f"  ✗ {event.error}"
        return None  # progress shows in the step list

    def _step_status(self, event: Event) -> None:
        table = self.query_one("#steps", DataTable)
        step = getattr(event, "step", None)
        if step not in table.rows:
            return
        if isinstance(event, StepStarted):
            self.started_steps.append(step)
            cell = Text("running…", style="bold yellow")
        elif isinstance(event, Progress):
            cell = Text(f"running: {event.detail}"[:32], style="yellow")
        elif isinstance(event, StepDone):
            cell = Text("done", style="bold green")
        elif isinstance(event, StepFailed):
            cell = Text("failed" if "cancel" not in event.error else "cancelled", style="bold red")
        else:
            return
        table.update_cell(step, "status", cell)

    @work(thread=True, exclusive=True, exit_on_error=False, group="cleanup-run")
    def execute(self) -> None:
        try:
            summary = self.backend.cleanup_run(self.plan, self.plan_file, emit=self.emit, cancel=self.cancel,
                                               allow_disable_deletion_protection=self.allow_unprotect,
                                               force=False)
        except HubError as e:
            summary, error = None, str(e)
        except Exception as e:  # noqa: BLE001 - shown, never a silent stop
            summary, error = None, f"{type(e).__name__}: {e}"
        else:
            error = ""
        finally:
            self.run_done.set()
        self.app.call_from_thread(self.finished, summary, error)

    def finished(self, summary, error: str) -> None:
        self.flush()
        self.summary = summary
        box = self.query_one("#summary", Static)
        box.display = True
        if summary is None:
            if self.started_steps:  # it stopped part-way: what ran is journaled, so it can be resumed
                table = self.query_one("#steps", DataTable)
                for step in table.rows:
                    if "running" in str(table.get_cell(step, "status")):
                        table.update_cell(step, "status", Text("stopped", style="bold red"))
                box.update(Text(f"The cleanup stopped with an error: {error}\nRun the cleanup of "
                                f"'{self.plan.environment}' again to resume it.", style="bold red"))
            else:
                box.update(Text(f"The cleanup could not start: {error}", style="bold red"))
            box.set_class(True, "failed")
        else:
            table = self.query_one("#steps", DataTable)
            styles = {"done": "bold green", "done earlier": "green", "failed": "bold red", "skipped": "dim",
                      "cancelled": "bold red"}
            for s in summary.steps:
                table.update_cell(s.step, "status", Text(s.status, style=styles[s.status]))
            box.update(Text(summary.render(), style="green" if summary.ok else "red"))
            box.set_class(not summary.ok, "failed")
        self.query_one("#message", Static).update("Finished. Esc goes back to the deployments.")
        self.refresh_bindings()
        if self.exit_when_done:
            self.app.exit(return_code=0 if summary is not None and summary.ok else 1)

    def ask_to_leave(self) -> None:
        """q, Ctrl-Q or Ctrl-C during the run: asked first; yes stops the run at the next safe point (journaled)
        and only then exits hubtui. Destruction never goes on without a screen."""
        if self.exit_when_done or self._asking_to_leave:
            return
        self._asking_to_leave = True

        def answer(yes: bool | None) -> None:
            self._asking_to_leave = False
            if yes:
                self.stop_and_exit("quit")

        self.app.push_screen(Confirm("Quit during the cleanup?",
                                     "The run stops at the next safe point and says so in its journal; then "
                                     f"hubtui exits.\nRun the cleanup of '{self.plan.environment}' again to "
                                     "resume from there.", danger=True, yes="Stop and quit"), answer)

    def stop_and_exit(self, why: str) -> None:
        """Stop the run at the next safe point, then exit."""
        self.exit_when_done = True
        if not self.cancel.is_set():
            self.cancel.set()
            self.emit(LogLine(f"{why}: stopping at the next safe point, then hubtui exits…", "warning"))
        self.query_one("#message", Static).update("Stopping at the next safe point; hubtui exits after that…")

    @property
    def running(self) -> bool:
        return not self.run_done.is_set()

    def check_action(self, action: str, parameters) -> bool | None:
        if action == "cancel":
            return self.running
        if action == "close":
            return not self.running
        return True

    def action_close(self) -> None:
        from .deployments import DeploymentsScreen

        while not isinstance(self.app.screen, DeploymentsScreen) and len(self.app.screen_stack) > 1:
            self.app.pop_screen()

    def action_cancel(self) -> None:
        if self.cancel.is_set():
            return

        def answer(yes: bool | None) -> None:
            if yes:
                self.cancel.set()
                self.emit(LogLine("cancelling at the next safe point…", "warning"))
                self.query_one("#message", Static).update("Cancelling at the next safe point…")

        self.app.push_screen(Confirm("Cancel the cleanup?",
                                     "It stops at the next safe point; what was deleted stays deleted.\n"
                                     f"Run the cleanup of '{self.plan.environment}' again to resume from there.",
                                     danger=True, yes="Cancel the cleanup"), answer)

    def action_help(self) -> None:
        self.app.push_screen(Help("Cleanup: the run", RUN_HELP))
