"""What came of a cloud resource is facts (cloud/*), worded in present/cloud.py; the journal keeps them named."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from hubtui.events import named
from hubtui.facts import (AlreadyGone, BlockedBy, CloudError, FinalSnapshot, HoldsUnplanned, JoinedEarlierDeletion,
                          Listed, NoFinalSnapshot, PartsFailed, PartsLeft, ProtectionSwitchedOff, StillDeleting,
                          StoppedBefore, from_dict)
from hubtui.present.cloud import resource_words, stopped
from hubtui.present.summary import item_text

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("said, text", [
    ((ProtectionSwitchedOff(), FinalSnapshot("db-final-1", "creating")),
     "deletion protection switched off (confirmed); final snapshot db-final-1 (creating)"),
    ((FinalSnapshot("db-final-1", listed=False),), "final snapshot db-final-1 requested but NOT listed by AWS"),
    ((FinalSnapshot("db-final-1", check_error="AccessDenied"),), "final snapshot db-final-1 (could not check it: AccessDenied)"),
    ((NoFinalSnapshot(),), "no final snapshot (as chosen)"),
    ((AlreadyGone(was_deleting=True),), "its deletion was already under way; now gone"),
    ((JoinedEarlierDeletion("op-7"),), "deleted (waited for operation op-7, which an earlier run started)"),
    ((StillDeleting(),), "cancelled after the delete request: it may still be deleting"),
    ((StillDeleting("Azure"),), "cancelled after the delete request: Azure is still deleting it"),
    ((StoppedBefore("request"),), "cancelled before the delete request"),
    ((HoldsUnplanned(("a", "b"), 3),), "it holds resources the plan did not show: a, b and 3 more; nothing was deleted: plan again"),
    ((PartsFailed(("ng-1",), ("eks-nodegroup",), ("eks-nodegroup", "eks-addon")),),
     "nodegroup ng-1 failed: the cluster cannot go before its nodegroups and add-ons"),
    ((PartsLeft(("eks-nodegroup", "eks-fargate-profile", "eks-addon")),),
     "cancelled before its nodegroups, Fargate profiles and add-ons were gone"),
    ((BlockedBy("gke-cluster hub", "failed"),), "gke-cluster hub was not deleted (failed)"),
])
def test_each_fact_in_words(said, text):
    assert resource_words(said) == text


def test_a_stop_is_told_from_a_failure_by_its_facts():
    assert stopped((StillDeleting(),)) and stopped((StoppedBefore("start"),)) and stopped((PartsLeft(("eks-addon",)),))
    assert not stopped((CloudError("AccessDenied: cancel this"),))


def test_a_listed_resource_keeps_its_facts_through_the_journal():
    item = Listed("rds-instance db", said=(ProtectionSwitchedOff(), FinalSnapshot("db-final-1", "available")))
    back = from_dict(named(item))
    assert back == item
    assert item_text(back) == ("rds-instance db (deletion protection switched off (confirmed); final snapshot "
                               "db-final-1 (available))")


def test_the_cloud_teardowns_word_no_outcome():
    """No text goes into what a resource came to: ResourceOutcome, Lifecycle.end and held_back take facts (a
    CloudError holds an error's own line, as present/cloud_failures.short_error gives it)."""
    worded = []
    for name in ("aws", "gcp", "azure", "base"):
        tree = ast.parse((ROOT / "hubtui" / "cloud" / f"{name}.py").read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and getattr(node.func, "id", getattr(node.func, "attr", "")) in (
                    "ResourceOutcome", "end", "held_back", "_skip"):
                if any(isinstance(a, ast.JoinedStr) or (isinstance(a, ast.Constant) and isinstance(a.value, str))
                       for a in node.args):
                    worded.append(f"{name}.py:{node.lineno}")
    assert worded == []


def test_ndjson_names_a_held_back_resources_reason_and_words_it(capsys):
    import json

    from hubtui.events import StepFailed
    from hubtui.facts import HeldBack, Within
    from hubtui.headless.output import EventPrinter

    printer = EventPrinter(ndjson=True)
    printer(HeldBack("aws: eks-cluster hub", PartsLeft(("eks-nodegroup",))))
    printer(Within(StepFailed("aws: rds-instance db", "failed", (CloudError("AccessDenied"),))))
    held, within = (json.loads(line) for line in capsys.readouterr().out.splitlines())
    assert held["why"] == {"fact": "PartsLeft", "kinds": ["eks-nodegroup"]}
    assert held["detail"] == "cancelled before its nodegroups were gone"
    assert within["inner"]["said"] == [{"fact": "CloudError", "text": "AccessDenied"}]
    assert within["inner"]["error"] == "AccessDenied"
