"""Is the connected cluster the environment's? The evidence a cleanup plan gathers before anything is asked.

Three kinds of fact, each for or against:
- the main namespace's label `environment` (or `hubtui.io/environment`);
- a context, cluster or server name that holds `llm-analytics-hub-<env>` as a whole token;
- the planned cloud cluster's API endpoint equal to the kubeconfig's server (for), or the server being the
  endpoint of another cloud cluster of the account (against).

Contrary evidence refuses the plan; no evidence either way makes the operator type the context's name (or,
with --force, repeat it with --context-name). The same facts say whether the environment is production.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass

from ...urls import normalise_server
from ...errors import UsageError

ENVIRONMENT_LABELS = ("environment", "hubtui.io/environment")
PRODUCTION_WORDS = frozenset({"production", "prod", "prd"})

BOUND, UNPROVEN, CONTRARY = "bound", "unproven", "contrary"
# DOUBT: a fact that keeps names and labels from binding (the planned cloud cluster's endpoint is known and is
# not the server): the operator types the context's name, as with no evidence at all
FOR, AGAINST, DOUBT = "for", "against", "doubt"


def production_like(name: str) -> bool:
    """`production`, `prod` or `prd` as the whole name or as one of its parts (`prod-eu`, `eu-production`,
    `gke_acme_prod_hub`): such an environment needs DELETE PRODUCTION."""
    return any(re.fullmatch(r"(production|prod|prd)\d*", part)
               for part in re.split(r"[^a-z0-9]+", (name or "").lower()))


_HUB_TOKEN = re.compile(r"(?<![a-z0-9])llm-analytics-hub-([a-z0-9]+(?:-[a-z0-9]+)*)")


def named_environments(text: str) -> list[str]:
    """The environments a name names by the hub's convention (`.../llm-analytics-hub-staging` -> staging)."""
    return _HUB_TOKEN.findall((text or "").lower())


def names_environment(text: str, environment: str) -> bool:
    """`llm-analytics-hub-<env>` as a whole token: `.../llm-analytics-hub-dev` and `kwok-llm-analytics-hub-dev`
    name dev; `llm-analytics-hub-dev-eu` (another environment) and `xllm-analytics-hub-dev` do not."""
    token = re.escape(f"llm-analytics-hub-{environment}")
    return re.search(rf"(?<![a-z0-9]){token}(?![a-z0-9-])", (text or "").lower()) is not None


@dataclass(frozen=True)
class Fact:
    source: str  # namespace label | name | cloud endpoint
    text: str  # one line, as the plan shows it
    verdict: str  # for | against


@dataclass(frozen=True)
class Evidence:
    facts: tuple[Fact, ...] = ()
    production_hints: tuple[str, ...] = ()  # why the facts say production (beyond the name asked for)

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

    def to_dict(self) -> dict:
        return {"binding": self.binding, "facts": [asdict(f) for f in self.facts],
                "production_hints": list(self.production_hints)}

    @classmethod
    def from_dict(cls, d: dict | None) -> Evidence:
        d = d or {}
        return cls(tuple(Fact(**f) for f in d.get("facts", ())), tuple(d.get("production_hints", ())))


_EKS_ARN = re.compile(r"arn:aws[a-z-]*:eks:([a-z0-9-]+):(\d{12}):cluster/")
_GKE_NAME = re.compile(r"^gke_(.+)_([a-z]+-[a-z]+\d+(?:-[a-z])?)_([^_]+)$")
_AKS_USER = re.compile(r"^cluster(?:User|Admin)_(.+)_([^_]+)$")


def identity_contrary(names: dict[str, str], cloud: dict | None) -> list[str]:
    """Contexts that carry their cloud identity, compared with the cloud plan's: an EKS ARN's account and
    region, `gke_PROJECT_LOCATION_NAME`'s project and location, an AKS user's resource group. One line per
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
                out.append(f"the {what} {value} is in AWS account {account}, the plan in {identity}")
            if cloud.get("provider") == "aws" and region and found_region != region:
                out.append(f"the {what} {value} is in region {found_region}, the plan in {region}")
        if (m := _GKE_NAME.match(value)) and cloud.get("provider") == "gcp":
            project, location, _ = m.groups()
            if project != identity.removeprefix("GCP project ").strip():
                out.append(f"the {what} {value} is in GCP project {project}, the plan in {identity}")
            elif region and not location.startswith(region):
                out.append(f"the {what} {value} is in {location}, the plan in region {region}")
        if (m := _AKS_USER.match(value)) and cloud.get("provider") == "azure" and planned_groups:
            group = m.group(1).lower()
            if group not in planned_groups:
                out.append(f"the {what} {value} is in resource group {m.group(1)}, the plan deletes "
                           f"{', '.join(sorted(planned_groups))}")
    return out


def gather(environment: str, *, namespace: str, labels: dict | None, context: str, cluster: str, server: str,
           planned_endpoints: dict[str, str] | None = None, other_endpoints: dict[str, str] | None = None,
           other_labels: dict[str, dict | None] | None = None, cloud_hints: list[str] | None = None,
           doomed: tuple[str, ...] = (), user: str = "", cloud: dict | None = None,
           production_context: str = "") -> Evidence:
    """The facts about the connected cluster. `labels` are the main namespace's (None if it does not exist);
    `planned_endpoints` maps each planned cloud cluster to its API endpoint, `other_endpoints` the account's
    other cloud clusters to theirs; `doomed` names every namespace the run would delete (their names are facts
    too); `cloud` is the cloud plan (its identity is compared with what the context's names carry);
    `production_context` says why the config's production_contexts take the context for production."""
    facts: list[Fact] = []
    hints: list[str] = []
    if production_context:
        hints.append(production_context)
    for name in doomed:  # a namespace named for another environment, or for production, is never taken quietly
        others = sorted({e for e in named_environments(name) if e != environment})
        if others:
            facts.append(Fact("namespace name", f"namespace {name}, which would be deleted, names "
                                                f"llm-analytics-hub-{others[0]}, another environment", AGAINST))
        if production_like(name):
            hints.append(f"namespace {name}, which would be deleted, says production")
    for key in ENVIRONMENT_LABELS:
        value = (labels or {}).get(key)
        if value is None:
            continue
        verdict = FOR if value == environment else AGAINST
        facts.append(Fact("namespace label", f"namespace {namespace} is labelled {key}={value}", verdict))
        if production_like(value):
            hints.append(f"namespace {namespace} is labelled {key}={value}")
    for name, other in (other_labels or {}).items():  # the other namespaces that would go
        for key in ENVIRONMENT_LABELS:
            value = (other or {}).get(key)
            if value is not None and value != environment:
                facts.append(Fact("namespace label", f"namespace {name} is labelled {key}={value}", AGAINST))
            if value is not None and production_like(value):
                hints.append(f"namespace {name} is labelled {key}={value}")
    for what, value in (("context", context), ("cluster", cluster), ("server", server)):
        if names_environment(value, environment):
            facts.append(Fact("name", f"the {what} name {value} names llm-analytics-hub-{environment}", FOR))
        others = sorted({e for e in named_environments(value) if e != environment})
        if others:
            facts.append(Fact("name", f"the {what} name {value} names llm-analytics-hub-{others[0]}, another "
                                      "environment", AGAINST))
        if production_like(_host(value) if what == "server" else value):
            hints.append(f"the {what} name {value} says production")
    for line in identity_contrary({"context": context, "cluster": cluster, "user": user}, cloud):
        facts.append(Fact("cloud identity", line, AGAINST))
    mine = normalise_server(server)
    for name, endpoint in (planned_endpoints or {}).items():
        if normalise_server(endpoint) == mine:
            facts.append(Fact("cloud endpoint", f"the server is the API endpoint of the planned cluster {name}",
                              FOR))
    if planned_endpoints and not any(normalise_server(e) == mine for e in planned_endpoints.values()):
        label, endpoint = next(iter(planned_endpoints.items()))
        facts.append(Fact("cloud endpoint", f"the planned cluster {label}'s API endpoint is {endpoint}, not the "
                                            f"server {server}: names and labels do not bind (a proxy such as "
                                            "Rancher or Teleport changes the server; type the context's name)",
                          DOUBT))
    for name, endpoint in (other_endpoints or {}).items():
        if normalise_server(endpoint) == mine:
            facts.append(Fact("cloud endpoint", f"the server is the API endpoint of cluster {name}, which is not "
                                                f"environment {environment}'s", AGAINST))
            if production_like(name):
                hints.append(f"the server belongs to cluster {name}")
    hints += cloud_hints or []
    return Evidence(tuple(facts), tuple(dict.fromkeys(hints)))


def _host(server: str) -> str:
    """The host of a server URL: its path and port say nothing of the environment."""
    return re.sub(r"^[a-z]+://", "", (server or "").lower()).split("/", 1)[0].rsplit(":", 1)[0]


def refuse_contrary(evidence: Evidence, environment: str, context: str) -> None:
    """Contrary evidence: a one-line refusal, before anything is asked or changed."""
    if evidence.binding == CONTRARY:
        why = "; ".join(f.text for f in evidence.against)
        raise UsageError(f"context {context} does not look like environment '{environment}': {why}. Nothing was "
                         "changed; switch to the environment's context (--context), or name the right environment")
