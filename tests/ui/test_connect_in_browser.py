"""The connect screen under Textual's web driver (`hubtui serve`): it says connect needs a real terminal and
never plans a session (no secret is read). The same is proven in a real browser in tests/browser/."""

from __future__ import annotations

import pytest
from textual.drivers.headless_driver import HeadlessDriver

from hubtui.ui.screens.connect import ConnectScreen
from hubtui.ui.screens.deployments import DeploymentsScreen

from .fakes import FakeBackend
from .helpers import opened, until
from .test_deployments_screen import SIZE


@pytest.fixture
def in_browser(monkeypatch):
    """The app believes it runs under textual-serve (App.is_web is the driver's is_web)."""
    monkeypatch.setattr(HeadlessDriver, "is_web", property(lambda self: True))


def message(app) -> str:
    return str(app.screen.query_one("#message").render())


async def test_in_a_browser_connect_says_it_needs_a_real_terminal_and_plans_nothing(in_browser):
    backend = FakeBackend()
    planned = []
    backend.connect_plan = lambda target: planned.append(target)
    async with opened(backend, size=SIZE) as (app, pilot):
        assert app.is_web
        await pilot.press("c")
        await until(pilot, lambda: isinstance(app.screen, ConnectScreen) and app.screen.found)
        assert "connect needs a real terminal" in message(app)
        assert "hubtui connect timescaledb|redis|kafka" in message(app)
        await pilot.press("enter")
        await pilot.pause()
        assert "hubtui connect timescaledb" in message(app)
        assert any("connect needs a real terminal" in str(n.title) for n in app._notifications)
        assert planned == [] and not app.screen.connecting
        await pilot.press("escape")
        await until(pilot, lambda: isinstance(app.screen, DeploymentsScreen), what="back to the deployments")


async def test_in_a_terminal_the_connect_screen_keeps_its_usual_hint():
    async with opened(FakeBackend(), size=SIZE) as (app, pilot):
        assert not app.is_web
        await pilot.press("c")
        await until(pilot, lambda: isinstance(app.screen, ConnectScreen) and app.screen.found)
        assert "Enter connects" in message(app)
        assert "real terminal" not in message(app)
