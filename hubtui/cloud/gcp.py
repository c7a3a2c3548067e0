"""The GCP part of the cloud teardown: find and delete what the old tool created for one environment.

Resources (see base.py for the contract): the GKE cluster `llm-analytics-hub-<env>`, the Cloud SQL instance
`<cluster>-postgres`, the Memorystore instance `<cluster>-redis`, the Pub/Sub topics of TOPICS
(`<cluster>-events`), and the VPC network `<cluster>-vpc` with its subnetworks and firewall rules. Each is found
by that exact name (never a prefix: `llm-analytics-hub-dev-...` is also the start of environment dev-eu's names)
and by the label `environment=<env>` (networks carry no labels: by name only).

Every client speaks REST (transport="rest") so one setting (Settings.gcp_endpoint) can point them all at a
local stand-in. Cloud SQL uses the sqladmin v1beta4 client because google-cloud-sql ships no REST transport
for v1; both versions manage the same instances.

GKE clusters and Memorystore instances are looked up in every location of the project (`locations/-`); the
plan's notes say so. A resume after an interrupted run finds GKE / Cloud SQL still deleting what the earlier
run asked for: the delete is refused ("incompatible operation", "operation in progress"), so the running
operation is found (listed for the cluster's location / the instance) and waited on instead.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, UTC
from functools import partial
from types import SimpleNamespace
from typing import Any
from collections.abc import Callable, Iterable, Mapping

from ..frozen import frozen
from ..errors import HubError, UsageError, said
from ..facts import (AlreadyGone, BlockedBy, CannotDelete, CloudError, DeletionUnderway, FinalBackupKept, JoinedEarlierDeletion,
                     NoFinalSnapshot, OperationRunning, PartDeleted, PartGone, PartStillDeleting, ProtectionOff, ProtectionSwitchedOff, StillDeleting,
                     StoppedBefore)
from ..facts import ApiDisabled, MemorystoreDataLost, NameOnly, NoAnswerFrom, ProtectionOn, Risk, TagOnly
from ..settings import Settings
from .failures import (Checking, Clusters, Deleting, DeletionFailed, EarlierDeletionEnded, ErrorLine, FirewallRule,
                       FirewallRules, ForwardingRule, GcpCredentialsRefused, GcpListingRefused, GcpNetworkUnreadable,
                       GcpSignInUnreachable,
                       GcpUnreachable, GkeClusters, GkeLookedUpEverywhere, GoogleLibraries, Instances,
                       ListingOperations, MemorystoreInstances, MemorystoreLookedUpEverywhere, NetworkInUse,
                       NetworkUser, NoGcpCredentials, NoGcpProject, NoGcpRegion, NotAGcpPlan, OperationErrors,
                       OperationToEnd, OtherGcpProject, PartElsewhere, Peering, ProtectionToBeOff, PubSubTopics,
                       Reading, SqlInstances, SqlProtectionOn, SqlProtectionSwitchedOn, Subnetwork,
                       SwitchingProtectionOff, ToBeDeleted, VmInstance, VpcNetwork)
from .base import (DELETED, FAILED, GONE, SKIPPED, MissingSdk, TAG_KEY, Cancelled, CloudPlan, CloudResource, Lifecycle,
                   ResourceOutcome,
                   TeardownContext, check_identity, cluster_name, iso_time, not_included_risks, retry,
                   split_tag_matches, wait_until)

PROVIDER = "gcp"
ENV_LABEL = TAG_KEY
TOPICS = ("events",)  # the hub's Pub/Sub topics are `<cluster>-<each of these>`, exactly
FINAL_BACKUP_DAYS = 30  # how long Cloud SQL keeps the final backup it takes on delete (1-365)

GKE = "gke-cluster"
SQL = "cloudsql-instance"
REDIS = "memorystore-instance"
TOPIC = "pubsub-topic"
VPC = "vpc-network"
KIND_ORDER = (GKE, SQL, REDIS, TOPIC, VPC)
MAX_PARALLEL = 8

# Signs of "something still uses it / it is busy": worth waiting for, unlike every other refusal.
_IN_USE_MARKERS = ("resourceinusebyanotherresource", "resource_in_use_by_another_resource", "already being used",
                   "is in use", "resourcenotready", "incompatible operation", "operationinprogress",
                   "operation in progress")


# ---- connection ------------------------------------------------------------------------------------------


@frozen
class _Gcp:
    """Project, region and how to build a client: the same for every API hubtui calls."""

    project: str
    region: str
    credentials: Any
    client_options: Any
    sdk: SimpleNamespace

    def client(self, cls):
        return cls(credentials=self.credentials, transport="rest", client_options=self.client_options)


def _load_sdk() -> SimpleNamespace:
    """Import the Google Cloud clients only when the GCP part runs: they cost ~300 ms at start-up."""
    try:
        import google.auth
        from google.api_core import exceptions
        from google.auth import exceptions as auth_exceptions
        from google.api_core.client_options import ClientOptions
        from google.auth import credentials as auth_credentials
        from google.cloud import compute_v1, container_v1, redis_v1, sqladmin_v1beta4
        from google.pubsub_v1.services.publisher import PublisherClient
    except ImportError as e:
        raise MissingSdk("GCP", GoogleLibraries(e.name or said(ErrorLine(e)))) from None
    return SimpleNamespace(auth=google.auth, auth_exceptions=auth_exceptions, auth_credentials=auth_credentials,
                           exceptions=exceptions,
                           ClientOptions=ClientOptions, compute=compute_v1, container=container_v1,
                           redis=redis_v1, sql=sqladmin_v1beta4, PublisherClient=PublisherClient)


def _connect(settings: Settings) -> _Gcp:
    """Check the settings before any import or call, then pick the credentials: anonymous for a stand-in,
    Application Default Credentials for the real cloud."""
    if not settings.gcp_project:
        raise UsageError(NoGcpProject())
    if not settings.gcp_region:
        raise UsageError(NoGcpRegion())
    sdk = _load_sdk()
    if settings.gcp_endpoint:
        credentials = sdk.auth_credentials.AnonymousCredentials()
        options = sdk.ClientOptions(api_endpoint=settings.gcp_endpoint)
    else:
        try:
            credentials, _ = sdk.auth.default(scopes=["https://www.googleapis.com/auth/cloud-platform"])
        except sdk.auth_exceptions.DefaultCredentialsError:
            raise HubError(NoGcpCredentials()) from None
        options = None
    return _Gcp(settings.gcp_project, settings.gcp_region, credentials, options, sdk)


# ---- discovery -------------------------------------------------------------------------------------------


@dataclass
class _Found:
    resources: list[CloudResource]
    risks: list[Risk]
    others: dict = field(default_factory=dict)  # other GKE clusters' endpoints (contrary evidence)
    notes: list[str] = field(default_factory=list)  # where discovery looked (CloudPlan.notes)


def discover(environment: str, settings: Settings, *, include_tag_matches: bool = False) -> CloudPlan:
    """What belongs to the environment in the project, by exact name and by label. Only read calls. What
    matches by label only is not included unless include_tag_matches (base.split_tag_matches)."""
    gcp = _connect(settings)
    cluster = cluster_name(environment)
    found = _Found([], [])
    for finder in (_find_gke, _find_sql, _find_redis, _find_topics, _find_vpc):
        try:
            finder(gcp, environment, cluster, found)
        except OSError as e:  # requests' connection errors are OSErrors
            raise HubError(GcpUnreachable(e)) from None
    resources = sorted(found.resources, key=lambda r: (KIND_ORDER.index(r.kind), r.name))
    included, left = split_tag_matches(resources, include_tag_matches=include_tag_matches)
    risks = [*found.risks, *(risk for r in included for risk in _risks(r, environment)),
             *not_included_risks(left, environment)]
    return CloudPlan(PROVIDER, f"GCP project {gcp.project}", gcp.region, tuple(included), tuple(risks), tuple(left),
                     found.others, tuple(found.notes))


def _match(name_matches: bool, labels: Mapping[str, str], environment: str) -> str | None:
    """"name+tag", "name", "tag" or None (not ours)."""
    tagged = labels.get(ENV_LABEL) == environment
    if name_matches and tagged:
        return "name+tag"
    if name_matches:
        return "name"
    return "tag" if tagged else None


def _add(found: _Found, kind: str, name: str, rid: str, matched_by: str | None, labels: Mapping[str, str],
         details: dict) -> None:
    """Add a matched resource (its risks come once the plan knows what is included: _risks)."""
    if matched_by is None:
        return
    found.resources.append(CloudResource(kind, name, rid, matched_by, {**details, "labels": dict(labels)}))


def _risks(resource: CloudResource, environment: str) -> list[Risk]:
    """What the operator must look at twice before an included resource goes."""
    risks: list[Risk] = []
    labels = resource.details.get("labels") or {}
    if resource.kind == VPC:  # networks have no labels: matching them by name is all there is
        pass
    elif resource.matched_by == "name":
        risks.append(NameOnly(PROVIDER, resource.label(), ENV_LABEL, environment, labels.get(ENV_LABEL)))
    elif resource.matched_by == "tag":
        risks.append(TagOnly(PROVIDER, resource.label(), ENV_LABEL, environment, cluster_name(environment)))
    if resource.kind == SQL and resource.details.get("deletion_protection"):
        risks.append(ProtectionOn(PROVIDER, SQL, resource.name))
    if resource.kind == REDIS and resource.details.get("tier") in ("BASIC", "STANDARD_HA"):
        risks.append(MemorystoreDataLost(REDIS, resource.name, resource.details["tier"]))
    return risks


def _listing(gcp: _Gcp, what: str, found: _Found, call: Callable[[], Iterable]) -> list:
    """Run a list call. A disabled API means nothing of that kind exists (a risk line, not an error);
    any other refusal stops discovery with one line: a plan with a silent hole would mislead."""
    try:
        return list(call())
    except gcp.sdk.exceptions.GoogleAPICallError as e:
        if _service_disabled(e):
            found.risks.append(ApiDisabled(what, gcp.project))
            return []
        raise HubError(GcpListingRefused(what, gcp.project, e)) from None
    except gcp.sdk.auth_exceptions.TransportError as e:  # the sign-in service did not answer: not a refusal
        raise HubError(GcpSignInUnreachable(e)) from None
    except gcp.sdk.auth_exceptions.GoogleAuthError as e:
        raise HubError(GcpCredentialsRefused(e)) from None


def _service_disabled(e: Exception) -> bool:
    text = f"{getattr(e, 'reason', '')} {e}".lower()
    return "service_disabled" in text or "has not been used in project" in text


def _find_gke(gcp: _Gcp, environment: str, cluster: str, found: _Found) -> None:
    client = gcp.client(gcp.sdk.container.ClusterManagerClient)
    parent = f"projects/{gcp.project}/locations/-"
    for response in _listing(gcp, said(GkeClusters()), found, lambda: [client.list_clusters(parent=parent)]):
        found.notes.append(said(GkeLookedUpEverywhere(gcp.project)))
        if response.missing_zones:
            found.risks.append(NoAnswerFrom("GKE", tuple(response.missing_zones), said(Clusters())))
        for c in response.clusters:
            labels = dict(c.resource_labels)
            if _match(c.name == cluster, labels, environment) is None:
                for i, url in enumerate(_gke_endpoints(c).get("endpoints") or [_gke_endpoints(c).get("endpoint")]):
                    if url:
                        found.others[f"{GKE} {c.name}" + (f" ({i + 1})" if i else "")] = url
            _add(found, GKE, c.name, f"projects/{gcp.project}/locations/{c.location}/clusters/{c.name}",
                 _match(c.name == cluster, labels, environment), labels,
                 {"location": c.location, "status": _enum_name(c.status), "node_pools": len(c.node_pools),
                  "created": iso_time(c.create_time), "uid": c.id or None, **_gke_endpoints(c)})


def _gke_endpoints(c: Any) -> dict:
    """The cluster's API server as a kubeconfig names it: https://<endpoint IP>; a private endpoint too."""
    urls = [f"https://{ip}" for ip in (c.endpoint, c.private_cluster_config.private_endpoint) if ip]
    urls = list(dict.fromkeys(urls))
    out: dict = {"endpoint": urls[0]} if urls else {}
    if len(urls) > 1:
        out["endpoints"] = urls
    return out


def _find_sql(gcp: _Gcp, environment: str, cluster: str, found: _Found) -> None:
    client = gcp.client(gcp.sdk.sql.SqlInstancesServiceClient)
    # The pager's own iteration yields the listing's warnings, not its instances: read the pages.
    pages = lambda: client.list(request={"project": gcp.project}).pages  # noqa: E731
    for i in _listing(gcp, said(SqlInstances()), found, lambda: [item for page in pages() for item in page.items]):
        labels = dict(i.settings.user_labels)
        matched_by = _match(i.name == f"{cluster}-postgres", labels, environment)
        _add(found, SQL, i.name, f"projects/{gcp.project}/instances/{i.name}", matched_by, labels,
             {"region": i.region, "database_version": _enum_name(i.database_version), "state": _enum_name(i.state),
              "deletion_protection": bool(i.settings.deletion_protection_enabled), "created": iso_time(i.create_time)})


def _find_redis(gcp: _Gcp, environment: str, cluster: str, found: _Found) -> None:
    """In every region of the project at once (`locations/-`, which Memorystore supports): an instance in
    another region than GCP_REGION (next to a GKE cluster elsewhere) is found too. Regions that did not
    answer are a risk; where it looked is a note of the plan."""
    client = gcp.client(gcp.sdk.redis.CloudRedisClient)
    parent = f"projects/{gcp.project}/locations/-"
    unreachable: list[str] = []
    answered = []

    def instances() -> list:
        out = []
        for page in client.list_instances(parent=parent).pages:
            out += list(page.instances)
            unreachable.extend(page.unreachable)
        answered.append(True)
        return out

    for i in _listing(gcp, said(MemorystoreInstances()), found, instances):
        labels = dict(i.labels)
        short = i.name.rsplit("/", 1)[-1]
        _add(found, REDIS, short, i.name, _match(short == f"{cluster}-redis", labels, environment), labels,
             {"region": _location_of(i.name) or gcp.region, "tier": _enum_name(i.tier), "state": _enum_name(i.state),
              "created": iso_time(i.create_time)})
    if answered:
        found.notes.append(said(MemorystoreLookedUpEverywhere(gcp.project)))
    if unreachable:
        found.risks.append(NoAnswerFrom("Memorystore", tuple(sorted({_location_of(u) or u for u in unreachable})),
                                         said(Instances())))


def _location_of(name: str) -> str | None:
    """projects/p/locations/<this>/..."""
    parts = name.split("/")
    return parts[parts.index("locations") + 1] if "locations" in parts[:-1] else None


def _find_topics(gcp: _Gcp, environment: str, cluster: str, found: _Found) -> None:
    client = gcp.client(gcp.sdk.PublisherClient)
    project = f"projects/{gcp.project}"
    names = {f"{cluster}-{suffix}" for suffix in TOPICS}  # exact: `<cluster>-` also starts other environments'
    for t in _listing(gcp, said(PubSubTopics()), found, lambda: client.list_topics(project=project)):
        labels = dict(t.labels)
        short = t.name.rsplit("/", 1)[-1]
        _add(found, TOPIC, short, t.name, _match(short in names, labels, environment), labels,
             {"created": None, "identity": "Pub/Sub keeps no creation time: the topic is known by its name only"})


def _find_vpc(gcp: _Gcp, environment: str, cluster: str, found: _Found) -> None:
    """Networks have no labels: the name alone decides. Its subnetworks and firewall rules go with it (a
    network that still has them cannot be deleted), so they are listed in its details."""
    compute = gcp.sdk.compute
    name = f"{cluster}-vpc"
    networks = gcp.client(compute.NetworksClient)
    try:
        network = networks.get(project=gcp.project, network=name)
    except gcp.sdk.exceptions.NotFound:
        return
    except gcp.sdk.exceptions.GoogleAPICallError as e:
        if _service_disabled(e):
            found.risks.append(ApiDisabled("Compute Engine", gcp.project, said(VpcNetwork())))
            return
        raise HubError(GcpNetworkUnreadable(name, gcp.project, e)) from None
    firewalls = gcp.client(compute.FirewallsClient)
    link = network.self_link
    rules = _listing(gcp, said(FirewallRules()), found,
                     lambda: firewalls.list(request={"project": gcp.project, "filter": f'network="{link}"'}))
    found.resources.append(CloudResource(VPC, name, f"projects/{gcp.project}/global/networks/{name}", "name", {
        "subnetworks": [_relative(s) for s in network.subnetworks],
        "firewalls": [f"projects/{gcp.project}/global/firewalls/{r.name}" for r in rules if r.network == link],
        "created": iso_time(network.creation_timestamp), "uid": str(network.id) if network.id else None,
    }))


def _relative(link: str) -> str:
    """https://www.googleapis.com/compute/v1/projects/p/regions/r/subnetworks/s -> projects/p/regions/r/..."""
    return link[link.index("projects/"):] if "projects/" in link else link


def _enum_name(value: Any) -> str:
    return getattr(value, "name", None) or str(value)


# ---- teardown --------------------------------------------------------------------------------------------


class _StillDeleting(Cancelled):
    """Cancelled after the delete request was accepted: GCP goes on deleting it (a resume waits on it)."""




def _after_request(wait: Callable[[], Any]) -> Any:
    """A wait that follows an accepted delete request: a cancel says GCP is still deleting it."""
    try:
        return wait()
    except _StillDeleting:
        raise
    except Cancelled:
        raise _StillDeleting() from None


class _OperationFailed(HubError):
    """An operation that ended with an error: the resource was not deleted."""

    def __init__(self, fact: DeletionFailed | OperationErrors | EarlierDeletionEnded, *, in_use: bool = False):
        super().__init__(fact)
        self.in_use = in_use


def teardown(plan: CloudPlan, settings: Settings, ctx: TeardownContext) -> list[ResourceOutcome]:
    """Delete exactly the plan's resources: GKE, Cloud SQL, Memorystore and Pub/Sub in parallel, then the
    VPC network (its subnetworks and firewall rules first), once the GKE cluster is gone."""
    if plan.provider != PROVIDER:
        raise UsageError(NotAGcpPlan(plan.provider))
    gcp = _connect(settings)
    if plan.identity != f"GCP project {gcp.project}":
        # The calls name the project from the settings: never delete look-alikes in another project.
        raise UsageError(OtherGcpProject(plan.identity, gcp.project))
    ctx = ctx.serialised()
    first = [r for r in plan.resources if r.kind != VPC]
    last = [r for r in plan.resources if r.kind == VPC]
    with ThreadPoolExecutor(max_workers=max(1, min(MAX_PARALLEL, len(first))),
                            thread_name_prefix="gcp-teardown") as pool:
        outcomes = list(pool.map(lambda r: _handle(r, gcp, ctx), first))
    blocker = next((o for o in outcomes if o.resource.kind == GKE and not o.finished
                    and o.resource.id not in ctx.finished), None)
    for network in last:
        if blocker is not None and network.id not in ctx.finished and not ctx.cancel.is_set():
            outcomes.append(Lifecycle(PROVIDER, network, ctx).held_back(
                BlockedBy(blocker.resource.label(), blocker.outcome)))
        else:
            outcomes.append(_handle(network, gcp, ctx))
    return outcomes


def _handle(resource: CloudResource, gcp: _Gcp, ctx: TeardownContext) -> ResourceOutcome:
    """Delete one resource and turn whatever happens into its outcome, recorded at once."""
    life = Lifecycle(PROVIDER, resource, ctx)
    if (early := life.before()) is not None:
        return early
    life.start()
    deleter = _DELETERS.get(resource.kind)
    if deleter is None:
        return life.end(FAILED, CannotDelete(resource.kind, "GCP"))
    def notes(*, deleted: bool = False) -> tuple:  # a protection switched off is said whichever way it ends; the
        # parts deleted on the way (a network's), unless it went itself
        return tuple(n for n in ctx.notes.get(resource.id, ()) if not (deleted and isinstance(n, PartGone)))

    # its end, outside the handlers: the audit log failing as it is recorded is the run's error, never this
    # resource's failure (ended already, the second end would return the first and the error be lost)
    try:
        facts = deleter(resource, gcp, ctx, life.step)
        outcome, words = DELETED, (*notes(deleted=True), *facts)
    except gcp.sdk.exceptions.NotFound:
        outcome, words = GONE, (*notes(), AlreadyGone())
    except _StillDeleting:  # the request was accepted: the journal and the audit must know the cloud is changing
        life.requested = True
        outcome, words = SKIPPED, (*notes(), StillDeleting("GCP"))
    except Cancelled:  # a stop: before the delete request, or after it (not yet seen done); a change is recorded
        outcome, words = SKIPPED, (*notes(), StoppedBefore("confirmed" if resource.id in ctx.deleting else "request"))
    except Exception as e:  # noqa: BLE001 - every other error is this resource's failure, never a success
        outcome, words = FAILED, (*notes(), CloudError(said(ErrorLine(e))))
    return life.end(outcome, *words)


def _retryable(e: Exception) -> bool:
    """Throttling (429 / RESOURCE_EXHAUSTED) and "still in use / busy" are worth another try."""
    from google.api_core import exceptions

    if isinstance(e, _OperationFailed):
        return e.in_use
    if isinstance(e, exceptions.TooManyRequests):  # ResourceExhausted is a subclass
        return True
    if isinstance(e, (exceptions.BadRequest, exceptions.Conflict, exceptions.FailedPrecondition)):
        reasons = " ".join(str(err.get("reason", "")) if isinstance(err, dict) else str(err)
                           for err in getattr(e, "errors", None) or ())
        text = f"{getattr(e, 'reason', '') or ''} {reasons} {e}".lower()
        return any(marker in text for marker in _IN_USE_MARKERS)
    return False


def _call(call: Callable[[], Any], what: str, ctx: TeardownContext, changes: str = "", delete: bool = True) -> Any:
    """One call through retry (a stop before it sends nothing); `changes`: the id of the resource it changes
    (a delete, a part's delete, a protection switched off: `delete` False), marked just before it is sent."""
    def sending() -> None:
        ctx.changed.add(changes)
        if delete:
            ctx.deleting.add(changes)

    return retry(call, retryable=_retryable, what=what, ctx=ctx, on_send=sending if changes else None)


def _poll(initial: Any, refresh: Callable[[], Any], is_done: Callable[[Any], bool], *, what: str,
          ctx: TeardownContext, step: str) -> Any:
    """Wait for a plain operation object (GKE, Cloud SQL) to be DONE; return its last state."""
    latest = [initial]

    def done() -> bool:
        if not is_done(latest[0]):
            latest[0] = _call(refresh, said(Checking(what)), ctx)
        return is_done(latest[0])

    wait_until(done, what=what, ctx=ctx, step=step)
    return latest[0]


def _operation_running(e: Exception) -> bool:
    """The refusal GKE / Cloud SQL give while another operation runs on the resource ("Cluster is running
    incompatible operation ...", 409 operationInProgress): a deletion an earlier run asked for, say."""
    from google.api_core import exceptions

    if not isinstance(e, exceptions.GoogleAPICallError):
        return False
    reasons = " ".join(str(err.get("reason", "")) if isinstance(err, dict) else str(err)
                       for err in getattr(e, "errors", None) or ())
    text = f"{getattr(e, 'reason', '') or ''} {reasons} {e}".lower()
    return any(marker in text for marker in ("incompatible operation", "operationinprogress",
                                             "operation in progress", "another operation"))


def _join_or_start(start: Callable[[], Any], running: Callable[[], tuple[Any, bool] | None],
                   wait_other: Callable[[Any], None], ctx: TeardownContext, what: str, step: str,
                   rid: str) -> tuple[Any, bool]:
    """Send the delete; when it is refused because an operation runs on the resource, find that operation:
    a deletion (an earlier, interrupted run asked for it) is joined: (operation, True); another one (an
    upgrade, a backup) is waited for, then the delete is sent again (bounded, through retry)."""
    def attempt() -> tuple[Any, bool]:
        try:
            return start(), False
        except Exception as e:
            if not _operation_running(e):
                raise
            found = running()
            if found is None:
                raise  # it may have ended just now: retry() sends the delete again
            op, is_delete = found
            if is_delete:
                ctx.emit(DeletionUnderway(step, op.name))
                return op, True
            ctx.emit(OperationRunning(step, op.name))
            wait_other(op)
            raise

    return _call(attempt, said(Deleting(what)), ctx, changes=rid)


def _delete_gke(resource: CloudResource, gcp: _Gcp, ctx: TeardownContext, step: str) -> tuple:
    """delete_cluster answers with a plain Operation: polling get_operation until DONE is ours to do. A
    cluster already STOPPING (or one whose delete is refused by an operation in progress) has its running
    operation looked up and waited on: a resume after an interrupted run."""
    container = gcp.sdk.container
    client = gcp.client(container.ClusterManagerClient)
    current = _call(lambda: client.get_cluster(name=resource.id), said(Reading(resource.label())), ctx)
    check_identity(resource, created=current.create_time, uid=current.id)
    location = resource.details.get("location") or resource.id.split("/")[3]
    done_status = container.Operation.Status.DONE

    def op_name(op) -> str:
        return f"projects/{gcp.project}/locations/{op.location or location}/operations/{op.name}"

    def poll(op, what: str):
        return _poll(op, lambda: client.get_operation(name=op_name(op)), lambda o: o.status == done_status,
                     what=what, ctx=ctx, step=step)

    def running() -> tuple[Any, bool] | None:
        op = _call(lambda: _gke_running(client, gcp, resource, location), said(ListingOperations(resource.label())),
                   ctx)
        return None if op is None else (op, op.operation_type == container.Operation.Type.DELETE_CLUSTER)

    joined = None
    if _enum_name(current.status) == "STOPPING":  # being deleted already
        found = running()
        if found is not None and found[1]:
            joined = found[0]
            ctx.emit(DeletionUnderway(step, joined.name))
    if joined is not None:
        op, is_joined = joined, True
    else:
        op, is_joined = _join_or_start(
            lambda: client.delete_cluster(name=resource.id), running,
            lambda other: poll(other, said(OperationToEnd(other.name, resource.label()))), ctx, resource.label(),
            step, resource.id)
    final = _after_request(lambda: poll(op, said(ToBeDeleted(resource.label()))))
    error = final.error.message if final.error and (final.error.code or final.error.message) else ""
    if error or final.status_message:
        raise _OperationFailed(DeletionFailed(resource.label(), error or final.status_message))
    return (JoinedEarlierDeletion(op.name),) if is_joined else ()


def _gke_running(client: Any, gcp: _Gcp, resource: CloudResource, location: str) -> Any:
    """The operation running on the cluster in its location, a deletion first; None if there is none."""
    Status, Type = gcp.sdk.container.Operation.Status, gcp.sdk.container.Operation.Type
    response = client.list_operations(parent=f"projects/{gcp.project}/locations/{location}")
    mine = [op for op in response.operations if op.status in (Status.PENDING, Status.RUNNING)
            and op.target_link.rstrip("/").endswith(f"/clusters/{resource.name}")]
    mine.sort(key=lambda op: op.operation_type != Type.DELETE_CLUSTER)
    return mine[0] if mine else None


def _delete_sql(resource: CloudResource, gcp: _Gcp, ctx: TeardownContext, step: str) -> tuple:
    """Deletion protection is read afresh; switching it off needs the operator's confirmation (and is logged).
    Cloud SQL takes a final backup on delete (kept FINAL_BACKUP_DAYS) unless the operator chose none."""
    sql = gcp.sdk.sql
    instances = gcp.client(sql.SqlInstancesServiceClient)
    operations = gcp.client(sql.SqlOperationsServiceClient)
    key = {"project": gcp.project, "instance": resource.name}
    current = _call(lambda: instances.get(request=key), said(Reading(resource.label())), ctx)
    check_identity(resource, created=current.create_time)  # before anything is changed on it
    if current.settings.deletion_protection_enabled:
        if not resource.details.get("deletion_protection"):  # switched on after the plan was shown
            raise HubError(SqlProtectionSwitchedOn(resource.name))
        if not ctx.allow_disable_deletion_protection:
            raise HubError(SqlProtectionOn(resource.name))
        ctx.emit(ProtectionOff(step, done=False))
        body = sql.DatabaseInstance(settings=sql.Settings(deletion_protection_enabled=False))
        op = _call(lambda: instances.patch(request={**key, "body": body}),
                   said(SwitchingProtectionOff(resource.label())), ctx, changes=resource.id, delete=False)
        ctx.notes.setdefault(resource.id, []).append(ProtectionSwitchedOff())
        _wait_sql(op, operations, gcp, said(ProtectionToBeOff(resource.label())), ctx, step)
        current = _call(lambda: instances.get(request=key), said(Reading(resource.label())), ctx)
        check_identity(resource, created=current.create_time)
    request: dict[str, Any] = dict(key)
    if ctx.final_snapshot:
        stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
        request.update(enable_final_backup=True, final_backup_ttl_days=FINAL_BACKUP_DAYS,
                       final_backup_description=f"hubtui: final backup of {resource.name} before deletion, {stamp}")
    kinds = sql.Operation.SqlOperationType

    def running() -> tuple[Any, bool] | None:
        op = _call(lambda: _sql_running(operations, gcp, resource), said(ListingOperations(resource.label())), ctx)
        return None if op is None else (op, op.operation_type == kinds.DELETE)

    op, joined = _join_or_start(
        lambda: instances.delete(request=request), running,
        lambda other: _wait_sql(other, operations, gcp, said(OperationToEnd(other.name, resource.label())), ctx,
                                step), ctx, resource.label(), step, resource.id)
    _after_request(lambda: _wait_sql(op, operations, gcp, said(ToBeDeleted(resource.label())), ctx, step))
    if joined:
        return (JoinedEarlierDeletion(op.name),)
    if ctx.final_snapshot:
        return (FinalBackupKept(FINAL_BACKUP_DAYS),)
    return (NoFinalSnapshot(backup=True),)


def _sql_running(operations: Any, gcp: _Gcp, resource: CloudResource) -> Any:
    """The operation running on the instance, a deletion first; None if there is none."""
    sql = gcp.sdk.sql
    Status, Type = sql.Operation.SqlOperationStatus, sql.Operation.SqlOperationType
    pages = operations.list(request={"project": gcp.project, "instance": resource.name}).pages
    mine = [op for page in pages for op in page.items
            if op.status in (Status.PENDING, Status.RUNNING) and op.target_id == resource.name]
    mine.sort(key=lambda op: op.operation_type != Type.DELETE)
    return mine[0] if mine else None


def _wait_sql(op: Any, operations: Any, gcp: _Gcp, what: str, ctx: TeardownContext, step: str) -> None:
    done_status = gcp.sdk.sql.Operation.SqlOperationStatus.DONE
    request = {"project": gcp.project, "operation": op.name}
    final = _poll(op, lambda: operations.get(request=request), lambda o: o.status == done_status,
                  what=what, ctx=ctx, step=step)
    errors = [e.message or e.code for e in final.error.errors] if final.error else []
    if errors:
        raise _OperationFailed(OperationErrors(what, tuple(errors)))


def _delete_redis(resource: CloudResource, gcp: _Gcp, ctx: TeardownContext, step: str) -> tuple:
    """delete_instance answers with a long-running operation; its done() looks once, so wait_until keeps
    cancel, timeout and progress."""
    client = gcp.client(gcp.sdk.redis.CloudRedisClient)
    current = _call(lambda: client.get_instance(name=resource.id), said(Reading(resource.label())), ctx)
    check_identity(resource, created=current.create_time)
    if _enum_name(current.state) == "DELETING":  # an earlier, interrupted run asked for it: wait until it is gone
        ctx.emit(DeletionUnderway(step))

        def gone() -> bool:
            try:
                now = _call(lambda: client.get_instance(name=resource.id), said(Checking(resource.label())), ctx)
            except gcp.sdk.exceptions.NotFound:
                return True
            if _enum_name(now.state) != "DELETING":
                raise _OperationFailed(EarlierDeletionEnded(_enum_name(now.state)))
            return False

        _after_request(lambda: wait_until(gone, what=said(ToBeDeleted(resource.label())), ctx=ctx, step=step))
        return (JoinedEarlierDeletion(),)
    op = _call(lambda: client.delete_instance(name=resource.id), said(Deleting(resource.label())), ctx,
               changes=resource.id)
    _after_request(lambda: wait_until(lambda: _call(op.done, said(Checking(resource.label())), ctx),
                                      what=said(ToBeDeleted(resource.label())), ctx=ctx, step=step))
    if op.operation.HasField("error"):
        raise _OperationFailed(DeletionFailed(resource.label(), op.operation.error.message))
    return ()


def _delete_topic(resource: CloudResource, gcp: _Gcp, ctx: TeardownContext, step: str) -> tuple:
    """Pub/Sub keeps no creation time and no id but the name: there is nothing more to compare."""
    client = gcp.client(gcp.sdk.PublisherClient)
    _call(lambda: client.delete_topic(topic=resource.id), said(Deleting(resource.label())), ctx, changes=resource.id)
    return ()


def _delete_vpc(resource: CloudResource, gcp: _Gcp, ctx: TeardownContext, step: str) -> tuple:
    """Firewall rules and subnetworks first (the network cannot go while they use it), then the network."""
    compute = gcp.sdk.compute
    firewalls = gcp.client(compute.FirewallsClient)
    subnetworks = gcp.client(compute.SubnetworksClient)
    networks = gcp.client(compute.NetworksClient)
    current = _call(lambda: networks.get(project=gcp.project, network=resource.name), said(Reading(resource.label())),
                    ctx)
    check_identity(resource, created=current.creation_timestamp, uid=current.id)  # before its parts go
    users = _network_users(gcp, current)
    if users:  # nothing in it goes (not even a firewall rule) while something else still lives there
        raise HubError(NetworkInUse(resource.label(), tuple(users)))
    parts = []  # (what, region, read, delete) of each part the plan listed, by name
    for rid in resource.details.get("firewalls", ()):
        name = rid.rsplit("/", 1)[-1]
        parts.append((said(FirewallRule(name)), None, partial(firewalls.get, project=gcp.project, firewall=name),
                      partial(firewalls.delete_unary, project=gcp.project, firewall=name)))
    for rid in resource.details.get("subnetworks", ()):
        _, _, _, region, _, name = rid.split("/")  # projects/p/regions/r/subnetworks/s
        parts.append((said(Subnetwork(name)), region,
                      partial(subnetworks.get, project=gcp.project, region=region, subnetwork=name),
                      partial(subnetworks.delete_unary, project=gcp.project, region=region, subnetwork=name)))
    for what, _, read, _ in parts:  # each still this network's, before any of them goes: a name is no proof
        try:
            part = _call(read, said(Reading(what)), ctx)
        except gcp.sdk.exceptions.NotFound:
            continue  # gone already: its delete says so
        if part.network != current.self_link:
            raise HubError(PartElsewhere(resource.label(), what, part.network))
    for what, region, _, delete in parts:
        _delete_part(what, delete, region, gcp, ctx, step, resource.id)
    if ctx.cancel.is_set():
        raise Cancelled()
    _compute_delete(lambda: networks.delete_unary(project=gcp.project, network=resource.name), None,
                    resource.label(), gcp, ctx, step, resource.id)
    return ()


def _network_users(gcp: _Gcp, network) -> list[NetworkUser]:
    """What still lives in a network the plan deletes: VM instances with an interface in it (the GKE nodes
    are gone by then), forwarding rules (load balancers) and peerings. Read just before anything of the
    network goes; a listing that fails fails the check."""
    compute = gcp.sdk.compute
    link = network.self_link
    users: list[NetworkUser] = [Peering(p.name) for p in network.peerings or ()]
    vms = gcp.client(compute.InstancesClient)
    for zone, scoped in vms.aggregated_list(project=gcp.project):
        users += [VmInstance(vm.name, zone.removeprefix("zones/")) for vm in scoped.instances or ()
                  if any(nic.network == link for nic in vm.network_interfaces or ())]
    rules = gcp.client(compute.ForwardingRulesClient)
    for scope, scoped in rules.aggregated_list(project=gcp.project):
        users += [ForwardingRule(r.name, scope.removeprefix("regions/")) for r in scoped.forwarding_rules or ()
                  if r.network == link]
    return users


def _delete_part(what: str, start: Callable[[], Any], region: str | None, gcp: _Gcp, ctx: TeardownContext,
                 step: str, rid: str) -> None:
    """A subnetwork or firewall rule of the network: already gone is fine; each is logged."""
    if ctx.cancel.is_set():
        raise Cancelled()
    try:
        _compute_delete(start, region, what, gcp, ctx, step, rid, whole=False)
        ctx.notes.setdefault(rid, []).append(PartGone(what))
        ctx.emit(PartDeleted(step, what))
    except gcp.sdk.exceptions.NotFound:
        ctx.emit(PartDeleted(step, what, already_gone=True))
    except _StillDeleting:  # stopped with the part's delete sent and accepted: the resource's outcome says so
        ctx.notes.setdefault(rid, []).append(PartStillDeleting(what, "GCP"))
        raise Cancelled() from None


def _compute_delete(start: Callable[[], Any], region: str | None, what: str, gcp: _Gcp, ctx: TeardownContext,
                    step: str, rid: str, *, whole: bool = True) -> None:
    """Start a Compute deletion (the *_unary call: its plain Operation) and poll the global or regional
    operations ourselves. Not the extended operation of delete(): its poller ignores client_options and would
    ask compute.googleapis.com even when hubtui points at another endpoint. A request refused, or an
    operation that ends, with "in use" is tried again as a whole (what used it may still be going away)."""
    compute = gcp.sdk.compute
    if region is None:
        operations, where = gcp.client(compute.GlobalOperationsClient), {}
    else:
        operations, where = gcp.client(compute.RegionOperationsClient), {"region": region}
    done_status = compute.Operation.Status.DONE

    def attempt() -> None:
        op = start()
        request = {"project": gcp.project, **where, "operation": op.name}

        def wait() -> Any:
            return _poll(op, lambda: operations.get(request=request), lambda o: o.status == done_status,
                         what=said(ToBeDeleted(what)), ctx=ctx, step=step)

        # a stop while a part's delete is under way: _StillDeleting, for _delete_part to note (the network's own
        # delete keeps its outcome: stopped once its delete was confirmed sent)
        final = wait() if whole else _after_request(wait)
        errors = list(final.error.errors) if final.error else []
        if errors or final.http_error_status_code:
            message = "; ".join(e.message or e.code for e in errors) or final.http_error_message
            in_use = any("IN_USE" in (e.code or "") for e in errors)
            raise _OperationFailed(DeletionFailed(what, message), in_use=in_use)

    # a part (not `whole`) changes the resource `rid`; only its own delete makes it "deleting"
    _call(attempt, said(Deleting(what)), ctx, changes=rid, delete=whole)


_DELETERS: dict[str, Callable[[CloudResource, _Gcp, TeardownContext, str], tuple]] = {
    GKE: _delete_gke, SQL: _delete_sql, REDIS: _delete_redis, TOPIC: _delete_topic, VPC: _delete_vpc,
}
