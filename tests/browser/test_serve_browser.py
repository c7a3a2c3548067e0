"""`hubtui serve` in Debian's real headless Chromium, on the real local cluster: the page shows the hub's
deployments, keys typed into the page scale a deployment on the cluster, connect says it needs a real
terminal, --readonly is carried to each session, and a screenshot of the page lands in screenshots/."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest

from cluster.localcluster import HUB_NAMESPACE

from .browser import PageTerminal, missing_browser

# Without Chromium the reason is printed in pytest's summary (-ra), before any cluster is started for nothing.
pytestmark = [pytest.mark.cluster,
              pytest.mark.skipif(missing_browser() is not None, reason=f"browser tests: {missing_browser()}")]

ROOT = Path(__file__).resolve().parents[2]
HUB_DEPLOYMENTS = ("api-server", "worker-service", "scheduler", "event-ingestion", "forecasting")


@pytest.fixture
def ns(scratch):
    return scratch("browser", {"api-gateway": 1, "web-frontend": 2})


def kubectl_replicas(cluster, namespace: str, name: str) -> int:
    out = cluster.kubectl("get", "deployment", name, "-n", namespace, "-o", "json").stdout
    return json.loads(out)["spec"]["replicas"]


def test_the_page_shows_the_hubs_deployments_and_a_screenshot_is_taken(local_cluster, serve, chromium, tmp_path):
    """The screenshot lands in screenshots/browser.png (the README's) only when HUBTUI_SCREENSHOTS is set
    (`make screenshots`): a test run leaves the tree as it was."""
    url = serve("--kubeconfig", str(local_cluster.kubeconfig), "-n", HUB_NAMESPACE)
    page = PageTerminal(chromium, url)
    page.wait_for("· watching for changes", timeout=60)
    for name in HUB_DEPLOYMENTS:
        page.wait_line(name, "Ready")
    page.wait_for(f"namespace {HUB_NAMESPACE}")
    page.wait_for("Scale all")  # the footer's keys
    page.wait_for("Help")
    assert "connecting…" not in page.text
    target = ROOT / "screenshots" / "browser.png" if os.environ.get("HUBTUI_SCREENSHOTS") else tmp_path / "browser.png"
    shot = page.screenshot(target)
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_keys_typed_into_the_page_move_the_slider_and_scale_on_the_cluster(local_cluster, ns, serve, chromium,
                                                                          tmp_path):
    state = tmp_path / "served-state"
    url = serve("--kubeconfig", str(local_cluster.kubeconfig), "-n", ns.name, env={"XDG_STATE_HOME": str(state)})
    page = PageTerminal(chromium, url)
    page.wait_for("2 deployments · watching", timeout=60)
    page.press("down")  # api-gateway -> web-frontend
    page.wait_line("web-frontend  0", "target 2")  # the slider follows the selection
    page.press("right", "right")
    page.wait_line("web-frontend  0", "target 4", "Enter apply")  # the slider moved; nothing applied yet
    assert kubectl_replicas(local_cluster, ns.name, "web-frontend") == 2
    page.press("enter")
    deadline = time.monotonic() + 30
    while kubectl_replicas(local_cluster, ns.name, "web-frontend") != 4 and time.monotonic() < deadline:
        time.sleep(0.2)
    assert kubectl_replicas(local_cluster, ns.name, "web-frontend") == 4
    ns.wait_pods("web-frontend", 4)
    page.wait_line("web-frontend", " 4/4 ", "Ready")  # the watch brought the new state to the page
    audit = (state / "hubtui" / "audit.jsonl").read_text()
    assert '"deployment": "web-frontend", "before": 2, "after": 4' in audit
    assert kubectl_replicas(local_cluster, ns.name, "api-gateway") == 1  # only the selected one changed


def test_connect_in_the_browser_says_it_needs_a_real_terminal_and_escape_comes_back(local_cluster, serve,
                                                                                    chromium):
    url = serve("--kubeconfig", str(local_cluster.kubeconfig), "-n", HUB_NAMESPACE)
    page = PageTerminal(chromium, url)
    page.wait_for("· watching for changes", timeout=60)
    page.press("c")
    page.wait_for("connect needs a real terminal", timeout=60)  # after one list of the pods (a busy machine: slow)
    page.wait_line("TimescaleDB", "timescaledb-0")  # the stores are still listed
    page.press("enter")
    page.wait_for("hubtui connect timescaledb")
    assert not page.session_ended()  # the page is not broken: the session goes on
    page.press("escape")
    page.wait_for("· watching for changes", timeout=60)
    page.wait_line("api-server", "Ready")


def test_readonly_is_carried_to_the_browser_session_and_nothing_changes(local_cluster, ns, serve, chromium):
    url = serve("--kubeconfig", str(local_cluster.kubeconfig), "-n", ns.name, "--readonly")
    page = PageTerminal(chromium, url)
    page.wait_for("2 deployments · watching", timeout=60)
    page.wait_for("READ-ONLY")  # a frame can still be arriving: read until the title bar is drawn
    before = ns.versions()
    page.press("down", "right", "enter")
    page.wait_for("refused")
    assert ns.versions() == before


def test_a_page_opened_without_the_token_gets_403_and_no_session(local_cluster, serve, chromium):
    """The served TUI drives the cluster with the operator's credentials: Chromium opening the address without
    this start's token (or with a guessed one) gets 403 and no hubtui session starts; the printed URL works,
    and once opened, the page's own requests (files, websocket) carry the cookie it set."""
    url = serve("--kubeconfig", str(local_cluster.kubeconfig), "-n", HUB_NAMESPACE)
    bare = url.split("?", 1)[0]
    for attempt in (bare, bare + "?token=guess", bare + "ws"):
        chromium.get(attempt)
        body = chromium.find_element("tag name", "body").text
        assert "hubtui serve: refused:" in body and "token" in body, (attempt, body)
        assert "api-server" not in body
    page = PageTerminal(chromium, url)
    page.wait_line("api-server", "Ready", timeout=60)
    page = PageTerminal(chromium, bare)  # the cookie the page set opens the bare address in this browser only
    page.wait_line("api-server", "Ready", timeout=60)
