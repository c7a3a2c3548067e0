"""A plan's risks are facts (ops/cleanup/plan.py, backup.py, local_state.py and cloud/*), worded in
present/risks.py; a saved plan keeps them named, and a plan an earlier hubtui saved (risks as text) still loads
with its hash."""

from __future__ import annotations

import ast
import dataclasses
import json
from pathlib import Path

import pytest

from hubtui.facts import (_RISKS, BindingUnproven, NotIncluded, ProtectionOn, ShardUnsaved, SharedIncluded,
                          SharedUnchecked, Unworded, risk_data)
from hubtui.errors import HubError
from hubtui.ops.cleanup.plan import NamespacePlan, Plan
from hubtui.present.plan import plan_json, render_text
from hubtui.present.risks import risk_text, risk_words

ROOT = Path(__file__).resolve().parents[2]


def sample(cls):
    """One of each risk, its fields filled by their type."""
    values = {"str": "x-1", "str | None": None, "int": 7, "tuple[str, ...]": ("a-1", "b-2")}
    return cls(**{f.name: values[str(f.type)] for f in dataclasses.fields(cls)})


@pytest.mark.parametrize("cls", sorted(_RISKS.values(), key=lambda c: c.__name__), ids=lambda c: c.__name__)
def test_each_risk_has_words_of_its_own(cls):
    risk = sample(cls)
    text = risk_text(risk)
    assert text and cls.__name__ not in text  # not the repr a risk without words would fall back to
    if dataclasses.fields(cls):
        assert "x-1" in text or "7" in text, text  # what it is about is said


@pytest.mark.parametrize("risk, text", [
    (BindingUnproven("kwok-dev", "https://127.0.0.1:6443", "dev", "hub"),
     "nothing shows that context kwok-dev (server https://127.0.0.1:6443) is environment 'dev''s cluster: no "
     "environment label on namespace hub, no name with llm-analytics-hub-dev, no matching cloud endpoint; you will "
     "be asked to type the context's name"),
    (NotIncluded("eks-nodegroup batch", "eks-cluster shared", "environment=dev", "llm-analytics-hub-dev"),
     "not included: eks-nodegroup batch (in eks-cluster shared, which would stay) matches by tag only "
     "(environment=dev) but is not named after llm-analytics-hub-dev; --include-tag-matches includes it after its "
     "own confirmation"),
    (ProtectionOn("gcp", "cloudsql-instance", "hub-pg"),
     "cloudsql-instance hub-pg has deletion protection on: the teardown fails on it unless you confirm switching it "
     "off"),
    (ShardUnsaved("Redis cluster master 1a2b3c4d (10.0.0.3:6379, slots 0-5460)", "no answer"),
     "the backup will stop the cleanup before anything is deleted: Redis cluster master 1a2b3c4d (10.0.0.3:6379, "
     "slots 0-5460) cannot be saved: no answer"),
    (SharedIncluded("ingress-nginx", ("ingress web/site",)),
     "shared infrastructure ingress-nginx is included although in use: ingress web/site"),
    (SharedIncluded("ingress-nginx", ("could not check (forbidden (403))",)),  # as an earlier hubtui saved it
     "shared infrastructure ingress-nginx is included although whether something uses it could not be checked "
     "(forbidden (403))"),
    (SharedUnchecked("ingress-nginx", "forbidden (403)"),
     "shared infrastructure ingress-nginx is included although whether something uses it could not be checked "
     "(forbidden (403))"),
])
def test_a_risk_in_words(risk, text):
    assert risk_text(risk) == text


def plan_with(risks) -> Plan:
    return Plan("dev", "k8s", "kwok-dev", "kwok-dev", "https://127.0.0.1:6443", {"environment": "dev", "provider": "k8s", "namespace": "hub",
                                                                       "dry_run": True},
                (NamespacePlan("hub", True, "main"),), tuple(risks), created="2026-12-03T12:00:00+00:00")


def saved(tmp_path, plan: Plan) -> Path:
    return Path(plan.save(tmp_path))


def test_a_saved_plan_keeps_its_risks_named_and_loads_them_back(tmp_path):
    plan = plan_with([sample(cls) for cls in _RISKS.values()])
    path = saved(tmp_path, plan)
    data = json.loads(path.read_text())
    assert [r["fact"] for r in data["risks"]] == [cls.__name__ for cls in _RISKS.values()]
    back = Plan.load(path)
    assert back.risks == plan.risks and back.hash == plan.hash


def test_a_plan_an_earlier_hubtui_saved_loads_with_its_hash_and_its_words(tmp_path):
    """Risks saved as text (before they were facts) stay text: the plan's hash still holds, so a pending run
    made by an earlier hubtui is resumed, not refused as changed."""
    words = ["no backup will be taken (--skip-backup)", "a risk this hubtui words otherwise now"]
    old = plan_with([Unworded(w) for w in words])
    body = old.body()
    assert body["risks"] == words  # the shape an earlier hubtui wrote
    path = saved(tmp_path, old)
    back = Plan.load(path)
    assert back.hash == old.hash and risk_words(back) == tuple(words)


def test_a_saved_plan_with_a_risk_this_hubtui_does_not_know_is_refused(tmp_path):
    path = saved(tmp_path, plan_with([ProtectionOn("aws", "rds-instance", "db")]))
    data = json.loads(path.read_text())
    data["risks"] = [{"fact": "SomethingNew", "what": "db"}]
    path.write_text(json.dumps(data))
    with pytest.raises(HubError, match="holds a risk this hubtui does not know .*: plan again"):
        Plan.load(path)


def test_the_cli_and_json_give_the_risks_in_words_and_json_names_them_too():
    plan = plan_with([ProtectionOn("aws", "rds-instance", "db")])
    text = risk_text(plan.risks[0])
    assert f"! {text}" in render_text(plan)
    shown = plan_json(plan)
    assert shown["risks"] == [text] and shown["risk_facts"] == [risk_data(plan.risks[0])]
    older = plan_json(plan_with([Unworded("a risk in words")]))  # an earlier hubtui's plan: named all the same
    assert older["risk_facts"] == [{"fact": "Unworded", "text": "a risk in words"}]


def test_no_risk_is_worded_where_it_is_found():
    """No text is appended to a list of risks in cloud/* and ops/cleanup/*, nor returned as one (this flagged 34
    places in the code before risks were facts): the words are present/risks.py's."""
    worded = []
    files = [*(ROOT / "hubtui" / "cloud").glob("*.py"), *(ROOT / "hubtui" / "ops" / "cleanup").glob("*.py")]

    def text(node) -> bool:
        return isinstance(node, ast.JoinedStr) or (isinstance(node, ast.Constant) and isinstance(node.value, str))

    for path in files:
        tree = ast.parse(path.read_text())
        in_risk_functions = {id(n) for f in ast.walk(tree) if isinstance(f, ast.FunctionDef) and "risk" in f.name
                             for n in ast.walk(f)}
        for node in ast.walk(tree):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "append"
                    and (ast.unparse(node.func.value) in ("risks", "found.risks", "skipped") or id(node) in in_risk_functions)
                    and any(text(a) for a in node.args)):
                worded.append(f"{path.name}:{node.lineno}")
            if isinstance(node, ast.Return) and id(node) in in_risk_functions and isinstance(node.value, ast.List) \
                    and any(text(e) for e in node.value.elts):
                worded.append(f"{path.name}:{node.lineno}")
    assert worded == []


def test_infrastructure_whose_users_could_not_be_listed_is_said_so_and_a_plan_saved_before_that_keeps_its_hash(
        tmp_path):
    """An infrastructure namespace whose users could not be listed is left alone, the reason said as such (not
    as a user named "could not check"). A plan an earlier hubtui saved has no such field: it loads with its
    hash."""
    earlier = plan_with([])
    written = json.loads(saved(tmp_path, earlier).read_text())
    assert all("unchecked" not in ns for ns in written["namespaces"])  # the shape an earlier hubtui wrote
    assert Plan.load(saved(tmp_path, earlier)).hash == earlier.hash
    why = "listing its users in other namespaces is forbidden (403)"
    kept = dataclasses.replace(earlier, namespaces=earlier.namespaces + (
        NamespacePlan("ingress-nginx", True, "infrastructure", included=False, unchecked=why),))
    back = Plan.load(saved(tmp_path, kept))
    assert back == kept and back.hash != earlier.hash
    assert ("namespace ingress-nginx  infrastructure · NOT included: whether something uses it could not be checked "
            f"({why})") in render_text(back)
