"""What a cleanup would delete, discovered before anything is asked and frozen as a plan with a hash."""

from __future__ import annotations

import hashlib
import json
import os
import re
from dataclasses import asdict, field, replace
from functools import cached_property
from datetime import datetime, UTC
from pathlib import Path
from typing import Any

from ...frozen import frozen
from ...errors import HubError, UsageError
from ...facts import (AdditionalNotBackedUp, BindingUnchecked, BindingUnproven, ConfirmationsSkipped, ContextPointsElsewhere,
                      ConversionUnchecked, ConversionWebhookGoes, KubeconfigByNameOnly, MainNamespaceMissing, NamespaceKept,
                      NoBackupTaken, Risk, SharedIncluded, SharedUnchecked, UnknownRisk, VolumesGoWithNamespaces, VolumesNotSaved, risk_data,
                      risk_from_data)
from ...kube.client import KubeConnection, describe_api_error
from ...settings import Settings
from ...kube.objects import dig, list_items, meta_of, name_in, read_object
from .evidence import (UNPROVEN, Evidence, UnknownEvidence, cloud_production_hints, gather, production_like,
                       production_pattern, refuse_contrary)
from ...kube.failures import ReadingNamespace
from .failures import (BadEnvironmentName, BadNamespaceName, ListingApiServices, ListingCrds, ListingInfraUsers,
                       ListingNamespace, ListingWebhooks, NoEnvironment, PlanChanged, PlanEvidenceUnknown,
                       PlanForOtherCluster, PlanRiskUnknown, PlanUnreadable, PlanUnsaved, PlatformNamespace,
                       SystemNamespace, UnknownProvider)
from .local_state import KubeconfigEntries, LocalPlan, plan_kubeconfig


PROVIDERS = ("aws", "gcp", "azure", "k8s")
EXPLICIT_NAMESPACE = ("-n", "typed in the form")  # a main namespace named on purpose, not inherited
INFRA_NAMESPACES = ("monitoring", "cert-manager", "ingress-nginx")
SYSTEM_NAMESPACES = ("default", "kube-system", "kube-public", "kube-node-lease")
# Namespaces of Kubernetes itself and of well-known platforms (service meshes, CNIs, policy engines, GitOps
# controllers, cloud-managed ones): never a cleanup's target, whatever it is asked (shell patterns).
PLATFORM_NAMESPACES = (
    "default", "kube-*", "*-system", "openshift", "openshift-*", "gke-*", "gmp-*", "gke-managed-*", "aks-*",
    "azure-*", "amazon-*", "aws-*", "eks-*", "istio-*", "linkerd", "linkerd-*", "cilium", "cilium-*",
    "calico-*", "tigera-operator", "argocd", "argo-cd", "argo-rollouts", "flux", "flux-*", "kyverno",
    "kyverno-*", "gatekeeper", "opa", "cattle-*", "fleet-*", "rancher", "rancher-*", "local-path-storage",
    "metallb", "velero", "vault", "external-secrets", "external-dns", "karpenter", "kubernetes-dashboard",
    "knative-*", "crossplane", "tekton-*", "keda")
_DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$")


@frozen
class CleanupOptions:
    environment: str
    provider: str
    namespace: str
    additional_namespaces: tuple[str, ...] = ()
    force: bool = False
    skip_backup: bool = False
    k8s_only: bool = False
    dry_run: bool = False
    include_tag_matches: bool = False  # cloud resources that match by tag only (never by default)
    include_shared_infra: bool = False  # infrastructure namespaces that other namespaces still use
    # where the main namespace came from: -n, $NAMESPACE, the config file, the default, or the screen the TUI
    # showed. Not from -n and not labelled for the environment: its name must be typed (--force: given by -n)
    namespace_from: str = "-n"

    @property
    def cloud(self) -> bool:
        return self.provider != "k8s" and not self.k8s_only


def platform_namespace(name: str) -> str | None:
    """The pattern of PLATFORM_NAMESPACES a namespace matches (None: it may be a cleanup's target)."""
    import fnmatch

    return next((p for p in PLATFORM_NAMESPACES if fnmatch.fnmatchcase(name, p)), None)


def validate(opts: CleanupOptions) -> CleanupOptions:
    """A clear error before anything is touched: bad provider, bad environment name, invalid namespace.

    The environment name is taken exactly as given: whitespace or a newline around it is an error, never
    trimmed, so that `'production '` cannot pass for another environment (and skip DELETE PRODUCTION)."""
    if opts.provider not in PROVIDERS:
        raise UsageError(UnknownProvider(opts.provider, PROVIDERS))
    env = opts.environment or ""
    if not env.strip():
        raise UsageError(NoEnvironment())
    if not _DNS_LABEL.fullmatch(env) or env != env.strip() or "\n" in env:
        raise UsageError(BadEnvironmentName(env))
    for ns in (opts.namespace, *opts.additional_namespaces):
        if not _DNS_LABEL.fullmatch(ns or ""):
            raise UsageError(BadNamespaceName(ns))
        if ns in SYSTEM_NAMESPACES:
            raise UsageError(SystemNamespace(ns))
        pattern = platform_namespace(ns)
        if pattern:
            raise UsageError(PlatformNamespace(ns, pattern))
    return opts


@frozen
class NamespacePlan:
    name: str
    exists: bool
    role: str  # main | additional | infrastructure
    deployments: tuple[tuple[str, int], ...] = ()
    statefulsets: tuple[tuple[str, int], ...] = ()
    jobs: tuple[str, ...] = ()
    cronjobs: tuple[str, ...] = ()
    pvcs: tuple[tuple[str, str], ...] = ()  # name, requested size
    pods: int = 0
    uid: str = ""  # the namespace the plan saw: a namespace recreated since is never deleted by it
    shared: tuple[str, ...] = ()  # infrastructure still used outside the plan (what uses it)
    included: bool = True  # False: shared infrastructure left alone (not included by the operator)
    unchecked: str = ""  # why what uses it outside the plan could not be listed: it counts as shared

    @property
    def in_use(self) -> bool:
        """Infrastructure that something outside the plan uses, or may use (its users could not be listed)."""
        return bool(self.shared or self.unchecked)

    @property
    def doomed(self) -> bool:
        """Deleted by the run: it exists and was not left alone."""
        return self.exists and self.included

    @property
    def infrastructure(self) -> bool:
        """Shared infrastructure (monitoring, cert-manager, ingress-nginx), whatever role it was named in: it
        keeps its in-use check even when named as the main or an additional namespace."""
        return self.role == "infrastructure" or self.name in INFRA_NAMESPACES


_ADDED_LATER = {"unchecked": ""}  # NamespacePlan fields a plan saved before them lacks, and their default


def _as_tuples(value: Any) -> Any:
    """A saved (JSON) list, of lists or not, as the tuple of tuples a NamespacePlan holds; anything else as is."""
    return tuple(tuple(x) if isinstance(x, list) else x for x in value) if isinstance(value, list) else value


@frozen
class Plan:
    environment: str
    provider: str
    context: str
    cluster: str
    server: str
    options: dict
    namespaces: tuple[NamespacePlan, ...]
    risks: tuple[Risk, ...] = ()  # facts: present/risks.py words them
    cloud: dict | None = None  # CloudPlan.to_dict(), when the cloud is torn down too
    local: dict = field(default_factory=dict)  # LocalPlan.to_dict()
    evidence: dict = field(default_factory=dict)  # Evidence.to_dict(): is this cluster the environment's?
    webhooks: tuple[dict, ...] = ()  # cluster-scoped webhook configurations served from doomed namespaces
    created: str = field(default_factory=lambda: datetime.now(UTC).isoformat(timespec="seconds"))

    def body(self) -> dict:
        """The plan as JSON data (saved, hashed): its risks named (facts.risk_data). A namespace's fields added
        since plans were first saved are written only when set, so that an earlier plan keeps its hash."""
        body = {**asdict(self), "risks": [risk_data(r) for r in self.risks]}
        body["namespaces"] = [{k: v for k, v in ns.items() if k not in _ADDED_LATER or v != _ADDED_LATER[k]}
                              for ns in body["namespaces"]]
        return body

    @classmethod
    def from_dict(cls, d: dict) -> Plan:
        fields = {k: v for k, v in d.items() if k in cls.__dataclass_fields__}
        fields["namespaces"] = tuple(NamespacePlan(**{k: _as_tuples(v) for k, v in ns.items()})
                                     for ns in d["namespaces"])
        fields["risks"] = tuple(risk_from_data(r) for r in d.get("risks", ()))
        fields["webhooks"] = tuple(d.get("webhooks", ()))
        plan = cls(**fields)
        plan.facts  # noqa: B018 - read now: evidence this hubtui does not know is refused here
        return plan

    @classmethod
    def load(cls, path: Path) -> Plan:
        """A saved plan, checked against its recorded hash (a plan edited by hand is refused)."""
        try:
            data = json.loads(Path(path).read_text())
        except (OSError, ValueError) as e:
            raise HubError(PlanUnreadable(str(path), e)) from None
        try:
            plan = cls.from_dict(data)
        except UnknownRisk:
            raise HubError(PlanRiskUnknown(str(path))) from None
        except UnknownEvidence:
            raise HubError(PlanEvidenceUnknown(str(path))) from None
        except (KeyError, TypeError, ValueError, AttributeError):
            plan = None
        if plan is None or plan.hash != data.get("hash"):
            raise HubError(PlanChanged(str(path)))
        return plan

    def check_cluster(self, conn: KubeConnection) -> None:
        """A saved plan is carried out only on the cluster it was made for (the current context may have
        changed since: a resume must never delete same-named namespaces elsewhere)."""
        if (conn.context, conn.server) != (self.context, self.server):
            raise UsageError(PlanForOtherCluster(self.context, self.server, conn.context, conn.server))

    def for_execution(self) -> Plan:
        """The same plan (same hash) as it runs: a plan first saved by a dry run can be carried out."""
        return replace(self, options={**self.options, "dry_run": False})

    @property
    def cloud_plan(self):
        from ...cloud.base import CloudPlan

        return CloudPlan.from_dict(self.cloud) if self.cloud else None

    @property
    def local_plan(self) -> LocalPlan:
        return LocalPlan.from_dict(self.local)

    @property
    def namespaces_to_delete(self) -> list[str]:
        return [ns.name for ns in self.namespaces if ns.doomed]

    @property
    def planned_uids(self) -> dict[str, str]:
        """name -> the uid the plan saw, for every namespace the run will touch."""
        return {ns.name: ns.uid for ns in self.namespaces if ns.doomed}

    @cached_property
    def facts(self) -> Evidence:
        """The evidence as facts, read once (UnknownEvidence for what this hubtui does not know)."""
        return Evidence.from_dict(self.evidence)

    @property
    def binding(self) -> str:
        return self.evidence.get("binding", UNPROVEN)

    @property
    def namespace_unproven(self) -> bool:
        """The main namespace exists, was not named with -n, and is not labelled for the environment: the
        operator types its name (with --force: names it with -n)."""
        if not self.namespaces:
            return False
        main = self.namespaces[0]
        return main.doomed and self.opts.namespace_from not in EXPLICIT_NAMESPACE and \
            not self.facts.labelled_for(main.name)

    @property
    def production(self) -> bool:
        """Production by its name (`prod-eu`), or by what the namespace, the cluster or the cloud say."""
        return production_like(self.environment) or bool(self.facts.production_hints)

    @property
    def opts(self) -> CleanupOptions:
        o = dict(self.options)
        o["additional_namespaces"] = tuple(o.get("additional_namespaces", ()))
        return CleanupOptions(**{k: v for k, v in o.items() if k in CleanupOptions.__dataclass_fields__})

    @property
    def hash(self) -> str:
        """sha256 of what the plan would delete and how (not of when it was made, whether it was a dry run,
        or how many pods happened to run): the identity of what was shown."""
        content = {k: v for k, v in self.body().items() if k != "created"}
        content["options"] = {k: v for k, v in content["options"].items() if k != "dry_run"}
        content["namespaces"] = [{k: v for k, v in ns.items() if k != "pods"} for ns in content["namespaces"]]
        return hashlib.sha256(json.dumps(content, sort_keys=True).encode()).hexdigest()

    def save(self, state_dir: Path) -> Path:
        folder = working_dir(state_dir, self.environment)
        path = folder / f"plan-{self.hash[:12]}.json"
        from ...audit import own_folder

        try:
            folder.mkdir(parents=True, exist_ok=True, mode=0o700)
            own_folder(Path(state_dir))
            if path.exists():  # the same plan (same hash) was saved before: a pending run may rely on that file
                return path
            # never through a link planted in the folder, never over a file that appeared meanwhile
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600)
            with os.fdopen(fd, "w") as out:
                out.write(json.dumps({"hash": self.hash, **self.body()}, indent=2, sort_keys=True) + "\n")
        except OSError as e:
            raise HubError(PlanUnsaved(str(path), e.strerror)) from None
        return path


def _namespace_plan(conn: KubeConnection, name: str, role: str) -> tuple[NamespacePlan, dict | None]:
    """What one namespace holds, and its labels (None when it does not exist)."""
    try:
        found = read_object(conn, "v1", "namespaces", name)
    except Exception as e:  # noqa: BLE001
        if getattr(e, "status", None) == 404:
            return NamespacePlan(name, False, role), None
        raise describe_api_error(e, ReadingNamespace(name)) from None
    try:
        deps = list_items(conn, "apps/v1", "deployments", name)
        sets = list_items(conn, "apps/v1", "statefulsets", name)
        jobs = list_items(conn, "batch/v1", "jobs", name)
        crons = list_items(conn, "batch/v1", "cronjobs", name)
        pvcs = list_items(conn, "v1", "persistentvolumeclaims", name)
        pods = list_items(conn, "v1", "pods", name)
    except Exception as e:  # noqa: BLE001
        raise describe_api_error(e, ListingNamespace(name)) from None
    return NamespacePlan(
        name, True, role,
        deployments=tuple(sorted((name_in(d), dig(d, "spec", "replicas") or 0) for d in deps)),
        statefulsets=tuple(sorted((name_in(s), dig(s, "spec", "replicas") or 0) for s in sets)),
        jobs=tuple(sorted(name_in(j) for j in jobs)),
        cronjobs=tuple(sorted(name_in(c) for c in crons)),
        pvcs=tuple(sorted((name_in(p), _requested_storage(p)) for p in pvcs)),
        pods=len(pods),
        uid=meta_of(found).get("uid") or "",
    ), dict(meta_of(found).get("labels") or {})


def _requested_storage(pvc: dict) -> str:
    """The storage a claim requests, or "?"."""
    return str(dig(pvc, "spec", "resources", "requests", "storage") or "?")


_NGINX_CLASSES = ("nginx",)


def _users_outside(conn: KubeConnection, infra: str, planned: set[str]) -> tuple[tuple[str, ...], str]:
    """What outside the plan still uses an infrastructure namespace: Ingresses of class nginx
    (ingress-nginx), cert-manager Certificates (cert-manager), ServiceMonitors / PodMonitors (monitoring),
    each as `kind namespace/name`; and why they could not be listed (''), which counts as in use: it is left
    alone unless included."""

    def outside(items: list[dict]) -> list[dict]:
        return [i for i in items if meta_of(i).get("namespace") not in planned]

    found: list[str] = []  # what was listed before a kind could not be: kept with why
    try:
        if infra == "ingress-nginx":
            classes = list_items(conn, "networking.k8s.io/v1", "ingressclasses")
            nginx = set(_NGINX_CLASSES) | {name_in(c) for c in classes  # an IngressClass's spec is optional
                                           if (dig(c, "spec", "controller") or "") == "k8s.io/ingress-nginx"}
            default_nginx = any((meta_of(c).get("annotations") or {}).get("ingressclass.kubernetes.io/is-default-class")
                                == "true" and name_in(c) in nginx for c in classes)

            def uses_nginx(i: dict) -> bool:
                named = (dig(i, "spec", "ingressClassName")
                         or (meta_of(i).get("annotations") or {}).get("kubernetes.io/ingress.class"))
                return named in nginx if named else default_nginx  # no class: the cluster's default one

            items = list_items(conn, "networking.k8s.io/v1", "ingresses")
            users = [i for i in outside(items) if uses_nginx(i)]
            return tuple(f"ingress {meta_of(i).get('namespace')}/{name_in(i)}" for i in users), ""
        kinds = {"cert-manager": [("cert-manager.io", "v1", "certificates", "certificate")],
                 "monitoring": [("monitoring.coreos.com", "v1", "servicemonitors", "servicemonitor"),
                                ("monitoring.coreos.com", "v1", "podmonitors", "podmonitor")]}.get(infra, [])
        for group, version, plural, label in kinds:
            try:
                items = list_items(conn, f"{group}/{version}", plural)
            except Exception as e:
                if getattr(e, "status", None) == 404:  # the kind is not installed: nobody uses it
                    continue
                raise
            found += [f"{label} {meta_of(i).get('namespace')}/{name_in(i)}" for i in outside(items)]
        return tuple(found), ""
    except Exception as e:  # noqa: BLE001
        return tuple(found), str(describe_api_error(e, ListingInfraUsers()))


def _webhooks(conn: KubeConnection, doomed: set[str]) -> tuple[dict, ...]:
    """The cluster-scoped webhook configurations whose service lives in a namespace that will go: left
    behind, they would make the API server reject writes (Ingresses, Certificates) for good."""
    found = []
    for kind, resource in (("validating", "validatingwebhookconfigurations"),
                           ("mutating", "mutatingwebhookconfigurations")):
        try:
            items = list_items(conn, "admissionregistration.k8s.io/v1", resource)
        except Exception as e:  # noqa: BLE001
            raise describe_api_error(e, ListingWebhooks(kind)) from None
        for item in items:
            served = {dig(w, "clientConfig", "service", "namespace") for w in item.get("webhooks") or ()} - {None}
            if served and served <= doomed:  # one that also serves from a kept namespace stays
                found.append({"kind": kind, "name": name_in(item), "uid": meta_of(item).get("uid"),
                              "namespaces": sorted(served)})
    try:  # APIServices (prometheus-adapter's metrics API...): left behind, they break discovery cluster-wide
        services = list_items(conn, "apiregistration.k8s.io/v1", "apiservices")
    except Exception as e:  # noqa: BLE001
        raise describe_api_error(e, ListingApiServices()) from None
    for service in services:
        namespace = dig(service, "spec", "service", "namespace")
        if namespace is not None and namespace in doomed:
            found.append({"kind": "apiservice", "name": name_in(service), "uid": meta_of(service).get("uid"),
                          "namespaces": [namespace]})
    return tuple(sorted(found, key=lambda w: (w["kind"], w["name"])))


def _conversion_risks(conn: KubeConnection, doomed: set[str]) -> list[Risk]:
    """CRDs whose conversion webhook is served from a doomed namespace: their objects can no longer be read
    in another version once it goes (hubtui does not delete CRDs: it names them)."""
    try:
        crds = list_items(conn, "apiextensions.k8s.io/v1", "customresourcedefinitions")
    except Exception as e:  # noqa: BLE001
        return [ConversionUnchecked(str(describe_api_error(e, ListingCrds())))]
    out: list[Risk] = []
    for crd in crds:
        conv = dig(crd, "spec", "conversion") or {}
        namespace = dig(conv, "webhook", "clientConfig", "service", "namespace") if conv.get("strategy") == "Webhook" \
            else None
        if namespace is not None and namespace in doomed:
            out.append(ConversionWebhookGoes(name_in(crd), namespace))
    return out


def shared_since(conn: KubeConnection, plan: Plan) -> list[NamespaceKept]:
    """Infrastructure namespaces the plan deletes as unused that something staying uses now (an Ingress, a
    Certificate or a monitor created since the plan, or the plan resumed later): each with what uses it, or why
    that could not be listed (_users_outside: either keeps it). Asked
    just before the namespaces go, so a plan never deletes infrastructure it did not see in use. Ones the
    operator included although shared are not asked again. What stays grows as these are kept (an Ingress in a
    kept monitoring still needs ingress-nginx), so look again until nothing changes."""
    from .kube_steps import NamespaceRecreated, check_namespace_uid

    unshared = [ns for ns in plan.namespaces if ns.infrastructure and ns.doomed and not ns.in_use]
    if not unshared:
        return []

    def still_planned(ns: NamespacePlan) -> bool:
        """The namespace is the one the plan saw: one created again since stays (the delete skips it), and so
        does what it holds."""
        try:
            return check_namespace_uid(conn, ns.name, ns.uid)
        except NamespaceRecreated:
            return False

    doomed = [ns.name for ns in plan.namespaces if ns.doomed and still_planned(ns)]
    kept: dict[str, tuple[tuple[str, ...], str]] = {}
    for _ in range(len(unshared) + 1):
        going = {name for name in doomed if name not in kept}
        found = {ns.name: users for ns in unshared if ns.name not in kept
                 for users in [_users_outside(conn, ns.name, going)] if any(users)}
        if not found:
            break
        kept.update(found)
    return [NamespaceKept(name, users, unchecked) for name, (users, unchecked) in kept.items()]


def _cloud_for_binding(opts: CleanupOptions, settings: Settings, risks: list[Risk]):
    """--k8s-only on a cloud provider: the cloud is left alone, but its cluster is still looked up (read-only)
    so that its endpoint binds the kube context, or contradicts it. A lookup that fails is said as a risk."""
    from ...cloud.base import discover as cloud_discover

    try:
        return cloud_discover(opts.provider, opts.environment, settings, include_tag_matches=False)
    except Exception as e:  # noqa: BLE001 - binding only: the plan goes on, saying what it could not check
        risks.append(BindingUnchecked(opts.provider, opts.environment,
                                      str(e).splitlines()[0] if str(e) else type(e).__name__))
        return None


def working_dir(state_dir: Path, environment: str) -> Path:
    """hubtui's working files for one environment: saved plans and the journal."""
    return Path(state_dir) / "cleanup" / environment


def discover(conn: KubeConnection, opts: CleanupOptions, settings: Settings | None = None) -> Plan:
    """Everything the cleanup would delete: Kubernetes objects, then (unless k8s-only or provider k8s) the
    cloud resources and the local kubeconfig entries of the environment's cloud cluster, with the evidence
    that the cluster is the environment's. Read-only. Contrary evidence refuses (ContraryEvidence: a face
    words it)."""
    validate(opts)
    settings = settings or Settings.from_env()
    extra = list(dict.fromkeys(n for n in opts.additional_namespaces if n != opts.namespace))  # no repeats
    wanted = [(opts.namespace, "main")] + [(n, "additional") for n in extra]
    wanted += [(n, "infrastructure") for n in INFRA_NAMESPACES if n not in {w for w, _ in wanted}]
    found = [_namespace_plan(conn, n, role) for n, role in wanted]
    main_labels = found[0][1]
    namespaces = [ns for ns, _ in found]
    # Infrastructure still used by what stays is shared. What stays grows as shared ones are left alone, so
    # look again until nothing changes (an Ingress in a kept monitoring still needs ingress-nginx).
    for _ in range(len(INFRA_NAMESPACES) + 1):
        going = {ns.name for ns in namespaces if ns.doomed}
        changed = False
        for i, ns in enumerate(namespaces):
            if ns.infrastructure and ns.exists:
                users, unchecked = _users_outside(conn, ns.name, going)
                updated = replace(ns, shared=users, unchecked=unchecked,
                                  included=not (users or unchecked) or opts.include_shared_infra)
                changed |= updated != ns
                namespaces[i] = updated
        if not changed:
            break
    cloud = None
    found_cloud = None
    kubeconfig: tuple[KubeconfigEntries, ...] = ()
    if opts.cloud:
        from ...cloud.base import cluster_name
        from ...cloud.base import discover as cloud_discover

        found_cloud = cloud_discover(opts.provider, opts.environment, settings,
                                     include_tag_matches=opts.include_tag_matches)
        cloud = found_cloud.to_dict()
        from ...cloud.base import cluster_endpoints

        endpoints = cluster_endpoints(found_cloud)
        skipped_contexts: list[ContextPointsElsewhere] = []
        kubeconfig = plan_kubeconfig(conn.kubeconfig, cluster_name(opts.environment), endpoints, skipped_contexts)
    risks: list[Risk] = []
    bind_cloud = found_cloud
    if opts.provider != "k8s" and opts.k8s_only:  # the cloud stays, but its cluster's endpoint still binds
        bind_cloud = _cloud_for_binding(opts, settings, risks)
    doomed = {ns.name for ns in namespaces if ns.doomed}
    evidence = gather(opts.environment, namespace=opts.namespace, labels=main_labels, context=conn.context,
                      cluster=conn.cluster, server=conn.server,
                      planned_endpoints=bind_cloud.planned_endpoints if bind_cloud else None,
                      other_endpoints=bind_cloud.foreign_endpoints if bind_cloud else None,
                      other_labels={ns.name: labels for ns, labels in found[1:] if ns.name in doomed},
                      cloud_hints=cloud_production_hints(bind_cloud),
                      doomed=tuple(ns.name for ns in namespaces if ns.doomed), user=conn.user,
                      cloud=bind_cloud.to_dict() if bind_cloud else None,
                      production_context=production_pattern(conn.context, settings.production_contexts))
    refuse_contrary(evidence, opts.environment, conn.context)
    if evidence.binding == UNPROVEN:
        risks.append(BindingUnproven(conn.context, conn.server, opts.environment, opts.namespace))
    if not namespaces[0].exists:
        risks.append(MainNamespaceMissing(opts.namespace, conn.context))
    if opts.skip_backup:
        risks.append(NoBackupTaken())
    if opts.force:
        risks.append(ConfirmationsSkipped())
    if any(ns.pvcs for ns in namespaces if ns.doomed) and not opts.skip_backup:
        risks.append(VolumesGoWithNamespaces())
    if namespaces[0].exists and not opts.skip_backup:
        from .backup import backup_risks, unsaved_volumes  # what the backup will not save, said before asking

        risks += backup_risks(conn, settings, opts.namespace)
        main = namespaces[0]
        for name in unsaved_volumes(main.statefulsets, main.pvcs):
            risks.append(VolumesNotSaved(main.name, name))
    for ns in namespaces:
        if ns.role == "additional" and ns.exists and ns.pvcs and ns.statefulsets:
            risks.append(AdditionalNotBackedUp(ns.name, tuple(n for n, _ in ns.statefulsets),
                                               tuple(n for n, _ in ns.pvcs), opts.namespace))
        if ns.in_use and ns.included:
            risks.append(SharedIncluded(ns.name, tuple(ns.shared[:5])) if ns.shared
                         else SharedUnchecked(ns.name, ns.unchecked))
    if found_cloud:
        risks += list(found_cloud.risks)
        risks += skipped_contexts
        if kubeconfig and not endpoints:
            risks.append(KubeconfigByNameOnly(cluster_name(opts.environment)))
    webhooks = _webhooks(conn, {ns.name for ns in namespaces if ns.doomed})
    risks += _conversion_risks(conn, {ns.name for ns in namespaces if ns.doomed})
    state = Path(settings.state_dir)
    local = LocalPlan(kubeconfig, str(working_dir(state, opts.environment)),
                      (str(state / "backups" / opts.environment), str(state / "audit.jsonl")))
    public = {k: v for k, v in asdict(opts).items()} | {"additional_namespaces": extra}
    return Plan(opts.environment, opts.provider, conn.context, conn.cluster, conn.server, public,
                tuple(namespaces), tuple(risks), cloud, local.to_dict(), evidence.to_dict(), webhooks)

