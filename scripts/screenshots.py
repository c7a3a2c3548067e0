"""Make the SVGs in screenshots/ from hubtui running on a live cluster (`make screenshots`).

Uses $KUBECONFIG as hubtui does; `make screenshots` points it at the demo cluster. The cleanup run is
photographed on a throwaway cluster of its own (it destroys the hub), never on the demo cluster.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from textual.widgets import DataTable, Input

from hubtui.settings import Settings
from hubtui.ui.app import HubApp

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "screenshots"
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


async def until(pilot, check, what: str, tries: int = 1200) -> None:
    for _ in range(tries):
        if check():
            return
        await pilot.pause(0.05)
    raise SystemExit(f"screenshots: {what} never happened")


async def to_plan(app, pilot) -> None:
    from hubtui.ui.screens.cleanup import PlanScreen

    await wait_for_rows(app, pilot)
    await pilot.press("x")
    await pilot.pause(0.2)
    app.screen.query_one("#environment", Input).value = "dev"
    app.screen.query_one("#provider-k8s").value = True
    await pilot.press("ctrl+p")
    await until(pilot, lambda: isinstance(app.screen, PlanScreen), "the plan")
    await pilot.pause(0.3)


async def cleanup_plan_and_confirmation() -> Path:
    from hubtui.ui.screens.cleanup import TypedConfirm

    app = HubApp(Settings.from_env())
    async with app.run_test(size=SIZE) as pilot:
        await to_plan(app, pilot)
        app.save_screenshot(filename="cleanup-plan.svg", path=str(OUT))
        await pilot.press("D")
        await until(pilot, lambda: isinstance(app.screen, TypedConfirm), "the confirmation")
        app.screen.query_one(Input).value = "ye"
        await pilot.pause(0.3)
        return Path(app.save_screenshot(filename="cleanup-confirm.svg", path=str(OUT)))


async def cleanup_run() -> Path:
    """On a throwaway cluster: the run, while it waits for the namespaces to go, and its summary."""
    from hubtui.ui.screens.cleanup import RunScreen, TypedConfirm

    sys.path.insert(0, str(ROOT))
    from cluster.localcluster import LocalCluster

    import tempfile

    cluster = LocalCluster("hubtui-screenshots")
    cluster.up()
    state = tempfile.mkdtemp(prefix="hubtui-screenshots-")  # its backups and audit entries are not yours
    try:
        app = HubApp(Settings.from_env(kubeconfig=str(cluster.kubeconfig), state_dir=Path(state)))
        async with app.run_test(size=SIZE) as pilot:
            await to_plan(app, pilot)
            await pilot.press("D")
            await until(pilot, lambda: isinstance(app.screen, TypedConfirm), "the confirmation")
            app.screen.query_one(Input).value = "yes"
            await pilot.press("enter")
            await until(pilot, lambda: isinstance(app.screen, RunScreen)
                        and "running" in str(app.screen.query_one("#steps").get_row("namespaces")[1]),
                        "the namespaces step")
            await pilot.pause(0.3)
            app.save_screenshot(filename="cleanup-run.svg", path=str(OUT))
            await until(pilot, lambda: app.screen.summary is not None, "the end of the run")
            await pilot.pause(0.3)
            return Path(app.save_screenshot(filename="cleanup-summary.svg", path=str(OUT)))
    finally:
        cluster.down()
        import shutil

        shutil.rmtree(state, ignore_errors=True)


def main() -> int:
    OUT.mkdir(exist_ok=True)
    for shot in (deployments, connect, cleanup_plan_and_confirmation, cleanup_run):
        print(f"screenshots: wrote {asyncio.run(shot())}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
