"""The contract between the cleanup and a cloud provider module (aws.py, gcp.py, azure.py).

A provider module offers two functions:

    discover(environment: str, settings: Settings, *, include_tag_matches: bool = False) -> CloudPlan
        Find what belongs to the environment, by the old naming convention (cluster name
        `llm-analytics-hub-<env>` and the exact names derived from it, never a name prefix) and by an
        `environment` tag/label, plus the identity (account / project / subscription) and region. Read-only.
        Raise HubError with one clear line when the credentials, the region or the project are missing or
        refused. A resource that matches by tag only (and whatever goes with it) is put in `not_included`
        unless include_tag_matches (split_tag_matches() and not_included_risks() below do that).
        Each resource records its identity: `id` (the ARN or full resource name), `details["created"]` (ISO
        time, when the API gives one) and `details["uid"]` (a unique id other than the name, when there is
        one); a cluster records its API server in `details["endpoint"]` (https://...).

    teardown(plan: CloudPlan, settings: Settings, ctx: TeardownContext) -> list[ResourceOutcome]
        Delete exactly the resources of the plan (plan.resources only: never plan.not_included, never
        anything discovered afresh), in dependency order, independent ones in parallel. Just before each
        delete call, describe the resource again and check_identity() it: one recreated since the plan
        (another creation time or id) is FAILED with no delete call. NotFound counts as done ("gone");
        throttling and resource-in-use are retried with bounded backoff (retry() below); every other error is
        a failed resource, never a success.
        Each resource goes through one Lifecycle (below), which says and records every end the same way for
        all providers: one finished by an earlier run is skipped without a call; one reached after a cancel
        (or whose dependency was not deleted) is held back without a call; a started one ends deleted, gone,
        failed or stopped, and is recorded (ctx.record) at once, so that a killed run resumes after it.
        Check ctx.cancel between resources and while waiting; on cancel, return what is finished so far.

The SDKs are imported inside the provider module's functions; a missing SDK gives a one-line HubError.
"""

from __future__ import annotations

import importlib
import random
import re
import threading
import time
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime, UTC
from typing import Any
from collections.abc import Callable, Iterable

from ..frozen import frozen
from ..errors import HubError, UsageError, said
from ..events import Emit, Progress, StepDone, StepFailed, StepStarted, ignore
from ..facts import (FinishedBefore, FinishedEarlier, HeldBack, NotIncluded, ResourceSaid, Risk, StoppedBefore, TryingAgain,
                     Waiting, risk_data, risk_from_data)
from ..settings import Settings
from .failures import (CreatedAgain, DiscoveryFailed, ErrorLine, GoogleLibraries, LeftOut, NoCloudPart, OtherId, OtherUid,
                       SdkNotInstalled, Seen, StillNotDone, TagMatchesPlanned)
from ..urls import normalise_server  # noqa: F401 - cloud.base.normalise_server, as its callers import it

CLOUD_PROVIDERS = ("aws", "gcp", "azure")
TAG_KEY = "environment"  # the tag (AWS, Azure) or label (GCP) that names a resource's environment

# outcomes of one resource's deletion
DELETED = "deleted"      # hubtui deleted it in this run and saw it go
GONE = "gone"            # it was already gone (NotFound): counts as done
FAILED = "failed"        # an error that is not NotFound, or retries ran out, or the wait timed out
SKIPPED = "skipped"      # not attempted (cancelled, or a dependency failed, or finished in an earlier run)
FINISHED_OUTCOMES = (DELETED, GONE)


def cluster_name(environment: str) -> str:
    """The old tool's naming convention: every cloud resource is named after the cluster."""
    return f"llm-analytics-hub-{environment}"


@frozen
class CloudResource:
    kind: str  # eks-cluster, eks-nodegroup, eks-fargate-profile, eks-addon, rds-instance,
    #            elasticache-replication-group, msk-cluster,
    #            gke-cluster, cloudsql-instance, memorystore-instance, pubsub-topic, vpc-network, resource-group
    name: str
    id: str  # unique and stable: the ARN or the full resource name; the journal's key
    matched_by: str  # "name", "tag" or "name+tag" (a resource that matches only one way is a risk in the plan)
    details: dict = field(default_factory=dict)  # JSON-able facts shown in the plan (deletion_protection, ...)
    # details keys every provider uses the same way: "created" (ISO creation time, compared before the delete),
    # "uid" (an id other than the name, compared too), "part_of" (the id of the resource it goes with: it
    # is included or not with that one), "endpoint" (a cluster's API server URL; "endpoints" when several),
    # "within" (the label of a resource it lives in that is NOT planned with it: a tagged nodegroup of an
    # untagged EKS cluster; deleting it leaves that one alone)

    def label(self) -> str:
        return f"{self.kind} {self.name}"


@frozen
class CloudPlan:
    provider: str
    identity: str  # "AWS account 123456789012", "GCP project my-project", "Azure subscription <id>"
    region: str
    resources: tuple[CloudResource, ...] = ()  # what the teardown deletes, and nothing else
    risks: tuple[Risk, ...] = ()  # facts: present/risks.py words them
    not_included: tuple[CloudResource, ...] = ()  # found (by tag only) but left alone: shown, never deleted
    # the API endpoints of the account's other Kubernetes clusters (label -> URL): a kubeconfig server equal to
    # one of them is contrary evidence (the connected cluster is not the environment's)
    other_endpoints: dict = field(default_factory=dict)
    # what discovery looked at, for the operator's information (not risks): e.g. the regions searched
    notes: tuple[str, ...] = ()

    def to_dict(self) -> dict:
        d = {**asdict(self), "risks": [risk_data(r) for r in self.risks]}
        if not d["notes"]:  # a plan without notes keeps the shape (and the hash) it had before they existed
            del d["notes"]
        return d

    @classmethod
    def from_dict(cls, d: dict) -> CloudPlan:
        """Also a plan saved before not_included (or notes) existed."""
        return cls(d["provider"], d["identity"], d["region"],
                   tuple(CloudResource(**r) for r in d.get("resources", ())),
                   tuple(risk_from_data(r) for r in d.get("risks", ())),
                   tuple(CloudResource(**r) for r in d.get("not_included") or ()),
                   dict(d.get("other_endpoints") or {}), tuple(d.get("notes") or ()))

    @property
    def foreign_endpoints(self) -> dict[str, str]:
        """Endpoints of clusters that are not the environment's: the other clusters, and those left out."""
        out = dict(self.other_endpoints)
        for r in self.not_included:
            for url in [r.details.get("endpoint"), *(r.details.get("endpoints") or ())]:
                if url:
                    out.setdefault(said(LeftOut(r.label())), url)
        return out

    @property
    def planned_endpoints(self) -> dict[str, str]:
        """label -> endpoint of each included cloud cluster (several when it has a private one too)."""
        out = {}
        for r in self.resources:
            urls = list(dict.fromkeys(u for u in [r.details.get("endpoint"), *(r.details.get("endpoints") or ())]
                                      if u))
            for i, url in enumerate(urls):
                out[r.label() + (f" ({i + 1})" if i else "")] = url
        return out


@frozen
class ResourceOutcome:
    resource: CloudResource
    outcome: str  # DELETED | GONE | FAILED | SKIPPED
    said: tuple[ResourceSaid, ...] = ()  # what came of it besides: the error, the final snapshot, … (facts.py)

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
    final_snapshot: bool = True  # RDS, ElastiCache: `<id>-final-<UTC timestamp>`; Cloud SQL: its final backup
    timeout: float = 1800.0  # per wait (a nodegroup going, an operation finishing)
    poll_interval: float = 10.0  # between two looks while waiting; tests set it near 0
    retry_attempts: int = 5
    retry_base_delay: float = 2.0  # tests set it near 0
    # the ids of the resources a change was sent for: a delete, a part's delete, a protection
    # switched off. One set for every thread (serialised() keeps it): a stopped one is recorded all the same.
    changed: set[str] = field(default_factory=set)
    deleting: set[str] = field(default_factory=set)  # of those, the ids a delete request was sent for
    notes: dict[str, list] = field(default_factory=dict)  # id -> what its outcome says besides its end (a
    # protection switched off), whichever way it ends
    under_way: dict[str, Lifecycle] = field(default_factory=dict)  # id -> started, not yet ended (a hard stop
    # ends those a change was sent for: teardown)

    def serialised(self) -> TeardownContext:
        """The same context (same cancel event) with emit and record behind one lock, for a provider that
        deletes from several threads at once."""
        lock = threading.Lock()

        def locked(fn: Callable) -> Callable:
            def call(arg) -> None:
                with lock:
                    fn(arg)
            return call

        return replace(self, emit=locked(self.emit), record=locked(self.record))


_ENDING = threading.Lock()


class Lifecycle:
    """One resource's way through a teardown, the same for AWS, GCP and Azure: each way it can end is one
    outcome, said to the operator one way and recorded (ctx.record: the journal and the audit) by one rule.

    - finished by an earlier run of the plan (`before`): SKIPPED without a call, said; not recorded again;
    - held back (`before` after a cancel, or `held_back` when what it waits on was not deleted): SKIPPED
      without a call, said as a warning; not recorded, since nothing was asked of the cloud;
    - started (`start`: StepStarted), then one `end`:
      - DELETED or GONE: StepDone, recorded;
      - FAILED: StepFailed, recorded;
      - SKIPPED (stopped: a cancel, or a deletion the cloud is still doing when the wait ended): StepFailed
        naming why (never a ✓ for what is not done), recorded once a delete request was sent (`requested`)
        or any other change was (ctx.changed: a part deleted, a protection switched off), so that the journal
        and the audit know the cloud is changing."""

    def __init__(self, provider: str, resource: CloudResource, ctx: TeardownContext):
        self.resource, self.ctx = resource, ctx
        self.step = f"{provider}: {resource.label()}"
        self.requested = False  # a delete request for it was sent (by this run or, followed now, an earlier one)
        self.ended: ResourceOutcome | None = None
        self.recorded = False
        self.record_error: Exception | None = None  # its end could not be recorded (the audit log failing)

    def before(self) -> ResourceOutcome | None:
        """The outcome of a resource that is not to be started at all; None when it is to be started."""
        if self.resource.id in self.ctx.finished:
            self.ctx.emit(FinishedEarlier(self.step))
            return ResourceOutcome(self.resource, SKIPPED, (FinishedBefore(),))
        if self.ctx.cancel.is_set():
            return self.held_back(StoppedBefore("start"))
        return None

    def held_back(self, why: ResourceSaid) -> ResourceOutcome:
        """Not started, and no call made: `why` (a cancel, or a dependency that was not deleted)."""
        self.ctx.emit(HeldBack(self.step, why))
        return ResourceOutcome(self.resource, SKIPPED, (why,))

    def start(self, detail: str = "") -> None:
        self.ctx.under_way[self.resource.id] = self
        self.ctx.emit(StepStarted(self.step, detail or self.resource.id))

    def end(self, outcome: str, *said: ResourceSaid) -> ResourceOutcome:
        """Its one end: said, and recorded. A second end (a hard stop's, while a provider's thread ends it
        too) changes nothing and returns the first."""
        with _ENDING:
            if self.ended is not None:
                return self.ended
            self.ended = result = ResourceOutcome(self.resource, outcome, said)
        self.record()  # first: the journal and the audit know it before anything else is said
        if outcome in FINISHED_OUTCOMES:
            self.ctx.emit(StepDone(self.step, outcome, said))
        else:
            self.ctx.emit(StepFailed(self.step, outcome, said))
        self.ctx.under_way.pop(self.resource.id, None)  # only once recorded: a hard stop before records it
        return result

    def record(self) -> None:
        """Its end into the journal and the audit (ctx.record), once, when it is to be recorded."""
        with _ENDING:  # a hard stop's thread and a provider's never both record it
            result = self.ended
            if result is None or self.recorded:
                return
            self.recorded = True
        if self.due():
            try:
                self.ctx.record(result)  # its journal and audit lines together, a hard stop waiting for them (runner)
            except Exception as e:
                self.record_error = e  # kept: a hard stop names it (a provider's thread may have nobody to tell)
                raise

    def due(self) -> bool:
        """Whether its end is to be recorded: it finished (deleted, gone, failed), or a change was sent for it
        (a delete request, a part's delete, a protection switched off)."""
        ended = self.ended
        return (ended is not None and ended.outcome != SKIPPED) or self.requested or \
            self.resource.id in self.ctx.changed or self.resource.id in self.ctx.deleting


class Cancelled(Exception):
    """The operator cancelled: stop at the next safe point."""


def wait_until(done: Callable[[], bool], *, what: str, ctx: TeardownContext, step: str,
               describe: Callable[[], Seen] | None = None) -> None:
    """Poll done() every ctx.poll_interval until it is true. Raise HubTimeout-like HubError after ctx.timeout,
    Cancelled when ctx.cancel is set. Emits progress (elapsed seconds) while it waits. describe() says how it
    stood when the time ran out."""
    start = time.monotonic()
    while True:
        if done():
            return
        elapsed = time.monotonic() - start
        if elapsed >= ctx.timeout:
            raise HubError(StillNotDone(what, ctx.timeout, describe() if describe else None))
        ctx.emit(Progress(step, int(elapsed), int(ctx.timeout), (Waiting(step, int(elapsed)),)))
        if ctx.cancel.wait(ctx.poll_interval):
            raise Cancelled()


def retry(call: Callable[[], object], *, retryable: Callable[[Exception], bool], what: str,
          ctx: TeardownContext, on_send: Callable[[], None] | None = None):
    """Run call(); on an error that retryable() accepts (throttling, resource in use), try again with
    exponential backoff and jitter, at most ctx.retry_attempts times in all. Other errors go up at once.

    A stop (ctx.cancel) is honoured before every call: Cancelled, and nothing sent. `on_send` runs just before
    each call is sent (a change says so: Lifecycle records it)."""
    for attempt in range(1, ctx.retry_attempts + 1):
        if ctx.cancel.is_set():
            raise Cancelled()
        if on_send is not None:
            on_send()
        try:
            return call()
        except Exception as e:
            if attempt == ctx.retry_attempts or not retryable(e):
                raise
            delay = ctx.retry_base_delay * (2 ** (attempt - 1)) * (0.5 + random.random() / 2)
            ctx.emit(TryingAgain(what, said(ErrorLine(e)), delay, attempt, ctx.retry_attempts - 1))
            if ctx.cancel.wait(delay):
                raise Cancelled() from None


def provider_module(provider: str):
    if provider not in CLOUD_PROVIDERS:
        raise UsageError(NoCloudPart(provider, CLOUD_PROVIDERS))
    return importlib.import_module(f"{__package__}.{provider}")


def discover(provider: str, environment: str, settings: Settings, *,
             include_tag_matches: bool = False) -> CloudPlan:
    """The provider's plan. Resources that match by tag only are in plan.not_included unless
    include_tag_matches (then tag_matches(plan) lists them for their own confirmation)."""
    try:
        plan = provider_module(provider).discover(environment, settings, include_tag_matches=include_tag_matches)
    except HubError:
        raise
    except Exception as e:  # noqa: BLE001 - an SDK error nobody foresaw is still one line, not a traceback
        raise HubError(DiscoveryFailed(provider, e)) from None
    if not include_tag_matches and tag_matches(plan):  # a provider bug must never widen what is deleted
        raise HubError(TagMatchesPlanned(provider, tuple(r.label() for r in tag_matches(plan))))
    return plan


@frozen
class Unrecorded:
    """A resource whose end a hard stop left unrecorded: `error` (the record's, None when a further stop came
    before it was recorded)."""
    label: str
    error: Exception | None


class StoppedAtOnce(KeyboardInterrupt):
    """The operator's hard stop (a second Ctrl-C) amid a teardown, when the end of a resource that is to be
    recorded (Lifecycle.due) could not be: `unrecorded`, for the stop to say."""

    def __init__(self, unrecorded: tuple[Unrecorded, ...]):
        super().__init__()
        self.unrecorded = unrecorded


def teardown(plan: CloudPlan, settings: Settings, ctx: TeardownContext) -> list[ResourceOutcome]:
    try:
        return provider_module(plan.provider).teardown(plan, settings, ctx)
    except KeyboardInterrupt as stop:  # a hard stop (a second Ctrl-C) on the main thread, amid a resource's way:
        # one that a change was sent for is ended and recorded all the same (the journal and the audit), unfinished
        lives = list(ctx.under_way.values())
        try:
            for life in lives:
                rid = life.resource.id
                try:
                    if life.ended is not None:  # it had ended, the stop came before its end was recorded
                        life.record()
                    else:
                        life.end(SKIPPED, *ctx.notes.get(rid, ()),
                                 StoppedBefore("confirmed" if life.requested or rid in ctx.deleting else "request"))
                except Exception:  # noqa: BLE001 - kept on it (record_error): the others are still recorded
                    continue
        finally:  # (a further stop may cut this pass short: what it did not reach is said too)
            unrecorded = tuple(Unrecorded(life.resource.label(), life.record_error) for life in lives
                               if life.record_error is not None or (life.due() and not life.recorded))
            if unrecorded:
                raise StoppedAtOnce(unrecorded) from stop
        raise


# ------------------------------------------------------------------------------------- what is included

def split_tag_matches(resources: Iterable[CloudResource], *, include_tag_matches: bool
                      ) -> tuple[list[CloudResource], list[CloudResource]]:
    """(included, not included). A resource that matches by tag only is not included unless
    include_tag_matches; whatever goes with a resource that is not included (details["part_of"], e.g. the
    nodegroups of an EKS cluster) is not included either, and marked "tag" like it."""
    resources = list(resources)
    out = set() if include_tag_matches else {r.id for r in resources if r.matched_by == "tag"}
    grew = True
    while grew:  # parts of parts
        grew = False
        for r in resources:
            if r.id not in out and r.details.get("part_of") in out:
                out.add(r.id)
                grew = True
    included = [r for r in resources if r.id not in out]
    left = [r if r.matched_by == "tag" else replace(r, matched_by="tag") for r in resources if r.id in out]
    return included, left


def not_included_risks(left: Iterable[CloudResource], environment: str, *, named: str | None = None) -> list[Risk]:
    """One risk per resource left out (its parts named with it)."""
    left = list(left)
    ids = {r.id for r in left}
    named = named or cluster_name(environment)
    return [NotIncluded(r.label(), r.details.get("within") or "", f"{TAG_KEY}={environment}", named,
                        tuple(p.label() for p in left if p.details.get("part_of") == r.id))
            for r in left if r.details.get("part_of") not in ids]


def tag_matches(plan: CloudPlan) -> list[CloudResource]:
    """The included resources that match by tag only: each needs the operator's own confirmation."""
    return [r for r in plan.resources if r.matched_by == "tag"]


# ------------------------------------------------------------------------------------ cluster endpoints

def cluster_endpoints(plan: CloudPlan) -> list[str]:
    """The API server URLs of the plan's included clusters (EKS, GKE, the AKS clusters of a resource group),
    to compare with the kubeconfig's server (through normalise_server)."""
    found: list[str] = []
    for r in plan.resources:
        for url in [r.details.get("endpoint"), *(r.details.get("endpoints") or ())]:
            if isinstance(url, str) and url and url not in found:
                found.append(url)
    return found


# --------------------------------------------------------------------------------------------- identity

class Recreated(HubError):
    """What answers under the plan's name is not what the plan saw: it was deleted and created again."""


_FRACTION = re.compile(r"(\.\d{6})\d+")


def _parse_time(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        dt = datetime(value.year, value.month, value.day, value.hour, value.minute, value.second,
                      value.microsecond, tzinfo=value.tzinfo)  # a plain datetime (not an SDK subclass)
    elif hasattr(value, "ToDatetime"):  # a protobuf Timestamp
        if not (value.seconds or value.nanos):
            return None
        dt = value.ToDatetime(tzinfo=UTC)
    elif isinstance(value, str) and value.strip():
        text = _FRACTION.sub(r"\1", value.strip())
        if text.endswith(("Z", "z")):
            text = text[:-1] + "+00:00"
        try:
            dt = datetime.fromisoformat(text)
        except ValueError:
            return None
    else:
        return None
    return (dt if dt.tzinfo else dt.replace(tzinfo=UTC)).astimezone(UTC)


def iso_time(value: Any) -> str | None:
    """A creation time as the plan records it: ISO 8601 in UTC (None when the API gave none)."""
    if value is None or value == "":
        return None
    parsed = _parse_time(value)
    return parsed.isoformat() if parsed else str(value)


def same_time(a: Any, b: Any) -> bool:
    pa, pb = _parse_time(a), _parse_time(b)
    if pa is not None and pb is not None:
        return pa == pb
    return a == b


def check_identity(resource: CloudResource, *, current_id: str | None = None, created: Any = None,
                   uid: Any = None, ignore_case: bool = False) -> None:
    """Raise Recreated (one line, "not deleted; plan again") when the resource found just before the delete
    is not the one the plan saw: another creation time, unique id or id. What the plan did not record
    (an old plan, an API without creation times) is not compared."""
    planned = resource.details.get("created")
    if planned and not same_time(planned, created):
        raise Recreated(CreatedAgain(iso_time(created), planned))
    planned_uid = resource.details.get("uid")
    if planned_uid and str(uid or "") != str(planned_uid):
        raise Recreated(OtherUid(str(uid) if uid else None, planned_uid))
    if current_id is not None:
        same = current_id.lower() == resource.id.lower() if ignore_case else current_id == resource.id
        if not same:
            raise Recreated(OtherId(current_id, resource.id))


class MissingSdk(UsageError):
    """A provider's SDK is not installed: one line naming hubtui's extra for it (exit 2, nothing done)."""

    def __init__(self, provider: str, what: str | GoogleLibraries):
        extra = {"AWS": "aws", "GCP": "gcp", "Azure": "azure"}[provider]
        super().__init__(SdkNotInstalled(provider, what, extra))
