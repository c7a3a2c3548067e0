"""Make the SVGs in screenshots/ from hubtui running on a live cluster (`make screenshots`), and a PNG of
each (rsvg-convert), so that a reviewer sees exactly what a visitor sees.

Uses $KUBECONFIG as hubtui does; `make screenshots` points it at the demo cluster. The cleanup run is
photographed on a throwaway cluster of its own (it destroys the hub), never on the demo cluster.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import sys
from pathlib import Path

from textual.widgets import DataTable, Input

from hubtui.ui.widgets.row_table import RowTable

from hubtui.settings import Settings
from hubtui.ui.app import HubApp

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "screenshots"
SIZE = (120, 30)


async def wait_for_rows(app, pilot) -> None:
    for _ in range(200):
        await pilot.pause(0.05)
        if app.screen.query(RowTable) and app.screen.query_one(RowTable).row_count:
            return
    raise SystemExit("screenshots: no deployments appeared; is the cluster up?")


SIZES = ((80, 24), (220, 60))  # besides SIZE: the smallest terminal an operator works in, and a big one


async def deployments() -> Path:
    app = HubApp(Settings.from_env())
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_rows(app, pilot)
        await pilot.pause(0.3)
        return Path(app.save_screenshot(filename="deployments.svg", path=str(OUT)))


async def sizes() -> Path:
    """The deployments screen at each of SIZES, and the cleanup form at 80×24."""
    shot = Path()
    for width, height in SIZES:
        app = HubApp(Settings.from_env())
        async with app.run_test(size=(width, height)) as pilot:
            await wait_for_rows(app, pilot)
            await pilot.pause(0.3)
            shot = Path(app.save_screenshot(filename=f"deployments-{width}x{height}.svg", path=str(OUT)))
            if (width, height) == (80, 24):
                await pilot.press("x")
                await pilot.pause(0.5)
                app.save_screenshot(filename="cleanup-form-80x24.svg", path=str(OUT))
    return shot


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


async def palette() -> Path:
    """The command palette on the deployments screen, with a few letters typed."""
    from textual.command import CommandPalette

    app = HubApp(Settings.from_env())
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_rows(app, pilot)
        await pilot.press("ctrl+p")
        await until(pilot, lambda: isinstance(app.screen, CommandPalette), "the command palette")
        await pilot.press(*"sca")
        await pilot.pause(0.6)
        return Path(app.save_screenshot(filename="palette.svg", path=str(OUT)))


async def readonly() -> Path:
    """Read-only mode: READ-ONLY in the title bar (a refused key is explained in a notification, which the
    screenshot does not hold)."""
    app = HubApp(Settings.from_env(readonly=True))
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_rows(app, pilot)
        await pilot.pause(0.3)
        await pilot.press("a")
        await until(pilot, lambda: len(app._notifications) > 0, "the read-only explanation")
        await pilot.pause(0.6)
        return Path(app.save_screenshot(filename="readonly.svg", path=str(OUT)))


async def detail() -> Path:
    """The detail view of a deployment whose image cannot be pulled (the demo scenario, applied for the shot
    and removed after it)."""
    from hubtui.ui.screens.detail import DetailScreen

    sys.path.insert(0, str(ROOT))
    from cluster.localcluster import LocalCluster

    cluster = LocalCluster(os.environ.get("CLUSTER", "demo"))
    cluster.scenario()
    try:
        app = HubApp(Settings.from_env())
        async with app.run_test(size=SIZE) as pilot:
            await wait_for_rows(app, pilot)
            table = app.screen.query_one(RowTable)
            await until(pilot, lambda: "report-builder" in table.rows, "report-builder")
            table.move_cursor(row=table.get_row_index("report-builder"))
            await pilot.press("i")

            def pulled() -> bool:
                if not isinstance(app.screen, DetailScreen):
                    return False
                pods = app.screen.query_one("#pods", DataTable)
                return any("ImagePullBackOff" in str(pods.get_row_at(i)) for i in range(pods.row_count))

            await until(pilot, pulled, "the detail view's ImagePullBackOff")
            await pilot.pause(1.0)
            return Path(app.save_screenshot(filename="detail.svg", path=str(OUT)))
    finally:
        cluster.kubectl("delete", "-f", str(ROOT / "deploy" / "demo-scenario.yaml"), "--wait=false", check=False)


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
    await pilot.press("f5")
    await until(pilot, lambda: isinstance(app.screen, PlanScreen), "the plan")
    await footer_keys(app, pilot)


async def footer_keys(app, pilot) -> None:
    """The footer draws its keys a moment after its screen: wait for them (a shot without them misleads)."""
    from hubtui.ui.widgets.footer import HubFooter

    await until(pilot, lambda: any(k.display for k in app.screen.query_one(HubFooter).children), "the footer's keys")
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

    cluster = LocalCluster("demo-run")
    cluster.up()
    # its backups and audit entries are not yours: a home folder of its own, so that paths read as a visitor's
    # would (~/.local/state/hubtui/...)
    state = tempfile.mkdtemp(prefix="hubtui-screenshots-")
    home = os.environ.get("HOME")
    os.environ["HOME"] = state
    os.environ.pop("XDG_STATE_HOME", None)
    try:
        app = HubApp(Settings.from_env(kubeconfig=str(cluster.kubeconfig)))
        async with app.run_test(size=SIZE) as pilot:
            await to_plan(app, pilot)
            await pilot.press("D")
            await until(pilot, lambda: isinstance(app.screen, TypedConfirm), "the confirmation")
            app.screen.query_one(Input).value = "yes"
            await pilot.press("enter")
            await until(pilot, lambda: isinstance(app.screen, RunScreen)
                        and app.screen.step_state("namespaces") == "running"
                        and "/" in str(app.screen.query_one("#detail-namespaces").render()),
                        "the namespaces step")
            await pilot.pause(0.3)
            app.save_screenshot(filename="cleanup-run.svg", path=str(OUT))
            await until(pilot, lambda: app.screen.summary is not None, "the end of the run")
            await pilot.pause(0.3)
            return Path(app.save_screenshot(filename="cleanup-summary.svg", path=str(OUT)))
    finally:
        if home is not None:
            os.environ["HOME"] = home
        cluster.down()
        shutil.rmtree(state, ignore_errors=True)


async def fleet() -> Path:
    """The fleet on the demo cluster, seen as four hubs: dev-eu (the hub), staging-eu (a namespace of its own
    with a newer api-server, removed afterwards), prod-eu (the hub again, by a production context's name) and
    prod-us, whose server refuses connections; then its versions."""
    import tempfile

    import yaml
    from kubernetes import client

    from hubtui.kube.client import connect, kubeconfig_paths
    from hubtui.ops.fleet import Fleet, choose_hubs

    settings = Settings.from_env()
    conn = connect(settings)
    core, apps = client.CoreV1Api(conn.api), client.AppsV1Api(conn.api)
    staging = "llm-analytics-hub-staging"
    core.create_namespace({"metadata": {"name": staging, "labels": {"environment": "staging"}}})
    try:
        for name, image in (("api-server", "1.5.0"), ("worker-service", "1.4.2")):
            dep = apps.read_namespaced_deployment(name, "llm-analytics-hub")
            container = dep.spec.template.spec.containers[0]
            container.image = container.image.rsplit(":", 1)[0] + ":" + image
            apps.create_namespaced_deployment(staging, {
                "metadata": {"name": name}, "spec": {"replicas": dep.spec.replicas, "selector": dep.spec.selector,
                                                     "template": dep.spec.template}})
        config = yaml.safe_load(Path(kubeconfig_paths(settings).split(os.pathsep)[0]).read_text())
        cluster, user = config["clusters"][0], config["users"][0]
        config["clusters"].append({"name": "prod-us", "cluster": {**cluster["cluster"],
                                                                  "server": "https://127.0.0.1:1"}})
        config["contexts"] = [{"name": name, "context": {"cluster": c, "user": user["name"], "namespace": ns}}
                              for name, c, ns in (("dev-eu", cluster["name"], "llm-analytics-hub"),
                                                  ("staging-eu", cluster["name"], staging),
                                                  ("prod-eu", cluster["name"], "llm-analytics-hub"),
                                                  ("prod-us", "prod-us", "llm-analytics-hub"))]
        config["current-context"] = "dev-eu"
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "kubeconfig"
            path.write_text(yaml.safe_dump(config))
            fleet_settings = Settings.from_env(kubeconfig=str(path))
            hubs = Fleet(fleet_settings, choose_hubs(fleet_settings))
            app = HubApp(fleet_settings, fleet=hubs)
            async with app.run_test(size=SIZE) as pilot:
                await until(pilot, lambda: sum(v.synced for v in hubs.views()) == 3
                            and hubs.view("prod-us").state != "connecting", "the hubs live")
                await pilot.pause(0.5)
                app.save_screenshot(filename="fleet.svg", path=str(OUT))
                await pilot.press("v")
                await pilot.pause(0.5)
                return Path(app.save_screenshot(filename="fleet-versions.svg", path=str(OUT)))
    finally:
        core.delete_namespace(staging)
        conn.close()


def finish(svg: Path) -> Path:
    """Textual writes runs of spaces as no-break spaces at the start of a <text>; without
    xml:space="preserve" some renderers (librsvg) drop them and words run together. Then the PNG."""
    text = svg.read_text()
    if 'xml:space="preserve"' not in text:
        svg.write_text(text.replace("<svg ", '<svg xml:space="preserve" ', 1))
    png = svg.with_suffix(".png")
    subprocess.run([shutil.which("rsvg-convert") or "rsvg-convert", str(svg), "-o", str(png)], check=True)
    return png


def main() -> int:
    OUT.mkdir(exist_ok=True)
    if not shutil.which("rsvg-convert"):
        raise SystemExit("screenshots: rsvg-convert is missing (Debian's librsvg2-bin): make screenshots installs it")
    for shot in (deployments, sizes, palette, readonly, connect, detail, fleet, cleanup_plan_and_confirmation,
                 cleanup_run):
        asyncio.run(shot())
    for svg in sorted(OUT.glob("*.svg")):
        print(f"screenshots: wrote {svg.name} and {finish(svg).name}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
