"""The contract between the cleanup and a cloud provider module (aws.py, gcp.py, azure.py).

A provider module offers two functions:

    discover(environment: str, settings: Settings) -> CloudPlan
        Find what belongs to the environment, by the old naming convention (cluster name
        `llm-analytics-hub-<env>`) and by an `environment` tag/label, plus the identity (account /
        project / subscription) and region. Read-only. Raise HubError with one clear line when the
        credentials, the region or the project are missing or refused.

    teardown(plan: CloudPlan, settings: Settings, ctx: TeardownContext) -> list[ResourceOutcome]
        Delete exactly the resources of the plan (never anything discovered afresh), in dependency order,
        independent ones in parallel. NotFound counts as done ("gone"); throttling and resource-in-use are
        retried with bounded backoff (retry() below); every other error is a failed resource, never a success.
        A resource whose id is in ctx.finished was deleted by an earlier run: skip it without a call.
        Call ctx.record(outcome) as soon as each resource is finished, so that a killed run resumes after it.
        Check ctx.cancel between resources and while waiting; on cancel, return what is finished so far.

The SDKs are imported inside the provider module's functions; a missing SDK gives a one-line HubError.
"""

from __future__ import annotations

import importlib
import random
import threading
import time
from dataclasses import asdict, dataclass, field, replace
from typing import Callable

from ..errors import HubError, UsageError
from ..ops.events import Emit, LogLine, Progress, ignore
from ..settings import Settings

CLOUD_PROVIDERS = ("aws", "gcp", "azure")

# outcomes of one resource's deletion
DELETED = "deleted"      # hubtui deleted it in this run and saw it go
GONE = "gone"            # it was already gone (NotFound): counts as done
FAILED = "failed"        # an error that is not NotFound, or retries ran out, or the wait timed out
SKIPPED = "skipped"      # not attempted (cancelled, or a dependency failed, or finished in an earlier run)
FINISHED_OUTCOMES = (DELETED, GONE)


def cluster_name(environment: str) -> str:
    """The old tool's naming convention: every cloud resource is named after the cluster."""
    return f"llm-analytics-hub-{environment}"


@dataclass(frozen=True)
class CloudResource:
    kind: str  # eks-cluster, eks-nodegroup, rds-instance, elasticache-replication-group, msk-cluster,
    #            gke-cluster, cloudsql-instance, memorystore-instance, pubsub-topic, vpc-network, resource-group
    name: str
    id: str  # unique and stable: the ARN or the full resource name; the journal's key
    matched_by: str  # "name", "tag" or "name+tag" (a resource that matches only one way is a risk in the plan)
    details: dict = field(default_factory=dict)  # JSON-able facts shown in the plan (deletion_protection, ...)

    def label(self) -> str:
        return f"{self.kind} {self.name}"


@dataclass(frozen=True)
class CloudPlan:
    provider: str
    identity: str  # "AWS account 123456789012", "GCP project my-project", "Azure subscription <id>"
    region: str
    resources: tuple[CloudResource, ...] = ()
    risks: tuple[str, ...] = ()

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> "CloudPlan":
        return cls(d["provider"], d["identity"], d["region"],
                   tuple(CloudResource(**r) for r in d.get("resources", ())), tuple(d.get("risks", ())))


@dataclass(frozen=True)
class ResourceOutcome:
    resource: CloudResource
    outcome: str  # DELETED | GONE | FAILED | SKIPPED
    detail: str = ""  # the error, the final snapshot's name, ...

    @property
    def finished(self) -> bool:
        return self.outcome in FINISHED_OUTCOMES


@dataclass
class TeardownContext:
    emit: Emit = ignore
    record: Callable[[ResourceOutcome], None] = lambda outcome: None  # journal + audit, called per resource
    finished: frozenset[str] = frozenset()  # resource ids deleted by an earlier run of the same plan
    cancel: threading.Event = field(default_factory=threading.Event)
    allow_disable_deletion_protection: bool = False  # the operator confirmed it; never done silently
    final_snapshot: bool = True  # RDS: take `<id>-final-<UTC timestamp>` before deleting
    timeout: float = 1800.0  # per wait (a nodegroup going, an operation finishing)
    poll_interval: float = 10.0  # between two looks while waiting; tests set it near 0
    retry_attempts: int = 5
    retry_base_delay: float = 2.0  # tests set it near 0

    def serialised(self) -> "TeardownContext":
        """The same context (same cancel event) with emit and record behind one lock, for a provider that
        deletes from several threads at once."""
        lock = threading.Lock()

        def locked(fn: Callable) -> Callable:
            def call(arg) -> None:
                with lock:
                    fn(arg)
            return call

        return replace(self, emit=locked(self.emit), record=locked(self.record))


class Cancelled(Exception):
    """The operator cancelled: stop at the next safe point."""


def wait_until(done: Callable[[], bool], *, what: str, ctx: TeardownContext, step: str,
               describe: Callable[[], str] | None = None) -> None:
    """Poll done() every ctx.poll_interval until it is true. Raise HubTimeout-like HubError after ctx.timeout,
    Cancelled when ctx.cancel is set. Emits progress (elapsed seconds) while it waits."""
    start = time.monotonic()
    while True:
        if done():
            return
        elapsed = time.monotonic() - start
        if elapsed >= ctx.timeout:
            extra = f" ({describe()})" if describe else ""
            raise HubError(f"{what}: still not done after {ctx.timeout:g}s{extra}")
        ctx.emit(Progress(step, int(elapsed), int(ctx.timeout), f"waiting for {what} ({int(elapsed)}s)"))
        if ctx.cancel.wait(ctx.poll_interval):
            raise Cancelled()


def retry(call: Callable[[], object], *, retryable: Callable[[Exception], bool], what: str,
          ctx: TeardownContext):
    """Run call(); on an error that retryable() accepts (throttling, resource in use), try again with
    exponential backoff and jitter, at most ctx.retry_attempts times in all. Other errors go up at once."""
    for attempt in range(1, ctx.retry_attempts + 1):
        try:
            return call()
        except Exception as e:  # noqa: BLE001
            if attempt == ctx.retry_attempts or not retryable(e):
                raise
            delay = ctx.retry_base_delay * (2 ** (attempt - 1)) * (0.5 + random.random() / 2)
            ctx.emit(LogLine(f"{what}: {short_error(e)}; trying again in {delay:.1f}s "
                             f"({attempt}/{ctx.retry_attempts - 1})", "warning"))
            if ctx.cancel.wait(delay):
                raise Cancelled() from None


def short_error(e: BaseException) -> str:
    """One line from an SDK exception."""
    text = str(e).strip() or type(e).__name__
    return text.splitlines()[0][:300]


def provider_module(provider: str):
    if provider not in CLOUD_PROVIDERS:
        raise UsageError(f"provider {provider!r} has no cloud part (one of {', '.join(CLOUD_PROVIDERS)})")
    return importlib.import_module(f"{__package__}.{provider}")


def discover(provider: str, environment: str, settings: Settings) -> CloudPlan:
    try:
        return provider_module(provider).discover(environment, settings)
    except HubError:
        raise
    except Exception as e:  # noqa: BLE001 - an SDK error nobody foresaw is still one line, not a traceback
        raise HubError(f"{provider} discovery failed: {short_error(e)}") from None


def teardown(plan: CloudPlan, settings: Settings, ctx: TeardownContext) -> list[ResourceOutcome]:
    return provider_module(plan.provider).teardown(plan, settings, ctx)
