"""The cleanup run screen: each step with its state, time and progress, the log (worded by
hubtui.present.events, as the CLI prints it), and the summary; quitting or cancelling stops at a safe point."""

from __future__ import annotations

import threading
from typing import ClassVar

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Horizontal, Vertical
from textual.widgets import DataTable, RichLog, Static
from textual.widgets.data_table import ColumnKey

from ....errors import HubError
from ....events import Event, LogLine, Progress, StepDone, StepFailed, StepStarted
from ....ops.cleanup.session import CleanupSession
from ....ops.cleanup.steps import steps_for
from ....present.summary import duration, headline, resume_hint, went as step_went
from ....paths import tilde
from ....present.events import OUTCOME_TONES, event_line, step_failed_state
from ...actions import bindings, help_rows
from ...backend import CleanupSource
from ...live import Channel
from ...styles import styled, tone_style
from ..modals import Confirm, Help
from ...widgets.paged_logs import PagedRichLog
from ...widgets.footer import HubFooter
from ...widgets.titlebar import TitleBar
from ..base import HubScreen
from .steps import StepView

RUN_HELP = help_rows("cleanup-run")


class RunScreen(HubScreen):
    """The run: each step with its state, time and progress, a wrapped log fed in batches (events arrive on a
    thread), and at the end a summary table. Nothing here decides anything: the engine does."""
    ACTION_SCREEN = "cleanup-run"  # its entry in the action table (ui/actions.py)

    # q / Ctrl-C / Ctrl-Q never quit in the middle: the app asks, stops at a safe point, then exits
    BINDINGS: ClassVar[list[BindingType]] = list(bindings("cleanup-run"))
    FLUSH_FPS = 10  # the most writes a second to the log

    def __init__(self, backend: CleanupSource, session: CleanupSession):
        super().__init__()
        assert session.plan is not None, "a session runs once confirmed"
        self.backend, self.session, self.plan = backend, session, session.plan
        self.exit_when_done = False  # the operator quit: exit once the run has stopped
        self.run_done = threading.Event()  # set on the run's thread as soon as the engine has returned
        self._asking_to_leave = False
        self.started_steps: list[str] = []
        self.cancel = threading.Event()
        self.summary = None
        self.started = self.clock()
        self.ended: float | None = None
        # the run's events, from its thread, in order (ui/live.py): drawn FLUSH_FPS times a second at most
        self.live: Channel[int, Event] = Channel(self, self._draw, fps=self.FLUSH_FPS)

    def compose(self) -> ComposeResult:
        yield TitleBar(id="titlebar")
        with Horizontal(id="run-panes"):
            with Vertical(id="steps"):
                for step in steps_for(self.plan):
                    yield StepView(step, self.clock)
            yield PagedRichLog(id="log", wrap=True, highlight=False, markup=False, auto_scroll=True, min_width=20)
        with Vertical(id="summary"):
            yield Static(id="summary-head")
            yield DataTable(id="summary-table", cursor_type="none", zebra_stripes=True)
        yield Static("Running. Esc cancels at the next safe point.", id="message")
        yield HubFooter()

    def on_mount(self) -> None:
        table = self.query_one("#summary-table", DataTable)
        for label, width in (("Step", 18), ("Outcome", 12), ("Time", 12), ("What went", None)):
            table.add_column(label, key=label.lower(), width=width)
        self.query_one("#summary").display = False
        self.tick()
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
        verb = ("Destroying" if self.ended is None else "Stopped" if self.summary is None else
                {"completed": "Destroyed", "cancelled": "Cancelled, NOT destroyed:", "failed": "FAILED destroying"}[
                    self.summary.result])
        self.query_one(TitleBar).show(f"{verb} '{p.environment}'", [("context", p.context), ("plan", p.hash[:12]),
                                                                    (duration(now - self.started), "")])
        for view in self.query(StepView):
            if view.state == "running":
                view.redraw(now)

    def emit(self, event: Event) -> None:
        """Called on the run's thread (and on the UI's): the event into the live channel."""
        self.live.add(event)

    def _draw(self, items: dict[int, Event]) -> None:
        events = list(items.values())
        log = self.query_one(RichLog)
        stamp = self.backend.now().astimezone().strftime("%H:%M:%S")
        for event in events:
            self._step_status(event)
            line = event_line(event)  # the CLI prints the same line; progress shows in the step list
            if line is not None:
                log.write(Text.assemble((stamp + " ", "dim"), (line[0], tone_style(line[1]))))

    def _step_status(self, event: Event) -> None:
        view = self.step_view(getattr(event, "step", ""))
        if view is None:
            return
        if isinstance(event, StepStarted):
            self.started_steps.append(view.step)
            view.begin()
        elif isinstance(event, Progress):
            view.progress(event)
        elif isinstance(event, StepDone):
            view.end("done")
        elif isinstance(event, StepFailed):
            view.end(step_failed_state(event))

    @work(thread=True, exclusive=True, exit_on_error=False, group="cleanup-run", name="cleanup run")
    def execute(self) -> None:
        try:
            summary = self.session.run(emit=self.emit, cancel=self.cancel)
        except HubError as e:
            summary, error = None, str(e)
        except Exception as e:  # noqa: BLE001 - shown, never a silent stop
            summary, error = None, f"{type(e).__name__}: {e}"
        else:
            error = ""
        finally:
            self.session.close()  # the environment's lock: a resume from here takes it again
            self.run_done.set()
        self.app.call_from_thread(self.finished, summary, error)

    def finished(self, summary, error: str) -> None:
        self.live.drain_now()  # every event of the run is on screen before its summary
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
                    view.end("stopped")
            if self.started_steps:  # it stopped part-way: what ran is journaled, so it can be resumed
                head.update(styled(f"The cleanup stopped with an error: {error}\nRun the cleanup of "
                                   f"'{self.plan.environment}' again to resume it.", "hub.error"))
            else:
                head.update(styled(f"The cleanup could not start: {error}", "hub.error"))
            box.set_class(True, "failed")
        else:
            # "What went" takes the rest of the width and ends in … rather than scroll sideways
            rest = max(20, self.size.width - sum(c.width for c in table.columns.values() if c.width) - 14)
            table.columns[ColumnKey("what went")].width = rest
            for s in summary.steps:
                step_view = self.step_view(s.step)
                if step_view is not None:
                    step_view.end(s.status, s.seconds)
                went = Text(step_went(s), no_wrap=True, overflow="ellipsis")
                went.truncate(rest, overflow="ellipsis")
                table.add_row(s.title, styled(s.status, tone_style(OUTCOME_TONES.get(s.status, ""))),
                              duration(s.seconds), went,
                              key=s.step)
            head.update(self._headline(summary))
            box.set_class(not summary.ok, "failed")
        self.tick()
        result = summary.result if summary is not None else "failed"
        ended = {"completed": "Finished.",
                 "cancelled": f"Cancelled: '{self.plan.environment}' is not destroyed; run the cleanup again to resume.",
                 "failed": f"Failed: '{self.plan.environment}' is not destroyed; run the cleanup again to resume."}
        self.query_one("#message", Static).update(f"{ended[result]} Esc goes back to the deployments.")
        self.refresh_bindings()
        if self.exit_when_done:
            self.app.exit(return_code=0 if summary is not None and summary.ok else 1)

    def _headline(self, summary) -> Text:
        """The run's result as `hubtui cleanup` says it (present/summary.py), with the time."""
        assert self.ended is not None, "the headline is written once the run has ended"
        text = styled(headline(summary, duration(self.ended - self.started)),
                      "hub.success" if summary.ok else "hub.error")
        if hint := resume_hint(summary):
            text.append("\n" + hint)
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
        from ..deployments import DeploymentsScreen

        while not isinstance(self.app.screen, DeploymentsScreen) and len(self.app.screen_stack) > 1:
            self.app.pop_screen()
        screen = self.app.screen
        if isinstance(screen, DeploymentsScreen) and self.summary is not None:
            # the screen's last message is old news now: say what the cleanup did to the namespace on screen
            gone = self.summary.deleted_namespace(screen.backend.namespace)
            screen.say(f"namespace {screen.backend.namespace} was deleted by the cleanup of "
                       f"'{self.plan.environment}': n switches to another namespace" if gone else
                       f"cleanup of '{self.plan.environment}': {self.summary.result}")

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
