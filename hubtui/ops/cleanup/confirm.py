"""The typed phrases a destroy must be confirmed with, and the exact match they need.

Both faces ask the same questions in the same order (confirmations(plan)); present/session.py words each one,
naming the context and the cluster it will destroy. With --force nothing is asked, so force_problems(plan, ...)
says what --force alone may not do.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ...frozen import frozen
from .evidence import UNPROVEN

if TYPE_CHECKING:
    from .refusals import ForceNeedsContext, ForceNeedsNamespace

PRODUCTION_PHRASE = "DELETE PRODUCTION"
TAG_MATCHES_PHRASE = "include tag matches"


# why a phrase is asked (present/session.py words each question)
PRODUCTION, UNPROVEN_CLUSTER, UNPROVEN_NAMESPACE, TAG_MATCHES, SURE, PROTECTION = (
    "production", "unproven-cluster", "unproven-namespace", "tag-matches", "sure", "protection")


@frozen
class Confirmation:
    """A typed phrase a destroy needs: `kind` says why it is asked, `phrase` what must be typed, exactly."""
    kind: str
    phrase: str


def confirmations(plan) -> list[Confirmation]:
    """In the order they are asked: DELETE PRODUCTION first for a production environment (by its name or by
    the evidence), the context's name when nothing shows the cluster is the environment's, the resources
    that match by tag only when they were included, then `yes`."""
    steps = []
    if plan.production:
        steps.append(Confirmation(PRODUCTION, PRODUCTION_PHRASE))
    if plan.binding == UNPROVEN:
        steps.append(Confirmation(UNPROVEN_CLUSTER, plan.context))
    if plan.namespace_unproven:
        steps.append(Confirmation(UNPROVEN_NAMESPACE, plan.namespaces[0].name))
    if tag_matches(plan):
        steps.append(Confirmation(TAG_MATCHES, TAG_MATCHES_PHRASE))
    steps.append(Confirmation(SURE, "yes"))
    return steps


def tag_matches(plan) -> list:
    """The included cloud resources that match the environment by tag only."""
    cloud = plan.cloud_plan
    return [r for r in (cloud.resources if cloud else ()) if r.matched_by == "tag"]


def force_problems(plan, context_name: str | None) -> ForceNeedsContext | ForceNeedsNamespace | None:
    """What --force may not skip: a cluster with no evidence needs its context's name repeated
    (--context-name), and so does production; a main namespace not labelled for the environment needs naming
    with -n. None when --force may go on."""
    from .refusals import ForceNeedsContext, ForceNeedsNamespace

    if plan.binding == UNPROVEN and context_name != plan.context:
        return ForceNeedsContext(plan.environment, plan.context, context_name or "", production=False)
    if plan.namespace_unproven:
        return ForceNeedsNamespace(plan.environment, plan.namespaces[0].name, plan.opts.namespace_from)
    if plan.production and context_name != plan.context:  # --force never stands in for DELETE PRODUCTION alone
        return ForceNeedsContext(plan.environment, plan.context, context_name or "", production=True)
    return None


def accepted(confirmation: Confirmation, typed: str) -> bool:
    """Exact: no other case, no spaces around it, no abbreviation."""
    return typed == confirmation.phrase


def protection_confirmation() -> Confirmation:
    """Asked after the others for each planned database with deletion protection: it is never switched off
    silently."""
    return Confirmation(PROTECTION, "yes")
