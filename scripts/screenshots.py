"""Make the SVGs in screenshots/ from hubtui running on a live cluster (`make screenshots`).

Uses $KUBECONFIG as hubtui does; `make screenshots` points it at the demo cluster.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from textual.widgets import DataTable

from hubtui.settings import Settings
from hubtui.ui.app import HubApp

OUT = Path(__file__).resolve().parent.parent / "screenshots"
SIZE = (120, 30)


async def wait_for_rows(app, pilot) -> None:
    for _ in range(200):
        await pilot.pause(0.05)
        if app.screen.query(DataTable) and app.screen.query_one(DataTable).row_count:
            return
    raise SystemExit("screenshots: no deployments appeared; is the cluster up?")


async def deployments() -> Path:
    app = HubApp(Settings.from_env())
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_rows(app, pilot)
        await pilot.pause(0.3)
        return Path(app.save_screenshot(filename="deployments.svg", path=str(OUT)))


async def connect() -> Path:
    from hubtui.ui.screens.connect import ConnectScreen

    app = HubApp(Settings.from_env())
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_rows(app, pilot)
        await pilot.press("c")
        for _ in range(200):
            await pilot.pause(0.05)
            if isinstance(app.screen, ConnectScreen) and app.screen.found:
                break
        else:
            raise SystemExit("screenshots: the connect screen found no pods")
        await pilot.pause(0.3)
        return Path(app.save_screenshot(filename="connect.svg", path=str(OUT)))


def main() -> int:
    OUT.mkdir(exist_ok=True)
    for shot in (deployments, connect):
        print(f"screenshots: wrote {asyncio.run(shot())}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
