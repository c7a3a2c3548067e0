"""hubtui.cloud.aws against moto's server, over HTTP (no @mock_aws), plus the waiter driven by fake probes.

Where moto differs from AWS (CLOUD-TESTING.md) the tests do not lean on it: the ElastiCache "gone" probe is
replaced by one that says gone once the deletion was requested, and waiter timeouts use fake probes.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import threading
import time
from types import SimpleNamespace

import pytest

from hubtui.present.risks import risk_words
from hubtui.cloud import aws as aws_mod
from hubtui.cloud.base import (DELETED, FAILED, GONE, SKIPPED, Cancelled, CloudPlan, TeardownContext,
                               cluster_name, retry)
from hubtui.errors import HubError
from hubtui.events import Progress, StepDone, StepFailed, StepStarted
from hubtui.facts import Waiting
from hubtui.settings import Settings
from hubtui.present.events import step_words
from tests.said import lines

ENV = "dev"
CLUSTER = cluster_name(ENV)
RDS = f"{CLUSTER}-postgres"
MSK_NOT_SAVED = (f"msk-cluster {CLUSTER}-kafka: MSK keeps no snapshot and hubtui saves no topic data from it: its "
                 "messages are lost with it (only Kafka in the namespace is saved, best effort)")


def words(outcome) -> str:
    """What came of a resource, as the summary and the journal say it."""
    from hubtui.present.cloud import resource_words

    return resource_words(outcome.said)


# ------------------------------------------------------------------------------------------- helpers

class Calls:
    """Every AWS operation hubtui's clients send (service, operation, parameters), and injected errors."""

    def __init__(self):
        self.seen: list[tuple[str, str, dict]] = []
        self._faults: dict[str, list] = {}  # operation -> [error code, times left (None: always)]
        self._lock = threading.Lock()

    def fail(self, operation: str, code: str, times: int | None = None) -> None:
        self._faults[operation] = [code, times]

    def ops(self, service: str | None = None) -> list[str]:
        return [op for s, op, _ in self.seen if service in (None, s)]

    def attach(self, client, service: str) -> None:
        client.meta.events.register("before-parameter-build", self._record(service))
        client.meta.events.register("before-call", self._inject)

    def _record(self, service: str):
        def record(params, model, **_):
            with self._lock:
                self.seen.append((service, model.name, dict(params)))
        return record

    def _inject(self, model, **_):
        with self._lock:
            fault = self._faults.get(model.name)
            if not fault or fault[1] == 0:
                return None
            if fault[1] is not None:
                fault[1] -= 1
        return (SimpleNamespace(status_code=400, headers={}),
                {"Error": {"Code": fault[0], "Message": f"injected {fault[0]}"}, "ResponseMetadata": {}})


@pytest.fixture
def calls(aws, monkeypatch) -> Calls:
    """Wraps aws._client, the one place hubtui makes boto3 clients."""
    recorder = Calls()
    real = aws_mod._client

    def client(session, service):
        c = real(session, service)
        recorder.attach(c, service)
        return c

    monkeypatch.setattr(aws_mod, "_client", client)
    return recorder


@pytest.fixture
def redis_finishes(monkeypatch):
    """moto never finishes deleting a replication group; AWS does. Once the deletion was requested (moto
    says "deleting"), this probe answers gone."""
    real = aws_mod.PROBES[aws_mod.REDIS_GROUP]

    def probe(clients, r):
        state = real(clients, r)
        return None if state in (None, "deleting") else state

    monkeypatch.setitem(aws_mod.PROBES, aws_mod.REDIS_GROUP, probe)


def settings() -> Settings:
    return Settings.from_env()


def fast_ctx(**kw) -> tuple[TeardownContext, list, list]:
    events: list = []
    recorded: list = []
    defaults = dict(emit=events.append, record=recorded.append, poll_interval=0.01, timeout=5.0,
                    retry_attempts=4, retry_base_delay=0.001)
    return TeardownContext(**{**defaults, **kw}), events, recorded


def by_kind(items, kind: str):
    """The outcomes (or plan resources) of one kind."""
    return [o for o in items if getattr(o, "resource", o).kind == kind]


def one(outcomes, kind: str):
    found = by_kind(outcomes, kind)
    assert len(found) == 1, found
    return found[0]


def rds_exists(aws, name: str = RDS) -> dict | None:
    found = [d for d in aws.client("rds").describe_db_instances()["DBInstances"]
             if d["DBInstanceIdentifier"] == name]
    return found[0] if found else None


# ------------------------------------------------------------------------------------------ discovery

def test_discovery_by_name_and_tag_finds_the_hub_with_arns_identity_and_region(aws):
    arns = aws.create_hub(ENV, nodegroups=("workers", "gpu"))
    aws.create_hub("prod")  # another environment: never part of dev's plan

    plan = aws_mod.discover(ENV, settings())

    assert (plan.provider, plan.identity, plan.region) == ("aws", "AWS account 123456789012", "us-east-1")
    ids = {r.kind: r.id for r in plan.resources if r.kind != "eks-nodegroup"}
    assert ids == arns
    nodegroups = by_kind(plan.resources, "eks-nodegroup")
    assert sorted(n.name for n in nodegroups) == ["gpu", "workers"]
    assert all(n.details["cluster"] == CLUSTER and n.id.startswith("arn:aws:eks:") for n in nodegroups)
    assert {r.matched_by for r in plan.resources} == {"name+tag"}
    assert not any("prod" in r.name for r in plan.resources)
    assert risk_words(plan) == (MSK_NOT_SAVED,)  # MSK keeps no snapshot: its data is named as lost
    rds = one(plan.resources, "rds-instance").details
    assert (rds["engine"], rds["allocated_storage_gb"], rds["deletion_protection"]) == ("postgres", 20, False)
    assert CloudPlan.from_dict(plan.to_dict()) == plan  # the plan survives the journal


def test_other_clusters_endpoints_are_kept_as_contrary_evidence(aws):
    from hubtui.ops.cleanup.evidence import CONTRARY, gather
    from hubtui.present.evidence import fact_text

    aws.create_hub(ENV)
    aws.create_hub("prod")
    plan = aws_mod.discover(ENV, settings())
    prod = aws.client("eks").describe_cluster(name="llm-analytics-hub-prod")["cluster"]["endpoint"]
    ours = one(plan.resources, "eks-cluster").details["endpoint"]
    assert plan.other_endpoints == {"eks-cluster llm-analytics-hub-prod": prod}
    assert plan.planned_endpoints == {f"eks-cluster {CLUSTER}": ours}
    assert CloudPlan.from_dict(plan.to_dict()) == plan
    # a kubeconfig whose server is prod's endpoint is not dev's cluster, whatever its namespace says (moto
    # gives every cluster the same endpoint, so the planned one is left out here)
    evidence = gather(ENV, namespace="hub", labels={"environment": ENV}, context="ctx", cluster="c", server=prod,
                      other_endpoints=plan.foreign_endpoints)
    assert evidence.binding == CONTRARY
    assert "API endpoint of cluster eks-cluster llm-analytics-hub-prod" in fact_text(evidence.against[0])


def test_discovery_by_name_only_is_a_risk_per_resource(aws):
    aws.create_hub(ENV, by_tag=False)

    plan = aws_mod.discover(ENV, settings())

    top = [r for r in plan.resources if r.kind != "eks-nodegroup"]
    assert len(top) == 4 and {r.matched_by for r in plan.resources} == {"name"}
    named = [risk for risk in risk_words(plan) if "by name only" in risk]
    assert len(named) == 4 and all("has no environment tag" in risk for risk in named)
    assert [risk for risk in risk_words(plan) if risk not in named] == [MSK_NOT_SAVED]


def test_discovery_by_tag_only_finds_differently_named_resources_but_leaves_them_out(aws):
    arns = aws.create_hub(ENV, by_name=False)

    plan = aws_mod.discover(ENV, settings())

    assert plan.resources == ()
    assert {r.id for r in plan.not_included if r.kind != "eks-nodegroup"} == set(arns.values())
    assert {r.matched_by for r in plan.not_included} == {"tag"}
    assert by_kind(plan.not_included, "eks-nodegroup")[0].details["cluster"] == f"other-{ENV}"
    assert len(risk_words(plan)) == 4 and all(risk.startswith("not included: ") for risk in risk_words(plan))
    assert (f"not included: eks-cluster other-{ENV} matches by tag only (environment={ENV}) but is not named "
            f"after {CLUSTER}; --include-tag-matches includes it (with eks-nodegroup workers) after its own "
            "confirmation") in risk_words(plan)


def test_discovery_by_tag_only_with_include_tag_matches_plans_them_with_the_red_line(aws):
    arns = aws.create_hub(ENV, by_name=False)

    plan = aws_mod.discover(ENV, settings(), include_tag_matches=True)

    assert plan.not_included == ()
    assert {r.id for r in plan.resources if r.kind != "eks-nodegroup"} == set(arns.values())
    assert {r.matched_by for r in plan.resources} == {"tag"}
    tagged = [risk for risk in risk_words(plan) if "matches by tag only: tagged" in risk]
    assert len(tagged) == 4 and len(risk_words(plan)) == 5 and "MSK keeps no snapshot" in risk_words(plan)[-1]


def test_a_resource_named_for_dev_but_tagged_prod_is_shown_with_that_risk(aws):
    aws.create_rds(RDS, tags={"environment": "prod"})

    plan = aws_mod.discover(ENV, settings())

    assert [(r.name, r.matched_by) for r in plan.resources] == [(RDS, "name")]
    assert risk_words(plan) == (f"rds-instance {RDS} matches by name only: it is tagged environment=prod, "
                          f"not environment={ENV}",)


def test_discovery_with_nothing_there_is_an_empty_plan_with_the_identity(aws):
    aws.create_rds("someone-elses-db", tags={"environment": "staging"})

    plan = aws_mod.discover(ENV, settings())

    assert plan.resources == () and risk_words(plan) == ()
    assert plan.identity == "AWS account 123456789012"


def test_deletion_protection_is_in_the_details_and_a_risk_line(aws):
    aws.create_rds(RDS, deletion_protection=True)

    plan = aws_mod.discover(ENV, settings())

    assert one(plan.resources, "rds-instance").details["deletion_protection"] is True
    assert f"RDS {RDS} has deletion protection: it will be switched off only if you confirm" in risk_words(plan)


def test_discovery_only_reads_and_lists_each_service(aws, calls):
    aws.create_hub(ENV)

    aws_mod.discover(ENV, settings())

    ops = calls.ops()
    assert ops and all(op.startswith(("List", "Describe", "Get")) for op in ops), ops
    assert {s for s, _, _ in calls.seen} == {"sts", "eks", "rds", "elasticache", "kafka"}


def test_the_region_comes_from_settings_first_then_from_boto3(aws, monkeypatch):
    aws.create_rds(RDS)
    assert aws_mod.discover(ENV, Settings(aws_region="eu-west-1")).region == "eu-west-1"
    assert aws_mod.discover(ENV, Settings(aws_region="eu-west-1")).resources == ()  # moto keeps regions apart
    monkeypatch.delenv("AWS_REGION")
    assert aws_mod.discover(ENV, Settings.from_env()).region == "us-east-1"  # AWS_DEFAULT_REGION


def test_no_region_is_one_line_naming_aws_region(aws, monkeypatch):
    monkeypatch.delenv("AWS_REGION")
    monkeypatch.delenv("AWS_DEFAULT_REGION")

    with pytest.raises(HubError, match=r"^no AWS region: set AWS_REGION$"):
        aws_mod.discover(ENV, Settings.from_env())


def test_missing_credentials_are_one_line_saying_what_to_set(aws, monkeypatch):
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")

    with pytest.raises(HubError) as e:
        aws_mod.discover(ENV, settings())
    assert str(e.value).startswith("no AWS credentials: set AWS_PROFILE")
    assert "\n" not in str(e.value)


def test_refused_credentials_are_one_line_saying_to_renew_them(aws, calls):
    calls.fail("GetCallerIdentity", "InvalidClientTokenId")

    with pytest.raises(HubError, match=r"^AWS refused the credentials \(InvalidClientTokenId\): renew"):
        aws_mod.discover(ENV, settings())


@pytest.mark.parametrize("code", ["Throttling", "ServiceUnavailable"])
def test_an_identity_check_aws_did_not_answer_is_not_said_as_refused_credentials(aws, calls, code):
    """STS throttled (or failed on its side): the credentials were not refused, and an operator told to renew
    them would chase the wrong thing."""
    calls.fail("GetCallerIdentity", code)

    with pytest.raises(HubError) as raised:
        aws_mod.discover(ENV, settings())
    assert str(raised.value) == (f"AWS did not answer whose the credentials are ({code}: busy or unavailable; they "
                                 "were not refused): try again in a minute")
    assert calls.ops() == ["GetCallerIdentity"]  # nothing was listed after it


def test_a_refused_listing_stops_the_discovery(aws, calls):
    calls.fail("DescribeDBInstances", "AccessDenied")

    with pytest.raises(HubError, match=r"^AWS: listing RDS instances failed: .*AccessDenied"):
        aws_mod.discover(ENV, settings())


def test_a_child_process_reaches_moto_with_the_fixture_env(aws):
    aws.create_rds(RDS, tags={"environment": ENV})
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")} | aws.env
    code = ("from hubtui.cloud import aws; from hubtui.settings import Settings; "
            "p = aws.discover('dev', Settings.from_env()); print(p.identity, [r.name for r in p.resources])")

    proc = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60)

    assert proc.stdout.strip() == f"AWS account 123456789012 ['{RDS}']", proc.stderr


def test_boto3_is_imported_only_when_used_and_its_absence_is_one_line(monkeypatch):
    code = "import sys, hubtui.cloud.aws; print('boto3' in sys.modules or 'botocore' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True).stdout.strip() == "False"
    monkeypatch.setitem(sys.modules, "boto3", None)  # import boto3 -> ImportError
    with pytest.raises(HubError, match=r"the AWS teardown needs boto3, which is not installed: install hubtui with "
                                       r"its \[aws\] extra \(pipx install 'hubtui\[aws\]'"):
        aws_mod.discover(ENV, Settings(aws_region="us-east-1"))


# ------------------------------------------------------------------------------------------- teardown

def test_teardown_deletes_everything_nodegroups_before_their_cluster(aws, calls, redis_finishes):
    aws.create_hub(ENV, nodegroups=("workers", "gpu"))
    plan = aws_mod.discover(ENV, settings())
    ctx, events, recorded = fast_ctx()

    outcomes = aws_mod.teardown(plan, settings(), ctx)

    assert [o.resource for o in outcomes] == list(plan.resources)
    assert {o.outcome for o in outcomes} == {DELETED}, outcomes
    assert sorted(o.resource.id for o in recorded) == sorted(r.id for r in plan.resources)
    # order: both nodegroups deleted, and seen gone, before the cluster's delete was sent
    eks_ops = calls.ops("eks")
    assert eks_ops.count("DeleteNodegroup") == 2 and eks_ops.count("DeleteCluster") == 1
    assert max(i for i, op in enumerate(eks_ops) if op == "DeleteNodegroup") < eks_ops.index("DeleteCluster")
    done = [e.step for e in events if isinstance(e, StepDone)]
    started = [e.step for e in events if isinstance(e, StepStarted)]
    cluster_step = f"aws: eks-cluster {CLUSTER}"
    assert max(done.index("aws: eks-nodegroup workers"), done.index("aws: eks-nodegroup gpu")) \
        < done.index(cluster_step)
    assert started.index(cluster_step) > 0 and f"aws: rds-instance {RDS}" in started
    # what is left in moto
    assert aws.client("eks").list_clusters()["clusters"] == []
    assert rds_exists(aws) is None
    assert aws.client("kafka").list_clusters_v2()["ClusterInfoList"] == []
    groups = aws.client("elasticache").describe_replication_groups()["ReplicationGroups"]
    assert [g["Status"] for g in groups] == ["deleting"]  # the request reached moto


def test_teardown_deletes_only_what_the_plan_holds(aws, calls):
    aws.create_eks(CLUSTER, nodegroups=("workers",))
    plan = aws_mod.discover(ENV, settings())
    aws.client("eks").create_nodegroup(clusterName=CLUSTER, nodegroupName="added-later",
                                       nodeRole="arn:aws:iam::123456789012:role/hub", subnets=["subnet-1"])
    ctx, events, _ = fast_ctx()

    outcomes = aws_mod.teardown(plan, settings(), ctx)

    assert one(outcomes, "eks-nodegroup").outcome == DELETED
    cluster = one(outcomes, "eks-cluster")
    assert cluster.outcome == FAILED and "nodegroups attached" in words(cluster)  # ResourceInUse, retried
    assert calls.ops("eks").count("DeleteCluster") == ctx.retry_attempts
    assert aws.client("eks").list_nodegroups(clusterName=CLUSTER)["nodegroups"] == ["added-later"]
    assert any("trying again" in e.text for e in lines(events))


def test_the_final_snapshot_is_taken_and_named(aws, calls):
    aws.create_rds(RDS)
    plan = aws_mod.discover(ENV, settings())

    outcome = one(aws_mod.teardown(plan, settings(), fast_ctx()[0]), "rds-instance")

    snapshots = [s["DBSnapshotIdentifier"] for s in aws.client("rds").describe_db_snapshots(
        SnapshotType="manual")["DBSnapshots"]]
    assert len(snapshots) == 1 and re.fullmatch(rf"{RDS}-final-\d{{14}}", snapshots[0])
    [deleted] = [params for service, op, params in calls.seen if op == "DeleteDBInstance"]
    assert deleted["DeleteAutomatedBackups"] is False  # the automated backups stay for their retention
    assert outcome.outcome == DELETED
    assert words(outcome).startswith(f"final snapshot {snapshots[0]}")


def test_without_final_snapshot_none_is_taken(aws):
    aws.create_rds(RDS)
    plan = aws_mod.discover(ENV, settings())

    outcome = one(aws_mod.teardown(plan, settings(), fast_ctx(final_snapshot=False)[0]), "rds-instance")

    assert (outcome.outcome, words(outcome)) == (DELETED, "no final snapshot (as chosen)")
    assert aws.client("rds").describe_db_snapshots(SnapshotType="manual")["DBSnapshots"] == []
    assert rds_exists(aws) is None


def test_deletion_protection_without_confirmation_fails_and_changes_nothing(aws, calls):
    aws.create_rds(RDS, deletion_protection=True)
    plan = aws_mod.discover(ENV, settings())
    ctx, events, recorded = fast_ctx()

    outcome = one(aws_mod.teardown(plan, settings(), ctx), "rds-instance")

    assert (outcome.outcome, words(outcome)) == (FAILED, "deletion protection is on; confirm switching it off")
    assert recorded == [outcome]
    assert StepFailed(f"aws: rds-instance {RDS}", FAILED, outcome.said) in events
    assert not {"ModifyDBInstance", "DeleteDBInstance"} & set(calls.ops("rds"))
    assert rds_exists(aws)["DeletionProtection"] is True


def test_deletion_protection_is_switched_off_with_confirmation_and_logged(aws, calls):
    aws.create_rds(RDS, deletion_protection=True)
    plan = aws_mod.discover(ENV, settings())
    ctx, events, _ = fast_ctx(allow_disable_deletion_protection=True)

    outcome = one(aws_mod.teardown(plan, settings(), ctx), "rds-instance")

    assert outcome.outcome == DELETED and words(outcome).startswith("deletion protection switched off")
    rds_ops = calls.ops("rds")
    assert rds_ops.index("ModifyDBInstance") < rds_ops.index("DeleteDBInstance")
    modify = next(p for _, op, p in calls.seen if op == "ModifyDBInstance")
    assert modify == {"DBInstanceIdentifier": RDS, "DeletionProtection": False, "ApplyImmediately": True}
    assert any("deletion protection switched off" in e.text for e in lines(events))
    assert rds_exists(aws) is None


def test_a_stop_right_after_the_protection_went_off_sends_no_delete_and_records_the_switch(aws, calls):
    """The stop comes once the protection is off: the delete is never sent (every call checks the stop first),
    and the outcome, which says the protection was switched off, is journaled and audited all the same."""
    from hubtui.facts import ProtectionOff

    aws.create_rds(RDS, deletion_protection=True)
    plan = aws_mod.discover(ENV, settings())
    ctx, events, recorded = fast_ctx(allow_disable_deletion_protection=True)

    def emit(event):
        events.append(event)
        if isinstance(event, ProtectionOff):
            ctx.cancel.set()

    ctx.emit = emit
    outcome = one(aws_mod.teardown(plan, settings(), ctx), "rds-instance")

    assert outcome.outcome == SKIPPED
    assert words(outcome) == "deletion protection switched off (confirmed); cancelled before the delete request"
    assert recorded == [outcome]  # the cloud was changed: the journal and the audit know it
    assert "ModifyDBInstance" in calls.ops("rds") and "DeleteDBInstance" not in calls.ops("rds")
    assert rds_exists(aws) is not None


def test_retry_sends_nothing_once_stopped():
    ctx, _, _ = fast_ctx()
    ctx.cancel.set()
    sent = []
    with pytest.raises(Cancelled):
        retry(lambda: sent.append(1), retryable=lambda e: True, what="x", ctx=ctx, on_send=lambda: sent.append(0))
    assert sent == []


def test_protection_switched_on_after_the_plan_is_not_switched_off(aws, calls):
    aws.create_rds(RDS)
    plan = aws_mod.discover(ENV, settings())  # shows no protection
    aws.client("rds").modify_db_instance(DBInstanceIdentifier=RDS, DeletionProtection=True, ApplyImmediately=True)

    outcome = one(aws_mod.teardown(plan, settings(), fast_ctx(allow_disable_deletion_protection=True)[0]),
                  "rds-instance")

    assert outcome.outcome == FAILED and "plan again" in words(outcome)
    assert rds_exists(aws)["DeletionProtection"] is True


def test_a_hard_stop_right_after_a_delete_was_sent_records_it_as_sent(aws, monkeypatch):
    """The operator's hard stop (KeyboardInterrupt) lands just after the RDS delete and its protection switch-off
    were sent, before the worker could end the resource: base.teardown's pass records it (journal, audit) as
    sent, and says the protection went, never "cancelled before the delete request"."""
    from hubtui.cloud import base

    aws.create_rds(RDS, deletion_protection=True)
    plan = aws_mod.discover(ENV, settings())
    real_retry = aws_mod.retry

    def retry(call, *, what, on_send=None, **kw):
        result = real_retry(call, what=what, on_send=on_send, **kw)
        if what.endswith(": delete"):
            raise KeyboardInterrupt  # as the second Ctrl-C, once the request went
        return result

    monkeypatch.setattr(aws_mod, "retry", retry)
    ctx, _, recorded = fast_ctx(allow_disable_deletion_protection=True)
    with pytest.raises(KeyboardInterrupt):
        base.teardown(plan, settings(), ctx)
    [outcome] = [o for o in recorded if o.resource.kind == "rds-instance"]
    assert outcome.outcome == SKIPPED and words(outcome) == (
        "deletion protection switched off (confirmed); cancelled before it was confirmed deleted")


def test_a_hard_stop_names_the_resource_whose_end_its_worker_could_not_record(aws, monkeypatch):
    """Ctrl-C, then a second one (SIGINT to the main thread, as the terminal sends it) while the RDS instance's
    worker is past its delete: the worker ends it cancelled, and the audit log fails as it is recorded (on a
    thread nobody reads then). The stop carries it and why, for the command to say, where it was a bare
    interrupt and the log missed the change unsaid."""
    import signal
    from pathlib import Path

    from hubtui.audit import AuditError
    from hubtui.cloud import base

    aws.create_rds(RDS, deletion_protection=True)
    plan = aws_mod.discover(ENV, settings())
    real_retry = aws_mod.retry
    recorded = []
    failure = AuditError("cannot write the audit log", log=Path("/state/audit.jsonl"), reason="No space left on device")

    def record(outcome):
        if outcome.resource.kind == "rds-instance":
            raise failure
        recorded.append(outcome)

    ctx, _, _ = fast_ctx(allow_disable_deletion_protection=True, record=record)

    def retry(call, *, what, on_send=None, **kw):
        result = real_retry(call, what=what, on_send=on_send, **kw)
        if what.endswith(": delete"):  # the request went: the operator's two Ctrl-C
            ctx.cancel.set()
            signal.pthread_kill(threading.main_thread().ident, signal.SIGINT)
            time.sleep(0.2)  # the worker goes on a moment (a slow call), then meets the stop
        return result

    monkeypatch.setattr(aws_mod, "retry", retry)
    try:
        base.teardown(plan, settings(), ctx)
    except KeyboardInterrupt as e:  # (a bare one caught here too: pytest would take it as its own stop)
        stop = e
    else:
        pytest.fail("the stop did not go up")
    [rds] = [r.label() for r in plan.resources if r.kind == "rds-instance"]
    assert getattr(stop, "unrecorded", None) == (base.Unrecorded(rds, failure),)
    assert threading.current_thread() is threading.main_thread()


def test_protection_switched_on_after_the_plan_says_plan_again_without_the_confirmation_too(aws, calls):
    """The operator never saw this protection: confirming its switch-off cannot help, planning again does (as on
    GCP). Before, without the confirmation, it said "confirm switching it off"."""
    aws.create_rds(RDS)
    plan = aws_mod.discover(ENV, settings())  # shows no protection
    aws.client("rds").modify_db_instance(DBInstanceIdentifier=RDS, DeletionProtection=True, ApplyImmediately=True)

    outcome = one(aws_mod.teardown(plan, settings(), fast_ctx()[0]), "rds-instance")

    assert (outcome.outcome, words(outcome)) == (
        FAILED, "deletion protection was switched on after the plan was made; plan again")
    assert not {"ModifyDBInstance", "DeleteDBInstance"} & set(calls.ops("rds"))


def test_resources_deleted_out_of_band_count_as_gone(aws, redis_finishes):
    aws.create_hub(ENV)
    plan = aws_mod.discover(ENV, settings())
    aws.client("rds").delete_db_instance(DBInstanceIdentifier=RDS, SkipFinalSnapshot=True)
    aws.client("eks").delete_nodegroup(clusterName=CLUSTER, nodegroupName="workers")
    aws.client("eks").delete_cluster(name=CLUSTER)
    ctx, _, recorded = fast_ctx()

    outcomes = aws_mod.teardown(plan, settings(), ctx)

    for kind in ("rds-instance", "eks-nodegroup", "eks-cluster"):
        assert (one(outcomes, kind).outcome, words(one(outcomes, kind))) == (GONE, "already gone")
    assert {o.resource.kind for o in recorded if o.outcome == GONE} == {"rds-instance", "eks-nodegroup",
                                                                        "eks-cluster"}


def test_not_found_on_the_delete_itself_counts_as_gone(aws, calls, monkeypatch):
    aws.create_eks(CLUSTER, nodegroups=("workers",))
    plan = aws_mod.discover(ENV, settings())
    aws.client("eks").delete_nodegroup(clusterName=CLUSTER, nodegroupName="workers")
    stale = iter(["active"])  # it vanished between the last look and the delete
    real = aws_mod.PROBES[aws_mod.EKS_NODEGROUP]
    monkeypatch.setitem(aws_mod.PROBES, aws_mod.EKS_NODEGROUP, lambda c, r: next(stale, None) or real(c, r))
    planned = plan_resource = by_kind(plan.resources, "eks-nodegroup")[0]
    seen = iter([{"current_id": planned.id, "created": plan_resource.details["created"]}])
    monkeypatch.setitem(aws_mod.IDENTITIES, aws_mod.EKS_NODEGROUP, lambda c, r: next(seen, None))

    outcomes = aws_mod.teardown(plan, settings(), fast_ctx()[0])

    assert "DeleteNodegroup" in calls.ops("eks")
    assert one(outcomes, "eks-nodegroup").outcome == GONE
    assert one(outcomes, "eks-cluster").outcome == DELETED


def test_resources_finished_in_an_earlier_run_are_skipped_without_a_call(aws, calls, redis_finishes):
    arns = aws.create_hub(ENV)
    plan = aws_mod.discover(ENV, settings())
    finished = frozenset({arns["rds-instance"], arns["msk-cluster"]})
    ctx, _, recorded = fast_ctx(finished=finished)
    calls.seen.clear()

    outcomes = aws_mod.teardown(plan, settings(), ctx)

    skipped = {o.resource.id: o for o in outcomes if o.outcome == SKIPPED}
    assert set(skipped) == finished
    assert all(words(o) == "finished in an earlier run" for o in skipped.values())
    assert not finished & {o.resource.id for o in recorded}
    assert calls.ops("rds") == [] and calls.ops("kafka") == []
    assert rds_exists(aws) is not None  # really untouched
    assert {o.outcome for o in outcomes if o.resource.id not in finished} == {DELETED}


def test_a_plan_finished_in_an_earlier_run_makes_no_call_at_all(aws, calls):
    aws.create_hub(ENV)
    plan = aws_mod.discover(ENV, settings())
    calls.seen.clear()
    ctx, _, recorded = fast_ctx(finished=frozenset(r.id for r in plan.resources))

    outcomes = aws_mod.teardown(plan, settings(), ctx)

    assert {o.outcome for o in outcomes} == {SKIPPED} and recorded == []
    assert calls.seen == []


def test_an_empty_plan_is_nothing_to_do(aws, calls):
    plan = aws_mod.discover(ENV, settings())
    calls.seen.clear()

    assert aws_mod.teardown(plan, settings(), fast_ctx()[0]) == []
    assert calls.seen == []


def test_throttling_is_retried_then_the_deletion_goes_on(aws, calls):
    aws.create_rds(RDS)
    plan = aws_mod.discover(ENV, settings())
    calls.fail("DeleteDBInstance", "ThrottlingException", times=2)
    ctx, events, _ = fast_ctx()

    outcome = one(aws_mod.teardown(plan, settings(), ctx), "rds-instance")

    assert outcome.outcome == DELETED
    assert calls.ops("rds").count("DeleteDBInstance") == 3
    assert len([e for e in lines(events) if "ThrottlingException" in e.text]) == 2
    assert rds_exists(aws) is None


def test_throttling_retries_are_bounded_and_end_as_a_failure(aws, calls):
    aws.create_rds(RDS)
    plan = aws_mod.discover(ENV, settings())
    calls.fail("DeleteDBInstance", "ThrottlingException")
    ctx, _, recorded = fast_ctx(retry_attempts=3)

    outcome = one(aws_mod.teardown(plan, settings(), ctx), "rds-instance")

    assert outcome.outcome == FAILED and "ThrottlingException" in words(outcome) and "\n" not in words(outcome)
    assert calls.ops("rds").count("DeleteDBInstance") == 3
    assert recorded == [outcome]
    assert rds_exists(aws) is not None


def test_any_other_error_is_a_failure_and_a_failed_nodegroup_keeps_its_cluster(aws, calls):
    aws.create_eks(CLUSTER, nodegroups=("workers", "gpu"))
    plan = aws_mod.discover(ENV, settings())
    calls.fail("DeleteNodegroup", "AccessDeniedException", times=1)

    outcomes = aws_mod.teardown(plan, settings(), fast_ctx()[0])

    nodegroups = {o.resource.name: o for o in by_kind(outcomes, "eks-nodegroup")}
    failed = [o for o in nodegroups.values() if o.outcome == FAILED]
    assert len(failed) == 1 and "AccessDeniedException" in words(failed[0])
    cluster = one(outcomes, "eks-cluster")
    assert cluster.outcome == SKIPPED
    assert words(cluster) == (f"nodegroup {failed[0].resource.name} failed: "
                              "the cluster cannot go before its nodegroups")
    assert "DeleteCluster" not in calls.ops("eks")
    assert aws.client("eks").list_clusters()["clusters"] == [CLUSTER]


def test_a_plan_for_another_account_is_refused_before_any_change(aws, calls):
    aws.create_rds(RDS)
    plan = aws_mod.discover(ENV, settings())
    other = CloudPlan.from_dict({**plan.to_dict(), "identity": "AWS account 999999999999"})

    with pytest.raises(HubError, match="credentials are for account 123456789012, but the plan was made for"):
        aws_mod.teardown(other, settings(), fast_ctx()[0])
    assert "DeleteDBInstance" not in calls.ops()
    assert rds_exists(aws) is not None


def test_cancel_before_the_start_touches_nothing(aws, calls):
    aws.create_hub(ENV)
    plan = aws_mod.discover(ENV, settings())
    ctx, _, recorded = fast_ctx()
    ctx.cancel.set()

    outcomes = aws_mod.teardown(plan, settings(), ctx)

    assert {o.outcome for o in outcomes} == {SKIPPED} and recorded == []
    assert not [op for op in calls.ops() if op.startswith(("Delete", "Modify"))]


def test_cancel_while_waiting_stops_the_chain_and_returns(aws, calls, monkeypatch, redis_finishes):
    aws.create_hub(ENV)
    plan = aws_mod.discover(ENV, settings())
    # once deleted, the nodegroup stays "deleting" (as on a slow AWS); cancel at the first progress of that wait
    real = aws_mod.PROBES[aws_mod.EKS_NODEGROUP]
    monkeypatch.setitem(aws_mod.PROBES, aws_mod.EKS_NODEGROUP, lambda c, r: real(c, r) or "deleting")
    ctx, events, recorded = fast_ctx(timeout=30.0)
    waits = "aws: eks-nodegroup workers"

    def emit(event):
        events.append(event)
        if isinstance(event, Progress) and event.step == waits:
            ctx.cancel.set()

    ctx.emit = emit
    started = time.monotonic()
    outcomes = aws_mod.teardown(plan, settings(), ctx)

    assert time.monotonic() - started < 10
    nodegroup, cluster = one(outcomes, "eks-nodegroup"), one(outcomes, "eks-cluster")
    assert (nodegroup.outcome, cluster.outcome) == (SKIPPED, SKIPPED)
    assert words(nodegroup) == "cancelled after the delete request: it may still be deleting"
    assert "DeleteCluster" not in calls.ops("eks")
    assert aws.client("eks").list_clusters()["clusters"] == [CLUSTER]
    assert {o.outcome for o in outcomes} <= {DELETED, SKIPPED}  # the rest finished or was skipped
    # the one base.Lifecycle rule: a stopped resource is recorded once its delete request was sent (the journal
    # and the audit know AWS is still deleting it), one held back without a call is not; neither gets a ✓
    assert [o for o in recorded if o.outcome == SKIPPED] == [nodegroup]
    assert cluster not in recorded
    assert not [e for e in events if isinstance(e, StepDone) and e.step == waits]
    assert [step_words(e) for e in events if isinstance(e, StepFailed) and e.step == waits] == [words(nodegroup)]


def test_a_wait_that_times_out_fails_with_the_state_it_was_left_in(aws, monkeypatch):
    aws.create_redis(f"{CLUSTER}-redis")
    plan = aws_mod.discover(ENV, settings())
    real = aws_mod.PROBES[aws_mod.REDIS_GROUP]
    # before the delete: its real state; afterwards it stays "deleting", whatever moto does
    monkeypatch.setitem(aws_mod.PROBES, aws_mod.REDIS_GROUP,
                        lambda c, r: "deleting" if real(c, r) in (None, "deleting") else real(c, r))
    ctx, _, recorded = fast_ctx(timeout=0.1)

    outcome = one(aws_mod.teardown(plan, settings(), ctx), "elasticache-replication-group")

    assert outcome.outcome == FAILED
    assert re.fullmatch(rf"elasticache-replication-group {CLUSTER}-redis to be deleted: still not done "
                        r"after 0.1s \(left in state deleting\)", words(outcome))
    assert recorded == [outcome]


# --------------------------------------------------------------------------------------------- waiter

def probe_of(states):
    answers = iter(states)
    looks = []

    def probe():
        looks.append(1)
        answer = next(answers)
        if isinstance(answer, Exception):
            raise answer
        return answer
    return probe, looks


def client_error(code: str):
    from botocore.exceptions import ClientError

    return ClientError({"Error": {"Code": code, "Message": code}}, "Describe")


def test_the_waiter_returns_once_the_probe_says_gone_and_reports_progress():
    probe, looks = probe_of(["deleting", "deleting", None])
    ctx, events, _ = fast_ctx()

    aws_mod.wait_gone(probe, what="thing x", ctx=ctx, step="aws: thing x")

    assert len(looks) == 3
    progress = [e for e in events if isinstance(e, Progress)]
    assert len(progress) == 2 and all(p.step == "aws: thing x" and p.said == (Waiting("aws: thing x", p.done),)
                                      for p in progress)


def test_the_waiter_times_out_naming_the_last_state():
    ctx, _, _ = fast_ctx(timeout=0.05)

    with pytest.raises(HubError, match=r"^thing x to be deleted: still not done after 0.05s "
                                       r"\(left in state modifying\)$"):
        aws_mod.wait_gone(lambda: "modifying", what="thing x", ctx=ctx, step="s")


def test_the_waiter_looks_again_when_throttled_and_stops_on_other_errors():
    probe, looks = probe_of([client_error("ThrottlingException"), "deleting", None])
    ctx, events, _ = fast_ctx()
    aws_mod.wait_gone(probe, what="thing x", ctx=ctx, step="s")
    assert len(looks) == 3 and any(e.level == "warning" for e in lines(events))

    probe, _ = probe_of([client_error("AccessDeniedException")])
    with pytest.raises(Exception, match="AccessDeniedException"):
        aws_mod.wait_gone(probe, what="thing x", ctx=ctx, step="s")


def test_the_waiter_stops_on_cancel():
    ctx, _, _ = fast_ctx(timeout=30.0, poll_interval=5.0)
    threading.Timer(0.05, ctx.cancel.set).start()
    started = time.monotonic()

    with pytest.raises(Cancelled):
        aws_mod.wait_gone(lambda: "deleting", what="thing x", ctx=ctx, step="s")
    assert time.monotonic() - started < 2


# ------------------------------------------------------------------ only what the operator meant (issue 9)

DECOY = f"billing-{ENV}"  # tagged environment=dev, but not named after the hub: never deleted by default


def decoys(aws) -> None:
    """Resources of someone else's that carry the environment tag: an EKS cluster with a nodegroup and an
    RDS instance."""
    aws.create_eks(DECOY, nodegroups=("billing-workers",), tags={"environment": ENV})
    aws.create_rds(f"{DECOY}-db", tags={"environment": ENV})


def test_tag_only_decoys_are_not_included_and_a_teardown_leaves_them(aws, calls, redis_finishes):
    from hubtui.cloud import base

    aws.create_hub(ENV)
    decoys(aws)

    plan = base.discover("aws", ENV, settings())

    left = {(r.kind, r.name, r.matched_by) for r in plan.not_included}
    assert left == {("eks-cluster", DECOY, "tag"), ("eks-nodegroup", "billing-workers", "tag"),
                    ("rds-instance", f"{DECOY}-db", "tag")}
    assert not {r.name for r in plan.resources} & {DECOY, "billing-workers", f"{DECOY}-db"}
    assert (f"not included: eks-cluster {DECOY} matches by tag only (environment={ENV}) but is not named after "
            f"{CLUSTER}; --include-tag-matches includes it (with eks-nodegroup billing-workers) after its own "
            "confirmation") in risk_words(plan)
    assert not any("matches by tag only: tagged" in risk for risk in risk_words(plan))  # the red line is for included
    assert base.tag_matches(plan) == []

    outcomes = base.teardown(plan, settings(), fast_ctx()[0])

    assert {o.outcome for o in outcomes} == {DELETED}
    assert aws.client("eks").list_clusters()["clusters"] == [DECOY]
    assert aws.client("eks").list_nodegroups(clusterName=DECOY)["nodegroups"] == ["billing-workers"]
    assert rds_exists(aws, f"{DECOY}-db") is not None
    deletes = [p for _, op, p in calls.seen if op.startswith("Delete")]
    assert deletes and not any(DECOY in str(p) or "billing-workers" in str(p) for p in deletes)


def test_with_include_tag_matches_the_decoys_are_planned_confirmed_separately_and_deleted(aws, redis_finishes):
    from hubtui.cloud import base

    decoys(aws)

    plan = base.discover("aws", ENV, settings(), include_tag_matches=True)

    assert plan.not_included == ()
    assert {(r.kind, r.name) for r in base.tag_matches(plan)} == {
        ("eks-cluster", DECOY), ("eks-nodegroup", "billing-workers"), ("rds-instance", f"{DECOY}-db")}
    assert (f"eks-cluster {DECOY} matches by tag only: tagged environment={ENV} but not named after {CLUSTER}"
            in risk_words(plan))

    outcomes = base.teardown(plan, settings(), fast_ctx()[0])

    assert {o.outcome for o in outcomes} == {DELETED}
    assert aws.client("eks").list_clusters()["clusters"] == []
    assert rds_exists(aws, f"{DECOY}-db") is None


def test_discovery_records_identities_and_the_eks_endpoint(aws):
    from hubtui.cloud import base

    arns = aws.create_hub(ENV)
    plan = aws_mod.discover(ENV, settings())

    cluster = one(plan.resources, "eks-cluster")
    described = aws.client("eks").describe_cluster(name=CLUSTER)["cluster"]
    assert cluster.details["endpoint"] == described["endpoint"] and cluster.details["endpoint"].startswith("https://")
    assert cluster.details["created"] == base.iso_time(described["createdAt"])
    assert base.cluster_endpoints(plan) == [described["endpoint"]]
    server = "https://" + described["endpoint"].split("://", 1)[1].rstrip("/").upper() + ":443"  # another spelling
    assert base.normalise_server(server) == base.normalise_server(cluster.details["endpoint"])
    nodegroup = one(plan.resources, "eks-nodegroup")
    assert nodegroup.details["part_of"] == arns["eks-cluster"] and nodegroup.details["created"]
    db = aws.client("rds").describe_db_instances(DBInstanceIdentifier=RDS)["DBInstances"][0]
    rds = one(plan.resources, "rds-instance")
    assert (rds.details["created"], rds.details["uid"]) == (base.iso_time(db["InstanceCreateTime"]),
                                                            db["DbiResourceId"])
    group = aws.client("elasticache").describe_replication_groups()["ReplicationGroups"][0]
    assert one(plan.resources, "elasticache-replication-group").details["created"] == \
        base.iso_time(group["ReplicationGroupCreateTime"])
    msk = aws.client("kafka").list_clusters_v2()["ClusterInfoList"][0]
    assert one(plan.resources, "msk-cluster").details["created"] == base.iso_time(msk["CreationTime"])
    assert all(r.details["created"] for r in plan.resources)


def test_an_rds_instance_recreated_after_the_plan_is_not_touched(aws, calls):
    aws.create_rds(RDS)
    plan = aws_mod.discover(ENV, settings())
    aws.client("rds").delete_db_instance(DBInstanceIdentifier=RDS, SkipFinalSnapshot=True)
    aws.create_rds(RDS, deletion_protection=True)  # someone's new database under the same name
    ctx, events, recorded = fast_ctx(allow_disable_deletion_protection=True)

    outcome = one(aws_mod.teardown(plan, settings(), ctx), "rds-instance")

    planned = one(plan.resources, "rds-instance").details["created"]
    assert outcome.outcome == FAILED
    assert re.fullmatch(rf"recreated since the plan \(created \S+, planned {re.escape(planned)}\): "
                        "not deleted; plan again", words(outcome)), words(outcome)
    assert not {"ModifyDBInstance", "DeleteDBInstance"} & set(calls.ops("rds"))
    assert rds_exists(aws)["DeletionProtection"] is True  # the new one survives, protection and all
    assert recorded == [outcome]
    assert StepFailed(f"aws: rds-instance {RDS}", FAILED, outcome.said) in events


def test_an_eks_cluster_recreated_after_the_plan_is_not_deleted(aws, calls):
    aws.create_eks(CLUSTER, nodegroups=())
    plan = aws_mod.discover(ENV, settings())
    aws.client("eks").delete_cluster(name=CLUSTER)
    aws.create_eks(CLUSTER, nodegroups=())

    outcome = one(aws_mod.teardown(plan, settings(), fast_ctx()[0]), "eks-cluster")

    assert outcome.outcome == FAILED and words(outcome).startswith("recreated since the plan (created ")
    assert "DeleteCluster" not in calls.ops("eks")
    assert aws.client("eks").list_clusters()["clusters"] == [CLUSTER]


def test_an_msk_cluster_recreated_after_the_plan_is_another_arn_the_planned_one_is_gone(aws, calls):
    aws.create_msk(f"{CLUSTER}-kafka")
    plan = aws_mod.discover(ENV, settings())
    kafka = aws.client("kafka")
    kafka.delete_cluster(ClusterArn=one(plan.resources, "msk-cluster").id)
    new_arn = aws.create_msk(f"{CLUSTER}-kafka")

    outcome = one(aws_mod.teardown(plan, settings(), fast_ctx()[0]), "msk-cluster")

    assert (outcome.outcome, words(outcome)) == (GONE, "already gone")
    assert "DeleteCluster" not in calls.ops("kafka")
    assert [c["ClusterArn"] for c in kafka.list_clusters_v2()["ClusterInfoList"]] == [new_arn]


def test_the_elasticache_final_snapshot_exists_after_the_teardown(aws, calls, redis_finishes):
    aws.create_redis(f"{CLUSTER}-redis", tags={"environment": ENV})
    plan = aws_mod.discover(ENV, settings())

    outcome = one(aws_mod.teardown(plan, settings(), fast_ctx()[0]), "elasticache-replication-group")

    snapshots = aws.client("elasticache").describe_snapshots()["Snapshots"]
    assert len(snapshots) == 1
    name = snapshots[0]["SnapshotName"]
    assert re.fullmatch(rf"{CLUSTER}-redis-final-\d{{14}}", name)
    assert snapshots[0].get("ReplicationGroupId") == f"{CLUSTER}-redis"
    assert outcome.outcome == DELETED and words(outcome).startswith(f"final snapshot {name} (")
    delete = next(p for _, op, p in calls.seen if op == "DeleteReplicationGroup")
    assert delete["FinalSnapshotIdentifier"] == name


def test_without_final_snapshot_the_elasticache_group_goes_without_one(aws, redis_finishes):
    aws.create_redis(f"{CLUSTER}-redis")
    plan = aws_mod.discover(ENV, settings())

    outcome = one(aws_mod.teardown(plan, settings(), fast_ctx(final_snapshot=False)[0]),
                  "elasticache-replication-group")

    assert (outcome.outcome, words(outcome)) == (DELETED, "no final snapshot (as chosen)")
    assert aws.client("elasticache").describe_snapshots()["Snapshots"] == []


# ------------------------------------------- real-world shaped EKS (issue 14): Fargate profiles, add-ons

def eks_with_parts(aws, name: str = CLUSTER, tags: dict | None = None) -> str:
    """An EKS cluster with a nodegroup, two Fargate profiles and two managed add-ons; its ARN."""
    arn = aws.create_eks(name, nodegroups=("workers",), tags=tags if tags is not None else {"environment": ENV})
    aws.create_fargate_profile(name, "fp-system", namespaces=("kube-system",))
    aws.create_fargate_profile(name, "fp-jobs", namespaces=("jobs", "batch"))
    aws.create_addon(name, "vpc-cni")
    aws.create_addon(name, "coredns")
    return arn


def test_fargate_profiles_and_addons_are_planned_as_parts_of_their_cluster(aws):
    arn = eks_with_parts(aws)
    aws.create_eks("other-team", nodegroups=())
    aws.create_fargate_profile("other-team", "fp-other")
    aws.create_addon("other-team", "kube-proxy")

    plan = aws_mod.discover(ENV, settings())

    profiles = {r.name: r for r in by_kind(plan.resources, "eks-fargate-profile")}
    addons = {r.name: r for r in by_kind(plan.resources, "eks-addon")}
    assert sorted(profiles) == ["fp-jobs", "fp-system"] and sorted(addons) == ["coredns", "vpc-cni"]
    eks = aws.client("eks")
    for name, r in profiles.items():
        described = eks.describe_fargate_profile(clusterName=CLUSTER, fargateProfileName=name)["fargateProfile"]
        assert r.id == described["fargateProfileArn"]
        assert (r.details["cluster"], r.details["part_of"], r.matched_by) == (CLUSTER, arn, "name+tag")
        assert r.details["created"] == aws_mod.iso_time(described["createdAt"])
    assert profiles["fp-jobs"].details["namespaces"] == ["batch", "jobs"]
    for name, r in addons.items():
        described = eks.describe_addon(clusterName=CLUSTER, addonName=name)["addon"]
        assert (r.id, r.details["created"]) == (described["addonArn"], aws_mod.iso_time(described["createdAt"]))
        assert (r.details["cluster"], r.details["part_of"], r.matched_by) == (CLUSTER, arn, "name+tag")
    assert not {"fp-other", "kube-proxy"} & {r.name for r in (*plan.resources, *plan.not_included)}
    assert risk_words(plan) == ()  # the parts go with their cluster: its line covers them
    assert CloudPlan.from_dict(plan.to_dict()) == plan


def test_the_plan_shows_each_profile_and_addon_on_its_own_line(aws):
    from hubtui.ops.cleanup.evidence import gather
    from hubtui.ops.cleanup.plan import Plan
    from hubtui.present.plan import render_text

    eks_with_parts(aws)
    cloud = aws_mod.discover(ENV, settings())
    evidence = gather(ENV, namespace="hub", labels={"environment": ENV}, context="ctx", cluster="c",
                      server="https://1.2.3.4")
    options = {"environment": ENV, "provider": "aws", "namespace": "hub"}
    text = render_text(Plan(ENV, "aws", "ctx", "c", "https://1.2.3.4", options, (), (), cloud.to_dict(),
                            {}, evidence.to_dict()))
    lines = [line.strip() for line in text.splitlines()]

    for kind, names in (("eks-fargate-profile", ("fp-system", "fp-jobs")), ("eks-addon", ("vpc-cni", "coredns")),
                        ("eks-cluster", (CLUSTER,))):
        head = lines.index(f"{kind} ({len(names)})")
        for name in names:
            assert f"{name}  matched by name+tag" in lines[head + 1:head + 1 + len(names)], text


def test_a_tag_only_cluster_leaves_its_profiles_and_addons_out_with_it(aws):
    eks_with_parts(aws, name=f"billing-{ENV}")

    plan = aws_mod.discover(ENV, settings())

    assert plan.resources == ()
    assert {(r.kind, r.matched_by) for r in plan.not_included} == {
        ("eks-cluster", "tag"), ("eks-nodegroup", "tag"), ("eks-fargate-profile", "tag"), ("eks-addon", "tag")}
    [line] = risk_words(plan)
    assert line.startswith(f"not included: eks-cluster billing-{ENV} matches by tag only")
    for part in ("eks-nodegroup workers", "eks-fargate-profile fp-system", "eks-fargate-profile fp-jobs",
                 "eks-addon coredns", "eks-addon vpc-cni"):
        assert part in line.split("(with ", 1)[1]


def test_profiles_and_addons_are_deleted_and_gone_before_the_cluster_profiles_one_at_a_time(
        aws, calls, eks_calls):
    eks_with_parts(aws)
    plan = aws_mod.discover(ENV, settings())
    ctx, events, recorded = fast_ctx()

    outcomes = aws_mod.teardown(plan, settings(), ctx)

    assert {o.resource.label(): o.outcome for o in outcomes} == {r.label(): DELETED for r in plan.resources}
    assert sorted(o.resource.id for o in recorded) == sorted(r.id for r in plan.resources)
    assert aws.client("eks").list_clusters()["clusters"] == []
    # the order moto saw: each part deleted, and seen gone (NotFound), before the cluster's delete
    order = [(op, name) for op, _, name in eks_calls]
    cluster_delete = order.index(("DeleteCluster", ""))
    for op, name in (("DeleteFargateProfile", "fp-system"), ("DeleteFargateProfile", "fp-jobs"),
                     ("DeleteAddon", "vpc-cni"), ("DeleteAddon", "coredns"), ("DeleteNodegroup", "workers")):
        assert order.index((op, name)) < cluster_delete, order
    last_looks = {name: max(i for i, (op, n) in enumerate(order) if n == name and op.startswith("Describe"))
                  for name in ("fp-system", "fp-jobs", "vpc-cni", "coredns")}
    assert max(last_looks.values()) < cluster_delete  # the looks that found them gone came first
    # Fargate profiles one at a time: each delete sent once (none refused because another was DELETING),
    # the second only after the first was seen gone
    fargate_deletes = [p["fargateProfileName"] for _, op, p in calls.seen if op == "DeleteFargateProfile"]
    assert sorted(fargate_deletes) == ["fp-jobs", "fp-system"]
    first, second = fargate_deletes
    assert last_looks[first] < order.index(("DeleteFargateProfile", second))
    assert calls.ops("eks").count("DeleteCluster") == 1  # no in-use refusal, no retry
    assert not any("trying again" in e.text for e in lines(events))


def test_a_cluster_with_a_profile_left_would_be_refused_as_on_aws(aws):
    """The stand-in refuses what AWS refuses: without this, the order test above could not fail."""
    from botocore.exceptions import ClientError

    aws.create_eks(CLUSTER, nodegroups=())
    aws.create_fargate_profile(CLUSTER, "fp-system")
    with pytest.raises(ClientError, match="ResourceInUseException"):
        aws.client("eks").delete_cluster(name=CLUSTER)
    aws.create_fargate_profile(CLUSTER, "fp-jobs")
    aws.client("eks").delete_fargate_profile(clusterName=CLUSTER, fargateProfileName="fp-system")
    with pytest.raises(ClientError, match="ResourceInUseException"):  # one DELETING at a time per cluster
        aws.client("eks").delete_fargate_profile(clusterName=CLUSTER, fargateProfileName="fp-jobs")


def test_a_profile_an_earlier_run_left_deleting_is_awaited_before_the_next_delete(aws, calls):
    aws.create_eks(CLUSTER, nodegroups=(), tags={"environment": ENV})
    aws.create_fargate_profile(CLUSTER, "fp-a")
    aws.create_fargate_profile(CLUSTER, "fp-b")
    plan = aws_mod.discover(ENV, settings())
    assert [r.name for r in by_kind(plan.resources, "eks-fargate-profile")] == ["fp-a", "fp-b"]
    # the interrupted run had sent fp-b's delete: AWS is still deleting it
    aws.client("eks").delete_fargate_profile(clusterName=CLUSTER, fargateProfileName="fp-b")

    outcomes = {o.resource.name: o for o in aws_mod.teardown(plan, settings(), fast_ctx()[0])}

    assert outcomes["fp-b"].outcome in (GONE, DELETED) and outcomes["fp-b"].finished
    assert outcomes["fp-a"].outcome == DELETED and outcomes[CLUSTER].outcome == DELETED
    fargate_deletes = [p["fargateProfileName"] for _, op, p in calls.seen if op == "DeleteFargateProfile"]
    assert fargate_deletes == ["fp-a"]  # sent once: fp-b's end was awaited first, so it was never refused


def test_a_failed_addon_keeps_its_cluster_and_names_it(aws, calls):
    eks_with_parts(aws)
    plan = aws_mod.discover(ENV, settings())
    calls.fail("DeleteAddon", "AccessDeniedException")

    outcomes = aws_mod.teardown(plan, settings(), fast_ctx()[0])

    assert {o.outcome for o in by_kind(outcomes, "eks-addon")} == {FAILED}
    cluster = one(outcomes, "eks-cluster")
    assert cluster.outcome == SKIPPED
    assert words(cluster).startswith("add-on ") and words(cluster).endswith(
        " failed: the cluster cannot go before its nodegroups, Fargate profiles and add-ons")
    assert "DeleteCluster" not in calls.ops("eks")
    assert aws.client("eks").list_clusters()["clusters"] == [CLUSTER]


def test_an_addon_recreated_after_the_plan_is_not_deleted(aws, calls):
    aws.create_eks(CLUSTER, nodegroups=(), tags={"environment": ENV})
    aws.create_addon(CLUSTER, "coredns")
    plan = aws_mod.discover(ENV, settings())
    eks = aws.client("eks")
    eks.delete_addon(clusterName=CLUSTER, addonName="coredns")
    with pytest.raises(Exception):  # noqa: B017 - looked at until gone (NotFound)
        for _ in range(3):
            eks.describe_addon(clusterName=CLUSTER, addonName="coredns")
    aws.create_addon(CLUSTER, "coredns")

    outcomes = aws_mod.teardown(plan, settings(), fast_ctx()[0])

    addon = one(outcomes, "eks-addon")
    assert addon.outcome == FAILED and words(addon).startswith("recreated since the plan")
    assert "DeleteAddon" not in calls.ops("eks") and "DeleteCluster" not in calls.ops("eks")


# ----------------------------------------------- a tagged nodegroup of an untagged cluster (issue 14)

SHARED = "shared-tools"  # someone else's cluster: no environment tag, not named after the hub


def shared_cluster_with_a_dev_nodegroup(aws) -> str:
    """An untagged cluster with two nodegroups, one of them tagged environment=dev; the cluster's ARN."""
    eks = aws.client("eks")
    arn = aws.create_eks(SHARED, nodegroups=("platform",))
    eks.create_nodegroup(clusterName=SHARED, nodegroupName="dev-batch", nodeRole="arn:aws:iam::123456789012:role/hub",
                         subnets=["subnet-1"], tags={"environment": ENV})
    return arn


def test_a_tagged_nodegroup_of_an_untagged_cluster_is_found_alone_and_left_out(aws):
    arn = shared_cluster_with_a_dev_nodegroup(aws)

    plan = aws_mod.discover(ENV, settings())

    assert plan.resources == ()
    [nodegroup] = plan.not_included
    assert (nodegroup.kind, nodegroup.name, nodegroup.matched_by) == ("eks-nodegroup", "dev-batch", "tag")
    assert "part_of" not in nodegroup.details  # including it never includes its cluster
    assert (nodegroup.details["cluster"], nodegroup.details["cluster_arn"]) == (SHARED, arn)
    assert nodegroup.details["within"] == f"eks-cluster {SHARED}"
    assert risk_words(plan) == (f"not included: eks-nodegroup dev-batch (in eks-cluster {SHARED}, which would stay) matches "
                          f"by tag only (environment={ENV}) but is not named after {CLUSTER}; --include-tag-matches "
                          "includes it after its own confirmation",)
    assert f"eks-cluster {SHARED}" in plan.other_endpoints  # still another cluster's endpoint (evidence)


def test_an_included_tagged_nodegroup_of_an_untagged_cluster_is_deleted_alone(aws, calls):
    from hubtui.cloud import base

    shared_cluster_with_a_dev_nodegroup(aws)

    plan = base.discover("aws", ENV, settings(), include_tag_matches=True)

    assert [(r.kind, r.name) for r in plan.resources] == [("eks-nodegroup", "dev-batch")]
    assert [r.name for r in base.tag_matches(plan)] == ["dev-batch"]  # its own typed confirmation
    assert risk_words(plan) == (f"eks-nodegroup dev-batch (in eks-cluster {SHARED}, which is not part of the plan and "
                          f"stays) matches by tag only: tagged environment={ENV} but not named after {CLUSTER}",)

    [outcome] = base.teardown(plan, settings(), fast_ctx()[0])

    assert (outcome.resource.name, outcome.outcome) == ("dev-batch", DELETED)
    deletes = [(op, p) for _, op, p in calls.seen if op.startswith("Delete")]
    assert deletes == [("DeleteNodegroup", {"clusterName": SHARED, "nodegroupName": "dev-batch"})]
    eks = aws.client("eks")
    assert eks.list_clusters()["clusters"] == [SHARED]
    assert eks.list_nodegroups(clusterName=SHARED)["nodegroups"] == ["platform"]
