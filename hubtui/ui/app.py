"""The hubtui application: the deployments screen first; other screens are reached from it."""

from __future__ import annotations

from textual.app import App
from textual.binding import Binding

from ..settings import Settings
from .backend import Backend, ClusterBackend
from .screens.deployments import DeploymentsScreen


class HubApp(App[int]):
    CSS_PATH = "hubtui.tcss"
    TITLE = "hubtui"
    BINDINGS = [Binding("q", "quit", "Quit"), Binding("ctrl+c", "quit", "Quit", show=False)]

    def __init__(self, settings: Settings | None = None, backend: Backend | None = None):
        super().__init__()
        self.settings = settings
        self.backend = backend or ClusterBackend(settings)

    def on_mount(self) -> None:
        self.push_screen(DeploymentsScreen(self.backend))

    def switch_to_namespace(self, namespace: str) -> None:
        self.backend = self.backend.for_namespace(namespace)
        self.switch_screen(DeploymentsScreen(self.backend))


def run_tui(settings: Settings) -> int:
    return HubApp(settings).run() or 0
