"""The fleet screen on real hubs (contexts of the local cluster, and hubs that cannot be read), asserted on the
rendered screen: the rows and their states, Enter into a hub and Esc back, the versions, and maintenance across
the selected hubs with a production hub's name typed."""

from __future__ import annotations

import dataclasses
import re

import pytest
from textual.widgets import Button

from hubtui.ops.fleet import Fleet, choose_hubs
from hubtui.settings import Settings
from tests.ui.helpers import burst, screen_text, until

SIZE = (120, 30)


def app_on(fleet_hubs, patterns, *, first: str = "", **kw):
    """The app on the fleet of `patterns`; `first`: that hub first (the rest in the kubeconfig's order)."""
    from hubtui.ui.app import HubApp

    settings = dataclasses.replace(Settings.from_env(kubeconfig=fleet_hubs["kubeconfig"]), **kw)
    hubs = sorted(choose_hubs(settings, patterns), key=lambda h: h.context != first)
    return HubApp(settings, fleet=Fleet(settings, hubs))


def row_of(app, context: str) -> str:
    """The hub's row as it is on screen ('' while it is not there)."""
    return next((line for line in screen_text(app).splitlines() if f" {context} " in line), "")


@pytest.mark.asyncio
async def test_the_fleet_shows_each_hubs_state_opens_a_hub_and_comes_back(fleet_hubs):
    app = app_on(fleet_hubs, ["dev-a", "prod-b", "gone", "revoked"])
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: "2/2" in row_of(app, "dev-a") and "2/2" in row_of(app, "prod-b")
                    and "unreachable: connection refused" in row_of(app, "gone")
                    and "unauthorized: sign in again (401)" in row_of(app, "revoked")
                    and "2 live" in screen_text(app), what="the hubs' rows, and the title's count of them")
        text = screen_text(app)
        assert "hubtui · fleet" in text and "hubs 4" in text and "2 live" in text
        assert "live" in row_of(app, "prod-b")
        await pilot.press("enter")  # the cursor is on dev-a
        await until(pilot, lambda: "context dev-a" in screen_text(app) and "worker" in screen_text(app),
                    what="dev-a's deployments screen")
        assert fleet_hubs["dev"].name in screen_text(app)
        await pilot.press("escape")
        await until(pilot, lambda: "hubtui · fleet" in screen_text(app), what="back on the fleet")
        assert "2/2" in row_of(app, "dev-a")  # it kept running
        await pilot.press("down", "down", "enter")  # a burst: the hub the cursor reached, which cannot open
        await until(pilot, lambda: "cannot open gone: unreachable: connection refused" in screen_text(app),
                    what="the refusal")
        assert "hubtui · fleet" in screen_text(app)
        await pilot.press("v")
        await until(pilot, lambda: "versions" in screen_text(app) and "api-server" in screen_text(app),
                    what="the versions")
        api = next(line for line in screen_text(app).splitlines() if "api-server" in line)
        assert "≠" in api and "1 2/2" in api and "2 2/2" in api
        assert "not read: gone, revoked" in screen_text(app)
        await pilot.press("escape")
        await until(pilot, lambda: "Enter opens a hub" in screen_text(app), what="the fleet again")


@pytest.mark.asyncio
async def test_maintenance_on_selected_hubs_lists_each_and_needs_the_production_hubs_name(fleet_hubs, kube):
    from kubernetes import client

    apps = client.AppsV1Api(kube.api)
    app = app_on(fleet_hubs, ["dev-a", "prod-b"])
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await until(pilot, lambda: "2 live" in screen_text(app), what="the hubs")
        await pilot.press("space", "down", "space", "z")  # both hubs selected, at once
        await until(pilot, lambda: "Maintenance: scale every deployment to 0 on 2 hubs?" in screen_text(app),
                    what="the confirmation")
        text = screen_text(app)
        assert f"dev-a ({fleet_hubs['dev'].name}): 2 deployments → 0, each count recorded" in text
        assert "prod-b is a production hub: type its name to include it" in text
        ok = app.screen.query_one("#ok", Button)
        await pilot.press(*"prod-a")  # a typo: OK stays disabled, Enter says what is wrong
        await pilot.press("enter")
        await until(pilot, lambda: "Type prod-b exactly" in screen_text(app), what="the hint")
        assert ok.disabled
        await pilot.click("#cancel")  # the click cancels: nothing changes
        await until(pilot, lambda: "nothing was changed" in screen_text(app), what="the cancel")
        assert apps.read_namespaced_deployment("worker", fleet_hubs["dev"].name).spec.replicas == 1
        await pilot.press("z")
        await until(pilot, lambda: "production hub" in screen_text(app), what="the confirmation again")
        await pilot.press(*"prod-b")
        await until(pilot, lambda: not app.screen.query_one("#ok", Button).disabled, what="OK enabled")
        await pilot.click("#ok")
        await until(pilot, lambda: "maintenance: done on dev-a, prod-b" in screen_text(app), tries=500,
                    what="the result")
        await until(pilot, lambda: "done: 2 of 2 deployments" in row_of(app, "dev-a"), what="dev-a's result")
        await until(pilot, lambda: "0/2" not in row_of(app, "prod-b") and " 2 " in row_of(app, "prod-b"),
                    what="the maintenance count on the row")
        for ns in (fleet_hubs["dev"].name, fleet_hubs["prod"].name):
            assert apps.read_namespaced_deployment("api-server", ns).spec.replicas == 0
        # the same two hubs, back to their recorded counts: r, the name and Enter at once, as a fast typist
        # sends them. The name was typed before the dialog that lists what changes was drawn: it neither reaches
        # the fleet under it nor answers the dialog; it is set aside and said, and typed again once read
        burst(app, "r", *"prod-b", "enter")
        await until(pilot, lambda: "Restore the recorded counts on 2 hubs?" in screen_text(app)
                    and "7 keys typed before this dialog was on screen" in screen_text(app), what="the keys set aside")
        assert apps.read_namespaced_deployment("api-server", fleet_hubs["prod"].name).spec.replicas == 0
        burst(app, *"prod-b", "enter")
        await until(pilot, lambda: "restore: done on dev-a, prod-b" in screen_text(app), tries=500,
                    what="the restore's result")
    for ns in (fleet_hubs["dev"].name, fleet_hubs["prod"].name):
        assert (apps.read_namespaced_deployment("api-server", ns).spec.replicas,
                apps.read_namespaced_deployment("worker", ns).spec.replicas) == (2, 1)


@pytest.mark.asyncio
async def test_a_readonly_hub_is_refused_on_its_own_row_and_the_other_goes_on(fleet_hubs, kube):
    from kubernetes import client

    app = app_on(fleet_hubs, ["dev-a", "prod-b"], readonly_contexts=("prod-*",))
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: "2 live" in screen_text(app), what="the hubs")
        await until(pilot, lambda: "read-only" in row_of(app, "prod-b"), what="prod-b's read-only mark")
        assert "read-only" not in row_of(app, "dev-a")
        await pilot.press("space", "down", "space", "z")
        await until(pilot, lambda: "refused, read-only" in screen_text(app), what="the confirmation")
        assert "type its name" not in screen_text(app)  # the read-only production hub is not asked for
        await pilot.click("#ok")
        await until(pilot, lambda: "maintenance: done on dev-a; not done on prod-b" in screen_text(app), tries=500,
                    what="the result")
        await until(pilot, lambda: "refused: read-only" in row_of(app, "prod-b"), what="prod-b's result")
    apps = client.AppsV1Api(kube.api)
    assert apps.read_namespaced_deployment("worker", fleet_hubs["dev"].name).spec.replicas == 0
    assert apps.read_namespaced_deployment("worker", fleet_hubs["prod"].name).spec.replicas == 1


@pytest.mark.asyncio
async def test_ctrl_c_during_an_action_starts_no_new_hub_and_quits_once_it_is_over(fleet_hubs, kube, monkeypatch):
    import threading

    from kubernetes import client

    import hubtui.ops.fleet
    from hubtui.ops.scale import ScaleEngine

    monkeypatch.setattr(hubtui.ops.fleet, "ACT_PARALLEL", 1)  # one hub at a time: dev-a first, prod-b waits
    held, release = threading.Event(), threading.Event()
    scale_all = ScaleEngine.scale_all

    def slow(self, replicas):  # dev-a's change takes its time: Ctrl-C comes while it runs
        held.set()
        release.wait(30)
        return scale_all(self, replicas)

    monkeypatch.setattr(ScaleEngine, "scale_all", slow)
    apps = client.AppsV1Api(kube.api)
    app = app_on(fleet_hubs, ["dev-a", "prod-b"], first="dev-a")
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: "2 live" in screen_text(app), what="the hubs")
        await pilot.press("space", "down", "space", "z")
        await until(pilot, lambda: "production hub" in screen_text(app), what="the confirmation")
        await pilot.press(*"prod-b")
        await until(pilot, lambda: not app.screen.query_one("#ok", Button).disabled, what="OK enabled")
        await pilot.click("#ok")
        await until(pilot, lambda: "Esc stops starting new hubs" in screen_text(app) and held.is_set(),
                    what="the action running on dev-a")
        await pilot.press("ctrl+c")  # dev-a is under way: prod-b has not started
        await until(pilot, lambda: "stopping: no new hub is started" in screen_text(app), what="the stop")
        assert app.is_running
        release.set()  # dev-a's change goes on and ends
        await until(pilot, lambda: "stopped: maintenance: done on dev-a; not done on prod-b"
                    in screen_text(app), tries=500, what="the result")
        await until(pilot, lambda: "not started: stopped" in row_of(app, "prod-b"), what="prod-b's result")
        await pilot.press("ctrl+c")  # nothing runs: Ctrl-C quits
        await until(pilot, lambda: not app.is_running, what="the app to quit")
    assert apps.read_namespaced_deployment("worker", fleet_hubs["dev"].name).spec.replicas == 0
    assert apps.read_namespaced_deployment("worker", fleet_hubs["prod"].name).spec.replicas == 1


@pytest.mark.asyncio
async def test_a_hub_that_is_not_live_is_left_out_of_an_action_and_said_on_its_row(fleet_hubs, kube):
    """What a hub holds, and whether it is production, is known only once it is live: one that is not is
    listed as left out, and not changed even if it comes back before the action runs."""
    from kubernetes import client

    app = app_on(fleet_hubs, ["dev-a", "gone"], first="dev-a")
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: "1 live" in screen_text(app) and "unreachable" in row_of(app, "gone"),
                    what="the hubs")
        await pilot.press("space", "down", "space", "z")
        await until(pilot, lambda: "Maintenance: scale every deployment to 0 on 2 hubs?" in screen_text(app),
                    what="the confirmation")
        assert "gone (llm-analytics-hub): left out, not live (unreachable" in screen_text(app)
        await pilot.click("#ok")
        await until(pilot, lambda: "left out: it was not live" in row_of(app, "gone")
                    and "done: 2 of 2 deployments" in row_of(app, "dev-a"), tries=500, what="each row's result")
    assert client.AppsV1Api(kube.api).read_namespaced_deployment("worker", fleet_hubs["dev"].name).spec.replicas == 0


@pytest.mark.asyncio
async def test_keys_typed_with_z_never_answer_the_fleet_maintenance_dialog_without_a_production_hub(fleet_hubs,
                                                                                                  kube):
    """`z`, Tab and Enter at once on a fleet of one hub, no production among them: the dialog lists what changes
    on each hub, and keys typed before it was drawn do not answer it (Tab and Enter could reach OK unseen); they
    are set aside and said, and nothing changes until the operator answers."""
    from kubernetes import client

    app = app_on(fleet_hubs, ["dev-a"], first="dev-a")
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await until(pilot, lambda: "1 live" in screen_text(app), what="the hub")
        burst(app, "z", "tab", "enter")
        await until(pilot, lambda: "Maintenance: scale every deployment to 0 on 1 hub?" in screen_text(app)
                    and "typed before this dialog was on screen" in screen_text(app), what="the keys set aside")
        assert fleet_hubs["dev"].replicas()["worker"] == 1
        await pilot.press("escape")
        await until(pilot, lambda: "nothing was changed" in screen_text(app), what="the cancel")
    assert client.AppsV1Api(kube.api).read_namespaced_deployment("worker", fleet_hubs["dev"].name).spec.replicas == 1


@pytest.mark.asyncio
async def test_f_typed_twice_in_a_burst_opens_one_fleet_and_esc_goes_back_to_the_deployments(fleet_hubs,
                                                                                             monkeypatch):
    """F twice, as one burst, and then once more while the kubeconfig is still being read (slow here, as with an
    exec plugin that signs in): two readers finish, and one fleet opens."""
    import threading
    import time

    import hubtui.ops.fleet as fleet_module
    from hubtui.ui.app import HubApp

    from .fakes import FakeBackend

    reading, real = threading.Event(), fleet_module.choose_hubs

    def slow(*args, **kwargs):
        reading.set()
        time.sleep(0.5)
        return real(*args, **kwargs)

    monkeypatch.setattr(fleet_module, "choose_hubs", slow)
    settings = dataclasses.replace(Settings.from_env(kubeconfig=fleet_hubs["kubeconfig"]), fleet=("dev-a",))
    app = HubApp(settings, backend=FakeBackend())
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await until(pilot, lambda: "api-server" in screen_text(app), what="the deployments")
        burst(app, "F", "F")  # both queued before either is handled
        await until(pilot, reading.is_set, what="the kubeconfig being read")
        burst(app, "F")  # a reader is already running: a second one starts beside it
        await until(pilot, lambda: "hubtui · fleet" in screen_text(app) and "2/2" in row_of(app, "dev-a"),
                    what="the fleet")
        await pilot.pause(1.0)  # the second reader is done by now, and it has opened nothing more
        await pilot.press("escape")
        await until(pilot, lambda: "hubtui · fleet" not in screen_text(app) and "api-server" in screen_text(app),
                    what="back on the deployments, not on a second fleet")


@pytest.mark.asyncio
async def test_esc_on_the_fleet_as_the_first_screen_says_how_to_quit(fleet_hubs):
    app = app_on(fleet_hubs, ["dev-a"])
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await until(pilot, lambda: "2/2" in row_of(app, "dev-a"), what="the hub's row")
        await pilot.press("escape")
        await until(pilot, lambda: "this is hubtui's first screen: q quits" in screen_text(app),
                    what="the notification")
        assert "hubtui · fleet" in screen_text(app)


@pytest.mark.asyncio
async def test_a_change_on_one_hub_redraws_that_hubs_row_and_no_other(fleet_hubs, kube):
    """A fleet of many hubs stays cheap to draw: a hub's change touches its own row's cells, only those that
    changed; the others (ages ticking aside) are left as they are."""
    from kubernetes import client

    from hubtui.ui.screens.fleet import HubTable

    app = app_on(fleet_hubs, ["dev-a", "prod-b", "gone"])
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: "2/2" in row_of(app, "dev-a") and "2/2" in row_of(app, "prod-b")
                    and "unreachable" in row_of(app, "gone"), what="the hubs' rows")
        table = app.screen.query_one(HubTable)
        drawn: list[tuple[str, str]] = []
        update = table.update_cell

        def spy(row_key, column_key, value, **kw):
            drawn.append((str(row_key), str(column_key)))
            return update(row_key, column_key, value, **kw)

        table.update_cell = spy
        maint = [i for i, cell in enumerate(row_of(app, "dev-a").split()) if cell == "0"]
        assert maint, row_of(app, "dev-a")
        client.AppsV1Api(kube.api).patch_namespaced_deployment("worker", fleet_hubs["dev"].name, {
            "metadata": {"annotations": {"hubtui.io/original-replicas": "1"}}})
        await until(pilot, lambda: row_of(app, "dev-a").split()[maint[0]] == "1", what="dev-a's maintenance count")
        assert row_of(app, "prod-b").split()[maint[0]] == "0"
        touched = {(row, column) for row, column in drawn if column != "changed"}
        assert touched and {row for row, _ in touched} == {"dev-a"}, drawn
        assert ("dev-a", "maint") in touched and ("dev-a", "context") not in touched, drawn


def test_a_cell_that_keeps_its_words_but_changes_colour_is_drawn_again():
    """The fleet redraws only the cells that changed: a cell's colour is part of what changed (rich's own
    Text equality leaves the base style out)."""
    from rich.text import Text

    from hubtui.ui.screens.fleet import _same

    assert Text("live", style="green") == Text("live", style="red")  # why _same exists
    assert not _same(Text("live", style="green"), Text("live", style="red"))
    assert _same(Text("live", style="green"), Text("live", style="green")) and _same("3s", "3s")
    assert not _same("3s", "4s")


@pytest.mark.asyncio
async def test_a_hub_whose_labels_cannot_be_read_needs_its_name_typed(fleet_hubs, kube, tmp_path):
    """A user who may scale but not read namespaces: the hub may be production, so the confirmation asks for its
    name as for one, and the change happens only once it is typed."""
    from hubtui.ui.app import HubApp
    from tests.kubehelpers import restricted_kubeconfig

    scaler = restricted_kubeconfig(kube.api, tmp_path / "scaler-kubeconfig", fleet_hubs["dev"].name, rules=[
        {"apiGroups": ["apps"], "resources": ["deployments"], "verbs": ["get", "list", "watch", "patch", "update"]},
        {"apiGroups": ["apps"], "resources": ["deployments/scale"], "verbs": ["get", "patch", "update"]}])
    settings = Settings.from_env({"XDG_STATE_HOME": str(tmp_path / "state")}, kubeconfig=scaler)
    app = HubApp(settings, fleet=Fleet(settings, choose_hubs(settings)))
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: "1 live" in screen_text(app) and "2/2" in row_of(app, "nobody"), what="the hub")
        await pilot.press("z")
        await until(pilot, lambda: "Maintenance: scale every deployment to 0 on 1 hub?" in screen_text(app),
                    what="the confirmation")
        said = " ".join(line.strip(" █") for line in screen_text(app).splitlines() if "█" in line)
        assert ("nobody may be a production hub (its labels could not be read): type its name to include it"
                in " ".join(said.split())), screen_text(app)
        assert app.screen.query_one("#ok", Button).disabled
        burst(app, *"nobody")
        await until(pilot, lambda: not app.screen.query_one("#ok", Button).disabled, what="OK enabled")
        await pilot.click("#ok")
        await until(pilot, lambda: "done: 2 of 2 deployments" in row_of(app, "nobody"), tries=500, what="the result")
    assert fleet_hubs["dev"].replicas() == {"api-server": 0, "worker": 0}


@pytest.mark.asyncio
async def test_a_hub_read_only_through_another_of_its_contexts_is_refused_in_the_confirmation_and_on_its_row(
        fleet_hubs, tmp_path):
    """dev-alias, read-only, reaches the same server and namespace as dev-a: the confirmation says dev-a is
    refused through it, and nothing is changed."""
    from hubtui.ui.app import HubApp
    from tests.kubehelpers import aliased_kubeconfig

    path = aliased_kubeconfig(fleet_hubs["kubeconfig"], tmp_path / "aliased-kubeconfig", dev_alias="dev-a")
    settings = dataclasses.replace(Settings.from_env({"XDG_STATE_HOME": str(tmp_path / "state")},
                                                     kubeconfig=str(path)), readonly_contexts=("dev-alias",))
    before = fleet_hubs["dev"].replicas()
    app = HubApp(settings, fleet=Fleet(settings, choose_hubs(settings, ["dev-*"])))
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: "2 live" in screen_text(app), what="the hubs")
        burst(app, "space", "down", "space", "z")
        await until(pilot, lambda: "Maintenance: scale every deployment to 0 on 2 hubs?" in screen_text(app),
                    what="the confirmation")
        said = " ".join(" ".join(line.strip(" █") for line in screen_text(app).splitlines() if "█" in line).split())
        assert f"dev-a ({fleet_hubs['dev'].name}): refused, read-only through dev-alias, the same hub" in said, said
        await pilot.click("#ok")
        await until(pilot, lambda: "refused: read-only through dev-alias" in row_of(app, "dev-a"), tries=500,
                    what="dev-a's result")
    assert fleet_hubs["dev"].replicas() == before


@pytest.mark.asyncio
async def test_the_garbage_collector_is_back_on_once_every_hub_is_drawn_live_or_failed(fleet_hubs):
    """`hubtui fleet` starts with the collector off (__main__); it comes back on once each row is drawn settled
    (live, or why not), not on the fallback timer."""
    import gc

    gc.disable()
    try:
        app = app_on(fleet_hubs, ["dev-a", "gone"])
        app.GC_BACK_AFTER = 60  # not the fallback: the rows
        async with app.run_test(size=SIZE) as pilot:
            await until(pilot, lambda: "2/2" in row_of(app, "dev-a") and "unreachable" in row_of(app, "gone"),
                        what="both rows settled")
            await until(pilot, gc.isenabled, what="the collector back on")
    finally:
        gc.unfreeze()
        gc.enable()


@pytest.mark.asyncio
async def test_a_hubs_row_shows_its_environment_counts_not_ready_names_last_change_and_server(fleet_hubs, kube,
                                                                                              local_cluster):
    """Each column of a row, read on the screen: the environment (its namespace's label), the ready count and the
    first not-ready names, how many are in maintenance (their count recorded) and the HPAs, the age of the last
    change seen, the server; a production hub's name in the error colour."""
    from kubernetes import client

    from tests.kubehelpers import add_unpullable

    dev, prod = fleet_hubs["dev"], fleet_hubs["prod"]
    client.CoreV1Api(kube.api).patch_namespace(dev.name, {"metadata": {"labels": {"environment": "dev"}}})
    add_unpullable(dev)
    dev.apps.patch_namespaced_deployment_scale("report-builder", dev.name, {"spec": {"replicas": 1}})
    prod.apps.patch_namespaced_deployment("worker", prod.name, {"metadata": {"annotations": {
        "hubtui.io/original-replicas": "1"}}})
    client.AutoscalingV2Api(kube.api).create_namespaced_horizontal_pod_autoscaler(prod.name, {
        "metadata": {"name": "api-server"},
        "spec": {"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "api-server"},
                 "minReplicas": 2, "maxReplicas": 5}})
    app = app_on(fleet_hubs, ["dev-a", "prod-b"])
    server = kube.server.split("://")[-1]
    async with app.run_test(size=(160, 30)) as pilot:
        await until(pilot, lambda: "report-builder" in row_of(app, "dev-a") and "2/2" in row_of(app, "prod-b")
                    and " 1 " in row_of(app, "prod-b"), what="both rows, listed")
        # its last change: none seen yet, or report-builder's status as its pod goes on failing
        assert re.fullmatch(rf"dev-a dev live 2/3 0 0 (-|\d+ s) report-builder {re.escape(server)}",
                            " ".join(row_of(app, "dev-a").split())), row_of(app, "dev-a")
        prod.apps.patch_namespaced_deployment_scale("worker", prod.name, {"spec": {"replicas": 2}})
        await until(pilot, lambda: re.search(r"^prod-b \? live [0-2]/2 1 1 \d s ", " ".join(row_of(app, "prod-b").split())),
                    what="prod-b's change seen, and its age")
        assert row_of(app, "prod-b").split()[-1] == server
        lines = screen_text(app).splitlines()
        y = next(i for i, line in enumerate(lines) if " prod-b " in line)
        colour = app.screen.get_style_at(lines[y].index("prod-b"), y).color.triplet  # the cursor is on dev-a
        assert colour.red > 1.5 * max(colour.green, colour.blue), colour  # the error colour: production


@pytest.mark.asyncio
async def test_the_command_palette_opens_the_fleet_from_the_deployments(fleet_hubs):
    from hubtui.ui.app import HubApp

    from .fakes import FakeBackend
    from .helpers import open_palette, palette_pick

    settings = dataclasses.replace(Settings.from_env(kubeconfig=fleet_hubs["kubeconfig"]), fleet=("dev-a",))
    app = HubApp(settings, backend=FakeBackend())
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: "watching" in screen_text(app), what="the deployments screen")
        await open_palette(pilot, app)
        await palette_pick(pilot, app, "fleet")
        await until(pilot, lambda: "hubtui · fleet" in screen_text(app) and "2/2" in row_of(app, "dev-a"),
                    what="the fleet, opened from the palette")
