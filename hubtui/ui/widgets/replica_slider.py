"""An in-house replica slider: shows the target against the current state of one deployment."""

from __future__ import annotations

import time

from rich.text import Text
from textual.reactive import reactive
from textual.widget import Widget

from ...kube.deployments import DeploymentRow
from ...errors import HubError
from ...ops.scale import MAX_REPLICAS, parse_replicas
from .row_table import after_frame

TYPE_AHEAD_SECONDS = 1.5  # digits typed within this of each other make one number (1 then 2: 12)


class ReplicaSlider(Widget):
    """name  0 ━━━━━━●──────── 10   target 5   (desired 3 · ready 3)

    The screen owns the keys (the table keeps the focus) and calls nudge() / type_digit(); the widget keeps the
    target and the digits typed so far."""

    DEFAULT_CSS = """
    ReplicaSlider { height: 1; padding: 0 1; }
    """

    # Drawn by the watchers below, not by the reactives themselves: a new row (the table's cursor moved) is drawn
    # just after the frame that moves the cursor, not in it, so that ↓ is on screen without waiting for the slider
    # (its state changes at once: a digit typed right after ↓ is the new row's).
    row: reactive[DeploymentRow | None] = reactive(None, repaint=False)
    target: reactive[int] = reactive(0, repaint=False)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._typed, self._typed_at = "", 0.0
        self._drawn_later = False  # a draw is due after the next frame

    def watch_row(self) -> None:
        if not self._drawn_later:
            after_frame(self, self._draw_later)
            self._drawn_later = True

    def watch_target(self) -> None:
        if not self._drawn_later:  # a target alone (←, →, a digit) is the frame's own news: at once
            self.refresh()

    def _draw_later(self) -> None:
        self._drawn_later = False
        self.refresh()

    def forget_typing(self) -> None:
        """The next digit starts a new number (after a move, an apply, another deployment)."""
        self._typed = ""

    def nudge(self, delta: int) -> None:
        if self.row is None:
            return
        self._typed = ""
        self.target = max(0, min(MAX_REPLICAS, self.target + delta))

    def type_digit(self, d: int) -> str | None:
        """Add a typed digit to the target; a count out of range is the one-line reason (the target stays)."""
        if self.row is None:
            return None
        now = time.monotonic()
        if now - self._typed_at > TYPE_AHEAD_SECONDS:
            self._typed = ""
        self._typed_at = now
        typed = (self._typed + str(d)).lstrip("0") or "0"
        try:
            self.target = parse_replicas(typed)
        except HubError as e:
            return str(e)
        self._typed = typed
        return None

    def scale_max(self) -> int:
        row = self.row
        if row is None:
            return 10
        top = max(10, row.desired * 2, self.target + 2, row.hpa.max_replicas if row.hpa else 0)
        return min(MAX_REPLICAS, ((top + 4) // 5) * 5)

    def render(self) -> Text:
        row = self.row
        if row is None:
            return Text("no deployment selected", style="dim")
        top = self.scale_max()
        changed = self.target != row.desired
        target = f"target {self.target}"
        hpa = row.hpa
        outside = hpa is not None and changed and not hpa.min_replicas <= self.target <= hpa.max_replicas
        long_hint, short_hint = "   Enter apply · Esc cancel", "   ⏎ · Esc"
        if hpa is not None and outside:  # said before Enter, not found out after the change
            long_hint = f"   outside its HPA's {hpa}: the HPA will set it back"
            short_hint = f"   HPA {hpa}!"
        # What does not fit goes first: the long state, then the long hint; the bar shrinks to 10 at least.
        for detail, hint in ((f"   (desired {row.desired} · current {row.replicas} · ready {row.ready})", long_hint),
                             (f"   ({row.ready}/{row.desired} ready)", long_hint),
                             (f"   ({row.ready}/{row.desired})", short_hint if outside else "   ⏎ apply · Esc"),
                             ("", short_hint)):
            # room for the hint even before it shows, so that the bar does not jump when the target moves
            fixed = len(f"{row.ref}  0 ") + len(f" {top}   ") + len(target) + len(detail) + len(hint)
            width = min(40, self.size.width - fixed)
            if width >= 10:
                break
        width = max(10, width)
        pos = round(self.target / top * (width - 1)) if top else 0
        text = Text()
        text.append(f"{row.ref}  ", style="bold")
        text.append("0 ")
        text.append("━" * pos, style="hub.accent")
        text.append("●", style="hub.warning" if changed else "hub.accent")
        text.append("─" * (width - 1 - pos), style="dim")
        text.append(f" {top}   ")
        text.append(target, style="hub.warning" if changed else "bold")
        text.append(detail, style="dim")
        if changed:
            text.append(hint, style="hub.warning" if outside else "italic")
        return text


class SliderKeys:
    """The slider's keys on a screen that holds one ReplicaSlider (the deployments and the detail screens):
    ←/→ nudge the target, digits type a count (a count out of range is said, not set)."""

    def action_nudge(self, delta: int) -> None:
        self.query_one(ReplicaSlider).nudge(delta)  # type: ignore[attr-defined]

    def action_digit(self, d: int) -> None:
        problem = self.query_one(ReplicaSlider).type_digit(d)  # type: ignore[attr-defined]
        if problem:
            self.notify(problem, severity="warning")  # type: ignore[attr-defined]
