"""What the deployments screen does to every deployment at once: scale all (a), maintenance (z), restore the
recorded counts (r, R). Each asks first, names what the filter hides from it, and runs as one change
(ui/scaling.py)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ...ops.scale import parse_replicas
from ...present.words import counted
from .modals import Confirm, NumberPrompt

if TYPE_CHECKING:
    from ...kube.deployments import DeploymentRow
    from ..app import HubApp
    from ..backend import Backend


def when_yes(then: Callable[[], None]) -> Callable[[bool | None], None]:
    """A modal's callback that does `then` on a yes and nothing otherwise."""
    def answer(yes: bool | None) -> None:
        if yes:
            then()
    return answer


class AllDeployments:
    """A mixin of the deployments screen: the keys that act on every deployment of the namespace (or of all
    namespaces), not only those the filter shows."""

    if TYPE_CHECKING:  # the screen's
        backend: Backend
        rows: dict[str, DeploymentRow]
        filter: str
        all_namespaces: bool
        dry_run: bool
        hub: HubApp

        app: Any
        def shown(self, row: DeploymentRow) -> bool: ...
        def run_change(self, what: str, call: Callable) -> None: ...
        def notify(self, message: str, **kw: Any) -> None: ...

    def where(self) -> str:
        return "all namespaces" if self.all_namespaces else f"namespace {self.backend.namespace}"

    def beyond_filter(self) -> str:
        """For the keys that act on every deployment (a, z, r): what the filter hides from them ("" without one)."""
        if not self.filter:
            return ""
        shown = sum(1 for r in self.rows.values() if self.shown(r))
        if shown == len(self.rows):
            return ""
        return (f"The filter shows {shown} of {counted(len(self.rows), 'deployment')}: this acts on all of them, "
                f"in {self.where()}, not only those shown.")

    def action_scale_all(self) -> None:
        if not self.dry_run and self.hub.refused_readonly("scaling all"):
            return
        names = sorted(self.rows)
        listed = ", ".join(names[:30]) + (f" and {len(names) - 30} more" if len(names) > 30 else "")
        beyond = self.beyond_filter()

        def chosen(n: int | None) -> None:
            if n is None:
                return
            if n == 0:
                self.app.push_screen(Confirm(
                    "Scale every deployment to 0?",
                    f"All {len(names)} deployments in {self.where()} "
                    f"(context {self.backend.context}) go to 0 replicas:\n{listed}\n\n"
                    "Their counts are recorded; r restores them." + (f"\n\n{beyond}" if beyond else ""),
                    danger=True, yes="Scale to 0"),
                    when_yes(lambda: self.scale_all(0)))
            else:
                self.scale_all(n)

        where = "all namespaces" if self.all_namespaces else self.backend.namespace
        self.app.push_screen(NumberPrompt(f"Scale all {len(names)} deployments in {where} to:",
                                          parse_replicas, note=beyond), chosen)

    def scale_all(self, n: int, what: str | None = None) -> None:
        dry_run = self.dry_run
        self.run_change(what or f"scale all to {n}",
                        lambda emit: self.backend.scale_all(n, dry_run=dry_run, emit=emit))

    def action_maintenance(self) -> None:
        if not self.dry_run and self.hub.refused_readonly("maintenance"):
            return
        names = sorted(self.rows)
        self.app.push_screen(Confirm(
            "Maintenance mode",
            f"Scale all {len(names)} deployments in {self.where()} "
            f"(context {self.backend.context}) to 0.\nEach one's current count is recorded in "
            "hubtui.io/original-replicas; r restores it."
            + (f"\n\n{self.beyond_filter()}" if self.beyond_filter() else ""), danger=True, yes="Scale to 0"),
            when_yes(lambda: self.scale_all(0, "maintenance (all to 0)")))

    def action_restore(self, force: bool = False) -> None:
        if not self.dry_run and self.hub.refused_readonly("restoring the recorded counts"):
            return
        saved = [r for _, r in sorted(self.rows.items()) if r.original_replicas is not None or r.original_problem]
        if not saved:
            self.notify("no deployment has a recorded count to restore", severity="warning")
            return
        from ...ops.scale import restore_plan

        todo, at_count, refused = restore_plan(saved, force=force)

        def listed(head: str, items: list[str]) -> list[str]:
            if not items:
                return []
            more = [f"  and {len(items) - 15} more"] if len(items) > 15 else []
            return [head] + [f"  {item}" for item in items[:15]] + more

        body = listed("Restored:", [f"{r.ref}: {r.desired} → {r.original_replicas}" for r in todo])
        body += listed("Already at their recorded count (the record is cleared):",
                       [f"{r.ref}: {r.desired}" for r in at_count])
        body += listed("Left alone:", [why for _, why in refused])
        if refused and not force:
            body.append("R restores the ones changed since maintenance too.")
        if self.beyond_filter():
            body.append(self.beyond_filter())
        self.app.push_screen(Confirm(
            "Restore recorded counts" + (" (force)" if force else ""), "\n".join(body),
            danger=force, yes="Restore"),
            when_yes(lambda: self.restore(force)))

    def restore(self, force: bool) -> None:
        dry_run = self.dry_run
        self.run_change("restore" + (" (force)" if force else ""),
                        lambda emit: self.backend.restore(force=force, dry_run=dry_run, emit=emit))
