"""The command palette (Ctrl-P or `:`): every action of the current screen from the action table, with its
key and what it does, and `ns NAME` to switch namespace on the deployments screen."""

from __future__ import annotations

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

    async def discover(self) -> Hits:
        for action in self._actions():
            yield DiscoveryHit(self._text(action), partial(self._run, action), help=action.description)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for action in self._actions():
            text = self._text(action)
            score = max(matcher.match(text), matcher.match(action.description))
            if score > 0:
                yield Hit(score, matcher.highlight(text), partial(self._run, action), help=action.description)
        words = query.split()
        if screen_key(self.screen) == "deployments" and len(words) == 2 and words[0] == "ns":
            yield Hit(1.0, f"ns {words[1]}: switch to namespace {words[1]}",
                      partial(self.hub.switch_to_namespace, words[1]), help="the deployments of another namespace")
        if screen_key(self.screen) == "deployments" and len(words) == 2 and words[0] == "ctx":
            yield Hit(1.0, f"ctx {words[1]}: switch to context {words[1]}",
                      partial(self.hub.switch_to_context, words[1]), help="the same screen on another cluster")


__all__ = ["ActionsProvider", "SCREENS"]
