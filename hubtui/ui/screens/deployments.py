"""The deployments screen: every deployment of the namespace with its replica state."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Callable

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Static

from ...errors import HubError
from ...kube.deployments import DeploymentRow
from ...settings import Settings

COLUMNS = (("name", "Deployment"), ("replicas", "Ready/Desired"), ("updated", "Up-to-date"),
           ("available", "Available"), ("hpa", "HPA"), ("age", "Age"), ("status", "Status"))


@dataclass(frozen=True)
class RowSource:
    """Where the screen's rows come from: the cluster, or an in-memory list in UI unit tests."""

    title: str  # context, cluster and namespace, shown in the header line
    load: Callable[[], list[DeploymentRow]]
    clock: Callable[[], datetime] = field(default=lambda: datetime.now(timezone.utc))


def cluster_source(settings: Settings) -> RowSource:
    from ...kube.client import connect
    from ...kube.deployments import list_rows

    conn = connect(settings)
    return RowSource(
        title=f"context {conn.context}  ·  cluster {conn.cluster}  ·  namespace {settings.namespace}",
        load=lambda: list_rows(conn, settings.namespace),
    )


def cells(row: DeploymentRow, now: datetime) -> tuple[str, ...]:
    hpa = f"{row.hpa.min_replicas}–{row.hpa.max_replicas}" if row.hpa else "-"
    return (row.name, f"{row.ready}/{row.desired}", str(row.updated), str(row.available), hpa, row.age(now),
            row.status)


class DeploymentsScreen(Screen):
    BINDINGS = [Binding("ctrl+r", "refresh", "Refresh")]

    def __init__(self, source: RowSource):
        super().__init__()
        self.source = source

    def compose(self) -> ComposeResult:
        yield Static(f"hubtui  ·  {self.source.title}", id="title")
        yield DataTable(id="deployments", cursor_type="row", zebra_stripes=True)
        yield Static("", id="message")
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        for key, label in COLUMNS:
            table.add_column(label, key=key)
        self.action_refresh()

    def action_refresh(self) -> None:
        self.query_one("#message", Static).update("loading deployments…")
        self.load_rows()

    @work(thread=True, exclusive=True, exit_on_error=False)
    def load_rows(self) -> None:
        try:
            rows = self.source.load()
        except HubError as e:
            self.app.call_from_thread(self.show_error, str(e))
            return
        self.app.call_from_thread(self.show_rows, rows)

    def show_rows(self, rows: list[DeploymentRow]) -> None:
        table = self.query_one(DataTable)
        present = {str(k.value) for k in table.rows}
        now = self.source.clock()
        for row in rows:
            if row.name in present:
                for (key, _), value in zip(COLUMNS, cells(row, now)):
                    table.update_cell(row.name, key, value, update_width=False)
            else:
                table.add_row(*cells(row, now), key=row.name)
        for gone in present - {r.name for r in rows}:
            table.remove_row(gone)
        self.query_one("#message", Static).update(f"{len(rows)} deployments")

    def show_error(self, message: str) -> None:
        self.query_one("#message", Static).update(f"[b red]error:[/] {message}")
