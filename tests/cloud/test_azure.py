"""hubtui.cloud.azure against the local ARM stand-in (tests/standins/azure.py), through the real Azure SDK."""

from __future__ import annotations

import sys

import pytest

from hubtui.present.risks import risk_words
from hubtui.cloud import azure as az
from hubtui.cloud.base import DELETED, FAILED, GONE, SKIPPED, CloudPlan, TeardownContext
from hubtui.errors import HubError
from hubtui.events import Progress, StepDone, StepFailed, StepStarted
from hubtui.settings import Settings
from tests.said import lines

RG = "llm-analytics-hub-dev-rg"
STEP = f"azure: resource-group {RG}"


def words(outcome) -> str:
    """What came of a resource, as the summary and the journal say it."""
    from hubtui.present.cloud import resource_words

    return resource_words(outcome.said)


def settings() -> Settings:
    return Settings.from_env()


class Recorder:
    """A fast TeardownContext whose events and journal records the test can read."""

    def __init__(self, **overrides):
        self.events: list = []
        self.recorded: list = []
        opts = dict(poll_interval=0.01, retry_base_delay=0.001, timeout=10.0)
        opts.update(overrides)
        opts.setdefault("record", self.recorded.append)
        self.ctx = TeardownContext(emit=self.events.append, **opts)

    def of(self, kind) -> list:
        return [e for e in self.events if isinstance(e, kind)]


def plan_for(azure, *names: str, env: str = "dev", include_tag_matches: bool = False) -> CloudPlan:
    """The real plan for `env`, checked to hold exactly `names`."""
    plan = az.discover(env, settings(), include_tag_matches=include_tag_matches)
    assert sorted(r.name for r in plan.resources) == sorted(names)
    return plan


# ---- discovery ------------------------------------------------------------------------------------

def test_discover_by_name_lists_what_goes_with_the_group(azure):
    azure.add_group(RG, location="northeurope")
    azure.add_resource(RG, "hubstore", "Microsoft.Storage/storageAccounts")
    azure.add_resource(RG, "hub-aks", "Microsoft.ContainerService/managedClusters")

    plan = az.discover("dev", Settings.from_env(azure.env))  # the env dict alone is enough (child processes)

    assert plan.provider == "azure"
    assert plan.identity == f"Azure subscription {azure.subscription}"
    assert plan.region == "northeurope"
    [group] = plan.resources
    assert (group.kind, group.name, group.id, group.matched_by) == (
        "resource-group", RG, azure.group_id(RG), "name")
    assert group.details["resources"] == [
        {"name": "hubstore", "type": "Microsoft.Storage/storageAccounts"},
        {"name": "hub-aks", "type": "Microsoft.ContainerService/managedClusters"}]
    assert group.details["resource_count"] == 2
    assert [r for r in risk_words(plan) if "name only" in r and "no environment tag" in r]
    assert {r.method for r in azure.requests} == {"GET"}  # discovery only reads
    CloudPlan.from_dict(plan.to_dict())  # the plan survives the journal's JSON round trip


def test_discover_by_name_with_another_environment_tag_is_a_risk(azure):
    azure.add_group(RG, tags={"environment": "prod"})
    plan = plan_for(azure, RG)
    assert plan.resources[0].matched_by == "name"
    assert any("'prod'" in r for r in risk_words(plan))


def test_discover_by_tag_only_uses_the_filter_and_leaves_the_group_out(azure):
    azure.add_group("analytics-dev", location="westus", tags={"environment": "dev"})
    azure.add_group("analytics-prod", tags={"environment": "prod"})

    plan = plan_for(azure)

    assert [(r.name, r.matched_by) for r in plan.not_included] == [("analytics-dev", "tag")]
    assert plan.region == "-"  # nothing included, nowhere to delete
    assert risk_words(plan) == ("not included: resource-group analytics-dev matches by tag only (environment=dev) but is "
                          f"not named after {RG}; --include-tag-matches includes it after its own confirmation",)
    filters = [r.query.get("$filter") for r in azure.calls("GET") if r.path.lower().endswith("/resourcegroups")]
    assert filters == ["tagName eq 'environment' and tagValue eq 'dev'"]


def test_discover_by_tag_only_with_include_tag_matches_flags_the_risk(azure):
    azure.add_group("analytics-dev", location="westus", tags={"environment": "dev"})

    plan = plan_for(azure, "analytics-dev", include_tag_matches=True)

    assert plan.resources[0].matched_by == "tag" and plan.not_included == ()
    assert plan.region == "westus"
    assert risk_words(plan) == (f"resource group analytics-dev matches by tag only: it is not named {RG}",)


def test_discover_by_name_and_tag_has_no_risk(azure):
    azure.add_group(RG, tags={"environment": "dev"})
    plan = plan_for(azure, RG)
    assert plan.resources[0].matched_by == "name+tag"
    assert risk_words(plan) == ()


def test_discover_merges_name_and_tag_matches_into_one_entry_each(azure):
    azure.add_group(RG, tags={"environment": "dev"})
    azure.add_group("extra-dev", tags={"environment": "dev"})
    plan = plan_for(azure, RG, "extra-dev", include_tag_matches=True)
    assert {r.name: r.matched_by for r in plan.resources} == {RG: "name+tag", "extra-dev": "tag"}


def test_discover_nothing(azure):
    azure.add_group("unrelated", tags={"environment": "prod"})
    plan = az.discover("dev", settings())
    assert (plan.resources, risk_words(plan), plan.region) == ((), (), "-")


def test_discover_caps_the_listed_resources_but_counts_them_all(azure):
    azure.add_group(RG, tags={"environment": "dev"})
    for i in range(60):
        azure.add_resource(RG, f"disk{i}", "Microsoft.Compute/disks")
    azure.page_size = 25  # the count must follow ARM's nextLink pages

    [group] = plan_for(azure, RG).resources

    assert len(group.details["resources"]) == az.RESOURCES_SHOWN
    assert group.details["resource_count"] == 60


def test_discover_without_subscription_says_what_to_set(azure, monkeypatch):
    monkeypatch.delenv("AZURE_SUBSCRIPTION_ID")
    with pytest.raises(HubError, match="set AZURE_SUBSCRIPTION_ID"):
        az.discover("dev", settings())
    assert azure.requests == []


def test_discover_refused_is_one_line(azure):
    azure.inject(403, method="GET", times=10)
    with pytest.raises(HubError) as err:
        az.discover("dev", settings())
    assert "\n" not in str(err.value)
    assert azure.subscription in str(err.value) and "az login" in str(err.value)


def test_missing_sdk_is_one_line(azure, monkeypatch):
    monkeypatch.setitem(sys.modules, "azure.mgmt.resource.resources", None)
    monkeypatch.setitem(sys.modules, "azure.mgmt.resource", None)
    with pytest.raises(HubError, match=r"the Azure teardown needs azure-mgmt-resource, which is not installed: install "
                                       r"hubtui with its \[azure\] extra"):
        az.discover("dev", settings())


# ---- teardown -------------------------------------------------------------------------------------

def test_teardown_follows_the_operation_until_done(azure):
    azure.add_group(RG, tags={"environment": "dev"})
    azure.add_resource(RG, "hubstore")
    plan = plan_for(azure, RG)
    azure.plan_delete(RG, polls=5)
    rec = Recorder()

    [outcome] = az.teardown(plan, settings(), rec.ctx)

    assert (outcome.outcome, outcome.resource) == (DELETED, plan.resources[0])
    assert RG.lower() not in azure.groups
    assert len(azure.calls("DELETE", RG)) == 1
    polls = [r for r in azure.calls("GET") if "/operationresults/" in r.path]
    assert len(polls) == 6  # five answers of 202, then the 200 that ends it
    assert rec.recorded == [outcome]
    assert rec.of(StepStarted)[0].step == STEP
    assert rec.of(Progress) and all(p.step == STEP for p in rec.of(Progress))
    assert rec.of(StepDone) == [StepDone(STEP, "deleted")] and rec.of(StepFailed) == []


@pytest.mark.parametrize("gone_before", [False, True])
def test_an_audit_log_that_fails_as_the_group_s_end_is_recorded_stops_the_teardown(azure, gone_before):
    """The group deleted (or found gone), its end cannot be written to the audit log: that error is the run's,
    raised, never swallowed as the group's own failure (its second end returned the first, and nothing said the
    log had missed it)."""
    from hubtui.audit import AuditError

    azure.add_group(RG, tags={"environment": "dev"})
    plan = plan_for(azure, RG)
    if gone_before:
        azure.groups.pop(RG.lower())
    else:
        azure.plan_delete(RG, polls=1)

    def record(outcome):
        raise AuditError("cannot write the audit log", reason="No space left on device")

    with pytest.raises(AuditError):
        az.teardown(plan, settings(), Recorder(record=record).ctx)


def test_teardown_deletes_several_groups_in_parallel(azure):
    for name in (RG, "extra-dev"):
        azure.add_group(name, tags={"environment": "dev"})
        azure.plan_delete(name, polls=20)
    plan = plan_for(azure, RG, "extra-dev", include_tag_matches=True)

    outcomes = az.teardown(plan, settings(), Recorder().ctx)

    assert [o.outcome for o in outcomes] == [DELETED, DELETED]
    assert [o.resource.name for o in outcomes] == [r.name for r in plan.resources]  # the plan's order
    deletes = [i for i, r in enumerate(azure.requests) if r.method == "DELETE"]
    first_poll = next(i for i, r in enumerate(azure.requests) if "/operationresults/" in r.path)
    assert len(deletes) == 2 and max(deletes) < first_poll + 10  # the second did not wait for the first's 21 polls


def test_teardown_deletes_only_what_the_plan_holds(azure):
    azure.add_group(RG, tags={"environment": "dev"})
    plan = plan_for(azure, RG)
    azure.add_group("late-dev", tags={"environment": "dev"})  # appears after the operator saw the plan

    az.teardown(plan, settings(), Recorder().ctx)

    assert azure.calls("DELETE", "late-dev") == [] and "late-dev" in azure.groups


def test_a_resource_created_in_the_group_since_the_plan_refuses_its_delete(azure):
    """The group's contents are listed again just before its delete: a database created there after the
    operator saw the plan is not deleted with it."""
    azure.add_group(RG, tags={"environment": "dev"})
    azure.add_resource(RG, "hubstore")
    plan = plan_for(azure, RG)
    azure.add_resource(RG, "billing-db", "Microsoft.Sql/servers")
    rec = Recorder()

    [outcome] = az.teardown(plan, settings(), rec.ctx)

    assert outcome.outcome == FAILED
    assert words(outcome) == ("it holds resources the plan did not show: billing-db (Microsoft.Sql/servers); nothing "
                              "was deleted: plan again")
    assert azure.calls("DELETE", RG) == [] and RG.lower() in azure.groups


@pytest.mark.parametrize("style,end", [("location", "Failed"), ("async", "Failed"), ("async", "Canceled")])
def test_a_failed_operation_is_failed_never_deleted(azure, style, end):
    azure.add_group(RG, tags={"environment": "dev"})
    plan = plan_for(azure, RG)
    azure.plan_delete(RG, polls=2, outcome=end, style=style)
    rec = Recorder()

    [outcome] = az.teardown(plan, settings(), rec.ctx)

    assert outcome.outcome == FAILED
    assert "ResourceGroupDeletionBlocked" in words(outcome) and "\n" not in words(outcome)
    assert RG.lower() in azure.groups
    assert rec.of(StepDone) == [] and [e.step for e in rec.of(StepFailed)] == [STEP]
    assert rec.recorded == [outcome]


def test_a_group_already_gone_is_gone(azure):
    azure.add_group(RG, tags={"environment": "dev"})
    plan = plan_for(azure, RG)
    del azure.groups[RG.lower()]  # someone deleted it after the plan was shown
    rec = Recorder()

    [outcome] = az.teardown(plan, settings(), rec.ctx)

    assert (outcome.outcome, words(outcome)) == (GONE, "already gone") and outcome.finished
    assert azure.calls("DELETE", RG) == []  # the look just before the delete found it gone: no call needed
    assert rec.recorded == [outcome]


@pytest.mark.parametrize("status,code", [(429, "TooManyRequests"), (409, "AnotherOperationInProgress"),
                                         (409, "Conflict")])
def test_throttling_and_busy_conflicts_are_retried(azure, status, code):
    azure.add_group(RG, tags={"environment": "dev"})
    plan = plan_for(azure, RG)
    message = "the resource group is being deleted" if code == "Conflict" else ""
    azure.inject(status, group=RG, code=code, message=message, times=2)
    rec = Recorder()

    [outcome] = az.teardown(plan, settings(), rec.ctx)

    assert outcome.outcome == DELETED
    assert len(azure.calls("DELETE", RG)) == 3
    assert len([e for e in lines(rec.events) if e.level == "warning" and "trying again" in e.text]) == 2


def test_throttling_that_never_ends_fails_after_the_bounded_attempts(azure):
    azure.add_group(RG, tags={"environment": "dev"})
    plan = plan_for(azure, RG)
    azure.inject(429, group=RG, times=100)

    [outcome] = az.teardown(plan, settings(), Recorder(retry_attempts=3).ctx)

    assert outcome.outcome == FAILED and "TooManyRequests" in words(outcome)
    assert len(azure.calls("DELETE", RG)) == 3


@pytest.mark.parametrize("status,code", [(403, "AuthorizationFailed"), (409, "ScopeLocked"),
                                         (500, "InternalServerError")])
def test_other_errors_fail_at_once(azure, status, code):
    azure.add_group(RG, tags={"environment": "dev"})
    plan = plan_for(azure, RG)
    azure.inject(status, group=RG, code=code, times=10)
    rec = Recorder()

    [outcome] = az.teardown(plan, settings(), rec.ctx)

    assert outcome.outcome == FAILED and code in words(outcome) and "\n" not in words(outcome)
    assert len(azure.calls("DELETE", RG)) == 1  # neither hubtui nor the SDK tried again
    assert rec.recorded == [outcome] and [e.step for e in rec.of(StepFailed)] == [STEP]


def test_groups_finished_in_an_earlier_run_get_no_call(azure):
    for name in (RG, "extra-dev"):
        azure.add_group(name, tags={"environment": "dev"})
    plan = plan_for(azure, RG, "extra-dev", include_tag_matches=True)
    done_before = next(r for r in plan.resources if r.name == "extra-dev")
    rec = Recorder(finished=frozenset({done_before.id}))
    before = len(azure.requests)

    outcomes = {o.resource.name: o for o in az.teardown(plan, settings(), rec.ctx)}

    assert outcomes["extra-dev"].outcome == SKIPPED and outcomes[RG].outcome == DELETED
    assert [r for r in azure.requests[before:] if "extra-dev" in r.path.lower()] == []
    assert [o.resource.name for o in rec.recorded] == [RG]


def test_all_finished_needs_no_client_at_all(azure, monkeypatch):
    azure.add_group(RG, tags={"environment": "dev"})
    plan = plan_for(azure, RG)
    monkeypatch.delenv("AZURE_SUBSCRIPTION_ID")  # a client would refuse to be built

    [outcome] = az.teardown(plan, settings(), Recorder(finished=frozenset({plan.resources[0].id})).ctx)

    assert outcome.outcome == SKIPPED


def test_a_deletion_that_does_not_end_times_out_as_failed(azure):
    azure.add_group(RG, tags={"environment": "dev"})
    plan = plan_for(azure, RG)
    azure.plan_delete(RG, polls=10**6)
    rec = Recorder(timeout=0.3)

    [outcome] = az.teardown(plan, settings(), rec.ctx)

    assert outcome.outcome == FAILED and "still not done after 0.3s" in words(outcome)
    assert "InProgress" in words(outcome)
    assert rec.recorded == [outcome] and rec.of(StepDone) == []


def test_cancel_while_waiting_stops_and_reports_nothing_deleted(azure):
    azure.add_group(RG, tags={"environment": "dev"})
    plan = plan_for(azure, RG)
    azure.plan_delete(RG, polls=10**6)
    rec = Recorder()

    def emit(event):
        rec.events.append(event)
        if isinstance(event, Progress):
            rec.ctx.cancel.set()  # the operator presses cancel while the group is being deleted
    rec.ctx.emit = emit

    [outcome] = az.teardown(plan, settings(), rec.ctx)

    assert outcome.outcome == SKIPPED and "cancelled" in words(outcome)
    assert not outcome.finished
    assert rec.recorded == [outcome]  # the DELETE was sent: the journal and the audit know


def test_a_stop_after_a_throttled_delete_records_the_group_and_says_it_was_not_accepted(azure):
    """Azure throttles the DELETE (429) and the operator stops before the try again: a DELETE was sent, so the
    journal and the audit know of the group, and it says the delete was not accepted (not "still deleting")."""
    from hubtui.facts import TryingAgain

    azure.add_group(RG, tags={"environment": "dev"})
    plan = plan_for(azure, RG)
    azure.inject(429, method="DELETE", group=RG, times=5)
    rec = Recorder()

    def emit(event):
        rec.events.append(event)
        if isinstance(event, TryingAgain):  # the stop comes while the throttled DELETE waits to be sent again
            rec.ctx.cancel.set()
    rec.ctx.emit = emit

    [outcome] = az.teardown(plan, settings(), rec.ctx)

    assert len(azure.calls("DELETE", RG)) == 1
    assert outcome.outcome == SKIPPED and "accepted" in words(outcome) and "still deleting" not in words(outcome)
    assert rec.recorded == [outcome]


def test_cancel_before_start_sends_nothing(azure):
    azure.add_group(RG, tags={"environment": "dev"})
    plan = plan_for(azure, RG)
    rec = Recorder()
    rec.ctx.cancel.set()

    [outcome] = az.teardown(plan, settings(), rec.ctx)

    assert outcome.outcome == SKIPPED
    assert azure.calls("DELETE") == [] and rec.recorded == []


def test_a_plan_of_another_subscription_is_refused_before_any_call(azure, monkeypatch):
    azure.add_group(RG, tags={"environment": "dev"})
    plan = plan_for(azure, RG)
    monkeypatch.setenv("AZURE_SUBSCRIPTION_ID", "00000000-0000-0000-0000-00000000beef")
    before = len(azure.requests)
    with pytest.raises(HubError, match="the plan was made for Azure subscription .*nothing was deleted"):
        az.teardown(plan, settings(), Recorder().ctx)
    assert len(azure.requests) == before and RG.lower() in azure.groups


# ---- only what the operator meant (issue 9) -----------------------------------------------------------

def test_a_tag_only_group_is_left_out_and_a_teardown_leaves_it(azure):
    azure.add_group(RG, tags={"environment": "dev"})
    azure.add_group("billing-dev", tags={"environment": "dev"})

    plan = plan_for(azure, RG)

    assert [r.name for r in plan.not_included] == ["billing-dev"]
    outcomes = az.teardown(plan, settings(), Recorder().ctx)

    assert [(o.resource.name, o.outcome) for o in outcomes] == [(RG, DELETED)]
    assert azure.calls("DELETE", "billing-dev") == [] and "billing-dev" in azure.groups


def test_a_group_holding_databases_is_a_risk_naming_them(azure):
    azure.add_group(RG, tags={"environment": "dev"})
    azure.add_resource(RG, "hub-pg", "Microsoft.DBforPostgreSQL/flexibleServers")
    azure.add_resource(RG, "hub-redis", "Microsoft.Cache/Redis")
    azure.add_resource(RG, "hub-sql", "Microsoft.Sql/servers")
    azure.add_resource(RG, "hub-sql/llm", "Microsoft.Sql/servers/databases")
    azure.add_resource(RG, "hub-cosmos", "Microsoft.DocumentDB/databaseAccounts")
    azure.add_resource(RG, "hubstore", "Microsoft.Storage/storageAccounts")
    azure.add_resource(RG, "hub-vnet", "Microsoft.Network/virtualNetworks")

    plan = plan_for(azure, RG)

    assert risk_words(plan) == (f"resource group {RG} holds databases (hub-pg, hub-redis, hub-sql, hub-sql/llm, "
                          "hub-cosmos): Azure keeps no final backup when the group is deleted",)
    assert plan.resources[0].details["databases"] == ["hub-pg", "hub-redis", "hub-sql", "hub-sql/llm", "hub-cosmos"]


def test_a_group_without_databases_has_no_such_risk(azure):
    azure.add_group(RG, tags={"environment": "dev"})
    azure.add_resource(RG, "hubstore", "Microsoft.Storage/storageAccounts")
    azure.add_resource(RG, "hub-cache-nsg", "Microsoft.Network/networkSecurityGroups")
    assert risk_words(plan_for(azure, RG)) == ()


def test_the_aks_cluster_of_the_group_gives_its_endpoint(azure):
    from hubtui.cloud.base import cluster_endpoints, normalise_server

    azure.add_group(RG, tags={"environment": "dev"})
    azure.add_aks(RG, "hub-aks", fqdn="Hub-Dev-1a2b3c.hcp.westeurope.azmk8s.io")

    plan = plan_for(azure, RG)

    [group] = plan.resources
    assert group.details["endpoint"] == "https://hub-dev-1a2b3c.hcp.westeurope.azmk8s.io:443"
    assert group.details["aks_clusters"] == [{"name": "hub-aks",
                                              "endpoints": ["https://hub-dev-1a2b3c.hcp.westeurope.azmk8s.io:443"]}]
    assert cluster_endpoints(plan) == ["https://hub-dev-1a2b3c.hcp.westeurope.azmk8s.io:443"]
    kubeconfig_server = "https://hub-dev-1a2b3c.hcp.westeurope.azmk8s.io:443"  # as `az aks get-credentials` writes it
    assert normalise_server(kubeconfig_server) == normalise_server(group.details["endpoint"])
    assert {r.method for r in azure.requests} == {"GET"}


def test_several_aks_endpoints_are_all_listed(azure):
    from hubtui.cloud.base import cluster_endpoints

    azure.add_group(RG, tags={"environment": "dev"})
    azure.add_aks(RG, "hub-aks", fqdn="a.hcp.westeurope.azmk8s.io",
                  private_fqdn="a.privatelink.westeurope.azmk8s.io")
    azure.add_aks(RG, "jobs-aks", fqdn="b.hcp.westeurope.azmk8s.io")
    azure.add_group("billing-dev", tags={"environment": "dev"})  # not included: its clusters are no evidence
    azure.add_aks("billing-dev", "billing-aks", fqdn="c.hcp.westeurope.azmk8s.io")

    plan = plan_for(azure, RG)

    assert "endpoint" not in plan.resources[0].details  # no single answer for two clusters
    assert cluster_endpoints(plan) == ["https://a.hcp.westeurope.azmk8s.io:443",
                                       "https://a.privatelink.westeurope.azmk8s.io:443",
                                       "https://b.hcp.westeurope.azmk8s.io:443"]


def test_the_group_records_its_identity(azure):
    from hubtui.cloud.base import iso_time

    group = azure.add_group(RG, tags={"environment": "dev"})

    [planned] = plan_for(azure, RG).resources

    assert planned.id == azure.group_id(RG)
    assert planned.details["created"] == iso_time(group.created)


def test_a_group_recreated_after_the_plan_is_not_deleted(azure):
    azure.add_group(RG, tags={"environment": "dev"})
    plan = plan_for(azure, RG)
    del azure.groups[RG.lower()]
    azure.add_group(RG, tags={"environment": "dev"})  # someone's new group under the same name
    rec = Recorder()

    [outcome] = az.teardown(plan, settings(), rec.ctx)

    planned = plan.resources[0].details["created"]
    assert outcome.outcome == FAILED
    assert words(outcome).startswith("recreated since the plan (created ")
    assert words(outcome).endswith(f", planned {planned}): not deleted; plan again")
    assert azure.calls("DELETE") == [] and RG.lower() in azure.groups
    assert rec.recorded == [outcome] and [e.step for e in rec.of(StepFailed)] == [STEP]


# ---- a cancelled deletion stops here, goes on in Azure, and is picked up by a resume (issue 14) ------------

def _live_threads() -> set:
    """This process's threads but the stand-in's own (it serves each kept-alive connection in a thread)."""
    import threading

    return {t for t in threading.enumerate() if t.is_alive() and "process_request_thread" not in t.name
            and t.name != "azure-standin"}


def cancel_at_first_progress(rec: Recorder) -> None:
    def emit(event):
        rec.events.append(event)
        if isinstance(event, Progress):
            rec.ctx.cancel.set()  # the operator cancels while Azure deletes the group
    rec.ctx.emit = emit


def test_a_cancelled_deletion_leaves_no_polling_thread_and_says_azure_is_still_deleting(azure):
    import time

    azure.add_group(RG, tags={"environment": "dev"})
    plan = plan_for(azure, RG)
    azure.plan_delete(RG, polls=10**6)  # Azure takes its time
    rec = Recorder()
    cancel_at_first_progress(rec)
    before = _live_threads()

    [outcome] = az.teardown(plan, settings(), rec.ctx)

    assert outcome.outcome == SKIPPED
    assert words(outcome) == "cancelled after the delete request: Azure is still deleting it"
    assert rec.recorded == [outcome]  # the DELETE was sent: the journal and the audit know
    assert _live_threads() - before == set()  # nothing of this deletion runs on in this process
    seen = len(azure.requests)
    time.sleep(0.3)
    assert len(azure.requests) == seen  # and nobody polls Azure any more
    assert azure.groups[RG.lower()].state == "Deleting"


def test_a_timed_out_deletion_leaves_no_polling_thread(azure):
    azure.add_group(RG, tags={"environment": "dev"})
    plan = plan_for(azure, RG)
    azure.plan_delete(RG, polls=10**6)
    before = _live_threads()

    [outcome] = az.teardown(plan, settings(), Recorder(timeout=0.2).ctx)

    assert outcome.outcome == FAILED
    assert words(outcome).endswith("still not done after 0.2s (status InProgress; Azure is still deleting it)")
    assert _live_threads() - before == set()


def test_a_resume_waits_for_the_deletion_already_under_way_and_succeeds(azure):
    azure.add_group(RG, tags={"environment": "dev"})
    plan = plan_for(azure, RG)
    azure.plan_delete(RG, polls=6)
    first = Recorder()
    cancel_at_first_progress(first)
    [cancelled] = az.teardown(plan, settings(), first.ctx)
    assert cancelled.outcome == SKIPPED and not cancelled.finished
    deletes = len(azure.calls("DELETE", RG))
    again = Recorder()

    [outcome] = az.teardown(plan, settings(), again.ctx)  # the resume: nothing finished in the first run

    assert (outcome.outcome, words(outcome)) == (DELETED, "deleted (waited for the deletion an earlier run started)")
    assert RG.lower() not in azure.groups
    assert len(azure.calls("DELETE", RG)) == deletes == 1  # waited on, not deleted again
    assert again.of(Progress) and again.recorded == [outcome]
    assert any("already being deleted" in e.text for e in lines(again.events))


def test_a_resume_whose_earlier_deletion_failed_in_azure_is_failed_not_deleted(azure):
    azure.add_group(RG, tags={"environment": "dev"})
    plan = plan_for(azure, RG)
    azure.plan_delete(RG, polls=4, outcome="Failed")
    first = Recorder()
    cancel_at_first_progress(first)
    az.teardown(plan, settings(), first.ctx)

    [outcome] = az.teardown(plan, settings(), Recorder().ctx)

    assert outcome.outcome == FAILED
    assert words(outcome) == ("the deletion an earlier run started ended without deleting it (provisioning state "
                              "Succeeded): run the cleanup again to delete it")
    assert RG.lower() in azure.groups and len(azure.calls("DELETE", RG)) == 1


def test_a_deletion_accepted_with_nowhere_to_follow_it_is_followed_through_the_group(azure):
    azure.add_group(RG, tags={"environment": "dev"})
    plan = plan_for(azure, RG)
    azure.plan_delete(RG, polls=3, style="none")  # 202 without Location or Azure-AsyncOperation
    rec = Recorder()

    [outcome] = az.teardown(plan, settings(), rec.ctx)

    assert (outcome.outcome, outcome.said) == (DELETED, ())
    assert RG.lower() not in azure.groups  # it was watched until ARM answered 404
    assert len([r for r in azure.calls("GET", RG) if r.path.lower().endswith(RG.lower())]) >= 4
