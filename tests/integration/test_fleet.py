"""The fleet against the real local cluster: hubs as contexts of one kubeconfig, each with a namespace of its
own, beside hubs that cannot be read (a closed port, a server that never answers, a refused token)."""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest
import yaml

from hubtui.audit import AuditLog
from hubtui.errors import UsageError
from hubtui.kube.deployments import ORIGINAL_REPLICAS_ANNOTATION
from hubtui.ops.fleet import (LIVE, MAINTENANCE, NO_HUB, RESTORE, Fleet, act_on_hubs, choose_hubs, versions)
from hubtui.kube.client import FORBIDDEN, UNAUTHORIZED, UNREACHABLE
from hubtui.settings import Settings
from hubtui.present.fleet import result_dict, result_text
from tests.kubehelpers import aliased_kubeconfig, process_runs

ROOT = Path(__file__).resolve().parents[2]


def settings_for(hubs, **kw) -> Settings:
    return Settings.from_env(kubeconfig=hubs["kubeconfig"], **kw)


def test_the_hubs_are_the_contexts_the_patterns_name_each_with_its_namespace(fleet_hubs):
    s = settings_for(fleet_hubs)
    assert [h.context for h in choose_hubs(s)] == ["dev-a", "prod-b", "gone", "silent", "revoked"]
    chosen = choose_hubs(s, ["DEV-*", "prod-?"])  # case-insensitive shell patterns, in the kubeconfig's order
    assert [(h.context, h.namespace) for h in chosen] == [("dev-a", fleet_hubs["dev"].name),
                                                          ("prod-b", fleet_hubs["prod"].name)]
    assert choose_hubs(dataclasses.replace(s, fleet=("prod-*",)))[0].context == "prod-b"  # the config's `fleet`
    # -n wins over each context's own namespace; a context without one has the usual default
    assert {h.namespace for h in choose_hubs(settings_for(fleet_hubs, namespace="other"), ["dev-a", "prod-b"])} == {"other"}
    assert choose_hubs(s, ["gone"])[0].namespace == "llm-analytics-hub"
    with pytest.raises(UsageError, match=r"no context matches 'stagin\*' \(the kubeconfig has: dev-a, prod-b, gone"):
        choose_hubs(s, ["dev-a", "stagin*"])


def test_each_hub_says_its_own_state_and_one_that_never_answers_delays_no_other(fleet_hubs):
    order: list[tuple[str, str]] = []
    fleet = Fleet(settings_for(fleet_hubs), choose_hubs(settings_for(fleet_hubs)),
                  lambda v: order.append((v.context, v.state if v.synced or v.state != LIVE else "listing")))
    fleet.start()
    try:
        assert fleet.wait_settled(30), [(v.context, v.state) for v in fleet.views()]
        views = {v.context: v for v in fleet.views()}
    finally:
        fleet.stop()
    dev, prod = views["dev-a"], views["prod-b"]
    assert (dev.state, dev.synced, [r.name for r in dev.rows], dev.ready) == (LIVE, True, ["api-server", "worker"], 2)
    assert prod.state == LIVE and prod.production and not dev.production  # prod-b matches *prod*
    assert (views["gone"].state, views["gone"].why) == (UNREACHABLE, "connection refused")
    assert (views["silent"].state, views["silent"].why) == (UNREACHABLE, "no answer in time")
    assert views["revoked"].state == UNAUTHORIZED and "401" in views["revoked"].why
    # the hubs that answer were live and listed before the silent one was given up on
    first_silent = next(i for i, (c, s) in enumerate(order) if c == "silent")
    assert {c for c, s in order[:first_silent] if s == LIVE} == {"dev-a", "prod-b"}


def test_a_namespace_that_is_not_there_is_no_hub_and_a_change_is_seen_live(fleet_hubs, kube):
    from kubernetes import client

    s = settings_for(fleet_hubs)
    hubs = choose_hubs(s, ["dev-a"]) + [dataclasses.replace(choose_hubs(s, ["prod-b"])[0], namespace="no-such-ns")]
    fleet = Fleet(s, hubs).start()
    try:
        assert fleet.wait_settled(30)
        assert (fleet.view("prod-b").state, fleet.view("prod-b").why) == (NO_HUB, "namespace no-such-ns not found")
        client.AppsV1Api(kube.api).patch_namespaced_deployment_scale("worker", fleet_hubs["dev"].name,
                                                                      {"spec": {"replicas": 3}})
        with fleet._lock:
            assert fleet._lock.wait_for(lambda: fleet._views["dev-a"].changed_at is not None, 20)
        worker = next(r for r in fleet.view("dev-a").rows if r.name == "worker")
        assert worker.desired == 3
    finally:
        fleet.stop()


def test_versions_mark_the_deployment_whose_images_differ_and_its_odd_cell(fleet_hubs):
    s = settings_for(fleet_hubs)
    fleet = Fleet(s, choose_hubs(s, ["dev-a", "prod-b", "gone"])).start()
    try:
        assert fleet.wait_settled(30)
        rows = {r.deployment: r for r in versions(fleet.views())}
    finally:
        fleet.stop()
    api, worker = rows["api-server"], rows["worker"]
    assert set(api.cells) == {"dev-a", "prod-b"}  # the unread hub has no column
    assert api.differs and api.odd == {"dev-a"}  # against the production hub's images
    assert (api.cells["prod-b"].tags, api.cells["dev-a"].tags) == ("2", "1")
    assert not worker.differs and not worker.odd


def test_maintenance_across_hubs_refuses_a_readonly_hub_on_its_own_and_restores(fleet_hubs, kube):
    from kubernetes import client

    s = dataclasses.replace(settings_for(fleet_hubs), readonly_contexts=("prod-*",))
    hubs = choose_hubs(s, ["dev-a", "prod-b", "gone"])
    seen = []
    results = {r.context: r for r in act_on_hubs(s, hubs, MAINTENANCE, on_result=seen.append)}
    assert sorted(r.context for r in seen) == ["dev-a", "gone", "prod-b"]  # each hub's result as it came
    assert results["dev-a"].ok and result_text(results["dev-a"]) == "done: 2 of 2 deployments changed"
    assert not results["prod-b"].ok and result_text(results["prod-b"]).startswith("refused: read-only (context prod-b")
    assert not results["gone"].ok and "cannot reach the API server" in result_text(results["gone"])
    apps = client.AppsV1Api(kube.api)
    dev, prod = fleet_hubs["dev"].name, fleet_hubs["prod"].name
    for name, count in (("api-server", "2"), ("worker", "1")):
        d = apps.read_namespaced_deployment(name, dev)
        assert (d.spec.replicas, d.metadata.annotations[ORIGINAL_REPLICAS_ANNOTATION]) == (0, count)
        assert apps.read_namespaced_deployment(name, prod).spec.replicas == int(count)  # untouched
    audited = [e for e in AuditLog(s.state_dir).entries() if e["action"] == "scale"]
    assert {(e["context"], e["namespace"], e["deployment"], e["after"]) for e in audited} == {
        ("dev-a", dev, "api-server", 0), ("dev-a", dev, "worker", 0)}
    restored = act_on_hubs(s, hubs[:1], RESTORE)[0]
    assert restored.ok and result_text(restored) == "done: 2 of 2 deployments changed"
    assert apps.read_namespaced_deployment("api-server", dev).spec.replicas == 2


def test_a_stopped_fleet_action_starts_no_new_hub_and_says_so(fleet_hubs, kube):
    from kubernetes import client

    s = settings_for(fleet_hubs)
    cancel = threading.Event()
    cancel.set()
    results = act_on_hubs(s, choose_hubs(s, ["dev-a"]), MAINTENANCE, cancel=cancel)
    assert [(r.context, r.ok, result_text(r)) for r in results] == [("dev-a", False, "not started: stopped")]
    assert client.AppsV1Api(kube.api).read_namespaced_deployment("api-server", fleet_hubs["dev"].name).spec.replicas == 2


def hubtui(*args: str, env_extra: dict | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, **(env_extra or {})}
    return subprocess.run([sys.executable, "-m", "hubtui", *args], capture_output=True, text=True, env=env,
                          cwd=ROOT, timeout=120)


def test_fleet_json_prints_every_hub_and_the_versions_and_exits_1_naming_an_unread_hub(fleet_hubs):
    done = hubtui("fleet", "--kubeconfig", fleet_hubs["kubeconfig"], "--contexts", "dev-a,prod-b,gone", "--json")
    assert done.returncode == 1, done.stderr
    doc = json.loads(done.stdout)
    assert [(h["context"], h["state"], h["deployments"]) for h in doc["hubs"]] == [
        ("dev-a", "live", 2), ("prod-b", "live", 2), ("gone", "unreachable", 0)]
    assert doc["ok"] is False and doc["hubs"][1]["production"] is True
    api = next(v for v in doc["versions"] if v["deployment"] == "api-server")
    assert api["differs"] and api["odd"] == ["dev-a"] and api["hubs"]["prod-b"]["tags"] == "2"
    assert done.stderr.strip() == "hubtui: gone: unreachable: connection refused"
    ok = hubtui("fleet", "--kubeconfig", fleet_hubs["kubeconfig"], "--contexts", "dev-a", "--json")
    assert ok.returncode == 0 and json.loads(ok.stdout)["ok"] is True
    typo = hubtui("fleet", "--kubeconfig", fleet_hubs["kubeconfig"], "--contexts", "dev-b", "--json")
    assert typo.returncode == 2 and "no context matches 'dev-b'" in typo.stderr and not typo.stdout


def test_hubtui_fleet_opens_on_the_hubs_it_started_before_the_screen_and_quits(fleet_hubs, tmp_path):
    """`hubtui fleet` starts the hubs while Textual loads: on screen, each row comes live (or says why not), as a
    person sees it in a terminal, and q ends it."""
    import pexpect

    from tests.e2e.terminal import Terminal

    env = {**os.environ, "XDG_STATE_HOME": str(tmp_path / "state"), "XDG_CONFIG_HOME": str(tmp_path / "config")}
    term = Terminal(["fleet", "--kubeconfig", fleet_hubs["kubeconfig"], "--contexts", "dev-a,prod-b,gone"], env,
                    rows=24, cols=140)
    try:
        term.wait_line("dev-a", "live", "2/2")
        term.wait_line("prod-b", "live", "2/2")
        term.wait_line("gone", "unreachable")
        term.press("q")
        term.child.expect(pexpect.EOF, timeout=20)
        term.child.close()
    finally:
        term.close()
    assert term.child.exitstatus == 0, term.text


@pytest.mark.parametrize("leaving", ["q", "terminal closed"])
def test_a_credential_plugin_still_running_when_the_fleet_quits_is_ended_with_what_it_started(tmp_path, leaving):
    """A hub's plugin runs on the hub's thread, with no terminal (a Ctrl-C on the screen never reaches it, nor
    does the terminal's hangup): hubtui quitting ends it, and the child it started, rather than leaving them
    behind; so does the terminal closing, when hubtui ends at once (os._exit, no atexit)."""
    import time

    import pexpect

    from tests.e2e.terminal import Terminal

    plugin = tmp_path / "slow-plugin"  # records its own pid and its child's, then waits
    plugin.write_text(f"#!/bin/sh\necho $$ >> {tmp_path}/pids\nsleep 60 &\necho $! >> {tmp_path}/pids\nwait\n")
    plugin.chmod(0o755)
    kubeconfig = tmp_path / "kubeconfig"
    kubeconfig.write_text(yaml.safe_dump({
        "apiVersion": "v1", "kind": "Config", "current-context": "slow",
        "clusters": [{"name": "c", "cluster": {"server": "https://127.0.0.1:1"}}],
        "users": [{"name": "u", "user": {"exec": {"apiVersion": "client.authentication.k8s.io/v1",
                                                   "command": str(plugin), "interactiveMode": "Never"}}}],
        "contexts": [{"name": "slow", "context": {"cluster": "c", "user": "u", "namespace": "hub"}}]}))
    env = {**os.environ, "XDG_STATE_HOME": str(tmp_path / "state"), "XDG_CONFIG_HOME": str(tmp_path / "config")}
    term = Terminal(["fleet", "--kubeconfig", str(kubeconfig)], env, rows=24, cols=140)
    try:
        term.wait_line("slow", "connecting")
        deadline = time.monotonic() + 20
        while len((tmp_path / "pids").read_text().split() if (tmp_path / "pids").exists() else []) < 2:
            assert time.monotonic() < deadline, "the plugin never started"
            time.sleep(0.1)
        if leaving == "q":
            term.press("q")
            term.child.expect(pexpect.EOF, timeout=20)
        else:
            term.hang_up(timeout=20)
    finally:
        term.close()
    pids = [int(p) for p in (tmp_path / "pids").read_text().split()]
    deadline = time.monotonic() + 10
    while (running := [p for p in pids if process_runs(p)]) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not running, f"the plugin and what it started are left running: {running}"


def test_scale_across_contexts_gives_each_hubs_result_and_exit_1_naming_those_that_failed(fleet_hubs, kube):
    from kubernetes import client

    done = hubtui("scale", "--kubeconfig", fleet_hubs["kubeconfig"], "--contexts", "dev-a,gone", "--all", "-r", "0",
                  "--json")
    assert done.returncode == 1, done.stderr
    doc = json.loads(done.stdout)
    hubs = {h["context"]: h for h in doc["hubs"]}
    assert hubs["dev-a"]["ok"] and sorted(c["deployment"] for c in hubs["dev-a"]["changes"]) == ["api-server", "worker"]
    assert not hubs["gone"]["ok"] and "cannot reach" in hubs["gone"]["result"]
    assert "hubtui: error: not done on gone" in done.stderr
    apps = client.AppsV1Api(kube.api)
    assert apps.read_namespaced_deployment("worker", fleet_hubs["dev"].name).spec.replicas == 0
    back = hubtui("scale", "--kubeconfig", fleet_hubs["kubeconfig"], "--contexts", "dev-*", "--restore")
    assert back.returncode == 0, back.stderr
    assert "dev-a" in back.stdout and "done: 2 of 2 deployments changed" in back.stdout
    assert apps.read_namespaced_deployment("worker", fleet_hubs["dev"].name).spec.replicas == 1
    bad = hubtui("scale", "--kubeconfig", fleet_hubs["kubeconfig"], "--contexts", "dev-a", "-d", "worker", "-r", "1")
    assert bad.returncode == 2 and "--contexts scales whole hubs" in bad.stderr


def test_scale_across_contexts_waits_for_readiness_and_tags_each_event_with_its_hub(fleet_hubs, kube):
    done = hubtui("scale", "--kubeconfig", fleet_hubs["kubeconfig"], "--contexts", "dev-a,prod-b", "--all", "-r", "2",
                  "--wait", "--timeout", "60", "--ndjson", "--confirm-production", "prod-b")
    assert done.returncode == 0, done.stderr
    lines = [json.loads(line) for line in done.stdout.splitlines()]
    steps = [e for e in lines if e.get("event") == "StepStarted"]
    assert {(e["context"], e["step"]) for e in steps} == {(c, s) for c in ("dev-a", "prod-b")
                                                          for s in ("worker 1→2", "api-server 2→2")}
    hub_results = {e["context"]: e for e in lines if e.get("event") == "HubResult"}
    assert hub_results["dev-a"]["ok"] and hub_results["dev-a"]["not_ready"] == {}
    assert "1 of 2 deployments changed, all ready in" in hub_results["prod-b"]["result"]
    assert lines[-1]["event"] == "Result" and lines[-1]["ok"] is True


def test_a_production_hub_is_changed_only_when_its_name_is_confirmed_and_a_typo_changes_nothing(fleet_hubs,
                                                                                               tmp_path):
    state = {"XDG_STATE_HOME": str(tmp_path / "state")}
    before = fleet_hubs["dev"].replicas(), fleet_hubs["prod"].replicas()
    typo = hubtui("scale", "--kubeconfig", fleet_hubs["kubeconfig"], "--contexts", "dev-a,prod-b", "--all", "-r", "0",
                  "--confirm-production", "prod-a", env_extra=state)
    assert typo.returncode == 2 and typo.stderr.strip() == (
        "hubtui: error: --confirm-production names prod-a, not among the hubs chosen (dev-a, prod-b); name each "
        "production context exactly")
    assert (fleet_hubs["dev"].replicas(), fleet_hubs["prod"].replicas()) == before
    alone = hubtui("scale", "--kubeconfig", fleet_hubs["kubeconfig"], "-d", "worker", "-r", "0",
                   "--confirm-production", "prod-b", env_extra=state)
    assert alone.returncode == 2 and "--confirm-production goes with --contexts" in alone.stderr
    done = hubtui("scale", "--kubeconfig", fleet_hubs["kubeconfig"], "--contexts", "dev-a,prod-b", "--all", "-r", "0",
                  env_extra=state)
    assert done.returncode == 1
    rows = dict(line.split(None, 1) for line in done.stdout.splitlines()[1:])
    as_json = hubtui("scale", "--kubeconfig", fleet_hubs["kubeconfig"], "--contexts", "prod-b", "--all", "-r", "0",
                     "--json", env_extra=state)
    [refused] = json.loads(as_json.stdout)["hubs"]
    assert (refused["outcome"], refused["refused"]) == ("refused", "production")
    assert rows["dev-a"].split(None, 1)[1].strip() == "done: 2 of 2 deployments changed"
    assert rows["prod-b"].split(None, 1)[1].strip() == "refused: a production hub, and its name was not confirmed"
    assert done.stderr.splitlines()[-2:] == ["hubtui: error: not done on prod-b",
                                             "hubtui: to change a production hub, name it: --confirm-production prod-b"]
    assert fleet_hubs["dev"].replicas() == {"api-server": 0, "worker": 0}
    assert fleet_hubs["prod"].replicas() == before[1]
    dry = hubtui("scale", "--kubeconfig", fleet_hubs["kubeconfig"], "--contexts", "prod-b", "--all", "-r", "0",
                 "--dry-run", env_extra=state)  # a dry run changes nothing: no name needed
    assert dry.returncode == 0 and "done: 2 of 2 deployments would change" in dry.stdout


def test_two_contexts_that_reach_the_same_hub_change_it_once(fleet_hubs, tmp_path):
    path = aliased_kubeconfig(fleet_hubs["kubeconfig"], tmp_path / "aliased-kubeconfig", dev_alias="dev-a",
                              prod_alias="prod-b")
    done = hubtui("scale", "--kubeconfig", str(path), "--contexts", "dev-*", "--all", "-r", "0", "--json",
                  env_extra={"XDG_STATE_HOME": str(tmp_path / "state")})
    assert done.returncode == 0, done.stderr
    hubs = {h["context"]: h for h in json.loads(done.stdout)["hubs"]}
    assert hubs["dev-a"]["result"] == "done: 2 of 2 deployments changed"
    assert hubs["dev-alias"]["result"] == "the same hub as dev-a (its server and namespace): changed once, there"
    assert hubs["dev-alias"]["changes"] == []
    log = [json.loads(line) for line in (tmp_path / "state" / "hubtui" / "audit.jsonl").read_text().splitlines()]
    assert sorted((e["context"], e["deployment"]) for e in log if e["action"] == "scale") == [
        ("dev-a", "api-server"), ("dev-a", "worker")]
    assert fleet_hubs["dev"].replicas() == {"api-server": 0, "worker": 0}
    # a production hub reached by two contexts: the one whose name was confirmed acts; the other says so
    prod = hubtui("scale", "--kubeconfig", str(path), "--contexts", "prod-*", "--all", "-r", "0", "--json",
                  "--confirm-production", "prod-alias", env_extra={"XDG_STATE_HOME": str(tmp_path / "state")})
    assert prod.returncode == 0, prod.stderr
    hubs = {h["context"]: h for h in json.loads(prod.stdout)["hubs"]}
    assert hubs["prod-alias"]["result"] == "done: 2 of 2 deployments changed"
    assert hubs["prod-b"]["result"] == "the same hub as prod-alias (its server and namespace): changed once, there"
    assert (hubs["prod-b"]["outcome"], hubs["prod-b"]["same_hub_as"]) == ("same hub", "prod-alias")
    assert fleet_hubs["prod"].replicas() == {"api-server": 0, "worker": 0}


def test_a_hub_that_one_of_its_contexts_declares_read_only_is_read_only_through_all_of_them(fleet_hubs, tmp_path):
    """readonly_contexts protects a hub, not one name for it: dev-alias (read-only) and dev-a reach the same
    server and namespace, so dev-a is refused too, and says through which context; nothing changes."""
    path = aliased_kubeconfig(fleet_hubs["kubeconfig"], tmp_path / "aliased-kubeconfig", dev_alias="dev-a")
    s = Settings.from_env({"XDG_STATE_HOME": str(tmp_path / "state")}, kubeconfig=str(path))
    s = dataclasses.replace(s, readonly_contexts=("dev-alias",))
    before = fleet_hubs["dev"].replicas()
    results = {r.context: r for r in act_on_hubs(s, choose_hubs(s, ["dev-*"]), MAINTENANCE)}
    assert result_text(results["dev-alias"]).startswith("refused: read-only (context dev-alias")
    assert result_text(results["dev-a"]).startswith(
        "refused: read-only through dev-alias, the same hub (its server and namespace): context dev-alias")
    assert not results["dev-a"].ok and result_dict(results["dev-a"])["readonly_through"] == "dev-alias"
    assert fleet_hubs["dev"].replicas() == before
    # dev-a alone: the read-only context is not among the hubs acted on, and still protects the hub
    [alone] = act_on_hubs(s, choose_hubs(s, ["dev-a"]), MAINTENANCE)
    assert result_text(alone).startswith("refused: read-only through dev-alias"), result_text(alone)
    assert fleet_hubs["dev"].replicas() == before
    # and the fleet's own row says it is read-only, through which context
    fleet = Fleet(s, choose_hubs(s, ["dev-a"])).start()
    try:
        assert fleet.wait_settled(30)
        view = fleet.view("dev-a")
    finally:
        fleet.stop()
    assert (view.readonly_through, view.to_dict()["readonly_through"]) == ("dev-alias", "dev-alias")
    assert "dev-alias" in (view.readonly or "")
    # a dry run changes nothing and is not refused
    dry = {r.context: r for r in act_on_hubs(s, choose_hubs(s, ["dev-*"]), MAINTENANCE, dry_run=True)}
    assert dry["dev-a"].ok
    # nor is it a fleet rule only: one hub's scale, restore, destroy or shell through dev-a is refused alike
    config = tmp_path / "config" / "hubtui"
    config.mkdir(parents=True)
    (config / "config.toml").write_text('readonly_contexts = ["dev-alias"]\n')
    env = {"XDG_CONFIG_HOME": str(tmp_path / "config"), "XDG_STATE_HOME": str(tmp_path / "state")}
    ns = fleet_hubs["dev"].name
    for argv in (["scale", "--all", "-r", "0"], ["scale", "--restore"], ["connect", "redis", "-c", "PING"]):
        refused = hubtui(*argv, "--kubeconfig", str(path), "--context", "dev-a", "-n", ns, env_extra=env)
        assert refused.returncode == 2 and "read-only (through context dev-alias, the same hub (its server and " \
            "namespace)" in refused.stderr and "nothing was changed" in refused.stderr, (argv, refused.stderr)
    from hubtui.kube.client import connect
    from hubtui.ops.cleanup.failures import Destroying
    from hubtui.ops.cleanup.session import ClusterCleanup
    from hubtui.readonly import ReadOnlyError

    one = Settings.from_env(env, kubeconfig=str(path), context="dev-a", namespace=ns)
    conn = connect(one)
    try:  # a destroy asks the same before its lock (the CLI's own name check refuses this namespace's name first)
        with pytest.raises(ReadOnlyError, match="through context dev-alias"):
            ClusterCleanup(conn, one).refuse_if_readonly(Destroying("dev"), ns)
    finally:
        conn.close()
    assert fleet_hubs["dev"].replicas() == before
    assert hubtui("scale", "--all", "-r", "0", "--dry-run", "--kubeconfig", str(path), "--context", "dev-a", "-n", ns,
                  env_extra=env).returncode == 0  # a plan or a dry run still reads


def test_a_hub_whose_labels_cannot_be_read_may_be_production_and_needs_its_name(fleet_hubs, kube, tmp_path):
    from tests.kubehelpers import restricted_kubeconfig

    scaler = restricted_kubeconfig(kube.api, tmp_path / "scaler-kubeconfig", fleet_hubs["dev"].name, rules=[
        {"apiGroups": ["apps"], "resources": ["deployments"], "verbs": ["get", "list", "watch", "patch", "update"]},
        {"apiGroups": ["apps"], "resources": ["deployments/scale"], "verbs": ["get", "patch", "update"]}])
    s = Settings.from_env({"XDG_STATE_HOME": str(tmp_path / "state")}, kubeconfig=scaler)
    hubs = choose_hubs(s)
    before = fleet_hubs["dev"].replicas()
    [result] = act_on_hubs(s, hubs, MAINTENANCE)
    assert not result.ok and result_text(result) == ("refused: its namespace's labels could not be read, so it may "
                                                     "be production, and its name was not confirmed")
    assert fleet_hubs["dev"].replicas() == before
    [result] = act_on_hubs(s, hubs, MAINTENANCE, confirmed=["nobody"])
    assert result.ok, result_text(result)
    assert fleet_hubs["dev"].replicas() == {"api-server": 0, "worker": 0}


def test_a_hub_that_may_not_list_deployments_is_forbidden_from_a_kubeconfig_list(fleet_hubs, kube, tmp_path):
    from tests.kubehelpers import restricted_kubeconfig

    nobody = restricted_kubeconfig(kube.api, tmp_path / "nobody-kubeconfig", fleet_hubs["dev"].name)
    s = Settings.from_env(kubeconfig=f"{fleet_hubs['kubeconfig']}{os.pathsep}{nobody}")
    hubs = choose_hubs(s, ["nobody", "dev-a"])  # one context from each file
    assert [h.context for h in hubs] == ["dev-a", "nobody"]
    fleet = Fleet(s, hubs).start()
    try:
        assert fleet.wait_settled(30)
        view = fleet.view("nobody")
    finally:
        fleet.stop()
    assert (view.state, view.synced) == (FORBIDDEN, False) and "403" in view.why
    assert fleet.view("dev-a").state == LIVE


def test_a_live_hub_that_goes_away_says_so_and_comes_back_by_itself(api_proxy, local_cluster):
    s = Settings.from_env(kubeconfig=str(api_proxy.kubeconfig))
    fleet = Fleet(s, choose_hubs(s)).start()
    context = fleet.hubs[0].context

    def state_is(*states: str):
        with fleet._lock:
            return fleet._lock.wait_for(lambda: fleet._views[context].state in states
                                        and (fleet._views[context].synced or states != (LIVE,)), 30)
    try:
        assert state_is(LIVE) and fleet.view(context).rows
        api_proxy.cut()
        assert state_is(UNREACHABLE), fleet.view(context)
        assert "cannot reach the API server" in fleet.view(context).why
        api_proxy.restore()
        assert state_is(LIVE), fleet.view(context)
    finally:
        fleet.stop()


def settled_fleet(config: dict, tmp_path) -> Fleet:
    """A fleet of every context of `config` (a kubeconfig, written to tmp_path), started and settled."""
    path = tmp_path / "kubeconfig"
    path.write_text(yaml.safe_dump(config))
    s = Settings.from_env(kubeconfig=str(path))
    fleet = Fleet(s, choose_hubs(s)).start()
    if not fleet.wait_settled(30):
        fleet.stop()
        raise AssertionError("the fleet did not settle in 30 s")
    return fleet


def test_exec_plugins_of_several_hubs_run_at_the_same_time(local_cluster, tmp_path):
    """Each hub's plugin runs on its own hub's thread, concurrently with the others' (a slow sign-in delays
    no other hub), and each hub goes live on the credential its plugin gave."""
    config = yaml.safe_load(Path(local_cluster.kubeconfig).read_text())
    cluster, user = config["clusters"][0], config["users"][0]["user"]
    script = tmp_path / "plugin.py"
    script.write_text(
        "import json, os, pathlib, sys, time\n"
        "log = pathlib.Path(sys.argv[1])\n"
        "start = time.time(); time.sleep(1.0)\n"
        "with open(log, 'a') as f: f.write(f'{start} {time.time()}\\n')\n"
        f"cert = pathlib.Path({user['client-certificate']!r}).read_text()\n"
        f"key = pathlib.Path({user['client-key']!r}).read_text()\n"
        "info = json.loads(os.environ['KUBERNETES_EXEC_INFO'])\n"
        "print(json.dumps({'apiVersion': info['apiVersion'], 'kind': 'ExecCredential',\n"
        "                  'status': {'clientCertificateData': cert, 'clientKeyData': key}}))\n")
    log = tmp_path / "runs.log"
    config["users"] = [{"name": f"u{i}", "user": {"exec": {
        "apiVersion": "client.authentication.k8s.io/v1", "command": sys.executable, "args": [str(script), str(log)],
        "interactiveMode": "Never"}}} for i in (1, 2)]
    config["contexts"] = [{"name": f"plugged-{i}", "context": {"cluster": cluster["name"], "user": f"u{i}"}}
                          for i in (1, 2)]
    fleet = settled_fleet(config, tmp_path)
    try:
        assert [(v.context, v.state) for v in fleet.views()] == [("plugged-1", LIVE), ("plugged-2", LIVE)]
    finally:
        fleet.stop()
    (s1, e1), (s2, e2) = sorted(tuple(map(float, line.split())) for line in log.read_text().splitlines())
    assert s2 < e1  # the second plugin started before the first had finished


def test_a_credential_plugin_that_never_answers_is_given_up_on_its_own_row(local_cluster, tmp_path, monkeypatch):
    """A sign-in that hangs (`aws eks get-token` waiting on a network that is gone) is ended after its time
    (http.EXEC_TIMEOUT, made short here): its row says why, and the other hub is live meanwhile."""
    import hubtui.kube.http as http

    monkeypatch.setattr(http, "EXEC_TIMEOUT", 1.5)
    config = yaml.safe_load(Path(local_cluster.kubeconfig).read_text())
    cluster = config["clusters"][0]
    config["users"].append({"name": "hangs", "user": {"exec": {
        "apiVersion": "client.authentication.k8s.io/v1", "command": sys.executable,
        "args": ["-c", "import time; time.sleep(600)"], "interactiveMode": "Never"}}})
    config["contexts"] = [{"name": "signs-in", "context": {"cluster": cluster["name"],
                                                           "user": config["users"][0]["name"]}},
                          {"name": "hangs", "context": {"cluster": cluster["name"], "user": "hangs"}}]
    fleet = settled_fleet(config, tmp_path)
    try:
        views = {v.context: v for v in fleet.views()}
        assert views["signs-in"].state == LIVE
        assert views["hangs"].state != LIVE and "1.5" in views["hangs"].why, views["hangs"]
    finally:
        fleet.stop()


def test_hubs_on_separate_clusters_one_stopped_mid_test_maintenance_and_restore(local_cluster, doomed_cluster,
                                                                                another_doomed_cluster, kube,
                                                                                scratch, tmp_path):
    """Three clusters side by side: dev, staging (its namespace labelled staging) and production (labelled
    production): the versions across clusters, the production cluster's API server stopped (its row says so,
    the others keep updating) and started again (it recovers by itself), then maintenance and restore across dev
    and production with the exact counts back and every audit line naming its context."""
    from kubernetes import client

    from hubtui.kube.client import connect

    dev = scratch("fleet-dev", {"api-server": 2, "worker-service": 1})
    for cluster, environment in ((another_doomed_cluster, "staging"), (doomed_cluster, "production")):
        conn = connect(Settings.from_env(kubeconfig=str(cluster.kubeconfig)))
        client.CoreV1Api(conn.api).patch_namespace("llm-analytics-hub",
                                                   {"metadata": {"labels": {"environment": environment}}})
        conn.close()

    def one(cluster, context: str, namespace: str) -> dict:
        config = yaml.safe_load(Path(cluster.kubeconfig).read_text())
        config["contexts"] = [{"name": context, "context": {**config["contexts"][0]["context"],
                                                            "namespace": namespace}}]
        config["current-context"] = context
        path = tmp_path / f"{context}.kubeconfig"
        path.write_text(yaml.safe_dump(config))
        return path

    paths = [one(local_cluster, "hub-dev", dev.name), one(another_doomed_cluster, "hub-staging", "llm-analytics-hub"),
             one(doomed_cluster, "hub-eu", "llm-analytics-hub")]
    s = Settings.from_env(kubeconfig=os.pathsep.join(map(str, paths)))
    fleet = Fleet(s, choose_hubs(s)).start()

    def until(check, timeout: float = 30) -> bool:
        with fleet._lock:
            return fleet._lock.wait_for(check, timeout)

    try:
        assert fleet.wait_settled(30)
        views = {v.context: v for v in fleet.views()}
        assert [(c, v.state, v.environment, v.production) for c, v in views.items()] == [
            ("hub-dev", LIVE, "", False), ("hub-staging", LIVE, "staging", False), ("hub-eu", LIVE, "production", True)]
        api = next(r for r in versions(fleet.views()) if r.deployment == "api-server")
        assert api.differs and api.odd == {"hub-dev"}  # staging and production run the hub's image, dev another

        saved = doomed_cluster.stop_apiserver()
        assert until(lambda: fleet._views["hub-eu"].state == UNREACHABLE)
        client.AppsV1Api(kube.api).patch_namespaced_deployment_scale("worker-service", dev.name,
                                                                      {"spec": {"replicas": 2}})
        assert until(lambda: any(r.name == "worker-service" and r.desired == 2 for r in fleet._views["hub-dev"].rows))
        assert fleet.view("hub-eu").state == UNREACHABLE and fleet.view("hub-staging").state == LIVE
        doomed_cluster.start_apiserver(saved)
        assert until(lambda: fleet._views["hub-eu"].state == LIVE and fleet._views["hub-eu"].synced, 60)
        before = {r.name: r.desired for r in fleet.view("hub-eu").rows}
    finally:
        fleet.stop()

    hubs = [h for h in choose_hubs(s) if h.context in ("hub-dev", "hub-eu")]
    # hub-eu's name says nothing; its namespace's label says production: not changed unless its name is confirmed
    [unconfirmed] = act_on_hubs(s, hubs[1:], MAINTENANCE)
    assert not unconfirmed.ok and result_text(unconfirmed) == "refused: a production hub, and its name was not confirmed"
    assert all(r.ok for r in act_on_hubs(s, hubs, MAINTENANCE, confirmed=["hub-eu"]))
    assert all(r.ok for r in act_on_hubs(s, hubs, RESTORE, confirmed=["hub-eu"]))
    fleet = Fleet(s, hubs).start()
    try:
        assert fleet.wait_settled(30)
        assert {r.name: r.desired for r in fleet.view("hub-eu").rows} == before
        assert {r.name: r.desired for r in fleet.view("hub-dev").rows} == {"api-server": 2, "worker-service": 2}
    finally:
        fleet.stop()
    audited = {(e["context"], e["action"]) for e in AuditLog(s.state_dir).entries()}
    assert {("hub-dev", "scale"), ("hub-eu", "scale"), ("hub-dev", "restore"), ("hub-eu", "restore")} <= audited


def test_a_hub_whose_change_is_not_ready_in_time_is_rolled_back_and_the_other_keeps_its_change(fleet_hubs, kube,
                                                                                              tmp_path):
    """`hubtui scale --contexts … --wait --rollback-on-failure`, as an operator runs it: exit 1 naming the hub,
    its changes put back (each named with why, in the detail view's words), the other hub's kept, and every
    change and rollback audited with its context."""
    from tests.kubehelpers import add_unpullable

    add_unpullable(fleet_hubs["dev"])
    done = hubtui("scale", "--kubeconfig", fleet_hubs["kubeconfig"], "--contexts", "dev-a,prod-b", "--all", "-r", "2",
                  "--wait", "--timeout", "6", "--rollback-on-failure", "--json", "--confirm-production", "prod-b",
                  env_extra={"XDG_STATE_HOME": str(tmp_path / "state")})
    assert done.returncode == 1, done.stderr
    assert "hubtui: error: not done on dev-a" in done.stderr
    hubs = {h["context"]: h for h in json.loads(done.stdout)["hubs"]}
    dev, prod = hubs["dev-a"], hubs["prod-b"]
    assert not dev["ok"] and dev["result"].startswith("not ready after 6 s: report-builder: ")
    assert "image example/no-such-image:9 cannot be pulled (container report-builder)" in dev["result"]
    assert dev["result"].endswith("; rolled back 2 of 2")  # worker 1→2 and report-builder 0→2, each put back
    assert sorted((c["deployment"], c["from"], c["to"]) for c in dev["rolled_back"]) == [
        ("report-builder", 2, 0), ("worker", 2, 1)]
    assert fleet_hubs["dev"].replicas() == {"api-server": 2, "worker": 1, "report-builder": 0}
    assert prod["ok"] and prod["result"].startswith("done: 1 of 2 deployments changed, all ready in")
    assert fleet_hubs["prod"].replicas() == {"api-server": 2, "worker": 2}
    log = [json.loads(line) for line in (tmp_path / "state" / "hubtui" / "audit.jsonl").read_text().splitlines()]
    assert sorted((e["context"], e["action"], e["deployment"]) for e in log if e.get("deployment") in
                  ("worker", "report-builder")) == [
        ("dev-a", "rollback", "report-builder"), ("dev-a", "rollback", "worker"), ("dev-a", "scale", "report-builder"),
        ("dev-a", "scale", "worker"), ("prod-b", "scale", "worker")]


def test_a_context_that_now_points_at_another_server_is_not_changed(fleet_hubs, tmp_path):
    """The kubeconfig changed after the fleet read it (`aws eks update-kubeconfig --alias …`): the hub's
    context reaches another server than the one shown, so nothing is changed there."""
    s = settings_for(fleet_hubs)
    hubs = choose_hubs(s, ["dev-a"])
    config = yaml.safe_load(Path(fleet_hubs["kubeconfig"]).read_text())
    server = config["clusters"][0]["cluster"]["server"]
    config["clusters"][0]["cluster"]["server"] = server.replace("127.0.0.1", "localhost")
    Path(fleet_hubs["kubeconfig"]).write_text(yaml.safe_dump(config))
    before = fleet_hubs["dev"].replicas()
    [result] = act_on_hubs(s, hubs, MAINTENANCE)
    assert not result.ok and result_text(result) == (
        f"failed: the context dev-a now points at {server.replace('127.0.0.1', 'localhost')}, not {server}: not "
        "changed (open the fleet again)")
    assert fleet_hubs["dev"].replicas() == before


def test_a_namespace_that_comes_from_the_context_and_is_no_hubs_is_refused(fleet_hubs, tmp_path):
    """kubens kube-system on a context: the fleet does not scale kube-system to 0; $NAMESPACE, the config file and
    -n name the hub's namespace above the context's own."""
    config = yaml.safe_load(Path(fleet_hubs["kubeconfig"]).read_text())
    config["contexts"][0]["context"]["namespace"] = "kube-system"  # dev-a
    path = tmp_path / "kubens-kubeconfig"
    path.write_text(yaml.safe_dump(config))
    s = Settings.from_env({"HOME": str(tmp_path), "XDG_STATE_HOME": str(tmp_path / "state")}, kubeconfig=str(path))
    [hub] = choose_hubs(s, ["dev-a"])
    assert (hub.namespace, hub.namespace_from) == ("kube-system", "context")
    [result] = act_on_hubs(s, [hub], MAINTENANCE)
    assert not result.ok and result_text(result) == ("refused: namespace kube-system comes from the context and is "
                                                      "no hub's: name the hub's with -n")
    named = Settings.from_env({"HOME": str(tmp_path), "NAMESPACE": fleet_hubs["dev"].name}, kubeconfig=str(path))
    assert [h.namespace for h in choose_hubs(named, ["dev-a", "prod-b"])] == [fleet_hubs["dev"].name] * 2


def test_ctrl_c_while_a_hub_waits_says_stopped_and_rolls_nothing_back(fleet_hubs):
    from tests.kubehelpers import add_unpullable

    add_unpullable(fleet_hubs["dev"])
    s = settings_for(fleet_hubs)
    cancel = threading.Event()

    def emit_for(hub):
        def emit(event):
            if type(event).__name__ == "Progress" and event.step == "wait":  # the wait began: Ctrl-C now
                cancel.set()
        return emit

    [result] = act_on_hubs(s, choose_hubs(s, ["dev-a"]), MAINTENANCE, replicas=2, wait=120, rollback=True,
                           cancel=cancel, emit_for=emit_for)
    assert not result.ok and not result.rolled_back
    assert result_text(result).startswith("stopped while waiting: 2 of 3 deployments changed, ")
    assert result_text(result).endswith("not known to be ready (nothing rolled back)")
    assert fleet_hubs["dev"].replicas() == {"api-server": 2, "worker": 2, "report-builder": 2}
