"""Textual's terminal driver, with one step less between a key and the app.

Textual's driver reads the terminal on a thread of its own and hands each event it parses to the app as a
coroutine scheduled on the app's loop (`run_coroutine_threadsafe`): a task is made for every key, and it runs one
turn of the loop later, before the key is even queued. `App.post_message` is safe from any thread and queues the
event in that one turn.
"""

from __future__ import annotations

from typing import Any

from textual.app import App
from textual.drivers.linux_driver import LinuxDriver
from textual.message import Message


class HubDriver(LinuxDriver):
    def __init__(self, app: App, *args: Any, **kwargs: Any) -> None:
        super().__init__(app, *args, **kwargs)
        self.hub_app = app

    def send_message(self, message: Message) -> None:
        self.hub_app.post_message(message)
