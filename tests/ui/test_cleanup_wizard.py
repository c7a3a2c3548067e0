"""The cleanup wizard's screens, fed from memory: form, plan, typed confirmations, run, cancel, resume.
The engine behind them is tested against the real cluster (tests/integration/test_cleanup_run.py) and the
whole wizard runs end to end in a pty (tests/e2e/test_cleanup_e2e.py)."""

from __future__ import annotations

import threading

import pytest
from textual.widgets import Button, Input

from hubtui.ops.cleanup.journal import JournalState
from hubtui.ui.app import HubApp
from hubtui.ui.screens.cleanup import CleanupFormScreen, PlanScreen, ChooseDialog, RunScreen, TypedConfirm
from hubtui.ui.screens.deployments import DeploymentsScreen
from hubtui.ui.screens.modals import Confirm, Help

from .fakes import FakeBackend, pending_run
from .helpers import burst, dialog_words, opened, screen_lines, screen_text, until

SIZE = (130, 36)
SIZES = [SIZE, (80, 24)]  # the snapshots: the usual size and the smallest an operator works in


def size_id(size) -> str:
    return f"{size[0]}x{size[1]}"


def text(app, selector) -> str:
    return str(app.screen.query_one(selector).render())


async def open_form(pilot, app):
    await pilot.pause()
    await pilot.press("x")
    await until(pilot, lambda: isinstance(app.screen, CleanupFormScreen), what="the form")


def steady_cursors(app) -> None:
    """The text cursors on screen stop blinking (shown, steady): a snapshot never depends on the moment it is
    taken (a loaded machine took one between two blinks)."""
    for box in app.screen.query(Input):
        box.cursor_blink = False


async def fill(pilot, app, environment="dev", provider="k8s", *, ticks=()):
    await open_form(pilot, app)
    form = app.screen
    steady_cursors(app)
    form.query_one("#environment", Input).value = environment
    if provider:
        form.query_one(f"#provider-{provider}").value = True
    for key in ticks:
        form.query_one(f"#{key}").value = True
    await pilot.pause()


async def to_plan(pilot, app, **kw):
    await fill(pilot, app, **kw)
    await pilot.press("f5")
    await until(pilot, lambda: isinstance(app.screen, PlanScreen), what="the plan")


async def first_question(pilot, app, **kw):
    """The plan of the form filled with `kw`, and D pressed on it: its first typed question on screen."""
    await to_plan(pilot, app, **kw)
    await pilot.press("D")
    await until(pilot, lambda: isinstance(app.screen, TypedConfirm), what="the first question")


async def to_resume_choice(pilot, app):
    """The form filled and F5 pressed with a pending run: the question whether to resume it on screen."""
    await fill(pilot, app)
    await pilot.press("f5")
    await until(pilot, lambda: isinstance(app.screen, ChooseDialog), what="the resume question")


async def to_running_namespaces(pilot, app):
    """Planned, confirmed, and run up to its namespaces step (a backend whose run waits on its gate)."""
    await to_plan(pilot, app)
    await confirm_all(pilot, app)
    await until(pilot, lambda: isinstance(app.screen, RunScreen) and app.screen.step_state("namespaces") == "running",
                what="the namespaces step running")


async def to_protection_question(pilot, app):
    """D on the plan, `yes` to its question: the question about deletion protection on screen."""
    await pilot.press("D")
    await until(pilot, lambda: isinstance(app.screen, TypedConfirm))
    await type_into(pilot, app, "yes")
    await pilot.press("enter")
    await until(pilot, lambda: isinstance(app.screen, TypedConfirm) and "protection" in text(app, ".dialog-title"),
                what="the deletion protection question")


async def type_into(pilot, app, phrase: str):
    steady_cursors(app)
    app.screen.query_one(Input).value = phrase
    await pilot.pause()


def log_text(run) -> str:
    return "\n".join(line.text for line in run.query_one("#log").lines)


def ok_enabled(app) -> bool:
    return not app.screen.query_one("#ok", Button).disabled


async def confirm_all(pilot, app) -> list[str]:
    """D on the plan, then each typed question answered with its exact phrase; the questions asked."""
    asked = []
    await pilot.press("D")
    while True:
        await until(pilot, lambda: isinstance(app.screen, (TypedConfirm, RunScreen)), what="a question or the run")
        if isinstance(app.screen, RunScreen):
            return asked
        asked.append(text(app, ".dialog-title"))
        await type_into(pilot, app, app.screen.confirmation.phrase)
        await pilot.press("enter")
        await until(pilot, lambda: not asked or not isinstance(app.screen, TypedConfirm)
                    or text(app, ".dialog-title") != asked[-1], what="the next screen")


async def test_bad_input_gives_one_line_and_plans_nothing():
    backend = FakeBackend()
    async with opened(backend, size=SIZE) as (app, pilot):
        await fill(pilot, app, environment="", provider="k8s")
        await pilot.press("f5")
        await until(pilot, lambda: "the environment is empty" in text(app, "#problem"))
        app.screen.query_one("#environment", Input).value = "dev"
        app.screen.query_one("#namespace", Input).value = "kube-system"
        await pilot.press("f5")
        await until(pilot, lambda: "belongs to Kubernetes itself" in text(app, "#problem"))
        assert "Nothing was changed" in text(app, "#message")
        assert isinstance(app.screen, CleanupFormScreen)
        assert not [c for c in backend.calls if c[0] == "plan"]


async def test_the_provider_has_no_default():
    async with opened(FakeBackend(), size=SIZE) as (app, pilot):
        await fill(pilot, app, provider=None)
        await pilot.press("f5")
        await until(pilot, lambda: "choose a provider (aws, gcp, azure, k8s)" in text(app, "#problem"))


async def test_the_plan_shows_context_targets_and_risks_and_dry_run_changes_nothing():
    backend = FakeBackend()
    async with opened(backend, size=SIZE) as (app, pilot):
        await to_plan(pilot, app)
        assert "Context   kwok-demo" in text(app, "#identity")
        body = app.screen.tree_text()
        assert "  namespace llm-analytics-hub  main · 16 pods · 3 volumes, 32 GiB" in body
        assert "    volumes (3)\n      data-kafka-0 10Gi\n      data-redis-cluster-0 2Gi\n" in body
        assert "Kubernetes  4 namespaces · 19 pods · 3 volumes, 32 GiB" in body
        assert "Steps  Stop writers → Backup → Drain → Delete namespaces → Local state" in body
        assert "! persistent volumes are deleted" in text(app, "#risk-lines")
        await pilot.click("#dry")
        await until(pilot, lambda: isinstance(app.screen, DeploymentsScreen))
        assert any("Dry run: nothing was changed" in str(n.message) for n in app._notifications)
        assert not [c for c in backend.calls if c[0] == "run"]


async def test_yes_must_be_typed_exactly_then_the_run_streams_its_steps_and_summary():
    backend = FakeBackend()
    async with opened(backend, size=SIZE) as (app, pilot):
        await first_question(pilot, app)
        assert "Are you sure you want to destroy 'dev' on context kwok-demo" in text(app, ".dialog-title")
        assert "namespace llm-analytics-hub: 8 deployments, 3 statefulsets" in text(app, "#warning")
        for wrong in ("", "y", "Yes", "YES", " yes", "yes ", "no"):
            await type_into(pilot, app, wrong)
            assert not ok_enabled(app), wrong
            await pilot.press("enter")
            assert isinstance(app.screen, TypedConfirm), wrong
        await type_into(pilot, app, "yes")
        assert ok_enabled(app)
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, RunScreen) and app.screen.summary is not None)
        run = app.screen
        await until(pilot, lambda: "Redis saved" in log_text(run), what="the log")
        assert "==> Backup" in log_text(run) and "backup: Redis saved to redis.rdb" in log_text(run)
        assert "Cleanup of 'dev' completed in " in text(app, "#summary-head")
        steps = ("quiesce", "backup", "drain", "namespaces", "local")
        assert [run.step_state(s) for s in steps] == ["done"] * 5
        table = run.query_one("#summary-table")
        assert [str(table.get_row(s)[1]) for s in steps] == ["done"] * 5
        assert str(table.get_row("namespaces")[3]) == "4 deleted, 0 already gone"
        assert ("run", "dev", False) in backend.calls
        await pilot.press("escape")
        await until(pilot, lambda: isinstance(app.screen, DeploymentsScreen))
        # no old news beside an empty list: the screen says its namespace went with the cleanup
        await until(pilot, lambda: "namespace llm-analytics-hub was deleted by the cleanup of 'dev'"
                    in text(app, "#message"), what="what happened to the namespace")


async def test_production_first_needs_delete_production_and_a_refusal_changes_nothing():
    backend = FakeBackend()
    async with opened(backend, size=SIZE) as (app, pilot):
        await first_question(pilot, app, environment="production")
        assert "Type DELETE PRODUCTION" in text(app, ".dialog-title")
        for wrong in ("delete production", "DELETE  PRODUCTION", "DELETE PRODUCTION ", "yes", "DELETE"):
            await type_into(pilot, app, wrong)
            assert not ok_enabled(app), wrong
        await type_into(pilot, app, "DELETE PRODUCTION")
        await pilot.click("#ok")
        await until(pilot, lambda: isinstance(app.screen, TypedConfirm)
                    and "Are you sure you want to destroy 'production'" in text(app, ".dialog-title"))
        await pilot.press("escape")
        await until(pilot, lambda: isinstance(app.screen, PlanScreen))
        assert "Not confirmed: nothing was changed." in text(app, "#message")
        assert not [c for c in backend.calls if c[0] == "run"]


async def test_delete_production_does_not_stand_in_for_yes_elsewhere():
    async with opened(FakeBackend(), size=SIZE) as (app, pilot):
        await first_question(pilot, app, environment="staging")
        assert "destroy 'staging' on context kwok-demo" in text(app, ".dialog-title")
        await type_into(pilot, app, "DELETE PRODUCTION")
        assert not ok_enabled(app)


async def test_the_wizard_has_no_force_and_every_question_names_the_context_and_cluster():
    backend = FakeBackend()
    async with opened(backend, size=SIZE) as (app, pilot):
        await open_form(pilot, app)
        assert not app.screen.query("#force")  # --force is for automation only
        await to_plan(pilot, app)
        assert "Evidence  that this is 'dev': yes" in text(app, "#identity")
        assert "namespace llm-analytics-hub is labelled environment=dev" in text(app, "#identity")
        asked = await confirm_all(pilot, app)
        assert asked == ["Are you sure you want to destroy 'dev' on context kwok-demo (cluster kwok-demo, server "
                         "https://127.0.0.1:6443)? (yes/NO)"]
        await until(pilot, lambda: app.screen.summary is not None)
        assert ("force", False) in backend.calls


async def test_with_no_evidence_the_context_name_must_be_typed():
    backend = FakeBackend()
    backend.labelled = False
    async with opened(backend, size=SIZE) as (app, pilot):
        await to_plan(pilot, app, environment="staging")
        assert "Evidence  that this is 'staging': NONE" in text(app, "#identity")
        await pilot.press("D")
        await until(pilot, lambda: isinstance(app.screen, TypedConfirm))
        assert "Type the context's name (kwok-demo)" in text(app, ".dialog-title")
        for wrong in ("yes", "kwok", "kwok-demo ", "KWOK-DEMO"):
            await type_into(pilot, app, wrong)
            assert not ok_enabled(app), wrong
        await pilot.press("escape")
        await until(pilot, lambda: isinstance(app.screen, PlanScreen))
        assert "Not confirmed: nothing was changed." in text(app, "#message")
        assert not [c for c in backend.calls if c[0] == "run"]


async def test_spaces_around_the_environment_are_refused_in_the_form():
    backend = FakeBackend()
    async with opened(backend, size=SIZE) as (app, pilot):
        for bad in ("production ", " production", "prod eu"):
            await fill(pilot, app, environment=bad)
            await pilot.press("f5")
            await until(pilot, lambda: "use lower-case letters, digits and '-', with no spaces"
                        in text(app, "#problem"))
            assert isinstance(app.screen, CleanupFormScreen)
            await pilot.press("escape")
        assert not [c for c in backend.calls if c[0] == "plan"]


async def test_a_production_like_name_needs_delete_production():
    async with opened(FakeBackend(), size=SIZE) as (app, pilot):
        await first_question(pilot, app, environment="prod-eu")
        assert "Type DELETE PRODUCTION to destroy the production environment 'prod-eu'" in text(app, ".dialog-title")


async def test_dry_run_in_the_form_disables_destroy():
    backend = FakeBackend()
    async with opened(backend, size=SIZE) as (app, pilot):
        await to_plan(pilot, app, ticks=("dry_run",))
        assert app.screen.query_one("#destroy", Button).disabled
        await pilot.press("D")
        await pilot.pause()
        assert isinstance(app.screen, PlanScreen)
        assert "DRY RUN" in text(app, "#force-notice")
        assert "This is a dry-run plan: it destroys nothing" in text(app, "#message")  # D is never silent
        assert not [c for c in backend.calls if c[0] == "run"]


async def test_enter_on_a_wrong_phrase_says_what_is_wrong_and_typing_again_clears_it():
    async with opened(FakeBackend(), size=SIZE) as (app, pilot):
        await first_question(pilot, app)
        await pilot.press(*"Yes", "enter")  # a burst, as a fast typist sends it
        await until(pilot, lambda: "Not 'yes' exactly (case and spaces count)" in text(app, "#hint"),
                    what="the hint")
        assert isinstance(app.screen, TypedConfirm)
        await pilot.press("backspace")
        await until(pilot, lambda: text(app, "#hint").strip() == "", what="the hint to clear")


async def test_a_form_problem_goes_once_the_field_is_being_fixed():
    async with opened(FakeBackend(), size=SIZE) as (app, pilot):
        await fill(pilot, app, environment="")
        await pilot.press("f5")
        await until(pilot, lambda: "the environment is empty" in text(app, "#problem"))
        app.screen.query_one("#environment", Input).focus()
        await pilot.press(*"dev")
        await until(pilot, lambda: text(app, "#problem").strip() == "", what="the problem to go")


async def test_deletion_protection_is_asked_even_with_force_and_a_refusal_changes_nothing():
    backend = FakeBackend()
    async with opened(backend, size=SIZE) as (app, pilot):
        await to_plan(pilot, app, provider="aws")
        assert "llm-analytics-hub-dev-postgres  matched by name  deletion protection ON" in app.screen.tree_text()
        assert "  rds-instance (1)" in app.screen.tree_text()
        assert "AWS account 123456789012" in text(app, "#identity")
        await to_protection_question(pilot, app)
        assert ("rds-instance llm-analytics-hub-dev-postgres in AWS account 123456789012 has deletion protection "
                "(cleanup of 'dev' on context kwok-demo") in text(app, ".dialog-title")
        await pilot.press("escape")
        await until(pilot, lambda: isinstance(app.screen, PlanScreen))
        assert "stays on: nothing was changed" in text(app, "#message")
        await to_protection_question(pilot, app)
        await type_into(pilot, app, "yes")
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, RunScreen) and app.screen.summary is not None)
        assert ("run", "dev", True) in backend.calls


async def test_cancel_asks_first_then_stops_at_a_safe_point_and_says_how_to_resume():
    backend = FakeBackend()
    backend.cleanup_gate = threading.Event()
    async with opened(backend, size=SIZE) as (app, pilot):
        await to_running_namespaces(pilot, app)
        assert "1/4 · 3 namespaces terminating" in text(app, "#detail-namespaces")
        for key in ("q", "ctrl+q", "ctrl+c"):  # none quits in the middle of a run: each asks first
            await pilot.press(key)
            await until(pilot, lambda: isinstance(app.screen, Confirm))
            assert "Quit during the cleanup?" in text(app, ".dialog-title")
            await pilot.press("n")  # not quit: the run goes on
            await until(pilot, lambda: isinstance(app.screen, RunScreen))
            assert not app.screen.cancel.is_set()
        await until(pilot, lambda: isinstance(app.screen, RunScreen))
        assert not app.screen.cancel.is_set()
        await pilot.press("escape")
        await until(pilot, lambda: isinstance(app.screen, Confirm))
        await pilot.press("y")
        await until(pilot, lambda: isinstance(app.screen, RunScreen) and app.screen.cancel.is_set())
        backend.cleanup_gate.set()
        await until(pilot, lambda: app.screen.summary is not None)
        summary = text(app, "#summary-head")
        assert "was cancelled" in summary and "again to resume from 'Delete namespaces'" in summary
        assert "completed" not in summary
        assert app.screen.step_state("local") == "skipped"
        await until(pilot, lambda: "Cancelled: 'dev' is not destroyed" in screen_text(app), what="the closing line")
        assert "Finished. Esc" not in screen_text(app)  # the summary names the finished steps; the run did not finish
        await pilot.press("question_mark")
        await until(pilot, lambda: isinstance(app.screen, Help))
        await pilot.press("escape")
        await until(pilot, lambda: isinstance(app.screen, RunScreen))
        await pilot.press("escape")  # finished: Esc closes
        await until(pilot, lambda: isinstance(app.screen, DeploymentsScreen))


async def test_an_interrupted_run_is_offered_for_resume_with_its_saved_plan():
    backend = FakeBackend()
    backend.pending = pending_run(drain_started=True)
    async with opened(backend, size=SIZE) as (app, pilot):
        await to_resume_choice(pilot, app)
        body = dialog_words(app)
        assert "steps finished: Backup" in body and "its backup taken" in body
        assert "started " in body and ("on 26 Nov at " in body or " at " in body) and "2026-11-26T" not in body
        await pilot.click("#resume")
        await until(pilot, lambda: isinstance(app.screen, PlanScreen))
        assert app.screen.resume and str(app.screen.query_one("#destroy", Button).label) == "Resume…"
        assert "what earlier runs did stays done" in text(app, "#message")  # never "nothing has been changed"
        assert "Nothing has been changed" not in text(app, "#message")
        assert ("load", "/state/hubtui/cleanup/dev/plan-aaaa.json") in backend.calls
        assert not [c for c in backend.calls if c[0] == "plan"]
        assert ("stale", "dev") in backend.calls
        # the saved plan had Force ticked; this time it is not: the typed phrase is asked again
        await pilot.press("D")
        await until(pilot, lambda: isinstance(app.screen, TypedConfirm))


async def test_a_resume_with_other_options_is_refused_as_the_cli_refuses_it():
    backend = FakeBackend()
    backend.pending = pending_run()
    async with opened(backend, size=SIZE) as (app, pilot):
        await fill(pilot, app, provider="aws", ticks=("k8s_only",))
        await pilot.press("f5")
        await until(pilot, lambda: "is pending with other options" in text(app, "#problem"))
        assert "provider 'k8s' (now 'aws')" in text(app, "#problem")
        assert isinstance(app.screen, CleanupFormScreen)
        assert not [c for c in backend.calls if c[0] in ("plan", "discard")]


async def test_a_stale_run_is_not_offered_for_resume_but_planned_afresh():
    backend = FakeBackend()
    backend.pending = pending_run("2026-11-20T11:00:00Z")
    from hubtui.ops.cleanup.refusals import TooOld

    backend.stale = TooOld(7 * 86400, 86400)
    async with opened(backend, size=SIZE) as (app, pilot):
        await fill(pilot, app)
        await pilot.press("f5")
        await until(pilot, lambda: isinstance(app.screen, PlanScreen))
        assert not app.screen.resume
        assert ("discard", "dev") in backend.calls and [c for c in backend.calls if c[0] == "plan"]


async def test_quit_during_a_run_asks_then_stops_at_a_safe_point_and_only_then_exits():
    backend = FakeBackend()
    backend.cleanup_gate = threading.Event()
    async with opened(backend, size=SIZE) as (app, pilot):
        await to_running_namespaces(pilot, app)
        run = app.screen
        await pilot.press("ctrl+q")
        await until(pilot, lambda: isinstance(app.screen, Confirm))
        await pilot.press("y")
        await until(pilot, lambda: run.cancel.is_set())
        await pilot.pause(0.3)
        assert app.is_running and run.summary is None  # still there while the run goes to its safe point
        backend.cleanup_gate.set()
        await until(pilot, lambda: not app.is_running or app.return_code is not None, what="the exit")
    assert app.return_code == 1  # cancelled: not a success


async def test_an_error_part_way_says_the_run_stopped_and_can_be_resumed():
    backend = FakeBackend()
    backend.cleanup_error = "cannot write the cleanup journal /x (No space left on device)"
    async with opened(backend, size=SIZE) as (app, pilot):
        await to_plan(pilot, app)
        await confirm_all(pilot, app)
        await until(pilot, lambda: isinstance(app.screen, RunScreen) and app.screen.query_one("#summary").display)
        assert "The cleanup stopped with an error: cannot write the cleanup journal" in text(app, "#summary-head")
        assert "again to resume it" in text(app, "#summary-head")
        assert app.screen.step_state("namespaces") == "stopped"
        assert ("force", False) in backend.calls
        await pilot.press("escape")
        await until(pilot, lambda: isinstance(app.screen, DeploymentsScreen))


async def test_plan_again_sets_the_interrupted_run_aside():
    backend = FakeBackend()
    backend.pending = JournalState("a" * 64, "/x/plan.json", "2026-11-26T11:00:00Z", {})
    async with opened(backend, size=SIZE) as (app, pilot):
        await to_resume_choice(pilot, app)
        await pilot.click("#again")
        await until(pilot, lambda: isinstance(app.screen, PlanScreen))
        assert ("discard", "dev") in backend.calls and not app.screen.resume


async def test_every_wizard_screen_has_help_and_escape_goes_back_step_by_step():
    async with opened(FakeBackend(), size=SIZE) as (app, pilot):
        await to_plan(pilot, app)
        for screen, key in ((PlanScreen, "question_mark"), (CleanupFormScreen, "f1")):  # ? types in a field
            assert isinstance(app.screen, screen)
            await pilot.press(key)
            await until(pilot, lambda: isinstance(app.screen, Help))
            await pilot.press(key)  # the key that opened help closes it (F1 toggles the form's help)
            await until(pilot, lambda screen=screen: isinstance(app.screen, screen))
            await pilot.press(key)
            await until(pilot, lambda: isinstance(app.screen, Help))
            await pilot.press("escape")
            await until(pilot, lambda screen=screen: isinstance(app.screen, screen))
            await pilot.press("escape")
        await until(pilot, lambda: isinstance(app.screen, DeploymentsScreen))


class TestSnapshots:
    @pytest.mark.parametrize("size", SIZES, ids=size_id)
    def test_form(self, snap_compare, size):
        async def settle(pilot):
            await fill(pilot, pilot.app, environment="staging", ticks=("skip_backup",))

        assert snap_compare(HubApp(backend=FakeBackend()), terminal_size=size, run_before=settle)

    @pytest.mark.parametrize("size", SIZES, ids=size_id)
    def test_plan(self, snap_compare, size):
        async def settle(pilot):
            await to_plan(pilot, pilot.app, provider="aws")

        assert snap_compare(HubApp(backend=FakeBackend()), terminal_size=size, run_before=settle)

    @pytest.mark.parametrize("size", SIZES, ids=size_id)
    def test_production_modal(self, snap_compare, size):
        async def settle(pilot):
            await to_plan(pilot, pilot.app, environment="production")
            await pilot.press("D")
            await until(pilot, lambda: isinstance(pilot.app.screen, TypedConfirm))
            await type_into(pilot, pilot.app, "DELETE PRODUC")

        assert snap_compare(HubApp(backend=FakeBackend()), terminal_size=size, run_before=settle)

    @pytest.mark.parametrize("size", SIZES, ids=size_id)
    def test_run_finished(self, snap_compare, size):
        async def settle(pilot):
            await to_plan(pilot, pilot.app)
            await confirm_all(pilot, pilot.app)
            await until(pilot, lambda: isinstance(pilot.app.screen, RunScreen) and pilot.app.screen.summary)
            await pilot.pause(0.2)

        assert snap_compare(HubApp(backend=FakeBackend()), terminal_size=size, run_before=settle)


async def test_read_only_refuses_a_destroy_at_plan_and_still_plans_a_dry_run():
    """Step 1 of the session: a destroy is refused before any lock or question; a dry run plans anyway."""
    backend = FakeBackend()
    backend.readonly = "context prod matches the read-only pattern '*prod*' of the config file"
    async with opened(backend, size=SIZE) as (app, pilot):
        await fill(pilot, app)
        await pilot.press("f5")
        await until(pilot, lambda: "destroying 'dev' is refused" in text(app, "#problem"), what="the refusal")
        assert "read-only (context prod matches" in text(app, "#problem")
        assert isinstance(app.screen, CleanupFormScreen)
        assert not [c for c in backend.calls if c[0] in ("lock", "plan", "run")]
        app.screen.query_one("#dry_run").value = True
        await pilot.pause()
        await pilot.press("f5")
        await until(pilot, lambda: isinstance(app.screen, PlanScreen), what="the dry-run plan")
        assert "READ-ONLY" in text(app, "#titlebar")
        await pilot.press("D")
        await until(pilot, lambda: app._notifications, what="the explanation")
        assert "destroying 'dev' is refused: read-only (context prod matches" in str(
            list(app._notifications)[-1].message)
        assert isinstance(app.screen, PlanScreen)
        assert not [c for c in backend.calls if c[0] in ("lock", "run")]


@pytest.mark.parametrize("size", [(80, 24), (130, 36)], ids=size_id)
async def test_the_form_and_the_plan_keep_their_buttons_on_screen(size):
    """The whole form, its buttons included, at 130×36; at 80×24 the buttons stay while the fields scroll. The
    plan keeps its buttons and room for the plan itself."""
    async with opened(FakeBackend(), size=size) as (app, pilot):
        await open_form(pilot, app)
        await pilot.pause(0.2)
        shown = screen_text(app)
        assert "Plan" in shown and "Back" in shown and "Dry run: plan only, change nothing" in shown
        assert "f1 Help" in screen_lines(app)[-1]
        await pilot.click("#back")  # a click on the button as well as its key
        await until(pilot, lambda: not isinstance(app.screen, CleanupFormScreen), what="back from the form")
        await to_plan(pilot, app, provider="aws")
        await pilot.pause(0.2)
        lines = screen_lines(app)
        buttons = next(line for line in lines if "Destroy…" in line)
        assert "Dry run" in buttons and "Back" in buttons
        assert any("▼ Kubernetes" in line for line in lines)
        assert any("namespace llm-analytics-hub" in line and "main" in line for line in lines)  # the plan, not only its head
        assert "Plan saved to" in screen_text(app) and "changed." in screen_text(app)
        assert "? Help" in lines[-1]


async def test_after_a_dry_run_x_offers_the_forms_values_again():
    async with opened(FakeBackend(), size=SIZE) as (app, pilot):
        await to_plan(pilot, app, environment="staging", provider="gcp")
        await pilot.press("s")  # the plan's dry run: nothing changes, back to the deployments
        await until(pilot, lambda: isinstance(app.screen, DeploymentsScreen), what="the deployments")
        await pilot.press("x")
        await until(pilot, lambda: isinstance(app.screen, CleanupFormScreen), what="the form again")
        await pilot.pause(0.2)
        shown = screen_text(app)
        assert "staging" in next(line for line in screen_lines(app) if "Environment" in line)
        assert "The values of the last plan" in shown
        assert app.screen.query_one("#provider-gcp").value  # the radio button drawn as chosen
        await pilot.press("f5")
        await until(pilot, lambda: isinstance(app.screen, PlanScreen), what="the same plan again")
        assert "environment staging" in screen_lines(app)[0] and "provider gcp" in screen_lines(app)[0]


async def test_keys_typed_right_after_d_act_on_nothing_and_answer_no_question_not_yet_shown():
    """D, then `yes` and Enter in the same burst: the first question is prepared off the UI thread, so those keys
    come before it is on screen. They are set aside and said: `s` does not close the plan as a dry run (its key
    there), and nothing answers a question the operator has not seen. Typed again once it shows, it goes on."""
    backend = FakeBackend()
    async with opened(backend, size=SIZE, notifications=True) as (app, pilot):
        await to_plan(pilot, app)
        burst(app, "D", "y", "e", "s", "enter")
        await until(pilot, lambda: "Type yes to go on" in screen_text(app), what="the first question")
        await until(pilot, lambda: "4 keys typed before this dialog was on screen" in screen_text(app), what="the keys, said")
        assert "Dry run: nothing was changed" not in screen_text(app)
        await pilot.press("enter")  # its field is empty: the keys typed before it are not in it
        await until(pilot, lambda: "Not 'yes' exactly" in screen_text(app), what="the hint")
        assert not [c for c in backend.calls if c[0] == "run"]
        burst(app, *"yes", "enter")
        await until(pilot, lambda: [c for c in backend.calls if c[0] == "run"], what="the run")


async def test_keys_typed_with_the_key_that_opens_the_form_reach_its_fields_tab_included():
    """`x`, `dev`, Tab, → → →, Space and F5 at once, before the form is on screen: Tab is bound with priority
    (Textual acts on it where it is read, before any widget), and it moved the focus on the screen `x` was
    leaving; it waits for the keys before it now, and moves the focus in the form."""
    async with opened(FakeBackend(), size=SIZE) as (app, pilot):
        await pilot.pause()
        burst(app, "x", "d", "e", "v", "tab", "right", "right", "right", "space", "f5")
        await until(pilot, lambda: isinstance(app.screen, PlanScreen) and "environment dev" in screen_lines(app)[0],
                    what="the plan on screen")
        assert "provider k8s" in screen_lines(app)[0]


async def test_esc_then_keys_at_once_on_the_form_do_not_act_on_the_screen_it_uncovers():
    """Esc, Tab, `0`, Enter at once on the cleanup form: the keys were typed on the form; once Esc closed it they
    are dropped, not sent to the deployments screen it uncovered (where `0` Enter scales the selected deployment
    to 0). Tab waited for Esc, and the keys behind it for Tab: all of them were read on the form."""
    backend = FakeBackend()
    async with opened(backend, size=SIZE) as (app, pilot):
        await open_form(pilot, app)
        burst(app, "escape", "tab", "0", "enter")
        await until(pilot, lambda: isinstance(app.screen, DeploymentsScreen), what="back on the deployments")
        for _ in range(10):
            await pilot.pause(0.05)
        await pilot.press("question_mark")  # typed after: every key before it is handled
        await until(pilot, lambda: isinstance(app.screen, Help), what="the help")
        assert backend.calls == [] and "target 0" not in screen_text(app)


@pytest.mark.parametrize("button, gone", [("#dry", 2), ("#back", 1)])
async def test_keys_typed_with_enter_on_a_button_that_closes_the_plan_do_not_reach_the_screens_it_uncovers(
        button, gone):
    """Enter on the plan's Dry run (it closes the plan and the form) or Back, with Tab, `0` and Enter at once:
    the button's press comes after Enter is handled (a message of its own); the keys typed on the plan are
    dropped once it closed, never sent to the screen uncovered (on the deployments, `0` Enter scales the
    selected deployment to 0)."""
    backend = FakeBackend()
    async with opened(backend, size=SIZE) as (app, pilot):
        await to_plan(pilot, app)
        app.screen.query_one(button, Button).focus()
        await pilot.pause()
        depth = len(app.screen_stack)
        burst(app, "enter", "tab", "0", "enter")
        await until(pilot, lambda: len(app.screen_stack) == depth - gone, what="the plan closed")
        for _ in range(10):
            await pilot.pause(0.05)
        assert not [c for c in backend.calls if c[0] in ("scale", "scale_all")] and "target 0" not in screen_text(app)


async def test_keys_typed_as_one_burst_reach_the_field_the_focus_moved_to():
    """`dev`, Tab, → → →, Space and F5 sent at once as the form opens (a paste, a fast typist): the space is
    not typed into Environment, k8s is chosen, and F5 plans with it, as when the keys come one by one."""
    async with opened(FakeBackend(), size=SIZE) as (app, pilot):
        await open_form(pilot, app)
        burst(app, "d", "e", "v", "tab", "right", "right", "right", "space", "f5")
        await until(pilot, lambda: isinstance(app.screen, PlanScreen) and "environment dev" in screen_lines(app)[0],
                    what="the plan on screen")
        assert "provider k8s" in screen_lines(app)[0]
