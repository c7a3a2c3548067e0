"""End to end: the deployment detail in a real terminal, on the real cluster — why a pod is not ready, its
events, and a log that kwok serves from a file the local cluster's writer process keeps appending to."""

from __future__ import annotations

import pytest

from cluster.localcluster import HUB_NAMESPACE

from ..kubehelpers import Scratch, deployment
from .terminal import Terminal, hubtui_env

pytestmark = pytest.mark.cluster


@pytest.fixture
def bad_image(kube):
    scratch = Scratch(kube.api, "e2e-detail")
    dep = deployment("report", 1)
    dep["spec"]["template"]["metadata"]["annotations"] = {"hubtui.io/kwok-state": "ImagePullBackOff"}
    scratch.apps.create_namespaced_deployment(scratch.name, dep)
    yield scratch
    scratch.delete()


def test_the_detail_says_why_a_pod_is_not_ready_and_esc_returns(local_cluster, bad_image, tmp_path):
    term = Terminal([], hubtui_env(local_cluster.kubeconfig, bad_image.name, tmp_path / "state"), rows=36, cols=140)
    try:
        term.wait_for("1 deployment · watching")
        term.press("i")
        term.wait_for("deployment in namespace")
        term.wait_for("ImagePullBackOff: image example/report:1 cannot be pulled", timeout=60)
        term.wait_line("report-", "ImagePullBackOff", "0/1")  # the pod's row
        term.wait_for("Warning", timeout=30)  # the kubelet's (kwok's) events, as they come
        term.wait_for("Scale")  # the footer: the detail's keys
        assert "Logs" in term.text and "Back" in term.text
        term.press("escape")
        term.wait_for("1 deployment · watching")
        term.quit()
    finally:
        term.close()


def test_l_follows_a_hub_pods_log_from_the_local_clusters_log_writer(local_cluster, tmp_path):
    term = Terminal([], hubtui_env(local_cluster.kubeconfig, HUB_NAMESPACE, tmp_path / "state"), rows=36, cols=140)
    try:
        term.wait_for("· watching for changes")
        term.press("down")  # anomaly-detection -> api-server
        term.wait_for("api-server  0")
        term.press(" ")  # Space
        term.wait_for("Rollout complete: 3/3 updated, ready and available")
        term.wait_line("api-server-", "Running")  # a pod's row, as a person waits to see it before l
        term.press("l")
        term.wait_for("· following · l closes")
        term.wait_for("container=api-server")  # lines written by `localcluster.py write-logs`
        term.press("escape")  # closes the log
        term.wait_for("Events (newest first)")
        assert "container=api-server" not in term.text
        term.press("escape")
        term.wait_for("· watching for changes")
        term.quit()
    finally:
        term.close()


@pytest.fixture
def numbered_log(scratch, served_logs):
    """A scratch deployment whose log kwok serves from a file of numbered lines that the test appends to."""
    ns = scratch("e2e-log")
    path = served_logs(ns.name)
    ns.add("web", 1)
    return ns, path


def append_lines(path, first: int, last: int) -> None:
    from datetime import UTC, datetime

    with open(path, "a") as f:
        for n in range(first, last + 1):
            f.write(f"{datetime.now(UTC).strftime('%Y-%m-%dT%H:%M:%S.%fZ')} stdout F log line {n:04d}\n")


def test_the_followed_log_opens_at_its_end_and_shows_each_new_line_on_screen(local_cluster, numbered_log,
                                                                            tmp_path):
    """A backlog longer than the pane: the newest line is on screen when it opens (not the oldest, not below
    the fold), and a line written afterwards appears on screen as it arrives."""
    import time

    scratch, path = numbered_log
    append_lines(path, 1, 300)
    pod = scratch.wait_pods("web", 1)[0].metadata.name
    deadline = time.monotonic() + 30  # kwok loads the ClusterLogs object a moment after it is applied
    while "log line 0300" not in local_cluster.kubectl("logs", "-n", scratch.name, pod, check=False).stdout:
        assert time.monotonic() < deadline, "kwok does not serve the log"
        time.sleep(0.2)
    term = Terminal([], hubtui_env(local_cluster.kubeconfig, scratch.name, tmp_path / "state"), rows=36, cols=140)
    try:
        term.wait_for("1 deployment · watching")
        term.press("i")
        term.wait_for("Rollout complete")
        term.wait_line("web-", "Running")  # the pod's row, as a person waits to see it before l
        term.press("l")
        term.wait_for("log line 0300")  # the end of the backlog, on screen
        assert "log line 0101" not in term.text  # the oldest of the last 200 are scrolled away, not shown
        for n in (301, 302):
            append_lines(path, n, n)
            term.wait_for(f"log line {n:04d}")
        term.press("escape")
        term.press("escape")
        term.wait_for("1 deployment · watching")
        term.quit()
    finally:
        term.close()


def test_the_log_of_a_pod_not_scheduled_yet_says_so(local_cluster, kube, tmp_path):
    scratch = Scratch(kube.api, "e2e-pending")
    dep = deployment("queued", 1)
    dep["spec"]["template"]["spec"]["nodeSelector"] = {"hubtui.test/no-such-node": "true"}
    scratch.apps.create_namespaced_deployment(scratch.name, dep)
    term = Terminal([], hubtui_env(local_cluster.kubeconfig, scratch.name, tmp_path / "state"), rows=36, cols=140)
    try:
        term.wait_for("1 deployment · watching")
        term.press("i")
        term.wait_line("queued-", "Pending", timeout=30)
        term.press("l")
        term.wait_for("is not scheduled yet: there is no log until it runs on a node")
        assert "the container stopped" not in term.text
    finally:
        term.close()
        scratch.delete()
