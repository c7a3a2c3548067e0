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
- a key bound with priority (Tab, Shift-Tab, Ctrl-P: Textual acts on it where it reads it, before any widget)
  read while a key before it is still being handled waits for that one (and every key after it waits behind
  it), then goes where the keys before it left the focus: `x` then `dev` Tab at once moved the focus on the
  screen `x` was leaving, not in the form it opened. A key is handled once a message sent after it to the same
  widget has come back up the same way (KeyDone): a key a widget stopped is handled too. Ctrl-Q never waits;
  a waiting key whose screen has closed when its turn comes is dropped;
- a dialog that guards a change (a typed confirmation, a production hub's name, a dangerous yes: its
  `takes_keys_typed_ahead()` is False) takes none of the keys typed before it was drawn: they are set aside and
  said, and the operator answers it having read it;
- while a question is prepared off the UI thread (`hold`, the cleanup's confirmations after D), keys wait the
  same way, and are set aside when it shows (`release`), or dropped if none comes.
"""

from __future__ import annotations

import itertools
import time
import weakref
from collections.abc import Callable

from textual import events
from textual.app import App
from textual.dom import DOMNode
from textual.message import Message
from textual.screen import Screen

from .widgets.row_table import priority_actions

FLUSH_EVERY = 0.01  # seconds between looks at whether the screen the waiting keys go to is drawn
FLUSH_TRIES = 100  # then they are sent whatever the screen's state (a key is never kept for ever)
IN_FLIGHT_FOR = 10.0  # seconds after which a key sent is taken as handled even if its KeyDone never came back;
# before that, once the widget it was sent to is no longer on a screen (removed with the KeyDone in its queue)


class KeyDone(Message):
    """Sent after a key to the widget the key went to: it comes up the same way as the key (bubbling), behind it,
    and reaches the app once every handler the key met has run. Then it is sent once more: what those handlers
    posted in turn (a button's Pressed, which closes a dialog; a field's Submitted) is handled before it is back
    again."""

    def __init__(self, number: int, rounds: int = 2):
        super().__init__()
        self.number, self.rounds = number, rounds


class TypeAhead:
    def __init__(self, app: App, say_set_aside: Callable[[int], None]):
        self.app = app
        self.say_set_aside = say_set_aside
        # a key read (not yet come back) → the screen it was sent to, whether nothing had the focus there, and its
        # place in the order typed
        self._routed: weakref.WeakKeyDictionary[events.Key, tuple[weakref.ref, bool, int]] = \
            weakref.WeakKeyDictionary()
        self._typed = itertools.count()  # the order keys are read in
        # waiting keys: (place in the order typed, key, the screen it was read on or came back from), in that order
        self._waiting: list[tuple[int, events.Key, weakref.ref]] = []
        # sent again: its place in the order typed, and the screen it was read on (or came back from)
        self._again: weakref.WeakKeyDictionary[events.Key, tuple[int, weakref.ref]] = weakref.WeakKeyDictionary()
        # KeyDone number → when its key was sent (time.monotonic), and the widget it went to
        self._in_flight: dict[int, tuple[float, weakref.ref]] = {}
        self._done_numbers = itertools.count()
        self._holding = False
        self._flush_due = False

    def took(self, event: events.Key) -> bool:
        """Whether this key is taken care of here (waiting, set aside or dropped); else Textual handles it."""
        app = self.app
        if not event.is_forwarded:  # read now, or sent again
            again = self._again.pop(event, None)
            read_on: Screen | None = app.screen
            if again is None:
                typed = next(self._typed)
            else:
                typed, read_on = again[0], again[1]()
                if read_on is None or read_on not in app.screen_stack:
                    return True  # read on a screen closed since it was sent again: dropped, as in _flush
            action = self._priority_action(event)
            if action is not None and action.rpartition(".")[2] == "quit":
                return False  # Ctrl-Q is never kept from the operator, nor set aside
            if self._holding or self._waiting or (again is None and self._resent()) or \
                    (action is not None and self._busy()):
                # behind keys still waiting or sent again (nothing overtakes them), or a priority key behind keys
                # still being handled
                self._wait(typed, events.Key(event.key, event.character), read_on)
                return True
            self._routed[event] = (weakref.ref(app.screen), app.focused is None, typed)  # the screen it goes to
            return False
        routed = self._routed.pop(event, None)
        if routed is None:  # not one this app read (or sent again already)
            return False
        screen, unfocused, typed = routed[0](), routed[1], routed[2]
        if screen is None or screen not in app.screen_stack:
            return True  # its screen closed meanwhile: dropped
        if self._holding or screen is not app.screen or (unfocused and app.focused is not None):
            self._wait(typed, events.Key(event.key, event.character), screen)
            return True
        return False

    def sent(self, event: events.Key, to: DOMNode) -> None:
        """`event` was sent to `to` (Textual's forward): KeyDone follows it, and it is being handled until then."""
        number = next(self._done_numbers)
        if to.post_message(KeyDone(number)):
            self._in_flight[number] = (time.monotonic(), weakref.ref(to))

    def done(self, message: KeyDone) -> None:
        """A KeyDone is back: its key is handled once it has made its rounds."""
        entry = self._in_flight.get(message.number)
        target = entry[1]() if entry is not None else None
        if message.rounds > 1 and target is not None and \
                target.post_message(KeyDone(message.number, message.rounds - 1)):
            return
        self._in_flight.pop(message.number, None)
        if self._waiting and not self._holding and not self._busy():
            self._flush_soon()

    def alone(self, event: events.Key) -> bool:
        """Whether `event`, just read, is the only key on its way: none read before it is still being handled,
        none waits, none is held (then it may be handled at once, where it was read: HubApp's short path)."""
        return not (self._holding or self._waiting or self._resent() or self._busy())

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

    def _busy(self) -> bool:
        """A key sent is still being handled: its KeyDone not back, its widget still on a screen."""
        if self._in_flight:
            now = time.monotonic()
            for number, (sent, target) in list(self._in_flight.items()):
                widget = target()
                if widget is None or not widget.is_attached or now - sent > IN_FLIGHT_FOR:
                    del self._in_flight[number]
        return bool(self._in_flight)

    def _resent(self) -> bool:
        """Keys sent again are still on their way to the app (a key read now was typed after them)."""
        return bool(self._again)

    def _priority_action(self, event: events.Key) -> str | None:
        """The action of a key Textual acts on where it reads it (bound with priority on the way to the focus)."""
        app = self.app
        return priority_actions(app.focused or app.screen).get(event.key)

    def _wait(self, typed: int, key: events.Key, screen) -> None:
        """In its place in the order typed (a key read before the waiting ones comes back after them)."""
        at = len(self._waiting)
        while at and self._waiting[at - 1][0] > typed:
            at -= 1
        self._waiting.insert(at, (typed, key, weakref.ref(screen)))
        if not self._holding:
            self._flush_soon()

    def _flush_soon(self, tries: int = 0) -> None:
        if not self._flush_due:
            self._flush_due = True
            self.app.set_timer(FLUSH_EVERY, lambda: self._flush(tries))

    def _flush(self, tries: int) -> None:
        self._flush_due = False
        if self._holding or not self._waiting:
            return
        app = self.app
        screen = app.screen
        # not drawn yet (its field not focused), or a key before the waiting ones still being handled
        if (not screen.is_mounted or self._busy()) and tries < FLUSH_TRIES:
            self._flush_soon(tries + 1)
            return
        waiting, self._waiting = self._waiting, []
        # a key read on a screen closed since (Esc, then Tab and keys at once): acting on the screen uncovered,
        # which the operator did not see when typing it, would be a guess
        keys = [(typed, key, read_on) for typed, key, read_on in waiting if read_on() in app.screen_stack]
        guards = getattr(screen, "takes_keys_typed_ahead", None)
        if keys and guards is not None and not guards():
            # a dialog that guards a change takes none: even a key read once it was pushed may have been read
            # before it was drawn (it is on the stack at once, focused and painted later)
            self.say_set_aside(len(keys))
            return
        for typed, key, read_on in keys:
            self._again[key] = (typed, read_on)
            app.post_message(key)
