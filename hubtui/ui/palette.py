"""The command palette (Ctrl-P or `:`): every action of the current screen from the action table, with its
key and what it does, then Textual's own commands (Theme, Keys, Screenshot, Quit ...); on the deployments
screen `ns ` offers the namespaces there are and `ctx ` the kubeconfig's contexts.

One provider yields both, ours first: the palette keeps the order it is given among equal scores, and two
providers would race."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, cast

from textual.command import DiscoveryHit, Hit, Hits, Provider

from .actions import ACTIONS, SCREENS, Action

if TYPE_CHECKING:
    from .app import HubApp


def screen_key(screen) -> str | None:
    """Which entry of the action table a screen is (its ACTION_SCREEN), or None."""
    return getattr(screen, "ACTION_SCREEN", None)


class ActionsProvider(Provider):
    @property
    def hub(self) -> HubApp:
        """The app as what it is (Textual types `self.app` as any App)."""
        return cast("HubApp", self.app)

    def _actions(self) -> list[Action]:
        key = screen_key(self.screen)
        return [a for a in ACTIONS if key in a.screens and a.bound and a.palette]

    def _run(self, action: Action) -> None:
        action_name = action.action.removeprefix("screen.")
        refuse = getattr(self.screen, "refuse_if_readonly", None)  # read-only: explained, not greyed silently
        if refuse is not None and refuse(action_name.split("(", 1)[0]):
            return
        self.app.call_later(self.screen.run_action, action_name)

    def _text(self, action: Action) -> str:
        return f"{action.label} ({action.key_text})"

    async def startup(self) -> None:
        """On the deployments screen: the names `ns ` and `ctx ` offer, read off the UI thread (a namespace
        list the user may not read leaves `ns NAME` as typed, which the switch itself checks)."""
        self.namespaces: list[str] = []
        self.contexts: list[str] = []
        if screen_key(self.screen) != "deployments":
            return
        backend = self.hub.backend
        try:
            self.namespaces = await asyncio.to_thread(backend.namespaces)
        except Exception:  # noqa: BLE001 - offered names are a convenience; the switch says what is wrong
            self.namespaces = []
        try:
            self.contexts = (await asyncio.to_thread(backend.contexts))[0]
        except Exception:  # noqa: BLE001 - as above
            self.contexts = []

    def _system(self):
        return list(self.app.get_system_commands(self.screen))

    async def discover(self) -> Hits:
        for action in self._actions():
            yield DiscoveryHit(self._text(action), partial(self._run, action), help=action.description)
        for name, help_text, callback, discover in self._system():  # Textual's own, after hubtui's
            if discover:
                yield DiscoveryHit(name, callback, help=help_text)

    async def search(self, query: str) -> Hits:
        words = query.split()
        if screen_key(self.screen) == "deployments" and words and words[0] in ("ns", "ctx"):
            for hit in self._switches(words[0], words[1] if len(words) > 1 else ""):
                yield hit
            return
        matcher = self.matcher(query)
        for action in self._actions():
            text = self._text(action)
            # a match in the action's name ranks above one in its description ("sca": Scale all before Apply)
            score = max(matcher.match(text), 0.8 * matcher.match(action.description))
            if score > 0:
                yield Hit(score, matcher.highlight(text), partial(self._run, action), help=action.description)
        for name, help_text, callback, *_ in self._system():
            if (score := matcher.match(name)) > 0:
                yield Hit(score * 0.5, matcher.highlight(name), callback, help=help_text)  # below hubtui's

    def _switches(self, word: str, typed: str):
        """`ns ` / `ctx `: the names there are that hold what was typed (all of them for nothing typed)."""
        switch: Callable[[str], None]
        if word == "ns":
            names, switch, what = self.namespaces, self.hub.switch_to_namespace, "namespace"
        else:
            names, switch, what = self.contexts, self.hub.switch_to_context, "context"
        found = [n for n in names if typed.lower() in n.lower()]
        for name in found[:50]:
            yield Hit(1.0 if name == typed else 0.9, f"{word} {name}: switch to {what} {name}",
                      partial(switch, name), help=f"the deployments of {what} {name}")
        if typed and typed not in names:  # not offered (or not listable): the switch checks it and says why
            yield Hit(0.1, f"{word} {typed}: switch to {what} {typed}", partial(switch, typed),
                      help="not among the names listed" if names else f"the deployments of {what} {typed}")


__all__ = ["ActionsProvider", "SCREENS"]
