"""The deployment detail: one deployment, live — its rollout, its pods and why each is not ready, their events
(newest first, warnings standing out), a pod's log followed in a pane, and the replica slider.

Everything on it comes from the DeploymentDetail's watches (kube/detail.py) and is put into words by
present/detail.py. Leaving the screen stops the watches and the log stream (off the UI thread).
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, ClassVar

from rich.markup import escape
from textual import on, work
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Horizontal, Vertical
from textual.widgets import DataTable, Static

from ...errors import HubError
from ...kube.deployments import row_from
from ...kube.detail import DetailSnapshot
from ...present.words import counted
from ...present.detail import PodFacts, event_facts, pod_facts, rollout_facts
from ..actions import bindings, help_rows
from ..widgets.replica_slider import ReplicaSlider, SliderKeys
from ..live import Channel
from ..scaling import CHANGES, Scaling
from ..gate import ReadOnlyGate
from .modals import Help, NamespacePicker
from ..widgets.footer import HubFooter
from ..widgets.titlebar import TitleBar
from .base import HubScreen
from .detail_log import LogPane
from .detail_tables import EventTable, PodTable

if TYPE_CHECKING:
    from ..backend import DetailSource

HELP = help_rows("detail")
MAX_EVENT_ROWS = 100
SNAPSHOT_FPS = 10  # the most times a second the rollout, pods and events are drawn again


class DetailScreen(Scaling, SliderKeys, ReadOnlyGate, HubScreen):
    ACTION_SCREEN = "detail"  # its entry in the action table (ui/actions.py)
    BINDINGS: ClassVar[list[BindingType]] = list(bindings("detail"))
    TICK = 1.0  # seconds: ages are brought up to date this often

    DEFAULT_CSS = """
    DetailScreen #detail-title { height: 1; background: $primary; color: $text; padding: 0 1; }
    DetailScreen #detail-banner { height: auto; background: $error; color: $text; padding: 0 1;
                                  text-style: bold; display: none; }
    DetailScreen #rollout { height: auto; max-height: 10; padding: 0 1; }
    DetailScreen #pods { height: auto; max-height: 12; overflow-x: hidden; }
    DetailScreen #why { height: auto; max-height: 4; padding: 0 1; }
    DetailScreen #why.problem { color: $warning; }
    DetailScreen .section { height: 1; padding: 0 1; color: $text-muted; text-style: bold; }
    DetailScreen #lower { height: 1fr; }
    DetailScreen #events { height: 1fr; overflow-x: hidden; }  /* a long message is cut: Enter reads it */
    DetailScreen #log-pane { height: 1fr; display: none; }
    DetailScreen #log-title { border-top: solid $primary; height: 2; }
    DetailScreen #log { height: 1fr; }
    DetailScreen.logs-open #log-pane { display: block; }
    DetailScreen.logs-open #events { height: 8; }
    DetailScreen #detail-slider { border-top: solid $primary; height: 2; }
    DetailScreen #detail-bottom { height: 1; }
    DetailScreen #detail-message { width: 1fr; padding: 0 1; color: $text-muted; }
    DetailScreen #detail-watch { width: auto; padding: 0 1; color: $text-muted; }
    /* a short terminal (80x24): the rollout's lines are not wrapped, fewer pod rows, and while a log is open
       it takes the events' place, so that the log has lines to show */
    DetailScreen.short #rollout { max-height: 5; text-wrap: nowrap; text-overflow: ellipsis; }
    DetailScreen.short #pods { max-height: 5; }
    DetailScreen.short #why { max-height: 1; text-wrap: nowrap; text-overflow: ellipsis; }
    DetailScreen.short.logs-open #events-title { display: none; }
    DetailScreen.short.logs-open #events { display: none; }
    """
    SHORT = 32  # rows: a terminal shorter than this is drawn as above

    def __init__(self, backend: DetailSource, name: str, *, namespace: str | None = None, ref: str | None = None,
                 dry_run: bool = False):
        super().__init__()
        self.backend = backend
        self.deployment = name
        self.namespace = namespace or backend.namespace
        self.ref = ref or name  # how the backend's scale() names it (namespace/name in all namespaces)
        self.dry_run = dry_run
        self.detail = backend.detail(name, self.namespace)
        self.snapshot: DetailSnapshot | None = None
        # from the watch threads (ui/live.py): the latest snapshot wins
        self.live_snapshot: Channel[str, DetailSnapshot] = Channel(self, self._draw_snapshot, fps=SNAPSHOT_FPS)
        self.busy = False
        self.container: str | None = None  # the chosen container of the log (None: the pod's first)

    # ----- layout ------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        yield TitleBar(id="detail-title")
        yield Static(id="detail-banner")
        yield Static("loading…", id="rollout")
        yield PodTable(id="pods", cursor_type="row", zebra_stripes=True)
        yield Static(id="why")
        with Vertical(id="lower"):
            yield Static("Events (newest first)", classes="section", id="events-title")
            yield EventTable(id="events", cursor_type="row", zebra_stripes=True)
            yield LogPane(self.detail, id="log-pane")
        yield ReplicaSlider(id="detail-slider")
        with Horizontal(id="detail-bottom"):
            yield Static(id="detail-message")
            yield Static("connecting…", id="detail-watch")
        yield HubFooter()

    def on_mount(self) -> None:
        self.refresh_title()
        self.query_one(PodTable).focus()
        self.set_interval(self.TICK, self.tick)
        self.start_watching()

    def on_resize(self) -> None:
        self.set_class(self.size.height < self.SHORT, "short")

    def refresh_title(self) -> None:
        """The deployment, its namespace and context (TitleBar fits them to the width)."""
        self.query_one(TitleBar).show(self.deployment, [("deployment in namespace|namespace", self.namespace),
                                                        ("context", self.backend.context)]
                                      + ([("", "DRY RUN")] if self.dry_run else []),
                                      readonly=bool(self.backend.readonly_reason()))

    @work(thread=True, exit_on_error=False, group="detail-start")
    def start_watching(self) -> None:
        try:
            self.detail.start(self._on_snapshot)
        except HubError as e:
            self.report(self.failed_to_start, str(e))
        except Exception as e:  # noqa: BLE001 - shown, never a crash
            self.report(self.failed_to_start, f"{type(e).__name__}: {e}")

    def failed_to_start(self, error: str) -> None:
        self.show_banner(f"⚠ {error} — Esc goes back")
        self.query_one("#rollout", Static).update("")
        self.query_one("#detail-watch", Static).update("not watching")
        self.notify(error, title="Detail", severity="error", timeout=8)

    def on_unmount(self) -> None:
        self._leaving.set()
        # Stopping joins the watch and log threads: never on the UI thread.
        threading.Thread(target=self.detail.stop, name="stop detail watches", daemon=True).start()


    def show_banner(self, text: str | None) -> None:
        banner = self.query_one("#detail-banner", Static)
        if text:
            banner.update(escape(text))
        banner.display = bool(text)

    def say(self, text: str) -> None:
        self.query_one("#detail-message", Static).update(text)

    # ----- the live state ------------------------------------------------------------------
    def _on_snapshot(self, snap: DetailSnapshot) -> None:
        """On a watch thread: the latest snapshot into the live channel (latest wins)."""
        if not self._leaving.is_set():
            self.live_snapshot.put("snapshot", snap)

    def _draw_snapshot(self, items: dict[str, DetailSnapshot]) -> None:
        self.snapshot = items["snapshot"]
        self.render_snapshot()

    def tick(self) -> None:
        if self.snapshot is not None:
            self.render_snapshot()

    def render_snapshot(self) -> None:
        snap = self.snapshot
        assert snap is not None, "render_snapshot runs once a snapshot has arrived"
        now = self.backend.now()
        self.show_banner(f"⚠ {snap.error} — retrying; the last known state is shown" if snap.error else None)
        self.render_rollout(snap, now)
        self.query_one(PodTable).show([pod_facts(p, now, snap.events) for p in snap.pods])
        self.show_why()
        self.query_one(EventTable).show(event_facts(snap, now)[:MAX_EVENT_ROWS])
        self.sync_slider(keep_target=True)
        if snap.synced:
            self.query_one("#detail-watch", Static).update(
                f"{counted(len(snap.pods), 'pod')} · {counted(len(snap.events), 'event')} · watching for changes")

    def render_rollout(self, snap: DetailSnapshot, now) -> None:
        r = rollout_facts(snap, now)
        lines = [f"[b {'$success' if r.ok else '$warning'}]{escape(r.summary)}[/]"]
        for c in r.conditions:
            lines.append(f"  {'[$success]✓[/]' if c.ok else '[$warning]✗[/]'} {escape(c.text)}")
        for rs in r.replicasets:
            lines.append(f"  [b]{rs.role}[/] {escape(rs.text[len(rs.role):].strip())}")
        if r.old_at_zero:
            lines.append(f"  [$text-muted]{counted(r.old_at_zero, 'older replica set')} at 0 kept for rollback[/]")
        if r.images:
            lines.append("  images: " + ", ".join(f"{escape(c)} [b]{escape(i)}[/]" for c, i in r.images))
        self.query_one("#rollout", Static).update("\n".join(lines))

    def action_event(self) -> None:
        """Enter on an event: the whole of it, its message wrapped, in a dialog."""
        uid = self.query_one(EventTable).selected_key()
        if uid is None or self.snapshot is None:
            return
        event = next((e for e in event_facts(self.snapshot, self.backend.now()) if e.uid == uid), None)
        if event is None:
            return
        fields = [("Type", event.type), ("Reason", event.reason), ("Object", event.object),
                  ("Seen", f"{counted(event.count, 'time')}, the last {event.age} ago"), ("Message", event.message)]
        self.app.push_screen(Help(f"Event: {event.reason} on {event.object}", fields, closing="Esc closes this event",
                                  columns=False))

    def selected_pod(self) -> PodFacts | None:
        return self.query_one(PodTable).selected()

    @on(DataTable.RowHighlighted, "#pods")
    def _pod_highlighted(self) -> None:
        self.show_why()

    def show_why(self) -> None:
        why = self.query_one("#why", Static)
        pod = self.selected_pod()
        if pod is None:
            why.update("no pods" if self.snapshot is not None and self.snapshot.synced else "")
            why.set_class(False, "problem")
        else:
            why.update(f"[b]{escape(pod.name)}[/]: " + escape(pod.reason or "ready"))
            why.set_class(bool(pod.reason), "problem")

    # ----- the slider ----------------------------------------------------------------------
    def current_row(self):
        dep = self.snapshot.deployment if self.snapshot is not None else None
        return row_from(dep) if dep is not None else None

    def sync_slider(self, keep_target: bool = False) -> None:
        slider = self.query_one(ReplicaSlider)
        row = self.current_row()
        pending = slider.row is not None and row is not None and slider.target != slider.row.desired
        slider.row = row
        if row is not None and not (keep_target and pending):
            slider.target = row.desired

    def readonly_allows(self, name: str) -> bool:
        return self.dry_run  # a dry run changes nothing: allowed in read-only mode

    def readonly_what(self, name: str) -> str:
        return f"scaling {self.deployment}"

    # Enter on the slider, the change's worker and its result: ui/scaling.py (as on the deployments)
    wait = False  # the detail shows readiness live: it never waits

    def slider_ref(self, row) -> str:
        return self.ref  # the deployments' name for it (namespace/name in a view of all namespaces)

    # ----- the log pane --------------------------------------------------------------------
    def action_logs(self) -> None:
        if self.has_class("logs-open"):
            self.close_logs()
            return
        pod = self.selected_pod()
        if pod is None:
            self.notify("no pod selected", severity="warning")
            return
        container = self.container if self.container in pod.containers else (pod.containers or ("",))[0]
        self.open_logs(pod.name, container)

    def open_logs(self, pod: str, container: str) -> None:
        self.query_one(LogPane).open(pod, container)
        self.add_class("logs-open")

    def close_logs(self) -> None:
        self.query_one(LogPane).close()
        self.remove_class("logs-open")
        self.query_one(PodTable).focus()

    def action_container(self) -> None:
        pod = self.selected_pod()
        if pod is None:
            self.notify("no pod selected", severity="warning")
            return
        if len(pod.containers) < 2:
            self.notify(f"{pod.name} has one container: {', '.join(pod.containers) or '-'}", timeout=4)
            return
        current = self.container if self.container in pod.containers else pod.containers[0]

        def chosen(name: str | None) -> None:
            if name:
                self.container = name
                if self.has_class("logs-open"):
                    self.open_logs(pod.name, name)
                else:
                    self.say(f"container {name}: l follows its log")

        self.app.push_screen(NamespacePicker(list(pod.containers), current, f"Container of {pod.name}"), chosen)

    def worker_failed(self, worker, message: str) -> None:
        """A worker failed with an error it did not handle (ui/workers.py): the screen stays usable."""
        if worker.group == CHANGES:
            self.change_failed(message)
        elif worker.group == "detail-start":
            self.show_banner(f"⚠ {message} — Esc goes back")

    # ----- leaving, help -------------------------------------------------------------------
    def action_back(self) -> None:
        if self.has_class("logs-open"):
            self.close_logs()
            return
        slider = self.query_one(ReplicaSlider)
        if slider.row is not None and slider.target != slider.row.desired:
            slider.target = slider.row.desired
            self.query_one(ReplicaSlider).forget_typing()
            self.say("cancelled")
            return
        self.app.pop_screen()

    def action_help(self) -> None:
        self.app.push_screen(Help("Deployment detail — keys", HELP))
