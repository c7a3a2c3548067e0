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
        term.wait_for("deployment in namespace", timeout=15)
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
        term.wait_for("Rollout complete: 3/3 updated, ready and available", timeout=20)
        term.press("l")
        term.wait_for("following (last 200 lines first", timeout=10)
        term.wait_for("container=api-server", timeout=20)  # lines written by `localcluster.py write-logs`
        term.press("escape")  # closes the log
        term.wait_for("Events (newest first)")
        assert "container=api-server" not in term.text
        term.press("escape")
        term.wait_for("· watching for changes")
        term.quit()
    finally:
        term.close()
