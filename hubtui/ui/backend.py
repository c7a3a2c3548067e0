"""What the TUI needs from the engine, in one object: live rows and the scaling operations.

ClusterBackend is the real one (a connection, a DeploymentStore, a ScaleEngine). UI unit tests pass
an in-memory object with the same methods; behaviour is proven against the real cluster elsewhere.
"""

from __future__ import annotations

import dataclasses
import threading
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Protocol

from ..kube.deployments import DeploymentRow, DeploymentStore, RowsChanged
from ..ops.events import Emit, ignore
from ..ops.connect import PodChoice, SessionPlan
from ..ops.scale import ScaleChange, WaitOutcome
from ..settings import Settings

if TYPE_CHECKING:
    from ..ops.cleanup.journal import JournalState
    from ..ops.cleanup.plan import CleanupOptions, Plan
    from ..ops.cleanup.runner import RunSummary


class Backend(Protocol):
    context: str
    cluster: str
    namespace: str

    def now(self) -> datetime: ...
    def readonly_reason(self) -> str | None: ...
    def production_context(self) -> bool: ...
    def contexts(self) -> tuple[list[str], str]: ...
    def for_context(self, context: str) -> "Backend": ...
    def watch(self, listener: Callable[[RowsChanged], None]) -> None: ...
    def stop(self) -> None: ...
    def rows(self) -> list[DeploymentRow]: ...
    def scale(self, names: list[str], n: int, *, dry_run: bool, emit: Emit = ignore) -> list[ScaleChange]: ...
    def scale_all(self, n: int, *, dry_run: bool, emit: Emit = ignore) -> list[ScaleChange]: ...
    def restore(self, *, force: bool, dry_run: bool, emit: Emit = ignore) -> list[ScaleChange]: ...
    def wait_ready(self, names: list[str], timeout: float | None = None, *, targets: dict[str, int] | None = None,
                   cancel=None) -> WaitOutcome: ...
    def namespaces(self) -> list[str]: ...
    def for_namespace(self, namespace: str) -> "Backend": ...
    def connect_candidates(self) -> dict[str, "PodChoice | str"]: ...
    def connect_plan(self, target: str) -> "SessionPlan": ...
    # the cleanup wizard
    def cleanup_pending(self, environment: str) -> "JournalState | None": ...
    def cleanup_discard(self, environment: str) -> None: ...
    def cleanup_load(self, plan_file: str) -> "Plan": ...
    def cleanup_stale(self, plan: "Plan", pending: "JournalState") -> str | None: ...
    def cleanup_probe_lock(self, environment: str) -> None: ...
    def cleanup_plan(self, opts: "CleanupOptions") -> "tuple[Plan, Path]": ...
    def cleanup_run(self, plan: "Plan", plan_file: Path, *, emit: Emit, cancel: threading.Event,
                    allow_disable_deletion_protection: bool, force: bool) -> "RunSummary": ...


class ClusterBackend:
    def __init__(self, settings: Settings, conn=None):
        from ..kube.client import connect

        self.settings = settings
        self.conn = conn or connect(settings)
        self.context, self.cluster, self.namespace = self.conn.context, self.conn.cluster, settings.namespace
        self.store = DeploymentStore(self.conn, self.namespace)

    def now(self) -> datetime:
        return datetime.now(timezone.utc)

    def readonly_reason(self) -> str | None:
        from ..readonly import readonly_reason

        return readonly_reason(self.settings, self.conn.context)

    def production_context(self) -> bool:
        import fnmatch

        return any(fnmatch.fnmatchcase(self.conn.context, p) for p in self.settings.production_contexts)

    def contexts(self) -> tuple[list[str], str]:
        from ..kube.client import contexts

        names, _ = contexts(self.settings)
        return names, self.conn.context

    def for_context(self, context: str) -> "ClusterBackend":
        """A backend on another context of the kubeconfig (this one's watches are stopped by its screen)."""
        return ClusterBackend(dataclasses.replace(self.settings, context=context))

    def watch(self, listener: Callable[[RowsChanged], None]) -> None:
        self.store.subscribe(listener)
        self.store.start()

    def stop(self) -> None:
        self.store.stop()

    def rows(self) -> list[DeploymentRow]:
        return self.store.rows

    def _engine(self, dry_run: bool, emit: Emit):
        from ..ops.scale import ScaleEngine

        return ScaleEngine(self.conn, self.settings, dry_run=dry_run, emit=emit)

    def scale(self, names, n, *, dry_run, emit=ignore):
        return self._engine(dry_run, emit).scale(names, n)

    def scale_all(self, n, *, dry_run, emit=ignore):
        return self._engine(dry_run, emit).scale_all(n)

    def restore(self, *, force, dry_run, emit=ignore):
        return self._engine(dry_run, emit).restore(force=force)

    def wait_ready(self, names, timeout=None, *, targets=None, cancel=None):
        return self._engine(False, ignore).wait_ready(names, timeout, store=self.store, targets=targets,
                                                      cancel=cancel)

    def namespaces(self) -> list[str]:
        from kubernetes import client

        from ..kube.client import REQUEST_TIMEOUT, describe_api_error

        try:
            items = client.CoreV1Api(self.conn.api).list_namespace(_request_timeout=REQUEST_TIMEOUT).items
        except Exception as e:  # noqa: BLE001
            raise describe_api_error(e, "listing namespaces") from None
        return sorted(n.metadata.name for n in items)

    def connect_candidates(self):
        from ..ops.connect import candidates

        return candidates(self.conn, self.namespace)

    def connect_plan(self, target: str):
        from ..ops.connect import plan

        return plan(self.conn, self.settings, target)

    def cleanup_pending(self, environment):
        from ..ops.cleanup.runner import pending_run

        return pending_run(self.settings.state_dir, environment)

    def cleanup_discard(self, environment):
        from ..ops.cleanup.journal import Journal
        from ..ops.cleanup.plan import working_dir

        Journal(working_dir(self.settings.state_dir, environment)).discard()

    def cleanup_load(self, plan_file):
        from ..ops.cleanup.plan import Plan

        plan = Plan.load(plan_file).for_execution()
        plan.check_cluster(self.conn)
        return plan

    def cleanup_probe_lock(self, environment):
        from ..ops.cleanup.lock import EnvironmentLock

        EnvironmentLock(self.settings.state_dir, environment).probe()

    def cleanup_stale(self, plan, pending):
        from ..ops.cleanup.runner import stale_reason

        return stale_reason(plan, pending, self.conn)

    def cleanup_plan(self, opts):
        from ..ops.cleanup.plan import discover

        plan = discover(self.conn, opts, self.settings)
        return plan, plan.save(self.settings.state_dir)

    def cleanup_run(self, plan, plan_file, *, emit, cancel, allow_disable_deletion_protection, force):
        from ..ops.cleanup.runner import CleanupRun

        return CleanupRun(plan, plan_file, self.conn, self.settings, emit=emit, cancel=cancel,
                          allow_disable_deletion_protection=allow_disable_deletion_protection, force=force).run()

    def for_namespace(self, namespace: str) -> "ClusterBackend":
        self.stop()
        return ClusterBackend(dataclasses.replace(self.settings, namespace=namespace), conn=self.conn)
