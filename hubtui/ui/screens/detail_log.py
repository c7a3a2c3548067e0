"""The detail's log pane: one container's log followed, the lines that arrived meanwhile drawn in one write
per frame (ui/live.py), the end followed unless the operator scrolled up to read. The stream runs on its own
thread (kube/detail.py LogStream); stopping it never blocks the UI thread."""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

from rich.markup import escape
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Static

from ...errors import HubError
from ..live import Channel
from ..widgets.paged_logs import PagedLog

if TYPE_CHECKING:
    from ...kube.detail import DeploymentDetail, LogStream

LOG_TAIL = 200  # lines shown first when a log opens
LOG_FLUSH = 0.08  # seconds: the pane takes the lines that arrived meanwhile in one write
LOG_MAX_LINES = 5000


class LogPane(Vertical):
    def __init__(self, detail: DeploymentDetail, **kwargs) -> None:
        super().__init__(**kwargs)
        self.detail = detail
        self.stream: LogStream | None = None
        self.target: tuple[str, str] | None = None  # (pod, container) while open
        self.live: Channel[int, list[str]] = Channel(self, self._draw, fps=1 / LOG_FLUSH)

    def compose(self) -> ComposeResult:
        yield Static(classes="section", id="log-title")
        yield PagedLog(id="log", max_lines=LOG_MAX_LINES, auto_scroll=True)

    def open(self, pod: str, container: str) -> None:
        """Follow `container` of `pod` from its last LOG_TAIL lines, in place of any log followed before."""
        self.stop_stream()
        self.query_one(PagedLog).clear()
        self.live.discard()  # the last stream's lines not drawn yet: never in the new one's pane
        self.target = (pod, container)
        self.query_one("#log-title", Static).update(
            f"Log of [b]{escape(pod)}[/] / [b]{escape(container)}[/] · following · l closes · c container")
        try:
            self.stream = self.detail.logs(pod, container, tail=LOG_TAIL, on_lines=self._on_lines,
                                           on_end=self._on_end)
        except HubError as e:
            self._on_lines([f"— {e} —"])

    def close(self) -> None:
        self.stop_stream()
        self.target = None

    def _on_lines(self, lines: list[str]) -> None:
        """On the stream's thread: into the live channel."""
        self.live.add(lines)

    def _on_end(self, error: str | None) -> None:
        self._on_lines([f"— {error} —" if error else "— the log ended (the container stopped) —"])

    def _draw(self, items: dict[int, list[str]]) -> None:
        lines = [line for batch in items.values() for line in batch]
        if lines and self.target is not None:
            log = self.query_one(PagedLog)
            # follow the end unless the operator scrolled up to read
            log.write_lines(lines, scroll_end=log.max_scroll_y == 0 or log.is_vertical_scroll_end)

    def stop_stream(self) -> None:
        stream, self.stream = self.stream, None
        if stream is not None:
            threading.Thread(target=stream.stop, name="stop log stream", daemon=True).start()
