"""The deployments screen (home): every deployment of the namespace, live, with a replica slider."""

from __future__ import annotations

import threading
import time

from rich.markup import escape
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Input, Static

from ...errors import HubError
from ...kube.deployments import DeploymentRow, RowsChanged
from ...ops.scale import MAX_REPLICAS, ScaleChange, parse_replicas
from ..actions import bindings, help_rows, table_bindings
from ..backend import Backend
from ..widgets.replica_slider import ReplicaSlider
from .modals import Confirm, Help, NamespacePicker, NumberPrompt

COLUMNS = (("name", "Deployment"), ("replicas", "Ready/Desired"), ("current", "Current"),
           ("updated", "Up-to-date"), ("available", "Available"), ("hpa", "HPA"), ("saved", "Saved"),
           ("age", "Age"), ("status", "Status"))
TYPE_AHEAD_SECONDS = 1.5
# Room for the usual values, so that a rollout's status text does not change the table's shape.
MIN_WIDTHS = {"name": 20, "status": 26, "hpa": 5}

HELP = help_rows("deployments")


def status_cell(row: DeploymentRow) -> Text:
    if row.settled:
        return Text("Ready", style="green")
    if row.replicas != row.desired or row.updated != row.desired:
        return Text(f"Scaling {row.replicas}→{row.desired} · ready {row.ready}", style="yellow")
    return Text(f"Not ready · {row.ready}/{row.desired}", style="red")


def cells(row: DeploymentRow, now) -> tuple:
    return (row.name, f"{row.ready}/{row.desired}", str(row.replicas), str(row.updated), str(row.available),
            str(row.hpa) if row.hpa else "-",
            str(row.original_replicas) if row.original_replicas is not None else
            ("invalid" if row.original_problem else "-"),
            row.age(now), status_cell(row))


class DeploymentTable(DataTable):
    """The table keeps the focus; ← → - + digits Enter Esc drive the screen's replica slider."""

    BINDINGS = table_bindings()


class DeploymentsScreen(Screen):
    ACTION_SCREEN = "deployments"  # its entry in the action table (ui/actions.py)
    BINDINGS = bindings("deployments")
    AGE_TICK = 1.0  # seconds: the Age cells of the rows on screen are brought up to date this often

    class RowsArrived(Message):
        """Rows changed in the store (posted from the watch thread; handled in batches)."""

    def __init__(self, backend: Backend):
        super().__init__()
        self.backend = backend
        self.rows: dict[str, DeploymentRow] = {}
        self.filter = ""
        self.dry_run = False
        self.wait = False
        self.busy = False
        self._pending: list[RowsChanged] = []
        self._pending_lock = threading.Lock()
        self._typed = ""
        self._typed_at = 0.0
        self._leaving = threading.Event()  # ends a wait in progress when the screen goes away
        self.history: list[tuple[str, str]] = []  # (local time, result) of every action in this session

    # ----- layout ------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        with Horizontal(id="titlebar"):
            yield Static(id="title")
            yield Static(id="modes")
        yield Static(id="banner")
        yield Input(placeholder="filter deployments by name (Esc clears)", id="filter")
        yield DeploymentTable(id="deployments", cursor_type="row", zebra_stripes=True)
        yield ReplicaSlider(id="slider")
        with Horizontal(id="bottombar"):
            yield Static(id="message")  # the last action's result: it stays until the next action
            yield Static("connecting…", id="watch-status")  # what the watch says
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one(DeploymentTable)
        for key, label in COLUMNS:
            table.add_column(label, key=key, width=len(label))
        self.query_one("#filter", Input).display = False
        self.query_one("#banner", Static).display = False
        table.focus()
        self.refresh_title()
        self.set_interval(self.AGE_TICK, self.refresh_ages)
        self.backend.watch(self._on_rows_changed)

    def on_unmount(self) -> None:
        self._leaving.set()
        # Stopping joins the watch threads: never on the UI thread.
        threading.Thread(target=self.backend.stop, name="stop watches", daemon=True).start()

    def refresh_title(self) -> None:
        b = self.backend
        context = f"[b reverse red] {escape(b.context)} [/]" if b.production_context() else f"[b]{escape(b.context)}[/]"
        self.query_one("#title", Static).update(
            f"[b]hubtui[/]  ·  context {context}  ·  cluster [b]{escape(b.cluster)}[/]  ·  namespace "
            f"[b]{escape(b.namespace)}[/]")
        modes = []
        if self.backend.readonly_reason():
            modes.append("[b reverse] READ-ONLY [/]")
        if self.dry_run:
            modes.append("[b white on #b22222] DRY RUN [/]")
        if self.wait:
            modes.append("[b black on yellow] WAIT [/]")
        self.query_one("#modes", Static).update(" ".join(modes))

    def say(self, text: str) -> None:
        """The message line: an action's progress or result. It stays until the next one."""
        self.query_one("#message", Static).update(text)

    def result(self, text: str) -> None:
        """An action's outcome: said, and kept in the session's history (L)."""
        self.say(text)
        self.history.append((self.backend.now().astimezone().strftime("%H:%M:%S"), text))

    def watch_status(self, text: str) -> None:
        self.query_one("#watch-status", Static).update(text)

    def action_history(self) -> None:
        entries = list(reversed(self.history)) or [("", "nothing has been done yet in this session")]
        self.app.push_screen(Help("What happened in this session (newest first)", entries,
                                  closing="Esc closes this list"))

    # ----- rows from the watch -----------------------------------------------------------
    def _on_rows_changed(self, change: RowsChanged) -> None:
        """On the watch thread: buffer, and wake the UI once per burst."""
        with self._pending_lock:
            self._pending.append(change)
            first = len(self._pending) == 1
        if first:
            self.post_message(self.RowsArrived())

    def on_deployments_screen_rows_arrived(self, _: RowsArrived) -> None:
        with self._pending_lock:
            changes, self._pending = self._pending, []
        if not changes:
            return
        for change in changes:
            for row in change.upserted:
                self.rows[row.name] = row
            for name in change.removed:
                self.rows.pop(name, None)
        last = changes[-1]
        banner = self.query_one("#banner", Static)
        if last.error:
            banner.update(f"⚠ {last.error} — retrying; the table shows the last known state")
            banner.display = True
        elif last.synced:
            banner.display = False
        self.apply_rows()
        if not self.busy and last.synced:
            hpa = f" · [yellow]HPA column empty: {escape(last.hpa_error)}[/]" if last.hpa_error else ""
            self.watch_status(f"{len(self.rows)} deployments · watching for changes{hpa}")

    def visible(self) -> list[DeploymentRow]:
        return [r for name, r in sorted(self.rows.items()) if self.filter in name]

    def apply_rows(self) -> None:
        """Bring the table in line with self.rows.

        Changed cells are updated in place. Only a change of shape (rows added or removed, or a value
        wider than its column) rebuilds the table, with column widths measured here: the table never
        draws a line at widths it has not measured yet."""
        table = self.query_one(DeploymentTable)
        now = self.backend.now()
        want = self.visible()
        values = {row.name: cells(row, now) for row in want}
        widths = {key: max([len(label), MIN_WIDTHS.get(key, 0)] + [len(str(v[i])) for v in values.values()])
                  for i, (key, label) in enumerate(COLUMNS)}
        present = [str(k.value) for k in table.rows]
        same_shape = (sorted(present) == [r.name for r in want]
                      and all(widths[key] <= table.columns[key].width for key, _ in COLUMNS))
        if not same_shape:
            self.rebuild_table(table, want, values, widths)
        else:
            for row in want:
                current = table.get_row(row.name)
                for (key, _), old, new in zip(COLUMNS, current, values[row.name]):
                    if str(old) != str(new) or (isinstance(new, Text) and getattr(old, "style", None) != new.style):
                        table.update_cell(row.name, key, new)
        self.sync_slider(keep_target=True)

    def rebuild_table(self, table: DataTable, want: list[DeploymentRow], values: dict, widths: dict) -> None:
        selected = self.selected()
        table.clear(columns=True)
        for key, label in COLUMNS:
            table.add_column(label, key=key, width=widths[key])
        for row in want:
            table.add_row(*values[row.name], key=row.name)
        if selected is not None and selected.name in values:
            table.move_cursor(row=table.get_row_index(selected.name), animate=False)

    def refresh_ages(self) -> None:
        """Only the Age cells of the rows on screen, only where the text changed: rows off screen cost
        nothing until they are scrolled into view (the next tick catches them up)."""
        table = self.query_one(DeploymentTable)
        if not table.row_count:
            return
        now = self.backend.now()
        first = max(0, int(table.scroll_y))
        for row in table.ordered_rows[first:first + table.size.height + 1]:
            deployment = self.rows.get(str(row.key.value))
            if deployment is None:
                continue
            age = deployment.age(now)
            if str(table.get_cell(row.key, "age")) != age and len(age) <= table.columns["age"].width:
                table.update_cell(row.key, "age", age)

    # ----- the slider --------------------------------------------------------------------
    def selected(self) -> DeploymentRow | None:
        table = self.query_one(DeploymentTable)
        if table.row_count == 0:
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        return self.rows.get(str(key))

    def sync_slider(self, keep_target: bool = False) -> None:
        slider = self.query_one(ReplicaSlider)
        row = self.selected()
        same = slider.row is not None and row is not None and slider.row.name == row.name
        pending = same and slider.target != slider.row.desired
        slider.row = row
        if row is not None and not (keep_target and pending):
            slider.target = row.desired

    @on(DataTable.RowHighlighted)
    def _row_highlighted(self) -> None:
        self._typed = ""
        self.sync_slider(keep_target=True)  # a pending target survives only on the same deployment

    def action_nudge(self, delta: int) -> None:
        slider = self.query_one(ReplicaSlider)
        if slider.row is None:
            return
        self._typed = ""
        slider.target = max(0, min(MAX_REPLICAS, slider.target + delta))

    def action_digit(self, d: int) -> None:
        slider = self.query_one(ReplicaSlider)
        if slider.row is None:
            return
        now = time.monotonic()
        if now - self._typed_at > TYPE_AHEAD_SECONDS:
            self._typed = ""
        self._typed_at = now
        typed = (self._typed + str(d)).lstrip("0") or "0"
        try:
            slider.target = parse_replicas(typed)
            self._typed = typed
        except HubError as e:
            self.notify(str(e), severity="warning")

    def action_cancel(self) -> None:
        if self.filter or self.query_one("#filter", Input).display:
            self.clear_filter()
            return
        self._typed = ""
        slider = self.query_one(ReplicaSlider)
        if slider.row is not None and slider.target != slider.row.desired:
            slider.target = slider.row.desired
            self.say("cancelled")

    def action_apply(self) -> None:
        slider = self.query_one(ReplicaSlider)
        row = slider.row
        self._typed = ""
        if row is None:
            return
        target, dry_run = slider.target, self.dry_run  # as they are now, not when the worker runs
        if target == row.desired:
            self.say(f"{row.name} is already at {row.desired}")
            return
        if not dry_run and self.app.refused_readonly(f"scaling {row.name}"):
            return
        self.run_change(f"scale {row.name} {row.desired}→{target}",
                        lambda emit: self.backend.scale([row.name], target, dry_run=dry_run, emit=emit))

    # ----- operations --------------------------------------------------------------------
    def run_change(self, what: str, call) -> None:
        """Run call(emit) -> [ScaleChange] in a worker; the dry-run and wait modes are taken as they are now."""
        if self.busy:
            self.notify("another change is still running", severity="warning")
            return
        self.busy = True
        dry_run = self.dry_run
        self.say(f"{what}{' (dry run)' if dry_run else ''}…")
        self.change_worker(what, call, dry_run, self.wait and not dry_run)

    @work(thread=True, exit_on_error=False, group="changes")
    def change_worker(self, what: str, call, dry_run: bool, wait: bool) -> None:
        warnings: list[str] = []

        def emit(event) -> None:
            if getattr(event, "level", "") == "warning":
                warnings.append(event.text)

        try:
            changes: list[ScaleChange] = call(emit)
            outcome = None
            done = {c.name: c.after for c in changes if c.ok}
            if wait and done:
                self.report(self.say, f"{what}: waiting for {len(done)} deployment(s) to be ready…")
                outcome = self.backend.wait_ready(list(done), targets=done, cancel=self._leaving)
        except HubError as e:
            self.report(self.finish_change, what, None, None, [], str(e), dry_run)
            return
        except Exception as e:  # noqa: BLE001 - shown, never a crash
            self.report(self.finish_change, what, None, None, [], f"{type(e).__name__}: {e}", dry_run)
            return
        self.report(self.finish_change, what, changes, outcome, warnings, None, dry_run)

    def report(self, fn, *args) -> None:
        """From a worker: run fn on the UI thread, unless this screen has gone meanwhile."""
        if not self._leaving.is_set() and self.is_attached:
            try:
                self.app.call_from_thread(fn, *args)
            except RuntimeError:  # the app is shutting down
                pass

    def finish_change(self, what, changes, outcome, warnings, error, dry_run) -> None:
        self.busy = False
        for w in warnings:
            self.notify(w, severity="warning", timeout=8)
        if error:
            self.result(f"[b red]failed:[/] {what}: {error}")
            self.notify(error, title="failed", severity="error", timeout=10)
            return
        failed = [c for c in changes if not c.ok]
        for c in failed:
            self.notify(c.error, title=f"{c.name} failed", severity="error", timeout=10)
        ok = len(changes) - len(failed)
        text = f"{what}: {ok} change(s){' validated (dry run, nothing changed)' if dry_run else ' applied'}"
        if failed:
            text += f", [b red]{len(failed)} failed[/]"
        if outcome is not None:
            if outcome.ok:
                text += f"; ready in {outcome.seconds:.1f}s"
            else:
                text += f"; [b red]not ready after {outcome.seconds:.0f}s:[/] " + "; ".join(
                    f"{n}: {why}" for n, why in outcome.not_ready.items())
        self.result(text)
        self.sync_slider()

    def action_scale_all(self) -> None:
        if not self.dry_run and self.app.refused_readonly("scaling all"):
            return
        names = sorted(self.rows)

        def chosen(n: int | None) -> None:
            if n is None:
                return
            if n == 0:
                self.app.push_screen(Confirm(
                    "Scale every deployment to 0?",
                    f"All {len(names)} deployments in namespace {self.backend.namespace} "
                    f"(context {self.backend.context}) go to 0 replicas:\n{', '.join(names)}\n\n"
                    "Their counts are recorded; r restores them.", danger=True, yes="Scale to 0"),
                    lambda yes: yes and self.scale_all(0))
            else:
                self.scale_all(n)

        self.app.push_screen(NumberPrompt(f"Scale all {len(names)} deployments in {self.backend.namespace} to:",
                                          parse_replicas), chosen)

    def scale_all(self, n: int, what: str | None = None) -> None:
        dry_run = self.dry_run
        self.run_change(what or f"scale all to {n}",
                        lambda emit: self.backend.scale_all(n, dry_run=dry_run, emit=emit))

    def action_maintenance(self) -> None:
        if not self.dry_run and self.app.refused_readonly("maintenance"):
            return
        names = sorted(self.rows)
        self.app.push_screen(Confirm(
            "Maintenance mode",
            f"Scale all {len(names)} deployments in namespace {self.backend.namespace} "
            f"(context {self.backend.context}) to 0.\nEach one's current count is recorded in "
            "hubtui.io/original-replicas; r restores it.", danger=True, yes="Scale to 0"),
            lambda yes: yes and self.scale_all(0, "maintenance (all to 0)"))

    def action_restore(self, force: bool = False) -> None:
        if not self.dry_run and self.app.refused_readonly("restoring the recorded counts"):
            return
        saved = [r for _, r in sorted(self.rows.items()) if r.original_replicas is not None or r.original_problem]
        if not saved:
            self.notify("no deployment has a recorded count to restore", severity="warning")
            return
        lines = "\n".join(f"  {r.name}: {r.desired} → {r.original_replicas}" if r.original_problem is None
                          else f"  {r.name}: cannot restore ({r.original_problem})" for r in saved)
        self.app.push_screen(Confirm(
            "Restore recorded counts" + (" (force)" if force else ""),
            f"{lines}\n" + ("Deployments changed since are restored too." if force else
                            "Deployments changed since maintenance are left alone (R forces)."),
            danger=force, yes="Restore"),
            lambda yes: yes and self.restore(force))

    def restore(self, force: bool) -> None:
        dry_run = self.dry_run
        self.run_change("restore" + (" (force)" if force else ""),
                        lambda emit: self.backend.restore(force=force, dry_run=dry_run, emit=emit))

    def action_toggle_wait(self) -> None:
        self.wait = not self.wait
        self.refresh_title()
        self.say(f"wait for readiness {'on' if self.wait else 'off'}")

    def action_toggle_dry_run(self) -> None:
        self.dry_run = not self.dry_run
        self.refresh_title()
        self.say(f"dry run {'on: changes are validated, not applied' if self.dry_run else 'off'}")

    # ----- filter, namespace, help -------------------------------------------------------
    def action_filter(self) -> None:
        box = self.query_one("#filter", Input)
        box.display = True
        box.focus()

    @on(Input.Changed, "#filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        self.filter = event.value.strip()
        self.apply_rows()

    @on(Input.Submitted, "#filter")
    def _filter_done(self) -> None:
        self.query_one(DeploymentTable).focus()
        if not self.filter:
            self.query_one("#filter", Input).display = False

    def clear_filter(self) -> None:
        box = self.query_one("#filter", Input)
        box.value = ""
        box.display = False
        self.filter = ""
        self.apply_rows()
        self.query_one(DeploymentTable).focus()

    def key_escape(self) -> None:
        # Esc inside the filter box (the table has its own Esc binding)
        if self.query_one("#filter", Input).has_focus:
            self.clear_filter()

    @work(thread=True, exit_on_error=False, group="namespaces")
    def action_namespace(self) -> None:
        try:
            names = self.backend.namespaces()
        except HubError as e:
            self.app.call_from_thread(self.notify, str(e), severity="error")
            return
        self.app.call_from_thread(self.app.push_screen, NamespacePicker(names, self.backend.namespace),
                                  self.switch_namespace)

    @work(thread=True, exclusive=True, exit_on_error=False, group="contexts")
    def action_context(self) -> None:
        try:
            names, current = self.backend.contexts()
        except HubError as e:
            self.app.call_from_thread(self.notify, str(e), severity="error")
            return
        self.app.call_from_thread(self.app.push_screen, NamespacePicker(names, current, "Switch context"),
                                  self.switch_context)

    def switch_context(self, context: str | None) -> None:
        if context and context != self.backend.context:
            self.app.switch_to_context(context)

    def switch_namespace(self, namespace: str | None) -> None:
        if not namespace or namespace == self.backend.namespace:
            return
        self.app.switch_to_namespace(namespace)

    def action_help(self) -> None:
        self.app.push_screen(Help("Deployments — keys", HELP))
