"""The run's step list: one line a step (its title, state and time), and where the engine counts, a bar with
done/total and what is going on."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import ProgressBar, Static

from ....events import Progress
from ....present.steps import STEP_TITLES
from ....present.events import OUTCOME_TONES
from ....present.progress import progress_text
from ....present.summary import duration
from ...styles import tone_style


class StepView(Vertical):
    """One step of the run: its title, state and time on one line, then (where the engine counts) a bar with
    done/total and what is going on."""

    def __init__(self, step: str, clock):
        super().__init__(id=f"step-{step}", classes="step")
        self.clock = clock  # seconds, from the screen's clock (a fixed one in tests)
        self.step, self.title = step, STEP_TITLES[step]
        self.state, self.tone = "waiting", OUTCOME_TONES["waiting"]
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
        line.append(f" {self.state:<12}", style=tone_style(self.tone))
        line.append(f"{took if took != '-' else '':>12}", style="dim")
        self.query_one(f"#line-{self.step}", Static).update(line)
        detail = self.query_one(f"#detail-{self.step}", Static)
        detail.update(Text(self.detail, style="dim"))
        detail.display = bool(self.detail) and self.state == "running"

    def begin(self) -> None:
        self.started, self.state, self.tone = self.clock(), "running", OUTCOME_TONES["running"]
        self.redraw()

    def progress(self, event: Progress) -> None:
        self.detail = progress_text(event)
        if event.total:
            bar = self.query_one(ProgressBar)
            bar.display = True
            bar.update(total=event.total, progress=event.done)
        self.redraw()

    def end(self, state: str, seconds: float | None = None) -> None:
        if seconds is not None:
            self.seconds = seconds
        elif self.started is not None and self.seconds is None:
            self.seconds = self.clock() - self.started
        self.state, self.tone = state, OUTCOME_TONES.get(state, "")
        self.query_one(ProgressBar).display = False
        self.redraw()
