"""Every screen's title bar, as a person sees it: the context shown as it is named (markup in a name is not
markup), and the title fitting an 80-column terminal (the words give way, not the names)."""

from __future__ import annotations

import pytest

from hubtui.ui.screens.cleanup import CleanupFormScreen, PlanScreen
from hubtui.ui.screens.connect import ConnectScreen
from hubtui.ui.screens.detail import DetailScreen

from .fakes import FakeBackend
from .helpers import opened, screen_lines, table, until
from .test_cleanup_wizard import to_plan

CONTEXT = "[b]prod[/b]-eu"  # a kubeconfig may name a context anything


def backend() -> FakeBackend:
    b = FakeBackend()
    b.context = CONTEXT
    return b


@pytest.mark.parametrize("size", [(80, 24), (130, 36)], ids=lambda s: f"{s[0]}x{s[1]}")
async def test_each_screens_title_names_the_context_as_it_is_and_fits(size):
    async with opened(backend(), size=size) as (app, pilot):
        await until(pilot, lambda: app.screen.query("RowTable") and table(app).row_count > 0, what="rows")
        await until(pilot, lambda: CONTEXT in screen_lines(app)[0], what="the deployments' title")
        assert "llm-analytics-hub" in screen_lines(app)[0]
        for key, screen, also in (("c", ConnectScreen, "llm-analytics-hub"), ("i", DetailScreen, "anomaly-detection")):
            await pilot.press(key)
            await until(pilot, lambda screen=screen: isinstance(app.screen, screen), what=screen.__name__)
            await until(pilot, lambda: CONTEXT in screen_lines(app)[0], what=f"the title of {screen.__name__}")
            assert also in screen_lines(app)[0] and len(screen_lines(app)[0]) <= size[0]
            await pilot.press("escape")
            await until(pilot, lambda screen=screen: not isinstance(app.screen, screen), what="back")
        await pilot.press("x")
        await until(pilot, lambda: isinstance(app.screen, CleanupFormScreen), what="the form")
        await until(pilot, lambda: CONTEXT in screen_lines(app)[0], what="the form's title")
        await pilot.press("escape")
        await until(pilot, lambda: not isinstance(app.screen, CleanupFormScreen), what="back")
        await to_plan(pilot, app)
        assert isinstance(app.screen, PlanScreen)
        title = screen_lines(app)[0]
        assert "dev" in title and "k8s" in title and len(title) <= size[0]
