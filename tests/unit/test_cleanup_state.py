"""The journal (what a resume relies on) and the local-state step's kubeconfig surgery, on plain files."""

from __future__ import annotations

import json
import os

import pytest
import yaml

from hubtui.present.risks import risk_text
from hubtui.errors import HubError
from hubtui.ops.cleanup.journal import Journal
from hubtui.ops.cleanup.local_state import plan_kubeconfig, remove_kubeconfig_entries, remove_working_files
from hubtui.ops.cleanup.runner import RunSummary, StepOutcome
from hubtui.facts import BackedUp, DoneBefore, Listed, Noted, NotRun, PodsRemain, StepError, from_dict
from hubtui.events import named as fact_dict
from hubtui.present.summary import as_dict, item_text, said_text
from hubtui.present.summary import render as render_summary

ORDER = ["backup", "drain", "namespaces", "cloud", "local"]


def test_a_run_killed_mid_step_resumes_at_that_step(tmp_path):
    j = Journal(tmp_path / "dev")
    j.begin("h1", "/p/plan-h1.json", resumed=False)
    j.step("backup", "started")
    j.step("backup", "done", [{"fact": "BackedUp", "files": 2, "folder": "/b"}])
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
    j.step("drain", "done", [{"fact": "PodsDidNotGo"}])  # the next append, right after the torn line
    st = j.state()
    assert st.done("backup") and st.done("drain") and st.steps["drain"]["said"] == [{"fact": "PodsDidNotGo"}]
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


def test_a_user_a_context_added_since_the_plan_uses_is_not_removed(tmp_path):
    """The plan judged eks-dev unused but by the doomed contexts; a context added since (a person's own, for
    the same credentials) uses it now: the run removes the planned contexts and leaves that user."""
    path = tmp_path / "config"
    path.write_text(yaml.safe_dump(KUBECONFIG))
    os.chmod(path, 0o600)
    [entries] = plan_kubeconfig(str(path), "llm-analytics-hub-dev")
    assert "eks-dev" in entries.users
    cfg = yaml.safe_load(path.read_text())
    cfg["contexts"].append({"name": "mine", "context": {"cluster": "shared", "user": "eks-dev"}})
    path.write_text(yaml.safe_dump(cfg))
    _, removed = remove_kubeconfig_entries(entries, tmp_path / "copies")
    after = yaml.safe_load(path.read_text())
    assert "eks-dev" in [u["name"] for u in after["users"]] and "kubeconfig user eks-dev" not in removed
    assert "gke-dev" not in [u["name"] for u in after["users"]]
    assert "mine" in [c["name"] for c in after["contexts"]]


def test_a_same_named_cluster_elsewhere_is_kept_when_the_endpoint_is_known(tmp_path):
    """Two kubeconfig contexts name llm-analytics-hub-dev (EKS in one account, GKE in a project); only the one
    whose server is the planned cluster's endpoint goes; the other is kept and said."""
    path = tmp_path / "config"
    path.write_text(yaml.safe_dump(KUBECONFIG))
    found: list = []
    [entries] = plan_kubeconfig(str(path), "llm-analytics-hub-dev", ["a:443/"], found)
    skipped = [risk_text(r) for r in found]
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
                                     StepOutcome("cloud", "done", failed=[Listed("msk-cluster x", "boom")]),
                                     StepOutcome("local", "skipped", (NotRun(failed_step="cloud"),))])
    assert s.result == "failed" and not s.ok
    text = render_summary(s)
    assert text.startswith("Cleanup of 'dev' FAILED") and "completed" not in text
    assert "Failed (1): msk-cluster x (boom)" in text and "again to resume from 'Cloud teardown'" in text


def test_a_symlinked_kubeconfig_is_updated_through_its_link_and_written_0600_first(tmp_path, monkeypatch):
    """Dotfile managers link ~/.kube/config: the link stays a link, the file it points at loses the entries;
    the new content is created 0600 (never readable by others, even for a moment) and a temp file planted
    beside it is not followed."""
    real = tmp_path / "dotfiles" / "kubeconfig"
    real.parent.mkdir()
    real.write_text(yaml.safe_dump(KUBECONFIG))
    os.chmod(real, 0o640)
    link = tmp_path / "config"
    link.symlink_to(real)
    victim = tmp_path / "victim"
    victim.write_text("untouched")
    (real.parent / "kubeconfig.hubtui-tmp").symlink_to(victim)  # planted: removed, never written through
    modes = []
    real_open = os.open

    def spy(path, flags, mode=0o777, *a, **kw):
        if str(path).endswith(".hubtui-tmp"):
            modes.append((mode, flags & os.O_NOFOLLOW, flags & os.O_EXCL))
        return real_open(path, flags, mode, *a, **kw)

    monkeypatch.setattr(os, "open", spy)
    [entries] = plan_kubeconfig(str(link), "llm-analytics-hub-dev")
    remove_kubeconfig_entries(entries, tmp_path / "copies")
    monkeypatch.undo()
    assert link.is_symlink() and link.resolve() == real
    assert [c["name"] for c in yaml.safe_load(real.read_text())["contexts"]][0] == "dev-admin"
    assert (real.stat().st_mode & 0o777) == 0o640  # its mode kept
    assert modes == [(0o600, os.O_NOFOLLOW, os.O_EXCL)]
    assert victim.read_text() == "untouched"
    assert not (real.parent / "kubeconfig.hubtui-tmp").exists()


def test_state_files_refuse_links_and_a_folder_of_another_user(tmp_path):
    from hubtui.audit import AuditError, AuditLog
    from tests.ui.fakes import fake_plan

    # the audit log as a link planted by someone else: refused, the target untouched
    state = tmp_path / "state"
    state.mkdir(mode=0o700)
    target = tmp_path / "elsewhere"
    target.write_text("")
    (state / "audit.jsonl").symlink_to(target)
    with pytest.raises(AuditError, match="cannot write the audit log"):
        AuditLog(state).check()
    assert target.read_text() == ""
    # a plan file planted as a link: refused, the target untouched
    plan = fake_plan("dev")
    folder = state / "cleanup" / "dev"
    folder.mkdir(parents=True)
    (folder / f"plan-{plan.hash[:12]}.json").symlink_to(tmp_path / "planted")
    with pytest.raises(HubError, match="cannot save the plan"):
        plan.save(state)
    assert not (tmp_path / "planted").exists()
    if os.getuid() != 0:
        pytest.skip("a folder of another user needs root to make")
    other = tmp_path / "other"
    other.mkdir(mode=0o777)
    os.chown(other, 4321, 4321)
    with pytest.raises(AuditError, match="owned by uid 4321, not by you"):
        AuditLog(other).check()
    with pytest.raises(HubError, match="owned by uid 4321"):
        fake_plan("dev").save(other)


@pytest.mark.parametrize("stopped_after", range(5))
def test_a_run_stopped_after_any_step_is_cancelled_never_completed(stopped_after):
    """The stop came while a step ran; that step finished (or noticed and stopped), the later ones never ran:
    the summary says cancelled, names what finished and what did not, and says how to resume."""
    steps = ["quiesce", "backup", "drain", "namespaces", "local"]
    done = [StepOutcome(s, "done") for s in steps[:stopped_after + 1]]
    rest = [StepOutcome(s, "skipped", (NotRun(stopped=True),)) for s in steps[stopped_after + 1:]]
    s = RunSummary("dev", "h" * 64, done + rest)
    if not rest:
        assert s.result == "completed"  # the stop came during the last step, which ran to its end
        return
    assert s.result == "cancelled" and not s.ok
    text = render_summary(s)
    assert "completed" not in text and "was cancelled" in text and "it is NOT done" in text
    assert s.stopped_after == done[-1].title
    assert f"again to resume from '{rest[0].title}'" in text
    assert as_dict(s)["result"] == "cancelled"
    assert as_dict(s)["steps"][-1]["detail"] == "not run: the run was stopped before it"


def test_a_namespaces_step_stopped_midway_says_what_went_what_goes_on_and_what_was_never_touched():
    """A stop between the DELETEs: the step is cancelled, never done; the summary names the namespace whose
    deletion goes on in the cluster and the one never sent a delete, and the run says how to resume."""
    from hubtui.facts import NamespacesDeleted, StillDeleting, StoppedBefore

    step = StepOutcome("namespaces", "cancelled", (NamespacesDeleted(3, 1, not_sent=1, terminating=1),),
                       deleted=[Listed("namespace a")],
                       skipped=[Listed("namespace b", said=(StillDeleting("Kubernetes"),)),
                                Listed("namespace c", said=(StoppedBefore("request"),))])
    s = RunSummary("dev", "h" * 64, [StepOutcome("drain", "done"), step,
                                     StepOutcome("local", "skipped", (NotRun(),))])
    assert s.result == "cancelled" and s.stopped_after == "Drain"
    text = render_summary(s)
    assert "! Delete namespaces: cancelled: 1 deleted, 1 still Terminating (their deletion goes on), 1 not " \
        "deleted" in text, text
    assert "- Local state: skipped: not run: a step before it was cancelled" in text, text
    assert "namespace b (cancelled after the delete request: Kubernetes is still deleting it)" in text, text
    assert "namespace c (cancelled before the delete request)" in text, text
    assert "again to resume from 'Delete namespaces'" in text, text
    assert from_dict(fact_dict(step.said[0])) == step.said[0]  # journaled and read back for the resume


def test_a_resume_before_the_drain_takes_the_writers_down_and_the_backup_again(tmp_path):
    j = Journal(tmp_path / "dev")
    j.begin("h1", "/p", resumed=False)
    for step in ("quiesce", "backup"):
        j.step(step, "done")
    j.end("cancelled")
    order = ["quiesce", "backup", "drain", "namespaces", "local"]
    assert j.state().first_unfinished(order) == "quiesce"  # the application may have written since
    j.begin("h1", "/p", resumed=True)
    j.step("drain", "started")
    assert j.state().first_unfinished(order) == "drain"  # the stores may be down: the backup stands


def test_statefulsets_with_volumes_the_backup_does_not_save_are_named():
    from hubtui.ops.cleanup.backup import unsaved_volumes

    sets = (("timescaledb", 1), ("redis-cluster", 3), ("kafka", 1), ("elasticsearch", 3), ("postgresql-ha", 1))
    assert unsaved_volumes(sets, (("data-es-0", "10Gi"),)) == ["elasticsearch"]
    assert unsaved_volumes(sets, ()) == []  # no volumes: nothing lost with them


def test_an_rdb_cut_short_or_corrupt_is_refused_without_reading_it_whole(tmp_path, monkeypatch):
    from pathlib import Path

    from hubtui.ops.cleanup.backup import _verify_rdb

    monkeypatch.setattr(Path, "read_bytes", lambda self: pytest.fail("the RDB was read into memory"))
    cut = tmp_path / "cut.rdb"
    cut.write_bytes(b"REDIS0011" + b"\x00" * 100)  # no end marker: the transfer stopped
    with pytest.raises(HubError, match="not complete"):
        _verify_rdb(cut)
    corrupt = tmp_path / "corrupt.rdb"
    corrupt.write_bytes(b"REDIS0011" + b"\xfa\x09redis-ver" + b"\x00" * 40 + b"\xff" + b"\x01" * 8)
    import shutil

    if shutil.which("redis-check-rdb"):  # the end marker is there, but Redis's checker reads every record
        with pytest.raises(HubError, match="redis-check-rdb refuses the snapshot"):
            _verify_rdb(corrupt)


def test_what_a_step_came_to_is_journaled_as_facts_and_worded_once_by_present(tmp_path):
    """The runner keeps facts (StepOutcome.said, and each item it lists); the journal and the audit log keep
    them as named data; present/summary.py words them. A journal of an older hubtui (words) still resumes."""
    said = (BackedUp(2, str(tmp_path / "b")), StepError("boom"))
    assert tuple(from_dict(fact_dict(f)) for f in said) == said
    assert json.loads(json.dumps(fact_dict(PodsRemain("hub", ("a", "b"), 60.0)))) == {
        "fact": "PodsRemain", "namespace": "hub", "pods": ["a", "b"], "timeout": 60.0}
    assert from_dict(fact_dict(PodsRemain("hub", ("a", "b"), 60.0))) == PodsRemain("hub", ("a", "b"), 60.0)
    assert from_dict("2 files in ~/b") == Noted("2 files in ~/b")  # an older journal's words
    assert from_dict({"fact": "NoSuchFact", "x": 1}) == Noted("{'fact': 'NoSuchFact', 'x': 1}")
    assert said_text((DoneBefore(), BackedUp(1, "/b"))) == "done in an earlier run: 1 file in /b"
    assert said_text((BackedUp(1, "/b"), StepError("boom"))) == "1 file in /b; boom"
    assert item_text(Listed("eks-cluster hub", earlier=True)) == "eks-cluster hub (earlier run)"
    assert item_text(Listed("msk-cluster x", "boom")) == "msk-cluster x (boom)"
    assert item_text(PodsRemain("hub", ("a", "b"), 60.0)) == "hub: 2 pods still there after 60 s (a, b)"

    j = Journal(tmp_path / "dev")
    j.begin("h1", "/p", resumed=False)
    j.step("backup", "done", [fact_dict(f) for f in said])
    assert tuple(from_dict(f) for f in j.state().steps["backup"]["said"]) == said


def test_the_cleanup_engine_words_no_step_outcome():
    """No sentence is built for a step's end in the runner, the drain or the backup: what a step came to and what
    it lists are facts (present/ words them). An error's own message (StepFailed) is the engine's."""
    import ast
    from pathlib import Path

    folder = Path(__file__).parents[2] / "hubtui" / "ops" / "cleanup"
    tree = ast.Module(body=[n for name in ("runner.py", "kube_steps.py", "backup.py")
                            for n in ast.parse((folder / name).read_text()).body], type_ignores=[])
    for node in ast.walk(ast.parse((folder / "runner.py").read_text())):
        if isinstance(node, ast.ImportFrom) and node.module == "words":
            assert {a.name for a in node.names} <= {"human_age"}, "the runner imports words"  # for errors only
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and getattr(node.func, "id", "") in ("StepOutcome", "StepDone"):
            for arg in [*node.args[1 if node.func.id == "StepDone" else 2:],  # type: ignore[attr-defined]
                        *(k.value for k in node.keywords if k.arg != "data")]:
                labels = {id(n) for c in ast.walk(arg) if isinstance(c, ast.Call) and getattr(c.func, "id", "") ==
                          "Listed" for n in ast.walk(c.args[0])}  # a thing's name (`namespace x`) is no sentence
                assert not any((isinstance(n, ast.JoinedStr) or (isinstance(n, ast.Constant) and isinstance(
                    n.value, str) and n.value)) and id(n) not in labels for n in ast.walk(arg)), ast.unparse(node)


def test_ndjson_gives_a_steps_end_as_facts_and_in_words():
    import io

    from hubtui.events import StepDone, StepFailed
    from hubtui.headless.output import EventPrinter

    out = io.StringIO()
    printer = EventPrinter(ndjson=True, out=out)
    printer(StepDone("backup", said=(BackedUp(2, "/b"),)))
    printer(StepFailed("drain", "cancelled", said=(StepError("pods did not go", cancelled=True),)))
    printer(StepDone("scale", "plain"))
    done, failed, plain = (json.loads(line) for line in out.getvalue().splitlines())
    assert done == {"event": "StepDone", "step": "backup", "detail": "2 files in /b",
                    "said": [{"fact": "BackedUp", "files": 2, "folder": "/b"}]}
    assert failed["error"] == "pods did not go" and failed["said"][0]["cancelled"] is True
    assert plain == {"event": "StepDone", "step": "scale", "detail": "plain"}


def test_the_step_list_tells_a_cancelled_step_by_its_status_whatever_it_says():
    """A cloud step stopped part-way says its tally (no error of its own): it is cancelled, not failed."""
    from hubtui.events import StepFailed
    from hubtui.facts import CloudTally
    from hubtui.present.events import event_line, step_failed_state

    stopped = StepFailed("cloud", "cancelled", said=(CloudTally(2, 5, 0, 3),))
    assert step_failed_state(stopped) == "cancelled"
    assert event_line(stopped)[0] == "    ✗ 2 of 5 resources gone, 0 failed, 3 skipped"
    assert step_failed_state(StepFailed("drain", "failed", said=(StepError("boom"),))) == "failed"
    # a failure whose words mention a cancel (the server's, a tool's) is no stop of the operator's
    assert step_failed_state(StepFailed("backup", "TimescaleDB: pg_dump: query cancelled by the server")) == "failed"


def test_a_progress_count_says_what_it_counts_as_facts_worded_by_present():
    """The engine's Progress carries facts (a scale's pace, pods left, a cloud wait); present/progress.py words
    them for the run's step list, the CLI's progress lines and NDJSON; no Progress call in the engine holds words."""
    import ast
    import io
    from pathlib import Path

    from hubtui.events import Pace, Progress, Ready
    from hubtui.facts import NamespacesTerminating, PodsLeft, ResourceEnded, Waiting
    from hubtui.headless.output import EventPrinter
    from hubtui.present.progress import progress_text

    assert progress_text(Progress("scale", 40, 200, (Pace(80.4, 2.0),))) == "40/200 · 80/s · ETA 2s"
    assert progress_text(Progress("wait", 3, 5, (Ready(),))) == "3/5 ready"
    assert progress_text(Progress("drain", 1, 3, (PodsLeft(1),))) == "1/3 · 1 pod left"
    assert progress_text(Progress("namespaces", 1, 4, (NamespacesTerminating(3),))) == "1/4 · 3 namespaces terminating"
    assert progress_text(Progress("cloud", 12, 1800, (Waiting("aws: eks-cluster hub", 12),))) == \
        "12/1800 · aws: eks-cluster hub: waiting (12s)"
    assert progress_text(Progress("cloud", 2, 9, (ResourceEnded("rds-instance hub-db", "deleted"),))) == \
        "2/9 · rds-instance hub-db: deleted"
    assert progress_text(Progress("drain", 2, 2)) == "2/2"
    out = io.StringIO()
    printer = EventPrinter(ndjson=True, out=out)
    printer(Progress("drain", 1, 3, (PodsLeft(2),)))
    printer(Progress("scale", 3, 12, (Pace(5.2, 1.7),)))
    printer(Progress("wait", 3, 5, (Ready(),)))
    drain, scale, wait = map(json.loads, out.getvalue().splitlines())
    assert drain == {"event": "Progress", "step": "drain", "done": 1, "total": 3, "detail": "1/3 · 2 pods left",
                     "said": [{"fact": "PodsLeft", "count": 2}]}
    assert (scale["detail"], wait["detail"]) == ("3/12 · 5/s · ETA 2s", "3/5 ready")  # as the engine's words were
    assert scale["said"] == [{"fact": "Pace", "per_second": 5.2, "eta": 1.7}]
    root = Path(__file__).parents[2] / "hubtui"
    for engine in [*(root / "ops").rglob("*.py"), *(root / "cloud").glob("*.py")]:
        for node in ast.walk(ast.parse(engine.read_text())):
            if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "Progress":
                for arg in [*node.args[3:], *node.keywords]:
                    assert not any(isinstance(n, ast.JoinedStr) or (isinstance(n, ast.Constant) and isinstance(
                        n.value, str)) for n in ast.walk(arg)), f"{engine.name}: {ast.unparse(node)}"


def test_the_cluster_lease_is_let_go_only_when_the_cloud_step_deletes_the_connected_cluster():
    """Letting the lease go lets another run take the environment: only when this cluster's API server is going
    (its endpoint among the planned clusters', or a planned cluster whose endpoint is unknown)."""
    from types import SimpleNamespace

    from hubtui.cloud.base import CloudPlan, CloudResource
    from hubtui.ops.cleanup.runner import CleanupRun

    here = SimpleNamespace(conn=SimpleNamespace(server="https://ABC.eks.amazonaws.com:443"))
    eks = CloudResource("eks-cluster", "hub", "arn:eks/hub", "name", {"endpoint": "https://abc.eks.amazonaws.com"})
    other = CloudResource("eks-cluster", "billing", "arn:eks/b", "name", {"endpoint": "https://other.eks.amazonaws.com"})
    rds = CloudResource("rds-instance", "hub-db", "arn:rds/hub-db", "name")
    unknown = CloudResource("gke-cluster", "hub", "projects/p/locations/l/clusters/hub", "name")

    def deletes(*resources) -> bool:
        return CleanupRun._deletes_this_cluster(here, CloudPlan("aws", "AWS account 1", "r", resources))  # type: ignore[arg-type]

    assert deletes(eks, rds) and deletes(unknown) and deletes(other, unknown)
    assert not deletes(rds) and not deletes(other, rds)
    # an Azure resource group with no AKS cluster in it holds no API server: its missing endpoint says nothing
    data_only = CloudResource("resource-group", "hub-data", "/subscriptions/s/resourceGroups/hub-data", "name",
                              {"aks_clusters": []})
    assert not deletes(other, data_only)

    def going(*resources) -> str | None:
        here.__dict__["_deletes_this_cluster"] = lambda cloud: CleanupRun._deletes_this_cluster(here, cloud)  # type: ignore[arg-type]
        return CleanupRun._cluster_going(here, CloudPlan("aws", "AWS account 1", "r", resources))  # type: ignore[arg-type]

    # another cluster's endpoint may be this one's behind a proxy or another name: its server going quiet is
    # taken as it going (ClusterLease.may_go), a lease taken by another run still stops this one
    assert (going(eks, rds), going(other, rds), going(rds)) == ("yes", "maybe", None)
