"""The detail's words for states the real-cluster tests do not reach on their own (a pod held in deletion, a
rollout half way, an old replica set), and the small pieces under the watches."""

from __future__ import annotations

from datetime import datetime, timedelta, UTC

from hubtui.kube.detail import DetailSnapshot, _sortable, label_selector
from hubtui.present.detail import pod_facts, rollout_facts

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)


def ts(seconds_ago: int) -> str:
    return (NOW - timedelta(seconds=seconds_ago)).strftime("%Y-%m-%dT%H:%M:%SZ")


def pod(name="web-5d8f-abcde", *, phase="Running", ready=True, deleting=None, node="node-0", statuses=None):
    return {"metadata": {"name": name, "creationTimestamp": ts(600),
                         **({"deletionTimestamp": ts(deleting)} if deleting is not None else {})},
            "spec": {"nodeName": node, "containers": [{"name": "web", "image": "web:2", "readinessProbe": False}]},
            "status": {"phase": phase, "conditions": [{"type": "Ready", "status": "True" if ready else "False"}],
                       "containerStatuses": statuses if statuses is not None else [
                           {"name": "web", "image": "web:2", "ready": ready, "restartCount": 0,
                            "state": {"running": {}}}]}}


def test_a_pod_being_deleted_is_terminating_with_how_long_ago():
    facts = pod_facts(pod(deleting=45), NOW)
    assert (facts.phase, facts.reason) == ("Terminating", "Terminating: deletion requested 45s ago")


def test_a_pod_not_placed_yet_waits_for_the_scheduler():
    facts = pod_facts(pod(phase="Pending", ready=False, node=None, statuses=[]), NOW)
    assert facts.reason == "Pending: waiting for the scheduler to place it"


def test_a_running_container_that_is_not_ready_without_a_probe_says_so():
    facts = pod_facts(pod(ready=False), NOW)
    assert facts.reason == "Not ready: container web is running but not ready"


def test_a_ready_pod_has_no_reason():
    assert pod_facts(pod(), NOW).reason == ""


def rs(name, revision, desired, ready):
    return {"metadata": {"name": name, "revision": str(revision), "creationTimestamp": ts(300)},
            "spec": {"replicas": desired, "images": [f"web:{revision}"]},
            "status": {"replicas": desired, "readyReplicas": ready, "availableReplicas": ready}}


def test_a_rollout_half_way_names_the_new_and_old_replica_sets():
    dep = {"metadata": {"name": "web", "generation": 3, "annotations": {"deployment.kubernetes.io/revision": "3"}},
           "spec": {"replicas": 3, "containers": [{"name": "web", "image": "web:3"}]},
           "status": {"observedGeneration": 3, "replicas": 4, "updatedReplicas": 1, "readyReplicas": 3,
                      "availableReplicas": 3}}
    snap = DetailSnapshot("web", "ns", dep, (rs("web-1", 1, 0, 0), rs("web-2", 2, 3, 3), rs("web-3", 3, 1, 0)),
                          synced=True)
    facts = rollout_facts(snap, NOW)
    assert facts.summary == "Rolling out: 1/3 updated, 3 old pods still running, 3 ready" and not facts.ok
    assert [(r.role, r.name) for r in facts.replicasets] == [("new", "web-3"), ("old", "web-2")]
    assert facts.old_at_zero == 1 and facts.images == (("web", "web:3"),)


def test_a_deleted_deployment_says_so():
    assert rollout_facts(DetailSnapshot("web", "ns", None, synced=True), NOW).summary == \
        "deployment web is gone (deleted)"


def test_label_selectors_and_event_times():
    assert label_selector({"matchLabels": {"b": "2", "a": "1"},
                           "matchExpressions": [{"key": "tier", "operator": "In", "values": ["api", "web"]},
                                                {"key": "canary", "operator": "DoesNotExist"}]}) == \
        "a=1,b=2,tier in (api,web),!canary"
    # seconds and microseconds compare in time order as strings
    assert _sortable("2026-11-27T12:40:20Z") < _sortable("2026-11-27T12:40:20.512Z") < _sortable("2026-11-27T12:40:21Z")


def test_counts_are_worded_in_the_singular_for_one():
    from hubtui.present.words import counted

    assert [counted(n, "deployment") for n in (0, 1, 2)] == ["0 deployments", "1 deployment", "2 deployments"]


def test_a_waits_reasons_keep_what_the_deployment_says_beside_each_pods_own():
    """A quota that keeps two of three pods from being created, and the third that cannot pull its image: both
    are said (the deployment's reasons first, then the pod's in the detail view's words)."""
    from hubtui.present.detail import wait_reasons

    pod = {"metadata": {"name": "api-1", "creationTimestamp": "2026-12-03T10:00:00Z"},
           "spec": {"nodeName": "n1", "containers": [{"name": "api", "image": "example/api:9"}]},
           "status": {"phase": "Pending", "containerStatuses": [
               {"name": "api", "image": "example/api:9", "ready": False,
                "state": {"waiting": {"reason": "ImagePullBackOff"}}}]}}
    deployment = {"metadata": {"generation": 2}, "status": {"observedGeneration": 2, "conditions": [
        {"type": "ReplicaFailure", "status": "True", "message": "pods \"api-2\" is forbidden: exceeded quota"}]}}
    said = wait_reasons({"api": "engine's line"}, {"api": (pod,)}, {"api": (3, deployment)})
    assert said == {"api": 'replica failure: pods "api-2" is forbidden: exceeded quota; '
                           "ImagePullBackOff: image example/api:9 cannot be pulled (container api)"}
    running = {**pod, "status": {"phase": "Running", "containerStatuses": [
        {"name": "api", "ready": True, "state": {"running": {}}}], "conditions": [{"type": "Ready", "status": "True"}]}}
    assert wait_reasons({"api": "x"}, {"api": (running,)}, {"api": (3, {"metadata": {"generation": 3},
                                                                      "status": {"observedGeneration": 2}})}) == {
        "api": "the deployment controller has not seen the change yet; 1 of 3 pods created"}
    assert wait_reasons({"gone": "the deployment is gone"}) == {"gone": "the deployment is gone"}
