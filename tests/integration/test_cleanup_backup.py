"""The cleanup's backup through real exec into the real PostgreSQL and Redis, verified."""

from __future__ import annotations

import dataclasses
import shutil
import subprocess

import pytest

from cluster.localcluster import HUB_NAMESPACE
from hubtui.errors import HubError
from hubtui.ops.cleanup.backup import backup

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
    if local_check:  # Redis's own checker agrees
        assert subprocess.run([local_check, str(rdb)], capture_output=True).returncode == 0
    listing = subprocess.run(["pg_restore", "--list", str(dump)], capture_output=True, text=True).stdout
    for table in ("llm_requests", "metrics_hourly", "anomalies"):
        assert f" TABLE public {table} " in listing
    assert rdb.read_bytes().startswith(b"REDIS")
    # the snapshot holds the sample data, which the real server holds
    assert b"hub:version" in rdb.read_bytes()
    # Kafka is best effort: the demo's kafka pod has no kafka tools, so it is noted, not fatal
    assert result.notes["kafka"].startswith("best effort, failed")
    assert result.folder.parent.parent == tmp_path / "backups"


def test_a_backup_that_fails_stops_with_nothing_deleted_and_keeps_what_was_saved(kube, kube_settings, tmp_path):
    settings = dataclasses.replace(kube_settings, state_dir=tmp_path, db_name="no_such_database")
    with pytest.raises(HubError) as err:
        backup(kube, settings, HUB_NAMESPACE, "dev")
    assert str(err.value).startswith("backup of TimescaleDB failed: ")
    assert "nothing was deleted" in str(err.value)
    assert list((tmp_path / "backups" / "dev").iterdir())  # the folder is kept for what was saved


def test_a_store_that_exists_but_cannot_be_reached_stops_the_backup(kube, kube_settings, tmp_path):
    from ..kubehelpers import Scratch

    ns = Scratch(kube.api, "nobackup")
    try:
        ns.apps.create_namespaced_stateful_set(ns.name, {
            "metadata": {"name": "timescaledb"},
            "spec": {"serviceName": "timescaledb", "replicas": 0, "selector": {"matchLabels": {"app": "timescaledb"}},
                     "template": {"metadata": {"labels": {"app": "timescaledb"}},
                                  "spec": {"containers": [{"name": "postgres", "image": "x"}]}}}})
        settings = dataclasses.replace(kube_settings, state_dir=tmp_path)
        with pytest.raises(HubError, match="backup of TimescaleDB failed: no ready TimescaleDB pod"):
            backup(kube, settings, ns.name, "dev")
    finally:
        ns.delete()
