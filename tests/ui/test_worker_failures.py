"""One handler for worker failures (hubtui/ui/workers.py): a worker that raises something unexpected leaves its
screen usable, with one line saying what went wrong."""

from __future__ import annotations

from textual.widgets import Static

from hubtui.ui.screens.cleanup import CleanupFormScreen, PlanScreen
from hubtui.ui.screens.connect import ConnectScreen
from hubtui.ui.workers import one_line

from .fakes import FakeBackend
from .test_cleanup_wizard import SIZE, fill, text
from .helpers import opened, until


def test_one_line_of_an_error():
    assert one_line(RuntimeError("boom\n  at line 3\n")) == "unexpected RuntimeError: boom"
    assert one_line(KeyError()) == "unexpected KeyError"
    from hubtui.errors import HubError

    assert one_line(HubError("cannot reach the API server")) == "cannot reach the API server"


async def test_a_failing_plan_worker_leaves_the_form_usable_with_one_line():
    backend = FakeBackend()
    real_plan = backend.cleanup_plan
    failures = [ValueError("the plan broke\nTraceback (most recent call last): ...")]

    def flaky(opts):
        if failures:
            raise failures.pop()
        return real_plan(opts)

    backend.cleanup_plan = flaky
    async with opened(backend, size=SIZE) as (app, pilot):
        await fill(pilot, app, "dev", "k8s")
        await pilot.press("f5")
        await until(pilot, lambda: "unexpected ValueError: the plan broke" in text(app, "#problem"),
                    what="the one-line error")
        assert "Traceback" not in text(app, "#problem")
        assert "Nothing was changed" in text(app, "#message")
        assert isinstance(app.screen, CleanupFormScreen) and not app.screen.busy
        assert any("unexpected ValueError: the plan broke" == str(n.message) for n in app._notifications)
        await pilot.press("f5")  # not stuck "planning": F5 plans again, and this time it works
        await until(pilot, lambda: isinstance(app.screen, PlanScreen), what="the plan")


async def test_a_failing_lookup_on_the_connect_screen_is_one_line_and_f5_looks_again():
    backend = FakeBackend()
    real = backend.connect_candidates
    failures = [OSError("socket closed")]

    def flaky():
        if failures:
            raise failures.pop()
        return real()

    backend.connect_candidates = flaky
    async with opened(backend, size=SIZE) as (app, pilot):
        await pilot.press("c")
        await until(pilot, lambda: isinstance(app.screen, ConnectScreen))
        await until(pilot, lambda: "unexpected OSError: socket closed" in
                    str(app.screen.query_one("#message", Static).render()), what="the one-line error")
        await pilot.press("f5")
        await until(pilot, lambda: app.screen.found, what="the pods after a second look")


async def test_a_failing_app_worker_is_one_line_and_the_app_goes_on():
    async with opened(FakeBackend(), size=SIZE) as (app, pilot):
        await pilot.pause()

        def broken():
            raise LookupError("no such context\nmore")

        app.run_worker(broken, thread=True, exit_on_error=False, name="context switch")
        await until(pilot, lambda: any("unexpected LookupError: no such context" == str(n.message)
                                       for n in app._notifications), what="the notification")
        assert app.is_running and app.screen.is_attached
