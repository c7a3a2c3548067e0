"""`hubtui scale`, the headless face, run as a user runs it: a subprocess against the real cluster."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys

import pytest

from tests.kubehelpers import add_unpullable


pytestmark = pytest.mark.cluster


@pytest.fixture
def ns(scratch):
    return scratch("cli", {"api-server": 2, "worker-service": 1}, hpas={"api-server": (2, 10)})


@pytest.fixture
def hubtui(local_cluster, ns, tmp_path):
    def run(*args, env=None):
        full_env = dict(os.environ, KUBECONFIG=str(local_cluster.kubeconfig), NAMESPACE=ns.name,
                        XDG_STATE_HOME=str(tmp_path / "state"), **(env or {}))
        return subprocess.run([sys.executable, "-m", "hubtui", *args], env=full_env, capture_output=True,
                              text=True, timeout=120)
    return run


def test_scale_one_prints_a_table_with_the_measured_status(hubtui, ns):
    proc = hubtui("scale", "--deployment", "worker-service", "--replicas", "3", "--wait")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines() == ["Deployment      Replicas  Status",
                                        "worker-service  1 → 3     Ready"]
    assert ns.replicas()["worker-service"] == 3


def test_scale_json_is_one_document(hubtui, ns):
    proc = hubtui("scale", "-d", "api-server", "-r", "4", "-w", "--timeout", "60", "--json")
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    assert doc["ok"] is True and doc["namespace"] == ns.name and doc["dry_run"] is False
    [change] = doc["changes"]
    assert change | {"warning": None} == {"deployment": "api-server", "from": 2, "to": 4, "warning": None,
                                          "error": None, "status": "Ready", "ready": 4, "desired": 4}
    assert doc["wait"]["ready"] == ["api-server"]


def test_ndjson_streams_progress_events_then_the_result(hubtui, ns):
    proc = hubtui("scale", "--all", "-r", "0", "-w", "--ndjson")
    assert proc.returncode == 0, proc.stderr
    events = [json.loads(line) for line in proc.stdout.splitlines()]
    kinds = [e["event"] for e in events]
    assert kinds[-1] == "Result" and events[-1]["ok"] is True
    assert kinds.count("StepDone") == 2 and "Progress" in kinds
    assert any(e["event"] == "HpaWillUndo" and e["hpa"] == "api-server" for e in events)
    assert ns.replicas() == {"api-server": 0, "worker-service": 0}
    restored = hubtui("scale", "--restore", "--json")
    assert restored.returncode == 0 and ns.replicas() == {"api-server": 2, "worker-service": 1}


def test_scaling_outside_the_hpa_range_warns_on_stderr(hubtui):
    proc = hubtui("scale", "-d", "api-server", "-r", "12", "--dry-run")
    assert proc.returncode == 0
    assert "warning: api-server: 12 is outside HPA api-server's range 2–10" in proc.stderr
    assert "Dry run: would scale 2→12" in proc.stdout


def test_a_dry_run_to_the_count_it_has_says_so(hubtui):
    probe = hubtui("scale", "-d", "api-server", "-r", "7", "--dry-run", "--json")
    now = json.loads(probe.stdout)["changes"][0]["from"]
    proc = hubtui("scale", "-d", "api-server", "-r", str(now), "--dry-run")
    assert proc.returncode == 0, proc.stderr
    assert f"Dry run: already at {now}" in proc.stdout and f"{now}→{now}" not in proc.stdout


@pytest.mark.parametrize("args, message", [
    (["-d", "api-server", "-r", "-3"], "replicas cannot be negative (got -3)"),
    (["-d", "api-server", "-r", "many"], "replicas must be a whole number from 0 to 1000, not 'many'"),
    (["-d", "api-server", "-r", "5000"], "replicas 5000 is more than hubtui allows (1000)"),
    (["-d", "api-srver", "-r", "2"], "did you mean api-server?"),
    (["-r", "2"], "name the deployments with --deployment NAME, or use --all"),
    (["--all", "-d", "api-server", "-r", "2"], "--all and --deployment don't go together"),
    (["--context", "nope", "-d", "api-server", "-r", "2"], "context 'nope' is not in"),
    (["--all"], "--replicas N is required"),
    (["--restore", "-r", "2"], "--restore sets each deployment to its recorded count: leave out --replicas"),
    (["-d", "api-server", "-r", "2", "--force"], "--force only goes with --restore"),
    (["-d", "api-server", "-r", "2", "--wait", "--timeout", "0"], "--timeout must be a positive number"),
    (["-d", "api-server", "-r", "2", "--wait", "--timeout", "inf"], "--timeout must be a positive number"),
    (["-d", "api-server", "-r", "2", "--wait", "--timeout", "nan"], "--timeout must be a positive number"),
    (["-d", "api-server", "-r", "2", "--timeout", "30"], "--timeout goes with --wait"),
    (["--contexts", "*", "--restore", "--all"], "--restore and --all don't go together"),
    (["--contexts", "*", "--all", "-r", "0", "--force"], "--force only goes with --restore"),
    (["--contexts", "*", "--all", "-r", "0", "--timeout", "30"], "--timeout goes with --wait"),
])
def test_bad_usage_exits_2_with_one_line_and_changes_nothing(hubtui, ns, args, message):
    before = ns.versions()
    proc = hubtui("scale", *args)
    assert proc.returncode == 2
    assert len(proc.stderr.strip().splitlines()) == 1 and message in proc.stderr
    assert "Traceback" not in proc.stderr
    assert ns.versions() == before


def test_a_wait_that_times_out_exits_3_and_names_the_deployment(hubtui, ns):
    ns.add("gpu-trainer", 0, node_selector={"accelerator": "h100"})
    proc = hubtui("scale", "-d", "gpu-trainer", "-r", "1", "--wait", "--timeout", "2")
    assert proc.returncode == 3
    assert "gpu-trainer  0 → 1     Not ready: Pending: Unschedulable: 0/2 nodes are available" in proc.stdout  # the
    # detail view's words for its pod
    assert "timed out after 2s: 1 deployment not ready" in proc.stderr


def test_an_unreachable_api_server_is_one_line_and_exit_1(hubtui, tmp_path):
    config = tmp_path / "kubeconfig"
    config.write_text(json.dumps({
        "apiVersion": "v1", "kind": "Config", "current-context": "gone",
        "clusters": [{"name": "gone", "cluster": {"server": "https://127.0.0.1:9"}}],
        "contexts": [{"name": "gone", "context": {"cluster": "gone", "user": "u"}}],
        "users": [{"name": "u", "user": {"token": "x"}}]}))
    proc = hubtui("scale", "-d", "api-server", "-r", "2", "--kubeconfig", str(config))
    assert proc.returncode == 1
    assert proc.stderr.strip().startswith("hubtui: error: reading deployment api-server in ")
    assert "cannot reach the API server" in proc.stderr and "Traceback" not in proc.stderr


def test_a_forbidden_user_gets_one_line_and_exit_1(hubtui, kube, ns, tmp_path):
    from ..kubehelpers import restricted_kubeconfig

    config = restricted_kubeconfig(kube.api, tmp_path / "kubeconfig", ns.name)
    before = ns.versions()
    proc = hubtui("scale", "-d", "api-server", "-r", "3", "--kubeconfig", config)
    assert proc.returncode == 1
    assert proc.stderr.strip() == (f"hubtui: error: reading deployment api-server in {ns.name}: forbidden (403): "
                                   "your user may not do this; ask for RBAC access")
    every = hubtui("scale", "--all", "-r", "3", "--kubeconfig", config)
    assert every.returncode == 1
    assert every.stderr.strip() == (f"hubtui: error: listing deployments in {ns.name}: forbidden (403): "
                                    "your user may not do this; ask for RBAC access")
    assert ns.versions() == before


def test_scale_all_shows_progress_on_a_terminal_and_never_in_json(local_cluster, ns, tmp_path):
    import pexpect

    env = dict(os.environ, KUBECONFIG=str(local_cluster.kubeconfig), NAMESPACE=ns.name,
               XDG_STATE_HOME=str(tmp_path / "state"))
    child = pexpect.spawn(sys.executable, ["-m", "hubtui", "scale", "--all", "-r", "2"], env=env,
                          encoding="utf-8", timeout=60)
    child.expect(r"scaling 2/2 · \d+/s · ETA 0s")  # done/total, rate and ETA on the terminal's stderr
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    assert "worker-service  1 → 2" in child.before
    proc = subprocess.run([sys.executable, "-m", "hubtui", "scale", "--all", "-r", "1", "--json"], env=env,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0 and json.loads(proc.stdout)["ok"]  # stdout is one JSON document
    assert "scaling" not in proc.stderr


def test_the_all_namespaces_flag_reaches_the_settings():
    from hubtui.cli import build_parser

    assert build_parser().parse_args(["-A"]).all_namespaces is True
    assert build_parser().parse_args(["--all-namespaces"]).all_namespaces is True
    assert build_parser().parse_args([]).all_namespaces is False


@pytest.mark.parametrize("args", [("--all", "-r", "1"), ("-d", "api-server", "-r", "1"), ("--restore",),
                                  ("--all", "-r", "0", "--dry-run")])
def test_a_namespace_that_does_not_exist_is_one_line_and_exit_1(hubtui, local_cluster, args):
    """A typo in -n is not an empty namespace: kubectl says not found and exits 1, so does hubtui."""
    proc = hubtui("scale", *args, "-n", "nosuchns")
    assert proc.returncode == 1, proc.stderr
    assert proc.stderr.strip().splitlines() == [
        f"hubtui: error: namespace 'nosuchns' not found in context {local_cluster.context}: nothing was changed"]
    assert "nothing to do" not in proc.stderr and proc.stdout == ""


PROBE = """
import json, sys
from hubtui.__main__ import main
try:
    code = main(sys.argv[1:])
except SystemExit as e:
    code = e.code
heavy = sorted({m.split('.')[0] for m in sys.modules
                if m.split('.')[0] in ('kubernetes', 'textual', 'pydantic', 'requests', 'google', 'oauthlib',
                                       'boto3', 'azure', 'cryptography', 'msgspec', 'urllib3', 'http', 'email')})
unneeded = sorted(m for m in ('concurrent.futures', 'tomllib', 'hubtui.facts', 'difflib', 'subprocess', 'shutil',
                              'hashlib', 'tempfile', 'logging')
                  if m in sys.modules)
print(json.dumps({'code': code, 'heavy': heavy, 'unneeded': unneeded}), file=sys.stderr)
"""


@pytest.mark.parametrize("args", [["-d", "worker-service", "-r", "2"], ["--all", "-r", "1", "-w", "--timeout", "60"],
                                  ["--restore"]])
def test_scale_loads_no_kubernetes_client_nor_anything_it_pulls_in(local_cluster, ns, tmp_path, args):
    """Scaling starts as fast as kubectl's does: the kubeconfig, the list, the patches and the wait go
    through hubtui's lean requests (kube/http.py), never the kubernetes package (most of a second to import), nor
    urllib3 or http.client (sockets of hubtui's own, kube/wire.py); a scale without --wait does not load a watch's
    decoder either."""
    env = dict(os.environ, KUBECONFIG=str(local_cluster.kubeconfig), NAMESPACE=ns.name,
               XDG_STATE_HOME=str(tmp_path / "state"), XDG_CONFIG_HOME=str(tmp_path / "config"))
    proc = subprocess.run([sys.executable, "-c", PROBE, "scale", *args], env=env, capture_output=True, text=True,
                          timeout=120)
    result = json.loads(proc.stderr.strip().splitlines()[-1])
    # msgspec (a watch's decoder, ~45 ms to import) only where the command watches: --wait
    assert {k: result[k] for k in ("code", "heavy")} == {"code": 0, "heavy": ["msgspec"] if "-w" in args else []}, \
        proc.stderr
    if "-d" in args:  # one deployment: no thread pool (nor logging, which it imports), no TOML reader without a
        assert result["unneeded"] == [], result  # config file, no cleanup facts; nothing for a plugin or a typo


def test_a_scale_up_that_cannot_become_ready_is_rolled_back_audited_both_ways(hubtui, ns, tmp_path):
    add_unpullable(ns)
    proc = hubtui("scale", "-d", "report-builder", "-r", "2", "--wait", "--timeout", "6", "--rollback-on-failure",
                  "--json")
    assert proc.returncode == 1, proc.stderr
    doc = json.loads(proc.stdout)
    assert doc["rolled_back"] == [{"deployment": "report-builder", "from": 2, "to": 0, "error": None}]
    status = doc["changes"][0]["status"]  # the detail view's words for each pod's reason
    pulled = r"(ErrImagePull|ImagePullBackOff): image example/no-such-image:9 cannot be pulled \(container report-builder\)"
    assert re.fullmatch(rf"Not ready: {pulled}(; {pulled})?; rolled back to 0", status), status
    assert re.fullmatch(rf"{pulled}(; {pulled})?", doc["wait"]["not_ready"]["report-builder"])
    assert ns.replicas()["report-builder"] == 0
    log = [json.loads(line) for line in (tmp_path / "state" / "hubtui" / "audit.jsonl").read_text().splitlines()]
    assert [(e["action"], e["before"], e["after"]) for e in log if e.get("deployment") == "report-builder"] == [
        ("scale", 0, 2), ("rollback", 2, 0)]


def test_a_restore_rolled_back_goes_back_to_0_with_its_record_so_a_later_restore_still_knows_the_count(
        hubtui, ns, tmp_path):
    """A restore clears the record as it scales up; rolled back to 0, the deployment gets its record again in
    the same request: never at 0 without the count to restore."""
    add_unpullable(ns)
    ns.apps.patch_namespaced_deployment("report-builder", ns.name,
                                        {"metadata": {"annotations": {"hubtui.io/original-replicas": "2"}}})
    proc = hubtui("scale", "--restore", "--wait", "--timeout", "6", "--rollback-on-failure", "--json")
    assert proc.returncode == 1, proc.stderr
    assert json.loads(proc.stdout)["rolled_back"] == [
        {"deployment": "report-builder", "from": 2, "to": 0, "error": None}]
    assert ns.replicas()["report-builder"] == 0
    assert ns.annotations("report-builder").get("hubtui.io/original-replicas") == "2"
    log = [json.loads(line) for line in (tmp_path / "state" / "hubtui" / "audit.jsonl").read_text().splitlines()]
    assert [(e["action"], e["before"], e["after"], e.get("recorded"), e.get("cleared_record"))
            for e in log if e.get("deployment") == "report-builder"] == [
        ("restore", 0, 2, None, True), ("rollback", 2, 0, 2, None)]
    again = hubtui("scale", "--restore", "--json")  # the count is still known
    assert again.returncode == 0, again.stderr
    assert ns.replicas()["report-builder"] == 2


def test_scale_all_rolls_back_every_deployment_it_changed_to_its_own_count(hubtui, ns):
    add_unpullable(ns)
    proc = hubtui("scale", "--all", "-r", "3", "-w", "--timeout", "6", "--rollback-on-failure")
    assert proc.returncode == 1
    assert "not ready; 3 deployments rolled back, each to the count it had" in proc.stderr
    table = proc.stdout.splitlines()
    assert any(line.startswith("report-builder") and "rolled back to 0" in line for line in table)
    assert any(line.startswith("worker-service") and "Ready; rolled back to 1" in line for line in table)
    assert ns.replicas() == {"api-server": 2, "worker-service": 1, "report-builder": 0}
    alone = hubtui("scale", "--all", "-r", "3", "--rollback-on-failure")
    assert alone.returncode == 2 and "--rollback-on-failure goes with --wait" in alone.stderr


def test_a_reader_that_goes_away_cuts_the_report_never_the_scaling(local_cluster, ns, tmp_path):
    """`hubtui scale --all --ndjson | head -1`: the reader is gone before the first event. Every deployment is still
    scaled (the events stop being written, the run does not stop), and the command ends with the run's own exit
    code, without an "unexpected BrokenPipeError" line. Block-buffered stdout, as in an operator's shell."""
    read, write = os.pipe()
    os.close(read)
    env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}
    env.update(KUBECONFIG=str(local_cluster.kubeconfig), NAMESPACE=ns.name, XDG_STATE_HOME=str(tmp_path / "state"))
    try:
        proc = subprocess.run([sys.executable, "-m", "hubtui", "scale", "--all", "-r", "3", "--ndjson"], env=env,
                              stdout=write, stderr=subprocess.PIPE, text=True, timeout=120)
    finally:
        os.close(write)
    assert (proc.returncode, proc.stderr) == (0, "")
    for name in ("api-server", "worker-service"):
        assert ns.apps.read_namespaced_deployment(name, ns.name).spec.replicas == 3


def test_ctrl_c_during_the_wait_stops_it_exits_130_and_says_what_was_sent(local_cluster, ns, tmp_path):
    """The first Ctrl-C ends the wait (and would send no further change): the run is not called done, nothing is
    rolled back, the exit code is an interrupted program's, and the one document says which change was sent."""
    import signal

    ns.add("gpu-trainer", 0, node_selector={"accelerator": "h100"})  # never ready: the wait would last 60 s
    env = dict(os.environ, KUBECONFIG=str(local_cluster.kubeconfig), NAMESPACE=ns.name,
               XDG_STATE_HOME=str(tmp_path / "state"))
    proc = subprocess.Popen([sys.executable, "-m", "hubtui", "scale", "-d", "gpu-trainer", "-r", "1", "--wait",
                             "--timeout", "60", "--rollback-on-failure", "--ndjson"], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    lines = []
    assert proc.stdout is not None
    for line in proc.stdout:
        lines.append(json.loads(line))
        if lines[-1].get("event") == "StepDone":  # the change is made: the wait begins
            proc.send_signal(signal.SIGINT)
            break
    out, err = proc.communicate(timeout=30)
    result = json.loads(out.splitlines()[-1])
    assert proc.returncode == 130, err
    assert "stopping: no further change is sent" in err and result["ok"] is False and result["exit_code"] == 130
    assert [(c["deployment"], c["to"], c["error"]) for c in result["changes"]] == [("gpu-trainer", 1, None)]
    assert result["rolled_back"] == [] and ns.replicas()["gpu-trainer"] == 1
