"""The cleanup's cluster lock (a Lease in kube-system) against the real API server: a second run of the same
environment from another machine is refused, a holder that stopped renewing is taken over, a renewing holder
keeps it, a lease taken from under a run stops that run, and a run without the right to Leases says so."""

from __future__ import annotations

import dataclasses
import subprocess
import sys
import time
import uuid
from datetime import datetime, timedelta, UTC

import pytest
from kubernetes import client

from hubtui.errors import HubError
from hubtui.kube.client import connect
from hubtui.ops.cleanup.cluster_lock import NAMESPACE, ClusterLease, lease_name

from ..kubehelpers import restricted_kubeconfig

pytestmark = pytest.mark.cluster


def taken_at_once(kube, env: str) -> None:
    """The environment's lease is taken (within 5 s: no waiting out the old holder's lease), then released."""
    started = time.monotonic()
    taker = ClusterLease(kube, env).acquire()
    try:
        assert taker.held and time.monotonic() - started < 5
    finally:
        taker.release()


@pytest.fixture
def env(kube):
    name = f"lk{uuid.uuid4().hex[:6]}"
    yield name
    try:
        client.CoordinationV1Api(kube.api).delete_namespaced_lease(lease_name(name), NAMESPACE)
    except client.ApiException as e:
        if e.status != 404:
            raise


def plant(kube, env, holder: str, *, renewed: datetime | None = None, duration: int = 60,
          pid: int | None = None, host: str | None = None) -> None:
    """A lease as another hubtui would have left it (with `pid`: one of this machine's processes; `host`: the
    host name it ran on, this one by default)."""
    import socket

    from hubtui.ops.cleanup.cluster_lock import machine_id

    stamp = (renewed or datetime.now(UTC)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    notes = {"hubtui.io/machine": machine_id(), "hubtui.io/pid": str(pid),
             "hubtui.io/host": host or socket.gethostname()} if pid is not None else {}
    client.CoordinationV1Api(kube.api).create_namespaced_lease(NAMESPACE, {
        "metadata": {"name": lease_name(env), "annotations": notes},
        "spec": {"holderIdentity": holder, "leaseDurationSeconds": duration, "acquireTime": stamp,
                 "renewTime": stamp}})


def lease(kube, env):
    return client.CoordinationV1Api(kube.api).read_namespaced_lease(lease_name(env), NAMESPACE)


def test_a_second_run_from_another_machine_is_refused_naming_the_holder(kube, env):
    first = ClusterLease(kube, env, identity="ana@laptop pid 41").acquire()
    try:
        assert first.held and lease(kube, env).spec.holder_identity.startswith("ana@laptop pid 41 #")
        with pytest.raises(HubError, match=rf"a cleanup of '{env}' is already running on this cluster "
                                           r"\(ana@laptop pid 41 #\w+, since .*nothing was changed"):
            ClusterLease(kube, env, identity="ci@runner pid 7").acquire()
        with pytest.raises(HubError, match="ana@laptop pid 41"):
            ClusterLease(kube, env).probe()
    finally:
        first.release()
    with pytest.raises(client.ApiException) as gone:  # released: deleted
        lease(kube, env)
    assert gone.value.status == 404
    second = ClusterLease(kube, env, identity="ci@runner pid 7").acquire()
    assert second.held
    second.release()


def test_a_holder_that_stopped_renewing_is_taken_over(kube, env):
    plant(kube, env, "crashed@laptop pid 9 #abc", renewed=datetime.now(UTC) - timedelta(minutes=5), duration=3)
    ClusterLease(kube, env).probe()  # expired: nothing to refuse
    taker = ClusterLease(kube, env, identity="ops@desk pid 1").acquire()
    try:
        assert lease(kube, env).spec.holder_identity == taker.identity
    finally:
        taker.release()


def test_a_renewing_holder_keeps_the_lease_past_its_duration_and_loses_it_when_taken(kube, env):
    lost = []
    holder = ClusterLease(kube, env, duration=2, on_lost=lost.append).acquire()
    try:
        time.sleep(3)  # longer than the lease lasts without renewal
        with pytest.raises(HubError, match="already running on this cluster"):
            ClusterLease(kube, env, duration=2).acquire()
        # someone takes it from under the holder (as if its renewals had stopped for too long)
        api = client.CoordinationV1Api(kube.api)
        for _ in range(20):  # the holder renews meanwhile: read again on a conflict
            current = lease(kube, env)
            current.spec.holder_identity = "thief@elsewhere pid 3 #zzz"
            try:
                api.replace_namespaced_lease(lease_name(env), NAMESPACE, current)
                break
            except client.ApiException as e:
                if e.status != 409:
                    raise
        deadline = time.monotonic() + 5
        while not lost and time.monotonic() < deadline:
            time.sleep(0.1)
        assert lost and "taken by thief@elsewhere pid 3 #zzz" in lost[0] and not holder.held
    finally:
        holder.release()
    assert lease(kube, env).spec.holder_identity == "thief@elsewhere pid 3 #zzz"  # never deleted: not ours


def test_without_rights_to_leases_the_run_goes_on_and_says_why(kube, kube_settings, env, tmp_path):
    config = restricted_kubeconfig(kube.api, tmp_path / "kubeconfig", kube_settings.namespace)
    nobody = connect(dataclasses.replace(kube_settings, kubeconfig=config, context=None))
    try:
        held = ClusterLease(nobody, env).acquire()
        assert not held.held and "forbidden" in (held.skipped or "").lower()
        held.release()
        ClusterLease(nobody, env).probe()  # cannot read it either: nothing to refuse on
    finally:
        nobody.close()


def test_a_cleanup_run_is_refused_while_another_machine_runs_it(kube, kube_settings, env, tmp_path):
    from hubtui.ops.cleanup.plan import CleanupOptions, discover
    from hubtui.ops.cleanup.runner import CleanupRun

    core = client.CoreV1Api(kube.api)
    ns = f"{env}-main"
    core.create_namespace({"metadata": {"name": ns, "labels": {"environment": env}}})
    other = ClusterLease(kube, env, identity="ci@runner pid 77").acquire()
    try:
        settings = dataclasses.replace(kube_settings, state_dir=tmp_path)
        plan = discover(kube, CleanupOptions(env, "k8s", ns, skip_backup=True), settings)
        plan = dataclasses.replace(plan, namespaces=plan.namespaces[:1])  # the test's own namespace only
        with pytest.raises(HubError, match="ci@runner pid 77"):
            CleanupRun(plan, plan.save(tmp_path), kube, settings).run()
        assert core.read_namespace(ns).metadata.deletion_timestamp is None  # nothing was changed
    finally:
        other.release()
        core.delete_namespace(ns)


def test_a_live_holder_with_a_clock_behind_keeps_its_lease(kube, env):
    """Its renewals look minutes old to a taker with the right time, but they keep coming: it is alive."""

    class Behind(ClusterLease):
        def _body(self, now, acquired=None, rv=None):
            return super()._body(now - timedelta(minutes=5), acquired and acquired - timedelta(minutes=5), rv)

    holder = Behind(kube, env, duration=3, identity="slow@clock pid 5").acquire()
    try:
        with pytest.raises(HubError, match="slow@clock pid 5"):
            ClusterLease(kube, env, identity="ops@desk pid 1").acquire()
        assert holder.held and holder.lost is None
    finally:
        holder.release()


def test_a_run_that_may_only_read_leases_is_refused_while_another_holds_one(kube, kube_settings, env, tmp_path):
    config = restricted_kubeconfig(kube.api, tmp_path / "kubeconfig", NAMESPACE, rules=[
        {"apiGroups": ["coordination.k8s.io"], "resources": ["leases"], "verbs": ["get"]}])
    reader = connect(dataclasses.replace(kube_settings, kubeconfig=config, context=None))
    holder = ClusterLease(kube, env, identity="ci@runner pid 8").acquire()
    try:
        with pytest.raises(HubError, match="ci@runner pid 8"):
            ClusterLease(reader, env).acquire()
    finally:
        holder.release()
        reader.close()


def test_a_holder_that_cannot_renew_reports_the_lease_lost_unless_it_let_go(kube, kube_settings, api_proxy, env):
    """The API server away for longer than the lease lasts: the holder says so (its run stops); one that let
    go (its run is deleting the cluster) does not; nor does one whose run sent a delete to a cluster that may be
    this one (a proxy in front, as here): it says so once and goes on renewing (the lease is still its own once
    the server answers again). One whose run has sent no such delete yet is lost as any other."""
    lost, quiet, maybe_lost, gone, not_yet_lost = [], [], [], [], []
    through = connect(dataclasses.replace(kube_settings, kubeconfig=str(api_proxy.kubeconfig)))
    holder = ClusterLease(through, env, duration=1, on_lost=lost.append).acquire()
    other = ClusterLease(through, f"{env}-b", duration=1, on_lost=quiet.append).acquire()
    other.let_go()
    maybe = ClusterLease(through, f"{env}-c", duration=1, on_lost=maybe_lost.append).acquire()
    maybe.may_go(lambda: True, lambda: gone.append(True))
    not_yet = ClusterLease(through, f"{env}-d", duration=1, on_lost=not_yet_lost.append).acquire()
    not_yet.may_go(lambda: False)
    try:
        api_proxy.cut()
        try:
            deadline = time.monotonic() + 20
            while not (lost and gone and not_yet_lost) and time.monotonic() < deadline:
                time.sleep(0.2)
        finally:
            api_proxy.restore()
        assert lost and "could not be renewed for 1 s" in lost[0] and not holder.held
        assert quiet == [] and other.lost is None
        assert gone == [True] and maybe_lost == [] and maybe.lost is None
        assert not_yet_lost and "could not be renewed" in not_yet_lost[0]
        time.sleep(1.5)  # the server answers again: the lease is renewed, still its own
        assert maybe.held and maybe_lost == [] and gone == [True]
    finally:
        holder.release()
        other.release()
        maybe.release()
        not_yet.release()
        through.close()
        for name in (f"{env}-b", f"{env}-c", f"{env}-d"):
            try:
                client.CoordinationV1Api(kube.api).delete_namespaced_lease(lease_name(name), NAMESPACE)
            except client.ApiException:
                pass


def test_a_holder_whose_cluster_may_go_still_loses_a_lease_another_run_took(kube, env):
    """may_go forgives a server that stops answering, never a lease that another holder took."""
    lost, gone = [], []
    holder = ClusterLease(kube, env, duration=1, on_lost=lost.append).acquire()
    holder.may_go(lambda: True, lambda: gone.append(True))
    try:
        leases = client.CoordinationV1Api(kube.api)
        lease = leases.read_namespaced_lease(lease_name(env), NAMESPACE)
        lease.spec.holder_identity = "someone@else pid 1 #other"
        leases.replace_namespaced_lease(lease_name(env), NAMESPACE, lease)
        deadline = time.monotonic() + 20
        while not lost and time.monotonic() < deadline:
            time.sleep(0.2)
        assert lost and "was taken by someone@else pid 1 #other" in lost[0] and gone == []
    finally:
        holder.release()
        try:
            client.CoordinationV1Api(kube.api).delete_namespaced_lease(lease_name(env), NAMESPACE)
        except client.ApiException:
            pass


def test_a_killed_run_on_this_machine_is_taken_over_at_once(kube, env):
    """Its lease is fresh, but its process is gone: a resume right after the kill need not wait a minute."""
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    plant(kube, env, f"me@here pid {dead.pid} #killed", pid=dead.pid)
    taken_at_once(kube, env)
    # the same machine id but another host name (a container sharing the id): its pid says nothing here
    plant(kube, env, f"ci@container pid {dead.pid} #other", pid=dead.pid, host="another-container")
    with pytest.raises(HubError, match=f"ci@container pid {dead.pid} #other"):
        ClusterLease(kube, env).acquire()
    client.CoordinationV1Api(kube.api).delete_namespaced_lease(lease_name(env), NAMESPACE)
    # the same lease, held by a live process of this machine: refused
    alive = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        plant(kube, env, f"me@here pid {alive.pid} #live", pid=alive.pid)
        with pytest.raises(HubError, match=f"me@here pid {alive.pid} #live"):
            ClusterLease(kube, env).acquire()
    finally:
        alive.kill()
        alive.wait()


def test_a_run_resumed_in_the_same_process_takes_its_ended_runs_lease(kube, env):
    """A TUI resumes a failed run at once: the first run let go of its lease (its cloud step) and ended; the
    second takes it without waiting a minute. A run of this process that still holds it is refused."""
    first = ClusterLease(kube, env).acquire()
    second = ClusterLease(kube, env)
    with pytest.raises(HubError, match="already running on this cluster"):
        second.acquire()  # the first still holds it
    first.let_go()
    # as if the cluster had been unreachable when the first run ended: its lease is left behind
    first._rv = None
    first.release()
    assert lease(kube, env).spec.holder_identity == first.identity
    taken_at_once(kube, env)
    with pytest.raises(client.ApiException):  # released: deleted
        lease(kube, env)
