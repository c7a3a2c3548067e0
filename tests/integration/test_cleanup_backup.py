"""The cleanup's backup through real exec into the real PostgreSQL and Redis, verified."""

from __future__ import annotations

import dataclasses
import shutil
import subprocess

import pytest

from cluster.localcluster import HUB_NAMESPACE
from hubtui.present.risks import risk_words
from hubtui.errors import HubError
from hubtui.ops.cleanup.backup import backup
from hubtui.ops.cleanup.plan import CleanupOptions, discover
from hubtui.events import StepFailed
from hubtui.present.events import said
from tests.said import lines

pytestmark = pytest.mark.cluster


def test_backup_saves_and_verifies_timescaledb_and_redis(kube, kube_settings, local_cluster, tmp_path):
    settings = dataclasses.replace(kube_settings, state_dir=tmp_path)
    events = []
    result = backup(kube, settings, HUB_NAMESPACE, "dev", emit=events.append)
    dump, rdb = result.files["timescaledb"], result.files["redis"]
    assert result.notes["timescaledb"] == "verified with pg_restore: 3 tables with their data"
    assert dump.name == "timescaledb-llm_analytics.dump" and rdb.name == "redis.rdb"
    assert rdb.read_bytes()[-9] == 0xFF  # a whole RDB: end marker and checksum
    local_check = shutil.which("redis-check-rdb")
    if local_check:  # Redis's own checker agrees, and the backup ran it
        assert subprocess.run([local_check, str(rdb)], capture_output=True).returncode == 0
        assert result.notes["redis"].endswith("complete, checked by redis-check-rdb")
    listing = subprocess.run(["pg_restore", "--list", str(dump)], capture_output=True, text=True).stdout
    for table in ("llm_requests", "metrics_hourly", "anomalies"):
        assert f" TABLE public {table} " in listing
    assert rdb.read_bytes().startswith(b"REDIS")
    # the snapshot holds the sample data, which the real server holds
    assert b"hub:version" in rdb.read_bytes()
    # Kafka is best effort: the demo's kafka pod has no kafka tools, so it is noted, not fatal
    assert result.notes["kafka"] == ("best effort, failed: the Kafka pod kafka-0 has no kafka-topics.sh or "
                                     "kafka-topics on its PATH")
    assert "kafka" not in result.files
    assert result.folder.parent.parent == tmp_path / "backups"


def test_a_backup_that_fails_stops_with_nothing_deleted_and_keeps_what_was_saved(kube, kube_settings, tmp_path):
    settings = dataclasses.replace(kube_settings, state_dir=tmp_path, db_name="no_such_database")
    with pytest.raises(HubError) as err:
        backup(kube, settings, HUB_NAMESPACE, "dev")
    assert str(err.value).startswith("backup of TimescaleDB failed: ")
    assert "nothing was deleted" in str(err.value)
    assert list((tmp_path / "backups" / "dev").iterdir())  # the folder is kept for what was saved


@pytest.mark.parametrize("name, labels", [("timescaledb", {}),  # found by its name
                                          ("orders-db", {"app.kubernetes.io/name": "postgresql"})])  # by its label
def test_a_store_that_exists_but_cannot_be_reached_stops_the_backup(kube, kube_settings, tmp_path, name, labels):
    from ..kubehelpers import Scratch

    ns = Scratch(kube.api, "nobackup")
    try:
        ns.apps.create_namespaced_stateful_set(ns.name, {
            "metadata": {"name": name, "labels": labels},
            "spec": {"serviceName": name, "replicas": 0, "selector": {"matchLabels": {"app": "timescaledb"}},
                     "template": {"metadata": {"labels": {"app": "timescaledb"}},
                                  "spec": {"containers": [{"name": "postgres", "image": "x"}]}}}})
        settings = dataclasses.replace(kube_settings, state_dir=tmp_path)
        with pytest.raises(HubError, match="backup of TimescaleDB failed: no ready TimescaleDB pod"):
            backup(kube, settings, ns.name, "dev")
    finally:
        ns.delete()


def unannounced(plan, events) -> list[str]:
    """The backup's warnings and failures whose reason is in none of the plan's risk lines."""
    reasons = []
    for e in events:
        if (words := said(e)) and words[1] in ("warning", "error"):
            text = words[0]
            reasons.append(text.split(" not saved: ", 1)[-1] if " not saved: " in text else text)
        elif isinstance(e, StepFailed):
            reasons.append(e.error.split(": ", 1)[-1])
    return [r for r in reasons if not any(r in risk for risk in risk_words(plan))]


def test_the_demo_plan_announces_every_warning_its_backup_step_gives(kube, kube_settings, tmp_path):
    """The demo hub's Kafka pod has no Kafka tools: the plan says so up front (a probe into the pod), so the
    backup's warning about it is no surprise; nothing else warns."""
    settings = dataclasses.replace(kube_settings, state_dir=tmp_path)
    plan = discover(kube, CleanupOptions("dev", "k8s", HUB_NAMESPACE), settings)
    kafka = [r for r in risk_words(plan) if r.startswith("Kafka topics will not be saved")]
    assert kafka == ["Kafka topics will not be saved (the cleanup goes on without it): the Kafka pod kafka-0 has no "
                     "kafka-topics.sh or kafka-topics on its PATH"]
    assert not [r for r in risk_words(plan) if "Redis" in r or "TimescaleDB" in r or "will stop the cleanup" in r]
    events = []
    result = backup(kube, settings, HUB_NAMESPACE, "dev", emit=events.append)
    assert set(result.files) == {"timescaledb", "timescaledb/postgres", "timescaledb/roles", "redis"}
    warnings = [e for e in lines(events) if e.level != "info"]
    assert len(warnings) == 1 and "Kafka" in warnings[0].text  # the check below is not vacuous
    assert unannounced(plan, events) == []


def test_a_plan_with_skip_backup_probes_nothing(kube, kube_settings, tmp_path):
    settings = dataclasses.replace(kube_settings, state_dir=tmp_path)
    plan = discover(kube, CleanupOptions("dev", "k8s", HUB_NAMESPACE, skip_backup=True), settings)
    assert "no backup will be taken (--skip-backup)" in risk_words(plan)
    assert not [r for r in risk_words(plan) if "Kafka" in r or "will stop the cleanup" in r]


def test_a_store_that_cannot_be_reached_is_a_plan_risk_and_absent_stores_are_named(kube, kube_settings, tmp_path):
    """A namespace with a TimescaleDB StatefulSet but no ready pod: the plan says the backup will stop the
    cleanup, with the same reason the backup step fails with; Redis and Kafka are absent, and said so."""
    from ..kubehelpers import Scratch

    ns = Scratch(kube.api, "riskplan")
    try:
        ns.apps.create_namespaced_stateful_set(ns.name, {
            "metadata": {"name": "timescaledb"},
            "spec": {"serviceName": "timescaledb", "replicas": 0, "selector": {"matchLabels": {"app": "timescaledb"}},
                     "template": {"metadata": {"labels": {"app": "timescaledb"}},
                                  "spec": {"containers": [{"name": "postgres", "image": "x"}]}}}})
        settings = dataclasses.replace(kube_settings, state_dir=tmp_path)
        plan = discover(kube, CleanupOptions("dev", "k8s", ns.name), settings)
        assert f"the backup will stop the cleanup before anything is deleted: TimescaleDB: no ready TimescaleDB " \
               f"pod in namespace {ns.name}" in " | ".join(risk_words(plan))
        for title in ("Redis", "Kafka"):
            assert (f"{title} will not be saved (the cleanup goes on without it): no {title} in {ns.name}, nothing "
                    "of it to save") in risk_words(plan)
        events = []
        with pytest.raises(HubError, match="backup of TimescaleDB failed"):
            backup(kube, settings, ns.name, "dev", emit=events.append)
        assert [e for e in events if isinstance(e, StepFailed)] and unannounced(plan, events) == []
    finally:
        ns.delete()


def test_every_database_of_the_instance_and_its_roles_are_saved(kube, kube_settings, local_cluster, tmp_path):
    """Not only the hub's database: another one on the same TimescaleDB instance is dumped and verified too,
    and the roles are saved beside them."""
    def psql(sql: str, db: str = "llm_analytics"):
        return local_cluster.kubectl("exec", "-i", "-n", HUB_NAMESPACE, "timescaledb-0", "-c", "postgres", "--",
                                     "psql", "-U", "postgres", "-d", db, "-v", "ON_ERROR_STOP=1", "-tAc", sql)

    psql("create database billing_backup_test")
    try:
        psql("create table invoices (id int primary key, total numeric); insert into invoices values (1, 42)",
             db="billing_backup_test")
        settings = dataclasses.replace(kube_settings, state_dir=tmp_path)
        result = backup(kube, settings, HUB_NAMESPACE, "dev")
        billing = result.files["timescaledb/billing_backup_test"]
        assert billing.name == "timescaledb-billing_backup_test.dump"
        assert result.notes["timescaledb/billing_backup_test"] == "verified with pg_restore: 1 tables with their data"
        listing = subprocess.run(["pg_restore", "--list", str(billing)], capture_output=True, text=True).stdout
        assert " TABLE public invoices " in listing and " TABLE DATA public invoices " in listing
        roles = result.files["timescaledb/roles"]
        assert roles.name == "timescaledb-roles.sql" and "CREATE ROLE postgres;" in roles.read_text()
        assert result.files["timescaledb"].name == "timescaledb-llm_analytics.dump"  # the hub's, as before
    finally:
        psql("drop database billing_backup_test")


def test_a_second_redis_of_the_namespace_is_named_as_not_saved(kube, kube_settings, tmp_path):
    """The backup saves one Redis (the one whose pod it finds); another Redis StatefulSet in the namespace,
    found by its label whatever its name, is named in the plan, never passed over."""
    from kubernetes import client

    apps = client.AppsV1Api(kube.api)
    apps.create_namespaced_stateful_set(HUB_NAMESPACE, {
        "metadata": {"name": "sessions-cache", "labels": {"app.kubernetes.io/name": "redis"}},
        "spec": {"serviceName": "sessions-cache", "replicas": 0, "selector": {"matchLabels": {"app": "sessions"}},
                 "template": {"metadata": {"labels": {"app": "sessions"}},
                              "spec": {"containers": [{"name": "redis", "image": "redis"}]}}}})
    try:
        settings = dataclasses.replace(kube_settings, state_dir=tmp_path)
        plan = discover(kube, CleanupOptions("dev", "k8s", HUB_NAMESPACE, dry_run=True), settings)
        assert ("Redis sessions-cache will not be saved (the cleanup goes on without it): the backup saves one "
                "Redis, the one of pod redis-cluster-0") in risk_words(plan)
    finally:
        apps.delete_namespaced_stateful_set("sessions-cache", HUB_NAMESPACE)
