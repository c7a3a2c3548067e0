"""Read-only mode in the screens, from the action table: a screen's dangerous actions (`danger` in ui/actions.py)
are greyed out in its footer, and their keys (or the palette) explain in one line instead of acting. The engine
refuses the change too (hubtui/readonly.py); this is what the operator sees first.
"""

from __future__ import annotations

from textual import events

from .actions import ACTIONS, Action


def _name(action: str) -> str:
    """The action's method name, as check_action receives it: no namespace, no parameters."""
    return action.split(".", 1)[-1].split("(", 1)[0]


def dangerous(screen: str | None) -> list[Action]:
    """The screen's actions that change or destroy something."""
    return [a for a in ACTIONS if screen in a.screens and a.bound and a.danger]


class ReadOnlyGate:
    """Mixin for screens with an ACTION_SCREEN. `readonly_allows(name)` lets a screen allow an action anyway
    (the deployments' dry-run mode changes nothing); `readonly_what(name)` words what is refused."""

    ACTION_SCREEN: str | None = None

    def readonly_allows(self, name: str) -> bool:
        return False

    def readonly_what(self, name: str) -> str:
        action = next((a for a in dangerous(self.ACTION_SCREEN) if _name(a.action) == name), None)
        return action.label.lower() if action else name

    def _refused(self, name: str) -> bool:
        if not any(_name(a.action) == name for a in dangerous(self.ACTION_SCREEN)) or self.readonly_allows(name):
            return False
        backend = getattr(self.app, "backend", None)  # type: ignore[attr-defined]
        return bool(backend is not None and backend.readonly_reason())

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if self._refused(action):
            return None  # greyed out in the footer; the key explains (on_key)
        return super().check_action(action, parameters)  # type: ignore[misc]

    def refuse_if_readonly(self, name: str) -> bool:
        """Explain in one line and return True when read-only refuses the action `name` here."""
        if not self._refused(name):
            return False
        self.app.refused_readonly(self.readonly_what(name))  # type: ignore[attr-defined]
        return True

    def on_key(self, event: events.Key) -> None:
        for action in dangerous(self.ACTION_SCREEN):
            if event.key in action.keys.split(",") and self.refuse_if_readonly(_name(action.action)):
                event.stop()
                event.prevent_default()
                return
