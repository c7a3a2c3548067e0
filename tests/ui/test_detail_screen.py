"""The deployment detail: pilot tests of its keys, fed from memory (tests/ui/fakes.py); a snapshot.
The same behaviours against the real cluster: tests/integration/test_detail.py."""

from __future__ import annotations

import dataclasses
import threading

import pytest

from textual.widgets import DataTable, Log, Static

from hubtui.ui.app import HubApp
from hubtui.ui.widgets.row_table import RowTable
from hubtui.ui.screens.deployments import DeploymentsScreen
from hubtui.ui.screens.detail import DetailScreen
from hubtui.ui.screens.detail_log import LOG_TAIL
from hubtui.ui.screens.detail_tables import PodTable
from hubtui.ui.screens.modals import Help, NamespacePicker
from hubtui.ui.widgets.replica_slider import ReplicaSlider

from .fakes import NOW, FakeBackend, detail_snapshot
from .helpers import dialog_words, opened, screen_text, table, until

SIZE = (130, 40)


async def open_detail(pilot, app, name="event-ingestion", key="i"):
    await until(pilot, lambda: app.screen.query(RowTable) and table(app).row_count > 0, what="rows")
    table(app).move_cursor(row=table(app).get_row_index(name))
    await pilot.pause()
    await pilot.press(key)
    await until(pilot, lambda: isinstance(app.screen, DetailScreen) and app.screen.snapshot is not None,
                what="the detail view")
    await pilot.pause()
    return app.screen


async def open_log(pilot, app):
    """The detail of event-ingestion, its first pod's log open: the log's stream."""
    backend = app.backend
    await open_detail(pilot, app)
    await pilot.press("l")
    await until(pilot, lambda: backend.details[-1].streams, what="a log stream")
    return backend.details[-1].streams[-1]


def text(screen, selector) -> str:
    return str(screen.query_one(selector, Static).render())


def pod_rows(screen) -> list[list[str]]:
    t = screen.query_one(PodTable)
    return [[str(c) for c in t.get_row_at(i)] for i in range(t.row_count)]


def event_rows(screen) -> list[list[str]]:
    t = screen.query_one("#events", DataTable)
    return [[str(c) for c in t.get_row_at(i)] for i in range(t.row_count)]


async def test_i_opens_the_selected_deployment_with_its_rollout_pods_and_events():
    backend = FakeBackend()
    async with opened(backend, size=SIZE) as (app, pilot):
        screen = await open_detail(pilot, app)
        assert backend.details[-1].name == "event-ingestion"
        rollout = text(screen, "#rollout")
        assert "Not ready: 1/2 ready, 1 available" in rollout
        assert "Available: False — MinimumReplicasUnavailable" in rollout
        assert "event-ingestion-7d9f  rev 2" in rollout
        assert "registry.example.com/hub/ingest:typo" in rollout  # the images
        rows = pod_rows(screen)
        assert [r[:4] for r in rows] == [["event-ingestion-7d9f-aaaaa", "Running", "2/2", "0"],
                                         ["event-ingestion-7d9f-bbbbb", "ImagePullBackOff", "1/2", "0"]]
        assert rows[0][-1] == ""  # ready: no reason
        screen.query_one(PodTable).move_cursor(row=1)
        await pilot.pause()
        assert ("ImagePullBackOff: image registry.example.com/hub/ingest:typo cannot be pulled (container ingest)"
                in text(screen, "#why"))
        events = event_rows(screen)
        assert [e[1:3] for e in events] == [["Warning", "Failed"], ["Normal", "Scheduled"]]  # newest first
        assert events[0][0] == "1m" and events[0][4] == "×7"
        assert screen.query_one(ReplicaSlider).row.name == "event-ingestion"


async def test_space_opens_it_too_and_esc_returns_and_stops_the_watches():
    backend = FakeBackend()
    async with opened(backend, size=SIZE) as (app, pilot):
        await open_detail(pilot, app, "api-server", key="space")
        detail = backend.details[-1]
        assert detail.name == "api-server"
        await pilot.press("escape")
        await until(pilot, lambda: isinstance(app.screen, DeploymentsScreen), what="the deployments screen")
        await until(pilot, lambda: detail.stopped, what="the detail's watches stopped")


async def test_changes_arrive_without_a_refresh():
    backend = FakeBackend()
    async with opened(backend, size=SIZE) as (app, pilot):
        screen = await open_detail(pilot, app)
        snap = detail_snapshot("event-ingestion")
        newer = {"uid": "e3", "type": "Warning", "reason": "BackOff", "message": "Back-off pulling image",
                 "count": 1, "time": NOW.strftime("%Y-%m-%dT%H:%M:%S.000000Z"), "kind": "Pod",
                 "object": "event-ingestion-7d9f-bbbbb", "object_uid": "pod-bbbbb"}
        threading.Thread(target=backend.details[-1].push,
                         args=(dataclasses.replace(snap, events=snap.events + (newer,)),)).start()
        await until(pilot, lambda: event_rows(screen)[0][2] == "BackOff", what="the new event on top")
        assert len(event_rows(screen)) == 3


async def test_a_broken_watch_shows_a_banner_and_keeps_the_last_state():
    backend = FakeBackend()
    async with opened(backend, size=SIZE) as (app, pilot):
        screen = await open_detail(pilot, app)
        backend.details[-1].push(detail_snapshot("event-ingestion", error="watching pods: cannot reach the API"))
        await until(pilot, lambda: screen.query_one("#detail-banner").display, what="the banner")
        assert "cannot reach the API" in text(screen, "#detail-banner")
        assert len(pod_rows(screen)) == 2


async def test_an_unknown_deployment_says_so_in_one_line_and_esc_returns():
    backend = FakeBackend()
    async with opened(backend, size=SIZE) as (app, pilot):
        await until(pilot, lambda: app.screen.query(RowTable) and table(app).row_count > 0)
        app.push_screen(DetailScreen(backend, "no-such-thing"))
        await until(pilot, lambda: isinstance(app.screen, DetailScreen) and app.screen.query("#detail-banner")
                    and app.screen.query_one("#detail-banner").display, what="the error")
        assert "deployment no-such-thing not found in namespace llm-analytics-hub" in text(app.screen,
                                                                                         "#detail-banner")
        await pilot.press("escape")
        await until(pilot, lambda: isinstance(app.screen, DeploymentsScreen))


async def test_l_follows_the_selected_pods_log_in_batches_and_closes_it():
    backend = FakeBackend()
    async with opened(backend, size=SIZE) as (app, pilot):
        screen = await open_detail(pilot, app)
        screen.query_one(PodTable).move_cursor(row=1)
        await pilot.pause()
        await pilot.press("l")
        await until(pilot, lambda: backend.details[-1].streams, what="a log stream")
        stream = backend.details[-1].streams[-1]
        assert (stream.pod, stream.container, stream.tail) == ("event-ingestion-7d9f-bbbbb", "ingest", LOG_TAIL)
        await until(pilot, lambda: "Log of event-ingestion-7d9f-bbbbb / ingest · following" in screen_text(app),
                    what="the log pane on screen")
        feeder = threading.Thread(target=lambda: [stream.on_lines([f"line {i}"]) for i in range(50)])
        feeder.start()
        feeder.join()
        log = screen.query_one("#log", Log)
        await until(pilot, lambda: log.line_count >= 50, what="the lines")
        assert log.lines[0] == "line 0" and log.lines[49] == "line 49"
        stream.on_end("logs of event-ingestion-7d9f-bbbbb/ingest: container is waiting to start")
        await until(pilot, lambda: "waiting to start" in log.lines[-1], what="the end of the stream")
        await pilot.press("l")
        await until(pilot, lambda: stream.stopped, what="the stream stopped")
        await until(pilot, lambda: "Log of" not in screen_text(app), what="the log pane closed")
        # Esc closes an open log first; the screen stays
        await pilot.press("l")
        await until(pilot, lambda: len(backend.details[-1].streams) == 2)
        await pilot.press("escape")
        await until(pilot, lambda: backend.details[-1].streams[-1].stopped)
        assert isinstance(app.screen, DetailScreen)


async def test_c_chooses_the_container_of_the_log():
    backend = FakeBackend()
    async with opened(backend, size=SIZE) as (app, pilot):
        await open_detail(pilot, app)
        await pilot.press("l")
        await until(pilot, lambda: backend.details[-1].streams)
        await pilot.press("c")
        await until(pilot, lambda: isinstance(app.screen, NamespacePicker), what="the container choice")
        await pilot.press("down", "enter")
        await until(pilot, lambda: len(backend.details[-1].streams) == 2, what="the sidecar's log")
        first, second = backend.details[-1].streams
        assert first.stopped and (second.container, second.stopped) == ("sidecar", False)


async def test_the_slider_scales_the_deployment_from_here():
    backend = FakeBackend()
    async with opened(backend, size=SIZE) as (app, pilot):
        screen = await open_detail(pilot, app)
        await pilot.press("right", "right")
        assert screen.query_one(ReplicaSlider).target == 4
        await pilot.press("enter")
        await until(pilot, lambda: ("scale", ("event-ingestion",), 4, False) in backend.calls, what="the scale")
        await until(pilot, lambda: "applied" in text(screen, "#detail-message"))
        # digits, then Esc puts a moved slider back before it leaves
        await pilot.press("7")
        assert screen.query_one(ReplicaSlider).target == 7
        await pilot.press("escape")
        assert screen.query_one(ReplicaSlider).target == 2 and isinstance(app.screen, DetailScreen)


async def test_scaling_from_here_is_refused_in_read_only_mode():
    backend = FakeBackend()
    backend.readonly = "--readonly"
    async with opened(backend, size=SIZE) as (app, pilot):
        await open_detail(pilot, app)
        await pilot.press("right", "enter")
        await pilot.pause(0.1)
        assert not [c for c in backend.calls if c[0] == "scale"]


async def test_help_lists_the_keys_of_the_detail():
    async with opened(FakeBackend(), size=SIZE) as (app, pilot):
        await open_detail(pilot, app)
        await pilot.press("question_mark")
        await until(pilot, lambda: isinstance(app.screen, Help))
        body = "\n".join(f"{k} {v}" for k, v in app.screen.keys)
        for key in ("l ", "c ", "Esc ", "Enter ", "← or -"):
            assert key in body
        await pilot.press("escape")
        await until(pilot, lambda: isinstance(app.screen, DetailScreen))


class TestSnapshots:
    @pytest.mark.parametrize("size", [SIZE, (80, 24)], ids=lambda s: f"{s[0]}x{s[1]}")
    def test_detail_view(self, snap_compare, size):
        async def settle(pilot):
            screen = await open_detail(pilot, pilot.app)
            screen.query_one(PodTable).move_cursor(row=1)
            await pilot.pause()

        assert snap_compare(HubApp(backend=FakeBackend()), terminal_size=size, run_before=settle)

    def test_detail_view_with_the_log_open(self, snap_compare):
        async def settle(pilot):
            stream = await open_log(pilot, pilot.app)
            stream.on_lines([f"2026-11-26T12:00:{i:02d}Z ingest: request {i} served"
                                                          for i in range(60)])
            await until(pilot, lambda: "request 59 served" in screen_text(pilot.app), what="the newest line")

        assert snap_compare(HubApp(backend=FakeBackend()), terminal_size=(160, 45), run_before=settle)


async def test_at_80x24_an_open_log_shows_its_newest_lines_on_screen():
    """A short terminal: the rollout's lines are not wrapped, and the open log takes the events' place, so that
    the newest lines are on the screen (it showed none at 80×24)."""
    async with opened(FakeBackend(), size=(80, 24)) as (app, pilot):
        stream = await open_log(pilot, app)
        stream.on_lines([f"line {i}" for i in range(1, 61)])
        await until(pilot, lambda: "line 60" in screen_text(app), what="the newest line on screen")
        shown = screen_text(app)
        assert "line 59" in shown and "Log of event-ingestion-7d9f-aaaaa / ingest" in shown
        assert "l closes" in shown and "? Help" in shown
        await pilot.press("l")  # closed: the events come back
        await until(pilot, lambda: "Events (newest first)" in screen_text(app), what="the events")


async def test_enter_on_an_event_shows_it_whole_and_esc_comes_back():
    async with opened(FakeBackend(), size=(80, 24)) as (app, pilot):
        screen = await open_detail(pilot, app)
        assert "read whole with Enter" not in screen_text(app)  # cut in the table
        screen.query_one("#events", DataTable).focus()
        screen.query_one("#events", DataTable).move_cursor(row=1)
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, Help), what="the event")
        words = dialog_words(app)
        assert "Event: Scheduled on Pod/event-ingestion-7d9f-bbbbb" in words
        assert ("Successfully assigned llm-analytics-hub/event-ingestion-7d9f-bbbbb to node-000000 (a message "
                "longer than the table's room for it, read whole with Enter)") in words
        assert "Seen 1 time, the last 30m ago" in words
        await pilot.press("escape")
        await until(pilot, lambda: isinstance(app.screen, DetailScreen), what="the detail again")
        assert "? Help" in screen_text(app)


async def test_at_160x45_a_followed_log_keeps_its_newest_line_on_screen():
    """The pane filled, then more lines: the newest is always on the screen (it once stayed 8 lines behind,
    below the fold)."""
    async with opened(FakeBackend(), size=(160, 45)) as (app, pilot):
        stream = await open_log(pilot, app)
        for batch in range(4):
            stream.on_lines([f"batch {batch} line {i}" for i in range(30)])
            await until(pilot, lambda batch=batch: f"batch {batch} line 29" in screen_text(app),
                        what=f"the newest line of batch {batch} on screen")


async def test_a_cell_that_grows_is_shown_whole_even_when_the_table_is_not_idle(monkeypatch):
    """A pod moved to a node with a longer name: its Node cell is whole on screen, although the table's own
    widening (left for when it is idle, which on a busy machine came too late) is switched off."""
    backend = FakeBackend()
    async with opened(backend, size=SIZE) as (app, pilot):
        await open_detail(pilot, app)
        await until(pilot, lambda: "node-000000" in screen_text(app), what="the pods on screen")

        async def never_idle(self, event) -> None:
            return None

        monkeypatch.setattr(DataTable, "_on_idle", never_idle)
        snap = detail_snapshot("event-ingestion")
        moved = tuple({**p, "spec": {**p["spec"], "nodeName": "node-000000-eu-west-1c"}} for p in snap.pods)
        threading.Thread(target=backend.details[-1].push, args=(dataclasses.replace(snap, pods=moved),)).start()
        await until(pilot, lambda: "node-000000-eu-west-1c" in screen_text(app), what="the longer node name whole")


async def test_an_event_message_with_brackets_is_shown_as_it_is(monkeypatch):
    """The cluster's text is not markup: an event whose message holds "[/app]" or "[b]" is shown whole, and
    nothing raises."""
    backend = FakeBackend()
    async with opened(backend, size=SIZE) as (app, pilot):
        await open_detail(pilot, app)
        snap = detail_snapshot("event-ingestion")
        odd = {"uid": "e9", "type": "Normal", "reason": "Pulled", "message": "tag [b]v2[/app] pulled", "count": 1,
               "time": NOW.strftime("%Y-%m-%dT%H:%M:%S.000000Z"), "kind": "Pod",
               "object": "event-ingestion-7d9f-bbbbb", "object_uid": "pod-bbbbb"}
        threading.Thread(target=backend.details[-1].push,
                         args=(dataclasses.replace(snap, events=snap.events + (odd,)),)).start()
        await until(pilot, lambda: "tag [b]v2[/app] pulled" in screen_text(app), what="the message as it is")
