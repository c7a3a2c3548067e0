"""AWS stand-in: moto's standalone server, reached over HTTP like the real AWS.

`moto_server` starts one ThreadedMotoServer per session. `aws` resets its state for each test, points this
process at it (AWS_ENDPOINT_URL, dummy keys, a region) and offers helpers that create the hub's resources
by name and/or tag. `aws.env` is what a child process (the TUI under a pty, the headless CLI) needs on top
of an environment without the operator's AWS_* variables; in-process @mock_aws would not reach a child.

One gap of moto 5.2 is filled here, because a test must be able to see it: DeleteReplicationGroup ignores
FinalSnapshotIdentifier (AWS takes that snapshot before deleting the group). The server runs in this process,
so its ElastiCache handler is taught to take the snapshot first, through moto's own create_snapshot: after a
delete that asked for one, describe_snapshots lists it, as on AWS. A delete without it takes none.

EKS is taught the same way (`_eks_as_on_aws`) what moto 5.2 lacks:
- managed add-ons (CreateAddon, ListAddons, DescribeAddon, DeleteAddon: moto has no add-on routes at all),
  kept on moto's own cluster object, so they go with the cluster and with a reset;
- Fargate profiles that are deleted as on AWS: DeleteFargateProfile leaves the profile DELETING for one more
  look (a describe), then it is gone; a second delete in the same cluster while one is DELETING is refused with
  ResourceInUseException; and DeleteCluster is refused (ResourceInUseException) while the cluster still has
  Fargate profiles, as it already is for nodegroups. A deleted add-on is DELETING for one look too.
`eks_calls` records the EKS requests moto answers (operation, cluster, name), in order, for tests.
"""

from __future__ import annotations

import logging
import threading
import urllib.request
import uuid
from dataclasses import dataclass, field
from datetime import datetime, UTC

import pytest

__all__ = ["moto_server", "aws", "eks_calls"]  # the fixtures; tests import MotoAWS from here when they need the type

REGION = "us-east-1"
ACCOUNT = "123456789012"  # moto's account for any dummy key
ROLE = f"arn:aws:iam::{ACCOUNT}:role/hub"


_CLIENTS: dict[tuple[str, str, str], object] = {}


def _client(endpoint: str, region: str, service: str):
    """Kept for the session: making a client loads its service model, which costs ~0.1 s every time."""
    key = (endpoint, region, service)
    if key not in _CLIENTS:
        import boto3

        _CLIENTS[key] = boto3.session.Session().client(
            service, region_name=region, endpoint_url=endpoint,
            aws_access_key_id="testing", aws_secret_access_key="testing")
    return _CLIENTS[key]


def _final_snapshots_on_delete():
    """Make moto's DeleteReplicationGroup take the FinalSnapshotIdentifier snapshot, as AWS does. Returns
    the function that undoes it."""
    from moto.elasticache.responses import ElastiCacheResponse

    real = ElastiCacheResponse.delete_replication_group

    def delete_replication_group(self):
        snapshot = self._get_param("FinalSnapshotIdentifier")
        if snapshot:  # a missing group raises ReplicationGroupNotFound here, as the delete itself would
            self.elasticache_backend.create_snapshot(
                snapshot_name=snapshot, replication_group_id=self._get_param("ReplicationGroupId"),
                cache_cluster_id=None, kms_key_id=None, tags=None)
        return real(self)

    ElastiCacheResponse.delete_replication_group = delete_replication_group
    return lambda: setattr(ElastiCacheResponse, "delete_replication_group", real)


EKS_CALLS: list[tuple[str, str, str]] = []  # (operation, cluster, name) as moto's EKS answered them, in order
_EKS_CALLS_LOCK = threading.Lock()
_LOOKS_WHILE_DELETING = 1  # describes that still see a deleted Fargate profile or add-on (DELETING)


def _eks_as_on_aws():
    """Teach moto's EKS managed add-ons and AWS's way of deleting Fargate profiles (see the module's
    docstring). Returns the function that undoes it."""
    from moto.eks import models, responses, urls
    from moto.eks.exceptions import ResourceInUseException, ResourceNotFoundException

    Backend, Response = models.EKSBackend, responses.EKSResponse
    saved_paths = dict(urls.url_paths)
    saved = {name: getattr(Backend, name) for name in ("delete_fargate_profile", "describe_fargate_profile")}
    saved_response = {name: Response.__dict__.get(name) for name in
                      ("create_addon", "list_addons", "describe_addon", "delete_addon", "delete_cluster",
                       "delete_fargate_profile", "describe_fargate_profile", "delete_nodegroup")}
    real_validate = models.validate_safe_to_delete

    def note(operation: str, cluster: str, name: str = "") -> None:
        with _EKS_CALLS_LOCK:
            EKS_CALLS.append((operation, cluster or "", name or ""))

    def not_found(cluster: str, message: str, **names) -> ResourceNotFoundException:
        return ResourceNotFoundException(clusterName=cluster, nodegroupName=None, fargateProfileName=None,
                                         addonName=names.get("addon"), message=message)

    def cluster_of(backend, name: str):
        cluster = backend.clusters.get(name)
        if cluster is None:
            raise not_found(name, f"No cluster found for name: {name}.")
        if not hasattr(cluster, "hubtui_addons"):
            cluster.hubtui_addons = {}
        return cluster

    # --- Fargate profiles: DELETING for a look, one at a time, and they hold their cluster back
    def delete_fargate_profile(self, cluster_name: str, fargate_profile_name: str):
        cluster = self.clusters.get(cluster_name)
        profile = cluster.fargate_profiles.get(fargate_profile_name) if cluster else None
        if profile is None:
            return saved["delete_fargate_profile"](self, cluster_name, fargate_profile_name)  # its NotFound
        busy = [p for p in cluster.fargate_profiles.values() if p is not profile and p.status == "DELETING"]
        if busy:
            raise ResourceInUseException(
                clusterName=cluster_name, nodegroupName=None, addonName=None,
                message=f"Cannot delete Fargate Profile {fargate_profile_name} because Fargate Profile "
                        f"{busy[0].fargate_profile_name} is currently being deleted")
        if profile.status != "DELETING":
            profile.status = "DELETING"
            profile.hubtui_looks = _LOOKS_WHILE_DELETING
        return profile

    def describe_fargate_profile(self, cluster_name: str, fargate_profile_name: str):
        profile = saved["describe_fargate_profile"](self, cluster_name, fargate_profile_name)
        if profile.status == "DELETING":
            if profile.hubtui_looks > 0:
                profile.hubtui_looks -= 1
                return profile
            saved["delete_fargate_profile"](self, cluster_name, fargate_profile_name)  # gone now
            return saved["describe_fargate_profile"](self, cluster_name, fargate_profile_name)  # its NotFound
        return profile

    def validate_safe_to_delete(cluster) -> None:
        real_validate(cluster)
        if cluster.fargate_profiles:
            raise ResourceInUseException(
                clusterName=cluster.name, nodegroupName=None, addonName=None,
                message=f"Cluster has Fargate profiles attached: {','.join(cluster.fargate_profiles)}")

    # --- managed add-ons (moto has none)
    def create_addon(self):
        cluster_name = self._get_param("clusterName") or self._get_param("name")
        name = self._get_param("addonName")
        cluster = cluster_of(self.eks_backend, cluster_name)
        if name in cluster.hubtui_addons:
            raise ResourceInUseException(clusterName=cluster_name, nodegroupName=None, addonName=name,
                                         message=f"Addon already exists with name: {name}")
        now = datetime.now(UTC)
        addon = {"addonName": name, "clusterName": cluster_name, "status": "ACTIVE",
                 "addonVersion": self._get_param("addonVersion") or "v1.0.0-eksbuild.1",
                 "addonArn": f"arn:aws:eks:{self.region}:{self.current_account}:addon/{cluster_name}/{name}/"
                             f"{uuid.uuid4()}",
                 "createdAt": now, "modifiedAt": now, "tags": self._get_param("tags") or {}, "health": {"issues": []}}
        cluster.hubtui_addons[name] = addon
        note("CreateAddon", cluster_name, name)
        return responses.ActionResult({"addon": addon})

    def list_addons(self):
        cluster_name = self._get_param("clusterName") or self._get_param("name")
        note("ListAddons", cluster_name)
        cluster = cluster_of(self.eks_backend, cluster_name)
        return responses.ActionResult({"addons": sorted(cluster.hubtui_addons)})

    def addon_of(self, operation: str, delete: bool = False) -> tuple[str, str, dict]:
        cluster_name = self._get_param("clusterName") or self._get_param("name")
        name = self._get_param("addonName")
        note(operation, cluster_name, name)
        cluster = cluster_of(self.eks_backend, cluster_name)
        addon = cluster.hubtui_addons.get(name)
        if addon is not None and addon["status"] == "DELETING" and not delete:
            if addon["hubtui_looks"] > 0:
                addon["hubtui_looks"] -= 1
            else:
                del cluster.hubtui_addons[name]
                addon = None
        if addon is None:
            raise not_found(cluster_name, f"No addon: {name} found in cluster: {cluster_name}", addon=name)
        return cluster_name, name, addon

    def describe_addon(self):
        cluster_name, name, addon = addon_of(self, "DescribeAddon")
        return responses.ActionResult({"addon": {k: v for k, v in addon.items() if not k.startswith("hubtui")}})

    def delete_addon(self):
        cluster_name, name, addon = addon_of(self, "DeleteAddon", delete=True)
        if addon["status"] != "DELETING":
            addon.update(status="DELETING", hubtui_looks=_LOOKS_WHILE_DELETING)
        return responses.ActionResult({"addon": {k: v for k, v in addon.items() if not k.startswith("hubtui")}})

    def recorded(operation: str, cluster_param: str = "name", name_param: str | None = None):
        """moto's own handler, with the request noted in EKS_CALLS first."""
        real = getattr(Response, camel_to_snake(operation))

        def handler(self):
            note(operation, self._get_param(cluster_param), self._get_param(name_param) if name_param else "")
            return real(self)
        return handler

    def camel_to_snake(name: str) -> str:
        return "".join(f"_{c.lower()}" if c.isupper() else c for c in name).lstrip("_")

    handlers = {"delete_cluster": recorded("DeleteCluster"),
                "delete_fargate_profile": recorded("DeleteFargateProfile", name_param="fargateProfileName"),
                "describe_fargate_profile": recorded("DescribeFargateProfile", name_param="fargateProfileName"),
                "delete_nodegroup": recorded("DeleteNodegroup", name_param="nodegroupName")}
    for name, handler in {**handlers, "create_addon": create_addon, "list_addons": list_addons,
                          "describe_addon": describe_addon, "delete_addon": delete_addon}.items():
        setattr(Response, name, handler)
    Backend.delete_fargate_profile = delete_fargate_profile
    Backend.describe_fargate_profile = describe_fargate_profile
    models.validate_safe_to_delete = validate_safe_to_delete
    urls.url_paths["{0}/clusters/(?P<name>[^/]+)/addons$"] = urls.response.dispatch
    urls.url_paths["{0}/clusters/(?P<name>[^/]+)/addons/(?P<addonName>[^/]+)$"] = urls.response.dispatch

    def undo() -> None:
        urls.url_paths.clear()
        urls.url_paths.update(saved_paths)
        models.validate_safe_to_delete = real_validate
        for name, fn in saved.items():
            setattr(Backend, name, fn)
        for name, fn in saved_response.items():
            if fn is None:
                delattr(Response, name)
            else:
                setattr(Response, name, fn)
    return undo


@pytest.fixture
def eks_calls() -> list[tuple[str, str, str]]:
    """The EKS requests moto answers from now on (operation, cluster, name), in the order it answered them."""
    with _EKS_CALLS_LOCK:
        EKS_CALLS.clear()
    return EKS_CALLS


@pytest.fixture(scope="session")
def moto_server():
    """The endpoint URL of moto's server, started once per session on a free port."""
    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # one access-log line per request otherwise
    undo = _final_snapshots_on_delete()
    undo_eks = _eks_as_on_aws()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()
        undo()
        undo_eks()


@dataclass
class MotoAWS:
    """The moto server as a test sees it, with helpers to create what the old tool created."""

    endpoint: str
    region: str = REGION
    account: str = ACCOUNT
    env: dict[str, str] = field(default_factory=dict)

    def client(self, service: str):
        """A boto3 client on moto, for the test's own set-up and checks (not hubtui's)."""
        return _client(self.endpoint, self.region, service)

    def create_eks(self, name: str, nodegroups: tuple[str, ...] = ("workers",),
                   tags: dict[str, str] | None = None) -> str:
        """An EKS cluster with its nodegroups (tagged like the cluster); returns the cluster's ARN."""
        eks = self.client("eks")
        arn = eks.create_cluster(name=name, roleArn=ROLE, resourcesVpcConfig={"subnetIds": ["subnet-1"]},
                                 tags=tags or {})["cluster"]["arn"]
        for ng in nodegroups:
            eks.create_nodegroup(clusterName=name, nodegroupName=ng, nodeRole=ROLE, subnets=["subnet-1"],
                                 tags=tags or {})
        return arn

    def create_fargate_profile(self, cluster: str, name: str, *, namespaces: tuple[str, ...] = ("default",),
                               tags: dict[str, str] | None = None) -> str:
        """A Fargate profile of the cluster; returns its ARN."""
        return self.client("eks").create_fargate_profile(
            fargateProfileName=name, clusterName=cluster, podExecutionRoleArn=ROLE, subnets=["subnet-1"],
            selectors=[{"namespace": ns} for ns in namespaces], tags=tags or {})["fargateProfile"]["fargateProfileArn"]

    def create_addon(self, cluster: str, name: str, *, tags: dict[str, str] | None = None) -> str:
        """A managed add-on of the cluster (served by the stand-in: moto has none); returns its ARN."""
        return self.client("eks").create_addon(clusterName=cluster, addonName=name,
                                               tags=tags or {})["addon"]["addonArn"]

    def create_rds(self, identifier: str, *, deletion_protection: bool = False,
                   tags: dict[str, str] | None = None) -> str:
        """A PostgreSQL instance; returns its ARN."""
        return self.client("rds").create_db_instance(
            DBInstanceIdentifier=identifier, DBInstanceClass="db.t3.micro", Engine="postgres",
            AllocatedStorage=20, MasterUsername="postgres", MasterUserPassword="not-a-secret-1",
            DeletionProtection=deletion_protection,
            Tags=[{"Key": k, "Value": v} for k, v in (tags or {}).items()])["DBInstance"]["DBInstanceArn"]

    def create_redis(self, group_id: str, *, tags: dict[str, str] | None = None) -> str:
        """An ElastiCache (Redis) replication group; returns its ARN."""
        return self.client("elasticache").create_replication_group(
            ReplicationGroupId=group_id, ReplicationGroupDescription="hub redis", Engine="redis",
            CacheNodeType="cache.t3.micro", NumCacheClusters=1,
            Tags=[{"Key": k, "Value": v} for k, v in (tags or {}).items()])["ReplicationGroup"]["ARN"]

    def create_msk(self, name: str, *, tags: dict[str, str] | None = None) -> str:
        """A provisioned MSK cluster (moto leaves it CREATING); returns its ARN."""
        return self.client("kafka").create_cluster_v2(
            ClusterName=name, Tags=tags or {},
            Provisioned={"BrokerNodeGroupInfo": {"InstanceType": "kafka.m5.large",
                                                 "ClientSubnets": ["subnet-1", "subnet-2"]},
                         "KafkaVersion": "3.5.1", "NumberOfBrokerNodes": 2})["ClusterArn"]

    def create_hub(self, environment: str, *, by_name: bool = True, by_tag: bool = True,
                   nodegroups: tuple[str, ...] = ("workers",),
                   deletion_protection: bool = False) -> dict[str, str]:
        """Everything the old tool created for an environment: named after the cluster (by_name), tagged
        environment=<env> (by_tag), or both. Without by_name the names carry an unrelated prefix.
        Returns kind -> ARN (eks-cluster, rds-instance, elasticache-replication-group, msk-cluster)."""
        base = f"llm-analytics-hub-{environment}" if by_name else f"other-{environment}"
        tags = {"environment": environment} if by_tag else {}
        return {
            "eks-cluster": self.create_eks(base, nodegroups, tags),
            "rds-instance": self.create_rds(f"{base}-postgres", deletion_protection=deletion_protection,
                                            tags=tags),
            "elasticache-replication-group": self.create_redis(f"{base}-redis", tags=tags),
            "msk-cluster": self.create_msk(f"{base}-kafka", tags=tags),
        }


@pytest.fixture
def aws(moto_server, monkeypatch) -> MotoAWS:
    """A fresh moto (state reset) that boto3 in this process and in children reaches instead of AWS."""
    urllib.request.urlopen(urllib.request.Request(f"{moto_server}/moto-api/reset", method="POST"),
                           timeout=10).close()
    env = {
        "AWS_ENDPOINT_URL": moto_server,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_REGION": REGION,  # what hubtui's Settings reads
        "AWS_DEFAULT_REGION": REGION,  # what boto3 itself reads
        "AWS_EC2_METADATA_DISABLED": "true",  # never wait for an instance metadata service
    }
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    monkeypatch.delenv("AWS_SESSION_TOKEN", raising=False)
    return MotoAWS(endpoint=moto_server, env=env)
