"""The connect screen's keys, fed from memory (the sessions themselves are tested end to end in a pty)."""

from __future__ import annotations

import threading

from textual.widgets import DataTable

from hubtui.ui.screens.connect import ConnectScreen
from hubtui.ui.screens.deployments import DeploymentsScreen
from hubtui.ui.screens.modals import Help

from .fakes import FakeBackend, StoresOnly
from .helpers import burst, opened, screen_text
from .test_deployments_screen import SIZE, until


async def test_c_opens_the_connect_screen_with_each_store_and_its_pod():
    async with opened(FakeBackend(), size=SIZE) as (app, pilot):
        await pilot.pause()
        await pilot.press("c")
        await until(pilot, lambda: isinstance(app.screen, ConnectScreen) and app.screen.found)
        table = app.screen.query_one(DataTable)
        assert [str(c) for c in table.get_row("timescaledb")] == ["TimescaleDB", "timescaledb-0", "postgres",
                                                                  "Running, ready"]
        assert "candidates: redis-cluster-0 (Pending)" in str(table.get_row("redis")[3])


async def test_the_connect_screen_runs_on_its_own_part_of_the_backend():
    source = StoresOnly()  # checked against ConnectSource by mypy (fakes.py)
    async with opened(FakeBackend(), size=SIZE) as (app, pilot):
        await pilot.pause()
        app.push_screen(ConnectScreen(source))
        await until(pilot, lambda: "found: 0 of 3 ready" in screen_text(app), what="the lookup said")
        assert "context kwok-small" in screen_text(app) and "namespace shop" in screen_text(app)
        await pilot.press("enter")
        await until(pilot, lambda: any("no ready TimescaleDB pod in namespace shop" in str(n.message)
                                       for n in app._notifications), what="why it cannot connect")


async def test_connecting_to_a_store_without_a_ready_pod_says_why_and_stays():
    async with opened(FakeBackend(), size=SIZE) as (app, pilot):
        await pilot.press("c")
        await until(pilot, lambda: isinstance(app.screen, ConnectScreen) and app.screen.found)
        await pilot.press("down", "enter")
        await pilot.pause()
        assert isinstance(app.screen, ConnectScreen)
        assert any("no ready Redis pod" in str(n.message) for n in app._notifications)


async def test_arrows_and_enter_typed_at_once_connect_to_the_store_the_arrows_chose():
    """↓ ↓ Enter in one burst, as the screen opens: the session prepared is the third store's (Kafka), not the
    first's (an Enter bound with priority on the screen ran before the arrows)."""
    backend = FakeBackend()
    asked = []
    backend.connect_plan = lambda target, local=False: asked.append(target) or (_ for _ in ()).throw(
        RuntimeError("stop here"))
    async with opened(backend, size=SIZE) as (app, pilot):
        await pilot.press("c")
        await until(pilot, lambda: isinstance(app.screen, ConnectScreen) and app.screen.found)
        burst(app, "down", "down", "enter")
        await until(pilot, lambda: asked, what="a session prepared")
        assert asked == ["kafka"]


async def test_a_failed_plan_shows_the_reason_and_escape_goes_back():
    async with opened(FakeBackend(), size=SIZE) as (app, pilot):
        await pilot.press("c")
        await until(pilot, lambda: isinstance(app.screen, ConnectScreen) and app.screen.found)
        await pilot.press("enter")
        await until(pilot, lambda: "cannot plan timescaledb" in str(app.screen.query_one("#message").render()))
        await pilot.press("question_mark")
        await until(pilot, lambda: isinstance(app.screen, Help))
        await pilot.press("escape", "escape")
        await until(pilot, lambda: isinstance(app.screen, DeploymentsScreen))


async def test_an_unexpected_error_while_planning_is_one_line_and_enter_works_again():
    backend = FakeBackend()
    calls = []

    def broken(target, local=False):
        calls.append(target)
        raise RuntimeError("boom")

    backend.connect_plan = broken
    async with opened(backend, size=SIZE) as (app, pilot):
        await pilot.press("c")
        await until(pilot, lambda: isinstance(app.screen, ConnectScreen) and app.screen.found)
        await pilot.press("enter")
        await until(pilot, lambda: "unexpected RuntimeError: boom" in str(app.screen.query_one("#message").render()))
        assert not app.screen.connecting
        await pilot.press("enter")  # not stuck "connecting": Enter tries again
        await until(pilot, lambda: len(calls) == 2, what="a second try")


async def test_f5_looks_again_and_says_what_it_found_in_a_line_that_is_not_cut():
    backend = FakeBackend()
    async with opened(backend, size=(80, 24)) as (app, pilot):
        await pilot.press("c")
        await until(pilot, lambda: isinstance(app.screen, ConnectScreen) and app.screen.found)
        await until(pilot, lambda: "found: 2 of 3 ready (not Redis)" in screen_text(app), what="what it found")
        ready = backend.connect_candidates()
        backend.connect_candidates = lambda: {**ready, "kafka": "no ready Kafka pod in namespace llm-analytics-hub"}
        await pilot.press("f5")
        await until(pilot, lambda: "1 of 3 ready (not Redis, Kafka)" in " ".join(screen_text(app).split()),
                    what="what it found the second time")
        words = " ".join(screen_text(app).split())
        assert "looked again at" in words and "Enter connects · Ctrl-] in a session comes back" in words


async def test_l_plans_a_local_client_session_and_its_failure_is_one_line():
    backend = FakeBackend()
    async with opened(backend, size=SIZE) as (app, pilot):
        await pilot.press("c")
        await until(pilot, lambda: "Local client" in screen_text(app), what="the key in the footer")
        await pilot.press("l")
        await until(pilot, lambda: "cannot plan timescaledb (local) in a test" in screen_text(app),
                    what="the local plan's failure")
        assert "cannot connect to TimescaleDB" in screen_text(app)



async def test_the_pods_are_shown_whole_even_when_the_table_is_not_idle_after_the_lookup(monkeypatch):
    """DataTable widens a column for a grown cell only when it is next idle; on a busy CI machine that moment came
    too late and the screen showed "tim" and "Runni" under the headings' widths. The columns are now set from the
    cells themselves: with the table's idle work switched off once the first rows are drawn, the pods and their
    state are whole on screen when the lookup comes back."""
    backend = FakeBackend()
    release = threading.Event()
    found = backend.connect_candidates
    backend.connect_candidates = lambda: release.wait(20) and found()
    async with opened(backend, size=SIZE) as (app, pilot):
        await pilot.press("c")
        await until(pilot, lambda: "looking for the stores' pods" in screen_text(app)
                    and any(line.split()[:2] == ["TimescaleDB", "…"] for line in screen_text(app).splitlines()),
                    what="the stores drawn before their pods are known")

        async def never_idle(self, event) -> None:
            return None

        monkeypatch.setattr(DataTable, "_on_idle", never_idle)
        release.set()
        await until(pilot, lambda: "found: 2 of 3 ready" in screen_text(app), what="the lookup said")
        await pilot.pause(0.2)
        lines = {line.split()[0]: line.split()[1:] for line in screen_text(app).splitlines() if line.split()}
        assert lines["TimescaleDB"] == ["timescaledb-0", "postgres", "Running,", "ready"], screen_text(app)
        assert lines["Kafka"] == ["kafka-0", "kafka", "Running,", "ready"], screen_text(app)
