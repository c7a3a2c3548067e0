"""Read-only mode against the real parts: every mutating command is refused by the CLI with nothing changed,
plans and dry runs still work, psql opens in a read-only transaction (the real PostgreSQL refuses an INSERT
through the pty), the Redis and Kafka shells are refused, and a context pattern in the config file turns it
on by itself."""

from __future__ import annotations

import subprocess
import sys

import pexpect
import pytest
from kubernetes import client

from cluster.localcluster import HUB_NAMESPACE

from .terminal import Terminal, hubtui_env

pytestmark = pytest.mark.cluster


@pytest.fixture
def env(local_cluster, tmp_path):
    return hubtui_env(local_cluster.kubeconfig, HUB_NAMESPACE, tmp_path / "state") | {
        "PATH": local_cluster.env()["PATH"], "XDG_CONFIG_HOME": str(tmp_path / "config")}


def run_hubtui(env, *args):
    return subprocess.run([sys.executable, "-m", "hubtui", *args], env=env, capture_output=True, text=True,
                          timeout=60, stdin=subprocess.DEVNULL)


def cluster_state(kube) -> dict:
    apps = client.AppsV1Api(kube.api)
    namespaces = {n.metadata.name for n in client.CoreV1Api(kube.api).list_namespace().items
                  if n.metadata.deletion_timestamp is None}  # one an earlier test dropped may go meanwhile
    return {"namespaces": namespaces, **{d.metadata.name: (d.metadata.generation, d.spec.replicas,
                                                           tuple(sorted((d.metadata.annotations or {}).items())))
                                         for d in apps.list_namespaced_deployment(HUB_NAMESPACE).items}}


@pytest.mark.parametrize("switch", ["flag", "env"])
@pytest.mark.parametrize("command", [
    ["scale", "--deployment", "api-server", "--replicas", "5"],
    ["scale", "--all", "--replicas", "0"],
    ["scale", "--restore", "--force"],
    ["cleanup", "-e", "dev", "-p", "k8s", "--force"],
    ["connect", "redis"],
    ["connect", "kafka"],
])
def test_every_mutating_command_is_refused_and_changes_nothing(env, kube, tmp_path, command, switch):
    before = cluster_state(kube)
    args = [*command, "--readonly"] if switch == "flag" else command
    proc = run_hubtui(env | ({"HUBTUI_READONLY": "1"} if switch == "env" else {}), *args)
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.startswith("hubtui: error: read-only (") and proc.stderr.count("\n") == 1
    assert "is refused; nothing was changed" in proc.stderr
    assert cluster_state(kube) == before
    assert not (tmp_path / "state" / "hubtui" / "audit.jsonl").exists()


def test_plans_and_dry_runs_still_work_in_read_only(env, kube):
    before = cluster_state(kube)
    assert run_hubtui(env, "cleanup", "-e", "dev", "-p", "k8s", "--dry-run", "--readonly").returncode == 0
    proc = run_hubtui(env, "scale", "-d", "api-server", "-r", "4", "--dry-run", "--readonly")
    assert proc.returncode == 0, proc.stderr
    assert cluster_state(kube) == before


def test_a_context_pattern_in_the_config_file_turns_read_only_on(env, kube, local_cluster, tmp_path):
    folder = tmp_path / "config" / "hubtui"
    folder.mkdir(parents=True)
    (folder / "config.toml").write_text('readonly_contexts = ["kwok-*"]\n')
    before = cluster_state(kube)
    proc = run_hubtui(env, "scale", "-d", "api-server", "-r", "5")
    assert proc.returncode == 2
    assert f"context {kube.context} matches the read-only pattern 'kwok-*'" in proc.stderr
    assert cluster_state(kube) == before


def test_psql_in_read_only_refuses_an_insert_but_reads(env):
    term = Terminal(["connect", "timescaledb", "--readonly"], env)
    try:
        term.wait_for("Read-only: every transaction is read-only (--readonly)")
        term.wait_for("llm_analytics=#")
        term.press(*"select count(*) > 0 as has_rows from llm_requests;", "enter")
        term.wait_line("t")
        term.press(*"insert into llm_requests (model) values ('x');", "enter")
        term.wait_for("cannot execute INSERT in a read-only transaction")
        term.press(*"\\q", "enter")
        term.child.expect(pexpect.EOF, timeout=15)
    finally:
        term.close()
