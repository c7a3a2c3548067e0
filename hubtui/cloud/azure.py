"""Azure part of the cloud teardown: the environment's resource groups, found and deleted through ARM.

On Azure the old tool put everything of an environment in one resource group, `llm-analytics-hub-<env>-rg`;
deleting the group deletes what it holds, so the plan lists the groups (and, in their details, every
resource that goes with them). Groups tagged `environment=<env>` are found too, so that nothing named
differently is left behind, and a group that matches one way only is shown as a risk; one that matches by tag
only is not included unless the operator asks for it (base.split_tag_matches). The AKS clusters in a group
give their API server (`https://<fqdn>:443`) as evidence; a group holding databases is a risk (Azure keeps no
final backup of what a group deletion takes along).

The Azure SDK is imported inside the functions: it costs start-up time, and a missing SDK must be a
one-line hint, not a traceback. See base.py for the contract.
"""

from __future__ import annotations

import logging
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from ..errors import HubError, said
from ..facts import (AlreadyGone, CannotDelete, CloudError, CredentialsRefused, DeletionUnderway, HoldsUnplanned,
                     JoinedEarlierDeletion, StillDeleting, StoppedBefore)
from ..facts import GroupDatabasesLost, GroupListedInPart, NameOnly, Risk, TagOnly
from ..settings import Settings
from .failures import (AzureCredentialsRefused, AzureGroupState, AzureLogin, AzureOperationStatus, AzureReadFailed,
                       AzureRefused, AzureSubscriptionNotFound, AzureUnreachable, DeleteGroup, DeletingGroup,
                       DeletionEndedAs, ErrorLine, GroupDeletion, GroupDeletionEnded, NoAzureSubscription,
                       OtherAzureSubscription, ReadGroup, ReadGroups)
from .base import (DELETED, FAILED, GONE, SKIPPED, MissingSdk, Cancelled, CloudPlan, CloudResource, Lifecycle, ResourceOutcome,
                   TeardownContext, check_identity, cluster_name, iso_time, not_included_risks, retry,
                   split_tag_matches, wait_until)

PROVIDER = "azure"
GROUP_KIND = "resource-group"
ARM_ENDPOINT = "https://management.azure.com"
TAG_NAME = "environment"
RESOURCES_SHOWN = 50  # the plan lists this many of a group's resources, and counts them all
MAX_PARALLEL = 8
# 409 codes that mean "busy, try later" rather than "refused" (a lock, ScopeLocked, is not retried)
RETRYABLE_CONFLICTS = frozenset({"AnotherOperationInProgress", "ResourceGroupBeingDeleted", "ResourceInUse",
                                 "InUseSubnetCannotBeDeleted", "InUseNetworkSecurityGroupCannotBeDeleted"})
RETRYABLE_WORDS = ("in use", "being deleted", "another operation")
AKS_TYPE = "microsoft.containerservice/managedclusters"
AKS_API_VERSION = "2024-05-01"
# Resource types that hold data a group deletion takes along with no final backup (compared in lower case:
# a type is either one of DATABASE_TYPES or in one of DATABASE_NAMESPACES)
DATABASE_NAMESPACES = ("microsoft.dbforpostgresql", "microsoft.dbformysql", "microsoft.dbformariadb",
                       "microsoft.documentdb")
DATABASE_TYPES = frozenset({"microsoft.sql/servers", "microsoft.sql/servers/databases",
                            "microsoft.sql/managedinstances", "microsoft.sql/managedinstances/databases",
                            "microsoft.cache/redis", "microsoft.cache/redisenterprise",
                            "microsoft.cache/redisenterprise/databases"})


def group_name(environment: str) -> str:
    """The old tool's resource group for an environment."""
    return f"{cluster_name(environment)}-rg"


# ---- the SDK and the client -------------------------------------------------------------------------

def _client_class():
    """ResourceManagementClient, wherever this SDK version keeps it (26.0.0 moved it)."""
    try:
        from azure.mgmt.resource.resources import ResourceManagementClient
    except ImportError:
        try:
            # before 26.0.0 only: the installed SDK no longer exports it here
            from azure.mgmt.resource import ResourceManagementClient  # type: ignore[attr-defined,no-redef]
        except ImportError:
            raise MissingSdk("Azure", "azure-mgmt-resource") from None
    return ResourceManagementClient


class _StandInCredential:
    """The local stand-in checks no token, but the ARM client still wants a credential to hold."""

    def get_token(self, *scopes: str, **kwargs: Any):
        from azure.core.credentials import AccessToken

        return AccessToken("stand-in", int(time.time()) + 3600)


def _subscription(settings: Settings) -> str:
    if not settings.azure_subscription:
        raise HubError(NoAzureSubscription())
    return settings.azure_subscription


def _endpoint(settings: Settings) -> str:
    return (settings.azure_endpoint or ARM_ENDPOINT).rstrip("/")


def _client(settings: Settings):
    """An ARM client for the subscription: the real endpoint with the operator's credentials, or the
    stand-in named by settings.azure_endpoint (plain http, so no bearer token: azure-core refuses those)."""
    subscription = _subscription(settings)
    client_class = _client_class()
    # azure-identity logs each credential it tried as a multi-line warning; hubtui says it in one line
    logging.getLogger("azure").addHandler(logging.NullHandler())
    logging.getLogger("azure").propagate = False
    if settings.azure_endpoint:
        from azure.core.pipeline.policies import SansIOHTTPPolicy

        return client_class(_StandInCredential(), subscription, base_url=_endpoint(settings),
                            authentication_policy=SansIOHTTPPolicy())
    try:
        from azure.identity import DefaultAzureCredential
    except ImportError:
        raise MissingSdk("Azure", "azure-identity") from None
    return client_class(DefaultAzureCredential(), subscription)


def _status(e: BaseException) -> int | None:
    return getattr(e, "status_code", None)


def _code(e: BaseException) -> str:
    """ARM's error code ("ResourceGroupNotFound", ...) when the SDK parsed one."""
    return getattr(getattr(e, "error", None), "code", None) or ""


def _is_auth_error(e: BaseException) -> bool:
    """No usable credentials (azure.identity found none, or ARM said 401)."""
    return type(e).__name__ in ("ClientAuthenticationError", "CredentialUnavailableError") or _status(e) == 401


def _read_error(e: Exception, subscription: str, what: str) -> HubError:
    """One line for the operator when a read call of discovery fails."""
    if _is_auth_error(e):
        return HubError(AzureCredentialsRefused(e))
    if _status(e) == 403:
        return HubError(AzureRefused(what, subscription, e))
    if _code(e) in ("SubscriptionNotFound", "InvalidSubscriptionId"):
        return HubError(AzureSubscriptionNotFound(subscription))
    if type(e).__name__ in ("ServiceRequestError", "ServiceRequestTimeoutError"):
        return HubError(AzureUnreachable(e))
    return HubError(AzureReadFailed(what, e))


# ---- discovery ------------------------------------------------------------------------------------

def discover(environment: str, settings: Settings, *, include_tag_matches: bool = False) -> CloudPlan:
    """The environment's resource groups, by exact name and by tag, with what each holds. Read calls only.
    A group that matches by tag only is not included unless include_tag_matches."""
    subscription = _subscription(settings)
    client = _client(settings)
    try:
        found = _find_groups(client, environment)
        resources = [_describe(client, group, matched) for group, matched in found]
    except HubError:
        raise
    except Exception as e:
        raise _read_error(e, subscription, said(ReadGroups())) from e
    included, left = split_tag_matches(resources, include_tag_matches=include_tag_matches)
    locations = sorted({r.details["location"] for r in included if r.details.get("location")})
    risks = [*(risk for r in included for risk in _risks(r, environment)),
             *not_included_risks(left, environment, named=group_name(environment))]
    return CloudPlan(provider=PROVIDER, identity=f"Azure subscription {subscription}",
                     region=", ".join(locations) or "-", resources=tuple(included), risks=tuple(risks),
                     not_included=tuple(left))


def _find_groups(client, environment: str) -> list[tuple[Any, str]]:
    """(group, matched_by) for the group named after the environment and every group tagged with it."""
    by_name = _get_group(client, group_name(environment))
    quoted = environment.replace("'", "''")  # OData string literal
    tag_filter = f"tagName eq '{TAG_NAME}' and tagValue eq '{quoted}'"
    by_tag = {g.name.lower(): g for g in client.resource_groups.list(filter=tag_filter)}
    found: list[tuple[Any, str]] = []
    if by_name is not None:
        found.append((by_name, "name+tag" if by_tag.pop(by_name.name.lower(), None) else "name"))
    found.extend((g, "tag") for _, g in sorted(by_tag.items()))
    return found


def _get_group(client, name: str):
    """The group, or None when it does not exist."""
    try:
        return client.resource_groups.get(name)
    except Exception as e:
        if _status(e) == 404:
            return None
        raise


def _describe(client, group, matched_by: str) -> CloudResource:
    """The plan's entry for a group: where it is, its tags, what deleting it takes along (its databases
    named), the API servers of its AKS clusters, and its identity (id, and creation time when ARM gives one)."""
    held: list[dict[str, Any]] = []
    ids: list[str] = []
    count = 0
    databases: list[str] = []
    clusters: list[dict | None] = []
    for res in client.resources.list_by_resource_group(group.name):
        count += 1
        ids.append(str(res.id or "").lower())
        if len(held) < RESOURCES_SHOWN:
            held.append({"name": res.name, "type": res.type})
        kind = (res.type or "").lower()
        if kind in DATABASE_TYPES or kind.split("/", 1)[0] in DATABASE_NAMESPACES:
            databases.append(res.name)
        if kind == AKS_TYPE:
            clusters.append(_aks_cluster(client, res))
    state = getattr(group.properties, "provisioning_state", None) if group.properties else None
    details = {"location": group.location, "tags": dict(group.tags or {}), "resources": held,
               "resource_count": count, "provisioning_state": state, "created": _created(group),
               "databases": databases, "aks_clusters": [c for c in clusters if c],
               "resource_ids": sorted(ids)}  # all of them: anything else found before the delete refuses it
    endpoints = [url for c in details["aks_clusters"] for url in c["endpoints"]]
    if len(details["aks_clusters"]) == 1 and endpoints:
        details["endpoint"] = endpoints[0]  # the one cluster's public API server (else its private one)
    if len(endpoints) > 1:
        details["endpoints"] = endpoints
    return CloudResource(kind=GROUP_KIND, name=group.name, id=group.id, matched_by=matched_by, details=details)


def _created(group) -> str | None:
    """The group's creation time when ARM gives one (systemData.createdAt)."""
    return iso_time(getattr(getattr(group, "system_data", None), "created_at", None))


def _aks_cluster(client, res) -> dict | None:
    """An AKS cluster of the group with its API servers (`https://<fqdn>:443`, the private one too); None if
    it went away since the listing."""
    try:
        cluster = client.resources.get_by_id(res.id, api_version=AKS_API_VERSION)
    except Exception as e:
        if _status(e) == 404:
            return None
        raise
    props = cluster.properties if isinstance(cluster.properties, dict) else {}
    fqdns = [fqdn for key in ("fqdn", "privateFQDN") if (fqdn := props.get(key))]
    return {"name": res.name, "endpoints": [f"https://{fqdn.lower()}:443" for fqdn in dict.fromkeys(fqdns)]}


def _risks(resource: CloudResource, environment: str) -> list[Risk]:
    """Why the operator should look twice at a group before it goes."""
    risks: list[Risk] = []
    tag = resource.details["tags"].get(TAG_NAME)
    if resource.matched_by == "name":
        risks.append(NameOnly(PROVIDER, resource.name, TAG_NAME, environment, tag))
    elif resource.matched_by == "tag":
        risks.append(TagOnly(PROVIDER, resource.name, TAG_NAME, environment, group_name(environment)))
    if resource.details.get("databases"):
        risks.append(GroupDatabasesLost(resource.name, tuple(resource.details["databases"])))
    if resource.details.get("resource_count", 0) > RESOURCES_SHOWN:
        risks.append(GroupListedInPart(resource.name, resource.details["resource_count"], RESOURCES_SHOWN))
    return risks


# ---- teardown -------------------------------------------------------------------------------------

def teardown(plan: CloudPlan, settings: Settings, ctx: TeardownContext) -> list[ResourceOutcome]:
    """Delete the plan's resource groups (in parallel) and follow each deletion to its end."""
    outcomes: dict[str, ResourceOutcome] = {}
    todo = []
    for resource in plan.resources:
        life = Lifecycle(PROVIDER, resource, ctx)
        if resource.kind != GROUP_KIND:
            outcomes[resource.id] = life.end(FAILED, CannotDelete(resource.kind, "Azure"))
        elif resource.id in ctx.finished and (early := life.before()) is not None:
            outcomes[resource.id] = early
        else:
            todo.append(resource)
    if todo:
        subscription = _subscription(settings)
        if plan.identity != f"Azure subscription {subscription}":  # never delete look-alikes elsewhere
            raise HubError(OtherAzureSubscription(plan.identity, subscription))
        client = _client(settings)
        safe = ctx.serialised()
        with ThreadPoolExecutor(max_workers=min(MAX_PARALLEL, len(todo)), thread_name_prefix="azure") as pool:
            for outcome in pool.map(lambda r: _delete_group(client, r, safe), todo):
                outcomes[outcome.resource.id] = outcome
    return [outcomes[r.id] for r in plan.resources]


def _delete_group(client, resource: CloudResource, ctx: TeardownContext) -> ResourceOutcome:
    """Delete one group and follow ARM's operation to its end. Never raises: every end is an outcome.

    No SDK poller thread: begin_delete gets a polling method that only keeps the 202 answer (so the LROPoller
    starts no thread), and hubtui polls the operation itself between its own waits. A cancel or a timeout
    therefore leaves nothing running in this process; Azure goes on deleting (the outcome says so), and a
    resume finds the group Deleting and waits until it is gone instead of deleting it again."""
    life = Lifecycle(PROVIDER, resource, ctx)
    if (early := life.before()) is not None:
        return early
    life.start(said(DeletingGroup(resource.name)))
    step = life.step
    # its end, outside the handlers: the audit log failing as it is recorded is the run's error, never this
    # group's failure (ended already, the second end would return the first and the error be lost)
    try:
        current = retry(lambda: _get_group(client, resource.name), retryable=_is_retryable,
                        what=said(ReadGroup(resource.label())), ctx=ctx)
        if current is None:
            outcome = ResourceOutcome(resource, GONE, (AlreadyGone(),))
        else:
            check_identity(resource, current_id=current.id, created=_created(current), ignore_case=True)
            if _state(current).lower() != "deleting" and (new := _new_since_plan(client, resource)):
                outcome = ResourceOutcome(resource, FAILED, (HoldsUnplanned(tuple(new[:5]), max(0, len(new) - 5)),))
            elif _state(current).lower() == "deleting":  # an earlier, interrupted run asked for it
                life.requested = True
                ctx.emit(DeletionUnderway(step))
                _wait_group_gone(client, resource, ctx, step)
                outcome = ResourceOutcome(resource, DELETED, (JoinedEarlierDeletion(),))
            else:
                # a delete sent, though not (yet) accepted, is recorded however this ends (ctx.changed)
                accepted = retry(lambda: _begin_delete(client, resource.name), retryable=_is_retryable,
                                 what=said(DeleteGroup(resource.label())), ctx=ctx,
                                 on_send=lambda: ctx.changed.add(resource.id))
                life.requested = True
                operation = _Operation(accepted)
                if operation.url is None and operation.status == "InProgress":  # accepted, but nothing to follow
                    _wait_group_gone(client, resource, ctx, step, by_this_run=True)
                else:
                    wait_until(operation.done, what=said(GroupDeletion(resource.label())), ctx=ctx, step=step,
                               describe=lambda: AzureOperationStatus(operation.status))
                outcome = operation.outcome(resource)
    except Cancelled:
        outcome = ResourceOutcome(resource, SKIPPED, (StillDeleting("Azure") if life.requested
                                                      else StoppedBefore("accepted"),))
    except Exception as e:  # noqa: BLE001 - every error is an outcome, never a crash of the other groups
        outcome = _failed_call(resource, e)
    return life.end(outcome.outcome, *outcome.said)


def _new_since_plan(client, resource: CloudResource) -> list[str]:
    """The group's resources listed again just before its delete: those the plan did not show (created
    since), by name and type. A plan made before the full list was kept compares the count only."""
    planned = resource.details.get("resource_ids")
    now = [(str(r.id or "").lower(), f"{r.name} ({r.type})") for r in client.resources.list_by_resource_group(
        resource.name)]
    if planned is None:
        count = resource.details.get("resource_count", 0)
        return [label for _, label in now[count:]] if len(now) > count else []
    return [label for rid, label in now if rid not in set(planned)]


def _state(group) -> str:
    return str(getattr(group.properties, "provisioning_state", None) or "") if group.properties else ""


def _wait_group_gone(client, resource: CloudResource, ctx: TeardownContext, step: str, *,
                     by_this_run: bool = False) -> None:
    """Look at the group until it is gone (404). A group that is no longer Deleting was not deleted: the
    deletion (this run's when by_this_run, else an earlier run's) failed in Azure."""
    last = {"state": "Deleting"}

    def gone() -> bool:
        group = retry(lambda: _get_group(client, resource.name), retryable=_is_retryable,
                      what=said(ReadGroup(resource.label())), ctx=ctx)
        if group is None:
            return True
        last["state"] = _state(group) or "unknown"
        if last["state"].lower() != "deleting":
            raise HubError(GroupDeletionEnded(last["state"], by_this_run))
        return False

    wait_until(gone, what=said(GroupDeletion(resource.label())), ctx=ctx, step=step,
               describe=lambda: AzureGroupState(last["state"]))


class _KeepAnswer:
    """A polling method for begin_delete that keeps the pipeline client and the first answer and polls
    nothing. finished() is true at once, so the SDK's LROPoller starts no background thread (its own
    polling thread would go on until the process exits, whatever hubtui cancels)."""

    def __init__(self):
        self.client: Any = None
        self.response: Any = None

    def initialize(self, client, initial_response, deserialization_callback) -> None:
        self.client, self.response = client, initial_response

    def run(self) -> None:
        pass

    def status(self) -> str:
        return "Accepted"

    def finished(self) -> bool:
        return True

    def resource(self) -> None:
        return None


def _begin_delete(client, name: str) -> _KeepAnswer:
    """Send the DELETE once (retry_total=0: throttling and conflicts go to base.retry, which is bounded,
    cancellable and reported). The answer (202 + where to follow the operation) is kept, not polled."""
    method = _KeepAnswer()
    client.resource_groups.begin_delete(name, retry_total=0, polling=method)
    return method


class _Operation:
    """ARM's long-running deletion, followed by hubtui: one GET of the operation per look (Azure-AsyncOperation:
    a status in the body; Location: 202 while running, 200/204 when done, an error status when it failed),
    through the client's pipeline (its credentials and its usual retries of throttled or failed polls)."""

    def __init__(self, accepted: _KeepAnswer):
        self.client = accepted.client
        answer = accepted.response.http_response
        headers = answer.headers
        self.async_url = headers.get("Azure-AsyncOperation")
        self.url = self.async_url or headers.get("Location")
        self.status = "InProgress"
        self.error: dict = {}
        if answer.status_code in (200, 204):  # deleted at once
            self.status = "Succeeded"

    def done(self) -> bool:
        if self.status != "InProgress" or not self.url:
            return True
        from azure.core.rest import HttpRequest

        response = self.client.send_request(HttpRequest("GET", self.url))
        response.read()
        body = _json(response)
        if self.async_url and response.status_code < 400:
            self.status = str(body.get("status") or "InProgress")
            if self.status.lower() in ("succeeded", "failed", "canceled", "cancelled"):
                self.error = body.get("error") or {}
                return True
            self.status = "InProgress" if self.status.lower() in ("accepted", "running", "deleting") else self.status
            return False
        if response.status_code == 202:
            return False
        if response.status_code in (200, 204):
            self.status = "Succeeded"
            return True
        self.status, self.error = "Failed", body.get("error") or {"code": str(response.status_code),
                                                                   "message": response.reason or ""}
        return True

    def outcome(self, resource: CloudResource) -> ResourceOutcome:
        """DELETED only when ARM said Succeeded (or the group was seen gone: no operation to follow)."""
        if self.status.lower() == "succeeded" or not self.url:
            return ResourceOutcome(resource, DELETED)
        ended = DeletionEndedAs(self.status, self.error.get("code"), self.error.get("message"))
        return ResourceOutcome(resource, FAILED, (CloudError(said(ended)),))


def _json(response) -> dict:
    try:
        body = response.json()
    except Exception:  # noqa: BLE001 - an empty or non-JSON body
        return {}
    return body if isinstance(body, dict) else {}


def _failed_call(resource: CloudResource, e: Exception) -> ResourceOutcome:
    """A deletion that could not be sent or followed: NotFound is gone, anything else failed."""
    if _status(e) == 404 or _code(e) == "ResourceGroupNotFound":
        return ResourceOutcome(resource, GONE, (AlreadyGone(),))
    if _is_auth_error(e):
        return ResourceOutcome(resource, FAILED, (CredentialsRefused("Azure", said(AzureLogin())),))
    return ResourceOutcome(resource, FAILED, (CloudError(said(ErrorLine(e))),))


def _is_retryable(e: Exception) -> bool:
    """Throttling, and a conflict that says "busy" (in use, being deleted, another operation running)."""
    if _status(e) == 429:
        return True
    if _status(e) != 409:
        return False
    return _code(e) in RETRYABLE_CONFLICTS or any(word in str(e).lower() for word in RETRYABLE_WORDS)
