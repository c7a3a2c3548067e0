"""The typed phrases that guard a destroy: only the exact phrase passes, production-like names and evidence
need DELETE PRODUCTION, a cluster with no evidence needs its context's name, and the name is strict."""

from __future__ import annotations

import pytest

from hubtui.errors import UsageError
from hubtui.ops.cleanup import confirm
from hubtui.ops.cleanup.confirm import accepted, confirmations
from hubtui.ops.cleanup.session import TypePhrase
from hubtui.present.refusals import refused_text
from hubtui.present.session import phrase_question
from hubtui.cloud.base import normalise_server
from hubtui.present.evidence import fact_text, hint_text
from hubtui.ops.cleanup.evidence import (BOUND, CONTRARY, UNPROVEN, gather, names_environment,
                                         production_like)
from hubtui.ops.cleanup.plan import CleanupOptions, validate
from tests.ui.fakes import fake_plan


def question(plan, confirmation) -> str:
    """The question as both faces ask it (present/session.py)."""
    return phrase_question(TypePhrase(confirmation, plan))


def force_problems(plan, context_name):
    """What --force may not skip, in the words both faces say it (None: --force may go on)."""
    problem = confirm.force_problems(plan, context_name)
    return refused_text(problem) if problem else None


def test_every_environment_asks_for_yes_naming_the_context_and_cluster():
    plan = fake_plan("staging")
    [only] = confirmations(plan)
    assert question(plan, only) == ("Are you sure you want to destroy 'staging' on context kwok-demo (cluster kwok-demo, "
                             "server https://127.0.0.1:6443)? (yes/NO)")
    assert accepted(only, "yes")


def test_production_first_needs_delete_production_then_yes():
    plan = fake_plan("production")
    first, second = confirmations(plan)
    assert first.phrase == "DELETE PRODUCTION" and second.phrase == "yes"
    assert "context kwok-demo (cluster kwok-demo" in question(plan, first)
    assert accepted(first, "DELETE PRODUCTION") and accepted(second, "yes")


@pytest.mark.parametrize("typed", ["", "y", "Y", "YES", "Yes", " yes", "yes ", "yes\n", "yess", "no", "ye"])
def test_anything_but_yes_is_refused(typed):
    [ask] = confirmations(fake_plan("dev"))
    assert not accepted(ask, typed)


@pytest.mark.parametrize("typed", ["", "delete production", "DELETE  PRODUCTION", " DELETE PRODUCTION",
                                   "DELETE PRODUCTION ", "DELETE", "yes", "DELETE PROD"])
def test_anything_but_delete_production_is_refused(typed):
    first, _ = confirmations(fake_plan("production"))
    assert not accepted(first, typed)


@pytest.mark.parametrize("env", ["production", "prod", "prd", "prod-eu", "eu-production", "eu-prd-2", "prod1",
                                 "prd01", "production2"])
def test_production_like_names_need_delete_production(env):
    assert production_like(env)
    assert [c.phrase for c in confirmations(fake_plan(env))] == ["DELETE PRODUCTION", "yes"]


@pytest.mark.parametrize("env", ["dev", "staging", "product", "preprod", "productions", "reprd", "prodx"])
def test_other_names_are_asked_yes_only(env):
    assert not production_like(env)
    assert [c.phrase for c in confirmations(fake_plan(env))] == ["yes"]


def hints(evidence) -> tuple[str, ...]:
    return tuple(hint_text(h) for h in evidence.production_hints)


@pytest.mark.parametrize("env", ["production ", " production", "production\n", "prod eu", "Prod", "dev\t", ""])
def test_an_environment_name_with_spaces_or_newlines_is_refused(env):
    with pytest.raises(UsageError):
        validate(CleanupOptions(env, "k8s", "llm-analytics-hub"))


def test_production_evidence_asks_delete_production_whatever_the_name():
    ev = gather("eu1", namespace="hub", labels={"environment": "eu1"}, context="gke_acme_prod_eu1", cluster="c",
                server="https://10.0.0.1")
    assert ev.binding == BOUND and hints(ev) == ("the context name gke_acme_prod_eu1 says production",)


def test_with_no_evidence_the_context_name_is_asked_and_force_needs_it_repeated():
    plan = fake_plan("staging", labelled=False)
    assert plan.binding == UNPROVEN
    phrases = [c.phrase for c in confirmations(plan)]
    assert phrases == ["kwok-demo", "yes"]
    assert "--context-name kwok-demo" in force_problems(plan, None)
    assert force_problems(plan, "kwok-dem") is not None
    assert force_problems(plan, "kwok-demo") is None
    assert force_problems(fake_plan("staging"), None) is None  # the evidence holds: --force alone will do


def test_evidence_for_against_and_none():
    common = dict(namespace="hub", context="ctx", cluster="c", server="https://1.2.3.4:443/")
    assert gather("dev", labels={"environment": "dev"}, **common).binding == BOUND
    assert gather("dev", labels={"hubtui.io/environment": "production"}, **common).binding == CONTRARY
    assert gather("dev", labels={}, **common).binding == UNPROVEN
    assert gather("dev", labels=None, **common | {"context": "arn:aws:eks:x:1:cluster/llm-analytics-hub-dev"}
                  ).binding == BOUND
    assert gather("dev", labels=None, **common, planned_endpoints={"eks": "https://1.2.3.4"}).binding == BOUND
    assert gather("dev", labels={"environment": "dev"}, **common,
                  other_endpoints={"eks-cluster billing": "HTTPS://1.2.3.4"}).binding == CONTRARY


@pytest.mark.parametrize("text, names", [
    ("llm-analytics-hub-dev", True), ("gke_p_r_llm-analytics-hub-dev", True), ("llm-analytics-hub-dev-eu", False),
    ("xllm-analytics-hub-dev", False), ("arn:aws:eks:r:1:cluster/llm-analytics-hub-dev", True),
    ("kwok-llm-analytics-hub-dev", True), ("llm-analytics-hub-development", False),
])
def test_the_hub_name_counts_as_a_whole_token_only(text, names):
    assert names_environment(text, "dev") is names


def test_servers_compare_without_scheme_default_port_or_trailing_slash():
    assert normalise_server("https://ABC.eks.amazonaws.com:443/") == normalise_server("abc.eks.amazonaws.com")
    assert normalise_server("https://1.2.3.4:6443") != normalise_server("https://1.2.3.4")


def test_included_tag_matches_get_their_own_question_that_lists_them():
    import dataclasses

    from hubtui.cloud.base import CloudPlan, CloudResource
    from hubtui.ops.cleanup.plan import CleanupOptions

    plan = fake_plan("dev", CleanupOptions("dev", "aws", "llm-analytics-hub", include_tag_matches=True))
    cloud = CloudPlan.from_dict(plan.cloud)
    decoy = CloudResource("eks-cluster", "billing-dev", "arn:eks/billing-dev", "tag")
    plan = dataclasses.replace(plan, cloud=dataclasses.replace(cloud, resources=cloud.resources + (decoy,)).to_dict())
    phrases = [c.phrase for c in confirmations(plan)]
    assert phrases == ["include tag matches", "yes"]
    [ask] = [c for c in confirmations(plan) if c.phrase == "include tag matches"]
    assert "eks-cluster billing-dev" in question(plan, ask) and "eks-cluster llm-analytics-hub-dev" not in \
        question(plan, ask)
    assert not accepted(ask, "yes")


def test_a_name_of_another_environment_and_another_namespace_label_are_contrary_evidence():
    common = dict(namespace="hub", labels={"environment": "dev"}, server="https://1.2.3.4")
    staging = gather("dev", context="arn:aws:eks:r:1:cluster/llm-analytics-hub-staging", cluster="c", **common)
    assert staging.binding == CONTRARY and "names llm-analytics-hub-staging" in fact_text(staging.against[0])
    eu = gather("dev", context="gke_p_r_llm-analytics-hub-dev-eu", cluster="c", **common)
    assert eu.binding == CONTRARY
    extra = gather("dev", context="ctx", cluster="c", other_labels={"jobs": {"environment": "production"}}, **common)
    assert extra.binding == CONTRARY and hints(extra) == ("namespace jobs is labelled environment=production",)


def test_force_on_production_needs_the_context_name_repeated():
    plan = fake_plan("prod-eu")
    assert "is production: with --force, repeat the context's name" in force_problems(plan, None)
    assert force_problems(plan, "kwok-demo") is None


# ----- facts that disagree refuse, names never win over them ------------------------------------------------
def test_a_planned_cluster_whose_endpoint_is_not_the_server_keeps_names_and_labels_from_binding():
    """The context name (and the label) say dev, but the planned EKS cluster's endpoint is another server: an
    alias pointing elsewhere, or a stale region's stack. The operator types the context's name."""
    ev = gather("dev", namespace="hub", labels={"environment": "dev"},
                context="llm-analytics-hub-dev", cluster="c", server="https://10.9.9.9",
                planned_endpoints={"eks-cluster llm-analytics-hub-dev": "https://ABC.eks.amazonaws.com"})
    assert ev.binding == UNPROVEN
    [doubt] = [f for f in ev.facts if f.verdict == "doubt"]
    assert "API endpoint is https://ABC.eks.amazonaws.com, not the server https://10.9.9.9" in fact_text(doubt)
    assert "names and labels do not bind" in fact_text(doubt)


def test_a_server_naming_another_environment_refuses_and_a_production_word_in_it_asks_delete_production():
    common = dict(namespace="hub", labels={"environment": "dev"}, context="ctx", cluster="c")
    other = gather("dev", server="https://llm-analytics-hub-staging.example.com", **common)
    assert other.binding == CONTRARY and "server name" in fact_text(other.against[0])
    prod = gather("dev", server="https://api.prod.example.com:6443", **common)
    assert prod.binding == BOUND and hints(prod) == (
        "the server name https://api.prod.example.com:6443 says production",)


@pytest.mark.parametrize("context, cloud, why", [
    ("arn:aws:eks:eu-west-1:999999999999:cluster/llm-analytics-hub-dev",
     {"provider": "aws", "identity": "AWS account 123456789012", "region": "eu-west-1"},
     "is in AWS account 999999999999, the plan in AWS account 123456789012"),
    ("arn:aws:eks:us-east-1:123456789012:cluster/llm-analytics-hub-dev",
     {"provider": "aws", "identity": "AWS account 123456789012", "region": "eu-west-1"},
     "is in region us-east-1, the plan in eu-west-1"),
    ("gke_acme-other_europe-west1_llm-analytics-hub-dev",
     {"provider": "gcp", "identity": "GCP project acme-dev", "region": "europe-west1"},
     "is in GCP project acme-other, the plan in GCP project acme-dev"),
    ("gke_acme-dev_us-central1-a_llm-analytics-hub-dev",
     {"provider": "gcp", "identity": "GCP project acme-dev", "region": "europe-west1"},
     "is in us-central1-a, the plan in region europe-west1"),
])
def test_contexts_that_carry_their_cloud_identity_are_compared_with_the_plan(context, cloud, why):
    ev = gather("dev", namespace="hub", labels={"environment": "dev"}, context=context, cluster=context,
                server="https://1.2.3.4", cloud=cloud)
    assert ev.binding == CONTRARY and any(why in fact_text(f) for f in ev.against), ev.facts


def test_an_aks_user_of_another_resource_group_is_contrary():
    cloud = {"provider": "azure", "identity": "Azure subscription s", "region": "",
             "resources": [{"kind": "resource group", "name": "llm-analytics-hub-dev"}]}
    common = dict(namespace="hub", labels={"environment": "dev"}, context="c", cluster="c", server="https://1.2.3.4",
                  cloud=cloud)
    assert gather("dev", user="clusterUser_llm-analytics-hub-dev_aks", **common).binding == BOUND
    other = gather("dev", user="clusterUser_billing-prod_aks", **common)
    assert other.binding == CONTRARY and "resource group billing-prod" in fact_text(other.against[0])


def test_the_same_identity_is_no_fact_against():
    cloud = {"provider": "gcp", "identity": "GCP project acme-dev", "region": "europe-west1"}
    ev = gather("dev", namespace="hub", labels={"environment": "dev"}, cluster="c", server="https://1.2.3.4",
                context="gke_acme-dev_europe-west1-b_llm-analytics-hub-dev", cloud=cloud)
    assert ev.binding == BOUND


def test_doomed_namespaces_named_for_another_environment_refuse_and_production_words_ask():
    common = dict(namespace="hub", labels={"environment": "dev"}, context="ctx", cluster="c", server="https://h")
    assert gather("dev", doomed=("llm-analytics-hub-prod",), **common).binding == CONTRARY
    ev = gather("dev", doomed=("billing-prd",), **common)
    assert ev.binding == BOUND and hints(ev) == ("namespace billing-prd, which would be deleted, says "
                                                           "production",)


@pytest.mark.parametrize("ns", ["kube-flannel", "istio-system", "argocd", "calico-system", "gke-managed-cim",
                                "cattle-fleet-system", "tigera-operator", "linkerd", "default"])
def test_platform_namespaces_are_never_targets(ns):
    with pytest.raises(UsageError, match="never deletes it"):
        validate(CleanupOptions("dev", "k8s", ns))
    with pytest.raises(UsageError, match="never deletes it"):
        validate(CleanupOptions("dev", "k8s", "llm-analytics-hub", (ns,)))


def test_context_patterns_match_in_any_case():
    from hubtui.config import context_pattern
    from hubtui.readonly import readonly_reason
    from hubtui.settings import Settings

    assert context_pattern("Prod-EU", ("*prod*",)) == "*prod*"
    assert context_pattern("dev", ("*prod*",)) is None
    assert readonly_reason(Settings(readonly_contexts=("*PROD*",)), "eks-prod-eu") is not None


def test_a_main_namespace_not_named_on_purpose_and_unlabelled_must_be_typed():
    import dataclasses

    opts = CleanupOptions("staging", "k8s", "llm-analytics-hub", namespace_from="$NAMESPACE")
    plan = fake_plan("staging", opts, labelled=False)
    plan = dataclasses.replace(plan, options={**plan.options, "namespace_from": "$NAMESPACE"})
    assert plan.namespace_unproven
    assert [c.phrase for c in confirmations(plan)] == ["kwok-demo", "llm-analytics-hub", "yes"]
    assert "name it with -n llm-analytics-hub" in force_problems(plan, "kwok-demo")
    labelled = dataclasses.replace(fake_plan("staging", opts), options=plan.options)
    assert not labelled.namespace_unproven  # labelled environment=staging: the label binds it
