"""A plan's risks (ops/cleanup/plan.py's Plan.risks, cloud/base.py's CloudPlan.risks), in words: the lines the
plan screen and the CLI's plan show with a "!", and the JSON plan's `risks`."""

from __future__ import annotations

from ..facts import (AdditionalNotBackedUp, ApiDisabled, BackupWillStop, BindingUnchecked, BindingUnproven,
                     ConfirmationsSkipped, ContextPointsElsewhere, ConversionUnchecked, ConversionWebhookGoes,
                     GroupDatabasesLost, GroupListedInPart, KafkaToolMissing, KafkaUnchecked, KubeconfigByNameOnly,
                     MainNamespaceMissing, MemorystoreDataLost, MskDataLost, NameOnly, NoAnswerFrom, NoBackupTaken,
                     NotIncluded, OtherInstanceUnsaved, ProtectionOn, Risk, RolesUnsaved, ShardUnsaved, SharedIncluded,
                     SharedUnchecked, StoreAbsent, TagOnly, Unworded, VolumesGoWithNamespaces, VolumesNotSaved)
from .words import unchecked_use, users_or_why

STOPS = "the backup will stop the cleanup before anything is deleted: "


def not_saved(what: str) -> str:
    return f"{what} will not be saved (the cleanup goes on without it): "


def risk_text(r: Risk) -> str:
    if isinstance(r, Unworded):
        return r.text
    if isinstance(r, BindingUnproven):
        return (f"nothing shows that context {r.context} (server {r.server}) is environment '{r.environment}''s "
                f"cluster: no environment label on namespace {r.namespace}, no name with "
                f"llm-analytics-hub-{r.environment}, no matching cloud endpoint; you will be asked to type the "
                "context's name")
    if isinstance(r, BindingUnchecked):
        return (f"--k8s-only: the {r.provider} cluster of '{r.environment}' could not be looked up to compare its "
                f"endpoint with the server ({r.error})")
    if isinstance(r, MainNamespaceMissing):
        return f"the main namespace {r.namespace} does not exist in context {r.context}"
    if isinstance(r, NoBackupTaken):
        return "no backup will be taken (--skip-backup)"
    if isinstance(r, ConfirmationsSkipped):
        return "--force: the confirmations are skipped"
    if isinstance(r, VolumesGoWithNamespaces):
        return "persistent volumes are deleted with their namespaces; only the backup keeps their data"
    if isinstance(r, VolumesNotSaved):
        return (f"namespace {r.namespace}: statefulset {r.statefulset} has volumes the backup does NOT save (only "
                "TimescaleDB, Redis and Kafka are saved): its data goes with the namespace")
    if isinstance(r, AdditionalNotBackedUp):
        return (f"namespace {r.namespace}: statefulsets {', '.join(r.statefulsets)} with volumes "
                f"{', '.join(r.volumes)} are NOT backed up (the backup covers {r.main} only)")
    if isinstance(r, SharedIncluded):
        users, why = users_or_why(r.users)  # an earlier hubtui's plan said an unlistable use as a user
        if not users:
            return f"shared infrastructure {r.namespace} is included although {unchecked_use(why)}"
        return f"shared infrastructure {r.namespace} is included although in use: {', '.join(users)}"
    if isinstance(r, SharedUnchecked):
        return f"shared infrastructure {r.namespace} is included although {unchecked_use(r.why)}"
    if isinstance(r, KubeconfigByNameOnly):
        return (f"kubeconfig entries for {r.cluster} are matched by name only (no cloud cluster endpoint was found "
                "to compare with their server)")
    if isinstance(r, ContextPointsElsewhere):
        return (f"kubeconfig context {r.context} in {r.file} names the cluster but its server {r.server or '(none)'} "
                "is not the environment's: kept")
    if isinstance(r, ConversionUnchecked):
        return f"the CRDs' conversion webhooks could not be checked ({r.why})"
    if isinstance(r, ConversionWebhookGoes):
        return (f"CRD {r.crd} converts its versions through a webhook served from {r.namespace}: once that namespace "
                "goes, its objects in other versions cannot be read (the CRD stays)")
    text = _store_text(r) or _cloud_text(r)
    if not text:
        raise TypeError(f"no words for {r!r}")  # as present/cloud.py and summary.py: never a repr on screen
    return text


def _store_text(r: Risk) -> str:
    """What the backup will not save."""
    if isinstance(r, BackupWillStop):
        return f"{STOPS}{r.what}: {r.why}"
    if isinstance(r, ShardUnsaved):
        return f"{STOPS}{r.node} cannot be saved: {r.problem}"
    if isinstance(r, StoreAbsent):
        return not_saved(r.title) + f"no {r.title} in {r.namespace}, nothing of it to save"
    if isinstance(r, OtherInstanceUnsaved):
        return not_saved(f"{r.title} {r.name}") + f"the backup saves one {r.title}, the one of pod {r.pod}"
    if isinstance(r, KafkaToolMissing):
        return not_saved("Kafka topics") + f"the Kafka pod {r.pod} has no {' or '.join(r.tools)} on its PATH"
    if isinstance(r, RolesUnsaved):
        return not_saved("TimescaleDB roles") + (f"user {r.user} is not a superuser, so the roles cannot be read "
                                                 "(every database is saved)")
    if isinstance(r, KafkaUnchecked):
        return f"Kafka topics may not be saved (best effort): could not check: {r.error}"
    return ""


def _cloud_text(r: Risk) -> str:
    """What the cloud teardown would do that the operator must look at twice."""
    if isinstance(r, NotIncluded):
        within = f" (in {r.within}, which would stay)" if r.within else ""
        with_parts = f" (with {', '.join(r.parts)})" if r.parts else ""
        return (f"not included: {r.resource}{within} matches by tag only ({r.tag}) but is not named after {r.named}; "
                f"--include-tag-matches includes it{with_parts} after its own confirmation")
    if isinstance(r, NameOnly):
        if r.provider == "gcp":
            why = f"is labelled {r.key}={r.found}" if r.found else f"has no label {r.key}={r.environment}"
            return f"{r.resource} matches the naming convention but {why}"
        if r.provider == "azure":
            told = f"its {r.key} tag is {r.found!r}" if r.found is not None else f"it has no {r.key} tag"
            return f"resource group {r.resource} matches by name only: {told}"
        has = "has no environment tag" if r.found is None else f"is tagged {r.key}={r.found}"
        return f"{r.resource} matches by name only: it {has}, not {r.key}={r.environment}"
    if isinstance(r, TagOnly):
        if r.provider == "gcp":
            return f"{r.resource} is labelled {r.key}={r.environment} but is not named after {r.named}"
        if r.provider == "azure":
            return f"resource group {r.resource} matches by tag only: it is not named {r.named}"
        within = f" (in {r.within}, which is not part of the plan and stays)" if r.within else ""
        return f"{r.resource}{within} matches by tag only: tagged {r.key}={r.environment} but not named after {r.named}"
    if isinstance(r, ProtectionOn):
        if r.provider == "gcp":
            return (f"{r.kind} {r.name} has deletion protection on: the teardown fails on it unless you confirm "
                    "switching it off")
        return f"RDS {r.name} has deletion protection: it will be switched off only if you confirm"
    if isinstance(r, MskDataLost):
        return (f"{r.resource}: MSK keeps no snapshot and hubtui saves no topic data from it: its messages are lost "
                "with it (only Kafka in the namespace is saved, best effort)")
    if isinstance(r, MemorystoreDataLost):
        return (f"{r.kind} {r.name} is {r.tier} tier: Memorystore keeps no export on delete and hubtui does not "
                "save it; its data is lost with it")
    if isinstance(r, GroupDatabasesLost):
        return (f"resource group {r.group} holds databases ({', '.join(r.databases)}): Azure keeps no final backup "
                "when the group is deleted")
    if isinstance(r, GroupListedInPart):
        return f"resource group {r.group} holds {r.count} resources; the plan lists the first {r.shown}"
    if isinstance(r, ApiDisabled):
        return (f"the {r.api} API is not enabled in project {r.project}: "
                + (f"no {r.what} looked up" if r.what else "nothing looked up there"))
    if isinstance(r, NoAnswerFrom):
        return f"{r.service} did not answer for {', '.join(r.places)}: {r.things} there are not in the plan"
    return ""


def risk_words(plan) -> tuple[str, ...]:
    """A plan's (or a cloud plan's) risks in words."""
    return tuple(risk_text(r) for r in plan.risks)
