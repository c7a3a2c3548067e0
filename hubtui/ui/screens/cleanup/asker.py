"""The cleanup session's questions as the TUI asks them (hubtui.ops.cleanup.session): each step of the
conversation runs off the UI thread, and each ask is a modal dialog (or, for a line, a notification) answered
on it. No thread ever waits on a screen."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Generator
from typing import Any

from textual.app import App

from ....ops.cleanup.session import Ask, Choose, Say, TypePhrase, advance
from ....present.plan import doomed_summary
from ....present.session import phrase_question, question, said
from .dialogs import ChooseDialog, TypedConfirm


async def answer(app: App, ask: Ask) -> Any:
    if isinstance(ask, Choose | TypePhrase):
        if isinstance(ask, Choose):
            dialog: ChooseDialog | TypedConfirm = ChooseDialog(question(ask))
        else:
            warning = doomed_summary(ask.plan) if ask.resource is None else f"• {ask.resource.label()}"
            dialog = TypedConfirm(ask.confirmation, phrase_question(ask), warning)
        shown = app.push_screen(dialog, wait_for_dismiss=True)  # on screen from now (this runs in a worker)
        _keys(app, "release_keys")  # on screen: the keys that waited are set aside (it guards a change)
        try:
            return await shown
        finally:
            _keys(app, "hold_keys")  # the next step is prepared off the UI thread
    assert isinstance(ask, Say)
    app.notify(said(ask), title="Cleanup", severity="warning" if ask.TONE == "warning" else "information",
               timeout=12)
    return None


def _keys(app: App, what: str, **kw) -> None:
    """hubtui's app holds or releases the keys typed while a question is prepared (ui/app.py)."""
    if hasattr(app, what):
        getattr(app, what)(**kw)


async def converse(app: App, conversation: Generator[Ask, Any, Any]) -> Any:
    """A whole conversation, from a worker on the UI's loop. Left part-way (the worker cancelled), the
    conversation is closed, so the session lets its lock go. Keys typed while a step is prepared off the UI
    thread are set aside (HubApp.hold_keys; the caller holds them from the key that started it): none acts on
    the screen under the question, or answers a question before it is shown."""
    done = False
    _keys(app, "hold_keys")
    try:
        step = await asyncio.to_thread(advance, conversation)
        while step.ask is not None:
            step = await asyncio.to_thread(advance, conversation, await answer(app, step.ask))
        done = True
        return step.result
    finally:
        _keys(app, "release_keys", question=False)  # no question is left to answer
        if not done:
            with contextlib.suppress(ValueError):  # still running in its thread: it is closed when collected
                conversation.close()
