"""The cleanup conversation (hubtui/ops/cleanup/session.py) driven with scripted answers: the order of its
steps, what each answer does, and that the lock goes whatever happens. Both faces drive this one session:
`hubtui cleanup` against the real cluster in tests/integration/test_cleanup_binding.py and
test_cleanup_run.py, the TUI's wizard in tests/ui/test_cleanup_wizard.py."""

from __future__ import annotations

import ast
import threading
from pathlib import Path
from types import SimpleNamespace

import pytest

from hubtui.errors import Declined, HubError, Refused, UsageError
from hubtui.ops.cleanup import session as session_engine
from hubtui.ops.cleanup.journal import JournalState
from hubtui.ops.failures import ReadOnlyRefused
from hubtui.ops.cleanup.plan import CleanupOptions
from hubtui.ops.cleanup.refusals import TooOld
from hubtui.ops.cleanup.session import Choose, CleanupSession, Say, TypePhrase, advance
from hubtui.present.session import phrase_question, question, said
from hubtui.readonly import ReadOnlyError

from ..ui.fakes import fake_plan

ROOT = Path(__file__).resolve().parents[2]
PLAN_FILE = Path("/state/cleanup/dev/plan-1.json")
PENDING = JournalState("a" * 64, "/state/cleanup/dev/plan-0.json", "2026-11-26T11:00:00Z",
                       {"quiesce": {"status": "done"}, "backup": {"status": "done"}, "drain": {"status": "started"}})


def converse(conversation, asker):
    """The conversation as `hubtui cleanup` holds it."""
    return session_engine.converse(conversation, asker)


class Port:
    """The world as the session sees it, recording every call in order."""

    def __init__(self, *, readonly="", holder="", pending=None, unreadable="", stale=None, saved_opts=None):
        self.calls: list[str] = []
        self.readonly, self.holder, self._pending = readonly, holder, pending
        self.unreadable, self._stale, self.saved_opts = unreadable, stale, saved_opts
        self.held = False
        self.ran: dict = {}

    def refuse_if_readonly(self, what, namespace):
        self.calls.append("readonly")
        if self.readonly:
            raise ReadOnlyError(ReadOnlyRefused(self.readonly, what))

    def lock(self, environment):
        port = self

        class Lock:
            held = False

            def acquire(self):
                port.calls.append("lock")
                if port.holder:
                    raise HubError(port.holder)
                self.held = port.held = True

            def release(self):
                if self.held:
                    port.calls.append("unlock")
                self.held = port.held = False

        return Lock()

    def probe_lease(self, environment):
        self.calls.append("lease")

    def pending(self, environment):
        self.calls.append("pending")
        return self._pending

    def discard(self, environment):
        self.calls.append("discard")

    def journal_path(self, environment):
        return Path(f"/state/cleanup/{environment}/journal.jsonl")

    def load(self, plan_file):
        self.calls.append("load")
        if self.unreadable:
            raise HubError(self.unreadable)
        return fake_plan("dev", self.saved_opts or CleanupOptions("dev", "k8s", "llm-analytics-hub"))

    def stale(self, plan, pending):
        self.calls.append("stale")
        return self._stale

    def plan(self, opts):
        self.calls.append("plan")
        return fake_plan(opts.environment, opts), PLAN_FILE

    def run(self, plan, plan_file, *, emit, cancel, allow_disable_deletion_protection, force, lock):
        self.calls.append("run")
        assert lock is not None and lock.held and self.held
        self.ran = {"plan_file": plan_file, "allow": allow_disable_deletion_protection, "force": force}
        return "summary"


class Script:
    """Answers in order; every ask kept, as the operator saw it."""

    def __init__(self, *answers):
        self.answers = list(answers)
        self.asked: list = []

    def choose(self, ask: Choose):
        worded = question(ask)
        assert tuple(c.key for c in worded.choices) == ask.KEYS  # the words offer what the session takes
        self.asked.append(worded)
        return self.answers.pop(0)

    def type_phrase(self, ask: TypePhrase):
        self.asked.append(ask)
        return self.answers.pop(0)

    def say(self, ask: Say):
        self.asked.append(SimpleNamespace(line=said(ask), tone=ask.TONE))


def opts(environment="dev", provider="k8s", **kw):
    return CleanupOptions(environment, provider, "llm-analytics-hub", **kw)


def test_a_destroy_goes_readonly_lock_lease_pending_plan_confirm_run_and_lets_the_lock_go():
    port, script = Port(), Script("yes")
    with CleanupSession(port, opts()) as session:
        plan = converse(session.prepare(), script)
        assert plan is session.plan and session.plan_file == PLAN_FILE and not session.resume
        converse(session.confirm(), script)
        assert session.run(emit=lambda e: None) == "summary"
        with pytest.raises(HubError, match="not confirmed"):  # one run per confirmation
            session.run(emit=lambda e: None)
    assert port.calls == ["readonly", "lock", "lease", "pending", "plan", "run", "unlock"]
    assert [a.confirmation.phrase for a in script.asked] == ["yes"]
    assert port.ran == {"plan_file": PLAN_FILE, "allow": False, "force": False}


def test_a_dry_run_plans_without_lock_or_pending_and_cannot_be_confirmed():
    port = Port(readonly="context prod matches '*prod*'", pending=PENDING)
    session = CleanupSession(port, opts(dry_run=True))
    converse(session.prepare(), Script())
    assert port.calls == ["plan"]
    with pytest.raises(UsageError, match="a dry run's plan destroys nothing"):
        converse(session.confirm(), Script())
    with pytest.raises(HubError, match="not confirmed"):
        session.run(emit=lambda e: None)


def test_read_only_refuses_before_the_lock_and_a_held_lock_before_any_question():
    port = Port(readonly="context prod matches '*prod*'")
    with pytest.raises(ReadOnlyError, match="destroying 'dev' is refused"):
        converse(CleanupSession(port, opts()).prepare(), Script())
    assert port.calls == ["readonly"]
    port = Port(holder="a cleanup of 'dev' is already running (pid 7 on desk)", pending=PENDING)
    with pytest.raises(HubError, match="pid 7"):
        converse(CleanupSession(port, opts()).prepare(), Script())
    assert port.calls == ["readonly", "lock"]


@pytest.mark.parametrize("typed, refusal", [
    ("Yes", "not confirmed (type exactly 'yes')"),
    (" yes", "not confirmed (type exactly 'yes')"),
    (None, "not confirmed: nothing was changed"),
])
def test_a_phrase_not_typed_exactly_declines_and_nothing_runs(typed, refusal):
    port = Port()
    with CleanupSession(port, opts()) as session:
        converse(session.prepare(), Script())
        with pytest.raises(Declined) as declined:
            converse(session.confirm(), Script(typed))
        assert refusal in str(declined.value)
        with pytest.raises(HubError):
            session.run(emit=lambda e: None)
    assert "run" not in port.calls and port.calls[-1] == "unlock"


def test_production_asks_delete_production_first_and_protection_on_its_own():
    port = Port()
    script = Script("DELETE PRODUCTION", "yes", "yes")
    with CleanupSession(port, opts("production", "aws")) as session:
        converse(session.prepare(), script)
        converse(session.confirm(), script)
        session.run(emit=lambda e: None)
    phrases = [a.confirmation.phrase for a in script.asked]
    assert phrases == ["DELETE PRODUCTION", "yes", "yes"]
    assert script.asked[-1].resource is not None and "deletion protection" in phrase_question(script.asked[-1])
    assert port.ran["allow"] is True
    refused = Script("DELETE PRODUCTION", "yes", "no")  # protection refused: nothing at all runs
    with CleanupSession(Port(), opts("production", "aws")) as session:
        converse(session.prepare(), refused)
        with pytest.raises(Declined, match="deletion protection of rds-instance .* stays on"):
            converse(session.confirm(), refused)


def test_force_asks_nothing_but_says_so_and_keeps_protection_unless_told():
    port = Port()
    script = Script()
    with CleanupSession(port, opts("dev", "aws"), force=True) as session:
        converse(session.prepare(), script)
        converse(session.confirm(), script)
        session.run(emit=lambda e: None)
    said = [a.line for a in script.asked]
    assert said[0].startswith("--force: the confirmations are skipped")
    assert "has deletion protection and will not be deleted" in said[1]
    assert port.ran == {"plan_file": PLAN_FILE, "allow": False, "force": True}
    with CleanupSession(Port(), opts("production", "k8s"), force=True) as session:  # never for production alone
        converse(session.prepare(), Script())
        with pytest.raises(UsageError, match="is production: with --force, repeat the context's name"):
            converse(session.confirm(), Script())


def test_a_pending_run_resumed_keeps_its_saved_plan_and_asks_again():
    port, script = Port(pending=PENDING), Script("resume", "yes")
    with CleanupSession(port, opts()) as session:
        converse(session.prepare(), script)
        assert session.resume and session.plan_file == Path(PENDING.plan_file)
        choice = script.asked[0]
        assert choice.title == "An interrupted cleanup of 'dev' is pending"
        assert "Resume goes on with 'Drain'" in choice.body
        assert choice.prompt() == "Type yes to resume, no to plan again:"
        converse(session.confirm(), script)  # the saved plan is confirmed again, never taken as confirmed
        session.run(emit=lambda e: None)
    assert port.calls == ["readonly", "lock", "lease", "pending", "load", "stale", "run", "unlock"]


def test_plan_again_sets_the_pending_run_aside_and_no_answer_changes_nothing():
    port = Port(pending=PENDING)
    with CleanupSession(port, opts()) as session:
        converse(session.prepare(), Script("again"))
    assert port.calls == ["readonly", "lock", "lease", "pending", "load", "stale", "discard", "plan", "unlock"]
    port = Port(pending=PENDING)
    with pytest.raises(Declined, match="nothing was changed: the interrupted cleanup of 'dev' stays pending"):
        converse(CleanupSession(port, opts()).prepare(), Script(None))
    assert "discard" not in port.calls and "plan" not in port.calls and port.calls[-1] == "unlock"


def test_a_stale_run_is_set_aside_with_a_warning_whatever_its_options():
    port = Port(pending=PENDING, stale=TooOld(3 * 86400, 86400),
                saved_opts=CleanupOptions("dev", "k8s", "llm-analytics-hub", skip_backup=True))
    script = Script()
    with CleanupSession(port, opts()) as session:
        converse(session.prepare(), script)
        assert not session.resume
    assert script.asked[0].tone == "warning" and "cannot be resumed: it started 3 d ago" in script.asked[0].line
    assert port.calls[-3:] == ["discard", "plan", "unlock"]


def test_other_options_refuse_the_resume_and_an_unreadable_plan_is_set_aside_only_when_asked():
    port = Port(pending=PENDING, saved_opts=CleanupOptions("dev", "k8s", "llm-analytics-hub", skip_backup=True))
    with pytest.raises(UsageError, match=r"pending with other options: skip-backup True \(now False\)"):
        converse(CleanupSession(port, opts()).prepare(), Script())
    assert port.calls[-1] == "unlock" and "plan" not in port.calls
    broken = "the plan /state/cleanup/dev/plan-0.json cannot be read"
    port = Port(pending=PENDING, unreadable=broken)
    script = Script("again")
    with CleanupSession(port, opts()) as session:
        converse(session.prepare(), script)
    assert broken in script.asked[0].body and "discard" in port.calls and "plan" in port.calls
    port = Port(pending=PENDING, unreadable=broken)
    with pytest.raises(UsageError, match="run without --force on a terminal to set it aside, or move /state/cleanup/dev/journal.jsonl away"):
        converse(CleanupSession(port, opts(), force=True).prepare(), Script())
    assert "discard" not in port.calls


def test_a_conversation_left_part_way_lets_the_lock_go():
    """The TUI's worker cancelled while a question is open: the conversation is closed, the lock goes."""
    port = Port(pending=PENDING)
    session = CleanupSession(port, opts())
    conversation = session.prepare()
    step = advance(conversation)
    assert isinstance(step.ask, Choose) and port.held
    conversation.close()
    assert not port.held and port.calls[-1] == "unlock"


def test_the_steps_can_run_in_another_thread_one_at_a_time():
    """As the TUI drives it: each step in a worker thread, each answer on the UI's loop."""
    port = Port(pending=PENDING)
    session = CleanupSession(port, opts())
    conversation = session.prepare()
    steps = []

    def step(answer=None):
        t = threading.Thread(target=lambda: steps.append(advance(conversation, answer)))
        t.start()
        t.join()
        return steps[-1]

    assert isinstance(step().ask, Choose)
    last = step("again")
    assert last.done and last.result is session.plan and port.calls[-1] == "plan"
    session.close()


def test_no_face_holds_a_cleanup_step_of_its_own():
    """The conversation lives once: neither the CLI nor the TUI takes the lock, reads the pending run, or
    builds the confirmations itself."""
    engine_only = {"EnvironmentLock", "ClusterLease", "pending_run", "confirmations", "protection_confirmation",
                   "force_problems", "stale_reason", "options_differ", "CleanupRun"}
    faces = [ROOT / "hubtui/headless/cleanup.py", *sorted((ROOT / "hubtui/ui").rglob("*.py"))]
    found = {}
    for path in faces:
        names = {n.id for n in ast.walk(ast.parse(path.read_text())) if isinstance(n, ast.Name)}
        names |= {a.name for n in ast.walk(ast.parse(path.read_text())) if isinstance(n, ast.ImportFrom)
                  for a in n.names}
        if names & engine_only:
            found[str(path.relative_to(ROOT))] = sorted(names & engine_only)
    assert not found, found


def test_every_ask_of_the_session_has_its_words_in_present():
    """The session yields facts; present/session.py words every kind of them (a new ask without words fails
    here, not in front of an operator)."""
    import dataclasses

    import hubtui.ops.cleanup.session as session_module

    samples = {"str": "dev", "JournalState": PENDING, "tuple[str, ...]": ("rds-instance hub-db",),
               "Stale": TooOld(3 * 86400, 86400)}
    kinds = [k for k in vars(session_module).values()
             if isinstance(k, type) and k not in (Choose, Say) and issubclass(k, (Choose, Say))]
    assert len(kinds) >= 6
    for kind in kinds:
        ask = kind(**{f.name: samples[str(f.type)] for f in dataclasses.fields(kind)})
        if isinstance(ask, Choose):
            worded = question(ask)
            assert worded.title and tuple(c.key for c in worded.choices) == kind.KEYS
        else:
            assert said(ask).strip()


def test_every_refusal_is_worded_in_present_and_reaches_both_faces_in_words():
    """Each reason the conversation stops (hubtui.ops.cleanup.refusals, and the contrary evidence) has its line in
    present/refusals.py; the CLI's error line and the wizard's asker word a Refused before showing it."""
    import dataclasses

    from hubtui.ops.cleanup import refusals
    from hubtui.ops.cleanup.evidence import ContraryFacts, Labelled
    from hubtui.present.refusals import refused_text

    samples = {"str": "dev", "bool": True, "float | None": 90000.0, "float": 86400.0, "tuple[str, ...]": ("/b/x",),
               "Stale": refusals.Recreated("hub", "u2", "u1"), "tuple[tuple[str, Any, Any], ...]": (("k8s-only", False, True),),
               "tuple[Fact, ...]": (Labelled("hub", "environment", "staging", "against"),)}
    kinds = [k for k in vars(refusals).values() if dataclasses.is_dataclass(k) and k.__module__ == refusals.__name__
             and k not in (refusals.TooOld, refusals.Recreated)] + [ContraryFacts]
    assert len(kinds) >= 11
    for kind in kinds:
        fact = kind(**{f.name: samples[str(f.type)] for f in dataclasses.fields(kind)})
        line = refused_text(fact)
        assert line and "\n" not in line and "Refused" not in line, (kind, line)
        error = Refused(fact)
        assert str(error) == line and error.exit_code == 2
    assert "namespace hub was created again since the plan" in refused_text(
        refusals.CannotResume("dev", refusals.Recreated("hub", "u2", "u1")))


def test_every_fact_a_run_reports_is_worded_in_present_and_the_engine_words_none():
    """The runner reports facts (a lost lease, a namespace left alone, kubeconfig entries removed…) as typed
    events; present/events.py words each kind, for the CLI and the TUI alike, and the runner emits no words of
    its own (no LogLine), nor do its Kubernetes steps, its backup, or the cloud providers' teardowns."""
    import ast
    import dataclasses
    import typing

    import hubtui.events as core
    import hubtui.facts as facts
    from hubtui.present.events import change_warning, event_line

    samples = {"str": "x", "int": 2, "float": 45.0, "bool": True, "tuple[str, ...]": ("ingress web/site",),
               "StepStarted | StepDone | StepFailed": core.StepFailed("redis", "timed out"),
               "ResourceSaid": facts.PartsLeft(("eks-nodegroup",))}
    kinds = typing.get_args(facts.Fact)
    assert len(kinds) >= 27
    for kind in kinds:
        fact = kind(**{f.name: samples[str(f.type)] for f in dataclasses.fields(kind)})
        line = event_line(fact)
        assert line and line[0].strip(), kind
        assert core.to_dict(fact)["event"] == kind.__name__
    assert event_line(facts.NamespaceKept("monitoring", ("ingress web/site",))) == (
        "    warning: namespace monitoring is left alone: used since the plan by ingress web/site", "warning")
    why = "listing its users in other namespaces is forbidden (403)"
    assert event_line(facts.NamespaceKept("ingress-nginx", (), why)) == (
        f"    warning: namespace ingress-nginx is left alone: whether something uses it could not be checked ({why})",
        "warning")
    from hubtui.present.summary import item_text

    assert item_text(facts.NamespaceLeftAlone("ingress-nginx", (), why)) == (
        f"namespace ingress-nginx (whether something uses it could not be checked ({why}): left alone; plan again)")
    assert event_line(facts.Within(core.StepStarted("backup redis", "redis-cluster-0")))[0] == \
        "    backup redis: started (redis-cluster-0)"
    assert core.to_dict(facts.Within(core.StepFailed("redis", "timed out"))) == {
        "event": "Within", "inner": {"event": "StepFailed", "step": "redis", "error": "timed out"}}
    assert event_line(facts.TryingAgain("aws: rds-instance hub-db: delete", "Throttling", 1.25, 2, 4)) == (
        "    warning: aws: rds-instance hub-db: delete: Throttling; trying again in 1.2s (2/4)", "warning")
    assert event_line(facts.HeldBack("aws: eks-cluster hub", facts.PartsLeft(("eks-nodegroup",))))[0] == \
        "    warning: aws: eks-cluster hub: skipped (cancelled before its nodegroups were gone)"
    assert event_line(facts.BackupNotSaved("TimescaleDB", "pg_dumpall failed", part="roles"))[0] == \
        "    warning: backup: TimescaleDB roles not saved: pg_dumpall failed"
    assert event_line(facts.BackupNotSaved("Kafka", absent_from="hub"))[0] == \
        "    warning: backup: Kafka not saved: no Kafka in hub, nothing of it to save"
    # a scale's own facts (hubtui/events.py)
    assert event_line(core.HpaWillUndo("api", "api-hpa", 2, 10, 0))[0] == \
        "    warning: api: HPA api-hpa (2–10) pauses while the deployment is at 0"
    assert event_line(core.HpaWillUndo("api", "api-hpa", 2, 10, 1))[0] == \
        "    warning: api: 1 is outside HPA api-hpa's range 2–10: the HPA will scale it back to 2"
    assert change_warning(core.AtRecordedCount("api")) == "already at its recorded count"
    assert change_warning(None) is None
    engines = ["hubtui/ops/scale.py", "hubtui/ops/cleanup/runner.py", "hubtui/ops/cleanup/kube_steps.py",
               "hubtui/ops/cleanup/backup.py",
               *(f"hubtui/cloud/{name}.py" for name in ("base", "aws", "gcp", "azure"))]
    for engine in engines:
        called = {n.func.id for n in ast.walk(ast.parse((ROOT / engine).read_text()))
                  if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)}
        assert "LogLine" not in called, engine


def test_a_hard_stop_says_so_and_names_each_resource_it_left_unrecorded(capsys):
    """`hubtui cleanup`'s second Ctrl-C: the run stops at once and says how to resume, and each resource whose end
    the stop could not record is named with why: the audit log failing (the run wrote the journal's line first,
    so the next run knows it), another error, or a further stop before it was recorded. A third Ctrl-C while the
    run was ending (its lock let go) does not lose them."""
    from pathlib import Path

    from hubtui.audit import AuditError
    from hubtui.cloud.base import StoppedAtOnce, Unrecorded
    from hubtui.headless.cleanup import _run_with_ctrl_c

    stopped = StoppedAtOnce((
        Unrecorded("RDS instance hub-dev-db", AuditError("cannot write the audit log", reason="No space left on device",
                                                         log=Path.home() / ".local/state/hubtui/audit.jsonl")),
        Unrecorded("EKS cluster hub-dev", OSError(28, "No space left on device")),
        Unrecorded("MSK cluster hub-dev-kafka", None),
    ))

    class Stopped:
        def __init__(self, again: bool):
            self.again = again

        def run(self, *, emit, cancel):
            if not self.again:
                raise stopped
            try:
                raise stopped
            finally:  # the lock let go as the stop goes up, and a third Ctrl-C lands there
                raise KeyboardInterrupt

    for again in (False, True):
        with pytest.raises(KeyboardInterrupt):
            _run_with_ctrl_c(Stopped(again), emit=None)
        assert capsys.readouterr().err.strip().splitlines() == [
            "stopped at once: run the same cleanup again to resume it",
            "the audit log misses the end of RDS instance hub-dev-db: cannot write ~/.local/state/hubtui/audit.jsonl "
            "(No space left on device); the journal has it, for the next run",
            "the end of EKS cluster hub-dev is not recorded: [Errno 28] No space left on device",
            "the end of MSK cluster hub-dev-kafka is not recorded: stopped again before it was",
        ]


def test_a_bare_hard_stop_says_only_how_to_resume(capsys):
    from hubtui.headless.cleanup import _run_with_ctrl_c

    class Stopped:
        def run(self, *, emit, cancel):
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        _run_with_ctrl_c(Stopped(), emit=None)
    assert capsys.readouterr().err.strip().splitlines() == ["stopped at once: run the same cleanup again to resume it"]
