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
from textual.widgets import (Button, Checkbox, DataTable, Footer, Input, Label, ProgressBar, RadioButton, RadioSet,
                             RichLog, Static, Tree)

from ...errors import HubError, UsageError
from ...ops.cleanup.confirm import Confirmation, accepted, confirmations, protection_confirmation
from ...ops.cleanup.plan import PROVIDERS, CleanupOptions, Plan, contents, evidence_lines, validate
from ...ops.cleanup.runner import (STEP_TITLES, describe_pending, duration, options_differ,
                                   options_differ_message, steps_for)
from ...ops.events import Event, LogLine, Progress, StepDone, StepFailed, StepStarted
from ...paths import tilde
from ..actions import bindings, help_rows
from ..backend import Backend
from .modals import Confirm, Help, readonly_badge

# No "force" here: skipping the confirmations is for automation (hubtui cleanup --force), never a checkbox.
OPTIONS = (
    ("k8s_only", "Kubernetes only: leave the cloud alone"),
    ("skip_backup", "Skip the backup"),
    ("include_tag_matches", "Include cloud resources that match by tag only (asked separately)"),
    ("include_shared_infra", "Include shared infrastructure namespaces still in use elsewhere"),
    ("dry_run", "Dry run: plan only, change nothing"),
)

FORM_HELP = help_rows("cleanup-form")
PLAN_HELP = help_rows("cleanup-plan")
RUN_HELP = help_rows("cleanup-run")


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
    ACTION_SCREEN = "cleanup-form"  # its entry in the action table (ui/actions.py)
    BINDINGS = bindings("cleanup-form")

    def __init__(self, backend: Backend):
        super().__init__()
        self.backend = backend
        self.busy = False

    def compose(self) -> ComposeResult:
        yield Static(readonly_badge(self.backend) + f"[b]Cleanup[/]  ·  destroy an environment  ·  context "
                     f"[b]{escape(self.backend.context)}[/]", id="titlebar")
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
        yield Static("Fill in the form, then Plan (F5): nothing changes until you confirm.", id="message")
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
            if not opts.dry_run:  # a run of this environment going on (here or elsewhere) is never taken for pending
                await asyncio.to_thread(self.backend.cleanup_probe_lock, opts.environment)
            pending = await asyncio.to_thread(self.backend.cleanup_pending, opts.environment)
            if pending is not None and not opts.dry_run and not await self.settle_pending(opts, pending):
                return
            plan, path = await asyncio.to_thread(self.backend.cleanup_plan, opts)
        except HubError as e:
            self.say("Nothing was changed.", str(e))
            return
        except Exception as e:  # noqa: BLE001 - one line on the form, never a crash of the whole app
            self.say("Nothing was changed.", f"{type(e).__name__}: {e}")
            return
        finally:
            self.busy = False
        self.say(f"Plan saved to {tilde(path)}.")
        self.app.push_screen(PlanScreen(self.backend, plan, path))

    async def settle_pending(self, opts: CleanupOptions, pending) -> bool:
        """An interrupted run of the environment: set aside when stale (or unreadable, if the operator says so),
        refused when the form's options differ, otherwise resumed or set aside as the operator chooses. True: go
        on and plan afresh."""
        try:
            saved = await asyncio.to_thread(self.backend.cleanup_load, pending.plan_file)
        except HubError as e:
            question = Confirm(f"The interrupted cleanup of '{opts.environment}' cannot be resumed",
                               f"{e}.\nSet it aside (it is kept) and plan again?", yes="Set aside and plan")
            if not await self.app.push_screen_wait(question):
                self.say("Nothing was changed.", str(e))
                return False
            await asyncio.to_thread(self.backend.cleanup_discard, opts.environment)
            return True
        stale = await asyncio.to_thread(self.backend.cleanup_stale, saved, pending)
        if stale:  # before the options: a stale run is set aside whatever it was asked with
            await asyncio.to_thread(self.backend.cleanup_discard, opts.environment)
            self.app.notify(f"The interrupted cleanup of '{opts.environment}' cannot be resumed: {stale}. "
                            "It was set aside; here is a fresh plan.", title="Cleanup", severity="warning", timeout=12)
            return True
        differ = options_differ(saved, opts)
        if differ:
            self.say("Nothing was changed.", options_differ_message(opts.environment, differ))
            return False
        body = (describe_pending(pending) + ".\nResume goes on from the first unfinished step with the plan that "
                "was confirmed; Plan again sets the interrupted run aside.")
        choice = await self.app.push_screen_wait(ResumeChoice(opts.environment, body))
        if choice == "resume":
            self.app.push_screen(PlanScreen(self.backend, saved, Path(pending.plan_file), resume=True))
            self.say("Resuming the interrupted run: review its plan.")
            return False
        if choice != "again":
            self.say("Nothing was changed.")
            return False
        await asyncio.to_thread(self.backend.cleanup_discard, opts.environment)
        return True

    @on(Button.Pressed, "#back")
    def action_back(self) -> None:
        self.app.pop_screen()

    def action_help(self) -> None:
        self.app.push_screen(Help("Cleanup: the form", FORM_HELP))


def quantity_gib(text: str) -> float | None:
    """A Kubernetes storage quantity (10Gi, 500Mi, 1Ti, 2G) in GiB; None when it cannot be read."""
    units = {"Ki": 2 ** -20, "Mi": 2 ** -10, "Gi": 1, "Ti": 2 ** 10, "Pi": 2 ** 20,
             "k": 1e3 / 2 ** 30, "M": 1e6 / 2 ** 30, "G": 1e9 / 2 ** 30, "T": 1e12 / 2 ** 30, "": 1 / 2 ** 30}
    for unit in sorted(units, key=len, reverse=True):
        number = text[:-len(unit)] if unit else text
        if text.endswith(unit):
            try:
                return float(number) * units[unit]
            except ValueError:
                return None
    return None


def size_label(sizes) -> str:
    """`3 volumes, 32 GiB` (sizes that cannot be read are counted, not summed)."""
    known = [g for g in (quantity_gib(s) for s in sizes) if g is not None]
    total = f", {sum(known):.3g} GiB" if known else ""
    return f"{len(sizes)} volume{'s' if len(sizes) != 1 else ''}{total}"


def fill_plan_tree(tree: Tree, plan: Plan) -> None:
    """The plan as a tree: Kubernetes (namespaces expanded, what each holds with counts and sizes), the
    cloud (grouped by kind, how each matched, what is not included), local state, the steps."""
    tree.show_root = False
    tree.root.expand()
    ns_doomed = [ns for ns in plan.namespaces if ns.doomed]
    pods = sum(ns.pods for ns in ns_doomed)
    vols = [size for ns in ns_doomed for _, size in ns.pvcs]
    kube = tree.root.add(Text.assemble(("Kubernetes", "bold underline"),
                                       f"  {len(ns_doomed)} namespaces · {pods} pods · {size_label(vols)}"),
                         expand=True)
    for ns in plan.namespaces:
        if not ns.exists:
            if ns.role != "infrastructure":
                kube.add_leaf(Text(f"namespace {ns.name}  {ns.role} · does not exist, nothing to delete", style="dim"))
            continue
        if not ns.included:
            shared = ", ".join(ns.shared[:3]) + (" …" if len(ns.shared) > 3 else "")
            kube.add_leaf(Text(f"namespace {ns.name}  NOT included: shared with {shared}", style="yellow"))
            continue
        extra = f" · {size_label([s for _, s in ns.pvcs])}" if ns.pvcs else ""
        node = kube.add(Text.assemble((f"namespace {ns.name}", "bold"), f"  {ns.role} · {ns.pods} pods{extra}"),
                        expand=True)
        for label, items in ns.groups():
            group = node.add(Text.assemble((label, "bold"), f" ({len(items)})"), expand=True)
            for item in items:
                group.add_leaf(item)
    if plan.webhooks:
        hooks = kube.add(Text.assemble(("webhook configurations", "bold"), f" ({len(plan.webhooks)})"), expand=True)
        for w in plan.webhooks:
            hooks.add_leaf(f"{w['kind']} {w['name']} (its service lived in {', '.join(w['namespaces'])})")
    cloud = plan.cloud_plan
    if cloud is None:
        why = "Kubernetes only" if plan.provider != "k8s" else "provider k8s"
        tree.root.add_leaf(Text.assemble(("Cloud", "bold underline"), (f"  left alone ({why})", "dim")))
    else:
        node = tree.root.add(Text.assemble(("Cloud", "bold underline"), f"  {cloud.identity}, region {cloud.region}"
                                           f" · {len(cloud.resources)} resources"), expand=True)
        for note in getattr(cloud, "notes", ()):
            node.add_leaf(Text(f"searched: {note}", style="dim"))
        if not cloud.resources:
            node.add_leaf(Text("nothing found by name or by the environment tag", style="dim"))
        kinds: dict[str, list] = {}
        for r in cloud.resources:
            kinds.setdefault(r.kind, []).append(r)
        for kind, resources in kinds.items():
            group = node.add(Text.assemble((kind, "bold"), f" ({len(resources)})"), expand=True)
            for r in resources:
                label = Text.assemble(r.name, (f"  matched by {r.matched_by}", "dim"))
                if r.details.get("deletion_protection"):
                    label.append("  deletion protection ON", style="bold yellow")
                lines = contents(r)
                leaf = group.add(label, expand=True) if lines else group.add_leaf(label)
                for line in lines:
                    leaf.add_leaf(Text(f"with it: {line}", style="dim"))
        left = getattr(cloud, "not_included", ())
        if left:
            group = node.add(Text(f"not included ({len(left)}): matched by tag only", style="yellow"), expand=True)
            for r in left:
                group.add_leaf(Text(f"{r.kind} {r.name}", style="yellow"))
    local = plan.local_plan
    node = tree.root.add(Text("Local state", style="bold underline"), expand=True)
    for e in local.kubeconfig:
        node.add_leaf(f"kubeconfig {e.describe()} (a copy is saved first)")
    if local.working_dir:
        node.add_leaf(f"hubtui's working files {tilde(local.working_dir)}")
        node.add_leaf(Text(f"kept: {', '.join(tilde(k) for k in local.kept)}", style="dim"))
    tree.root.add_leaf(Text.assemble(("Steps", "bold underline"), "  " + " → ".join(
        STEP_TITLES[s] for s in steps_for(plan))))


class PlanScreen(Screen):
    ACTION_SCREEN = "cleanup-plan"  # its entry in the action table (ui/actions.py)
    BINDINGS = bindings("cleanup-plan")

    def __init__(self, backend: Backend, plan: Plan, plan_file: Path, *, resume: bool = False):
        super().__init__()
        self.backend, self.plan, self.plan_file, self.resume = backend, plan, Path(plan_file), resume

    def compose(self) -> ComposeResult:
        p, opts = self.plan, self.plan.opts
        verb = "Resume the cleanup" if self.resume else "Cleanup plan"
        yield Static(readonly_badge(self.backend) + f"[b]{verb}[/]  ·  environment [b]{escape(p.environment)}[/]"
                     f"  ·  provider [b]{p.provider}[/]  ·  plan {p.hash[:12]}", id="titlebar")
        yield Static(self._identity(), id="identity")
        if p.risks:
            yield Static(self._risks(), id="risks")
        yield Tree("Plan", id="plan-tree")
        notices = []
        if opts.dry_run:
            notices.append("DRY RUN: this plan can only be saved; untick Dry run in the form to destroy")
        yield Static("\n".join(notices), id="force-notice")
        with Horizontal(classes="buttons"):
            yield Button("Resume…" if self.resume else "Destroy…", variant="error", id="destroy",
                         disabled=opts.dry_run)
            yield Button("Dry run: change nothing", id="dry")
            yield Button("Back", id="back")
        yield Static(f"Plan saved to {tilde(self.plan_file)}. Nothing has been changed.", id="message")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#force-notice").display = bool(self.plan.opts.dry_run)
        fill_plan_tree(self.query_one(Tree), self.plan)
        self.query_one(Tree).focus()  # ↑ ↓ read the plan; the buttons have their keys (D, s, Esc)

    def _identity(self) -> Text:
        """What will be destroyed, as keys and values: the Kubernetes target, the cloud, the evidence."""
        p = self.plan
        rows: list[tuple[str, Text]] = [("Context", Text(p.context, style="bold")), ("Cluster", Text(p.cluster)),
                                        ("Server", Text(p.server))]
        cloud = p.cloud_plan
        if cloud:
            rows.append(("Cloud", Text.assemble((cloud.identity, "bold"), f", region {cloud.region}")))
        styles = {"bound": "green", "unproven": "bold yellow", "contrary": "bold red"}
        evidence = evidence_lines(p)
        rows.append(("Evidence", Text(evidence[0].removeprefix("Evidence "), style=styles[p.binding])))
        rows += [("", Text(line.strip(), style="bold red" if "PRODUCTION" in line else "")) for line in evidence[1:]]
        width = max(len(key) for key, _ in rows) + 2
        out = Text()
        for i, (key, value) in enumerate(rows):
            out.append(("\n" if i else "") + key.ljust(width), style="bold")
            out.append_text(value)
        return out

    def _risks(self) -> Text:
        t = Text()
        t.append("Risks", style="underline")
        for r in self.plan.risks:
            t.append(f"\n! {r}")
        return t

    def tree_text(self) -> str:
        """Every label of the plan tree, one a line, indented by depth (for tests and a copy of the plan)."""
        lines = []

        def walk(node, depth):
            for child in node.children:
                lines.append("  " * depth + str(child.label))
                walk(child, depth + 1)

        walk(self.query_one(Tree).root, 0)
        return "\n".join(lines)

    @on(Button.Pressed, "#destroy")
    def action_destroy(self) -> None:
        if not self.plan.opts.dry_run and not self.app.refused_readonly(f"destroying '{self.plan.environment}'"):
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
        self.app.notify(f"Dry run: nothing was changed. The plan is saved in {tilde(self.plan_file)}.",
                        title="Cleanup", timeout=8)

    @on(Button.Pressed, "#back")
    def action_back(self) -> None:
        self.app.pop_screen()

    def action_help(self) -> None:
        self.app.push_screen(Help("Cleanup: the plan", PLAN_HELP))


class StepView(Vertical):
    """One step of the run: its title, state and time on one line, then (where the engine counts) a bar with
    done/total and what is going on."""

    def __init__(self, step: str, clock):
        super().__init__(id=f"step-{step}", classes="step")
        self.clock = clock  # seconds, from the screen's clock (a fixed one in tests)
        self.step, self.title = step, STEP_TITLES[step]
        self.state, self.style = "waiting", "dim"
        self.started: float | None = None
        self.seconds: float | None = None  # fixed once the step has finished
        self.counts: tuple[int, int] | None = None
        self.detail = ""

    def compose(self) -> ComposeResult:
        yield Static(id=f"line-{self.step}", classes="step-line")
        yield ProgressBar(show_eta=False, id=f"bar-{self.step}")
        yield Static(id=f"detail-{self.step}", classes="step-detail")

    def on_mount(self) -> None:
        self.query_one(ProgressBar).display = False
        self.redraw()

    def elapsed(self, now: float) -> float | None:
        if self.seconds is not None:
            return self.seconds
        return None if self.started is None else now - self.started

    def redraw(self, now: float | None = None) -> None:
        took = duration(self.elapsed(self.clock() if now is None else now))
        line = Text(f"{self.title:<18}", style="bold")
        line.append(f" {self.state:<12}", style=self.style)
        line.append(f"{took if took != '-' else '':>12}", style="dim")
        self.query_one(f"#line-{self.step}", Static).update(line)
        detail = self.query_one(f"#detail-{self.step}", Static)
        detail.update(Text(self.detail, style="dim"))
        detail.display = bool(self.detail) and self.state == "running"

    def begin(self) -> None:
        self.started, self.state, self.style = self.clock(), "running", "bold yellow"
        self.redraw()

    def progress(self, done: int, total: int, detail: str) -> None:
        self.detail = f"{done}/{total} · {detail}" if total else detail
        if total:
            bar = self.query_one(ProgressBar)
            bar.display = True
            bar.update(total=total, progress=done)
        self.redraw()

    def end(self, state: str, style: str, seconds: float | None = None) -> None:
        if seconds is not None:
            self.seconds = seconds
        elif self.started is not None and self.seconds is None:
            self.seconds = self.clock() - self.started
        self.state, self.style = state, style
        self.query_one(ProgressBar).display = False
        self.redraw()


OUTCOME_STYLES = {"done": "bold green", "done earlier": "green", "failed": "bold red", "skipped": "dim",
                  "cancelled": "bold red"}
LEVEL_STYLES = {"warning": "bold yellow", "error": "bold red"}


class RunScreen(Screen):
    """The run: each step with its state, time and progress, a wrapped log fed in batches (events arrive on a
    thread), and at the end a summary table. Nothing here decides anything: the engine does."""
    ACTION_SCREEN = "cleanup-run"  # its entry in the action table (ui/actions.py)

    # q / Ctrl-C / Ctrl-Q never quit in the middle: the app asks, stops at a safe point, then exits
    BINDINGS = bindings("cleanup-run")
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
        self.started = self.clock()
        self.ended: float | None = None
        self._events: list[Event] = []
        self._lock = threading.Lock()

    def compose(self) -> ComposeResult:
        yield Static(id="titlebar")
        with Horizontal(id="run-panes"):
            with Vertical(id="steps"):
                for step in steps_for(self.plan):
                    yield StepView(step, self.clock)
            yield RichLog(id="log", wrap=True, highlight=False, markup=False, auto_scroll=True, min_width=20)
        with Vertical(id="summary"):
            yield Static(id="summary-head")
            yield DataTable(id="summary-table", cursor_type="none", zebra_stripes=True)
        yield Static("Running. Esc cancels at the next safe point.", id="message")
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one("#summary-table", DataTable)
        for label, width in (("Step", 18), ("Outcome", 12), ("Time", 12), ("What went", None)):
            table.add_column(label, key=label.lower(), width=width)
        self.query_one("#summary").display = False
        self.tick()
        self.set_interval(self.FLUSH_EVERY, self.flush)
        self.set_interval(1, self.tick)
        self.execute()

    def clock(self) -> float:
        """Seconds on the backend's clock (the real time; a fixed one in tests, so snapshots stay still)."""
        return self.backend.now().timestamp()

    def step_view(self, step: str) -> StepView | None:
        found = self.query(f"#step-{step}")
        return found.first(StepView) if found else None

    def step_state(self, step: str) -> str:
        """What the step list says of a step (waiting, running, done, failed, ...)."""
        view = self.step_view(step)
        return view.state if view else ""

    def tick(self) -> None:
        """Once a second: the run's and the running step's elapsed time (two small widgets, nothing else)."""
        now = self.ended or self.clock()
        p = self.plan
        verb = "Destroying" if self.ended is None else "Destroyed" if self.summary and self.summary.ok else "Stopped"
        self.query_one("#titlebar", Static).update(
            f"[b]{verb}[/] '{escape(p.environment)}'  ·  context [b]{escape(p.context)}[/]  ·  plan {p.hash[:12]}"
            f"  ·  {duration(now - self.started)}")
        for view in self.query(StepView):
            if view.state == "running":
                view.redraw(now)

    def emit(self, event: Event) -> None:
        """Called on the run's thread: queue the event for the next flush."""
        with self._lock:
            self._events.append(event)

    def flush(self) -> None:
        with self._lock:
            events, self._events = self._events, []
        if not events:
            return
        log = self.query_one(RichLog)
        stamp = self.backend.now().astimezone().strftime("%H:%M:%S")
        for event in events:
            self._step_status(event)
            line = self._line(event)
            if line is not None:
                log.write(Text.assemble((stamp + " ", "dim"), line))

    @staticmethod
    def _line(event: Event) -> Text | None:
        if isinstance(event, LogLine):
            style = LEVEL_STYLES.get(event.level, "")
            head = "" if event.level == "info" else f"{event.level.upper()}: "
            return Text(head + event.text, style=style)
        if isinstance(event, StepStarted):
            return Text(f"==> {event.detail or event.step}", style="bold")
        if isinstance(event, StepDone):
            return Text(f"  ✓ {event.detail}" if event.detail else "  ✓ done", style="green")
        if isinstance(event, StepFailed):
            return Text(f"  ✗ {event.error}", style="bold red")
        return None  # progress shows in the step list

    def _step_status(self, event: Event) -> None:
        view = self.step_view(getattr(event, "step", ""))
        if view is None:
            return
        if isinstance(event, StepStarted):
            self.started_steps.append(view.step)
            view.begin()
        elif isinstance(event, Progress):
            view.progress(event.done, event.total, event.detail)
        elif isinstance(event, StepDone):
            view.end("done", "bold green")
        elif isinstance(event, StepFailed):
            view.end("cancelled" if "cancel" in event.error else "failed", "bold red")

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
        self.ended = self.clock()
        box = self.query_one("#summary")
        box.display = True
        head = self.query_one("#summary-head", Static)
        table = self.query_one("#summary-table", DataTable)
        if summary is None:
            table.display = False
            for view in self.query(StepView):
                if view.state == "running":
                    view.end("stopped", "bold red")
            if self.started_steps:  # it stopped part-way: what ran is journaled, so it can be resumed
                head.update(Text(f"The cleanup stopped with an error: {error}\nRun the cleanup of "
                                 f"'{self.plan.environment}' again to resume it.", style="bold red"))
            else:
                head.update(Text(f"The cleanup could not start: {error}", style="bold red"))
            box.set_class(True, "failed")
        else:
            # "What went" takes the rest of the width and ends in … rather than scroll sideways
            rest = max(20, self.size.width - sum(c.width for c in table.columns.values() if c.width) - 14)
            table.columns["what went"].width = rest
            for s in summary.steps:
                view = self.step_view(s.step)
                if view is not None:
                    view.end(s.status, OUTCOME_STYLES[s.status], s.seconds)
                went = Text(s.went, no_wrap=True, overflow="ellipsis")
                went.truncate(rest, overflow="ellipsis")
                table.add_row(s.title, Text(s.status, style=OUTCOME_STYLES[s.status]), duration(s.seconds), went,
                              key=s.step)
            head.update(self._headline(summary))
            box.set_class(not summary.ok, "failed")
        self.tick()
        self.query_one("#message", Static).update("Finished. Esc goes back to the deployments.")
        self.refresh_bindings()
        if self.exit_when_done:
            self.app.exit(return_code=0 if summary is not None and summary.ok else 1)

    def _headline(self, summary) -> Text:
        took = duration(self.ended - self.started)
        head = {"completed": (f"Cleanup of '{summary.environment}' completed in {took}.", "bold green"),
                "failed": (f"Cleanup of '{summary.environment}' FAILED after {took}: see the steps marked failed.",
                           "bold red"),
                "cancelled": (f"Cleanup of '{summary.environment}' was cancelled after {took}: nothing more was "
                              "changed.", "bold red")}[summary.result]
        text = Text(head[0], style=head[1])
        if summary.result != "completed":
            first = next((s for s in summary.steps if s.status in ("failed", "cancelled") or s.failed), None)
            where = f" from '{first.title}'" if first else ""
            text.append(f"\nRun the cleanup of '{summary.environment}' again to resume{where}: finished steps are "
                        "not repeated.")
        keys = [f"h copies the plan hash {summary.plan_hash[:12]}"]
        if summary.backup_folder:
            keys.insert(0, f"backup in {tilde(summary.backup_folder)} (b copies it)")
        text.append("\n" + "; ".join(keys), style="dim")
        return text

    def check_action(self, action: str, parameters) -> bool | None:
        if action == "cancel":
            return self.running
        if action == "close":
            return not self.running
        if action == "copy_backup":
            return bool(self.summary and self.summary.backup_folder)
        if action == "copy_hash":
            return self.summary is not None
        return True

    def ask_to_leave(self) -> None:
        """q, Ctrl-Q or Ctrl-C during the run: asked first; yes stops the run at the next safe point (journaled)
        and only then exits hubtui. Destruction never goes on without a screen."""
        if self.exit_when_done or self._asking_to_leave:
            return
        self._asking_to_leave = True

        def answer(yes: bool | None) -> None:
            self._asking_to_leave = False
            if yes and not self.running:  # the run ended while the question was open: just quit
                self.app.exit(return_code=0 if self.summary is not None and self.summary.ok else 1)
            elif yes:
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

    def action_copy_backup(self) -> None:
        if self.summary and self.summary.backup_folder:
            self.app.copy_to_clipboard(self.summary.backup_folder)
            self.notify(f"Copied {tilde(self.summary.backup_folder)}", title="Clipboard", timeout=4)

    def action_copy_hash(self) -> None:
        if self.summary is not None:
            self.app.copy_to_clipboard(self.summary.plan_hash)
            self.notify(f"Copied the plan hash {self.summary.plan_hash[:12]}…", title="Clipboard", timeout=4)

    @property
    def running(self) -> bool:
        return not self.run_done.is_set()

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
