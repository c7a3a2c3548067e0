"""The deployment detail against the real cluster: the scheduler's own reason, kwok's pod states (selected by
the hubtui.io/kwok-state annotation, deploy/kwok-stages.yaml), events as they happen, a log served by kwok
from a file this test writes, the slider, and no thread left behind. Engine and TUI both."""

from __future__ import annotations

import json
import threading
import time
import uuid
from datetime import datetime, UTC

import pytest

from hubtui.kube.detail import DeploymentDetail
from hubtui.present.detail import event_facts, pod_facts, rollout_facts
from hubtui.settings import Settings
from hubtui.ui.app import HubApp
from hubtui.ui.screens.deployments import DeploymentsScreen
from hubtui.ui.screens.detail import DetailScreen
from hubtui.ui.screens.detail_tables import PodTable

from ..kubehelpers import Scratch, deployment

pytestmark = pytest.mark.cluster

SIZE = (140, 40)


def with_state(name: str, replicas: int, state: str, **annotations) -> dict:
    dep = deployment(name, replicas)
    dep["spec"]["template"]["metadata"]["annotations"] = {"hubtui.io/kwok-state": state, **annotations}
    return dep


def wait(detail: DeploymentDetail, check, timeout: float = 60, what: str = "condition"):
    """Poll the detail's snapshot (its watches keep it live) until check(snapshot) holds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        snap = detail.snapshot()
        if snap.synced and check(snap):
            return snap
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}; last: pods={[pod_facts(p, now()) for p in snap.pods]}")


def now():
    return datetime.now(UTC)


def reasons(snap) -> list[str]:
    return [pod_facts(p, now(), snap.events).reason for p in snap.pods]


@pytest.fixture
def scratch(kube):
    ns = Scratch(kube.api, "detail")
    yield ns
    ns.delete()


@pytest.fixture
def watched(kube, scratch):
    """start(name) -> a started DeploymentDetail; every one is stopped at the end."""
    started = []

    def start(name: str) -> DeploymentDetail:
        d = DeploymentDetail(kube, scratch.name, name)
        d.start(lambda snap: None)
        started.append(d)
        return d

    yield start
    for d in started:
        d.stop()


def test_an_unschedulable_pod_names_the_schedulers_reason(scratch, watched):
    scratch.add("gpu", 1, node_selector={"hubtui.io/accelerator": "nvidia-a100"})  # no kwok node has it
    detail = watched("gpu")
    snap = wait(detail, lambda s: any("Unschedulable" in r for r in reasons(s)), what="the scheduler's reason")
    (reason,) = reasons(snap)
    assert reason.startswith("Pending: Unschedulable: 0/")
    assert "nodes are available" in reason and "node affinity/selector" in reason
    # the scheduler's FailedScheduling event is among the pod's events, as a warning
    snap = wait(detail, lambda s: any(e.reason == "FailedScheduling" for e in event_facts(s, now())),
                what="FailedScheduling")
    event = next(e for e in event_facts(snap, now()) if e.reason == "FailedScheduling")
    assert event.warning and event.object.startswith("Pod/gpu-")
    assert not rollout_facts(snap, now()).ok


def test_a_bad_image_shows_image_pull_back_off_with_the_image(scratch, watched):
    dep = with_state("report", 1, "ImagePullBackOff")
    dep["spec"]["template"]["spec"]["containers"][0]["image"] = "registry.example.com/hub/report:typo"
    scratch.apps.create_namespaced_deployment(scratch.name, dep)
    detail = watched("report")
    snap = wait(detail, lambda s: any(r.startswith("ImagePullBackOff") for r in reasons(s)),
                what="ImagePullBackOff")
    facts = pod_facts(snap.pods[0], now(), snap.events)
    assert facts.phase == "ImagePullBackOff" and facts.ready == "0/1"
    assert facts.reason.startswith("ImagePullBackOff: image registry.example.com/hub/report:typo cannot be pulled")
    assert any(e.warning and "ImagePull" in e.message for e in event_facts(snap, now()))


def test_a_crash_loop_shows_the_last_exit_code_and_a_failing_probe_says_so(scratch, watched):
    scratch.apps.create_namespaced_deployment(
        scratch.name, with_state("crashy", 1, "CrashLoopBackOff", **{"hubtui.io/kwok-exit-code": "137"}))
    scratch.apps.create_namespaced_deployment(scratch.name, with_state("unready", 1, "ReadinessFailing"))
    crashy, unready = watched("crashy"), watched("unready")
    snap = wait(crashy, lambda s: any(r.startswith("CrashLoopBackOff") for r in reasons(s)), what="CrashLoopBackOff")
    assert "last exit code 137 (Error)" in reasons(snap)[0]
    snap = wait(unready, lambda s: any("Readiness probe failed" in r for r in reasons(s)), what="the probe")
    assert reasons(snap)[0].startswith("Readiness probe failing: container unready — Readiness probe failed")


def test_events_arrive_without_a_refresh(kube, scratch):
    scratch.add("web", 1)
    scratch.wait_pods("web", 1)
    seen = []
    detail = DeploymentDetail(kube, scratch.name, "web")
    detail.start(seen.append)
    try:
        wait(detail, lambda s: len(s.pods) == 1, what="the pod")
        scratch.apps.patch_namespaced_deployment_scale("web", scratch.name, {"spec": {"replicas": 3}})
        deadline = time.monotonic() + 30
        while not any(e["reason"] == "ScalingReplicaSet" and "from 1 to 3" in e["message"]
                      for s in list(seen) for e in s.events):
            assert time.monotonic() < deadline, "the scaling event never reached the listener"
            time.sleep(0.1)
        # the pods and the rollout follow, from the same watches
        wait(detail, lambda s: len(s.pods) == 3 and rollout_facts(s, now()).ok, what="3 ready pods")
    finally:
        detail.stop()


def test_events_of_a_look_alike_pod_are_not_the_deployments(kube, scratch, watched):
    """A pod named like one of the deployment's (web-x-0, as a StatefulSet web-x would name it) is not one: its
    events stay out of the detail, while those of the deployment's own pods are in, and the events cache holds
    only the fields the detail reads."""
    scratch.add("web", 1)
    scratch.core.create_namespaced_pod(scratch.name, {"metadata": {"name": "web-x-0", "labels": {"app": "other"}},
                                                      "spec": {"containers": [{"name": "c", "image": "example/c:1"}]}})
    detail = watched("web")
    own = wait(detail, lambda s: len(s.pods) == 1, what="the pod").pods[0]["metadata"]["name"]
    events_cache = detail._watchers["events"]

    def scheduled(name: str) -> bool:
        return any(e["metadata"].get("name", "").startswith(f"{name}.") for e in events_cache.snapshot().values())

    deadline = time.monotonic() + 60
    while not (scheduled("web-x-0") and scheduled(own)):
        assert time.monotonic() < deadline, "the scheduler's events never came"
        time.sleep(0.1)
    snap = wait(detail, lambda s: any(e["object"] == own for e in s.events), what="the own pod's event")
    assert not any(e["object"] == "web-x-0" for e in snap.events)
    assert all("managedFields" not in e["metadata"] and set(e) <= {
        "metadata", "involvedObject", "type", "reason", "message", "count", "series", "lastTimestamp", "eventTime",
        "firstTimestamp"} for e in events_cache.snapshot().values())


def test_stop_leaves_no_thread_behind(kube, scratch):
    scratch.add("web", 1)
    before = set(threading.enumerate())
    detail = DeploymentDetail(kube, scratch.name, "web")
    detail.start(lambda s: None)
    pod = wait(detail, lambda s: len(s.pods) == 1, what="the pod").pods[0]["metadata"]["name"]
    detail.logs(pod, "web", tail=10, on_lines=lambda lines: None, on_end=lambda e: None)
    threads = detail.threads
    assert len(threads) == 5 and all(t.is_alive() for t in threads)  # 4 watches and a log stream
    detail.stop()
    assert not any(t.is_alive() for t in threads)
    assert set(threading.enumerate()) - before == set()


def test_an_unknown_deployment_is_one_line(kube, scratch):
    from hubtui.errors import HubError

    with pytest.raises(HubError, match=f"^deployment nope not found in namespace {scratch.name}$"):
        DeploymentDetail(kube, scratch.name, "nope").start(lambda s: None)


# ----- the TUI on the real cluster ---------------------------------------------------------------------
async def until(pilot, check, timeout=60.0, what="condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        await pilot.pause(0.05)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.fixture
def served_log(served_logs, scratch):
    """kwok serves the logs of the scratch namespace's containers from a file here."""
    return served_logs(scratch.name)


def write_log(path, *lines: str) -> None:
    """Lines in the CRI log format (what kwok's log server reads, as a kubelet does)."""
    with open(path, "a") as f:
        for line in lines:
            f.write(f"{datetime.now(UTC).strftime('%Y-%m-%dT%H:%M:%S.%fZ')} stdout F {line}\n")


async def open_detail(pilot, app, name: str) -> DetailScreen:
    from hubtui.ui.widgets.row_table import RowTable

    await until(pilot, lambda: app.screen.query(RowTable) and app.screen.query_one(RowTable).row_count > 0,
                what="the deployments")
    table = app.screen.query_one(RowTable)
    table.move_cursor(row=table.get_row_index(name))
    await pilot.pause()
    await pilot.press("i")
    await until(pilot, lambda: isinstance(app.screen, DetailScreen) and app.screen.snapshot is not None
                and app.screen.snapshot.synced and app.screen.query_one(PodTable).row_count > 0,
                what="the detail view")
    return app.screen


async def test_the_log_pane_shows_lines_written_after_it_opened_and_leaving_stops_everything(
        local_cluster, scratch, served_log):
    scratch.add("web", 1)
    pod = scratch.wait_pods("web", 1)[0].metadata.name
    write_log(served_log, "before the pane opened")
    deadline = time.monotonic() + 30  # kwok loads the ClusterLogs object a moment after it is applied
    while local_cluster.kubectl("logs", "-n", scratch.name, pod, check=False).returncode:
        assert time.monotonic() < deadline, "kwok does not serve the log"
        time.sleep(0.2)

    settings = Settings.from_env(kubeconfig=str(local_cluster.kubeconfig), namespace=scratch.name)
    app = HubApp(settings)
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: isinstance(app.screen, DeploymentsScreen) and app.screen.rows, what="rows")
        before = {t for t in threading.enumerate()}
        screen = await open_detail(pilot, app, "web")
        await pilot.press("l")
        log = screen.query_one("#log")
        await until(pilot, lambda: any("before the pane opened" in line for line in log.lines), what="the tail")
        marker = f"written after it opened {uuid.uuid4().hex[:8]}"
        write_log(served_log, marker, "and one more")
        await until(pilot, lambda: any(marker in line for line in log.lines), what="the new line")
        # every thread started since the detail opened, but asyncio's executor (the event loop's, not ours)
        mine = [t for t in threading.enumerate() if t not in before and not t.name.startswith("asyncio_")]
        assert any(t.name.startswith("logs ") for t in mine) and any("of deployment web" in t.name for t in mine)
        await pilot.press("escape")  # closes the log
        await pilot.press("escape")  # back to the deployments
        await until(pilot, lambda: isinstance(app.screen, DeploymentsScreen), what="the deployments screen")
        await until(pilot, lambda: not any(t.is_alive() for t in mine),
                    what=f"the detail's threads to end: {[t.name for t in mine if t.is_alive()]}")


async def test_the_slider_scales_from_the_detail_view(local_cluster, scratch):
    scratch.add("web", 1)
    scratch.wait_pods("web", 1)
    settings = Settings.from_env(kubeconfig=str(local_cluster.kubeconfig), namespace=scratch.name)
    app = HubApp(settings)
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: isinstance(app.screen, DeploymentsScreen) and app.screen.rows, what="rows")
        screen = await open_detail(pilot, app, "web")
        await pilot.press("right", "enter")
        await until(pilot, lambda: scratch.replicas()["web"] == 2, what="the deployment scaled to 2")
        await until(pilot, lambda: screen.query_one(PodTable).row_count == 2, what="the second pod, live")
        events = screen.query_one("#events")
        await until(pilot, lambda: any("from 1 to 2" in str(events.get_row_at(i)[-1])
                                       for i in range(events.row_count)), what="the scaling event, live")
        await until(pilot, lambda: "applied" in str(screen.query_one("#detail-message").render()))


# ----- the local cluster's part -------------------------------------------------------------------------
def test_a_log_opened_again_after_a_quiet_spell_loses_no_line_and_repeats_none(kube, local_cluster, scratch,
                                                                             served_log):
    """A log quiet for READ_TIMEOUT is opened again, asking for the seconds since its last line: a line written
    while it was closed is shown, and what the server sends again is not shown twice (kwok serves the pod's log,
    with timestamps and sinceSeconds, from a file this test writes). kwok, unlike a kubelet, also sends a line
    written just before a `tailLines=0` reopening, so the skipping by timestamp is what this proves against the
    real part; tests/unit/test_log_stream.py covers its edge cases."""
    from hubtui.kube.detail import LogStream

    write_log(served_log, "one", "two")
    scratch.add("web", 1)
    pod = scratch.wait_pods("web", 1)[0].metadata.name
    deadline = time.monotonic() + 30  # kwok loads the rule a moment after it is applied
    while local_cluster.kubectl("logs", "-n", scratch.name, pod, check=False).stdout.strip() != "one\ntwo":
        assert time.monotonic() < deadline, "kwok does not serve the test's log file"
        time.sleep(0.2)
    lines, ended, reopened = [], [], []

    class Quick(LogStream):
        READ_TIMEOUT = 2

        def _follow(self, since):
            if since is not None:  # closed after the quiet spell: a line comes before it is open again
                write_log(served_log, "three")
                reopened.append(since)
            super()._follow(since)

    stream = Quick(kube, scratch.name, pod, "web", tail=10, on_lines=lines.extend, on_end=ended.append).start()
    try:
        deadline = time.monotonic() + 30
        while not reopened or lines[-1:] != ["three"]:
            assert time.monotonic() < deadline, f"no reopening, or 'three' never came: {lines}"
            time.sleep(0.1)
        write_log(served_log, "four")
        while lines[-1:] != ["four"]:
            assert time.monotonic() < deadline, f"'four' never came: {lines}"
            time.sleep(0.1)
        assert lines == ["one", "two", "three", "four"]
    finally:
        stream.stop()
    assert not stream.thread.is_alive() and ended == []


def test_the_hubs_logs_are_served_from_files_a_host_process_writes(local_cluster):
    from cluster.localcluster import HUB_NAMESPACE

    path = local_cluster.logs_dir / "api-server.log"
    size = path.stat().st_size
    deadline = time.monotonic() + 30
    while path.stat().st_size == size:  # the writer appends every few seconds
        assert time.monotonic() < deadline, "the log writer does not write"
        time.sleep(0.2)
    got = local_cluster.kubectl("logs", "-n", HUB_NAMESPACE, "deploy/api-server", "--tail=1")
    assert got.stdout.strip().endswith("container=api-server")
    # a pod without the kwok-state annotation still becomes Ready (kwokctl's default stages are untouched)
    pods = json.loads(local_cluster.kubectl("get", "pods", "-n", HUB_NAMESPACE, "-l", "app=api-server",
                                            "-o", "json").stdout)["items"]
    assert pods and all(any(c["type"] == "Ready" and c["status"] == "True" for c in p["status"]["conditions"])
                        for p in pods)


def test_down_stops_the_log_writer(doomed_cluster):
    import os

    pid = doomed_cluster._log_writer_pid()
    assert pid is not None and os.path.exists(f"/proc/{pid}")
    doomed_cluster.down()
    deadline = time.monotonic() + 10
    while os.path.exists(f"/proc/{pid}") and b"write-logs" in open(f"/proc/{pid}/cmdline", "rb").read():
        assert time.monotonic() < deadline, "the log writer outlived its cluster"
        time.sleep(0.1)


async def test_the_view_names_the_schedulers_reason_for_an_unschedulable_deployment(local_cluster, scratch):
    scratch.add("gpu", 1, node_selector={"hubtui.io/accelerator": "nvidia-a100"})
    settings = Settings.from_env(kubeconfig=str(local_cluster.kubeconfig), namespace=scratch.name)
    app = HubApp(settings)
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: isinstance(app.screen, DeploymentsScreen) and app.screen.rows, what="rows")
        screen = await open_detail(pilot, app, "gpu")
        why = screen.query_one("#why")
        await until(pilot, lambda: "Unschedulable" in str(why.render()), what="the scheduler's reason")
        assert "nodes are available" in str(why.render()) and "node affinity/selector" in str(why.render())
        assert str(screen.query_one(PodTable).get_row_at(0)[1]) == "Pending"


def test_the_detail_and_its_log_load_no_typed_kubernetes_client(local_cluster):
    """Opening a deployment (`i`) and following a pod's log read JSON through the lean requests: no typed API
    groups (a second or more of imports on the first `i`)."""
    import subprocess
    import sys
    import textwrap

    from cluster.localcluster import HUB_NAMESPACE

    code = textwrap.dedent(f"""
        import json, sys, threading
        from hubtui.kube.client import connect
        from hubtui.kube.detail import DeploymentDetail
        from hubtui.settings import Settings
        conn = connect(Settings.from_env(kubeconfig={str(local_cluster.kubeconfig)!r}, namespace={HUB_NAMESPACE!r}))
        detail = DeploymentDetail(conn, {HUB_NAMESPACE!r}, "api-server")
        seen, lines = threading.Event(), threading.Event()
        detail.start(lambda snap: snap.pods and seen.set())
        assert seen.wait(30), "no pods"
        pod = detail.snapshot().pods[0]
        detail.logs(pod["metadata"]["name"], pod["spec"]["containers"][0]["name"], tail=3,
                    on_lines=lambda got: got and lines.set(), on_end=lambda error: print("ended", error))
        assert lines.wait(30), "no log line"
        detail.stop()
        print(json.dumps(sorted(m for m in sys.modules if m.split(".")[0] in ("kubernetes", "pydantic"))))
    """)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=90)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout.strip().splitlines()[-1]) == []
