"""End to end: hubtui in a real terminal, keys in, the real cluster changes."""

from __future__ import annotations

import re
import time

import pexpect
import pytest

from ..kubehelpers import Scratch
from .terminal import Terminal, hubtui_env

pytestmark = pytest.mark.cluster


@pytest.fixture
def ns(scratch):
    return scratch("e2e", {"api-gateway": 1, "web-frontend": 2})


def test_scale_a_deployment_with_keys_and_see_the_cluster_change(local_cluster, ns, tmp_path):
    term = Terminal([], hubtui_env(local_cluster.kubeconfig, ns.name, tmp_path / "state"))
    try:
        term.wait_for("web-frontend")
        term.wait_for("2 deployments · watching")
        assert f"namespace {ns.name}" in term.text
        term.press("down")  # api-gateway -> web-frontend
        term.wait_for("web-frontend  0")  # the slider follows the selection
        term.press("right", "right", "enter")
        deadline = time.monotonic() + 20
        while ns.replicas()["web-frontend"] != 4 and time.monotonic() < deadline:
            time.sleep(0.1)
        assert ns.replicas()["web-frontend"] == 4
        ns.wait_pods("web-frontend", 4)
        term.wait_line("web-frontend", " 4/4 ", "Ready")  # the watch brought the new state to the row
        term.quit()
        audit = (tmp_path / "state" / "hubtui" / "audit.jsonl").read_text()
        assert '"deployment": "web-frontend", "before": 2, "after": 4' in audit
    finally:
        term.close()


def test_all_namespaces_flag_shows_a_namespace_column_and_a_row_of_another_namespace_scales(local_cluster, ns,
                                                                                            kube, tmp_path):
    other = Scratch(kube.api, "e2e-other")
    try:
        other.add("zz-batch", 1)
        term = Terminal(["-A", "-n", ns.name], hubtui_env(local_cluster.kubeconfig, ns.name, tmp_path / "state"))
        try:
            term.wait_for("all namespaces")
            term.wait_for("Namespace")
            for ch in f"/{other.name}/zz":
                term.press(ch)
            term.press("enter")
            term.wait_line(other.name, "zz-batch", " 1/1 ")  # the namespace column, then the name
            term.press("2", "enter")
            deadline = time.monotonic() + 20
            while other.replicas()["zz-batch"] != 2 and time.monotonic() < deadline:
                time.sleep(0.1)
            assert other.replicas()["zz-batch"] == 2
            term.wait_for("1 change applied")
            term.press("q")
            term.child.expect(pexpect.EOF, timeout=10)
        finally:
            term.close()
    finally:
        other.delete()


def test_help_fits_in_columns_at_140x42_and_scrolls_at_80x24(local_cluster, ns, tmp_path):
    """? on the deployments screen: at 140x42 every key is on screen at once (columns, as k9s lays it out); at
    80x24 the list scrolls to its last key."""
    wide = Terminal([], hubtui_env(local_cluster.kubeconfig, ns.name, tmp_path / "state"), rows=42, cols=140)
    try:
        wide.wait_for("2 deployments · watching")
        wide.press("?")
        wide.wait_for("Deployments — keys")
        for words in ("the selected deployment, live", "switch to another namespace", "switch to another context",
                      "open psql, redis-cli or a Kafka shell", "destroy an environment", "what happened in this session",
                      "quit hubtui"):
            wide.wait_for(words)
        assert "`" not in wide.text
        wide.press("escape")
        wide.wait_for("2 deployments · watching")
    finally:
        wide.close()
    small = Terminal([], hubtui_env(local_cluster.kubeconfig, ns.name, tmp_path / "state"), rows=24, cols=80)
    try:
        small.wait_for("2 deployments")
        small.press("?")
        small.wait_for("Deployments — keys")
        assert "quit hubtui" not in small.text  # below the fold, not cut off
        small.press("\x1b[6~", "\x1b[6~", "\x1b[6~")  # PgDn
        small.wait_for("quit hubtui")
        small.wait_for("Esc or ? closes this help")
    finally:
        small.close()


def test_b_rolls_a_change_that_is_not_ready_in_time_back_on_the_real_cluster(local_cluster, scratch, tmp_path):
    """b (rollback on failure, with the wait), then a scale-up whose image cannot be pulled: after the wait (the
    config file's scale_timeout) the deployment is back at its count, the screen says why, both are audited."""
    from ..kubehelpers import add_unpullable

    ns = scratch("e2e-rb", {}, ready=False)
    add_unpullable(ns)
    config = tmp_path / "config" / "hubtui" / "config.toml"
    config.parent.mkdir(parents=True)
    config.write_text("scale_timeout = 6\n")
    env = hubtui_env(local_cluster.kubeconfig, ns.name, tmp_path / "state") | {"XDG_CONFIG_HOME": str(config.parents[1])}
    term = Terminal([], env, rows=30, cols=140)
    try:
        term.wait_for("1 deployment · watching")
        term.press("b")
        term.wait_for("ROLLBACK")
        assert "WAIT" in term.text
        term.press("right", "right", "enter")
        term.wait_for("rolled back", timeout=60)
        waited = re.search(r"not ready after (\d+)s", term.text)  # the time it waited: the 6 s, and a loaded
        assert waited and 6 <= int(waited.group(1)) <= 8, term.text  # machine's moment to read the evidence
        term.wait_for("not ready: report-builder:")  # the notification, in the detail view's words
        toast = " ".join(line.split("▌", 1)[1].strip() for line in term.text.splitlines() if "▌" in line)
        assert re.search(r"(ErrImagePull|ImagePullBackOff): image example/no-such-image:9 cannot be pulled "
                         r"\(container report-builder\)", toast), toast
        assert ns.replicas()["report-builder"] == 0
        term.quit()
    finally:
        term.close()
    audit = [line for line in (tmp_path / "state" / "hubtui" / "audit.jsonl").read_text().splitlines()
             if '"report-builder"' in line]
    assert ['"action": "scale"' in audit[0], '"action": "rollback"' in audit[1], len(audit)] == [True, True, 2]
