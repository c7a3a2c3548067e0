"""Is the connected cluster the environment's? The evidence a cleanup plan gathers before anything is asked.

Three kinds of fact, each for or against:
- the main namespace's label `environment` (or `hubtui.io/environment`);
- a context, cluster or server name that holds `llm-analytics-hub-<env>` as a whole token;
- the planned cloud cluster's API endpoint equal to the kubeconfig's server (for), or the server being the
  endpoint of another cloud cluster of the account (against).

Also against: a namespace the run would delete named or labelled for another environment, and a context
whose cloud identity (account, region, project, resource group) is not the plan's.

Contrary evidence refuses the plan; no evidence either way makes the operator type the context's name (or,
with --force, repeat it with --context-name). The same facts say whether the environment is production. The
facts are data, worded by present/evidence.py.
"""

from __future__ import annotations

import re
from typing import ClassVar

from ...frozen import frozen
from ...errors import Refused
from ...events import from_named
from ...urls import normalise_server
from .names import ENVIRONMENT_LABELS, named_environments, names_environment, production_like

BOUND, UNPROVEN, CONTRARY = "bound", "unproven", "contrary"
# DOUBT: a fact that keeps names and labels from binding (the planned cloud cluster's endpoint is known and is
# not the server): the operator types the context's name, as with no evidence at all
FOR, AGAINST, DOUBT = "for", "against", "doubt"


# ----- the facts, as data (present/evidence.py words them; a saved plan holds them named) ----------------------
@frozen
class Labelled:
    """Namespace `namespace` is labelled `key`=`value`: for the environment on the main namespace, against it
    on any namespace the run would delete."""
    namespace: str
    key: str
    value: str
    verdict: str


@frozen
class NameNames:
    """The `what` (context, cluster, server) name `name` holds llm-analytics-hub-`environment` as a whole token:
    the environment asked for (for), or another one (against)."""
    what: str
    name: str
    environment: str
    verdict: str


@frozen
class DoomedNamesOther:
    """Namespace `namespace`, which the run would delete, is named for environment `other`."""
    namespace: str
    other: str
    verdict: ClassVar[str] = AGAINST


@frozen
class IdentityDiffers:
    """The `what` name `name` carries a cloud identity other than the plan's: `part` (AWS account, region, GCP
    project, location, resource group) is `found` there, `planned` in the plan."""
    what: str
    name: str
    part: str
    found: str
    planned: str
    verdict: ClassVar[str] = AGAINST


@frozen
class EndpointOfPlanned:
    """The server is the API endpoint of the planned cloud cluster `cluster`."""
    cluster: str
    verdict: ClassVar[str] = FOR


@frozen
class EndpointNotPlanned:
    """The planned cloud cluster `cluster`'s endpoint is `endpoint`, not the server: names and labels do not
    bind."""
    cluster: str
    endpoint: str
    server: str
    verdict: ClassVar[str] = DOUBT


@frozen
class EndpointOfOther:
    """The server is the API endpoint of cloud cluster `cluster`, which is not `environment`'s."""
    cluster: str
    environment: str
    verdict: ClassVar[str] = AGAINST


@frozen
class Said:
    """A fact as an earlier hubtui saved it: its words (its plan's hash holds them)."""
    source: str
    text: str
    verdict: str


Fact = Labelled | NameNames | DoomedNamesOther | IdentityDiffers | EndpointOfPlanned | EndpointNotPlanned \
    | EndpointOfOther | Said


# why the facts say production (beyond the environment's own name)
@frozen
class ProductionPattern:
    """The context matches the config's production_contexts pattern `pattern`."""
    context: str
    pattern: str


@frozen
class DoomedSaysProduction:
    """Namespace `namespace`, which the run would delete, is named for production."""
    namespace: str


@frozen
class LabelSaysProduction:
    namespace: str
    key: str
    value: str


@frozen
class NameSaysProduction:
    """The `what` (context, cluster, server) name `name` says production."""
    what: str
    name: str


@frozen
class ServerOfCluster:
    """The server is the endpoint of cloud cluster `cluster`, whose name says production."""
    cluster: str


@frozen
class IdentitySaysProduction:
    """The cloud identity (`identity`: an account, a project) says production."""
    identity: str


@frozen
class TaggedProduction:
    """The planned cloud resource `resource` is tagged environment=`tag`."""
    resource: str
    tag: str


@frozen
class SaidHint:
    """A reason as an earlier hubtui saved it: its words."""
    text: str


Hint = ProductionPattern | DoomedSaysProduction | LabelSaysProduction | NameSaysProduction | ServerOfCluster \
    | IdentitySaysProduction | TaggedProduction | SaidHint

_FACTS: dict[str, type] = {cls.__name__: cls for cls in (
    Labelled, NameNames, DoomedNamesOther, IdentityDiffers, EndpointOfPlanned, EndpointNotPlanned, EndpointOfOther,
    Said)}
_HINTS: dict[str, type] = {cls.__name__: cls for cls in (
    ProductionPattern, DoomedSaysProduction, LabelSaysProduction, NameSaysProduction, ServerOfCluster,
    IdentitySaysProduction, TaggedProduction, SaidHint)}


class UnknownEvidence(ValueError):
    """A saved plan's evidence that this hubtui does not know (saved by another version of it)."""


def _fact(data) -> Fact:
    """A saved fact: named data, or (an earlier hubtui's) its source, words and verdict (Said)."""
    if isinstance(data, dict) and "fact" not in data:
        return Said(str(data.get("source", "")), str(data.get("text", "")), str(data.get("verdict", "")))
    if not isinstance(data, dict):
        raise UnknownEvidence(f"evidence this hubtui does not know: {data!r}")
    return from_named(data, _FACTS, UnknownEvidence)


def _hint(data) -> Hint:
    """A saved reason for production: named data, or (an earlier hubtui's) its words (SaidHint)."""
    if isinstance(data, str):
        return SaidHint(data)
    if not isinstance(data, dict):
        raise UnknownEvidence(f"evidence this hubtui does not know: {data!r}")
    return from_named(data, _HINTS, UnknownEvidence)


@frozen
class Evidence:
    facts: tuple[Fact, ...] = ()
    production_hints: tuple[Hint, ...] = ()  # why the facts say production (beyond the name asked for)

    @property
    def binding(self) -> str:
        verdicts = {f.verdict for f in self.facts}
        if AGAINST in verdicts:
            return CONTRARY
        if DOUBT in verdicts:
            return UNPROVEN
        return BOUND if FOR in verdicts else UNPROVEN

    @property
    def against(self) -> list[Fact]:
        return [f for f in self.facts if f.verdict == AGAINST]

    def labelled_for(self, namespace: str) -> bool:
        """The namespace is labelled for the environment (an earlier hubtui's fact: by its words)."""
        return any(f.verdict == FOR and (f.namespace == namespace if isinstance(f, Labelled) else
                                         isinstance(f, Said) and f.source == "namespace label"
                                         and f" {namespace} " in f" {f.text} ")
                   for f in self.facts)

    def to_dict(self) -> dict:
        from ...events import named

        return {"binding": self.binding, "facts": [named(f) for f in self.facts],
                "production_hints": [named(h) for h in self.production_hints]}

    @classmethod
    def from_dict(cls, d: dict | None) -> Evidence:
        """A saved plan's evidence; UnknownEvidence for what this hubtui does not know."""
        d = d or {}
        return cls(tuple(_fact(f) for f in d.get("facts", ())),
                   tuple(_hint(h) for h in d.get("production_hints", ())))


_EKS_ARN = re.compile(r"arn:aws[a-z-]*:eks:([a-z0-9-]+):(\d{12}):cluster/")
_GKE_NAME = re.compile(r"^gke_(.+)_([a-z]+-[a-z]+\d+(?:-[a-z])?)_([^_]+)$")
_AKS_USER = re.compile(r"^cluster(?:User|Admin)_(.+)_([^_]+)$")


def cloud_production_hints(cloud) -> list[Hint]:
    """What the cloud plan says of production: the account / project named so, or a planned resource tagged so."""
    if cloud is None:
        return []
    hints: list[Hint] = [IdentitySaysProduction(cloud.identity)] if production_like(cloud.identity) else []
    for r in cloud.resources:
        tag = r.details.get("environment_tag") or (r.details.get("labels") or {}).get("environment")
        if tag and production_like(str(tag)):
            hints.append(TaggedProduction(r.label(), str(tag)))
    return hints


def production_pattern(context: str, patterns: tuple[str, ...]) -> ProductionPattern | None:
    """The config's production_contexts pattern that takes the context for production (None: none does)."""
    from ...config import context_pattern

    pattern = context_pattern(context, patterns)
    return ProductionPattern(context, pattern) if pattern else None


def identity_contrary(names: dict[str, str], cloud: dict | None) -> list[IdentityDiffers]:
    """Contexts that carry their cloud identity, compared with the cloud plan's: an EKS ARN's account and
    region, `gke_PROJECT_LOCATION_NAME`'s project and location, an AKS user's resource group. One fact per
    difference, naming both."""
    if not cloud:
        return []
    identity, region = str(cloud.get("identity", "")), str(cloud.get("region", "") or "")
    planned_groups = {str(r.get("name", "")).lower() for r in cloud.get("resources", ())
                      if r.get("kind") == "resource group"}
    out = []
    for what, value in names.items():
        value = value or ""
        if m := _EKS_ARN.search(value):
            found_region, account = m.groups()
            if cloud.get("provider") == "aws" and account not in identity:
                out.append(IdentityDiffers(what, value, "AWS account", account, identity))
            if cloud.get("provider") == "aws" and region and found_region != region:
                out.append(IdentityDiffers(what, value, "region", found_region, region))
        if (m := _GKE_NAME.match(value)) and cloud.get("provider") == "gcp":
            project, location, _ = m.groups()
            if project != identity.removeprefix("GCP project ").strip():
                out.append(IdentityDiffers(what, value, "GCP project", project, identity))
            elif region and not location.startswith(region):
                out.append(IdentityDiffers(what, value, "location", location, region))
        if (m := _AKS_USER.match(value)) and cloud.get("provider") == "azure" and planned_groups:
            group = m.group(1).lower()
            if group not in planned_groups:
                out.append(IdentityDiffers(what, value, "resource group", m.group(1), ", ".join(sorted(planned_groups))))
    return out


def gather(environment: str, *, namespace: str, labels: dict | None, context: str, cluster: str, server: str,
           planned_endpoints: dict[str, str] | None = None, other_endpoints: dict[str, str] | None = None,
           other_labels: dict[str, dict | None] | None = None, cloud_hints: list[Hint] | None = None,
           doomed: tuple[str, ...] = (), user: str = "", cloud: dict | None = None,
           production_context: Hint | None = None) -> Evidence:
    """The facts about the connected cluster. `labels` are the main namespace's (None if it does not exist);
    `planned_endpoints` maps each planned cloud cluster to its API endpoint, `other_endpoints` the account's
    other cloud clusters to theirs; `doomed` names every namespace the run would delete (their names are facts
    too); `cloud` is the cloud plan (its identity is compared with what the context's names carry);
    `production_context`: the config's production_contexts take the context for production."""
    facts: list[Fact] = []
    hints: list[Hint] = []
    if production_context:
        hints.append(production_context)
    for name in doomed:  # a namespace named for another environment, or for production, is never taken quietly
        others = sorted({e for e in named_environments(name) if e != environment})
        if others:
            facts.append(DoomedNamesOther(name, others[0]))
        if production_like(name):
            hints.append(DoomedSaysProduction(name))
    for key in ENVIRONMENT_LABELS:
        value = (labels or {}).get(key)
        if value is None:
            continue
        facts.append(Labelled(namespace, key, value, FOR if value == environment else AGAINST))
        if production_like(value):
            hints.append(LabelSaysProduction(namespace, key, value))
    for name, other in (other_labels or {}).items():  # the other namespaces that would go
        for key in ENVIRONMENT_LABELS:
            value = (other or {}).get(key)
            if value is not None and value != environment:
                facts.append(Labelled(name, key, value, AGAINST))
            if value is not None and production_like(value):
                hints.append(LabelSaysProduction(name, key, value))
    for what, value in (("context", context), ("cluster", cluster), ("server", server)):
        if names_environment(value, environment):
            facts.append(NameNames(what, value, environment, FOR))
        others = sorted({e for e in named_environments(value) if e != environment})
        if others:
            facts.append(NameNames(what, value, others[0], AGAINST))
        if production_like(_host(value) if what == "server" else value):
            hints.append(NameSaysProduction(what, value))
    facts += identity_contrary({"context": context, "cluster": cluster, "user": user}, cloud)
    mine = normalise_server(server)
    for name, endpoint in (planned_endpoints or {}).items():
        if normalise_server(endpoint) == mine:
            facts.append(EndpointOfPlanned(name))
    if planned_endpoints and not any(normalise_server(e) == mine for e in planned_endpoints.values()):
        label, endpoint = next(iter(planned_endpoints.items()))
        facts.append(EndpointNotPlanned(label, endpoint, server))
    for name, endpoint in (other_endpoints or {}).items():
        if normalise_server(endpoint) == mine:
            facts.append(EndpointOfOther(name, environment))
            if production_like(name):
                hints.append(ServerOfCluster(name))
    hints += cloud_hints or []
    return Evidence(tuple(facts), tuple(dict.fromkeys(hints)))


def _host(server: str) -> str:
    """The host of a server URL: its path and port say nothing of the environment."""
    return re.sub(r"^[a-z]+://", "", (server or "").lower()).split("/", 1)[0].rsplit(":", 1)[0]


@frozen
class ContraryFacts:
    """Facts `against` the environment: the plan is refused before anything is asked or changed."""
    against: tuple[Fact, ...]
    environment: str
    context: str


class ContraryEvidence(Refused):
    """Facts against the environment refuse the plan (present/evidence.refusal words it): `fact.against`."""

    def __init__(self, fact: ContraryFacts):
        super().__init__(fact)
        self.against = fact.against


def refuse_contrary(evidence: Evidence, environment: str, context: str) -> None:
    """Contrary evidence: ContraryEvidence, before anything is asked or changed."""
    if evidence.binding == CONTRARY:
        raise ContraryEvidence(ContraryFacts(tuple(evidence.against), environment, context))
