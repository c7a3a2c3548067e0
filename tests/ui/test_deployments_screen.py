"""The deployments screen, fed from memory (pilot and snapshot) and from the real cluster."""

from __future__ import annotations

import pytest
from textual.widgets import DataTable

from hubtui.ui.app import HubApp

from .fakes import HUB_ROWS, static_source


async def wait_rows(pilot, table, n, tries=100):
    for _ in range(tries):
        if table.row_count == n:
            return
        await pilot.pause(0.05)
    raise AssertionError(f"table has {table.row_count} rows, wanted {n}")


async def test_the_screen_lists_every_deployment_with_its_state(kube_settings=None):
    app = HubApp(settings=None, source=static_source())
    async with app.run_test(size=(110, 20)) as pilot:
        table = app.screen.query_one(DataTable)
        await wait_rows(pilot, table, len(HUB_ROWS))
        assert table.get_row("api-server") == ["api-server", "3/3", "3", "3", "2–10", "2d", "Ready"]
        assert table.get_row("event-ingestion")[-1] == "Scaling 1→2"
        assert table.get_row("forecasting")[5] == "5m"


def test_snapshot_of_the_deployments_screen(snap_compare):
    app = HubApp(settings=None, source=static_source())

    async def settle(pilot):
        await wait_rows(pilot, app.screen.query_one(DataTable), len(HUB_ROWS))

    assert snap_compare(app, terminal_size=(110, 20), run_before=settle)


@pytest.mark.cluster
async def test_the_screen_lists_the_real_hub_deployments(kube_settings):
    app = HubApp(kube_settings)
    async with app.run_test(size=(110, 20)) as pilot:
        table = app.screen.query_one(DataTable)
        await wait_rows(pilot, table, 8)
        names = [table.get_row_at(i)[0] for i in range(table.row_count)]
        assert names == sorted(r.name for r in HUB_ROWS)
        assert table.get_row("api-server")[4] == "2–10"
