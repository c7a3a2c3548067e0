"""The one path live data takes to a screen (hubtui/ui/live.py): latest wins per key, streams keep their
order, a lone change after a quiet moment is drawn at once, and a burst once per frame with its last change."""

from __future__ import annotations

import threading
import time

from textual.app import App

from hubtui.ui.live import Channel
from hubtui.ui.screens.base import HubScreen

from .helpers import until


class Owner(HubScreen):
    def __init__(self, fps: float):
        super().__init__()
        self.drawn: list[tuple[float, dict]] = []
        self.channel: Channel = Channel(self, lambda items: self.drawn.append((time.monotonic(), items)), fps=fps)


class Host(App):
    def __init__(self, fps: float):
        super().__init__()
        self.owner = Owner(fps)

    def on_mount(self) -> None:
        self.push_screen(self.owner)


def from_a_thread(fn) -> None:
    t = threading.Thread(target=fn)
    t.start()
    t.join()


async def test_a_lone_change_is_drawn_at_once_and_a_burst_once_a_frame_with_its_latest_values():
    app = Host(fps=2)  # frames of half a second: waiting for one would show
    async with app.run_test() as pilot:
        owner = app.owner
        await pilot.pause(0.6)  # a quiet moment
        put_at = time.monotonic()
        from_a_thread(lambda: owner.channel.put("web", 1))
        await until(pilot, lambda: owner.drawn, what="the lone change")
        at, items = owner.drawn[-1]
        assert items == {"web": 1} and at - put_at < 0.25  # not held for the frame

        def burst():
            for n in range(2, 500):
                owner.channel.put("web", n)
                owner.channel.put(f"svc-{n % 3}", n)

        from_a_thread(burst)  # right after a drawing: the burst waits for the end of the frame
        await until(pilot, lambda: len(owner.drawn) >= 2, tries=100, what="the burst")
        await pilot.pause(0.7)
        bursts = owner.drawn[1:]
        assert len(bursts) <= 2  # at most the leading and trailing edge of one frame, never 996 drawings
        last: dict = {}
        for _, items in bursts:
            last.update(items)
        assert last == {"web": 499, "svc-0": 498, "svc-1": 499, "svc-2": 497}  # every key's latest value


async def test_a_stream_keeps_every_item_in_order():
    app = Host(fps=10)
    async with app.run_test() as pilot:
        owner = app.owner
        from_a_thread(lambda: [owner.channel.add(f"line {i}") for i in range(1000)])
        await until(pilot, lambda: sum(len(items) for _, items in owner.drawn) == 1000, what="every line")
        assert [v for _, items in owner.drawn for v in items.values()] == [f"line {i}" for i in range(1000)]
        owner.channel.add("dropped")
        owner.channel.discard()  # a stream replaced by another: what was not drawn is never drawn
        await pilot.pause(0.3)
        assert "dropped" not in [v for _, items in owner.drawn for v in items.values()]
