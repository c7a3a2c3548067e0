"""hubtui.cloud.base: what is included, identities, and cluster endpoints (no cloud needed)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from hubtui.cloud import base
from hubtui.cloud.base import (CloudPlan, CloudResource, Recreated, check_identity, cluster_endpoints, iso_time,
                               normalise_server, not_included_risks, split_tag_matches, tag_matches)
from hubtui.errors import HubError
from hubtui.facts import ProtectionOn
from hubtui.present.risks import risk_text
from hubtui.facts import CloudError, StillDeleting
from hubtui.settings import Settings
from tests.said import lines


def words(outcome) -> str:
    """What came of a resource, as the summary and the journal say it."""
    from hubtui.present.cloud import resource_words

    return resource_words(outcome.said)


def res(kind: str, name: str, matched_by: str, **details) -> CloudResource:
    return CloudResource(kind, name, f"id:{kind}/{name}", matched_by, details)


# ---- normalise_server -----------------------------------------------------------------------------

@pytest.mark.parametrize("url, expected", [
    ("https://ABC123.GR7.us-east-1.eks.amazonaws.com/", "abc123.gr7.us-east-1.eks.amazonaws.com"),
    ("https://abc123.gr7.us-east-1.eks.amazonaws.com:443", "abc123.gr7.us-east-1.eks.amazonaws.com"),
    ("https://34.78.1.10", "34.78.1.10"),
    ("34.78.1.10", "34.78.1.10"),
    ("https://hub-dev-x.hcp.westeurope.azmk8s.io:443", "hub-dev-x.hcp.westeurope.azmk8s.io"),
    ("https://127.0.0.1:6443", "127.0.0.1:6443"),  # another port is another server
    ("http://127.0.0.1:8080/", "http://127.0.0.1:8080"),  # another scheme too
    ("https://Rancher.example.com/k8s/clusters/c-AbC/", "rancher.example.com/k8s/clusters/c-AbC"),  # the path kept
    ("https://[FD00::1]:443/", "[fd00::1]"),
    (" https://h.example.com ", "h.example.com"),
])
def test_normalise_server_spells_a_server_one_way(url, expected):
    assert normalise_server(url) == expected


def test_an_eks_endpoint_and_the_kubeconfig_server_of_that_cluster_compare_equal():
    endpoint = "https://0A1B2C3D4E.gr7.us-east-1.eks.amazonaws.com/"  # as describe_cluster gives it
    kubeconfig = "https://0a1b2c3d4e.gr7.us-east-1.eks.amazonaws.com"  # as `aws eks update-kubeconfig` writes it
    assert normalise_server(endpoint) == normalise_server(kubeconfig)
    assert normalise_server(endpoint) != normalise_server("https://0a1b2c3d4e.gr7.us-east-1.eks.amazonaws.com:6443")
    assert normalise_server("https://dev.example.com") != normalise_server("https://dev.example.com.evil.io")


# ---- CloudPlan ------------------------------------------------------------------------------------

def test_a_plan_keeps_what_is_not_included_through_its_dict():
    plan = CloudPlan("aws", "AWS account 1", "us-east-1", (res("rds-instance", "a", "name"),),
                     (ProtectionOn("aws", "rds-instance", "a"),),
                     (res("eks-cluster", "billing-dev", "tag"),))
    assert plan.to_dict()["not_included"][0]["name"] == "billing-dev"
    assert CloudPlan.from_dict(plan.to_dict()) == plan


def test_a_plan_saved_before_not_included_existed_still_loads():
    old = {"provider": "gcp", "identity": "GCP project p", "region": "europe-west1",
           "resources": [{"kind": "pubsub-topic", "name": "t", "id": "projects/p/topics/t", "matched_by": "name",
                          "details": {}}], "risks": []}
    plan = CloudPlan.from_dict(old)
    assert plan.not_included == () and [r.name for r in plan.resources] == ["t"]


def test_notes_survive_the_dict_and_a_plan_without_notes_keeps_its_old_shape():
    plan = CloudPlan("gcp", "GCP project p", "europe-west1", notes=("Memorystore instances looked up in every region",))
    assert CloudPlan.from_dict(plan.to_dict()) == plan
    bare = CloudPlan("aws", "AWS account 1", "us-east-1")
    assert "notes" not in bare.to_dict()  # so the hash of a plan without notes is what it was before they existed
    assert CloudPlan.from_dict(bare.to_dict()).notes == ()


# ---- what is included -----------------------------------------------------------------------------

def test_a_tag_only_match_and_its_parts_are_left_out_and_its_parts_marked_tag():
    cluster = res("eks-cluster", "billing-dev", "tag")
    ng = res("eks-nodegroup", "workers", "name", part_of=cluster.id)  # a part is never kept without its whole
    named = res("eks-cluster", "llm-analytics-hub-dev", "name+tag")
    named_ng = res("eks-nodegroup", "workers2", "name+tag", part_of=named.id)

    included, left = split_tag_matches([cluster, ng, named, named_ng], include_tag_matches=False)

    assert included == [named, named_ng]
    assert [(r.name, r.matched_by) for r in left] == [("billing-dev", "tag"), ("workers", "tag")]
    assert [risk_text(r) for r in not_included_risks(left, "dev")] == [
        "not included: eks-cluster billing-dev matches by tag only (environment=dev) but is not named after "
        "llm-analytics-hub-dev; --include-tag-matches includes it (with eks-nodegroup workers) after its own "
        "confirmation"]


def test_include_tag_matches_keeps_them_and_tag_matches_lists_them_for_their_own_confirmation():
    cluster = res("eks-cluster", "billing-dev", "tag")
    ng = res("eks-nodegroup", "workers", "tag", part_of=cluster.id)
    named = res("rds-instance", "llm-analytics-hub-dev-postgres", "name")

    included, left = split_tag_matches([cluster, ng, named], include_tag_matches=True)
    plan = CloudPlan("aws", "AWS account 1", "us-east-1", tuple(included), (), tuple(left))

    assert left == [] and included == [cluster, ng, named]
    assert tag_matches(plan) == [cluster, ng]
    assert tag_matches(CloudPlan("aws", "a", "r", (named,), (), (cluster,))) == []  # not included: not asked


def test_base_discover_refuses_a_provider_that_plans_a_tag_only_match(monkeypatch):
    """A provider bug must never widen what is deleted."""
    wrong = CloudPlan("aws", "AWS account 1", "us-east-1", (res("eks-cluster", "billing-dev", "tag"),))
    seen = {}

    def discover(environment, settings, *, include_tag_matches):
        seen["include"] = include_tag_matches
        return wrong

    monkeypatch.setattr(base, "provider_module", lambda provider: SimpleNamespace(discover=discover))

    with pytest.raises(HubError, match=r"put matches by tag only in the plan \(eks-cluster billing-dev\)"):
        base.discover("aws", "dev", Settings())
    assert seen["include"] is False
    assert base.discover("aws", "dev", Settings(), include_tag_matches=True) is wrong
    assert seen["include"] is True


# ---- endpoints ------------------------------------------------------------------------------------

def test_cluster_endpoints_are_those_of_included_resources_only():
    plan = CloudPlan("azure", "Azure subscription s", "westeurope", (
        res("eks-cluster", "a", "name", endpoint="https://a.example.com"),
        res("resource-group", "rg", "name", endpoints=["https://b.example.com:443", "https://a.example.com"]),
        res("rds-instance", "db", "name"),
    ), (), (res("eks-cluster", "billing-dev", "tag", endpoint="https://decoy.example.com"),))

    assert cluster_endpoints(plan) == ["https://a.example.com", "https://b.example.com:443"]


# ---- identity -------------------------------------------------------------------------------------

def test_iso_time_writes_every_api_spelling_in_utc():
    from datetime import datetime, timedelta, timezone

    assert iso_time("2026-03-01T10:00:00Z") == "2026-03-01T10:00:00+00:00"
    assert iso_time("2026-03-01T10:00:00.123456789Z") == "2026-03-01T10:00:00.123456+00:00"
    assert iso_time("2026-03-01T02:00:00.000-08:00") == "2026-03-01T10:00:00+00:00"
    assert iso_time(datetime(2026, 3, 1, 11, tzinfo=timezone(timedelta(hours=1)))) == "2026-03-01T10:00:00+00:00"
    assert iso_time(datetime(2026, 3, 1, 10)) == "2026-03-01T10:00:00+00:00"  # naive: UTC
    assert iso_time(None) is None and iso_time("") is None


def test_the_same_resource_passes_the_identity_check():
    r = res("gke-cluster", "c", "name", created="2026-03-01T10:00:00+00:00", uid="abc")
    check_identity(r, current_id=r.id, created="2026-03-01T10:00:00Z", uid="abc")  # no exception
    check_identity(res("pubsub-topic", "t", "name", created=None), current_id="id:pubsub-topic/t")  # nothing planned


@pytest.mark.parametrize("now, message", [
    (dict(created="2026-03-02T08:00:00Z"),
     "recreated since the plan (created 2026-03-02T08:00:00+00:00, planned 2026-03-01T10:00:00+00:00): "
     "not deleted; plan again"),
    (dict(created=None), "recreated since the plan (created at an unknown time, planned 2026-03-01T10:00:00+00:00)"),
    (dict(created="2026-03-01T10:00:00Z", uid="def"), "recreated since the plan (now id def, planned abc)"),
    (dict(created="2026-03-01T10:00:00Z", uid="abc", current_id="id:other"),
     "recreated since the plan (now id:other, planned id:gke-cluster/c)"),
])
def test_a_recreated_resource_fails_the_identity_check_in_one_line(now, message):
    r = res("gke-cluster", "c", "name", created="2026-03-01T10:00:00+00:00", uid="abc")
    with pytest.raises(Recreated) as raised:
        check_identity(r, **now)
    assert str(raised.value).startswith(message) and str(raised.value).endswith("not deleted; plan again")


def test_azure_ids_compare_without_case():
    r = CloudResource("resource-group", "rg", "/subscriptions/s/resourceGroups/RG", "name", {})
    check_identity(r, current_id="/subscriptions/s/resourcegroups/rg", ignore_case=True)
    with pytest.raises(Recreated):
        check_identity(r, current_id="/subscriptions/s/resourcegroups/rg")


def test_a_tag_only_part_of_a_resource_left_alone_names_it_and_stays_alone():
    """A tagged nodegroup of an untagged cluster: not part_of the cluster (not in the plan at all), but the
    line says where it lives and that the cluster stays."""
    ng = res("eks-nodegroup", "dev-batch", "tag", cluster="shared", within="eks-cluster shared")
    included, left = split_tag_matches([ng], include_tag_matches=False)
    assert (included, left) == ([], [ng])
    assert [risk_text(r) for r in not_included_risks(left, "dev")] == [
        "not included: eks-nodegroup dev-batch (in eks-cluster shared, which would stay) matches by tag only "
        "(environment=dev) but is not named after llm-analytics-hub-dev; --include-tag-matches includes it after "
        "its own confirmation"]
    assert split_tag_matches([ng], include_tag_matches=True) == ([ng], [])


class TestLifecycle:
    """One resource's way through a teardown, the same for every provider (base.Lifecycle)."""

    def setup_method(self):
        from hubtui.events import LogLine, StepDone, StepFailed, StepStarted

        self.kinds = (LogLine, StepDone, StepFailed, StepStarted)
        self.events, self.records = [], []
        self.ctx = base.TeardownContext(emit=self.events.append, record=self.records.append)
        self.resource = CloudResource("rds-instance", "hub-db", "arn:aws:rds:eu-west-1:1:db:hub-db", "name+tag")

    def life(self):
        return base.Lifecycle("aws", self.resource, self.ctx)

    def said(self) -> list[tuple[str, str]]:
        """(kind, words) of each event: a step's detail or error, or a fact's line as the run's log words it."""
        from hubtui.events import StepDone, StepFailed
        from hubtui.present.events import said, step_words

        return [(type(e).__name__, step_words(e) if isinstance(e, (StepDone, StepFailed)) else
                 getattr(e, "detail", "") or (said(e) or ("",))[0]) for e in self.events]

    def test_one_finished_in_an_earlier_run_is_skipped_without_a_record(self):
        self.ctx.finished = frozenset({self.resource.id})
        outcome = self.life().before()
        assert outcome is not None and (outcome.outcome, words(outcome)) == (base.SKIPPED, "finished in an earlier run")
        assert self.records == [] and self.said() == [("FinishedEarlier",
                                                      "aws: rds-instance hub-db: finished in an earlier run, skipped")]

    def test_one_reached_after_a_cancel_is_held_back_as_a_warning_without_a_record(self):
        self.ctx.cancel.set()
        outcome = self.life().before()
        assert outcome is not None and outcome.outcome == base.SKIPPED
        assert self.records == [] and [e.level for e in lines(self.events)] == ["warning"]

    def test_one_to_start_has_no_early_outcome(self):
        assert self.life().before() is None and self.events == []

    @pytest.mark.parametrize("outcome, event", [(base.DELETED, "StepDone"), (base.GONE, "StepDone"),
                                                (base.FAILED, "StepFailed")])
    def test_every_finished_or_failed_end_is_recorded(self, outcome, event):
        life = self.life()
        life.start()
        result = life.end(outcome, CloudError("why"))
        assert self.records == [result] and [name for name, _ in self.said()] == ["StepStarted", event]

    @pytest.mark.parametrize("requested", [False, True])
    def test_a_stopped_one_is_never_a_tick_and_is_recorded_once_its_delete_was_sent(self, requested):
        life = self.life()
        life.start()
        life.requested = requested
        result = life.end(base.SKIPPED, StillDeleting())
        assert self.said()[-1] == ("StepFailed", "cancelled after the delete request: it may still be deleting")
        assert self.records == ([result] if requested else [])


def test_a_resource_ends_once_whoever_ends_it_second():
    """A hard stop ends the resources under way on the main thread while a provider's thread may end one too:
    the first end is the one said and recorded; the second returns it and changes nothing."""
    records, events = [], []
    ctx = base.TeardownContext(emit=events.append, record=records.append)
    life = base.Lifecycle("gcp", CloudResource("gke-cluster", "c", "id:c", "name", {}), ctx)
    life.start()
    assert ctx.under_way == {"id:c": life}
    first = life.end(base.DELETED)
    second = life.end(base.SKIPPED, StillDeleting("GCP"))
    assert second is first and records == [first] and ctx.under_way == {}
    assert len(events) == 2  # started, done: no second end said


def test_a_hard_stop_as_a_resource_is_said_done_still_records_it():
    """The second Ctrl-C lands while a resource's end is being said (its record comes first, so it is in the
    journal and the audit already); the stop's own pass records nothing twice."""
    records = []

    def emit(event):
        if isinstance(event, base.StepDone):
            raise KeyboardInterrupt

    ctx = base.TeardownContext(emit=emit, record=records.append)
    life = base.Lifecycle("gcp", CloudResource("vpc", "n", "id:n", "name", {}), ctx)
    ctx.under_way[life.resource.id] = life
    with pytest.raises(KeyboardInterrupt):
        life.end(base.DELETED)
    assert [r.outcome for r in records] == [base.DELETED]
    life.record()  # what teardown's hard-stop pass does for one still under way
    assert [r.outcome for r in records] == [base.DELETED]
