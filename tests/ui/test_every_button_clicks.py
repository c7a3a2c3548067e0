"""Every button of every screen works by click, as it does by key: a browser demo clicks. Each click is
checked by what the screen shows next, and a refusing button (Cancel, No, Back) changes nothing."""

from __future__ import annotations

from textual.widgets import Input

from hubtui.ui.screens.cleanup import CleanupFormScreen, PlanScreen, ChooseDialog, RunScreen, TypedConfirm
from hubtui.ui.screens.deployments import DeploymentsScreen
from hubtui.ui.screens.modals import Confirm, NumberPrompt

from .fakes import FakeBackend, pending_run
from .helpers import dialog_words, opened, opened_on, press_for, screen_text, until
from .test_cleanup_wizard import SIZE, fill, text, to_plan, to_resume_choice, type_into


async def scroll_to(pilot, app, selector: str) -> None:
    """Scroll the button into view, as a person scrolls the form down to reach it."""
    app.screen.query_one(selector).scroll_visible(animate=False)
    await pilot.pause()


async def test_the_form_s_plan_and_back_buttons():
    backend = FakeBackend()
    async with opened(backend, size=SIZE) as (app, pilot):
        await fill(pilot, app)
        await scroll_to(pilot, app, "#back")
        assert await pilot.click("#back")
        await until(pilot, lambda: isinstance(app.screen, DeploymentsScreen), what="back to the deployments")
        assert not [c for c in backend.calls if c[0] == "plan"]
        await fill(pilot, app)
        await scroll_to(pilot, app, "#plan")
        assert await pilot.click("#plan")
        await until(pilot, lambda: isinstance(app.screen, PlanScreen), what="the plan")
        assert "Cleanup plan" in text(app, "#titlebar")


async def test_the_destroy_button_clicked_opens_the_first_question_and_cancel_clicked_changes_nothing():
    backend = FakeBackend()
    async with opened(backend, size=SIZE) as (app, pilot):
        await to_plan(pilot, app)
        await pilot.click("#destroy")
        await until(pilot, lambda: isinstance(app.screen, TypedConfirm), what="the first question")
        assert "Are you sure you want to destroy 'dev' on context kwok-demo" in text(app, ".dialog-title")
        await pilot.click("#cancel")
        await until(pilot, lambda: isinstance(app.screen, PlanScreen))
        assert "Not confirmed: nothing was changed." in text(app, "#message")
        await pilot.click("#destroy")
        await until(pilot, lambda: isinstance(app.screen, TypedConfirm))
        await pilot.click("#ok")  # disabled until the phrase matches: nothing happens
        await pilot.pause()
        assert isinstance(app.screen, TypedConfirm)
        await type_into(pilot, app, "yes")
        await pilot.click("#ok")
        await until(pilot, lambda: isinstance(app.screen, RunScreen) and app.screen.summary is not None,
                    what="the run")
        assert "Cleanup of 'dev' completed in " in text(app, "#summary-head")
        assert not [c for c in backend.calls if c[0] == "run"][1:]  # exactly one run


async def test_the_plan_s_back_button_returns_to_the_form():
    async with opened(FakeBackend(), size=SIZE) as (app, pilot):
        await to_plan(pilot, app)
        await pilot.click("#back")
        await until(pilot, lambda: isinstance(app.screen, CleanupFormScreen), what="the form")
        assert app.screen.query_one("#environment", Input).value == "dev"


async def test_the_resume_button_clicked_asks_the_first_question_and_the_choice_s_cancel_stays():
    backend = FakeBackend()
    backend.pending = pending_run(drain_started=True)
    async with opened(backend, size=SIZE) as (app, pilot):
        await to_resume_choice(pilot, app)
        await pilot.click("#cancel")
        await until(pilot, lambda: isinstance(app.screen, CleanupFormScreen))
        assert not [c for c in backend.calls if c[0] in ("plan", "discard", "run")]
        assert "Nothing was changed: the interrupted cleanup of 'dev' stays pending." in text(app, "#message")
        assert backend.calls[-1] == ("unlock", "dev")  # the environment's lock went with the question
        await press_for(pilot, app, "f5", ChooseDialog)
        await pilot.click("#resume")
        await until(pilot, lambda: isinstance(app.screen, PlanScreen) and app.screen.resume)
        await pilot.click("#destroy")  # labelled Resume…
        await until(pilot, lambda: isinstance(app.screen, TypedConfirm), what="the first question")


async def zero_clicked(pilot, app):
    """`a` (scale all), 0 in its prompt, and its OK button clicked."""
    await press_for(pilot, app, "a", NumberPrompt)
    app.screen.query_one(Input).value = "0"
    await pilot.pause()
    await pilot.click("#ok")


async def test_the_scale_all_prompt_s_buttons_and_the_confirmation_s_yes_and_no():
    backend = FakeBackend()
    async with opened_on("api-server", backend, size=SIZE) as (app, pilot):
        await press_for(pilot, app, "a", NumberPrompt)
        await pilot.click("#cancel")
        await until(pilot, lambda: isinstance(app.screen, DeploymentsScreen))
        assert backend.calls == []
        await zero_clicked(pilot, app)
        await until(pilot, lambda: isinstance(app.screen, Confirm), what="the confirmation of 0")
        await pilot.click("#no")
        await until(pilot, lambda: isinstance(app.screen, DeploymentsScreen))
        assert backend.calls == []
        await zero_clicked(pilot, app)
        await until(pilot, lambda: isinstance(app.screen, Confirm))
        await pilot.click("#yes")
        await until(pilot, lambda: backend.calls, what="scale all")
        assert backend.calls == [("scale_all", 0, False)]


async def test_at_80x24_the_typed_question_keeps_its_field_and_buttons_on_screen():
    """The list of what goes scrolls inside the dialog; the field, OK and Cancel stay visible and clickable."""
    backend = FakeBackend()
    async with opened(backend, size=(80, 24)) as (app, pilot):
        await to_plan(pilot, app, environment="production")  # the longest question first
        await pilot.press("D")
        await until(pilot, lambda: isinstance(app.screen, TypedConfirm), what="DELETE PRODUCTION")
        screen_region = app.screen.region
        for selector in ("#phrase", "#ok", "#cancel"):
            widget = app.screen.query_one(selector)
            assert screen_region.contains_region(widget.region), (selector, widget.region)
        assert await pilot.click("#cancel")
        await until(pilot, lambda: isinstance(app.screen, PlanScreen))
        await press_for(pilot, app, "D", TypedConfirm)
        await type_into(pilot, app, "DELETE PRODUCTION")
        assert await pilot.click("#ok")
        await until(pilot, lambda: isinstance(app.screen, TypedConfirm)
                    and app.screen.confirmation.phrase == "yes", what="the second question")


async def test_an_unreadable_pending_plan_is_set_aside_only_by_its_button():
    backend = FakeBackend()
    backend.pending = pending_run()
    backend.unreadable = "cannot read the saved plan /state/hubtui/cleanup/dev/plan-aaaa.json: no such file"
    async with opened(backend, size=SIZE) as (app, pilot):
        await to_resume_choice(pilot, app)
        words = dialog_words(app)
        assert "The interrupted cleanup of 'dev' cannot be resumed" in words and "no such file" in words
        assert "Set aside and plan" in screen_text(app)
        await pilot.press("escape")  # not answered: nothing set aside, nothing planned
        await until(pilot, lambda: isinstance(app.screen, CleanupFormScreen))
        assert "stays pending" in text(app, "#message")
        assert not [c for c in backend.calls if c[0] in ("plan", "discard")]
        await press_for(pilot, app, "f5", ChooseDialog)
        await pilot.click("#again")
        await until(pilot, lambda: isinstance(app.screen, PlanScreen) and not app.screen.resume, what="a fresh plan")
        assert [c[0] for c in backend.calls if c[0] in ("discard", "plan")] == ["discard", "plan"]
