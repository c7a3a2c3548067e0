"""Keys typed as one burst (a fast typist, a paste) are handled in the order typed, each where the keys before it
left the focus, and none answers a dialog that guards a change before the operator has seen it.

Textual picks a key's widget when it reads the key, which is before the keys ahead of it are handled: `a`, `4`
and Enter at once sent the 4 to the deployments screen under the prompt `a` opened, and Enter to the prompt's
empty field. Here:

- a key that comes back from the screen it was sent to, not taken there, once another screen was pushed over
  it (or once the screen it reached unfocused has focused a field), waits for the screen on top to be drawn
  and is sent again, with every key read after it (a priority key too: nothing overtakes), in the order typed;
- a key that comes back once its screen has closed (Esc, then keys) is dropped: acting on the screen uncovered,
  which the operator did not see when typing it, would be a guess;
- a dialog that guards a change (a typed confirmation, a production hub's name, a dangerous yes: its
  `takes_keys_typed_ahead()` is False) takes none of the keys typed before it was drawn: they are set aside and
  said, and the operator answers it having read it;
- while a question is prepared off the UI thread (`hold`, the cleanup's confirmations after D), keys wait the
  same way, and are set aside when it shows (`release`), or dropped if none comes.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable

from textual import events
from textual.app import App

FLUSH_EVERY = 0.01  # seconds between looks at whether the screen the waiting keys go to is drawn
FLUSH_TRIES = 100  # then they are sent whatever the screen's state (a key is never kept for ever)


class TypeAhead:
    def __init__(self, app: App, say_set_aside: Callable[[int], None]):
        self.app = app
        self.say_set_aside = say_set_aside
        # a key read (not yet come back) → the screen it was sent to, and whether nothing had the focus there
        self._routed: weakref.WeakKeyDictionary[events.Key, tuple[weakref.ref, bool]] = \
            weakref.WeakKeyDictionary()
        self._waiting: list[events.Key] = []  # in the order typed
        self._again: weakref.WeakSet[events.Key] = weakref.WeakSet()  # sent again: routed as newly read
        self._holding = False
        self._flush_due = False

    def took(self, event: events.Key) -> bool:
        """Whether this key is taken care of here (waiting, set aside or dropped); else Textual handles it."""
        app = self.app
        if not event.is_forwarded:  # read now
            if event in self._again:
                self._again.discard(event)
            elif self._holding or self._waiting:  # behind keys still waiting: nothing overtakes them
                self._waiting.append(event)
                return True
            self._routed[event] = (weakref.ref(app.screen), app.focused is None)
            return False
        routed = self._routed.pop(event, None)
        if routed is None:  # not one this app read (or sent again already)
            return False
        screen, unfocused = routed[0](), routed[1]
        if screen is None or screen not in app.screen_stack:
            return True  # its screen closed meanwhile: dropped
        if self._holding or screen is not app.screen or (unfocused and app.focused is not None):
            self._waiting.append(events.Key(event.key, event.character))
            if not self._holding:
                self._flush_soon()
            return True
        return False

    def alone(self, event: events.Key) -> bool:
        """Whether `event`, just read, is the only key on its way: none read before it is still being handled,
        none waits, none is held (then it may be handled at once, where it was read: HubApp's short path)."""
        return not (self._holding or self._waiting) and all(key is event for key in list(self._routed))

    def handled(self, event: events.Key) -> None:
        """`event` was handled where it was read: it will not come back."""
        self._routed.pop(event, None)

    def hold(self) -> None:
        """A question is prepared off the UI thread: keys wait (the keys already on their way too)."""
        self._holding = True

    def release(self, *, question: bool) -> None:
        """`question`: it is on screen now, and the keys that waited go to it (set aside if it guards a change);
        else none came, and they are dropped."""
        self._holding = False
        if question:
            self._flush_soon()
        else:
            self._waiting.clear()

    def _flush_soon(self, tries: int = 0) -> None:
        if not self._flush_due:
            self._flush_due = True
            self.app.set_timer(FLUSH_EVERY, lambda: self._flush(tries))

    def _flush(self, tries: int) -> None:
        self._flush_due = False
        if self._holding or not self._waiting:
            return
        screen = self.app.screen
        if not screen.is_mounted and tries < FLUSH_TRIES:  # not drawn yet: its field not focused
            self._flush_soon(tries + 1)
            return
        keys, self._waiting = self._waiting, []
        guards = getattr(screen, "takes_keys_typed_ahead", None)
        if guards is not None and not guards():
            self.say_set_aside(len(keys))
            return
        for key in keys:
            self._again.add(key)
            self.app.post_message(key)
