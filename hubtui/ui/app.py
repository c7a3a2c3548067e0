"""The hubtui application: connects, then opens the deployments screen."""

from __future__ import annotations

from textual.app import App
from textual.binding import Binding

from ..settings import Settings
from .screens.deployments import DeploymentsScreen, RowSource, cluster_source


class HubApp(App[int]):
    CSS_PATH = "hubtui.tcss"
    TITLE = "hubtui"
    BINDINGS = [Binding("q", "quit", "Quit"), Binding("ctrl+c", "quit", "Quit", show=False)]

    def __init__(self, settings: Settings, source: RowSource | None = None):
        super().__init__()
        self.settings = settings
        self.source = source or cluster_source(settings)

    def on_mount(self) -> None:
        self.push_screen(DeploymentsScreen(self.source))


def run_tui(settings: Settings) -> int:
    return HubApp(settings).run() or 0
