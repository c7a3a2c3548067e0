"""What the TUI needs from the engine: Backend for the deployments screen, and one part of it per other
screen (DetailSource, ConnectSource, CleanupSource; Place is what every screen shows).

ClusterBackend is the real one (a connection, a DeploymentStore, a ScaleEngine). UI unit tests pass
an in-memory object with the same methods; behaviour is proven against the real cluster elsewhere.
"""

from __future__ import annotations

import dataclasses
from datetime import datetime, UTC
from typing import TYPE_CHECKING, Protocol
from collections.abc import Callable

from ..kube.deployments import DeploymentRow, DeploymentStore, RowsChanged
from ..events import Emit, ignore
from ..ops.scale import ScaleChange, WaitOutcome
from ..settings import Settings

if TYPE_CHECKING:
    from ..ops.connect import PodChoice, SessionPlan
    from ..kube.detail import DeploymentDetail
    from ..ops.cleanup.session import CleanupPort


class Place(Protocol):
    """Where a screen is (its title shows it), and whether it may change anything there."""

    context: str
    namespace: str

    def now(self) -> datetime: ...
    def readonly_reason(self) -> str | None: ...


class Scaler(Place, Protocol):
    """What the scaling controls need (ui/scaling.py): the deployments screen's and the detail's."""

    def scale(self, names: list[str], n: int, *, dry_run: bool, emit: Emit = ignore) -> list[ScaleChange]: ...
    def rollback(self, changes: list[ScaleChange], *, emit: Emit = ignore) -> list[ScaleChange]: ...
    def wait_ready(self, names: list[str], timeout: float | None = None, *, targets: dict[str, int] | None = None,
                   cancel=None) -> WaitOutcome: ...


class DetailSource(Scaler, Protocol):
    """The detail screen's: one deployment, live, and its slider."""

    def detail(self, name: str, namespace: str | None = None) -> DeploymentDetail: ...


class ConnectSource(Place, Protocol):
    """The connect screen's: the stores' pods, and a session's plan."""

    def connect_candidates(self) -> dict[str, PodChoice | str]: ...
    def connect_plan(self, target: str, *, local: bool = False) -> SessionPlan: ...


class CleanupSource(Place, Protocol):
    """The cleanup wizard's: where a cleanup session meets the world (ops/cleanup/session.py)."""

    def cleanup_port(self) -> CleanupPort: ...


class Backend(DetailSource, ConnectSource, CleanupSource, Protocol):
    """All of it, for the deployments screen, which opens the others and hands each its part: the live rows,
    scaling every deployment, and moving to another namespace or context. A screen other than the deployments
    takes only its own part (a test's fake for it need not be more)."""

    cluster: str
    all_namespaces: bool  # the rows are every namespace's (each row's ref is namespace/name)
    notice: str | None  # one line the screen shows once (e.g. why all namespaces fell back to one)

    def production_context(self) -> bool: ...
    def contexts(self) -> tuple[list[str], str]: ...
    def for_context(self, context: str) -> Backend: ...
    def watch(self, listener: Callable[[RowsChanged], None]) -> None: ...
    def stop(self) -> None: ...
    def rows(self) -> list[DeploymentRow]: ...
    def scale_all(self, n: int, *, dry_run: bool, emit: Emit = ignore) -> list[ScaleChange]: ...
    def restore(self, *, force: bool, dry_run: bool, emit: Emit = ignore) -> list[ScaleChange]: ...
    def namespaces(self) -> list[str]: ...
    def check_namespace(self, namespace: str) -> None: ...  # HubError when it does not exist
    def for_namespace(self, namespace: str) -> Backend: ...
    def for_all_namespaces(self, on: bool) -> Backend: ...


class ClusterBackend:
    def __init__(self, settings: Settings, conn=None):
        from ..kube.client import connect
        from ..kube.deployments import all_namespaces_refused

        self.conn = conn or connect(settings)
        self.context, self.cluster, self.namespace = self.conn.context, self.conn.cluster, settings.namespace
        self.notice: str | None = None
        if settings.all_namespaces:
            if all_namespaces_refused(self.conn):  # the current namespace instead, and the screen says why
                from ..present.deployment import one_namespace_only

                self.notice = one_namespace_only(self.namespace)
                settings = dataclasses.replace(settings, all_namespaces=False)
        self.settings = settings
        self.all_namespaces = settings.all_namespaces
        self.store = DeploymentStore(self.conn, None if self.all_namespaces else self.namespace)
        # The list starts now, while the app is still starting: its rows are replayed to the screen's watch.
        self.store.start()
        from ..ops.hubs import hub_readonly_reason

        # read here, off the UI thread (with readonly_contexts it reads every context of the kubeconfig)
        self._readonly = hub_readonly_reason(settings, self.conn.context, self.conn.server,
                                             None if self.all_namespaces else (self.namespace,))

    def now(self) -> datetime:
        return datetime.now(UTC)

    def readonly_reason(self) -> str | None:
        """Why changes are refused here: this context's own read-only, or another context's of the same hub.
        Read once per backend, as it is made (the gate asks on every key; a switch of context or namespace makes
        a new one); the engine checks again before each change."""
        return self._readonly

    def production_context(self) -> bool:
        from ..config import context_pattern

        return context_pattern(self.conn.context, self.settings.production_contexts) is not None

    def contexts(self) -> tuple[list[str], str]:
        from ..kube.client import contexts

        names, _ = contexts(self.settings)
        return names, self.conn.context

    def for_context(self, context: str) -> ClusterBackend:
        """A backend on another context of the kubeconfig (this one's watches are stopped by its screen). A
        context that cannot be reached is a HubError, and nothing is switched."""
        from ..kube.client import check_reachable, connect

        conn = connect(dataclasses.replace(self.settings, context=context))
        try:
            check_reachable(conn)
        except BaseException:
            conn.close()
            raise
        return ClusterBackend(dataclasses.replace(self.settings, context=context), conn=conn)

    def watch(self, listener: Callable[[RowsChanged], None]) -> None:
        self.store.subscribe(listener)
        self.store.start()

    def stop(self) -> None:
        self.store.stop()

    def rows(self) -> list[DeploymentRow]:
        return self.store.rows

    def _engine(self, dry_run: bool, emit: Emit):
        from ..ops.scale import ScaleEngine

        return ScaleEngine(self.conn, self.settings, dry_run=dry_run, emit=emit, all_namespaces=self.all_namespaces)

    def scale(self, names, n, *, dry_run, emit=ignore):
        return self._engine(dry_run, emit).scale(names, n)

    def scale_all(self, n, *, dry_run, emit=ignore):
        return self._engine(dry_run, emit).scale_all(n)

    def restore(self, *, force, dry_run, emit=ignore):
        return self._engine(dry_run, emit).restore(force=force)

    def rollback(self, changes, *, emit=ignore):
        return self._engine(False, emit).rollback(changes)

    def wait_ready(self, names, timeout=None, *, targets=None, cancel=None):
        return self._engine(False, ignore).wait_ready(names, timeout, store=self.store, targets=targets,
                                                      cancel=cancel)

    def namespaces(self) -> list[str]:
        from ..kube.namespaces import list_namespaces

        return list_namespaces(self.conn)

    def check_namespace(self, namespace: str) -> None:
        from ..kube.namespaces import check_namespace_exists

        check_namespace_exists(self.conn, namespace)

    def detail(self, name, namespace=None):
        """One deployment, live (its watches start when the detail view starts it)."""
        from ..kube.detail import DeploymentDetail

        return DeploymentDetail(self.conn, namespace or self.namespace, name)

    def connect_candidates(self):
        from ..ops.connect import candidates

        return candidates(self.conn, self.namespace)

    def connect_plan(self, target: str, *, local: bool = False):
        from ..ops.connect import local_plan, plan

        return (local_plan if local else plan)(self.conn, self.settings, target)

    def cleanup_port(self):
        from ..ops.cleanup.session import ClusterCleanup

        return ClusterCleanup(self.conn, self.settings)

    def for_namespace(self, namespace: str) -> ClusterBackend:
        """A backend on another namespace, on the same connection; this one's watches are stopped by its screen
        as it goes (off the UI thread: stopping joins the watch threads)."""
        return ClusterBackend(dataclasses.replace(self.settings, namespace=namespace, all_namespaces=False),
                              conn=self.conn)

    def for_all_namespaces(self, on: bool) -> ClusterBackend:
        """A backend on every namespace (on) or on the current one; this one's watches are stopped by its
        screen. Checks the right to list cluster-wide (a blocking call: run it off the UI thread)."""
        return ClusterBackend(dataclasses.replace(self.settings, all_namespaces=on), conn=self.conn)
