"""AWS stand-in: moto's standalone server, reached over HTTP like the real AWS.

`moto_server` starts one ThreadedMotoServer per session. `aws` resets its state for each test, points this
process at it (AWS_ENDPOINT_URL, dummy keys, a region) and offers helpers that create the hub's resources
by name and/or tag. `aws.env` is what a child process (the TUI under a pty, the headless CLI) needs on top
of an environment without the operator's AWS_* variables; in-process @mock_aws would not reach a child.

One gap of moto 5.2 is filled here, because a test must be able to see it: DeleteReplicationGroup ignores
FinalSnapshotIdentifier (AWS takes that snapshot before deleting the group). The server runs in this process,
so its ElastiCache handler is taught to take the snapshot first, through moto's own create_snapshot: after a
delete that asked for one, describe_snapshots lists it, as on AWS. A delete without it takes none.
"""

from __future__ import annotations

import logging
import urllib.request
from dataclasses import dataclass, field

import pytest

__all__ = ["moto_server", "aws"]  # the fixtures; tests import MotoAWS from here when they need the type

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


@pytest.fixture(scope="session")
def moto_server():
    """The endpoint URL of moto's server, started once per session on a free port."""
    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # one access-log line per request otherwise
    undo = _final_snapshots_on_delete()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()
        undo()


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
