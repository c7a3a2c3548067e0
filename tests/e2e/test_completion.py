"""Tab completion in a real bash, against the local cluster: commands, flags, choices, contexts from the
kubeconfig, namespaces and deployments from the cluster; an unreachable cluster offers nothing and prints
nothing into the shell."""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pexpect
import pytest
import yaml

from cluster.localcluster import HUB_NAMESPACE
from tests.kubehelpers import process_runs

pytestmark = pytest.mark.cluster
BIN = str(Path(sys.executable).parent)


@pytest.fixture
def bash_env(local_cluster, tmp_path):
    return {"PATH": f"{BIN}:{os.environ['PATH']}", "HOME": str(tmp_path), "KUBECONFIG": str(local_cluster.kubeconfig),
            "XDG_CONFIG_HOME": str(tmp_path / "config"), "XDG_STATE_HOME": str(tmp_path / "state"), "TERM": "dumb"}


def offered(env: dict, *words: str) -> list[str]:
    """What bash's completion function gives for `hubtui WORDS…` (the last word: the one being typed)."""
    import shlex

    quoted = " ".join(shlex.quote(w) for w in words)
    line = shlex.quote("hubtui " + " ".join(words))
    script = ("source <(hubtui completion bash)\n"
              f"COMP_LINE={line}; COMP_POINT=${{#COMP_LINE}}; COMP_WORDS=(hubtui {quoted}); COMP_CWORD={len(words)}; "
              "_hubtui\n"
              'printf "%s\\n" "${COMPREPLY[@]}"\n')
    done = subprocess.run(["bash", "--norc", "-c", script], env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and not done.stderr, done.stderr
    return [w for w in done.stdout.splitlines() if w]


def test_commands_flags_and_choices(bash_env):
    assert offered(bash_env, "sc") == ["scale"]
    assert offered(bash_env, "scale", "--re") == ["--readonly", "--replicas", "--restore"]
    assert offered(bash_env, "connect", "") == ["timescaledb", "redis", "kafka"]
    assert offered(bash_env, "cleanup", "-p", "") == ["aws", "gcp", "azure", "k8s"]
    assert offered(bash_env, "completion", "") == ["bash", "fish", "zsh"]


def test_contexts_namespaces_and_deployments_come_from_the_kubeconfig_and_the_cluster(bash_env, local_cluster, kube,
                                                                                       scratch):
    ns = scratch("tab", {"api-gateway": 1, "api-server": 1}, ready=False)
    assert offered(bash_env, "--context", "") == [local_cluster.context]
    assert HUB_NAMESPACE in offered(bash_env, "-n", "llm-")
    assert offered(bash_env, "scale", "-n", ns.name, "-d", "api-") == ["api-gateway", "api-server"]
    assert offered(bash_env, "scale", "-d", "api-") == ["api-server"]  # the default namespace's (the hub)
    assert offered(bash_env, "scale", "--namespace", ns.name, "--deployment", "api-g") == ["api-gateway"]
    assert offered(bash_env, "scale", "--contexts", "") == [local_cluster.context]


def test_a_user_who_may_not_list_namespaces_is_offered_those_the_kubeconfig_and_settings_name(bash_env, kube,
                                                                                             scratch, tmp_path):
    from tests.kubehelpers import restricted_kubeconfig

    ns = scratch("tabonly", {}, ready=False)
    viewer = restricted_kubeconfig(kube.api, tmp_path / "viewer", ns.name, rules=[
        {"apiGroups": ["apps"], "resources": ["deployments"], "verbs": ["list"]}])
    env = bash_env | {"KUBECONFIG": viewer}
    assert offered(env, "-n", "") == sorted([ns.name, HUB_NAMESPACE])  # its context's, and the default
    assert offered(env | {"NAMESPACE": "hub-x"}, "-n", "") == sorted([ns.name, "hub-x"])


def test_an_unreachable_cluster_offers_nothing_and_says_nothing(bash_env, local_cluster, tmp_path):
    config = yaml.safe_load(Path(local_cluster.kubeconfig).read_text())
    config["clusters"][0]["cluster"]["server"] = "https://127.0.0.1:1"
    gone = tmp_path / "gone-kubeconfig"
    gone.write_text(yaml.safe_dump(config))
    assert offered(bash_env | {"KUBECONFIG": str(gone)}, "scale", "-n", "") == []


def test_a_lookup_that_gets_no_answer_is_given_up_on_and_says_nothing(bash_env, tmp_path):
    """A credential plugin that never answers, a server that takes the connection and never answers: Tab
    offers nothing, prints nothing, and the shell has its prompt back within the lookup's bound."""
    import socket
    import time

    plugin = tmp_path / "slow-plugin"  # records its own pid and its child's
    plugin.write_text(f"#!/bin/sh\necho $$ >> {tmp_path}/pids\nsleep 30 &\necho $! >> {tmp_path}/pids\nwait\n")
    plugin.chmod(0o755)
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(8)  # takes connections, never answers
    try:
        for user in ({"exec": {"apiVersion": "client.authentication.k8s.io/v1", "command": str(plugin),
                               "interactiveMode": "Never"}}, {"token": "x"}):
            kubeconfig = tmp_path / "kubeconfig"
            kubeconfig.write_text(yaml.safe_dump({
                "apiVersion": "v1", "kind": "Config", "current-context": "slow",
                "clusters": [{"name": "c", "cluster": {"server": f"https://127.0.0.1:{silent.getsockname()[1]}",
                                                       "insecure-skip-tls-verify": True}}],
                "users": [{"name": "u", "user": user}],
                "contexts": [{"name": "slow", "context": {"cluster": "c", "user": "u"}}]}))
            started = time.monotonic()
            assert offered(bash_env | {"KUBECONFIG": str(kubeconfig)}, "-n", "") == []
            assert time.monotonic() - started < 10, user  # the bound is 2 s; the plugin alone would take 30
    finally:
        silent.close()
    pids = [int(p) for p in (tmp_path / "pids").read_text().split()]
    assert len(pids) == 2
    deadline = time.monotonic() + 10
    while (running := [p for p in pids if process_runs(p)]) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not running, f"the plugin and what it started are left running: {running}"


def test_tab_in_an_interactive_bash_completes_the_command(bash_env):
    rc = Path(bash_env["HOME"]) / ".bashrc"
    rc.write_text("PS1='$ '\nsource <(hubtui completion bash)\n")
    child = pexpect.spawn("bash", ["--rcfile", str(rc), "-i"], env=bash_env, encoding="utf-8", timeout=30)
    try:
        child.expect_exact("$ ")
        child.send("hubtui connect ti\t")
        child.expect_exact("hubtui connect timescaledb")
    finally:
        child.close(force=True)


def test_tab_completes_context_names_with_colons_and_after_an_equals_sign(bash_env, tmp_path):
    """bash splits words at : and = too: an EKS context (arn:aws:eks:…) and --context=… complete whole."""
    eks = "arn:aws:eks:eu-west-1:123456789012:cluster/hub-"
    kubeconfig = tmp_path / "eks-kubeconfig"
    kubeconfig.write_text(yaml.safe_dump({
        "apiVersion": "v1", "kind": "Config", "current-context": "kind-dev",
        "clusters": [{"name": "c", "cluster": {"server": "https://127.0.0.1:1"}}],
        "users": [{"name": "u", "user": {"token": "x"}}],
        "contexts": [{"name": n, "context": {"cluster": "c", "user": "u"}}
                     for n in (f"{eks}dev", f"{eks}prod", "kind-dev")]}))
    rc = Path(bash_env["HOME"]) / ".bashrc"
    rc.write_text("PS1='$ '\nsource <(hubtui completion bash)\n")
    for typed, shown in ((f"hubtui --context {eks}d\t", f"hubtui --context {eks}dev "),
                         (f"hubtui scale --context {eks}p\t", f"hubtui scale --context {eks}prod "),
                         ("hubtui --context=kind\t", "hubtui --context=kind-dev ")):
        child = pexpect.spawn("bash", ["--rcfile", str(rc), "-i"], env=bash_env | {"KUBECONFIG": str(kubeconfig)},
                              encoding="utf-8", timeout=30)
        try:
            child.expect_exact("$ ")
            child.send(typed)
            child.expect_exact(shown)
        finally:
            child.close(force=True)


def fish_offers(env: dict, line: str) -> list[str]:
    """What fish's completion gives for the command line `line` (its last word: the one being typed)."""
    script = f"hubtui completion fish | source; complete -C {shlex.quote(line)}"
    done = subprocess.run(["fish", "--no-config", "-c", script], env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and not done.stderr, done.stderr
    return [w.split("\t")[0] for w in done.stdout.splitlines() if w]


@pytest.mark.skipif(not shutil.which("fish"), reason="fish is not installed (scripts/install-deps.sh installs it)")
def test_fish_completes_commands_choices_and_the_clusters_deployments(bash_env, scratch):
    ns = scratch("fish", {"api-gateway": 1, "api-server": 1}, ready=False)
    assert fish_offers(bash_env, "hubtui sc") == ["scale"]
    assert fish_offers(bash_env, "hubtui cleanup -p ") == ["aws", "azure", "gcp", "k8s"]
    assert fish_offers(bash_env, f"hubtui scale -n {ns.name} -d api-") == ["api-gateway", "api-server"]


@pytest.mark.skipif(not shutil.which("zsh"), reason="zsh is not installed (scripts/install-deps.sh installs it)")
def test_tab_in_an_interactive_zsh_completes_commands_and_the_clusters_deployments(bash_env, scratch):
    ns = scratch("zsh", {"api-gateway": 1, "api-server": 1}, ready=False)
    rc = Path(bash_env["HOME"]) / ".zshrc"
    rc.write_text("PS1='%% '\nsource <(hubtui completion zsh)\n")
    child = pexpect.spawn("zsh", ["-i"], env=bash_env | {"ZDOTDIR": bash_env["HOME"]}, encoding="utf-8", timeout=30)
    try:
        child.expect_exact("% ")
        child.send("hubtui connect ti\t")
        child.expect_exact("hubtui connect timescaledb")
        child.send("\x15")  # Ctrl-U: a new line
        child.send(f"hubtui scale -n {ns.name} -d api-\t")
        child.expect_exact("api-gateway")  # two candidates: zsh lists them under the line
        child.expect_exact("api-server")
    finally:
        child.close(force=True)
