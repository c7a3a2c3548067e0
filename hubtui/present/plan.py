"""A cleanup plan as both faces show it: who is the target (identity rows), what goes (a tree of lines), the
risks, and what a confirmation lists as permanently deleted."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..events import named
from .risks import risk_words
from ..ops.cleanup.plan import NamespacePlan, Plan
from .evidence import evidence_lines, fact_text, hint_text
from ..ops.cleanup.steps import steps_for
from .steps import STEP_TITLES, served_label
from ..paths import tilde
from .tones import ERROR, HEADING, MUTED, PLAIN, STRONG, SUCCESS, WARNING
from .words import counted, unchecked_use, users_or_why


@dataclass
class Line:
    """One line of a plan: a head (tone `tone`), an optional rest (muted when rest_tone says so), children."""

    head: str
    rest: str = ""
    tone: str = PLAIN
    rest_tone: str = PLAIN
    children: list[Line] = field(default_factory=list)
    flag: str = ""  # an extra warning at the end of the line (e.g. "deletion protection ON")

    @property
    def text(self) -> str:
        return self.head + (f"  {self.rest}" if self.rest else "") + (f"  {self.flag}" if self.flag else "")

    def add(self, *args, **kwargs) -> Line:
        child = Line(*args, **kwargs)
        self.children.append(child)
        return child


def quantity_gib(text: str) -> float | None:
    """A Kubernetes storage quantity (10Gi, 500Mi, 1Ti, 2G) in GiB; None when it cannot be read."""
    units = {"Ki": 2 ** -20, "Mi": 2 ** -10, "Gi": 1, "Ti": 2 ** 10, "Pi": 2 ** 20,
             "k": 1e3 / 2 ** 30, "M": 1e6 / 2 ** 30, "G": 1e9 / 2 ** 30, "T": 1e12 / 2 ** 30, "": 1 / 2 ** 30}
    for unit in sorted(units, key=len, reverse=True):
        number = text[:-len(unit)] if unit else text
        if text.endswith(unit):
            try:
                return float(number) * units[unit]
            except ValueError:
                return None
    return None


def size_label(sizes) -> str:
    """`3 volumes, 32 GiB` (sizes that cannot be read are counted, not summed)."""
    known = [g for g in (quantity_gib(s) for s in sizes) if g is not None]
    total = f", {sum(known):.3g} GiB" if known else ""
    return f"{len(sizes)} volume{'s' if len(sizes) != 1 else ''}{total}"


def identity_rows(plan: Plan) -> list[tuple[str, str, str]]:
    """What will be destroyed, as (key, value, tone): the Kubernetes target, the cloud, the evidence."""
    rows = [("Context", plan.context, STRONG), ("Cluster", plan.cluster, PLAIN), ("Server", plan.server, PLAIN)]
    cloud = plan.cloud_plan
    if cloud:
        rows.append(("Cloud", f"{cloud.identity}, region {cloud.region}", STRONG))
    tones = {"bound": SUCCESS, "unproven": WARNING, "contrary": ERROR}
    evidence = evidence_lines(plan)
    rows.append(("Evidence", evidence[0].removeprefix("Evidence "), tones.get(plan.binding, WARNING)))
    rows += [("", line.strip(), ERROR if "PRODUCTION" in line else PLAIN) for line in evidence[1:]]
    return rows


def plan_lines(plan: Plan) -> list[Line]:
    """The plan's sections: Kubernetes (namespaces with what each holds, counts and sizes), the cloud (grouped by
    kind, how each matched, what is not included), the local state, the steps."""
    doomed = [ns for ns in plan.namespaces if ns.doomed]
    vols = [size for ns in doomed for _, size in ns.pvcs]
    kube = Line("Kubernetes", f"{len(doomed)} namespaces · {sum(ns.pods for ns in doomed)} pods · "
                f"{size_label(vols)}", tone=HEADING)
    for ns in plan.namespaces:
        if not ns.exists:
            if ns.role != "infrastructure":
                kube.add(f"namespace {ns.name}", f"{ns.role} · does not exist, nothing to delete", tone=MUTED,
                         rest_tone=MUTED)
            continue
        if not ns.included:
            users, why = users_or_why(ns.shared, ns.unchecked)
            shared = ("shared with " + ", ".join(users[:3]) + (" …" if len(users) > 3 else "") if users
                      else unchecked_use(why))
            kube.add(f"namespace {ns.name}", f"{ns.role} · NOT included: {shared} "
                     "(--include-shared-infra, or its box in the form, includes it)", tone=WARNING,
                     rest_tone=WARNING)
            continue
        extra = f" · {size_label([s for _, s in ns.pvcs])}" if ns.pvcs else ""
        node = kube.add(f"namespace {ns.name}", f"{ns.role} · {ns.pods} pods{extra}", tone=STRONG)
        for label, items in namespace_groups(ns):
            group = node.add(f"{label} ({len(items)})", tone=STRONG)
            for item in items:
                group.add(item)
    if plan.webhooks:
        hooks = kube.add(f"served from these namespaces, cluster-wide ({len(plan.webhooks)})", tone=STRONG)
        for w in plan.webhooks:
            hooks.add(f"{served_label(w['kind'], w['name'])} (served from {', '.join(w['namespaces'])})")
    sections = [kube]

    cloud = plan.cloud_plan
    if cloud is None:
        why = "Kubernetes only" if plan.provider != "k8s" else "provider k8s"
        sections.append(Line("Cloud", f"left alone ({why})", tone=HEADING, rest_tone=MUTED))
    else:
        node = Line("Cloud", f"{cloud.identity}, region {cloud.region} · {len(cloud.resources)} resources",
                    tone=HEADING)
        sections.append(node)
        for note in getattr(cloud, "notes", ()):
            node.add(f"searched: {note}", tone=MUTED)
        if not cloud.resources:
            node.add("nothing found by name or by the environment tag", tone=MUTED)
        kinds: dict[str, list] = {}
        for r in cloud.resources:
            kinds.setdefault(r.kind, []).append(r)
        for kind, resources in kinds.items():
            group = node.add(f"{kind} ({len(resources)})", tone=STRONG)
            for r in resources:
                leaf = group.add(r.name, f"matched by {r.matched_by}", rest_tone=MUTED,
                                 flag="deletion protection ON" if r.details.get("deletion_protection") else "")
                for line in contents(r):
                    leaf.add(f"with it: {line}", tone=MUTED)
        left = getattr(cloud, "not_included", ())
        if left:
            group = node.add(f"not included ({len(left)}): matched by tag only (--include-tag-matches, or its box "
                             "in the form, includes them)", tone=WARNING)
            for r in left:
                group.add(f"{r.kind} {r.name}", tone=WARNING)

    local = plan.local_plan
    node = Line("Local state", tone=HEADING)
    sections.append(node)
    for e in local.kubeconfig:
        node.add(f"kubeconfig {_kubeconfig_entries(e)} (a copy is saved first)")
    if local.working_dir:
        node.add(f"hubtui's working files {tilde(local.working_dir)}")
        node.add(f"kept: {', '.join(tilde(k) for k in local.kept)}", tone=MUTED)
    if not node.children:
        node.rest, node.rest_tone = "nothing to forget", MUTED
    sections.append(Line("Steps", " → ".join(STEP_TITLES[s] for s in steps_for(plan)), tone=HEADING))
    return sections


def risk_lines(plan: Plan) -> list[str]:
    return [f"! {r}" for r in risk_words(plan)]


CONTENT_KEYS = ("nodegroups", "subnetworks", "firewalls", "resources")


def contents(resource) -> list[str]:
    """What goes with a cloud resource (its subnetworks, firewall rules, the resources of a resource group),
    one line per kind, so that the plan shows all that will be deleted."""
    def name(item) -> str:
        if isinstance(item, dict):
            return f"{item.get('name', '?')} ({item['type']})" if item.get("type") else str(item.get("name", item))
        return str(item).rsplit("/", 1)[-1]  # a full resource name: its last part

    lines = []
    for key in CONTENT_KEYS:
        items = resource.details.get(key)
        if not items or not isinstance(items, (list, tuple)):
            continue
        total = resource.details.get("resource_count") if key == "resources" else None
        more = f" (and {total - len(items)} more)" if isinstance(total, int) and total > len(items) else ""
        lines.append(f"{key}: {', '.join(name(i) for i in items)}{more}")
    return lines


def namespace_groups(ns: NamespacePlan) -> list[tuple[str, list[str]]]:
    """What a namespace holds, by kind, as the plan shows it (kinds with nothing are left out)."""
    groups = (("deployments", [f"{n} ({r})" for n, r in ns.deployments]),
              ("statefulsets", [f"{n} ({r})" for n, r in ns.statefulsets]),
              ("jobs", list(ns.jobs)), ("cronjobs", list(ns.cronjobs)),
              ("volumes", [f"{n} {size}" for n, size in ns.pvcs]))
    return [(label, items) for label, items in groups if items]


def plan_json(plan: Plan) -> dict:
    """The plan as `--json` and `--ndjson` print it: its risks in words (`risks`, the cloud's too) and as named
    facts (`risk_facts`), for a script that tells them apart; each fact of the evidence named, with its words
    (`text`), and why it is production in words."""
    body = plan.body()
    facts = plan.facts
    body["evidence"] = {**body["evidence"], "facts": [{**named(f), "verdict": f.verdict, "text": fact_text(f)}
                                                      for f in facts.facts],
                        "production_hints": [hint_text(h) for h in facts.production_hints]} if body["evidence"] else {}
    if body.get("cloud"):
        cloud = plan.cloud_plan
        body["cloud"] = {**body["cloud"], "risks": list(risk_words(cloud)) if cloud else []}
    return {**body, "risks": list(risk_words(plan)), "risk_facts": [named(r) for r in plan.risks]}


def doomed_summary(plan: Plan) -> str:
    """What a confirmation lists: everything that will be permanently deleted."""
    lines = []
    for ns in plan.namespaces:
        if ns.doomed:
            vols = f", volumes {', '.join(f'{n} ({s})' for n, s in ns.pvcs)}" if ns.pvcs else ""
            lines.append(f"• namespace {ns.name}: {counted(len(ns.deployments), 'deployment')}, "
                         f"{counted(len(ns.statefulsets), 'statefulset')}{vols}")
    cloud = plan.cloud_plan
    if cloud:
        for r in cloud.resources:
            lines.append(f"• {r.kind} {r.name} ({cloud.identity})")
            lines += [f"    with it: {line}" for line in contents(r)]
    for e in plan.local_plan.kubeconfig:
        lines.append(f"• kubeconfig contexts {', '.join(e.contexts)}")
    return "\n".join(lines) or "• nothing exists any more: only the local state is cleaned"


def render_text(plan: Plan) -> str:
    """The plan as the CLI prints it: the same rows, tree and risks as the TUI's plan screen."""
    lines = [f"Cleanup plan for environment '{plan.environment}' (provider {plan.provider})  ·  plan {plan.hash[:12]}"]
    rows = identity_rows(plan)
    width = max(len(key) for key, _, _ in rows) + 2
    lines += [f"  {key.ljust(width)}{value}" for key, value, _ in rows]

    def walk(line: Line, depth: int) -> None:
        lines.append("  " * depth + line.text)
        for child in line.children:
            walk(child, depth + 1)

    for section in plan_lines(plan):
        lines.append("")
        walk(section, 1)
    if plan.risks:
        lines += ["", "  Risks"] + [f"    {r}" for r in risk_lines(plan)]
    lines += ["", f"  plan hash {plan.hash[:12]}"]
    return "\n".join(lines)


def _kubeconfig_entries(e) -> str:
    """What a kubeconfig's cleanup removes (hubtui.ops.cleanup.local_state.KubeconfigEntries), in words."""
    from ..ops.cleanup.failures import KubeconfigToClean
    from .cleanup_failures import text

    return text(KubeconfigToClean(e.file, e.contexts, e.clusters, e.users))
