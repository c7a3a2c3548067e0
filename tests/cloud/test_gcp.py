"""The GCP part of the cloud teardown against the local REST stand-in (tests/standins/gcp.py)."""

from __future__ import annotations

import builtins
import dataclasses
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from hubtui.present.risks import risk_words
from hubtui.cloud import gcp as gcp_cloud
from hubtui.cloud.base import DELETED, FAILED, GONE, SKIPPED, CloudPlan, TeardownContext
from hubtui.errors import HubError, UsageError
from hubtui.events import Progress, StepDone, StepFailed, StepStarted
from hubtui.settings import Settings
from tests.said import lines

CLUSTER = "llm-analytics-hub-dev"


def words(outcome) -> str:
    """What came of a resource, as the summary and the journal say it."""
    from hubtui.present.cloud import resource_words

    return resource_words(outcome.said)


class Recorder:
    """Collects what teardown emits and records."""

    def __init__(self):
        self.events: list = []
        self.records: list = []

    def ctx(self, **overrides) -> TeardownContext:
        values = dict(emit=self.events.append, record=self.records.append, poll_interval=0.001,
                      retry_base_delay=0.001, timeout=10.0)
        values.update(overrides)
        return TeardownContext(**values)

    def of(self, kind) -> list:
        return [e for e in self.events if isinstance(e, kind)]


def by_name(outcomes) -> dict:
    return {o.resource.name: o for o in outcomes}


@pytest.fixture
def settings(gcp) -> Settings:
    return Settings.from_env()


@pytest.fixture
def rec() -> Recorder:
    return Recorder()


# ---- discovery -------------------------------------------------------------------------------------------


def test_discover_finds_the_hub_by_name_and_label(gcp, settings):
    gcp.add_hub("dev")
    gcp.add_hub("prod")  # another environment in the same project is left out

    plan = gcp_cloud.discover("dev", settings)

    assert plan.provider == "gcp"
    assert plan.identity == f"GCP project {gcp.project}"
    assert plan.region == gcp.region
    got = {(r.kind, r.name, r.matched_by) for r in plan.resources}
    assert got == {
        ("gke-cluster", CLUSTER, "name+tag"),
        ("cloudsql-instance", f"{CLUSTER}-postgres", "name+tag"),
        ("memorystore-instance", f"{CLUSTER}-redis", "name+tag"),
        ("pubsub-topic", f"{CLUSTER}-events", "name+tag"),
        ("vpc-network", f"{CLUSTER}-vpc", "name"),
    }
    ids = {r.kind: r.id for r in plan.resources}
    assert ids["gke-cluster"] == f"projects/{gcp.project}/locations/{gcp.region}/clusters/{CLUSTER}"
    assert ids["cloudsql-instance"] == f"projects/{gcp.project}/instances/{CLUSTER}-postgres"
    assert ids["memorystore-instance"] == f"projects/{gcp.project}/locations/{gcp.region}/instances/{CLUSTER}-redis"
    assert ids["pubsub-topic"] == f"projects/{gcp.project}/topics/{CLUSTER}-events"
    assert ids["vpc-network"] == f"projects/{gcp.project}/global/networks/{CLUSTER}-vpc"
    vpc = next(r for r in plan.resources if r.kind == "vpc-network")
    assert vpc.details["subnetworks"] == [f"projects/{gcp.project}/regions/{gcp.region}/subnetworks/{CLUSTER}-subnet"]
    assert vpc.details["firewalls"] == [f"projects/{gcp.project}/global/firewalls/{CLUSTER}-allow-internal"]
    assert risk_words(plan) == (f"memorystore-instance {CLUSTER}-redis is STANDARD_HA tier: Memorystore keeps no export on "
                          "delete and hubtui does not save it; its data is lost with it",)
    assert CloudPlan.from_dict(plan.to_dict()) == plan


def test_discovery_only_reads(gcp, settings):
    gcp.add_hub("dev")
    gcp_cloud.discover("dev", settings)
    assert gcp.calls() and all(call.startswith("GET ") for call in gcp.calls())


def test_discover_by_name_only_adds_a_risk_per_resource(gcp, settings):
    gcp.add_hub("dev", labels=False)

    plan = gcp_cloud.discover("dev", settings)

    assert {r.matched_by for r in plan.resources} == {"name"}
    assert len(plan.resources) == 5
    # one risk per labelled kind; a VPC network has no labels, so matching it by name is expected
    labelled = [risk for risk in risk_words(plan) if "has no label environment=dev" in risk]
    assert len(labelled) == 4 and len(risk_words(plan)) == 5  # and the Memorystore data named as not saved
    assert not any("vpc-network" in risk for risk in risk_words(plan))


def test_discover_by_label_only(gcp, settings):
    gcp.add_cluster("renamed-cluster", location="us-central1-a", labels={"environment": "dev"})
    gcp.add_redis_instance("cache", labels={"environment": "dev"})
    gcp.add_topic("audit-log", labels={"environment": "dev"})

    plan = gcp_cloud.discover("dev", settings, include_tag_matches=True)

    got = {(r.kind, r.name, r.matched_by) for r in plan.resources}
    assert got == {("gke-cluster", "renamed-cluster", "tag"), ("memorystore-instance", "cache", "tag"),
                   ("pubsub-topic", "audit-log", "tag")}
    cluster = next(r for r in plan.resources if r.kind == "gke-cluster")
    assert cluster.id == f"projects/{gcp.project}/locations/us-central1-a/clusters/renamed-cluster"
    labelled = [risk for risk in risk_words(plan) if "is labelled environment=dev but is not named after "
                "llm-analytics-hub-dev" in risk]
    assert len(labelled) == 3 and len(risk_words(plan)) == 4  # and the Memorystore data named as not saved


def test_discover_by_label_only_leaves_them_out_by_default(gcp, settings):
    gcp.add_cluster("renamed-cluster", location="us-central1-a", labels={"environment": "dev"})
    gcp.add_topic("audit-log", labels={"environment": "dev"})

    plan = gcp_cloud.discover("dev", settings)

    assert plan.resources == ()
    assert {(r.kind, r.name, r.matched_by) for r in plan.not_included} == {
        ("gke-cluster", "renamed-cluster", "tag"), ("pubsub-topic", "audit-log", "tag")}
    assert sorted(risk_words(plan)) == [
        f"not included: {kind} {name} matches by tag only (environment=dev) but is not named after {CLUSTER}; "
        "--include-tag-matches includes it after its own confirmation"
        for kind, name in (("gke-cluster", "renamed-cluster"), ("pubsub-topic", "audit-log"))]


def test_discover_nothing(gcp, settings):
    gcp.add_hub("prod")
    gcp.add_topic("unrelated")

    plan = gcp_cloud.discover("dev", settings)

    assert plan.resources == ()
    assert risk_words(plan) == ()


def test_topic_of_a_longer_environment_name_is_left_alone(gcp, settings):
    gcp.add_topic(f"{CLUSTER}-2-events", labels={"environment": "dev-2"})

    plan = gcp_cloud.discover("dev", settings)

    assert (plan.resources, plan.not_included, risk_words(plan)) == ((), (), ())


def test_dev_does_not_take_the_unlabelled_topics_of_dev_eu(gcp, settings):
    """`llm-analytics-hub-dev-` is also the start of every name of environment dev-eu: names are exact."""
    gcp.add_hub("dev-eu", labels=False)
    gcp.add_topic(f"{CLUSTER}-eu-audit")  # a topic of dev-eu's with a name the hub does not create either
    gcp.add_hub("dev")

    plan = gcp_cloud.discover("dev", settings, include_tag_matches=True)

    topics = [r.name for r in plan.resources if r.kind == "pubsub-topic"]
    assert topics == [f"{CLUSTER}-events"]
    assert not any("dev-eu" in r.name for r in (*plan.resources, *plan.not_included))
    assert not any("dev-eu" in risk for risk in risk_words(plan))

    gcp_cloud.teardown(plan, settings, Recorder().ctx())

    assert sorted(gcp.topics) == [f"{CLUSTER}-eu-audit", f"{CLUSTER}-eu-events"]
    assert f"{CLUSTER}-eu" in gcp.clusters and f"{CLUSTER}-eu-postgres" in gcp.sql_instances


def test_discover_shows_cloud_sql_deletion_protection(gcp, settings):
    gcp.add_sql_instance(f"{CLUSTER}-postgres", labels={"environment": "dev"}, deletion_protection=True)

    plan = gcp_cloud.discover("dev", settings)

    (sql,) = plan.resources
    assert sql.details["deletion_protection"] is True
    assert sql.details["labels"] == {"environment": "dev"}
    assert len(risk_words(plan)) == 1 and "deletion protection" in risk_words(plan)[0]


@pytest.mark.parametrize("missing, hint", [("gcp_project", "set GCP_PROJECT"), ("gcp_region", "set GCP_REGION")])
def test_discover_needs_project_and_region(gcp, missing, hint):
    settings = dataclasses.replace(Settings.from_env(), **{missing: None})

    with pytest.raises(HubError, match=hint):
        gcp_cloud.discover("dev", settings)
    assert gcp.calls() == []


def test_discover_without_credentials_is_one_line(monkeypatch):
    """No endpoint means the real cloud and Application Default Credentials; none found gives the hint
    (google.auth.default is replaced so the test never looks for real credentials)."""
    import google.auth
    from google.auth.exceptions import DefaultCredentialsError

    def no_credentials(*args, **kwargs):
        raise DefaultCredentialsError("File not found")

    monkeypatch.setattr(google.auth, "default", no_credentials)
    settings = Settings.from_env({"GCP_PROJECT": "p", "GCP_REGION": "europe-west1"})

    with pytest.raises(HubError) as raised:
        gcp_cloud.discover("dev", settings)
    assert "gcloud auth application-default login" in str(raised.value)
    assert "\n" not in str(raised.value)


def _user_credentials(monkeypatch, token_uri: str) -> Settings:
    """Application Default Credentials of a user, whose token comes from `token_uri` (never Google's: the
    sign-in fails there before any request is sent to a Google API)."""
    import google.auth
    from google.oauth2.credentials import Credentials

    credentials = Credentials(token=None, refresh_token="r", token_uri=token_uri, client_id="c", client_secret="s")
    monkeypatch.setattr(google.auth, "default", lambda *args, **kwargs: (credentials, "p"))
    return Settings.from_env({"GCP_PROJECT": "p", "GCP_REGION": "europe-west1"})


def test_a_sign_in_service_that_does_not_answer_is_not_said_as_refused_credentials(monkeypatch):
    """The token endpoint unreachable (a network down) is worded as that, not as credentials refused: an
    operator told to log in again would chase the wrong thing."""
    with socket.socket() as closed:  # a port nobody listens on
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    settings = _user_credentials(monkeypatch, f"http://127.0.0.1:{port}/token")

    with pytest.raises(HubError) as raised:
        gcp_cloud.discover("dev", settings)
    line = str(raised.value)
    assert line.startswith("cannot reach Google's sign-in service to use the credentials (")
    assert line.endswith("): check the network, then try again") and "\n" not in line
    assert "refused" not in line.split("(")[0]


def test_credentials_the_sign_in_service_refuses_are_said_as_refused(monkeypatch):
    """The token endpoint answers: the grant is refused (expired, revoked): credentials refused, log in again."""
    import http.server

    class Refusing(http.server.BaseHTTPRequestHandler):
        def do_POST(self):
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            body = b'{"error": "invalid_grant", "error_description": "Token has been expired or revoked."}'
            self.send_response(400)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Refusing)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        settings = _user_credentials(monkeypatch, f"http://127.0.0.1:{server.server_address[1]}/token")
        with pytest.raises(HubError) as raised:
            gcp_cloud.discover("dev", settings)
    finally:
        server.shutdown()
        server.server_close()
    line = str(raised.value)
    assert line.startswith("Google Cloud credentials refused: ") and "invalid_grant" in line
    assert line.endswith("run `gcloud auth application-default login`")


def test_missing_sdk_is_one_line(gcp, settings, monkeypatch):
    real_import = builtins.__import__

    def without_gke(name, globals=None, locals=None, fromlist=(), level=0):
        if name == "google.cloud" and "container_v1" in (fromlist or ()):
            raise ModuleNotFoundError("No module named 'google.cloud.container_v1'", name="google.cloud.container_v1")
        return real_import(name, globals, locals, fromlist, level)

    monkeypatch.setattr(builtins, "__import__", without_gke)

    with pytest.raises(HubError) as raised:
        gcp_cloud.discover("dev", settings)
    assert str(raised.value) == ("the GCP teardown needs the Google Cloud client libraries "
                                 "(google.cloud.container_v1), which is not installed: install hubtui with its [gcp] "
                                 "extra (pipx install 'hubtui[gcp]', or pip install 'hubtui[gcp]')")
    assert raised.value.exit_code == 2


def test_importing_the_module_loads_no_sdk():
    """The SDKs cost start-up time: they are imported when the GCP part runs, not when hubtui starts."""
    code = "import sys, hubtui.cloud.gcp; print(sorted(m for m in sys.modules if m.startswith('google')))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=Path(__file__).resolve().parents[2]).stdout
    assert out.strip() == "[]"


def test_discover_refused_is_one_line(gcp, settings):
    gcp.fail("GET", "/clusters", 403, message="Permission 'container.clusters.list' denied")

    with pytest.raises(HubError) as raised:
        gcp_cloud.discover("dev", settings)
    assert "GKE clusters" in str(raised.value) and "container.clusters.list" in str(raised.value)


# ---- teardown --------------------------------------------------------------------------------------------


def test_teardown_deletes_the_plan_polling_operations_until_done(gcp, settings, rec):
    gcp.add_hub("dev")
    plan = gcp_cloud.discover("dev", settings)
    gcp.polls_before_done = 3
    gcp.requests.clear()

    outcomes = gcp_cloud.teardown(plan, settings, rec.ctx())

    assert {o.resource.name: o.outcome for o in outcomes} == {r.name: DELETED for r in plan.resources}
    assert not (gcp.clusters or gcp.sql_instances or gcp.redis_instances or gcp.topics or gcp.networks
                or gcp.subnetworks or gcp.firewalls)
    # RUNNING for 3 looks, DONE at the 4th: each operation was polled until DONE and no further
    assert len(gcp.calls("GET", "/locations/europe-west1/operations/")) == 2 * 4  # GKE + Memorystore
    assert len(gcp.calls("GET", "/sql/v1beta4/projects/hub-project/operations/")) == 4
    compute_polls = [c for c in gcp.calls("GET", "/compute/v1/") if "/operations/" in c]
    assert len(compute_polls) == 3 * 4  # firewall, subnetwork, network
    assert sorted(o.resource.name for o in rec.records) == sorted(r.name for r in plan.resources)
    steps = {e.step for e in rec.of(StepDone)}
    assert f"gcp: gke-cluster {CLUSTER}" in steps and len(steps) == 5
    assert {e.step for e in rec.of(StepStarted)} == steps
    assert any(e.step == f"gcp: gke-cluster {CLUSTER}" for e in rec.of(Progress))


def test_an_audit_log_that_fails_as_a_deleted_resource_s_end_is_recorded_stops_the_teardown(gcp, settings, rec):
    """Each resource deleted, its end cannot be written to the audit log: that error is the run's, raised, never
    swallowed as the resource's own failure (its second end returned the first, DELETED, and nothing said the
    log had missed it)."""
    from hubtui.audit import AuditError

    gcp.add_hub("dev")
    plan = gcp_cloud.discover("dev", settings)

    def record(outcome):
        raise AuditError("cannot write the audit log", reason="No space left on device")

    with pytest.raises(AuditError):
        gcp_cloud.teardown(plan, settings, rec.ctx(record=record))


def test_teardown_deletes_exactly_the_plan(gcp, settings, rec):
    gcp.add_hub("dev")
    plan = gcp_cloud.discover("dev", settings)
    gcp.add_topic(f"{CLUSTER}-created-after-the-plan", labels={"environment": "dev"})

    gcp_cloud.teardown(plan, settings, rec.ctx())

    assert list(gcp.topics) == [f"{CLUSTER}-created-after-the-plan"]
    assert not any("created-after" in call for call in gcp.calls("DELETE"))


def test_operation_ending_with_an_error_is_failed_and_keeps_the_vpc(gcp, settings, rec):
    gcp.add_hub("dev")
    plan = gcp_cloud.discover("dev", settings)
    gcp.fail_operation(CLUSTER, "Insufficient regional quota to satisfy request")
    gcp.requests.clear()

    outcomes = by_name(gcp_cloud.teardown(plan, settings, rec.ctx()))

    cluster = outcomes[CLUSTER]
    assert cluster.outcome == FAILED
    assert "Insufficient regional quota" in words(cluster)
    assert CLUSTER in gcp.clusters
    assert any(e.step == f"gcp: gke-cluster {CLUSTER}" for e in rec.of(StepFailed))
    assert not any(e.step == f"gcp: gke-cluster {CLUSTER}" for e in rec.of(StepDone))
    vpc = outcomes[f"{CLUSTER}-vpc"]
    assert vpc.outcome == SKIPPED and f"gke-cluster {CLUSTER}" in words(vpc)
    assert gcp.calls(contains="/compute/") == []
    # held back without a call: said as a warning, not recorded (as on AWS and Azure: base.Lifecycle)
    assert vpc not in rec.records and cluster in rec.records
    assert any(e.level == "warning" and f"{CLUSTER}-vpc: skipped (gke-cluster {CLUSTER} was not deleted" in e.text
               for e in lines(rec.events))
    assert f"{CLUSTER}-vpc" in gcp.networks
    # the parallel ones went ahead
    assert outcomes[f"{CLUSTER}-postgres"].outcome == DELETED


@pytest.mark.parametrize("kind, target", [("memorystore-instance", f"{CLUSTER}-redis"),
                                          ("cloudsql-instance", f"{CLUSTER}-postgres"),
                                          ("vpc-network", f"{CLUSTER}-vpc")])
def test_failed_operation_of_each_api_is_failed(gcp, settings, rec, kind, target):
    gcp.add_hub("dev")
    plan = gcp_cloud.discover("dev", settings)
    gcp.fail_operation(target, "backend said no")

    outcomes = by_name(gcp_cloud.teardown(plan, settings, rec.ctx()))

    assert outcomes[target].outcome == FAILED
    assert "backend said no" in words(outcomes[target])
    assert [r.outcome for r in rec.records if r.resource.name == target] == [FAILED]


def test_vpc_goes_after_the_cluster_and_after_its_parts(gcp, settings, rec):
    gcp.add_hub("dev")
    plan = gcp_cloud.discover("dev", settings)
    gcp.polls_before_done = 2
    gcp.requests.clear()

    gcp_cloud.teardown(plan, settings, rec.ctx())

    calls = gcp.calls()
    last_gke_poll = max(i for i, c in enumerate(calls) if c.endswith("-gke"))
    first_compute = min(i for i, c in enumerate(calls) if "/compute/" in c)
    assert last_gke_poll < first_compute
    firewall = calls.index(f"DELETE /compute/v1/projects/hub-project/global/firewalls/{CLUSTER}-allow-internal")
    subnet = calls.index(f"DELETE /compute/v1/projects/hub-project/regions/{gcp.region}/subnetworks/{CLUSTER}-subnet")
    network = calls.index(f"DELETE /compute/v1/projects/hub-project/global/networks/{CLUSTER}-vpc")
    assert firewall < subnet < network


def test_already_gone_is_gone(gcp, settings, rec):
    gcp.add_hub("dev")
    plan = gcp_cloud.discover("dev", settings)
    gcp.clusters.clear()
    gcp.sql_instances.clear()
    gcp.redis_instances.clear()
    gcp.topics.clear()
    gcp.networks.clear()
    gcp.subnetworks.clear()
    gcp.firewalls.clear()

    outcomes = gcp_cloud.teardown(plan, settings, rec.ctx())

    assert {o.outcome for o in outcomes} == {GONE}
    assert all(o.finished for o in outcomes)


def test_throttling_is_retried_then_succeeds(gcp, settings, rec):
    gcp.add_hub("dev")
    plan = gcp_cloud.discover("dev", settings)
    gcp.fail("DELETE", "/clusters/", 429, times=2)

    outcomes = by_name(gcp_cloud.teardown(plan, settings, rec.ctx()))

    assert outcomes[CLUSTER].outcome == DELETED
    assert len(gcp.calls("DELETE", "/clusters/")) == 3
    retries = [e for e in lines(rec.events) if "trying again" in e.text]
    assert len(retries) == 2 and all(e.level == "warning" for e in retries)


def test_throttling_that_never_ends_fails_after_the_attempts(gcp, settings, rec):
    gcp.add_topic(f"{CLUSTER}-events")
    plan = gcp_cloud.discover("dev", settings)
    gcp.fail("DELETE", "/topics/", 429, times=100)

    (outcome,) = gcp_cloud.teardown(plan, settings, rec.ctx(retry_attempts=3))

    assert outcome.outcome == FAILED
    assert len(gcp.calls("DELETE", "/topics/")) == 3


def test_network_in_use_is_retried(gcp, settings, rec):
    gcp.add_network(f"{CLUSTER}-vpc")
    plan = gcp_cloud.discover("dev", settings)
    gcp.fail("DELETE", "/global/networks/", 400, times=2, reason="resourceInUseByAnotherResource",
             message="The network resource is already being used by 'projects/p/global/routes/r'")

    (outcome,) = gcp_cloud.teardown(plan, settings, rec.ctx())

    assert outcome.outcome == DELETED
    assert len(gcp.calls("DELETE", "/global/networks/")) == 3
    assert not gcp.networks


@pytest.mark.parametrize("user, named", [
    (lambda gcp, net: gcp.add_instance("billing-vm", net), "instance billing-vm (europe-west1-b)"),
    (lambda gcp, net: gcp.add_forwarding_rule("shop-lb", net, region="europe-west1"),
     "forwarding rule shop-lb (europe-west1)"),
    (lambda gcp, net: gcp.add_peering(net, "to-shared", "shared-vpc"), "peering to-shared"),
])
def test_a_network_something_else_still_uses_loses_nothing_not_even_a_firewall_rule(gcp, settings, rec, user,
                                                                                     named):
    """Another team's VM, a load balancer's forwarding rule or a peering in the planned network: the step
    fails naming it before any firewall rule or subnetwork of the network is deleted."""
    net = f"{CLUSTER}-vpc"
    gcp.add_network(net, subnetworks=(f"{CLUSTER}-subnet",), firewalls=(f"{CLUSTER}-allow-internal",))
    plan = gcp_cloud.discover("dev", settings)
    user(gcp, net)

    (outcome,) = gcp_cloud.teardown(plan, settings, rec.ctx())

    assert outcome.outcome == FAILED
    assert f"vpc-network {net} is still used by {named}: nothing in it was deleted" in words(outcome)
    assert gcp.calls("DELETE") == []
    assert net in gcp.networks and f"{CLUSTER}-allow-internal" in gcp.firewalls and gcp.subnetworks


def test_a_part_made_again_under_its_name_on_another_network_stops_the_network_before_anything_goes(gcp, settings,
                                                                                                  rec):
    """The plan listed the network's firewall rule by name; since, a rule of that name belongs to another network
    (deleted and made again): it is never deleted, nor is anything of the planned network."""
    net = f"{CLUSTER}-vpc"
    gcp.add_network(net, subnetworks=(f"{CLUSTER}-subnet",), firewalls=(f"{CLUSTER}-allow-internal",))
    plan = gcp_cloud.discover("dev", settings)
    gcp.add_network("billing-vpc")
    gcp.firewalls[f"{CLUSTER}-allow-internal"]["network"] = gcp.networks["billing-vpc"]["selfLink"]
    gcp.requests.clear()

    (outcome,) = gcp_cloud.teardown(plan, settings, rec.ctx())

    assert outcome.outcome == FAILED and words(outcome) == (
        f"the plan's firewall rule {CLUSTER}-allow-internal of vpc-network {net} now belongs to another network "
        "(billing-vpc): made again under its name since the plan; nothing of the network was deleted; plan again")
    assert gcp.calls("DELETE") == [] and f"{CLUSTER}-allow-internal" in gcp.firewalls and gcp.subnetworks


def test_a_stop_once_a_firewall_rule_is_gone_deletes_nothing_more_and_records_the_network(gcp, settings, rec):
    """The stop comes as the network's first part is deleted: its subnetwork and the network are not sent a
    delete, and the network's outcome (stopped before its own delete request, a part of it gone) is journaled and
    audited."""
    from hubtui.facts import PartDeleted

    net = f"{CLUSTER}-vpc"
    gcp.add_network(net, subnetworks=(f"{CLUSTER}-subnet",), firewalls=(f"{CLUSTER}-allow-internal",))
    plan = gcp_cloud.discover("dev", settings)
    gcp.requests.clear()
    ctx = rec.ctx()

    def emit(event):
        rec.events.append(event)
        if isinstance(event, PartDeleted):
            ctx.cancel.set()

    ctx.emit = emit
    (outcome,) = gcp_cloud.teardown(plan, settings, ctx)

    # the network itself was sent no delete: its part went, and that is what it says
    assert outcome.outcome == SKIPPED and words(outcome) == (
        f"its firewall rule {CLUSTER}-allow-internal was deleted; cancelled before the delete request")
    assert rec.records == [outcome]
    assert [c for c in gcp.calls("DELETE")] == [
        f"DELETE /compute/v1/projects/hub-project/global/firewalls/{CLUSTER}-allow-internal"]
    assert net in gcp.networks and gcp.subnetworks


def test_a_stop_while_a_firewall_rule_is_being_deleted_says_gcp_may_still_be_deleting_it(gcp, settings, rec):
    """The stop comes while the network's first part is being deleted (its delete sent and accepted, not yet
    seen done): the network's outcome says that part may still be deleting, not that nothing was asked, and
    nothing more is sent a delete."""
    net = f"{CLUSTER}-vpc"
    gcp.add_network(net, subnetworks=(f"{CLUSTER}-subnet",), firewalls=(f"{CLUSTER}-allow-internal",))
    plan = gcp_cloud.discover("dev", settings)
    gcp.requests.clear()
    ctx = rec.ctx(poll_interval=0.01)

    def emit(event):
        rec.events.append(event)
        if isinstance(event, Progress):  # waiting on the firewall rule's delete
            ctx.cancel.set()

    ctx.emit = emit
    (outcome,) = gcp_cloud.teardown(plan, settings, ctx)

    assert outcome.outcome == SKIPPED and words(outcome) == (
        f"its firewall rule {CLUSTER}-allow-internal was being deleted when the run stopped: GCP may still be "
        "deleting it; cancelled before the delete request")
    assert rec.records == [outcome]
    assert gcp.calls("DELETE") == [
        f"DELETE /compute/v1/projects/hub-project/global/firewalls/{CLUSTER}-allow-internal"]
    assert net in gcp.networks and gcp.subnetworks


def test_a_hard_stop_once_a_firewall_rule_is_gone_still_records_the_network(gcp, settings, rec):
    """The operator's second Ctrl-C (KeyboardInterrupt, on the main thread that deletes the network) lands as
    its first part is deleted: the network's outcome is recorded all the same (the journal and the audit
    know the cloud changed), then the stop goes on."""
    from hubtui.cloud import base
    from hubtui.facts import PartDeleted

    net = f"{CLUSTER}-vpc"
    gcp.add_network(net, subnetworks=(f"{CLUSTER}-subnet",), firewalls=(f"{CLUSTER}-allow-internal",))
    plan = gcp_cloud.discover("dev", settings)
    ctx = rec.ctx()

    def emit(event):
        rec.events.append(event)
        if isinstance(event, PartDeleted):
            raise KeyboardInterrupt

    ctx.emit = emit
    with pytest.raises(KeyboardInterrupt):
        base.teardown(plan, settings, ctx)  # as the runner calls it
    [outcome] = rec.records
    assert outcome.resource.id.endswith(net) and outcome.outcome == SKIPPED
    assert words(outcome) == (
        f"its firewall rule {CLUSTER}-allow-internal was deleted; cancelled before the delete request")
    assert net in gcp.networks and gcp.subnetworks


@pytest.mark.parametrize("status", [403, 500])
def test_other_errors_fail_at_once(gcp, settings, rec, status):
    gcp.add_hub("dev")
    plan = gcp_cloud.discover("dev", settings)
    gcp.fail("DELETE", "/topics/", status, times=5, message="Request refused by the stand-in")

    outcomes = by_name(gcp_cloud.teardown(plan, settings, rec.ctx()))

    topic = outcomes[f"{CLUSTER}-events"]
    assert topic.outcome == FAILED
    assert "Request refused by the stand-in" in words(topic) and "\n" not in words(topic)
    assert len(gcp.calls("DELETE", "/topics/")) == 1
    assert f"{CLUSTER}-events" in gcp.topics
    # a topic failing does not hold back the VPC (only the GKE cluster does)
    assert outcomes[f"{CLUSTER}-vpc"].outcome == DELETED


def test_cloud_sql_deletion_protection_is_refused_without_confirmation(gcp, settings, rec):
    gcp.add_hub("dev", deletion_protection=True)
    plan = gcp_cloud.discover("dev", settings)

    outcomes = by_name(gcp_cloud.teardown(plan, settings, rec.ctx(allow_disable_deletion_protection=False)))

    sql = outcomes[f"{CLUSTER}-postgres"]
    assert sql.outcome == FAILED and "deletion protection is on" in words(sql)
    assert gcp.calls("PATCH") == [] and gcp.calls("DELETE", "/sql/") == []
    assert gcp.sql_instances[f"{CLUSTER}-postgres"]["settings"]["deletionProtectionEnabled"] is True


def test_a_stop_once_the_cloud_sql_protection_is_off_sends_no_delete_and_says_the_protection_went(gcp, settings,
                                                                                                   rec, monkeypatch):
    """The stop comes as the protection is switched off: no delete is sent, and the outcome, recorded, says the
    protection was switched off and that the stop came before the delete request."""
    gcp.add_hub("dev", deletion_protection=True)
    plan = gcp_cloud.discover("dev", settings)
    gcp.requests.clear()
    ctx = rec.ctx(allow_disable_deletion_protection=True)
    real = gcp_cloud._wait_sql

    def wait_then_stop(*args, **kwargs):  # the protection's operation ends, then the operator stops
        real(*args, **kwargs)
        ctx.cancel.set()

    monkeypatch.setattr(gcp_cloud, "_wait_sql", wait_then_stop)
    sql = by_name(gcp_cloud.teardown(plan, settings, ctx))[f"{CLUSTER}-postgres"]

    assert sql.outcome == SKIPPED
    assert words(sql) == "deletion protection switched off (confirmed); cancelled before the delete request"
    assert sql in rec.records and gcp.calls("DELETE", "/sql/") == []
    assert f"{CLUSTER}-postgres" in gcp.sql_instances


def test_cloud_sql_deletion_protection_is_switched_off_when_confirmed(gcp, settings, rec):
    gcp.add_hub("dev", deletion_protection=True)
    plan = gcp_cloud.discover("dev", settings)
    gcp.requests.clear()

    outcomes = by_name(gcp_cloud.teardown(plan, settings, rec.ctx(allow_disable_deletion_protection=True)))

    assert outcomes[f"{CLUSTER}-postgres"].outcome == DELETED
    sql_calls = [c for c in gcp.requests if "/sql/" in c.path and c.method != "GET"]
    assert [c.method for c in sql_calls] == ["PATCH", "DELETE"]
    assert sql_calls[0].body == {"settings": {"deletionProtectionEnabled": False}}
    assert any("deletion protection off" in e.text and e.level == "warning" for e in lines(rec.events))
    assert not gcp.sql_instances


def test_deletion_protection_switched_on_after_the_plan_is_never_switched_off(gcp, settings, rec):
    gcp.add_hub("dev", deletion_protection=False)
    plan = gcp_cloud.discover("dev", settings)
    gcp.sql_instances[f"{CLUSTER}-postgres"]["settings"]["deletionProtectionEnabled"] = True  # after the plan

    outcomes = by_name(gcp_cloud.teardown(plan, settings, rec.ctx(allow_disable_deletion_protection=True)))

    sql = outcomes[f"{CLUSTER}-postgres"]
    assert sql.outcome == FAILED and "switched on after the plan was made" in words(sql)
    assert gcp.calls("PATCH") == [] and gcp.calls("DELETE", "/sql/") == []


def test_finished_resources_are_skipped_without_a_call(gcp, settings, rec):
    gcp.add_hub("dev")
    plan = gcp_cloud.discover("dev", settings)
    done_before = {r.id for r in plan.resources if r.kind in ("gke-cluster", "pubsub-topic")}
    gcp.requests.clear()

    outcomes = by_name(gcp_cloud.teardown(plan, settings, rec.ctx(finished=frozenset(done_before))))

    assert outcomes[CLUSTER].outcome == SKIPPED and outcomes[f"{CLUSTER}-events"].outcome == SKIPPED
    assert gcp.calls(contains="/clusters") == [] and gcp.calls(contains="/topics") == []
    assert {r.resource.id for r in rec.records}.isdisjoint(done_before)
    # a cluster deleted by an earlier run does not hold the VPC back
    assert outcomes[f"{CLUSTER}-vpc"].outcome == DELETED


def test_cancel_before_start_touches_nothing(gcp, settings, rec):
    gcp.add_hub("dev")
    plan = gcp_cloud.discover("dev", settings)
    gcp.requests.clear()
    ctx = rec.ctx()
    ctx.cancel.set()

    outcomes = gcp_cloud.teardown(plan, settings, ctx)

    assert {o.outcome for o in outcomes} == {SKIPPED}
    assert gcp.calls() == []


def test_cancel_while_waiting_stops_and_deletes_nothing_more(gcp, settings, rec):
    gcp.add_hub("dev")
    plan = gcp_cloud.discover("dev", settings)
    gcp.polls_before_done = 10**9  # the operations never finish
    gcp.requests.clear()
    started = time.monotonic()
    outcomes = cancelled_while_deleting(gcp, settings, rec, plan)

    assert time.monotonic() - started < 5
    assert outcomes[CLUSTER].outcome == SKIPPED
    assert outcomes[f"{CLUSTER}-vpc"].outcome == SKIPPED
    assert gcp.calls(contains="/compute/") == []
    assert not any(o.outcome == DELETED for o in outcomes.values() if o.resource.kind != "pubsub-topic")


def test_wait_that_never_ends_times_out_as_failed(gcp, settings, rec):
    gcp.add_cluster(CLUSTER, labels={"environment": "dev"})
    plan = gcp_cloud.discover("dev", settings)
    gcp.polls_before_done = 10**9

    (outcome,) = gcp_cloud.teardown(plan, settings, rec.ctx(timeout=0.05))

    assert outcome.outcome == FAILED and "still not done" in words(outcome)


def test_parallel_deletions_overlap(gcp, settings, rec):
    """GKE, Cloud SQL and Memorystore wait at the same time, not one after the other."""
    gcp.add_hub("dev")
    plan = gcp_cloud.discover("dev", settings)
    gcp.polls_before_done = 5
    gcp.requests.clear()

    gcp_cloud.teardown(plan, settings, rec.ctx(poll_interval=0.05))

    calls = gcp.calls()
    deletes = [i for i, c in enumerate(calls) if c.startswith("DELETE") and "/compute/" not in c]
    polls = [c for c in calls if c.startswith("GET") and "/operations/" in c]
    first_op_done = max(i for i, c in enumerate(calls) if c == polls[0])
    assert len(deletes) == 4 and max(deletes) < first_op_done


def test_a_plan_of_another_provider_is_refused(gcp, settings, rec):
    with pytest.raises(UsageError):
        gcp_cloud.teardown(CloudPlan("aws", "AWS account 1", "eu-west-1"), settings, rec.ctx())


def test_a_plan_of_another_project_is_refused(gcp, settings, rec):
    gcp.add_hub("dev")
    plan = gcp_cloud.discover("dev", settings)
    gcp.requests.clear()

    with pytest.raises(UsageError, match="GCP project hub-project"):
        gcp_cloud.teardown(plan, dataclasses.replace(settings, gcp_project="other-project"), rec.ctx())
    assert gcp.calls() == []


def test_unreachable_endpoint_is_one_line(gcp):
    settings = dataclasses.replace(Settings.from_env(), gcp_endpoint="http://127.0.0.1:9")

    with pytest.raises(HubError, match="cannot reach Google Cloud"):
        gcp_cloud.discover("dev", settings)


def test_record_and_emit_are_never_called_concurrently(gcp, settings):
    gcp.add_hub("dev")
    plan = gcp_cloud.discover("dev", settings)
    inside = threading.Lock()
    overlaps = []

    def slow(_):
        if not inside.acquire(blocking=False):
            overlaps.append(1)
            return
        time.sleep(0.002)
        inside.release()

    gcp_cloud.teardown(plan, settings, TeardownContext(emit=slow, record=slow, poll_interval=0.001,
                                                       retry_base_delay=0.001))
    assert overlaps == []


# ---- only what the operator meant (issue 9) ---------------------------------------------------------------


def test_discovery_records_identities_and_the_gke_endpoint(gcp, settings):
    from hubtui.cloud.base import cluster_endpoints, iso_time, normalise_server

    gcp.add_hub("dev")

    plan = gcp_cloud.discover("dev", settings)

    got = {r.kind: r for r in plan.resources}
    cluster = gcp.clusters[CLUSTER]
    gke = got["gke-cluster"].details
    assert (gke["endpoint"], gke["created"], gke["uid"]) == (
        f"https://{cluster['endpoint']}", iso_time(cluster["createTime"]), cluster["id"])
    assert cluster_endpoints(plan) == [f"https://{cluster['endpoint']}"]
    assert normalise_server(f"https://{cluster['endpoint']}:443/") == normalise_server(gke["endpoint"])
    assert got["cloudsql-instance"].details["created"] == iso_time(gcp.sql_instances[f"{CLUSTER}-postgres"]["createTime"])
    assert got["memorystore-instance"].details["created"] == iso_time(
        gcp.redis_instances[f"{CLUSTER}-redis"]["createTime"])
    network = gcp.networks[f"{CLUSTER}-vpc"]
    assert (got["vpc-network"].details["created"], got["vpc-network"].details["uid"]) == (
        iso_time(network["creationTimestamp"]), network["id"])
    topic = got["pubsub-topic"].details
    assert topic["created"] is None and "no creation time" in topic["identity"]


def test_a_private_gke_cluster_gives_both_its_endpoints(gcp, settings):
    from hubtui.cloud.base import cluster_endpoints

    gcp.add_cluster(CLUSTER, labels={"environment": "dev"}, endpoint="34.1.2.3", private_endpoint="172.16.0.2")
    gcp.add_cluster("billing-dev", labels={"environment": "dev"}, endpoint="34.9.9.9")  # not included

    plan = gcp_cloud.discover("dev", settings)

    [gke] = plan.resources
    assert gke.details["endpoint"] == "https://34.1.2.3"
    assert cluster_endpoints(plan) == ["https://34.1.2.3", "https://172.16.0.2"]


def test_other_gke_clusters_endpoints_are_kept_as_contrary_evidence(gcp, settings):
    gcp.add_cluster(CLUSTER, labels={"environment": "dev"}, endpoint="34.1.2.3", private_endpoint="172.16.0.2")
    gcp.add_cluster("llm-analytics-hub-prod", labels={"environment": "prod"}, endpoint="34.7.7.7")
    gcp.add_cluster("billing-dev", labels={"environment": "dev"}, endpoint="34.9.9.9")  # not included

    plan = gcp_cloud.discover("dev", settings)

    assert plan.other_endpoints == {"gke-cluster llm-analytics-hub-prod": "https://34.7.7.7"}
    assert plan.foreign_endpoints == {"gke-cluster llm-analytics-hub-prod": "https://34.7.7.7",
                                      "gke-cluster billing-dev (not included)": "https://34.9.9.9"}
    assert plan.planned_endpoints == {f"gke-cluster {CLUSTER}": "https://34.1.2.3",
                                      f"gke-cluster {CLUSTER} (2)": "https://172.16.0.2"}


def test_a_label_only_match_is_left_out_and_a_teardown_leaves_it(gcp, settings, rec):
    gcp.add_hub("dev")
    gcp.add_redis_instance("billing-cache", labels={"environment": "dev"})

    plan = gcp_cloud.discover("dev", settings)

    assert [(r.name, r.matched_by) for r in plan.not_included] == [("billing-cache", "tag")]
    assert "billing-cache" not in {r.name for r in plan.resources}

    outcomes = gcp_cloud.teardown(plan, settings, rec.ctx())

    assert {o.outcome for o in outcomes} == {DELETED}
    assert list(gcp.redis_instances) == ["billing-cache"]
    assert not any("billing-cache" in call for call in gcp.calls("DELETE"))


def test_memorystore_basic_tier_is_a_risk(gcp, settings):
    gcp.add_redis_instance(f"{CLUSTER}-redis", labels={"environment": "dev"}, tier="BASIC")
    gcp.add_redis_instance("other-dev-cache", labels={"environment": "dev"}, tier="BASIC")  # not included

    plan = gcp_cloud.discover("dev", settings)

    assert [r for r in risk_words(plan) if "BASIC" in r] == [
        f"memorystore-instance {CLUSTER}-redis is BASIC tier: Memorystore keeps no export on delete and hubtui "
        "does not save it; its data is lost with it"]


def test_memorystore_standard_tier_is_named_as_not_saved_too(gcp, settings):
    """Standard tier replicates, but a deleted instance keeps nothing either: named, never assumed saved."""
    gcp.add_redis_instance(f"{CLUSTER}-redis", labels={"environment": "dev"})
    assert risk_words(gcp_cloud.discover("dev", settings)) == (
        f"memorystore-instance {CLUSTER}-redis is STANDARD_HA tier: Memorystore keeps no export on delete and "
        "hubtui does not save it; its data is lost with it",)


def test_cloud_sql_is_deleted_with_its_final_backup(gcp, settings, rec):
    gcp.add_sql_instance(f"{CLUSTER}-postgres", labels={"environment": "dev"})
    plan = gcp_cloud.discover("dev", settings)
    created = gcp.sql_instances[f"{CLUSTER}-postgres"]["createTime"]

    (outcome,) = gcp_cloud.teardown(plan, settings, rec.ctx())

    assert outcome.outcome == DELETED
    assert words(outcome) == f"Cloud SQL keeps its final backup {gcp_cloud.FINAL_BACKUP_DAYS} days"
    (backup,) = gcp.sql_final_backups
    assert (backup["instance"], backup["instanceCreateTime"], backup["ttlDays"]) == (
        f"{CLUSTER}-postgres", created, gcp_cloud.FINAL_BACKUP_DAYS)
    assert backup["description"].startswith(f"hubtui: final backup of {CLUSTER}-postgres before deletion")


def test_cloud_sql_without_final_backup_asks_for_none(gcp, settings, rec):
    gcp.add_sql_instance(f"{CLUSTER}-postgres", labels={"environment": "dev"})
    plan = gcp_cloud.discover("dev", settings)

    (outcome,) = gcp_cloud.teardown(plan, settings, rec.ctx(final_snapshot=False))

    assert (outcome.outcome, words(outcome)) == (DELETED, "no final backup (as chosen)")
    assert gcp.sql_final_backups == []
    (delete,) = [c for c in gcp.requests if c.method == "DELETE" and "/sql/" in c.path]
    assert "enableFinalBackup" not in delete.query


def _recreate(gcp, kind: str) -> str:
    """Delete one of the hub's resources behind hubtui's back and create it again under the same name."""
    if kind == "gke-cluster":
        gcp.clusters.pop(CLUSTER)
        gcp.add_cluster(CLUSTER, labels={"environment": "dev"})
        return CLUSTER
    if kind == "cloudsql-instance":
        gcp.sql_instances.pop(f"{CLUSTER}-postgres")
        gcp.add_sql_instance(f"{CLUSTER}-postgres", labels={"environment": "dev"})
        return f"{CLUSTER}-postgres"
    if kind == "memorystore-instance":
        gcp.redis_instances.pop(f"{CLUSTER}-redis")
        gcp.add_redis_instance(f"{CLUSTER}-redis", labels={"environment": "dev"})
        return f"{CLUSTER}-redis"
    gcp.networks.pop(f"{CLUSTER}-vpc")
    gcp.subnetworks.clear()
    gcp.firewalls.clear()
    gcp.add_network(f"{CLUSTER}-vpc", subnetworks=(f"{CLUSTER}-subnet",), firewalls=(f"{CLUSTER}-allow-internal",))
    return f"{CLUSTER}-vpc"


@pytest.mark.parametrize("kind", ["gke-cluster", "cloudsql-instance", "memorystore-instance", "vpc-network"])
def test_a_resource_recreated_after_the_plan_is_not_deleted(gcp, settings, rec, kind):
    gcp.add_hub("dev")
    plan = gcp_cloud.discover("dev", settings)
    name = _recreate(gcp, kind)
    gcp.requests.clear()

    outcomes = by_name(gcp_cloud.teardown(plan, settings, rec.ctx()))

    outcome = outcomes[name]
    planned = next(r for r in plan.resources if r.name == name).details["created"]
    assert outcome.outcome == FAILED
    assert words(outcome).startswith("recreated since the plan (created ")
    assert words(outcome).endswith(f", planned {planned}): not deleted; plan again")
    assert not any(call.endswith(f"/{name}") for call in gcp.calls("DELETE") + gcp.calls("PATCH"))
    if kind == "vpc-network":  # its parts stay too
        assert gcp.calls("DELETE", "/compute/") == [] and gcp.firewalls and gcp.subnetworks
    assert name in {**gcp.clusters, **gcp.sql_instances, **gcp.redis_instances, **gcp.networks}
    # the others, seen as planned, went
    assert {o.outcome for n, o in outcomes.items() if n != name and o.resource.kind != "vpc-network"} == {DELETED}


# ---- a resume after an interrupted run; Memorystore in every region (issue 14) ------------------------------


def cancelled_while_deleting(gcp, settings, rec, plan):
    """Run the teardown and cancel it at the first progress of a wait (the operator quits, the machine dies):
    the delete requests were sent and GCP goes on with them. Returns that run's outcomes by name."""
    ctx = rec.ctx(poll_interval=0.01)

    def emit(event):
        rec.events.append(event)
        if isinstance(event, Progress):
            ctx.cancel.set()

    ctx.emit = emit
    return by_name(gcp_cloud.teardown(plan, settings, ctx))


def resume(gcp, settings, plan, first_run_records) -> tuple[dict, Recorder]:
    """The same plan again, with what the first run finished, as the runner resumes it."""
    rec = Recorder()
    finished = frozenset(o.resource.id for o in first_run_records if o.finished)
    return by_name(gcp_cloud.teardown(plan, settings, rec.ctx(finished=finished))), rec


def test_a_resume_during_a_running_gke_delete_waits_on_it_and_succeeds(gcp, settings, rec):
    gcp.add_cluster(CLUSTER, labels={"environment": "dev"})
    plan = gcp_cloud.discover("dev", settings)
    gcp.polls_before_done = 5

    first = cancelled_while_deleting(gcp, settings, rec, plan)

    assert (first[CLUSTER].outcome, words(first[CLUSTER])) == (
        SKIPPED, "cancelled after the delete request: GCP is still deleting it")
    assert gcp.clusters[CLUSTER]["status"] == "STOPPING"  # GKE is still deleting it
    [operation] = [o for o in gcp.operations.values() if not o.finished]

    outcomes, again = resume(gcp, settings, plan, rec.records)

    cluster = outcomes[CLUSTER]
    assert cluster.outcome == DELETED, words(cluster)
    assert words(cluster) == f"deleted (waited for operation {operation.id}, which an earlier run started)"
    assert CLUSTER not in gcp.clusters and operation.finished
    assert len(gcp.calls("DELETE", "/clusters/")) == 1  # the first run's only: the resume sent none
    listings = [c for c in gcp.calls("GET") if c.endswith("/locations/europe-west1/operations")]
    assert listings == ["GET /v1/projects/hub-project/locations/europe-west1/operations"]  # how it found it
    assert [p.step for p in again.of(Progress)] and all(p.step == f"gcp: gke-cluster {CLUSTER}"
                                                         for p in again.of(Progress))
    assert again.records == [cluster]


def test_a_gke_delete_refused_by_the_running_deletion_joins_it(gcp, settings, rec):
    """Even when the cluster does not (yet) show STOPPING, the refusal ("incompatible operation") leads to
    the running deletion, which is waited on: no retries of the refused delete until they run out."""
    gcp.add_cluster(CLUSTER, labels={"environment": "dev"})
    plan = gcp_cloud.discover("dev", settings)
    gcp.polls_before_done = 5
    cancelled_while_deleting(gcp, settings, rec, plan)
    gcp.clusters[CLUSTER]["status"] = "RUNNING"

    outcomes, again = resume(gcp, settings, plan, rec.records)

    assert outcomes[CLUSTER].outcome == DELETED, words(outcomes[CLUSTER])
    assert len(gcp.calls("DELETE", "/clusters/")) == 2  # the first run's, and the refused one
    assert not [e for e in lines(again.events) if "trying again" in e.text]
    assert any("already being deleted" in e.text for e in lines(again.events))


def test_a_gke_delete_refused_by_an_upgrade_waits_for_it_then_deletes(gcp, settings, rec):
    gcp.add_cluster(CLUSTER, labels={"environment": "dev"})
    plan = gcp_cloud.discover("dev", settings)
    upgrade = gcp.start_gke_operation(CLUSTER, "UPGRADE_MASTER", polls=3)

    outcomes = by_name(gcp_cloud.teardown(plan, settings, rec.ctx()))

    assert (outcomes[CLUSTER].outcome, outcomes[CLUSTER].said) == (DELETED, ())
    assert gcp.operations[upgrade].finished
    deletes = [i for i, c in enumerate(gcp.calls()) if c.startswith("DELETE") and "/clusters/" in c]
    upgrade_done = max(i for i, c in enumerate(gcp.calls()) if c.endswith(f"/operations/{upgrade}"))
    assert len(deletes) == 2 and deletes[0] < upgrade_done < deletes[1]
    assert any(f"operation {upgrade} is running on it" in e.text for e in lines(rec.events))


def test_a_resume_during_a_running_cloud_sql_delete_waits_on_it_and_succeeds(gcp, settings, rec):
    gcp.add_sql_instance(f"{CLUSTER}-postgres", labels={"environment": "dev"})
    plan = gcp_cloud.discover("dev", settings)
    gcp.polls_before_done = 5

    first = cancelled_while_deleting(gcp, settings, rec, plan)

    assert words(first[f"{CLUSTER}-postgres"]) == "cancelled after the delete request: GCP is still deleting it"
    [operation] = [o for o in gcp.operations.values() if not o.finished]

    outcomes, again = resume(gcp, settings, plan, rec.records)

    sql = outcomes[f"{CLUSTER}-postgres"]
    assert sql.outcome == DELETED, words(sql)
    assert words(sql) == f"deleted (waited for operation {operation.id}, which an earlier run started)"
    assert not gcp.sql_instances and len(gcp.sql_final_backups) == 1  # the first run's request asked for it
    assert len(gcp.calls("DELETE", "/sql/")) == 2  # the first run's, and the one refused (operationInProgress)
    [listing] = [c for c in gcp.requests if c.method == "GET" and c.path.endswith("/operations")]
    assert "instance=llm-analytics-hub-dev-postgres" in listing.query
    assert not [e for e in lines(again.events) if "trying again" in e.text]
    assert again.of(Progress)


def test_a_resume_during_a_running_memorystore_delete_waits_until_it_is_gone(gcp, settings, rec):
    gcp.add_redis_instance(f"{CLUSTER}-redis", labels={"environment": "dev"})
    plan = gcp_cloud.discover("dev", settings)
    gcp.polls_before_done = 5
    cancelled_while_deleting(gcp, settings, rec, plan)
    assert gcp.redis_instances[f"{CLUSTER}-redis"]["state"] == "DELETING"

    outcomes, _ = resume(gcp, settings, plan, rec.records)

    assert outcomes[f"{CLUSTER}-redis"].outcome == DELETED
    assert not gcp.redis_instances
    assert len(gcp.calls("DELETE", "/instances/")) == 1


def test_memorystore_in_another_region_is_found_and_deleted_and_the_plan_says_where_it_looked(gcp, settings, rec):
    gcp.add_cluster(CLUSTER, location="us-central1", labels={"environment": "dev"})
    gcp.add_redis_instance(f"{CLUSTER}-redis", location="us-central1", labels={"environment": "dev"})
    gcp.add_redis_instance("someone-elses-cache", location="asia-east1")
    assert gcp.region == "europe-west1"  # GCP_REGION: not where the instance is

    plan = gcp_cloud.discover("dev", settings)

    [redis] = [r for r in plan.resources if r.kind == "memorystore-instance"]
    assert redis.id == f"projects/hub-project/locations/us-central1/instances/{CLUSTER}-redis"
    assert redis.details["region"] == "us-central1"
    assert plan.notes == ("GKE clusters looked up in every location of project hub-project (locations/-)",
                          "Memorystore instances looked up in every region of project hub-project (locations/-)")
    assert gcp.calls("GET", "/locations/") == ["GET /v1/projects/hub-project/locations/-/clusters",
                                                "GET /v1/projects/hub-project/locations/-/instances"]
    assert CloudPlan.from_dict(plan.to_dict()) == plan

    outcomes = by_name(gcp_cloud.teardown(plan, settings, rec.ctx()))

    assert outcomes[f"{CLUSTER}-redis"].outcome == DELETED
    assert list(gcp.redis_instances) == ["someone-elses-cache"]


def test_memorystore_regions_that_did_not_answer_are_a_risk(gcp, settings):
    gcp.add_redis_instance(f"{CLUSTER}-redis", labels={"environment": "dev"})
    gcp.redis_unreachable = ["projects/hub-project/locations/asia-east1"]

    plan = gcp_cloud.discover("dev", settings)

    assert "Memorystore did not answer for asia-east1: instances there are not in the plan" in risk_words(plan)
