"""The journal (what a resume relies on) and the local-state step's kubeconfig surgery, on plain files."""

from __future__ import annotations

import json
import os

import pytest
import yaml

from hubtui.errors import HubError
from hubtui.ops.cleanup.journal import Journal
from hubtui.ops.cleanup.local_state import plan_kubeconfig, remove_kubeconfig_entries, remove_working_files
from hubtui.ops.cleanup.runner import RunSummary, StepOutcome

ORDER = ["backup", "drain", "namespaces", "cloud", "local"]


def test_a_run_killed_mid_step_resumes_at_that_step(tmp_path):
    j = Journal(tmp_path / "dev")
    j.begin("h1", "/p/plan-h1.json", resumed=False)
    j.step("backup", "started")
    j.step("backup", "done", "2 files")
    j.step("drain", "started")  # killed here
    st = j.state()
    assert st.resumable and st.plan_hash == "h1" and st.plan_file == "/p/plan-h1.json"
    assert st.done("backup") and not st.done("drain")
    assert st.first_unfinished(ORDER) == "drain"


def test_finished_cloud_resources_are_remembered_across_resumed_runs(tmp_path):
    j = Journal(tmp_path / "dev")
    j.begin("h1", "/p", resumed=False)
    j.resource("arn:rds", "rds-instance x", "deleted")
    j.resource("arn:msk", "msk-cluster y", "failed", "boom")
    j.end("failed")
    j.begin("h1", "/p", resumed=True)
    j.resource("arn:ec", "elasticache z", "gone")
    st = j.state()
    assert st.finished_resources == {"arn:rds": "deleted", "arn:ec": "gone"}
    assert st.resumable and st.result == ""


def test_a_completed_run_is_not_offered_and_another_plan_starts_afresh(tmp_path):
    j = Journal(tmp_path / "dev")
    j.begin("h1", "/p", resumed=False)
    j.step("backup", "done")
    j.end("completed")
    assert not j.state().resumable
    j.begin("h2", "/q", resumed=False)
    st = j.state()
    assert st.plan_hash == "h2" and not st.done("backup") and st.resumable


def test_a_line_cut_short_by_a_crash_does_not_count_as_finished(tmp_path):
    j = Journal(tmp_path / "dev")
    j.begin("h1", "/p", resumed=False)
    j.step("backup", "done")
    with open(j.path, "a") as f:
        f.write('{"type": "step", "step": "drain", "status": "do')
    st = j.state()
    assert st.done("backup") and not st.done("drain") and st.first_unfinished(ORDER) == "drain"


def test_a_torn_last_line_never_swallows_the_next_record(tmp_path):
    j = Journal(tmp_path / "dev")
    j.begin("h1", "/p", resumed=False)
    j.step("backup", "done")
    with open(j.path, "a") as f:
        f.write('{"type": "step", "step": "drain", "status": "do')  # a crash cut this write short
    j.step("drain", "done", "no pods left")  # the next append, right after the torn line
    st = j.state()
    assert st.done("backup") and st.done("drain") and st.steps["drain"]["detail"] == "no pods left"
    assert st.first_unfinished(ORDER) == "namespaces"
    lines = j.path.read_text().splitlines()
    assert lines[2] == '{"type": "step", "step": "drain", "status": "do'  # kept as it was, on its own line
    assert len(lines) == 4


def test_a_fresh_run_of_the_same_plan_does_not_inherit_an_old_runs_progress(tmp_path):
    j = Journal(tmp_path / "dev")
    j.begin("h1", "/p", resumed=False)
    j.step("drain", "done")
    j.resource("arn:x", "x", "deleted")
    j.end("completed")  # left behind (its working files could not be removed)
    j.begin("h1", "/p", resumed=False)  # the same plan, planned and confirmed again, killed at once
    st = j.state()
    assert st.resumable and not st.done("drain") and not st.finished_resources


def test_a_saved_plan_is_not_overwritten_by_a_later_save_of_the_same_plan(tmp_path):
    from hubtui.ops.cleanup.plan import CleanupOptions, Plan
    from tests.ui.fakes import fake_plan

    first = fake_plan("dev")
    path = first.save(tmp_path)
    dry = fake_plan("dev", CleanupOptions("dev", "k8s", "llm-analytics-hub", dry_run=True))
    assert dry.hash == first.hash and dry.save(tmp_path) == path
    loaded = Plan.load(path)
    assert loaded.opts.dry_run is False and loaded.hash == first.hash
    assert fake_plan("dev", CleanupOptions("dev", "k8s", "llm-analytics-hub", dry_run=True)).for_execution() \
        .opts.dry_run is False


def test_a_saved_plan_changed_by_hand_is_refused(tmp_path):
    from hubtui.ops.cleanup.plan import Plan
    from tests.ui.fakes import fake_plan

    path = fake_plan("dev").save(tmp_path)
    doc = json.loads(path.read_text())
    doc["namespaces"] = doc["namespaces"][:1]
    path.write_text(json.dumps(doc))
    with pytest.raises(HubError, match="does not match its hash"):
        Plan.load(path)
    path.write_text(json.dumps({"hash": "x"}))  # not a plan at all: the same one line, not a KeyError
    with pytest.raises(HubError, match="does not match its hash"):
        Plan.load(path)


def test_discard_keeps_the_old_journal_aside(tmp_path):
    j = Journal(tmp_path / "dev")
    j.begin("h1", "/p", resumed=False)
    j.discard()
    assert j.state().plan_hash == "" and len(list((tmp_path / "dev").glob("journal-abandoned-*.jsonl"))) == 1


def test_an_unwritable_journal_stops_with_one_line(tmp_path):
    (tmp_path / "dev").write_text("a file where the folder should be")
    with pytest.raises(HubError, match="cannot write the cleanup journal"):
        Journal(tmp_path / "dev").begin("h", "/p", resumed=False)


KUBECONFIG = {
    "apiVersion": "v1", "kind": "Config", "current-context": "arn:aws:eks:eu-west-1:1:cluster/llm-analytics-hub-dev",
    "clusters": [{"name": "arn:aws:eks:eu-west-1:1:cluster/llm-analytics-hub-dev", "cluster": {"server": "https://a"}},
                 {"name": "gke_p_europe-west1_llm-analytics-hub-dev", "cluster": {"server": "https://b"}},
                 {"name": "arn:aws:eks:eu-west-1:1:cluster/llm-analytics-hub-dev-2", "cluster": {"server": "https://c"}},
                 {"name": "shared", "cluster": {"server": "https://d"}}],
    "users": [{"name": "eks-dev", "user": {}}, {"name": "gke-dev", "user": {}}, {"name": "shared-user", "user": {}}],
    "contexts": [
        {"name": "arn:aws:eks:eu-west-1:1:cluster/llm-analytics-hub-dev",
         "context": {"cluster": "arn:aws:eks:eu-west-1:1:cluster/llm-analytics-hub-dev", "user": "eks-dev"}},
        {"name": "gke_p_europe-west1_llm-analytics-hub-dev",
         "context": {"cluster": "gke_p_europe-west1_llm-analytics-hub-dev", "user": "gke-dev"}},
        {"name": "dev-admin", "context": {"cluster": "shared", "user": "shared-user"}},
        {"name": "arn:aws:eks:eu-west-1:1:cluster/llm-analytics-hub-dev-2",
         "context": {"cluster": "arn:aws:eks:eu-west-1:1:cluster/llm-analytics-hub-dev-2", "user": "shared-user"}},
    ],
}


def test_only_the_environments_contexts_go_with_what_only_they_use_after_a_copy(tmp_path):
    path = tmp_path / "config"
    path.write_text(yaml.safe_dump(KUBECONFIG))
    os.chmod(path, 0o600)
    other = tmp_path / "missing-file"
    [entries] = plan_kubeconfig(f"{path}{os.pathsep}{other}", "llm-analytics-hub-dev")
    assert entries.contexts == ("arn:aws:eks:eu-west-1:1:cluster/llm-analytics-hub-dev",
                                "gke_p_europe-west1_llm-analytics-hub-dev")
    assert set(entries.users) == {"eks-dev", "gke-dev"}  # shared-user is still used by a kept context
    copy, removed = remove_kubeconfig_entries(entries, tmp_path / "copies")
    assert yaml.safe_load(copy.read_text()) == KUBECONFIG and (copy.stat().st_mode & 0o777) == 0o600
    after = yaml.safe_load(path.read_text())
    assert [c["name"] for c in after["contexts"]] == ["dev-admin",
                                                      "arn:aws:eks:eu-west-1:1:cluster/llm-analytics-hub-dev-2"]
    assert [c["name"] for c in after["clusters"]] == ["arn:aws:eks:eu-west-1:1:cluster/llm-analytics-hub-dev-2",
                                                      "shared"]
    assert [u["name"] for u in after["users"]] == ["shared-user"]
    assert after["current-context"] == "" and "kubeconfig current-context" in removed
    assert (path.stat().st_mode & 0o777) == 0o600
    # a second run finds nothing more to remove
    assert plan_kubeconfig(str(path), "llm-analytics-hub-dev") == ()


def test_a_same_named_cluster_elsewhere_is_kept_when_the_endpoint_is_known(tmp_path):
    """Two kubeconfig contexts name llm-analytics-hub-dev (EKS in one account, GKE in a project); only the one
    whose server is the planned cluster's endpoint goes; the other is kept and said."""
    path = tmp_path / "config"
    path.write_text(yaml.safe_dump(KUBECONFIG))
    skipped: list[str] = []
    [entries] = plan_kubeconfig(str(path), "llm-analytics-hub-dev", ["a:443/"], skipped)
    assert entries.contexts == ("arn:aws:eks:eu-west-1:1:cluster/llm-analytics-hub-dev",)
    assert entries.users == ("eks-dev",)
    assert len(skipped) == 1 and "gke_p_europe-west1_llm-analytics-hub-dev" in skipped[0]
    assert "https://b" in skipped[0] and skipped[0].endswith("kept")
    # an endpoint that no entry has: nothing is planned for removal
    assert plan_kubeconfig(str(path), "llm-analytics-hub-dev", ["https://elsewhere"]) == ()


def test_working_files_go_and_the_summary_never_says_completed_after_a_failure(tmp_path):
    folder = tmp_path / "cleanup" / "dev"
    folder.mkdir(parents=True)
    (folder / "plan-x.json").write_text(json.dumps({}))
    assert remove_working_files(folder) == [f"{folder}/plan-x.json"] and not folder.exists()
    s = RunSummary("dev", "h" * 64, [StepOutcome("backup", "done"),
                                     StepOutcome("cloud", "done", failed=["msk-cluster x (boom)"]),
                                     StepOutcome("local", "skipped", "'Cloud teardown' failed")])
    assert s.result == "failed" and not s.ok
    text = s.render()
    assert text.startswith("Cleanup of 'dev' FAILED") and "completed" not in text
    assert "Failed (1): msk-cluster x (boom)" in text and "again to resume from 'Cloud teardown'" in text
