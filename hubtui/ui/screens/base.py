"""What every full screen of hubtui shares: the app as the HubApp it is, one line for a worker that failed
(ui/workers.py), `report()` to hand a worker's result to the UI thread unless the screen has gone, and the
drawing of its live channels (ui/live.py)."""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, cast

from textual.screen import Screen

from ..live import Channel
from ..workers import WorkerFailures

if TYPE_CHECKING:
    from ..app import HubApp


class HubScreen(WorkerFailures, Screen):
    def __init__(self) -> None:
        super().__init__()
        self._leaving = threading.Event()  # set when the screen goes: workers stop reporting, waits end

    @property
    def hub(self) -> HubApp:
        """The app as what it is (Textual types `self.app` as any App)."""
        return cast("HubApp", self.app)

    def on_unmount(self) -> None:
        self._leaving.set()

    def on_channel_ready(self, message: Channel.Ready) -> None:
        """Live data arrived on one of this screen's channels (ui/live.py): drawn now, or at the next frame."""
        message.stop()
        if not self._leaving.is_set():
            message.channel.wake()

    def report(self, fn, *args) -> None:
        """From a worker: run fn on the UI thread, unless this screen has gone meanwhile."""
        if not self._leaving.is_set() and self.is_attached:
            try:
                self.app.call_from_thread(fn, *args)
            except RuntimeError:  # the app is shutting down
                pass
