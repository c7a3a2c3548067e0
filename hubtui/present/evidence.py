"""The evidence that the cluster is the environment's (hubtui.ops.cleanup.evidence), worded: one line per fact,
why it is production, the plan's evidence block and the refusal when facts are against it. Both faces show
these words."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..ops.cleanup.evidence import (DoomedNamesOther, DoomedSaysProduction, EndpointNotPlanned, EndpointOfOther,
                                    EndpointOfPlanned, Fact, Hint, IdentityDiffers, IdentitySaysProduction, Labelled,
                                    LabelSaysProduction, NameNames, NameSaysProduction, ProductionPattern, Said,
                                    SaidHint, ServerOfCluster, TaggedProduction)

if TYPE_CHECKING:
    from ..ops.cleanup.plan import Plan

HEADS = {"bound": "yes", "unproven": "NONE (you must type the context's name)", "contrary": "CONTRARY"}
MARKS = {"for": "+", "against": "-", "doubt": "?"}


def fact_text(fact: Fact) -> str:
    """One fact, as the plan shows it."""
    if isinstance(fact, Labelled):
        return f"namespace {fact.namespace} is labelled {fact.key}={fact.value}"
    if isinstance(fact, NameNames):
        return f"the {fact.what} name {fact.name} names llm-analytics-hub-{fact.environment}" + (
            ", another environment" if fact.verdict == "against" else "")
    if isinstance(fact, DoomedNamesOther):
        return (f"namespace {fact.namespace}, which would be deleted, names llm-analytics-hub-{fact.other}, another "
                "environment")
    if isinstance(fact, IdentityDiffers):
        where = {"location": f"{fact.found}, the plan in region {fact.planned}",
                 "resource group": f"resource group {fact.found}, the plan deletes {fact.planned}"}.get(
            fact.part, f"{fact.part} {fact.found}, the plan in {fact.planned}")
        return f"the {fact.what} {fact.name} is in {where}"
    if isinstance(fact, EndpointOfPlanned):
        return f"the server is the API endpoint of the planned cluster {fact.cluster}"
    if isinstance(fact, EndpointNotPlanned):
        return (f"the planned cluster {fact.cluster}'s API endpoint is {fact.endpoint}, not the server {fact.server}: "
                "names and labels do not bind (a proxy such as Rancher or Teleport changes the server; type the "
                "context's name)")
    if isinstance(fact, EndpointOfOther):
        return f"the server is the API endpoint of cluster {fact.cluster}, which is not environment {fact.environment}'s"
    if isinstance(fact, Said):
        return fact.text
    raise TypeError(f"no words for {type(fact).__name__}")


def hint_text(hint: Hint) -> str:
    """Why the facts say production, in a few words."""
    if isinstance(hint, ProductionPattern):
        return f"context {hint.context} matches the production pattern {hint.pattern!r}"
    if isinstance(hint, DoomedSaysProduction):
        return f"namespace {hint.namespace}, which would be deleted, says production"
    if isinstance(hint, LabelSaysProduction):
        return f"namespace {hint.namespace} is labelled {hint.key}={hint.value}"
    if isinstance(hint, NameSaysProduction):
        return f"the {hint.what} name {hint.name} says production"
    if isinstance(hint, ServerOfCluster):
        return f"the server belongs to cluster {hint.cluster}"
    if isinstance(hint, IdentitySaysProduction):
        return f"the cloud identity {hint.identity} says production"
    if isinstance(hint, TaggedProduction):
        return f"{hint.resource} is tagged environment={hint.tag}"
    if isinstance(hint, SaidHint):
        return hint.text
    raise TypeError(f"no words for {type(hint).__name__}")


def evidence_lines(plan: Plan) -> list[str]:
    """Whether the cluster is the environment's, one line per fact, as both faces show it."""
    facts = plan.facts
    lines = [f"Evidence that this is '{plan.environment}': {HEADS[plan.binding]}"]
    lines += [f"  {MARKS.get(f.verdict, '-')} {fact_text(f)}" for f in facts.facts]
    if plan.namespaces:
        lines.append(f"  namespace {plan.namespaces[0].name} is the main one (from {plan.opts.namespace_from})" + (
            f": not labelled environment={plan.environment}, so you must type its name"
            if plan.namespace_unproven else ""))
    if plan.production:
        why = "; ".join(hint_text(h) for h in facts.production_hints) or f"the name '{plan.environment}'"
        lines.append(f"  PRODUCTION ({why}): DELETE PRODUCTION will be asked")
    return lines


def refusal(against: tuple[Fact, ...], environment: str, context: str) -> str:
    """The plan refused because facts are against the environment (hubtui.ops.cleanup.evidence.ContraryFacts):
    one line, nothing changed."""
    why = "; ".join(fact_text(f) for f in against)
    return (f"context {context} does not look like environment '{environment}': {why}. Nothing was changed; switch "
            "to the environment's context (--context), or name the right environment")
