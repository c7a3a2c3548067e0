"""The scaling engine against the real local cluster, each test in a namespace of its own."""

from __future__ import annotations

import dataclasses
import time

import pytest

from hubtui.errors import HubError, UsageError
from hubtui.kube.deployments import ORIGINAL_REPLICAS_ANNOTATION, DeploymentStore
from hubtui.events import Progress, StepDone
from hubtui.ops.scale import ScaleEngine
from hubtui.present.events import fact_line
from tests.kubehelpers import deployment


pytestmark = pytest.mark.cluster


@pytest.fixture
def ns(scratch):
    return scratch("scale", {"api-server": 3, "worker-service": 2, "forecasting": 1}, hpas={"api-server": (2, 10)})


@pytest.fixture
def engine(kube, kube_settings, ns):
    events = []
    eng = ScaleEngine(kube, dataclasses.replace(kube_settings, namespace=ns.name), emit=events.append)
    eng.events = events
    return eng


def test_scale_one_changes_its_pods_and_is_audited(engine, ns, kube):
    changes = engine.scale(["forecasting"], 3)
    assert [(c.name, c.before, c.after, c.ok) for c in changes] == [("forecasting", 1, 3, True)]
    assert len(ns.wait_pods("forecasting", 3)) == 3
    assert ns.replicas() == {"api-server": 3, "worker-service": 2, "forecasting": 3}
    [entry] = [e for e in engine.audit.entries() if e["action"] == "scale"]
    assert entry | {"ts": None, "user": None} == {
        "ts": None, "user": None, "action": "scale", "context": kube.context, "cluster": kube.cluster,
        "namespace": ns.name, "deployment": "forecasting", "before": 1, "after": 3}
    assert any(isinstance(e, StepDone) and e.step == "forecasting 1→3" for e in engine.events)


def test_a_stop_sends_no_further_change_and_each_one_not_sent_says_so(kube, kube_settings, ns):
    """The operator stops as the first change is done (the first of a bulk goes alone): the others are never
    sent, each says so, and the cluster shows only the one."""
    import threading

    cancel = threading.Event()

    def emit(event):
        if isinstance(event, StepDone):
            cancel.set()

    eng = ScaleEngine(kube, dataclasses.replace(kube_settings, namespace=ns.name), emit=emit, cancel=cancel)
    changes = eng.scale_all(5)
    sent = [c for c in changes if not c.stopped]
    assert len(sent) == 1 and sent[0].ok and sorted(ns.replicas().values()).count(5) == 1
    assert all(c.error == "not sent: the run was stopped" and not c.ok for c in changes if c.stopped)
    assert [e["deployment"] for e in eng.audit.entries() if e["action"] == "scale"] == [sent[0].name]


def test_a_hard_stop_as_the_answer_comes_still_audits_the_change(engine, ns):
    """The operator's second Ctrl-C (KeyboardInterrupt) lands just as the scale's answer arrives, before its
    audit line: the line is written all the same, marked interrupted, and the stop goes on."""
    real_api = engine._api

    def api(*args, **kw):
        real_api(*args, **kw)
        raise KeyboardInterrupt

    engine._api = api
    with pytest.raises(KeyboardInterrupt):
        engine.scale(["forecasting"], 2)
    assert ns.replicas()["forecasting"] == 2
    [entry] = [e for e in engine.audit.entries() if e["action"] == "scale"]
    assert (entry["deployment"], entry["before"], entry["after"]) == ("forecasting", 1, 2)
    assert entry["interrupted"].endswith("it may or may not have been made")


def test_a_deployment_that_moves_between_the_read_and_the_write_is_never_recorded_or_restored_stale(engine, ns):
    """An HPA or a person scales a deployment after hubtui read it: maintenance's patch is refused on the old
    version and sent again on the new one, so the count recorded is the one it had just before (4, not 1); a
    restore whose deployment was scaled meanwhile is refused for it, and that scale stands."""
    stale = engine.rows()
    ns.apps.patch_namespaced_deployment_scale("forecasting", ns.name, {"spec": {"replicas": 4}})
    engine.rows = lambda *a, **kw: stale  # the race, made to happen: the rows were read before the scale
    changes = {c.name: c for c in engine.scale_all(0)}
    assert changes["forecasting"].ok and (changes["forecasting"].before, changes["forecasting"].after) == (4, 0)
    assert ns.annotations("forecasting")["hubtui.io/original-replicas"] == "4"
    assert ns.replicas()["forecasting"] == 0
    # its line was drawn as 1→0 before the read again: its ✓ says the count it was sent on
    assert [e.detail for e in engine.events if isinstance(e, StepDone) and e.step == "forecasting 1→0"] == [
        "sent on its count now, 4"]
    del engine.rows
    stale = engine.rows()  # all at 0, each with its record
    ns.apps.patch_namespaced_deployment_scale("worker-service", ns.name, {"spec": {"replicas": 1}})
    engine.rows = lambda *a, **kw: stale
    restored = {c.name: c for c in engine.restore()}
    assert not restored["worker-service"].ok and "changed since it was read" in restored["worker-service"].error
    assert ns.replicas()["worker-service"] == 1  # the newer scale stands, and so does the record
    assert ns.annotations("worker-service")["hubtui.io/original-replicas"] == "2"
    assert restored["forecasting"].ok and ns.replicas()["forecasting"] == 4


def test_scale_all_scales_every_deployment(engine, ns):
    changes = engine.scale_all(4)
    assert sorted((c.name, c.before, c.after) for c in changes) == [
        ("api-server", 3, 4), ("forecasting", 1, 4), ("worker-service", 2, 4)]
    assert ns.replicas() == {"api-server": 4, "worker-service": 4, "forecasting": 4}
    for name in ns.replicas():
        ns.wait_pods(name, 4)


def test_wait_ready_is_done_when_every_pod_is_updated_ready_and_available(engine, ns):
    engine.scale(["worker-service", "forecasting"], 3)
    outcome = engine.wait_ready(["worker-service", "forecasting"], timeout=60)
    assert outcome.ok and set(outcome.ready) == {"worker-service", "forecasting"}
    for name in ("worker-service", "forecasting"):
        dep = ns.apps.read_namespaced_deployment_status(name, ns.name)
        assert dep.status.observed_generation >= dep.metadata.generation
        assert dep.status.ready_replicas == dep.status.updated_replicas == dep.status.available_replicas == 3
    progress = [e for e in engine.events if isinstance(e, Progress)]
    assert progress[-1].done == progress[-1].total == 2


def test_wait_for_zero_means_every_pod_is_gone(engine, ns):
    engine.scale(["worker-service"], 0)
    outcome = engine.wait_ready(["worker-service"], timeout=60)
    assert outcome.ok
    assert ns.core.list_namespaced_pod(ns.name, label_selector="app=worker-service").items == []


def test_a_wait_for_zero_whose_pods_cannot_be_read_is_not_called_done(engine, ns, monkeypatch):
    """Scaled to 0, but the pods cannot be listed (here: a resource the API server does not serve, as a 403
    would): the deployment is not known to have gone to 0, so the wait does not say it did, and says why."""
    import hubtui.ops.scale as scale_module
    from hubtui.kube.rest import Collection

    monkeypatch.setattr(scale_module, "pod_list_call", lambda conn, namespace: Collection(
        conn.http, "v1", "podz", namespace))
    engine.scale(["worker-service"], 0)
    outcome = engine.wait_ready(["worker-service"], timeout=2)
    assert not outcome.ok and outcome.ready == ()
    assert outcome.not_ready["worker-service"].startswith("its pods could not be read (")
    assert outcome.not_ready["worker-service"].endswith("so they are not known to be gone")


def test_wait_times_out_on_a_deployment_that_cannot_schedule_and_says_why(engine, ns):
    ns.add("gpu-trainer", 0, node_selector={"accelerator": "h100"})
    engine.scale(["gpu-trainer"], 2)
    started = time.monotonic()
    outcome = engine.wait_ready(["gpu-trainer", "forecasting"], timeout=3)
    assert 3 <= time.monotonic() - started < 15
    assert outcome.ready == ("forecasting",)
    assert "2 pods unschedulable" in outcome.not_ready["gpu-trainer"]
    assert "node(s) didn't match Pod's node affinity/selector" in outcome.not_ready["gpu-trainer"]


def test_restore_is_exact_after_a_scale_all_to_zero_and_a_second_scale_to_zero(engine, ns):
    engine.scale_all(0)
    assert ns.replicas() == {"api-server": 0, "worker-service": 0, "forecasting": 0}
    assert ns.annotations("api-server")[ORIGINAL_REPLICAS_ANNOTATION] == "3"
    engine.scale(["worker-service"], 0)  # a second scale to 0 must not overwrite the record
    engine.scale_all(0)
    assert ns.annotations("worker-service")[ORIGINAL_REPLICAS_ANNOTATION] == "2"
    changes = engine.restore()
    assert all(c.ok for c in changes)
    assert ns.replicas() == {"api-server": 3, "worker-service": 2, "forecasting": 1}
    for name in ns.replicas():
        assert ORIGINAL_REPLICAS_ANNOTATION not in ns.annotations(name)
    assert engine.wait_ready(list(ns.replicas()), timeout=60).ok


def test_a_restore_goes_on_whatever_else_moved_since_it_read_the_deployment(engine, ns):
    """A long rollout writes a deployment's status many times a second. A restore checks only what it stands on,
    the count and the record (the API server tests them as it writes): it needs no second try however often
    the rest moves, and one whose count did change is still refused."""
    engine.scale_all(0)
    stale = engine.rows()
    for name in ("forecasting", "worker-service"):  # something else moves: a new version of each
        ns.apps.patch_namespaced_deployment(name, ns.name, {"metadata": {"labels": {"moved": "yes"}}})
    ns.apps.patch_namespaced_deployment_scale("api-server", ns.name, {"spec": {"replicas": 2}})  # its count moves
    engine.rows = lambda *a, **kw: stale
    engine._again_after_conflict = lambda *a, **kw: None  # never a second try
    restored = {c.name: c for c in engine.restore()}
    assert restored["forecasting"].ok and restored["worker-service"].ok
    assert not restored["api-server"].ok and "changed since it was read" in restored["api-server"].error
    assert ns.replicas() == {"api-server": 2, "worker-service": 2, "forecasting": 1}
    assert ns.annotations("api-server")[ORIGINAL_REPLICAS_ANNOTATION] == "3"  # its record stays for a later restore
    assert ORIGINAL_REPLICAS_ANNOTATION not in ns.annotations("forecasting")


def sends_twice(engine) -> list[str]:
    """Each request the engine sends is carried out, its answer lost, and sent again, as the wire does after a
    dropped connection: the second copy's answer (or refusal, marked resent) is the one the engine gets. Returns
    the names of the calls, one per change."""
    real_api, sent = engine._api, []

    def twice(fn, *args, **kw):
        sent.append(fn.__name__)
        real_api(fn, *args, **kw)  # made; its answer lost
        try:
            return real_api(fn, *args, **kw)
        except Exception as e:
            e.resent = True  # type: ignore[attr-defined]
            raise

    engine._api = twice
    return sent


def test_a_change_sent_again_after_its_answer_was_lost_is_done_and_audited_so(engine, ns):
    """The connection drops after the API server made the change, and the request is sent again (as the wire
    does): the second copy is refused, its version (maintenance) or its tests (restore) no longer holding. What
    the deployment is now shows the change made: it is done, and audited as answer_lost, not "changed since"."""
    ns.settled()  # no status update of the controller's between the read and the first copy (a 409 of its own)
    sends_twice(engine)
    made = {c.name: c for c in engine.scale_all(0)}
    assert {n: (c.ok, c.before, c.after) for n, c in made.items()} == {
        "api-server": (True, 3, 0), "worker-service": (True, 2, 0), "forecasting": (True, 1, 0)}
    assert ns.replicas() == {"api-server": 0, "worker-service": 0, "forecasting": 0}
    assert ns.annotations("worker-service")[ORIGINAL_REPLICAS_ANNOTATION] == "2"
    restored = {c.name: c for c in engine.restore()}
    assert all(c.ok for c in restored.values()), restored
    assert ns.replicas() == {"api-server": 3, "worker-service": 2, "forecasting": 1}
    assert ORIGINAL_REPLICAS_ANNOTATION not in ns.annotations("worker-service")
    lines = [(e["action"], e["deployment"], e["before"], e["after"], e.get("answer_lost"))
             for e in engine.audit.entries() if e["action"] in ("scale", "restore")]
    assert sorted(lines) == sorted([("scale", "api-server", 3, 0, True), ("scale", "worker-service", 2, 0, True),
                                    ("scale", "forecasting", 1, 0, True), ("restore", "api-server", 0, 3, True),
                                    ("restore", "worker-service", 0, 2, True), ("restore", "forecasting", 0, 1, True)])


def test_a_change_sent_again_that_cannot_be_read_back_says_it_may_have_been_made(engine, ns):
    """As above, but the deployment cannot be read after the refused resend (the connection is still bad): nobody
    can tell whether the first copy was made. It is audited as maybe made, said so, and not tried again."""
    ns.settled()  # no status update of the controller's between the read and the first copy (a 409 of its own)
    sent = sends_twice(engine)
    engine._read_again = lambda row: None  # type: ignore[method-assign]
    [change] = [c for c in engine.scale_all(0) if c.name == "forecasting"]
    assert not change.ok and "it may have been made (audited so)" in change.error
    assert ns.replicas()["forecasting"] == 0  # it was
    [line] = [e for e in engine.audit.entries() if e.get("deployment") == "forecasting"]
    assert (line["action"], line["before"], line["after"], line["may_have_been_made"]) == ("scale", 1, 0, True)
    assert sent.count("patch_deployment") == 3  # one each, no second try


def test_a_restore_refused_for_another_reason_says_the_servers_words_not_changed_since(engine, ns):
    """A 422 without causes is what a failed test gives, but an admission webhook can answer so too: when the
    count and the record still hold, the restore says the server's own words, and tries no second time."""
    import json

    from hubtui.kube.deployments import StaleRestore
    from hubtui.kube.http import ApiError

    engine.scale_all(0)
    sent = []

    def refused(fn, *args, **kw):
        sent.append(fn.__name__)
        try:
            raise ApiError(422, "Unprocessable Entity", json.dumps({
                "kind": "Status", "status": "Failure", "reason": "Invalid", "code": 422,
                "message": "admission webhook \"freeze.example.com\" denied the request: the freeze is on"}))
        except ApiError as e:
            raise StaleRestore(args[2]) from e

    engine._api = refused
    [change] = engine.restore(["worker-service"])
    assert not change.ok and "the freeze is on" in change.error and "changed since" not in change.error
    assert sent == ["restore_deployment"]
    assert ns.replicas()["worker-service"] == 0


def test_restore_refuses_a_deployment_changed_since_unless_forced(engine, ns):
    engine.scale_all(0)
    engine.scale(["forecasting"], 5)  # someone scaled it during maintenance
    changes = {c.name: c for c in engine.restore()}
    assert "changed since maintenance (now 5, recorded 1)" in changes["forecasting"].error
    assert changes["api-server"].ok and changes["worker-service"].ok
    assert ns.replicas()["forecasting"] == 5
    assert ns.annotations("forecasting")[ORIGINAL_REPLICAS_ANNOTATION] == "1"
    [forced] = engine.restore(["forecasting"], force=True)
    assert forced.ok and ns.replicas()["forecasting"] == 1
    assert any(e["action"] == "restore-force" for e in engine.audit.entries())


def test_scaling_outside_the_hpa_range_warns_that_the_hpa_will_undo_it(engine, ns):
    [change] = engine.scale(["api-server"], 12)
    assert fact_line(change.warning) == ("api-server: 12 is outside HPA api-server's range 2–10: "
                                         "the HPA will scale it back to 10", "warning")
    assert change.warning in engine.events  # said as it happens, as well as returned
    [inside] = engine.scale(["api-server"], 4)
    assert inside.warning is None
    row = next(r for r in engine.rows() if r.name == "api-server")
    assert (row.hpa.min_replicas, row.hpa.max_replicas) == (2, 10)


def test_an_unknown_deployment_names_the_closest_matches_and_changes_nothing(engine, ns):
    before = ns.versions()
    with pytest.raises(UsageError) as err:
        engine.scale(["api-servr", "forecasting"], 2)
    assert str(err.value) == f"deployment 'api-servr' not found in namespace {ns.name}; did you mean api-server?"
    assert ns.versions() == before


@pytest.mark.parametrize("value, message", [
    ("-1", "replicas cannot be negative (got -1)"),
    ("abc", "replicas must be a whole number from 0 to 1000, not 'abc'"),
    ("2.5", "replicas must be a whole number from 0 to 1000, not '2.5'"),
    ("", "replicas must be a whole number from 0 to 1000, not ''"),
    ("1e3", "replicas must be a whole number from 0 to 1000, not '1e3'"),
    ("1001", "replicas 1001 is more than hubtui allows (1000)"),
    ("99999999999999999999", "replicas 99999999999999999999 is more than hubtui allows (1000)"),
])
def test_bad_replica_values_are_refused_and_change_nothing(engine, ns, value, message):
    before = ns.versions()
    for call in (lambda: engine.scale(["forecasting"], value), lambda: engine.scale_all(value)):
        with pytest.raises(UsageError) as err:
            call()
        assert str(err.value) == message
    assert ns.versions() == before


def test_dry_run_validates_on_the_server_and_changes_nothing(kube, kube_settings, ns):
    engine = ScaleEngine(kube, dataclasses.replace(kube_settings, namespace=ns.name), dry_run=True)
    before = ns.versions()
    changes = engine.scale_all(0)
    assert all(c.ok and c.dry_run for c in changes)
    assert ns.versions() == before
    assert engine.audit.entries() == []


def test_the_watch_survives_the_api_server_going_away_and_coming_back(kube_settings, api_proxy, ns):
    from hubtui.kube.client import connect

    through = connect(dataclasses.replace(kube_settings, kubeconfig=str(api_proxy.kubeconfig)))
    store = DeploymentStore(through, ns.name).start()
    try:
        assert store.wait_for(lambda s: s.synced and len(s.rows) == 3, 10)
        api_proxy.cut()
        try:
            assert store.wait_for(lambda s: s.error is not None, 20)
            assert "cannot reach the API server" in store.error
        finally:
            api_proxy.restore()
        assert store.wait_for(lambda s: s.synced and s.error is None, 30)
        ns.apps.patch_namespaced_deployment_scale("forecasting", ns.name, {"spec": {"replicas": 2}})
        assert store.wait_for(lambda s: s.row("forecasting").desired == 2, 10)
    finally:
        store.stop()
        through.close()


def test_a_new_maintenance_records_the_current_count_not_a_stale_one(engine, ns):
    engine.scale(["forecasting"], 0)  # records 1
    engine.scale(["forecasting"], 5)  # scaled up by hand; the old record stays until the next maintenance
    engine.scale_all(0)
    assert ns.annotations("forecasting")[ORIGINAL_REPLICAS_ANNOTATION] == "5"
    engine.restore()
    assert ns.replicas()["forecasting"] == 5


def test_waiting_for_a_target_the_deployment_does_not_show_is_not_ready(engine, ns):
    outcome = engine.wait_ready(["forecasting"], timeout=1, targets={"forecasting": 7})
    assert not outcome.ok and "forecasting" in outcome.not_ready


def test_an_audit_log_that_cannot_be_written_stops_the_change(kube, kube_settings, ns, tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    engine = ScaleEngine(kube, dataclasses.replace(kube_settings, namespace=ns.name, state_dir=blocker / "hubtui"))
    before = ns.versions()
    with pytest.raises(HubError, match="cannot write the audit log .*nothing was changed"):
        engine.scale_all(0)
    assert ns.versions() == before


def test_maintenance_records_and_scales_each_deployment_in_one_change_and_restores_in_one(engine, ns, kube):
    """Never at 0 without the count to restore, and half the requests of a record then a scale: a watch on the
    namespace sees each deployment's count and record change together, once each way."""
    import threading

    from kubernetes import client, watch

    seen: dict[str, list] = {name: [] for name in ns.replicas()}
    started, stop = threading.Event(), threading.Event()

    def follow():
        w = watch.Watch()
        rv = client.AppsV1Api(kube.api).list_namespaced_deployment(ns.name).metadata.resource_version
        started.set()
        for ev in w.stream(client.AppsV1Api(kube.api).list_namespaced_deployment, ns.name, resource_version=rv,
                           timeout_seconds=30):
            d = ev["object"]
            state = (d.spec.replicas, (d.metadata.annotations or {}).get(ORIGINAL_REPLICAS_ANNOTATION))
            # the nudge below (made to end the watch) is not one of those followed
            if d.metadata.name in seen and (not seen[d.metadata.name] or seen[d.metadata.name][-1] != state):
                seen[d.metadata.name].append(state)
            if stop.is_set() and all(s and s[-1][1] is None and s[-1][0] > 0 for s in seen.values()):
                w.stop()

    before = ns.replicas()
    for name, n in before.items():  # each one's state before: running, no record
        seen[name].append((n, None))
    follower = threading.Thread(target=follow, daemon=True)
    follower.start()
    assert started.wait(10)
    engine.scale_all(0)
    engine.restore()
    stop.set()
    ns.add("nudge", 0)  # one more event, so that the watch looks again and ends
    follower.join(30)
    assert {name: seen[name] for name in before} == {
        name: [(n, None), (0, str(n)), (n, None)] for name, n in before.items()}
    audited = [(e["action"], e["deployment"], e.get("recorded"), e.get("cleared_record"))
               for e in engine.audit.entries()]
    assert sorted(audited) == sorted([("scale", name, n, None) for name, n in before.items()]
                                     + [("restore", name, None, True) for name, n in before.items()])


def test_a_scale_to_0_rolled_back_takes_the_record_it_wrote_away_in_the_same_request(engine, ns):
    """Pods held by a finalizer never go: the wait for 0 gives up, and the rollback puts the count back and
    removes the record the scale to 0 wrote, so that the deployment does not look as if it were in maintenance."""
    body = deployment("held", 1)
    body["spec"]["template"]["metadata"]["finalizers"] = ["hubtui.io/test-hold"]  # copied to each pod
    ns.apps.create_namespaced_deployment(ns.name, body)
    try:
        ns.wait_pods("held", 1)
        changes = engine.scale(["held"], 0)
        assert ns.annotations("held").get("hubtui.io/original-replicas") == "1"
        outcome = engine.wait_ready(["held"], timeout=3, targets={"held": 0})
        assert not outcome.ok and outcome.not_ready["held"].startswith("1 pod still terminating")
        back = engine.rollback(changes)
        assert [(c.name, c.before, c.after, c.ok) for c in back] == [("held", 0, 1, True)]
        assert ns.replicas()["held"] == 1
        assert "hubtui.io/original-replicas" not in ns.annotations("held")
    finally:  # no pod left held: the template first (no new pod gets the finalizer), then each pod
        ns.apps.patch_namespaced_deployment("held", ns.name, {"spec": {"replicas": 0, "template": {
            "metadata": {"finalizers": None}}}})
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            held = [p for p in ns.core.list_namespaced_pod(ns.name, label_selector="app=held").items
                    if p.metadata.finalizers]
            for pod in held:
                ns.core.patch_namespaced_pod(pod.metadata.name, ns.name, {"metadata": {"finalizers": None}})
            if not held and not any(rs.spec.replicas for rs in ns.apps.list_namespaced_replica_set(
                    ns.name, label_selector="app=held").items):
                break
            time.sleep(0.2)
