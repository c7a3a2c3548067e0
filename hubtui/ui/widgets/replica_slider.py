"""An in-house replica slider: shows the target against the current state of one deployment."""

from __future__ import annotations

from rich.text import Text
from textual.reactive import reactive
from textual.widget import Widget

from ...kube.deployments import DeploymentRow
from ...ops.scale import MAX_REPLICAS


class ReplicaSlider(Widget):
    """name  0 ━━━━━━●──────── 10   target 5   (desired 3 · ready 3)

    The screen owns the keys (the table keeps the focus); this widget only draws."""

    DEFAULT_CSS = """
    ReplicaSlider { height: 1; padding: 0 1; }
    """

    row: reactive[DeploymentRow | None] = reactive(None)
    target: reactive[int] = reactive(0)

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
        # What does not fit goes first: the long state, then the long hint; the bar shrinks to 10 at least.
        for detail, hint in ((f"   (desired {row.desired} · current {row.replicas} · ready {row.ready})",
                              "   Enter apply · Esc cancel"),
                             (f"   ({row.ready}/{row.desired} ready)", "   Enter apply · Esc cancel"),
                             (f"   ({row.ready}/{row.desired})", "   ⏎ apply · Esc"),
                             ("", "   ⏎ · Esc")):
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
            text.append(hint, style="italic")
        return text
