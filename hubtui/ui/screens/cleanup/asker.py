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
    if isinstance(ask, Choose):
        return await app.push_screen_wait(ChooseDialog(question(ask)))
    if isinstance(ask, TypePhrase):
        warning = doomed_summary(ask.plan) if ask.resource is None else f"• {ask.resource.label()}"
        return await app.push_screen_wait(TypedConfirm(ask.confirmation, phrase_question(ask), warning))
    assert isinstance(ask, Say)
    app.notify(said(ask), title="Cleanup", severity="warning" if ask.TONE == "warning" else "information",
               timeout=12)
    return None


async def converse(app: App, conversation: Generator[Ask, Any, Any]) -> Any:
    """A whole conversation, from a worker on the UI's loop. Left part-way (the worker cancelled), the
    conversation is closed, so the session lets its lock go."""
    done = False
    try:
        step = await asyncio.to_thread(advance, conversation)
        while step.ask is not None:
            step = await asyncio.to_thread(advance, conversation, await answer(app, step.ask))
        done = True
        return step.result
    finally:
        if not done:
            with contextlib.suppress(ValueError):  # still running in its thread: it is closed when collected
                conversation.close()
