"""The evidence that the cluster is the environment's is facts (ops/cleanup/evidence.py), worded in
present/evidence.py; a saved plan keeps them named, and a plan an earlier hubtui saved (facts as words) still
loads with its hash and shows its words."""

from __future__ import annotations

import dataclasses
import json
import typing

import pytest

from hubtui.errors import HubError
from hubtui.ops.cleanup import evidence as ev
from hubtui.ops.cleanup.plan import NamespacePlan, Plan
from hubtui.present.evidence import evidence_lines, fact_text, hint_text
from hubtui.present.plan import plan_json

FACTS = typing.get_args(ev.Fact)
HINTS = typing.get_args(ev.Hint)


def sample(cls):
    values = {"verdict": "against", "what": "context", "part": "region"}
    return cls(**{f.name: values.get(f.name, f"{f.name}-1") for f in dataclasses.fields(cls)})


@pytest.mark.parametrize("cls", FACTS + HINTS, ids=lambda c: c.__name__)
def test_each_fact_and_reason_has_words_of_its_own(cls):
    fact = sample(cls)
    text = (fact_text if cls in FACTS else hint_text)(fact)
    assert text and cls.__name__ not in text
    assert all(str(getattr(fact, f.name)) in text for f in dataclasses.fields(cls)
               if f.name not in ("verdict", "source")), text  # what it is about is said


def plan_with(evidence: dict, namespace_from: str = "default") -> Plan:
    return Plan("dev", "k8s", "kwok-dev", "kwok-dev", "https://127.0.0.1:6443",
                {"environment": "dev", "provider": "k8s", "namespace": "hub", "namespace_from": namespace_from},
                (NamespacePlan("hub", True, "main"),), evidence=evidence, created="2026-12-04T12:00:00+00:00")


def test_a_saved_plan_keeps_its_evidence_named_and_the_label_binds_the_main_namespace(tmp_path):
    facts = ev.gather("dev", namespace="hub", labels={"environment": "dev"}, context="kwok-dev", cluster="c",
                      server="https://api.prod.example.com", production_context=ev.ProductionPattern("kwok-dev", "kwok-*"))
    plan = plan_with(facts.to_dict())
    back = Plan.load(plan.save(tmp_path))
    assert back.facts == facts and back.hash == plan.hash
    assert back.facts.facts == (ev.Labelled("hub", "environment", "dev", "for"),)
    assert not back.namespace_unproven  # the label's fact, not its words, binds the namespace
    assert evidence_lines(back) == [
        "Evidence that this is 'dev': yes", "  + namespace hub is labelled environment=dev",
        "  namespace hub is the main one (from default)",
        "  PRODUCTION (context kwok-dev matches the production pattern 'kwok-*'; the server name "
        "https://api.prod.example.com says production): DELETE PRODUCTION will be asked"]
    printed = plan_json(back)["evidence"]
    assert printed["facts"] == [{"fact": "Labelled", "namespace": "hub", "key": "environment", "value": "dev",
                                 "verdict": "for", "text": "namespace hub is labelled environment=dev"}]
    assert printed["production_hints"][0] == "context kwok-dev matches the production pattern 'kwok-*'"


def test_a_plan_an_earlier_hubtui_saved_loads_with_its_hash_and_its_words(tmp_path):
    """Facts saved as words (before they were facts) stay words: the plan's hash holds, so a pending run made by
    an earlier hubtui is resumed, not refused as changed; its label still binds the main namespace."""
    earlier = {"binding": "bound", "facts": [
        {"source": "namespace label", "text": "namespace hub is labelled environment=dev", "verdict": "for"}],
        "production_hints": ["the server name https://api.prod.example.com says production"]}
    plan = plan_with(earlier)
    path = plan.save(tmp_path)
    data = json.loads(path.read_text())
    assert data["evidence"] == earlier  # the shape an earlier hubtui wrote
    back = Plan.load(path)
    assert back.hash == plan.hash and not back.namespace_unproven and back.production
    assert evidence_lines(back)[1] == "  + namespace hub is labelled environment=dev"
    unlabelled = plan_with({**earlier, "facts": [{**earlier["facts"][0], "text": "namespace other is labelled "
                                                                                 "environment=dev"}]})
    assert unlabelled.namespace_unproven  # a label on another namespace does not bind this one


@pytest.mark.parametrize("evidence", [
    {"binding": "bound", "facts": [{"fact": "SomethingNew", "what": "x", "verdict": "for"}]},
    {"binding": "bound", "facts": [{"fact": "ProductionPattern", "context": "c", "pattern": "p"}]},  # a reason
    {"binding": "bound", "facts": [], "production_hints": [{"fact": "EndpointOfPlanned", "cluster": "c"}]},
    {"binding": "bound", "facts": ["namespace hub is labelled environment=dev"]},  # words, where a fact's data is
    {"binding": "bound", "facts": [{"fact": "Labelled", "namespace": "hub", "extra": 1}]}])
def test_a_saved_plan_with_evidence_this_hubtui_does_not_know_is_refused(tmp_path, evidence):
    path = plan_with(evidence).save(tmp_path)
    with pytest.raises(HubError, match="holds evidence this hubtui does not know .*: plan again"):
        Plan.load(path)


def test_facts_against_refuse_in_the_faces_words():
    facts = ev.gather("dev", namespace="hub", labels={"environment": "staging"}, context="kwok-dev", cluster="c",
                      server="https://h")
    with pytest.raises(ev.ContraryEvidence) as refused:
        ev.refuse_contrary(facts, "dev", "kwok-dev")
    assert str(refused.value) == (
        "context kwok-dev does not look like environment 'dev': namespace hub is labelled environment=staging. "
        "Nothing was changed; switch to the environment's context (--context), or name the right environment")
    assert refused.value.against == (ev.Labelled("hub", "environment", "staging", "against"),)


def test_a_plan_saved_by_hubtui_13b9ed3_loads_with_its_hash_its_evidence_and_its_unlistable_users(tmp_path):
    """A plan file as hubtui 13b9ed3 wrote it (before the evidence and the unlistable users were facts): a pending
    run of it is resumed on its recorded hash, and it shows as it did, in today's words."""
    import shutil
    from pathlib import Path

    from hubtui.facts import NamespaceKept
    from hubtui.present.events import event_line
    from hubtui.present.plan import render_text

    path = tmp_path / "plan.json"
    shutil.copy(Path(__file__).parent / "data" / "plan-saved-by-13b9ed3.json", path)
    plan = Plan.load(path)
    assert plan.hash == json.loads(path.read_text())["hash"]
    assert not plan.namespace_unproven and plan.production  # its label binds; its reasons say production
    text = render_text(plan)
    assert "+ namespace llm-analytics-hub is labelled environment=dev" in text
    assert "PRODUCTION (context kwok-dev matches the production pattern 'kwok-*'; the server name " \
           "https://api.prod.example.com:6443 says production)" in text
    assert ("namespace ingress-nginx  infrastructure · NOT included: whether something uses it could not be checked "
            "(listing its users in other namespaces: forbidden (403)") in text
    nginx = next(ns for ns in plan.namespaces if ns.name == "ingress-nginx")
    assert nginx.in_use and not nginx.doomed
    # a journal of that version recorded the same among the users of a namespace kept at run time
    assert event_line(NamespaceKept("ingress-nginx", ("could not check (forbidden (403))",)))[0] == \
        "    warning: namespace ingress-nginx is left alone: whether something uses it could not be checked " \
        "(forbidden (403))"
