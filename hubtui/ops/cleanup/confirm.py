"""The typed phrases a destroy must be confirmed with, and the exact match they need.

Both faces ask the same questions in the same order (confirmations(plan)); each names the context and the
cluster it will destroy. With --force nothing is asked, so force_problems(plan, ...) says what --force alone
may not do.
"""

from __future__ import annotations

from dataclasses import dataclass

from ...words import counted
from .evidence import UNPROVEN

PRODUCTION_PHRASE = "DELETE PRODUCTION"
TAG_MATCHES_PHRASE = "include tag matches"


@dataclass(frozen=True)
class Confirmation:
    question: str
    phrase: str  # what must be typed, exactly


def target(plan) -> str:
    """The Kubernetes side of what will be destroyed, as every question names it."""
    return f"context {plan.context} (cluster {plan.cluster}, server {plan.server})"


def confirmations(plan) -> list[Confirmation]:
    """In the order they are asked: DELETE PRODUCTION first for a production environment (by its name or by
    the evidence), the context's name when nothing shows the cluster is the environment's, the resources
    that match by tag only when they were included, then `yes`."""
    env, where = plan.environment, target(plan)
    steps = []
    if plan.production:
        steps.append(Confirmation(f"Type {PRODUCTION_PHRASE} to destroy the production environment '{env}' on "
                                  f"{where}", PRODUCTION_PHRASE))
    if plan.binding == UNPROVEN:
        steps.append(Confirmation(f"Nothing shows that {where} is '{env}''s cluster. Type the context's name "
                                  f"({plan.context}) to destroy it anyway", plan.context))
    if plan.namespace_unproven:
        main = plan.namespaces[0].name
        steps.append(Confirmation(f"The main namespace {main} comes from {plan.opts.namespace_from} and is not "
                                  f"labelled environment={env}. Type its name ({main}) to drain and delete it",
                                  main))
    tagged = tag_matches(plan)
    if tagged:
        steps.append(Confirmation(f"{counted(len(tagged), 'cloud resource')} match{'es' if len(tagged) == 1 else ''} '{env}' by tag only and are included: "
                                  f"{', '.join(r.label() for r in tagged)}. Type {TAG_MATCHES_PHRASE} to delete "
                                  "them too", TAG_MATCHES_PHRASE))
    steps.append(Confirmation(f"Are you sure you want to destroy '{env}' on {where}? (yes/NO)", "yes"))
    return steps


def tag_matches(plan) -> list:
    """The included cloud resources that match the environment by tag only."""
    cloud = plan.cloud_plan
    return [r for r in (cloud.resources if cloud else ()) if r.matched_by == "tag"]


def force_problems(plan, context_name: str | None) -> str | None:
    """What --force may not skip: a cluster with no evidence needs its context's name repeated
    (--context-name). None when --force may go on."""
    given = f" (given {context_name!r})" if context_name else ""
    if plan.binding == UNPROVEN and context_name != plan.context:
        return (f"nothing shows that context {plan.context} is '{plan.environment}''s cluster: with --force, "
                f"repeat its name with --context-name {plan.context}{given}; nothing was changed")
    if plan.namespace_unproven:
        main = plan.namespaces[0].name
        return (f"the main namespace {main} comes from {plan.opts.namespace_from} and is not labelled "
                f"environment={plan.environment}: with --force, name it with -n {main}; nothing was changed")
    if plan.production and context_name != plan.context:  # --force never stands in for DELETE PRODUCTION alone
        return (f"'{plan.environment}' is production: with --force, repeat the context's name with "
                f"--context-name {plan.context}{given}; nothing was changed")
    return None


def accepted(confirmation: Confirmation, typed: str) -> bool:
    """Exact: no other case, no spaces around it, no abbreviation."""
    return typed == confirmation.phrase


def protection_confirmation(plan, resource) -> Confirmation:
    """Asked after the others for each planned database with deletion protection: it is never switched off
    silently."""
    cloud = plan.cloud_plan
    where = f" in {cloud.identity}" if cloud else ""
    return Confirmation(f"{resource.label()}{where} has deletion protection (cleanup of '{plan.environment}' on "
                        f"{target(plan)}). Type yes to switch it off and delete it", "yes")
