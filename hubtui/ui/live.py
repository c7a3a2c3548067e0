"""One way for live data to reach a screen from the engine's threads: a latest-wins channel keyed by object.

A watch, a log stream or a cleanup run calls `put(key, value)` (or `add(value)` for a stream, where nothing
is replaced) on its own thread; that never calls into the UI and never blocks on it. The screen drains the
channel on its own thread, at most `fps` times a second, with everything that arrived since the last drain:
for each key, its latest value only, in the order the keys first arrived.

Throttled on both edges: the first change after a quiet moment is drawn at once (no frame to wait for), and
a burst is drawn once per frame, its last change included (no change is ever left waiting).
"""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

from textual.message import Message
from textual.message_pump import MessagePump

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class Channel(Generic[K, V]):
    class Ready(Message):
        """Something arrived: the owner calls `message.channel.wake()` on its thread (HubScreen does)."""

        def __init__(self, channel: Channel):
            super().__init__()
            self.channel = channel

    def __init__(self, owner: MessagePump, drain: Callable[[dict[K, V]], None], *, fps: float = 10):
        self.owner, self.drain, self.frame = owner, drain, 1 / fps
        self._pending: dict[K, V] = {}
        self._lock = threading.Lock()
        self._woken = False  # a Ready is on its way, or a drain is due: no other is posted
        self._last = 0.0  # when the channel was last drained (monotonic seconds)
        self._seq = itertools.count()

    # ----- any thread ------------------------------------------------------------------------------------------
    def put(self, key: K, value: V) -> None:
        """The latest value of `key` (it replaces one not yet drained)."""
        with self._lock:
            self._pending[key] = value
            if self._woken:
                return
            self._woken = True
        self.owner.post_message(self.Ready(self))

    def add(self, value: V) -> None:
        """One more item of a stream: never replaced, drained in order."""
        self.put(next(self._seq), value)  # type: ignore[arg-type]  # a stream's keys are its sequence numbers

    # ----- the owner's thread ----------------------------------------------------------------------------------
    def wake(self) -> None:
        """Drain now after a quiet moment, or at the end of the current frame during a burst."""
        delay = self._last + self.frame - time.monotonic()
        if delay <= 0:
            self.drain_now()
        else:
            self.owner.set_timer(delay, self.drain_now)

    def drain_now(self) -> None:
        """Everything that arrived, now (also before a screen shows its final state)."""
        with self._lock:
            items, self._pending = self._pending, {}
            self._woken = False
        self._last = time.monotonic()
        if items:
            self.drain(items)

    def discard(self) -> None:
        """Forget what has not been drawn (a stream replaced by another)."""
        with self._lock:
            self._pending.clear()
