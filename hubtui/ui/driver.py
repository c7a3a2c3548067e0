"""Textual's terminal driver, with a step less on each side of a key.

- In: Textual's driver reads the terminal on a thread of its own and hands each event it parses to the app as
  a coroutine scheduled on the app's loop (`run_coroutine_threadsafe`): a task is made for every key, and it
  runs one turn of the loop later, before the key is even queued. `App.post_message` is safe from any thread and
  queues the event in that one turn. (A resize still comes Textual's way: a key read in the same instant may
  overtake it, as if typed a moment sooner.)
- Out: Textual hands every frame to a writer thread, which must then be woken and given the interpreter. Here
  the frame is written on the app's thread, at once. A terminal that does not keep up (a slow link) holds the
  app until it has read the frame, where Textual's thread queued up to 30 frames before it did the same: the
  screen then shows the latest state sooner, not stale frames in turn.
- Ahead: a widget may write a few of its own lines before the frame that draws them (`write_ahead`, the table's
  cursor: ui/widgets/row_table.py), while the app is on the terminal.
"""

from __future__ import annotations

import os
import sys
from typing import Any, TextIO

from textual.app import App
from textual.drivers.linux_driver import LinuxDriver
from textual.message import Message


class HubDriver(LinuxDriver):
    def __init__(self, app: App, *args: Any, **kwargs: Any) -> None:
        super().__init__(app, *args, **kwargs)
        self.hub_app = app
        self.terminal: TextIO | None = sys.__stderr__  # where Textual's Linux driver writes
        self.in_application_mode = False  # the app is on the terminal: not before, after, or suspended
        self.frames = 0  # writes of Textual's (frames and the terminal's modes), not lines drawn ahead
        app.hub_driver = self  # type: ignore[attr-defined]  # HubApp.hub_driver

    def start_application_mode(self) -> None:
        super().start_application_mode()
        self.in_application_mode = True

    def stop_application_mode(self) -> None:
        self.in_application_mode = False
        super().stop_application_mode()

    def write(self, data: str) -> None:
        self.frames += 1
        self._put(data)

    def write_ahead(self, data: str) -> bool:
        """`data` (lines a widget drew ahead of the frame) written now if the app is on the terminal: True if
        written."""
        if not self.in_application_mode or self.terminal is None:
            return False
        self._put(data)
        return self.terminal is not None

    def _put(self, data: str) -> None:
        terminal = self.terminal
        if terminal is None:  # gone: nothing more is drawn (the hang-up's signal ends the app)
            return
        try:
            terminal.write(data)
            terminal.flush()
        except BlockingIOError:  # a program the terminal was handed to (psql) left it non-blocking: what is
            os.set_blocking(terminal.fileno(), True)  # not written yet is in the buffer, written now
            terminal.flush()
        except OSError:  # the terminal is gone (EIO after a hang-up): as Textual's writer thread, which died then
            self.terminal = None

    def flush(self) -> None:
        pass  # every write is flushed

    def send_message(self, message: Message) -> None:
        self.hub_app.post_message(message)
