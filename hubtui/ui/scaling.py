"""Changing replica counts from a screen, once for the deployments screen and the deployment detail: Enter on
the replica slider, a change run in a worker (the dry-run and wait modes taken as they are when it starts,
never when the worker gets to it), waiting for readiness, and the result said once, in the same words.

A screen mixes in Scaling and gives it: `busy`, `dry_run`, `wait`, `backend`, `say()` (the message line),
`result()` (said and kept in the screen's history; `say` where there is none), `sync_slider()`, and
`slider_ref(row)` (how the backend names the slider's deployment).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from rich.markup import escape
from textual import work

from ..errors import HubError
from ..ops.scale import ScaleChange, WaitOutcome, made_before
from ..present.words import counted, rolled_back
from .widgets.replica_slider import ReplicaSlider

if TYPE_CHECKING:
    from ..kube.deployments import DeploymentRow
    from .backend import Scaler
    from .app import HubApp

CHANGES = "changes"  # the workers' group: one change at a time per screen



def still_changed(changes: list[ScaleChange], error: BaseException) -> list[ScaleChange]:
    """What stays changed when `error` stopped a scale: the changes it made (`changes`, when the error came in the
    wait or the rollback after them, less those the rollback put back), else those made before it."""
    if not changes:
        return list(made_before(error))
    undone = {c.name for c in made_before(error) if c.ok}
    return [c for c in changes if c.name not in undone]

class Scaling:
    busy: bool
    backend: Scaler
    _leaving: threading.Event

    # given by the screen (typed here for the checker; the screen's own are used)
    if TYPE_CHECKING:
        dry_run: bool
        wait: bool
        hub: HubApp

        def say(self, text: str) -> None: ...
        def sync_slider(self, keep_target: bool = False) -> None: ...
        def query_one(self, selector: Any, expect_type: Any = None) -> Any: ...
        def notify(self, message: str, **kw: Any) -> None: ...
        def report(self, fn: Callable, *args: Any) -> None: ...

    def result(self, text: str) -> None:
        self.say(text)

    def slider_ref(self, row: DeploymentRow) -> str:
        return row.ref

    def action_apply(self) -> None:
        """Enter: the slider's deployment to the slider's target."""
        slider = self.query_one(ReplicaSlider)
        row = slider.row
        slider.forget_typing()
        if row is None:
            return
        target, dry_run, ref = slider.target, self.dry_run, self.slider_ref(row)  # as they are now
        if target == row.desired:
            self.say(f"{escape(ref)} is already at {row.desired}")
            return
        if not dry_run and self.hub.refused_readonly(f"scaling {ref}"):
            return
        self.run_change(f"scale {ref} {row.desired}→{target}",
                        lambda emit: self.backend.scale([ref], target, dry_run=dry_run, emit=emit))

    def run_change(self, what: str, call: Callable[[Callable], list[ScaleChange]]) -> None:
        """Run call(emit) -> [ScaleChange] in a worker; the dry-run and wait modes are taken as they are now."""
        if self.busy:
            self.notify("another change is still running", severity="warning")
            return
        self.busy = True
        dry_run = self.dry_run
        self.say(f"{escape(what)}{' (dry run)' if dry_run else ''}…")
        self.change_worker(what, call, dry_run, self.wait and not dry_run,
                           self.wait and not dry_run and getattr(self, "rollback", False))

    @work(thread=True, exit_on_error=False, group=CHANGES)
    def change_worker(self, what: str, call, dry_run: bool, wait: bool, rollback: bool = False) -> None:
        warnings: list[str] = []

        def emit(event) -> None:
            from ..present.events import said  # here: the first paint loads no cleanup facts

            line = said(event)  # a LogLine, or a fact such as an HPA that will undo the change
            if line and line[1] == "warning":
                warnings.append(line[0])

        changes: list[ScaleChange] = []
        try:
            changes = call(emit)
            outcome = None
            rolled: list[ScaleChange] | None = None
            done = {c.name: c.after for c in changes if c.ok}
            if wait and done:
                self.report(self.say, f"{escape(what)}: waiting for {counted(len(done), 'deployment')} to be "
                                      "ready…")
                outcome = self.backend.wait_ready(list(done), targets=done, cancel=self._leaving)
                if rollback and not outcome.ok and not self._leaving.is_set():
                    self.report(self.say, f"{escape(what)}: not ready in time: rolling back…")
                    rolled = self.backend.rollback(changes, emit=emit)
        except Exception as e:  # noqa: BLE001 - shown, never a crash; with what was changed before it
            self.report(self.finish_change, what, still_changed(changes, e), None, [],
                        str(e) if isinstance(e, HubError) else f"{type(e).__name__}: {e}", dry_run)
            return
        self.report(self.finish_change, what, changes, outcome, warnings, None, dry_run, rolled)

    def finish_change(self, what: str, changes: list[ScaleChange], outcome: WaitOutcome | None,
                      warnings: list[str], error: str | None, dry_run: bool,
                      rolled: list[ScaleChange] | None = None) -> None:
        self.busy = False
        for w in warnings:
            self.notify(w, severity="warning", timeout=8)
        what = escape(what)
        if error:
            made = [c for c in changes if c.ok and c.before != c.after]
            before = (" (made before it, not rolled back: "
                      + ", ".join(f"{c.name} {c.before} → {c.after}" for c in made) + ")") if made else ""
            self.result(f"[b $error]failed:[/] {what}: {escape(error)}{escape(before)}")
            self.notify(error, title="failed", severity="error", timeout=10)
            self.sync_slider()
            return
        failed = [c for c in changes if not c.ok]
        for c in failed:
            self.notify(c.error or "failed", title=f"{c.name} failed", severity="error", timeout=10)
        ok = len(changes) - len(failed)
        text = f"{what}: {counted(ok, 'change')}{' validated (dry run, nothing changed)' if dry_run else ' applied'}"
        if failed:
            text += f", [b $error]{len(failed)} failed[/]: " + escape("; ".join(str(c.error) for c in failed))
        why_not = {}
        if outcome is not None and not outcome.ok:  # the detail view's reasons: each pod's own
            from ..present.detail import reasons_of

            why_not = reasons_of(outcome)
        if outcome is not None:
            if outcome.ok and all(c.after == 0 for c in changes if c.ok):
                text += f"; every pod gone in {outcome.seconds:.1f}s"  # nothing is "ready" at 0
            elif outcome.ok:
                text += f"; ready in {outcome.seconds:.1f}s"
            else:
                text += f"; [b $error]not ready after {outcome.seconds:.0f}s:[/] " + escape("; ".join(
                    f"{n}: {why}" for n, why in why_not.items()))
        if rolled is not None and outcome is not None:  # said first: what the deployments are at now
            undone = [c for c in rolled if not c.ok]
            reasons = escape("; ".join(f"{n}: {why}" for n, why in why_not.items()))
            text = f"{what}: [b $error]not ready after {outcome.seconds:.0f}s:[/] {rolled_back(len(rolled) - len(undone))}"
            if undone:
                text += "; [b $error]NOT rolled back:[/] " + escape("; ".join(f"{c.name}: {c.error}" for c in undone))
            text += f" ({reasons})"
            self.notify(f"not ready: {why_not and reasons}", title="rolled back",
                        severity="error" if undone else "warning", timeout=10)
        self.result(text)
        self.sync_slider()

    def change_failed(self, message: str) -> None:
        """A change's worker failed with something it did not handle (ui/workers.py): never left busy."""
        self.busy = False
        self.result(f"[b $error]failed:[/] {escape(message)}")
