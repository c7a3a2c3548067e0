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
        width = max(10, min(40, self.size.width - 70))
        pos = round(self.target / top * (width - 1)) if top else 0
        changed = self.target != row.desired
        text = Text()
        text.append(f"{row.name}  ", style="bold")
        text.append("0 ")
        text.append("━" * pos, style="bold cyan")
        text.append("●", style="bold yellow" if changed else "bold cyan")
        text.append("─" * (width - 1 - pos), style="dim")
        text.append(f" {top}   ")
        text.append(f"target {self.target}", style="bold yellow" if changed else "bold")
        text.append(f"   (desired {row.desired} · current {row.replicas} · ready {row.ready})", style="dim")
        if changed:
            text.append("   Enter apply · Esc cancel", style="italic")
        return text
