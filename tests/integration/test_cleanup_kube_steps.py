"""The cleanup's Kubernetes steps against the real cluster: drain, namespace deletion, and what gets stuck."""

from __future__ import annotations

import time

import pytest
from kubernetes import client

from hubtui.audit import AuditLog
from hubtui.kube.deployments import ORIGINAL_REPLICAS_ANNOTATION
from hubtui.ops.cleanup.kube_steps import delete_namespaces, drain
from hubtui.events import StepDone
from hubtui.present.events import event_line
from hubtui.present.tones import ERROR

from ..kubehelpers import HttpProxy, Scratch, wait_deleted

pytestmark = pytest.mark.cluster


@pytest.fixture
def audit(tmp_path):
    return AuditLog(tmp_path / "state")


@pytest.fixture
def ns(scratch):
    return scratch("drain")


def workloads(ns):
    ns.add("web", 2)
    ns.apps.create_namespaced_stateful_set(ns.name, {
        "metadata": {"name": "db"},
        "spec": {"serviceName": "db", "replicas": 1, "selector": {"matchLabels": {"app": "db"}},
                 "template": {"metadata": {"labels": {"app": "db"}},
                              "spec": {"containers": [{"name": "db", "image": "x"}]}}}})
    batch = client.BatchV1Api(ns.core.api_client)
    batch.create_namespaced_cron_job(ns.name, {
        "metadata": {"name": "rollup"},
        "spec": {"schedule": "*/5 * * * *", "jobTemplate": {"spec": {"template": {"spec": {
            "restartPolicy": "Never", "containers": [{"name": "r", "image": "x"}]}}}}}})
    batch.create_namespaced_job(ns.name, {
        "metadata": {"name": "migrate"},
        "spec": {"template": {"spec": {"restartPolicy": "Never", "containers": [{"name": "m", "image": "x"}]}}}})
    ns.wait_pods("web", 2)
    ns.wait_pods("db", 1)


def test_drain_scales_to_zero_deletes_jobs_and_waits_until_no_pod_is_left(kube, ns, audit):
    workloads(ns)
    events = []
    result = drain(kube, ns.name, audit=audit, emit=events.append, timeout=60)
    assert result.complete
    assert result.scaled == ("deployment/web", "statefulset/db")
    assert sorted(result.deleted) == ["cronjob/rollup", "job/migrate"]
    assert ns.core.list_namespaced_pod(ns.name).items == []
    assert ns.annotations("web")[ORIGINAL_REPLICAS_ANNOTATION] == "2"
    db = ns.apps.read_namespaced_stateful_set("db", ns.name)
    assert db.spec.replicas == 0 and db.metadata.annotations[ORIGINAL_REPLICAS_ANNOTATION] == "1"
    assert any(isinstance(e, StepDone) for e in events)
    actions = sorted(e["action"] for e in audit.entries())
    assert actions == ["drain-delete", "drain-delete", "drain-scale", "drain-scale",
                       "record-original-replicas", "record-original-replicas"]


def test_drain_names_the_stragglers_when_pods_stay(kube, ns, audit):
    ns.add("web", 1)
    ns.core.create_namespaced_pod(ns.name, {"metadata": {"name": "lonely", "labels": {"app": "lonely"}},
                                            "spec": {"containers": [{"name": "c", "image": "x"}]}})
    ns.wait_pods("web", 1)
    events = []
    result = drain(kube, ns.name, audit=audit, emit=events.append, timeout=3)
    assert not result.complete and result.stragglers == ("lonely",)
    error = [text for text, tone in filter(None, map(event_line, events)) if tone == ERROR]  # as the log shows it
    assert error and "lonely" in error[0] and not any(isinstance(e, StepDone) for e in events)


def test_stopping_the_writers_leaves_the_stores_running_for_the_backup(kube, ns, audit):
    workloads(ns)
    result = drain(kube, ns.name, audit=audit, timeout=60, stores=False)
    assert result.complete and result.scaled == ("deployment/web",)
    assert sorted(result.deleted) == ["cronjob/rollup", "job/migrate"]
    pods = [p.metadata.name for p in ns.core.list_namespaced_pod(ns.name).items if p.metadata.deletion_timestamp is None]
    assert pods == ["db-0"]  # the store still runs, to be saved quiet
    assert ns.apps.read_namespaced_stateful_set("db", ns.name).spec.replicas == 1
    assert ns.apps.read_namespaced_deployment("web", ns.name).spec.replicas == 0


def test_a_controller_that_scales_the_drained_writers_back_up_fails_the_drain(kube, ns, audit):
    """A GitOps controller (here: one that says it is Argo CD) puts the replicas back after the drain scaled
    them to 0: the drain stops, naming the workload and what keeps it, instead of waiting or going on."""
    import threading

    from hubtui.ops.cleanup.kube_steps import DrainReverted

    ns.add("web", 2)
    ns.apps.patch_namespaced_deployment("web", ns.name, {"metadata": {"labels": {
        "argocd.argoproj.io/instance": "hub-dev"}}})
    ns.wait_pods("web", 2)
    stop = threading.Event()

    def argo() -> None:  # syncs the deployment back to 2 whenever it sees it lower
        while not stop.wait(0.2):
            dep = ns.apps.read_namespaced_deployment("web", ns.name)
            if dep.spec.replicas != 2:
                ns.apps.patch_namespaced_deployment("web", ns.name, {"spec": {"replicas": 2}},
                                                    field_manager="argocd-application-controller")

    syncer = threading.Thread(target=argo, daemon=True)
    syncer.start()
    try:
        with pytest.raises(DrainReverted) as caught:
            drain(kube, ns.name, audit=audit, timeout=60, stores=False)
    finally:
        stop.set()
        syncer.join(5)
    text = str(caught.value)
    assert f"{ns.name}: scaled to 0, but something scales it back up: web is back at 2 replicas" in text
    assert "set by argocd-application-controller" in text and "Argo CD (argocd.argoproj.io/instance=hub-dev)" in text


def test_namespaces_are_deleted_and_waited_for_and_missing_ones_are_noted(kube, audit):
    a, b = Scratch(kube.api, "gone"), Scratch(kube.api, "gone")
    a.add("web", 1)
    uid = {n: a.core.read_namespace(n).metadata.uid for n in (a.name, b.name)}
    result = delete_namespaces(kube, {**uid, "never-existed": "0000"}, audit=audit, timeout=90)
    assert result.complete and set(result.gone) == {a.name, b.name} and result.absent == ("never-existed",)
    for name in (a.name, b.name):
        with pytest.raises(client.ApiException):
            a.core.read_namespace(name)


def test_a_namespace_delete_that_gets_no_answer_is_audited_as_maybe_made(kube, kube_settings, api_proxy, audit):
    """The API server away as the DELETE goes (the connection fails: the request may or may not have been
    carried out): the namespace is said as not deleted, and the audit log has its line, saying no answer came.
    Before, it was taken as refused, and no line was written."""
    import dataclasses

    from hubtui.kube.client import connect

    ns = Scratch(kube.api, "noanswer")
    uid = ns.core.read_namespace(ns.name).metadata.uid
    through = connect(dataclasses.replace(kube_settings, kubeconfig=str(api_proxy.kubeconfig)))
    try:
        api_proxy.cut()
        try:
            result = delete_namespaces(through, {ns.name: uid}, audit=audit, timeout=5)
        finally:
            api_proxy.restore()
    finally:
        through.close()
    assert not result.complete and ns.name in result.refused
    [line] = [e for e in audit.entries() if e["action"] == "delete-namespace"]
    assert line["namespace"] == ns.name and line["uid"] == uid and "may or may not have been made" in line["no_answer"]
    ns.core.delete_namespace(ns.name)


def test_a_stuck_namespace_is_explained(kube, audit):
    stuck = Scratch(kube.api, "stuck")
    stuck.core.create_namespaced_config_map(stuck.name, {
        "metadata": {"name": "held", "finalizers": ["hubtui.test/never-cleared"]}, "data": {"a": "b"}})
    events = []
    try:
        uid = stuck.core.read_namespace(stuck.name).metadata.uid
        result = delete_namespaces(kube, {stuck.name: uid}, audit=audit, emit=events.append, timeout=8)
        assert not result.complete
        why = result.stuck[stuck.name]
        assert "NamespaceFinalizersRemaining" in why and "hubtui.test/never-cleared" in why
        assert any(tone == ERROR and f"namespace {stuck.name} is still Terminating" in text
                   for text, tone in filter(None, map(event_line, events)))
    finally:
        stuck.core.patch_namespaced_config_map("held", stuck.name, {"metadata": {"finalizers": None}})
        wait_deleted(stuck.core, stuck.name)


class StopAfter(AuditLog):
    """An audit log that sets `cancel` once `action` is recorded: the operator's stop, arriving just after the
    first change of its kind."""

    def __init__(self, folder, action: str, cancel) -> None:
        super().__init__(folder)
        self.action, self.cancel = action, cancel

    def record(self, action: str, **fields) -> None:
        super().record(action, **fields)
        if action == self.action:
            self.cancel.set()


def test_a_stop_between_two_namespace_deletions_sends_no_further_delete(kube, scratch, tmp_path):
    """Stopped right after the first DELETE: the second namespace is never sent one and is still there; the first
    (held by a finalizer) is named as still Terminating at once, not waited for and never called done."""
    import threading

    first, second = scratch("stop"), scratch("stop")
    first.core.create_namespaced_config_map(first.name, {
        "metadata": {"name": "held", "finalizers": ["hubtui.test/never-cleared"]}, "data": {"a": "b"}})
    cancel = threading.Event()
    audit = StopAfter(tmp_path / "state", "delete-namespace", cancel)
    events = []
    try:
        uids = {ns.name: ns.core.read_namespace(ns.name).metadata.uid for ns in (first, second)}
        result = delete_namespaces(kube, uids, audit=audit, emit=events.append, timeout=60, cancel=cancel)
        assert result.stopped and not result.complete
        assert result.not_sent == (second.name,) and result.terminating == (first.name,)
        assert result.gone == () and result.stuck == {}  # not waited for until its timeout
        assert second.core.read_namespace(second.name).status.phase == "Active"
        assert first.core.read_namespace(first.name).status.phase == "Terminating"
        assert [e["namespace"] for e in audit.entries() if e["action"] == "delete-namespace"] == [first.name]
        assert not any(isinstance(e, StepDone) for e in events)
    finally:
        first.core.patch_namespaced_config_map("held", first.name, {"metadata": {"finalizers": None}})


def test_a_hard_stop_during_a_namespace_delete_still_audits_it_and_sends_no_other(kube, scratch, audit,
                                                                                 monkeypatch):
    """The operator's second Ctrl-C (KeyboardInterrupt) lands as the first DELETE's answer comes: its audit line
    is written all the same, marked interrupted; the second namespace is never sent one."""
    from hubtui.ops.cleanup import kube_steps

    first, second = scratch("hard"), scratch("hard")
    real_delete = kube_steps.delete_object

    def delete_object(*args, **kw):
        real_delete(*args, **kw)
        raise KeyboardInterrupt

    monkeypatch.setattr(kube_steps, "delete_object", delete_object)
    uids = {ns.name: ns.core.read_namespace(ns.name).metadata.uid for ns in (first, second)}
    with pytest.raises(KeyboardInterrupt):
        delete_namespaces(kube, uids, audit=audit, timeout=60)
    assert second.core.read_namespace(second.name).status.phase == "Active"
    [entry] = [e for e in audit.entries() if e["action"] == "delete-namespace"]
    assert (entry["namespace"], entry["uid"]) == (first.name, uids[first.name])
    assert entry["interrupted"].endswith("it may or may not have been made")


def test_a_namespace_whose_delete_is_refused_is_named_and_the_others_still_go(kube, scratch, audit):
    """An admission policy refuses the first namespace's DELETE: it is named with the API server's reason, the
    second is still deleted and waited for, and the deletion is not complete (never 'done')."""
    admission = client.AdmissionregistrationV1Api(kube.api)
    name = f"hubtui-test-keep-{scratch('x').name}"
    admission.create_validating_admission_policy({
        "metadata": {"name": name},
        "spec": {"failurePolicy": "Fail",
                 "matchConstraints": {"resourceRules": [{"apiGroups": [""], "apiVersions": ["v1"],
                                                          "operations": ["DELETE"], "resources": ["namespaces"]}]},
                 "validations": [{"expression": "!has(oldObject.metadata.labels) || "
                                                "!('hubtui.test/keep' in oldObject.metadata.labels)",
                                  "message": "this namespace is kept (test policy)"}]}})
    admission.create_validating_admission_policy_binding({
        "metadata": {"name": name}, "spec": {"policyName": name, "validationActions": ["Deny"]}})
    kept, going = scratch("kept"), scratch("going")
    kept.core.patch_namespace(kept.name, {"metadata": {"labels": {"hubtui.test/keep": "yes"}}})
    try:
        deadline = time.monotonic() + 30  # the policy takes a moment to be enforced: a probe of its own shows when
        while True:
            probe = scratch("probe")
            probe.core.patch_namespace(probe.name, {"metadata": {"labels": {"hubtui.test/keep": "yes"}}})
            try:
                probe.core.delete_namespace(probe.name)
            except client.ApiException:
                probe.core.patch_namespace(probe.name, {"metadata": {"labels": {"hubtui.test/keep": None}}})
                break
            assert time.monotonic() < deadline, "the admission policy is never enforced"
            time.sleep(0.5)
        uids = {n.name: n.core.read_namespace(n.name).metadata.uid for n in (kept, going)}
        result = delete_namespaces(kube, uids, audit=audit, timeout=60)
        assert not result.complete and "this namespace is kept (test policy)" in result.refused[kept.name]
        assert going.name in result.gone + result.absent
        assert kept.core.read_namespace(kept.name).status.phase == "Active"
    finally:
        kept.core.patch_namespace(kept.name, {"metadata": {"labels": {"hubtui.test/keep": None}}})
        admission.delete_validating_admission_policy_binding(name)
        admission.delete_validating_admission_policy(name)


def test_a_stop_during_the_drain_deletes_no_job_after_it(kube, ns, tmp_path):
    """Stopped once the first workload is scaled: no job or cronjob is deleted after it, and the drain says
    what it did rather than that it finished."""
    import threading

    from hubtui.ops.cleanup.kube_steps import StepCancelled

    workloads(ns)
    cancel = threading.Event()
    audit = StopAfter(tmp_path / "state", "drain-scale", cancel)
    with pytest.raises(StepCancelled) as caught:
        drain(kube, ns.name, audit=audit, timeout=60, cancel=cancel)
    assert "cancelled while draining" in str(caught.value) and "no job or cronjob deleted" in str(caught.value)
    batch = client.BatchV1Api(ns.core.api_client)
    assert [j.metadata.name for j in batch.list_namespaced_job(ns.name).items] == ["migrate"]
    assert [c.metadata.name for c in batch.list_namespaced_cron_job(ns.name).items] == ["rollup"]
    assert not [e for e in audit.entries() if e["action"] == "drain-delete"]
    with pytest.raises(StepCancelled, match="nothing in it was changed"):  # a stop already given: no change at all
        drain(kube, ns.name, audit=audit, timeout=60, cancel=cancel)


def _webhook(admission, name: str) -> str:
    """A validating webhook configuration served from ingress-nginx; its uid."""
    return admission.create_validating_webhook_configuration({"metadata": {"name": name}, "webhooks": [{
        "name": "check.hubtui.test", "sideEffects": "None", "admissionReviewVersions": ["v1"],
        "clientConfig": {"service": {"namespace": "ingress-nginx", "name": "admission"}},
        "rules": [{"operations": ["CREATE"], "apiGroups": ["hubtui.test"], "apiVersions": ["v1"],
                   "resources": ["nothings"]}]}]}).metadata.uid


def _delete_through(local_cluster, tmp_path, planned, audit, **drop):
    """delete_webhooks through an HttpProxy that drops the answer of the first DELETE (`drop`: its options)."""
    from hubtui.kube.client import connect
    from hubtui.ops.cleanup.kube_steps import delete_webhooks
    from hubtui.settings import Settings

    first = planned[0]["name"]
    with HttpProxy.in_front_of(local_cluster, drop=1, drop_on=lambda method, path: method == "DELETE"
                               and path.endswith(first), **drop) as proxy:
        conn = connect(Settings.from_env(kubeconfig=str(proxy.kubeconfig(tmp_path))))
        try:
            done, failed, _ = delete_webhooks(conn, planned, audit=audit)
        finally:
            conn.close()
    assert proxy.dropped == 1
    return done, failed


def test_a_webhook_whose_delete_lost_its_answer_is_reported_deleted_and_audited(local_cluster, kube, audit,
                                                                                   tmp_path):
    """The delete of a webhook configuration reaches the API server, and its connection drops before the answer:
    the client sends it again and gets 404. That is this run's own deletion, not "was already gone": it is
    audited, and the summary says the answer was lost. A webhook that really was gone before stays "already gone",
    unaudited."""
    from hubtui.facts import Listed
    from hubtui.present.summary import item_text

    admission = client.AdmissionregistrationV1Api(kube.api)
    names = [f"hubtui-lost-{tmp_path.name[-12:].lower().replace('_', '-')}-{i}" for i in (1, 2)]
    made = {name: _webhook(admission, name) for name in names}
    admission.delete_validating_webhook_configuration(names[1])  # gone before the run came to it
    planned = [{"kind": "validating", "name": n, "uid": made[n], "namespaces": ["ingress-nginx"]} for n in names]
    done, failed = _delete_through(local_cluster, tmp_path, planned, audit)
    assert failed == {}
    assert done == [Listed(f"validating webhook configuration {names[0]}", answer_lost=True),
                    Listed(f"validating webhook configuration {names[1]}", was_gone=True)]
    assert item_text(done[0]).endswith("(its answer was lost; sent again, it was gone)")
    assert item_text(done[1]).endswith("(was already gone)")
    [entry] = [e for e in audit.entries() if e.get("action") == "delete-webhook"]
    assert (entry["name"], entry["uid"], entry["answer_lost"]) == (names[0], made[names[0]], True)
    with pytest.raises(client.ApiException):
        admission.read_validating_webhook_configuration(names[0])


def test_a_webhook_made_again_after_a_delete_whose_answer_was_lost_is_not_called_deleted(local_cluster, kube, audit,
                                                                                         tmp_path):
    """The first delete removes the planned webhook and its answer is lost; one of the same name is made before
    the client sends the delete again, which the uid precondition refuses (409). Which one the first delete
    removed nobody can tell from here: the webhook is not called deleted (the step fails, saying so), the new one
    is left alone, and the audit records the delete that was sent."""
    admission = client.AdmissionregistrationV1Api(kube.api)
    name = f"hubtui-again-{tmp_path.name[-12:].lower().replace('_', '-')}"
    planned = [{"kind": "validating", "name": name, "uid": _webhook(admission, name), "namespaces": ["ingress-nginx"]}]
    try:
        done, failed = _delete_through(local_cluster, tmp_path, planned, audit,
                                       after_drop=lambda: _webhook(admission, name))
        assert done == [] and list(failed) == [f"validating webhook configuration {name}"]
        assert "exists with another uid: not deleted" in failed[f"validating webhook configuration {name}"]
        assert admission.read_validating_webhook_configuration(name).metadata.uid != planned[0]["uid"]
        [entry] = [e for e in audit.entries() if e.get("action") == "delete-webhook"]
        assert (entry["uid"], entry["answer_lost"], entry["found_again"]) == (planned[0]["uid"], True, True)
    finally:
        admission.delete_validating_webhook_configuration(name)
