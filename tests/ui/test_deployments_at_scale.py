"""The deployments screen at scale: sort, jump to the next laggard, all namespaces, bursts of watch events.

Pilot tests fed from memory (FakeBackend), then the same behaviours against the real cluster: -A shows two
namespaces and scales a row of another namespace; without cluster-wide RBAC the screen says so and falls back;
after a burst of changes no row is stale (the screen equals `kubectl get deploy`)."""

from __future__ import annotations

import dataclasses
import random
import threading

import pytest


from hubtui.ui.widgets.row_table import RowTable
from hubtui.ui.app import HubApp
from hubtui.ui.screens.deployments import DeploymentsScreen

from .fakes import HUB_ROWS, FakeBackend, row
from .helpers import opened, screen_lines, screen_text, table, until

SIZE = (130, 24)


def order(app, column=0) -> list[str]:
    t = table(app)
    return [str(t.get_row_at(i)[column]) for i in range(t.row_count)]


def cursor_name(app, column=0) -> str:
    t = table(app)
    return str(t.get_row_at(t.cursor_row)[column])


def message(app) -> str:
    return str(app.screen.query_one("#message").render())


async def test_s_cycles_the_sort_column_and_status_puts_the_laggards_first():
    rows = [row("alpha", 1), row("bravo", 3, ready=1, replicas=3, updated=3, available=1),  # not ready
            row("charlie", 2), row("delta", 4, ready=1, replicas=2, updated=2, available=1),  # scaling
            row("echo", 5, age_minutes=1)]
    async with opened(FakeBackend(rows), size=SIZE) as (app, pilot):
        await until(pilot, lambda: table(app).row_count == 5, what="rows")
        assert order(app) == ["alpha", "bravo", "charlie", "delta", "echo"]
        await pilot.press("s")  # Ready/Desired: by ready, then desired
        assert "sorted by Ready/Desired (ascending)" in message(app)
        assert order(app)[-1] == "echo"
        await pilot.press("S")  # the other way round
        assert order(app)[0] == "echo" and "descending" in message(app)
        for _ in range(7):  # current, up-to-date, available, HPA, saved, age, status
            await pilot.press("s")
        assert "sorted by Status (not ready and scaling first)" in message(app)
        assert order(app) == ["bravo", "delta", "alpha", "charlie", "echo"]
        await pilot.press("S")
        assert order(app)[-2:] == ["delta", "bravo"] and "ready first" in message(app)
        await pilot.press("s")  # back to the name
        assert order(app) == ["alpha", "bravo", "charlie", "delta", "echo"]


async def test_a_click_on_a_header_sorts_by_it_and_a_second_click_turns_it_round():
    rows = [row("alpha", 1), row("bravo", 3, ready=1, replicas=3, updated=3, available=1),  # not ready
            row("charlie", 2), row("delta", 4, ready=1, replicas=2, updated=2, available=1)]  # scaling
    async with opened(FakeBackend(rows), size=SIZE) as (app, pilot):
        await until(pilot, lambda: table(app).row_count == 4, what="rows")
        t = table(app)
        header = next(line for line in screen_lines(app) if "Deployment ▲" in line)
        await pilot.click("#deployments", offset=(header.index("Status") - t.region.x + 1, 0))
        await until(pilot, lambda: "sorted by Status (not ready and scaling first)" in message(app))
        assert order(app) == ["bravo", "delta", "alpha", "charlie"]
        assert "Status ▲" in screen_text(app) and "Deployment ▲" not in screen_text(app)
        await pilot.click("#deployments", offset=(header.index("Status") - t.region.x + 1, 0))
        await until(pilot, lambda: "sorted by Status (ready first)" in message(app))
        assert order(app)[-2:] == ["delta", "bravo"] and "Status ▼" in screen_text(app)
        await pilot.click("#deployments", offset=(2, 3))  # a click on a row selects it
        await until(pilot, lambda: t.cursor_row == 2)
        assert screen_lines(app)[t.region.y + 3].split()[0] == order(app)[2]


async def test_a_row_whose_status_changes_moves_to_its_place_and_the_cursor_stays_on_its_deployment():
    backend = FakeBackend([row("alpha", 1), row("bravo", 1), row("charlie", 1)])
    async with opened(backend, size=SIZE) as (app, pilot):
        await until(pilot, lambda: table(app).row_count == 3, what="rows")
        for _ in range(8):
            await pilot.press("s")
        assert "Status" in message(app)
        table(app).move_cursor(row=1)  # bravo
        await pilot.pause()
        backend.push(row("charlie", 3, ready=1, replicas=3, updated=3, available=1))  # charlie lags now
        await until(pilot, lambda: order(app)[0] == "charlie", what="charlie first")
        assert cursor_name(app) == "bravo"
        assert app.screen.query_one("ReplicaSlider").row.name == "bravo"


async def test_bang_jumps_to_the_next_deployment_that_is_not_ready_and_wraps():
    app = HubApp(backend=FakeBackend())  # HUB_ROWS: only event-ingestion is not ready
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: table(app).row_count == len(HUB_ROWS), what="rows")
        await pilot.press("exclamation_mark")
        assert cursor_name(app) == "event-ingestion"
        assert "event-ingestion: Scaling 1→2" in message(app)
        await pilot.press("down", "down", "exclamation_mark")  # past it: wraps round to it
        assert cursor_name(app) == "event-ingestion"
        app.screen.backend.push(row("event-ingestion", 2))
        await until(pilot, lambda: str(table(app).get_row("event-ingestion")[1]) == "2/2", what="ready")
        await pilot.press("exclamation_mark")
        assert "every deployment shown is ready" in message(app)


async def test_capital_a_shows_every_namespace_with_a_namespace_column_and_back():
    backend = FakeBackend()
    async with opened(backend, size=SIZE) as (app, pilot):
        await until(pilot, lambda: table(app).row_count == len(HUB_ROWS), what="rows")
        await pilot.press("A")
        await until(pilot, lambda: isinstance(app.screen, DeploymentsScreen) and app.screen.all_namespaces
                    and table(app).row_count == len(HUB_ROWS) + 1, what="all namespaces")
        assert [str(c.label) for c in table(app).ordered_columns][:2] == ["Namespace ▲", "Deployment"]
        assert str(table(app).get_row("monitoring/prometheus")[0]) == "monitoring"
        assert "all namespaces" in str(app.screen.query_one("#title").render())
        assert backend.stopped
        # the filter matches namespace/name
        await pilot.press("slash", *"monitoring/pro", "enter")
        await until(pilot, lambda: table(app).row_count == 1, what="the filter")
        assert order(app, 1) == ["prometheus"]
        await pilot.press("escape")
        await until(pilot, lambda: table(app).row_count == len(HUB_ROWS) + 1, what="the filter cleared")
        # the slider and Enter scale the row in its own namespace
        t = table(app)
        t.move_cursor(row=t.get_row_index("monitoring/prometheus"))
        await pilot.pause()
        await pilot.press("3", "enter")
        all_backend = app.screen.backend
        await until(pilot, lambda: ("scale", ("monitoring/prometheus",), 3, False) in all_backend.calls,
                    what="the scale")
        await until(pilot, lambda: "scale monitoring/prometheus 1→3: 1 change applied" in message(app),
                    what="the result")
        await pilot.press("A")  # and back to the namespace
        await until(pilot, lambda: isinstance(app.screen, DeploymentsScreen) and not app.screen.all_namespaces
                    and table(app).row_count == len(HUB_ROWS), what="one namespace again")
        assert str(table(app).ordered_columns[0].label) == "Deployment ▲"


async def test_without_cluster_wide_rights_all_namespaces_says_so_and_falls_back():
    backend = FakeBackend()
    backend.refuse_all_namespaces = True
    async with opened(backend, size=SIZE) as (app, pilot):
        await until(pilot, lambda: table(app).row_count == len(HUB_ROWS), what="rows")
        await pilot.press("A")
        await until(pilot, lambda: app.screen.backend is not backend and table(app).row_count == len(HUB_ROWS),
                    what="the fallback")
        assert not app.screen.all_namespaces
        assert "showing namespace llm-analytics-hub only: all namespaces are forbidden to you (403)" in \
            screen_text(app)
        assert "namespace llm-analytics-hub" in str(app.screen.query_one("#title").render())


async def test_a_burst_is_coalesced_the_latest_state_wins_and_keys_are_answered_meanwhile():
    names = [f"svc-{i:04d}" for i in range(600)]
    backend = FakeBackend([row(n, 1) for n in names])
    async with opened(backend, size=SIZE) as (app, pilot):
        await until(pilot, lambda: table(app).row_count == 600, what="rows")
        screen = app.screen
        applied = []
        real = screen.apply_changes
        screen.apply_changes = lambda before: (applied.append(len(before)), real(before))[1]
        rng = random.Random(7)
        final = {}
        for _ in range(3000):  # far more events than frames: one frame takes the latest of each
            name = rng.choice(names[:100])
            n = rng.randint(0, 9)
            final[name] = n
            backend.push(row(name, n))
        await pilot.press("down")  # a key is answered at once, not after 3,000 updates
        assert table(app).cursor_row == 1
        await until(pilot, lambda: all(str(table(app).get_row(n)[1]) == f"{v}/{v}" for n, v in final.items()),
                    what="the latest state of every row")
        assert sum(applied) <= 100 * len(applied) and len(applied) < 3000 // 100
        backend.remove("svc-0599")
        await until(pilot, lambda: table(app).row_count == 599, what="a deletion")


# ----- the real cluster ------------------------------------------------------------------------------------
@pytest.fixture
def two_namespaces(kube):
    from ..kubehelpers import Scratch

    a, b = Scratch(kube.api, "alla"), Scratch(kube.api, "allb")
    a.add("web", 1)
    b.add("web", 1)
    b.add("worker", 2)
    yield a, b
    a.delete()
    b.delete()


@pytest.mark.cluster
async def test_all_namespaces_on_the_real_cluster_shows_two_namespaces_and_scales_a_row_of_the_other(
        kube_settings, two_namespaces):
    from ..kubehelpers import wait_for_pods

    a, b = two_namespaces
    settings = dataclasses.replace(kube_settings, namespace=a.name, all_namespaces=True)
    app = HubApp(settings)
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: app.screen.query(RowTable) and f"{b.name}/worker" in table(app).rows
                    and f"{a.name}/web" in table(app).rows, tries=500, what="both namespaces")
        assert str(table(app).get_row(f"{b.name}/web")[0]) == b.name
        assert str(table(app).get_row(f"{b.name}/web")[1]) == "web"
        assert "llm-analytics-hub/api-server" in table(app).rows  # and the hub's, too
        await pilot.press("slash", *f"{b.name}/w", "enter")
        await until(pilot, lambda: table(app).row_count == 2, what="the filter on namespace/name")
        t = table(app)
        t.move_cursor(row=t.get_row_index(f"{b.name}/web"))
        await pilot.pause()
        await pilot.press("3", "enter")
        await until(pilot, lambda: b.replicas()["web"] == 3, tries=500, what="the scale in the other namespace")
        assert a.replicas()["web"] == 1  # the row's own namespace, not the current one
        wait_for_pods(b.core, b.name, "app=web", 3)
        await until(pilot, lambda: str(table(app).get_row(f"{b.name}/web")[2]) == "3/3", tries=500,
                    what="the row at 3/3")
        assert f"scale {b.name}/web 1→3: 1 change applied" in message(app)


@pytest.mark.cluster
async def test_all_namespaces_without_cluster_wide_rights_says_so_and_shows_the_namespace(kube, kube_settings,
                                                                                         tmp_path):
    from ..kubehelpers import restricted_kubeconfig

    config = restricted_kubeconfig(kube.api, tmp_path / "kubeconfig", kube_settings.namespace, rules=[
        {"apiGroups": ["apps"], "resources": ["deployments"], "verbs": ["get", "list", "watch"]}])
    app = HubApp(dataclasses.replace(kube_settings, kubeconfig=config, all_namespaces=True))
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: app.screen.query(RowTable) and table(app).row_count == 8, tries=500,
                    what="the namespace's rows")
        assert not app.screen.all_namespaces and "api-server" in table(app).rows
        # beside the watch status and its HPA note, the line is cut, and says so; L has every word of it
        assert f"showing namespace {kube_settings.namespace} only" in screen_text(app)
        await pilot.press("L")
        await until(pilot, lambda: f"showing namespace {kube_settings.namespace} only: all namespaces are forbidden to "
                    "you (403)" in screen_text(app), what="the whole line in the history")
        await pilot.press("escape")
        await until(pilot, lambda: app.screen.query("#title"), what="the deployments screen again")
        assert f"namespace {kube_settings.namespace}" in str(app.screen.query_one("#title").render())


def kubectl_rows(local_cluster, namespace) -> dict[str, tuple[str, str, str]]:
    out = local_cluster.kubectl("get", "deploy", "-n", namespace, "--no-headers").stdout
    return {f[0]: (f[1], f[2], f[3]) for f in (line.split() for line in out.splitlines() if line.strip())}


def screen_rows(app) -> dict[str, tuple[str, str, str]]:
    t = table(app)
    out = {}
    for i in range(t.row_count):
        cells = [str(c) for c in t.get_row_at(i)]
        out[cells[0]] = (cells[1].split("/")[0] + "/" + cells[1].split("/")[1], cells[3], cells[4])
    return out


@pytest.mark.cluster
async def test_after_a_burst_of_changes_no_row_is_stale_the_screen_equals_kubectl(kube, kube_settings,
                                                                                 local_cluster):
    from kubernetes import client

    from ..kubehelpers import Scratch

    ns = Scratch(kube.api, "burst")
    names = [f"svc-{i:02d}" for i in range(40)]
    try:
        for name in names:
            ns.add(name, 1)
        app = HubApp(dataclasses.replace(kube_settings, namespace=ns.name))
        async with app.run_test(size=SIZE) as pilot:
            await until(pilot, lambda: app.screen.query(RowTable) and table(app).row_count == 40, tries=500,
                        what="the rows")
            apps = client.AppsV1Api(kube.api)
            stop = threading.Event()
            patches = [0]

            def churn(seed):
                rng = random.Random(seed)
                while not stop.is_set():
                    apps.patch_namespaced_deployment_scale(rng.choice(names), ns.name,
                                                           {"spec": {"replicas": rng.randint(0, 3)}})
                    patches[0] += 1

            workers = [threading.Thread(target=churn, args=(i,), daemon=True) for i in range(3)]
            for w in workers:
                w.start()
            for _ in range(20):  # keys go on being answered during the storm
                await pilot.press("down")
                await pilot.pause(0.1)
            assert table(app).cursor_row == 20
            stop.set()
            for w in workers:
                w.join(10)
            assert patches[0] > 40
            # After the churn stops (the controllers settle), the screen equals `kubectl get deploy`.
            last = {}

            def same() -> bool:
                want = kubectl_rows(local_cluster, ns.name)
                last.update(want=want, got=screen_rows(app))
                return want == last["got"] and len(want) == 40

            try:
                await until(pilot, same, tries=600, what="the screen to equal kubectl")
            except AssertionError:
                diff = {k: (v, last["got"].get(k)) for k, v in last["want"].items() if last["got"].get(k) != v}
                raise AssertionError(f"stale rows after the burst: {diff}") from None
    finally:
        ns.delete()


async def test_capital_a_keeps_the_sort_and_the_selected_deployment():
    async with opened(FakeBackend(), size=SIZE) as (app, pilot):
        await until(pilot, lambda: table(app).row_count == len(HUB_ROWS), what="rows")
        for _ in range(8):  # to Status
            await pilot.press("s")
        await until(pilot, lambda: "Status ▲" in screen_lines(app)[1], what="the status sort")
        table(app).move_cursor(row=table(app).get_row_index("scheduler"))
        await pilot.press("A")
        await until(pilot, lambda: isinstance(app.screen, DeploymentsScreen) and app.screen.all_namespaces
                    and table(app).row_count == len(HUB_ROWS) + 1, what="all namespaces")
        await until(pilot, lambda: "Status ▲" in screen_lines(app)[1], what="the same sort")
        assert screen_lines(app)[2].split()[:2] == ["llm-analytics-hub", "event-ingestion"]  # not ready first
        await until(pilot, lambda: "llm-analytics-hub/scheduler" in screen_lines(app)[-3],
                    what="the slider on the same deployment")
        await pilot.press("A")
        await until(pilot, lambda: isinstance(app.screen, DeploymentsScreen) and not app.screen.all_namespaces
                    and table(app).row_count == len(HUB_ROWS), what="one namespace")
        await until(pilot, lambda: "scheduler" in screen_lines(app)[-3], what="the same selection")
        assert "Status ▲" in screen_lines(app)[1]
