"""The AWS part of the cloud teardown: find the environment's EKS, RDS, ElastiCache and MSK resources and
delete exactly those, in dependency order, per the contract in base.py.

An EKS cluster goes last in its chain: first its nodegroups and its managed add-ons (in parallel) and its
Fargate profiles (one at a time: AWS deletes only one Fargate profile of a cluster at a time), each waited
on until gone. A nodegroup that carries the environment tag in a cluster that does not match is a tag-only
match of its own (never a reason to delete its cluster).

boto3 honours AWS_ENDPOINT_URL, so the same code runs against moto's server in tests. Two moto gaps shape
the code (see /work/shared/CLOUD-TESTING.md): ElastiCache never finishes deleting and a missing MSK ARN
answers HTTP 500. So "is it gone yet" is a small probe per kind (PROBES) that tests can drive, the MSK
probe lists clusters instead of describing one ARN, and NotFound is decided by error code only, never by
an HTTP 404 (a wrong endpoint must not make everything look "gone").
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from dataclasses import dataclass, field
from datetime import datetime, UTC
from typing import Any
from collections.abc import Callable, Iterator

from ..errors import HubError, UsageError, said
from ..facts import (AlreadyGone, CloudError, FinalSnapshot, LookingAgain, NoFinalSnapshot, NotReached, PartsFailed,
                     PartsLeft, ProtectionOff, ProtectionSwitchedOff, ResourceSaid, SnapshotNotListed, StillDeleting,
                     StoppedBefore)
from ..facts import MskDataLost, NameOnly, ProtectionOn, Risk, TagOnly
from ..settings import Settings
from .failures import (AwsCannotDelete, AwsConfigBroken, AwsCredentialsFailed, AwsCredentialsRefused, AwsDelete,
                       AwsIdentityUnanswered,
                       AwsDescribe, AwsListingFailed, AwsSwitchOff, AwsUnreachable, EksClusters, ErrorLine, LeftInState,
                       MskClusters, NoAwsCredentials, NoAwsRegion, NotAnAwsPlan, OtherAwsAccount, RdsInstances,
                       RdsProtectionOn, RdsProtectionSwitchedOn, RedisGroups, ToBeDeleted)
from .base import (DELETED, FAILED, GONE, SKIPPED, MissingSdk, TAG_KEY, Cancelled, CloudPlan, CloudResource, Lifecycle,
                   ResourceOutcome, TeardownContext, check_identity, cluster_name, iso_time, not_included_risks, retry,
                   split_tag_matches, wait_until)

EKS_CLUSTER = "eks-cluster"
EKS_NODEGROUP = "eks-nodegroup"
EKS_FARGATE = "eks-fargate-profile"
EKS_ADDON = "eks-addon"
EKS_PARTS = (EKS_NODEGROUP, EKS_FARGATE, EKS_ADDON)  # what must be gone before their cluster is deleted
RDS_INSTANCE = "rds-instance"
REDIS_GROUP = "elasticache-replication-group"
MSK_CLUSTER = "msk-cluster"

# which boto3 service each kind needs
SERVICES = {EKS_CLUSTER: "eks", EKS_NODEGROUP: "eks", EKS_FARGATE: "eks", EKS_ADDON: "eks", RDS_INSTANCE: "rds",
            REDIS_GROUP: "elasticache", MSK_CLUSTER: "kafka"}

# Decided by the error code, never by the HTTP status alone.
NOT_FOUND_CODES = frozenset({
    "ResourceNotFoundException",  # EKS
    "DBInstanceNotFound", "DBInstanceNotFoundFault",  # RDS
    "ReplicationGroupNotFoundFault", "ReplicationGroupNotFound",  # ElastiCache
    "NotFoundException",  # MSK
})
THROTTLING_CODES = frozenset({
    "Throttling", "ThrottlingException", "ThrottledException", "RequestLimitExceeded",
    "TooManyRequestsException", "RequestThrottled", "RequestThrottledException", "SlowDown",
    "PriorRequestNotComplete", "ProvisionedThroughputExceededException",
})
SERVER_CODES = frozenset({"InternalFailure", "InternalError", "ServiceUnavailable", "ServiceUnavailableException"})
BUSY_CODES = frozenset({
    "ResourceInUseException",  # EKS: a cluster with nodegroups or Fargate profiles left, a second Fargate delete
    "InvalidDBInstanceState", "InvalidDBInstanceStateFault",  # RDS: modifying, backing up, ...
    "InvalidReplicationGroupState", "InvalidReplicationGroupStateFault",  # ElastiCache: modifying, ...
    "ConflictException",  # MSK: an operation in progress
})
DELETING_STATES = frozenset({"deleting"})


# ---------------------------------------------------------------------------------------------- errors

def error_code(e: BaseException) -> str:
    """The AWS error code of a botocore ClientError ('' for anything else)."""
    response = getattr(e, "response", None)
    if isinstance(response, dict):
        return str((response.get("Error") or {}).get("Code") or "")
    return ""


def http_status(e: BaseException) -> int:
    """The HTTP status of a botocore ClientError's answer (0 when it has none)."""
    response = getattr(e, "response", None)
    if isinstance(response, dict):
        return int((response.get("ResponseMetadata") or {}).get("HTTPStatusCode") or 0)
    return 0


def is_not_found(e: BaseException) -> bool:
    return error_code(e) in NOT_FOUND_CODES


def is_retryable(e: BaseException) -> bool:
    """Throttling and resource-in-use / invalid-state errors: worth a bounded number of new tries."""
    return error_code(e) in THROTTLING_CODES or error_code(e) in BUSY_CODES


# ------------------------------------------------------------------------------------- boto3 plumbing

def _boto3():
    """boto3 is imported here, not at start-up (it costs ~150 ms)."""
    try:
        import boto3
    except ImportError:
        raise MissingSdk("AWS", "boto3") from None
    return boto3


def _session(region: str | None):
    boto3 = _boto3()
    from botocore.exceptions import BotoCoreError

    try:
        return boto3.session.Session(region_name=region)
    except BotoCoreError as e:  # ProfileNotFound and friends
        raise HubError(AwsConfigBroken(e)) from None


def _client(session, service: str):
    """One boto3 client. botocore retries a little itself; base.retry adds the bounded, visible retries.
    Tests replace this function to put a fake or a stubbed client in front of moto."""
    from botocore.config import Config

    config = Config(retries={"mode": "standard", "max_attempts": 3}, connect_timeout=10, read_timeout=60)
    return session.client(service, config=config)


def _region(settings: Settings) -> str:
    region = settings.aws_region or _session(None).region_name
    if not region:
        raise HubError(NoAwsRegion())
    return region


def _account(session) -> str:
    """The account the credentials belong to; a one-line HubError when they are missing or refused."""
    from botocore.exceptions import BotoCoreError, ClientError, EndpointConnectionError, NoCredentialsError

    try:
        return str(_client(session, "sts").get_caller_identity()["Account"])
    except NoCredentialsError:
        raise HubError(NoAwsCredentials()) from None
    except EndpointConnectionError as e:
        raise HubError(AwsUnreachable(e)) from None
    except ClientError as e:
        code, status = error_code(e), http_status(e)
        if code in THROTTLING_CODES or code in SERVER_CODES or status >= 500:  # busy, not a refusal
            raise HubError(AwsIdentityUnanswered(code or f"HTTP {status}", e)) from None
        raise HubError(AwsCredentialsRefused(code, e)) from None
    except BotoCoreError as e:
        raise HubError(AwsCredentialsFailed(e)) from None


def _identity(account: str) -> str:
    return f"AWS account {account}"


# ------------------------------------------------------------------------------------------- discovery

def discover(environment: str, settings: Settings, *, include_tag_matches: bool = False) -> CloudPlan:
    """What belongs to the environment, by its exact names (`llm-analytics-hub-<env>[-postgres|-redis|-kafka]`)
    and by the tag environment=<env>. Read calls only; each service is listed (not the tagging API). What
    matches by tag only is not included unless include_tag_matches (base.split_tag_matches)."""
    region = _region(settings)
    session = _session(region)
    identity = _identity(_account(session))
    others: dict[str, str] = {}
    resources = [
        *_read(said(EksClusters()), lambda: _find_eks(_client(session, "eks"), environment, others)),
        *_read(said(RdsInstances()), lambda: _find_rds(_client(session, "rds"), environment)),
        *_read(said(RedisGroups()), lambda: _find_redis(_client(session, "elasticache"), environment)),
        *_read(said(MskClusters()), lambda: _find_msk(_client(session, "kafka"), environment)),
    ]
    included, left = split_tag_matches(resources, include_tag_matches=include_tag_matches)
    risks = [*_risks(included, environment), *not_included_risks(left, environment)]
    return CloudPlan("aws", identity, region, tuple(included), tuple(risks), tuple(left), others)


def _read(what: str, find: Callable[[], list[CloudResource]]) -> list[CloudResource]:
    """A listing that fails stops the discovery: a plan that silently misses a service is worse."""
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        return find()
    except (ClientError, BotoCoreError) as e:
        raise HubError(AwsListingFailed(what, e)) from None


def _pages(client, operation: str, key: str, **params) -> Iterator[Any]:
    for page in client.get_paginator(operation).paginate(**params):
        yield from page.get(key) or ()


def _or_none(call: Callable[[], Any]) -> Any:
    """A describe of something listed a moment ago: None if it has gone since."""
    try:
        return call()
    except Exception as e:
        if is_not_found(e):
            return None
        raise


def _described(describe: Callable[..., Any], key: str, **params: Any) -> Any:
    """describe(**params)[key], a describe of something listed a moment ago: None if it has gone since."""
    return _or_none(lambda: describe(**params)[key])


def _matched_by(name: str, expected: str, tags: dict, environment: str) -> str | None:
    by_name = name == expected
    by_tag = tags.get(TAG_KEY) == environment
    if by_name and by_tag:
        return "name+tag"
    return "name" if by_name else "tag" if by_tag else None


def _tag_list(tags: list[dict] | None) -> dict:
    return {t.get("Key"): t.get("Value") for t in tags or ()}


def _find_eks(eks, environment: str, others: dict | None = None) -> list[CloudResource]:
    """The cluster by name or tag, and every nodegroup, Fargate profile and managed add-on of a matched
    cluster (they must go first; each is part_of its cluster and matched like it). In a cluster that does
    not match, a nodegroup tagged with the environment is a tag-only match of its own: it is not part_of the
    cluster (which stays), and its details name the cluster ("cluster", "within"). The cluster's endpoint
    is the evidence that binds the environment to a kubeconfig."""
    found = []
    for name in _pages(eks, "list_clusters", "clusters"):
        cluster = _described(eks.describe_cluster, "cluster", name=name)
        if cluster is None:
            continue
        tags = cluster.get("tags") or {}
        matched = _matched_by(name, cluster_name(environment), tags, environment)
        if not matched:
            if others is not None and cluster.get("endpoint"):
                others[f"{EKS_CLUSTER} {name}"] = cluster["endpoint"]
            found += _tagged_nodegroups(eks, cluster, environment)
            continue
        found.append(CloudResource(EKS_CLUSTER, name, cluster["arn"], matched, {
            "status": cluster.get("status"), "version": cluster.get("version"),
            "environment_tag": tags.get(TAG_KEY), "created": iso_time(cluster.get("createdAt")),
            "endpoint": cluster.get("endpoint") or None}))
        found += _cluster_parts(eks, cluster, matched)
    return found


def _nodegroups(eks, cluster: str) -> Iterator[dict]:
    for ng_name in _pages(eks, "list_nodegroups", "nodegroups", clusterName=cluster):
        ng = _described(eks.describe_nodegroup, "nodegroup", clusterName=cluster, nodegroupName=ng_name)
        if ng is not None:
            yield ng


def _cluster_parts(eks, cluster: dict, matched: str) -> list[CloudResource]:
    """The nodegroups, Fargate profiles and managed add-ons of a planned cluster: each part_of it."""
    name, arn = cluster["name"], cluster["arn"]
    parts = []
    for ng in _nodegroups(eks, name):
        parts.append(CloudResource(EKS_NODEGROUP, ng["nodegroupName"], ng["nodegroupArn"], matched, {
            "cluster": name, "part_of": arn, "status": ng.get("status"),
            "environment_tag": (ng.get("tags") or {}).get(TAG_KEY), "created": iso_time(ng.get("createdAt"))}))
    for fp_name in _pages(eks, "list_fargate_profiles", "fargateProfileNames", clusterName=name):
        fp = _described(eks.describe_fargate_profile, "fargateProfile", clusterName=name, fargateProfileName=fp_name)
        if fp is None:
            continue
        parts.append(CloudResource(EKS_FARGATE, fp_name, fp["fargateProfileArn"], matched, {
            "cluster": name, "part_of": arn, "status": fp.get("status"),
            "namespaces": sorted({s["namespace"] for s in fp.get("selectors") or () if s.get("namespace")}),
            "environment_tag": (fp.get("tags") or {}).get(TAG_KEY), "created": iso_time(fp.get("createdAt"))}))
    for addon_name in _pages(eks, "list_addons", "addons", clusterName=name):
        addon = _described(eks.describe_addon, "addon", clusterName=name, addonName=addon_name)
        if addon is None:
            continue
        parts.append(CloudResource(EKS_ADDON, addon_name, addon["addonArn"], matched, {
            "cluster": name, "part_of": arn, "status": addon.get("status"), "version": addon.get("addonVersion"),
            "environment_tag": (addon.get("tags") or {}).get(TAG_KEY), "created": iso_time(addon.get("createdAt"))}))
    return parts


def _tagged_nodegroups(eks, cluster: dict, environment: str) -> list[CloudResource]:
    """The nodegroups tagged environment=<env> of a cluster that is not the environment's: tag-only matches
    that stand alone (not part_of the cluster: including one never includes its cluster)."""
    name = cluster["name"]
    found = []
    for ng in _nodegroups(eks, name):
        tags = ng.get("tags") or {}
        if tags.get(TAG_KEY) != environment:
            continue
        found.append(CloudResource(EKS_NODEGROUP, ng["nodegroupName"], ng["nodegroupArn"], "tag", {
            "cluster": name, "cluster_arn": cluster["arn"], "within": f"{EKS_CLUSTER} {name}",
            "status": ng.get("status"), "environment_tag": tags.get(TAG_KEY),
            "created": iso_time(ng.get("createdAt"))}))
    return found


def _find_rds(rds, environment: str) -> list[CloudResource]:
    found = []
    for db in _pages(rds, "describe_db_instances", "DBInstances"):
        name = db["DBInstanceIdentifier"]
        tags = _tag_list(db.get("TagList"))
        matched = _matched_by(name, f"{cluster_name(environment)}-postgres", tags, environment)
        if matched:
            found.append(CloudResource(RDS_INSTANCE, name, db["DBInstanceArn"], matched, {
                "status": db.get("DBInstanceStatus"), "engine": db.get("Engine"),
                "engine_version": db.get("EngineVersion"), "instance_class": db.get("DBInstanceClass"),
                "allocated_storage_gb": db.get("AllocatedStorage"),
                "deletion_protection": bool(db.get("DeletionProtection")),
                "environment_tag": tags.get(TAG_KEY), **_rds_identity(db)}))
    return found


def _find_redis(elasticache, environment: str) -> list[CloudResource]:
    found = []
    for group in _pages(elasticache, "describe_replication_groups", "ReplicationGroups"):
        name, arn = group["ReplicationGroupId"], group["ARN"]
        tags = _tag_list(elasticache.list_tags_for_resource(ResourceName=arn).get("TagList"))
        matched = _matched_by(name, f"{cluster_name(environment)}-redis", tags, environment)
        if matched:
            found.append(CloudResource(REDIS_GROUP, name, arn, matched, {
                "status": group.get("Status"), "node_type": group.get("CacheNodeType"),
                "member_clusters": len(group.get("MemberClusters") or ()),
                "environment_tag": tags.get(TAG_KEY), "created": _redis_created(elasticache, group)}))
    return found


def _find_msk(kafka, environment: str) -> list[CloudResource]:
    found = []
    for cluster in _pages(kafka, "list_clusters_v2", "ClusterInfoList"):
        name = cluster["ClusterName"]
        tags = cluster.get("Tags") or {}
        matched = _matched_by(name, f"{cluster_name(environment)}-kafka", tags, environment)
        if matched:
            found.append(CloudResource(MSK_CLUSTER, name, cluster["ClusterArn"], matched, {
                "state": cluster.get("State"), "cluster_type": cluster.get("ClusterType"),
                "environment_tag": tags.get(TAG_KEY), "created": iso_time(cluster.get("CreationTime"))}))
    return found


def _rds_identity(db: dict) -> dict:
    """created, and the DbiResourceId (unique per instance, unlike its name and ARN)."""
    return {"created": iso_time(db.get("InstanceCreateTime")), "uid": db.get("DbiResourceId")}


def _redis_created(elasticache, group: dict) -> str | None:
    """ReplicationGroupCreateTime, or (older API answers) the creation time of its first member cluster."""
    if group.get("ReplicationGroupCreateTime"):
        return iso_time(group["ReplicationGroupCreateTime"])
    members = group.get("MemberClusters") or ()
    if not members:
        return None
    found = _or_none(lambda: elasticache.describe_cache_clusters(CacheClusterId=members[0])["CacheClusters"])
    return iso_time(found[0].get("CacheClusterCreateTime")) if found else None


def _risks(resources: list[CloudResource], environment: str) -> list[Risk]:
    """What the operator must look at twice: a match one way only, and RDS deletion protection."""
    risks: list[Risk] = []
    for r in resources:
        if r.details.get("part_of"):  # goes with its cluster; the cluster's line covers it
            continue
        tag = r.details.get("environment_tag")
        if r.matched_by == "name":
            risks.append(NameOnly("aws", r.label(), TAG_KEY, environment, tag))
        elif r.matched_by == "tag":
            risks.append(TagOnly("aws", r.label(), TAG_KEY, environment, cluster_name(environment),
                                 r.details.get("within") or ""))
        if r.kind == RDS_INSTANCE and r.details.get("deletion_protection"):
            risks.append(ProtectionOn("aws", r.kind, r.name))
        if r.kind == MSK_CLUSTER:
            risks.append(MskDataLost(r.label()))
    return risks


# ---------------------------------------------------------------------------------- "is it gone" probes
# Each probe answers the resource's current state, or None once it is gone. They are the only place
# teardown looks at a resource's state, so tests can replace one (moto never finishes some deletions).

Clients = dict  # service name -> boto3 client


def _eks_cluster_state(clients: Clients, r: CloudResource) -> str | None:
    cluster = _or_none(lambda: clients["eks"].describe_cluster(name=r.name)["cluster"])
    return None if cluster is None else str(cluster.get("status", "unknown")).lower()


def _eks_nodegroup_state(clients: Clients, r: CloudResource) -> str | None:
    ng = _or_none(lambda: clients["eks"].describe_nodegroup(
        clusterName=r.details["cluster"], nodegroupName=r.name)["nodegroup"])
    return None if ng is None else str(ng.get("status", "unknown")).lower()


def _eks_fargate(clients: Clients, r: CloudResource) -> dict | None:
    return _or_none(lambda: clients["eks"].describe_fargate_profile(
        clusterName=r.details["cluster"], fargateProfileName=r.name)["fargateProfile"])


def _eks_addon(clients: Clients, r: CloudResource) -> dict | None:
    return _or_none(lambda: clients["eks"].describe_addon(clusterName=r.details["cluster"], addonName=r.name)["addon"])


def _eks_fargate_state(clients: Clients, r: CloudResource) -> str | None:
    fp = _eks_fargate(clients, r)
    return None if fp is None else str(fp.get("status", "unknown")).lower()


def _eks_addon_state(clients: Clients, r: CloudResource) -> str | None:
    addon = _eks_addon(clients, r)
    return None if addon is None else str(addon.get("status", "unknown")).lower()


def _rds_state(clients: Clients, r: CloudResource) -> str | None:
    db = _rds_instance(clients, r)
    return None if db is None else str(db.get("DBInstanceStatus", "unknown")).lower()


def _rds_instance(clients: Clients, r: CloudResource) -> dict | None:
    found = _or_none(lambda: clients["rds"].describe_db_instances(DBInstanceIdentifier=r.name)["DBInstances"])
    return found[0] if found else None


def _redis_state(clients: Clients, r: CloudResource) -> str | None:
    groups = _or_none(lambda: clients["elasticache"].describe_replication_groups(
        ReplicationGroupId=r.name)["ReplicationGroups"])
    return str(groups[0].get("Status", "unknown")).lower() if groups else None


def _msk_state(clients: Clients, r: CloudResource) -> str | None:
    """Listed, not described: a deleted cluster drops out of the list on AWS and on moto alike (moto answers
    a describe of a missing ARN with HTTP 500, not NotFound)."""
    for cluster in _pages(clients["kafka"], "list_clusters_v2", "ClusterInfoList", ClusterNameFilter=r.name):
        if cluster.get("ClusterArn") == r.id:
            return str(cluster.get("State", "unknown")).lower()
    return None


PROBES: dict[str, Callable[[Clients, CloudResource], str | None]] = {
    EKS_CLUSTER: _eks_cluster_state, EKS_NODEGROUP: _eks_nodegroup_state, EKS_FARGATE: _eks_fargate_state,
    EKS_ADDON: _eks_addon_state, RDS_INSTANCE: _rds_state, REDIS_GROUP: _redis_state, MSK_CLUSTER: _msk_state,
}


# ------------------------------------------------------------------------ "is it still the planned one"
# Each answers what identifies the resource now (base.check_identity's keywords), or None once it is gone.
# Called just before the delete call.

def _eks_cluster_identity(clients: Clients, r: CloudResource) -> dict | None:
    cluster = _or_none(lambda: clients["eks"].describe_cluster(name=r.name)["cluster"])
    return None if cluster is None else {"current_id": cluster.get("arn"), "created": cluster.get("createdAt")}


def _eks_nodegroup_identity(clients: Clients, r: CloudResource) -> dict | None:
    ng = _or_none(lambda: clients["eks"].describe_nodegroup(
        clusterName=r.details["cluster"], nodegroupName=r.name)["nodegroup"])
    return None if ng is None else {"current_id": ng.get("nodegroupArn"), "created": ng.get("createdAt")}


def _eks_fargate_identity(clients: Clients, r: CloudResource) -> dict | None:
    """Its ARN ends with a unique id: a profile created again under the name has another ARN."""
    fp = _eks_fargate(clients, r)
    return None if fp is None else {"current_id": fp.get("fargateProfileArn"), "created": fp.get("createdAt")}


def _eks_addon_identity(clients: Clients, r: CloudResource) -> dict | None:
    addon = _eks_addon(clients, r)
    return None if addon is None else {"current_id": addon.get("addonArn"), "created": addon.get("createdAt")}


def _rds_seen(db: dict) -> dict:
    return {"current_id": db.get("DBInstanceArn"), "created": db.get("InstanceCreateTime"),
            "uid": db.get("DbiResourceId")}


def _rds_identity_now(clients: Clients, r: CloudResource) -> dict | None:
    db = _rds_instance(clients, r)
    return None if db is None else _rds_seen(db)


def _redis_identity(clients: Clients, r: CloudResource) -> dict | None:
    groups = _or_none(lambda: clients["elasticache"].describe_replication_groups(
        ReplicationGroupId=r.name)["ReplicationGroups"])
    if not groups:
        return None
    return {"current_id": groups[0].get("ARN"), "created": _redis_created(clients["elasticache"], groups[0])}


def _msk_identity(clients: Clients, r: CloudResource) -> dict | None:
    """Its ARN holds a unique suffix: a cluster created again under the name has another ARN, and is never
    found here (so never deleted: deletion is by the planned ARN)."""
    for cluster in _pages(clients["kafka"], "list_clusters_v2", "ClusterInfoList", ClusterNameFilter=r.name):
        if cluster.get("ClusterArn") == r.id:
            return {"current_id": cluster["ClusterArn"], "created": cluster.get("CreationTime")}
    return None


IDENTITIES: dict[str, Callable[[Clients, CloudResource], dict | None]] = {
    EKS_CLUSTER: _eks_cluster_identity, EKS_NODEGROUP: _eks_nodegroup_identity, EKS_FARGATE: _eks_fargate_identity,
    EKS_ADDON: _eks_addon_identity, RDS_INSTANCE: _rds_identity_now, REDIS_GROUP: _redis_identity,
    MSK_CLUSTER: _msk_identity,
}


def wait_gone(probe: Callable[[], str | None], *, what: str, ctx: TeardownContext, step: str) -> None:
    """Wait until probe() answers None (gone). A throttled look counts as "not yet"; any other error goes
    up. After ctx.timeout a HubError names the state the resource was left in; ctx.cancel → Cancelled."""
    last = {"state": "unknown"}

    def gone() -> bool:
        try:
            state = probe()
        except Exception as e:
            if error_code(e) not in THROTTLING_CODES:
                raise
            ctx.emit(LookingAgain(what, said(ErrorLine(e))))
            return False
        if state is not None:
            last["state"] = state
        return state is None

    wait_until(gone, what=said(ToBeDeleted(what)), ctx=ctx, step=step,
               describe=lambda: LeftInState(last["state"]))


# -------------------------------------------------------------------------------------------- teardown

def teardown(plan: CloudPlan, settings: Settings, ctx: TeardownContext) -> list[ResourceOutcome]:
    """Delete exactly the plan's resources: each EKS cluster after its nodegroups and add-ons (those in
    parallel) and its Fargate profiles (one at a time), and RDS, ElastiCache and MSK in parallel with that
    chain. One outcome per plan resource, in plan order."""
    if plan.provider != "aws":
        raise UsageError(NotAnAwsPlan(plan.provider))
    todo = [r for r in plan.resources if r.id not in ctx.finished]
    clients = _clients_for(plan, todo) if todo else {}  # all finished earlier: no call at all
    return _Teardown(plan, clients, ctx).run()


def _clients_for(plan: CloudPlan, todo: list[CloudResource]) -> Clients:
    """The clients the remaining resources need, for the plan's account only: names are reused across
    accounts, and a delete by name with other credentials would hit a resource nobody was shown."""
    session = _session(plan.region)
    account = _account(session)
    if _identity(account) != plan.identity:
        raise HubError(OtherAwsAccount(account, plan.identity))
    services = sorted({SERVICES[r.kind] for r in todo if r.kind in SERVICES})
    return {service: _client(session, service) for service in services}  # made here: not thread-safe


@dataclass
class _Attempt:
    """One resource's deletion under way: what the outcome's detail must mention if it stops early."""
    resource: CloudResource
    step: str
    requested: bool = False  # the delete call was sent: on cancel it may still be deleting
    notes: list = field(default_factory=list)  # changes already made (ProtectionSwitchedOff), said first


class _Teardown:
    def __init__(self, plan: CloudPlan, clients: Clients, ctx: TeardownContext):
        self.plan = plan
        self.clients = clients
        self._lock = threading.Lock()
        self._outcomes: dict[str, ResourceOutcome] = {}
        self.ctx = ctx.serialised()  # emit and record are called from several threads
        self._handlers = {EKS_CLUSTER: self._delete_simple, EKS_NODEGROUP: self._delete_simple,
                          EKS_FARGATE: self._delete_simple, EKS_ADDON: self._delete_simple,
                          RDS_INSTANCE: self._delete_rds, REDIS_GROUP: self._delete_redis,
                          MSK_CLUSTER: self._delete_simple}

    # --- scheduling

    def run(self) -> list[ResourceOutcome]:
        jobs = self._jobs()
        with ThreadPoolExecutor(max_workers=max(1, len(jobs)), thread_name_prefix="aws-teardown") as pool:
            for future in [pool.submit(job) for job in jobs]:
                future.result()
        return [self._outcomes.get(r.id) or ResourceOutcome(r, SKIPPED, (NotReached(),))
                for r in self.plan.resources]

    def _jobs(self) -> list[Callable[[], object]]:
        """One chain per EKS cluster (its nodegroups, Fargate profiles and add-ons, then it); every other
        resource on its own (the Fargate profiles of one cluster, wherever they are, one at a time)."""
        clusters = [r for r in self.plan.resources if r.kind == EKS_CLUSTER]
        chained = {c.name for c in clusters}
        jobs: list[Callable[[], object]] = []
        for cluster in clusters:
            parts = [r for r in self.plan.resources
                     if r.kind in EKS_PARTS and r.details.get("cluster") == cluster.name]
            jobs.append(partial(self._eks_chain, cluster, parts))
        loose_profiles: dict[str, list[CloudResource]] = {}
        for r in self.plan.resources:
            if r.kind == EKS_CLUSTER or (r.kind in EKS_PARTS and r.details.get("cluster") in chained):
                continue
            if r.kind == EKS_FARGATE:
                loose_profiles.setdefault(r.details.get("cluster", ""), []).append(r)
                continue
            jobs.append(partial(self._one, r))
        for profiles in loose_profiles.values():
            jobs.append(partial(self._fargate_in_turn, profiles))
        return jobs

    def _eks_chain(self, cluster: CloudResource, parts: list[CloudResource]) -> None:
        """The parts in parallel (the Fargate profiles as one task, one after the other), then the cluster
        once every part is gone."""
        profiles = [p for p in parts if p.kind == EKS_FARGATE]

        def alone(part: CloudResource) -> list[ResourceOutcome]:
            return [self._one(part)]

        tasks: list[Callable[[], list[ResourceOutcome]]] = [
            partial(alone, p) for p in parts if p.kind != EKS_FARGATE]
        if profiles:
            tasks.append(lambda: self._fargate_in_turn(profiles))
        with ThreadPoolExecutor(max_workers=max(1, len(tasks)), thread_name_prefix="aws-eks-part") as pool:
            outcomes = [o for found in pool.map(lambda task: task(), tasks) for o in found]
        left = [o for o in outcomes if not (o.finished or o.resource.id in self.ctx.finished)]
        failed = [o.resource for o in left if o.outcome == FAILED]
        if failed:
            kinds = [k for k in EKS_PARTS if any(p.kind == k for p in parts)]
            self._skip(cluster, PartsFailed(tuple(p.name for p in failed), tuple(p.kind for p in failed), tuple(kinds)))
        elif left:
            self._skip(cluster, PartsLeft(tuple(k for k in EKS_PARTS if any(o.resource.kind == k for o in left))))
        else:
            self._one(cluster)

    def _fargate_in_turn(self, profiles: list[CloudResource]) -> list[ResourceOutcome]:
        """AWS deletes one Fargate profile of a cluster at a time (a second delete is refused while one is
        DELETING): one after the other, each waited on until gone. One that an earlier run left deleting
        goes first, so that its end is awaited before the next delete is sent."""
        todo = [p for p in profiles if p.id not in self.ctx.finished and not self.ctx.cancel.is_set()]
        deleting = set()
        for p in todo if len(todo) > 1 else ():
            try:
                if PROBES[EKS_FARGATE](self.clients, p) in DELETING_STATES:
                    deleting.add(p.id)
            except Exception:  # noqa: BLE001 - the deletion itself will look again and report it
                pass
        ordered = sorted(profiles, key=lambda p: p.id not in deleting)
        return [self._one(p) for p in ordered]

    # --- one resource

    def _one(self, r: CloudResource) -> ResourceOutcome:
        life = Lifecycle("aws", r, self.ctx)
        if (early := life.before()) is not None:
            return self._store(early)
        life.start()
        attempt = _Attempt(r, life.step)
        try:
            handler = self._handlers.get(r.kind)
            if handler is None:
                raise HubError(AwsCannotDelete(r.kind))
            outcome, facts = handler(attempt)
        except Cancelled:
            outcome, facts = SKIPPED, (StillDeleting() if attempt.requested else StoppedBefore("request"),)
        except Exception as e:  # noqa: BLE001  (HubError, a ClientError, retries run out, a timed-out wait)
            outcome, facts = FAILED, (CloudError(said(ErrorLine(e))),)
        life.requested = attempt.requested
        return self._store(life.end(outcome, *attempt.notes, *facts))

    def _skip(self, r: CloudResource, why: ResourceSaid) -> ResourceOutcome:
        """Held back: no call made, not recorded."""
        return self._store(Lifecycle("aws", r, self.ctx).held_back(why))

    def _store(self, outcome: ResourceOutcome) -> ResourceOutcome:
        with self._lock:
            self._outcomes[outcome.resource.id] = outcome
        return outcome

    # --- the steps every kind shares

    def _state(self, attempt: _Attempt) -> str | None:
        r = attempt.resource
        return retry(lambda: PROBES[r.kind](self.clients, r), retryable=is_retryable,
                     what=said(AwsDescribe(attempt.step)), ctx=self.ctx)

    def _still_planned(self, attempt: _Attempt) -> bool:
        """Describe it once more just before the delete: False if it is gone; Recreated (a failure, no
        delete call) if what answers under its name is not what the plan saw."""
        r = attempt.resource
        seen = retry(lambda: IDENTITIES[r.kind](self.clients, r), retryable=is_retryable,
                     what=said(AwsDescribe(attempt.step)), ctx=self.ctx)
        if seen is None:
            return False
        check_identity(r, **seen)
        return True

    def _request(self, attempt: _Attempt, delete: Callable[[], Any]) -> bool:
        """Send the delete (retried while throttled or busy; a stop before it sends nothing). False if it was
        already gone."""
        def sending() -> None:  # where a hard stop's pass (base.teardown) reads it too: recorded, "deleting"
            attempt.requested = True
            self.ctx.changed.add(attempt.resource.id)
            self.ctx.deleting.add(attempt.resource.id)

        try:
            retry(delete, retryable=is_retryable, what=said(AwsDelete(attempt.step)), ctx=self.ctx,
                  on_send=sending)
        except Exception as e:
            if is_not_found(e):
                return False
            raise
        return True

    def _wait(self, attempt: _Attempt) -> None:
        r = attempt.resource
        wait_gone(lambda: PROBES[r.kind](self.clients, r), what=r.label(), ctx=self.ctx, step=attempt.step)

    def _delete_simple(self, attempt: _Attempt) -> tuple[str, tuple]:
        return self._delete_with(attempt, self._delete_call(attempt.resource))

    def _delete_with(self, attempt: _Attempt, delete: Callable[[], Any]) -> tuple[str, tuple]:
        """Look first (gone, or already deleting: nothing to send), check it is still the planned one (else
        Recreated: a failure, no delete call), delete, wait until it is gone."""
        state = self._state(attempt)
        if state is None:
            return GONE, (AlreadyGone(),)
        if state in DELETING_STATES:
            self._wait(attempt)
            return GONE, (AlreadyGone(was_deleting=True),)
        if not self._still_planned(attempt) or not self._request(attempt, delete):
            return GONE, (AlreadyGone(),)
        self._wait(attempt)
        return DELETED, ()

    def _delete_call(self, r: CloudResource) -> Callable[[], Any]:
        if r.kind == EKS_NODEGROUP:
            return lambda: self.clients["eks"].delete_nodegroup(clusterName=r.details["cluster"],
                                                                nodegroupName=r.name)
        if r.kind == EKS_FARGATE:
            return lambda: self.clients["eks"].delete_fargate_profile(clusterName=r.details["cluster"],
                                                                      fargateProfileName=r.name)
        if r.kind == EKS_ADDON:
            return lambda: self.clients["eks"].delete_addon(clusterName=r.details["cluster"], addonName=r.name)
        if r.kind == EKS_CLUSTER:
            return lambda: self.clients["eks"].delete_cluster(name=r.name)
        if r.kind == MSK_CLUSTER:
            return lambda: self.clients["kafka"].delete_cluster(ClusterArn=r.id)
        raise HubError(AwsCannotDelete(r.kind))

    def _delete_redis(self, attempt: _Attempt) -> tuple[str, tuple]:
        """With a final snapshot `<id>-final-<UTC time>` (unless the operator chose none), as RDS."""
        name = attempt.resource.name
        snapshot = self._snapshot_name(name) if self.ctx.final_snapshot else None
        params = {"FinalSnapshotIdentifier": snapshot} if snapshot else {}
        outcome, facts = self._delete_with(attempt, lambda: self.clients["elasticache"].delete_replication_group(
            ReplicationGroupId=name, RetainPrimaryCluster=False, **params))
        if outcome == DELETED:
            facts = (self._redis_snapshot(snapshot) if snapshot else NoFinalSnapshot(),)
        return outcome, facts

    def _redis_snapshot(self, snapshot: str) -> FinalSnapshot:
        """Name the final snapshot, and say so loudly if AWS does not list it."""
        try:
            found = self.clients["elasticache"].describe_snapshots(SnapshotName=snapshot)["Snapshots"]
        except Exception as e:  # noqa: BLE001
            if error_code(e) not in ("SnapshotNotFoundFault", "SnapshotNotFound"):
                return FinalSnapshot(snapshot, check_error=said(ErrorLine(e)))
            found = []
        if not found:
            self.ctx.emit(SnapshotNotListed("ElastiCache", snapshot))
            return FinalSnapshot(snapshot, listed=False)
        return FinalSnapshot(snapshot, found[0].get("SnapshotStatus", "unknown"))

    # --- RDS: deletion protection and the final snapshot

    def _delete_rds(self, attempt: _Attempt) -> tuple[str, tuple]:
        r = attempt.resource
        db = retry(lambda: _rds_instance(self.clients, r), retryable=is_retryable,
                   what=said(AwsDescribe(attempt.step)), ctx=self.ctx)
        if db is not None:
            check_identity(r, **_rds_seen(db))  # before anything is changed on it
        if db is not None and db.get("DeletionProtection") and \
                str(db.get("DBInstanceStatus", "")).lower() not in DELETING_STATES:
            self._switch_off_protection(attempt)
        snapshot = self._snapshot_name(r.name) if self.ctx.final_snapshot else None
        params = {"FinalDBSnapshotIdentifier": snapshot} if snapshot else {"SkipFinalSnapshot": True}
        # the automated backups stay (for their retention period): a restore to a point in time stays possible
        outcome, facts = self._delete_with(attempt, lambda: self.clients["rds"].delete_db_instance(
            DBInstanceIdentifier=r.name, DeleteAutomatedBackups=False, **params))
        if outcome == DELETED:
            facts = (self._rds_snapshot(snapshot) if snapshot else NoFinalSnapshot(),)
        return outcome, facts

    def _switch_off_protection(self, attempt: _Attempt) -> None:
        """Only with the operator's confirmation, and only if the plan showed the protection (a protection
        switched on after the plan was shown has not been confirmed by anyone)."""
        r = attempt.resource
        if not r.details.get("deletion_protection"):  # first: no confirmation covers what nobody was shown
            raise HubError(RdsProtectionSwitchedOn())
        if not self.ctx.allow_disable_deletion_protection:
            raise HubError(RdsProtectionOn())
        retry(lambda: self.clients["rds"].modify_db_instance(
            DBInstanceIdentifier=r.name, DeletionProtection=False, ApplyImmediately=True),
            retryable=is_retryable, what=said(AwsSwitchOff(attempt.step)), ctx=self.ctx,
            on_send=lambda: self.ctx.changed.add(r.id))
        attempt.notes.append(ProtectionSwitchedOff())
        self.ctx.notes.setdefault(r.id, []).append(ProtectionSwitchedOff())  # for a hard stop's pass
        self.ctx.emit(ProtectionOff(f"RDS {r.name}", done=True))

    @staticmethod
    def _snapshot_name(instance: str) -> str:
        return f"{instance}-final-{datetime.now(UTC).strftime('%Y%m%d%H%M%S')}"

    def _rds_snapshot(self, snapshot: str) -> FinalSnapshot:
        """Name the final snapshot, and say so loudly if AWS does not list it."""
        try:
            found = self.clients["rds"].describe_db_snapshots(DBSnapshotIdentifier=snapshot)["DBSnapshots"]
        except Exception as e:  # noqa: BLE001
            if error_code(e) not in ("DBSnapshotNotFound", "DBSnapshotNotFoundFault"):
                return FinalSnapshot(snapshot, check_error=said(ErrorLine(e)))
            found = []
        if not found:
            self.ctx.emit(SnapshotNotListed("RDS", snapshot))
            return FinalSnapshot(snapshot, listed=False)
        return FinalSnapshot(snapshot, found[0].get("Status", "unknown"))
