"""The cleanup plan screen: the target, the evidence, the risks and the plan as a tree (worded by
hubtui.present.plan, as the CLI prints it); Destroy asks the typed confirmations, then starts the run."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.binding import BindingType
from textual.widgets import Button, Static, Tree

from ....errors import HubError
from ....ops.cleanup.session import CleanupSession
from ....paths import tilde
from ....present.plan import Line, identity_rows, plan_lines, risk_lines
from ...actions import bindings, help_rows
from ...backend import CleanupSource
from ...styles import styled, tone_style
from ...gate import ReadOnlyGate
from ..modals import Help
from .asker import converse
from .run import RunScreen
from ...widgets.footer import HubFooter
from ...widgets.titlebar import TitleBar
from ..base import HubScreen

PLAN_HELP = help_rows("cleanup-plan")


def label(line: Line) -> Text:
    text = styled(line.head, tone_style(line.tone))
    if line.rest:
        text.append("  " + line.rest, style=tone_style(line.rest_tone))
    if line.flag:
        text.append("  " + line.flag, style=tone_style("warning"))
    return text


def fill_plan_tree(tree: Tree, lines: list[Line]) -> None:
    """The plan's lines as a tree: sections and the nodes with children expanded, leaves as leaves."""
    tree.show_root = False
    tree.root.expand()

    def add(parent, line: Line) -> None:
        if line.children:
            node = parent.add(label(line), expand=True)
            for child in line.children:
                add(node, child)
        else:
            parent.add_leaf(label(line))

    for section in lines:
        add(tree.root, section)


class PlanScreen(ReadOnlyGate, HubScreen):
    ACTION_SCREEN = "cleanup-plan"  # its entry in the action table (ui/actions.py)
    BINDINGS: ClassVar[list[BindingType]] = list(bindings("cleanup-plan"))
    SHORT = 32  # rows: in a shorter terminal the buttons are one row high and the risks box smaller, so that
    # the plan itself keeps room (hubtui.tcss: PlanScreen.short)

    def __init__(self, backend: CleanupSource, session: CleanupSession):
        super().__init__()
        assert session.plan is not None and session.plan_file is not None, "a session shows its plan once prepared"
        self.backend, self.session = backend, session
        self.plan, self.plan_file, self.resume = session.plan, session.plan_file, session.resume

    def on_unmount(self) -> None:
        self.session.close()  # the environment's lock, held since Plan: gone with the plan (after its run)


    def compose(self) -> ComposeResult:
        p, opts = self.plan, self.plan.opts
        yield TitleBar(id="titlebar")
        yield Static(self._identity(), id="identity")
        if p.risks:  # a short terminal scrolls them (a scrollbar shows there is more), never cuts them off
            with VerticalScroll(id="risks"):
                yield Static(self._risks(), id="risk-lines")
        yield Tree("Plan", id="plan-tree")
        notices = []
        if opts.dry_run:
            notices.append("DRY RUN: this plan can only be saved; untick Dry run in the form to destroy")
        yield Static("\n".join(notices), id="force-notice")
        with Horizontal(classes="buttons"):
            yield Button("Resume…" if self.resume else "Destroy…", variant="error", id="destroy",
                         disabled=opts.dry_run)
            yield Button("Dry run", id="dry")  # the name the footer and the help give `s`
            yield Button("Back", id="back")
        message = (f"Resuming the plan in {tilde(self.plan_file)}: what earlier runs did stays done; nothing more "
                   "changes until you confirm." if self.resume else
                   f"Plan saved to {tilde(self.plan_file)}. Nothing has been changed.")
        yield Static(message, id="message")
        yield HubFooter()

    def on_resize(self) -> None:
        short = self.size.height < self.SHORT
        self.set_class(short, "short")
        for button in self.query(Button):
            button.compact = short

    def on_mount(self) -> None:
        p = self.plan
        self.query_one(TitleBar).show("Resume the cleanup" if self.resume else "Cleanup plan",
                                      [("environment", p.environment), ("provider", p.provider),
                                       ("plan", p.hash[:12])], readonly=bool(self.backend.readonly_reason()))
        self.query_one("#force-notice").display = bool(self.plan.opts.dry_run)
        fill_plan_tree(self.query_one(Tree), plan_lines(self.plan))
        self.query_one(Tree).focus()  # ↑ ↓ read the plan; the buttons have their keys (D, s, Esc)

    def _identity(self) -> Text:
        """What will be destroyed, as keys and values (hubtui.present.plan words them for both faces)."""
        rows = identity_rows(self.plan)
        width = max(len(key) for key, _, _ in rows) + 2
        out = Text()
        for i, (key, value, tone) in enumerate(rows):
            out.append(("\n" if i else "") + key.ljust(width), style="bold")
            out.append(value, style=tone_style(tone))
        return out

    def _risks(self) -> Text:
        t = Text()
        t.append("Risks", style="underline")
        for line in risk_lines(self.plan):
            t.append(f"\n{line}")
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

    def readonly_what(self, name: str) -> str:
        return f"destroying '{self.plan.environment}'"

    @on(Button.Pressed, "#destroy")
    def action_destroy(self) -> None:
        if self.plan.opts.dry_run:  # said, never a key that does nothing
            self.query_one("#message", Static).update(
                "This is a dry-run plan: it destroys nothing. Esc goes back to the form: untick Dry run to destroy.")
            return
        if not self.hub.refused_readonly(f"destroying '{self.plan.environment}'"):
            self.hub.hold_keys()  # now, not when the worker starts: the keys typed after D are already being read
            self.confirm_and_run()

    @work(exclusive=True, exit_on_error=False, group="cleanup-confirm", name="confirmation")
    async def confirm_and_run(self) -> None:
        """The session's typed confirmations, then deletion protection, each a dialog; then the run."""
        from .form import sentence

        try:
            await converse(self.app, self.session.confirm())
        except HubError as e:
            self.query_one("#message", Static).update(sentence(str(e)))
            return
        self.hub.last_cleanup_form = None  # an environment being destroyed is never typed in for the next `x`
        self.app.push_screen(RunScreen(self.backend, self.session))

    def worker_failed(self, worker, message: str) -> None:
        self.query_one("#message", Static).update(f"Nothing was changed: {message}")

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
