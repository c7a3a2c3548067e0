"""Hubs: a context of the kubeconfig and its hub namespace. Which contexts are which hub (the same server and
namespace are one hub, whatever the context is called), and which hubs are read-only: `readonly_contexts`
protects a hub, not one name for it, so every change refuses a hub that another context declares read-only.
Here, not in fleet.py, so that a scale or a destroy checks it without loading the fleet."""

from __future__ import annotations

import dataclasses
import fnmatch
from collections.abc import Collection, Sequence

from ..frozen import frozen
from ..errors import HubError, UsageError, said
from ..kube.client import kubeconfig_paths
from ..readonly import ReadOnlyError, readonly_reason
from ..settings import Settings
from ..urls import normalise_server
from ..kube.failures import ContextsUnreadable
from . import failures as f


@frozen
class Hub:
    context: str
    namespace: str
    server: str = ""  # as the kubeconfig names it (a URL: a scheme-less one read as the connection reads it)
    namespace_from: str = "settings"  # "context": the kubeconfig context's own (kubens); else -n, $NAMESPACE, …


# namespaces that are no hub's: one that came from a context (kubens) is not acted on (pass -n to name it)
NOT_HUBS = frozenset({"kube-system", "kube-public", "kube-node-lease", "default"})


def choose_hubs(settings: Settings, patterns: Sequence[str] | None = None) -> list[Hub]:
    """The hubs: the contexts matching `patterns` (shell patterns, case-insensitive), else the config's
    `fleet`, else every context; in the kubeconfig's order. Each hub's namespace: -n, $NAMESPACE or the config
    file's, else its context's own, else the default hub namespace. A pattern that matches no context is a UsageError naming the
    contexts there are (a typo never shows a smaller fleet)."""
    from ..kube.kubeconfig import context_places

    paths = kubeconfig_paths(settings)
    try:
        places = context_places(paths)
    except Exception as e:  # noqa: BLE001 - unreadable, or YAML that does not parse: one line
        raise HubError(ContextsUnreadable(paths, e)) from None
    if not places:
        raise UsageError(f.NoContexts(paths))
    wanted = [p.strip() for p in (patterns or settings.fleet or ("*",)) if p.strip()]
    if not wanted:
        raise UsageError(f.NoContextNamed())
    names = [name for name, _, _ in places]
    unmatched = [p for p in wanted if not any(fnmatch.fnmatchcase(n.lower(), p.lower()) for n in names)]
    if unmatched:
        raise UsageError(f.NoContextMatches(tuple(unmatched), tuple(names)))
    explicit = settings.namespace_from != "the default"  # -n, $NAMESPACE or the config file: above the context's
    return [Hub(name, namespace, server, "context") if namespace and not explicit else Hub(name, settings.namespace, server)
            for name, namespace, server in places
            if any(fnmatch.fnmatchcase(name.lower(), p.lower()) for p in wanted)]


def same_server(a: str, b: str) -> bool:
    return normalise_server(a) == normalise_server(b)


def hub_key(hub: Hub) -> tuple[str, str]:
    """What makes two contexts one hub: the same server (in one spelling: https://x and x:443 are one) and
    namespace."""
    return normalise_server(hub.server), hub.namespace


def readonly_hubs(settings: Settings, hubs: Sequence[Hub] = ()) -> dict[tuple[str, str], tuple[str, str]]:
    """The hubs (hub_key) that a context declares read-only -> (that context, its reason), from every context
    of the kubeconfig (and `hubs`): `readonly_contexts` protects the hub, not one name for it, so a context
    that is not read-only itself, but reaches the same server and namespace as one that is, is read-only too."""
    try:
        every = choose_hubs(settings, ["*"])
    except HubError:  # the kubeconfig cannot be read now: the hubs given are all there is to go on
        every = []
    found: dict[tuple[str, str], tuple[str, str]] = {}
    for hub in [*hubs, *every]:
        if hub.server and hub_key(hub) not in found:
            reason = readonly_reason(hub_settings(settings, hub), hub.context)
            if reason:
                found[hub_key(hub)] = (hub.context, reason)
    return found


def hub_readonly(settings: Settings, hub: Hub, found: dict[tuple[str, str], tuple[str, str]]
                 ) -> tuple[str | None, str]:
    """(why changes are refused on `hub`, the other context that says so ('': its own)); (None, ''): they are
    not. `found`: readonly_hubs, read once for many hubs."""
    own = readonly_reason(hub_settings(settings, hub), hub.context)
    if own or not hub.server:
        return own, ""
    through, why = found.get(hub_key(hub), ("", None))
    return why, through


def hub_settings(settings: Settings, hub: Hub) -> Settings:
    return dataclasses.replace(settings, context=hub.context, namespace=hub.namespace, all_namespaces=False)


def hub_readonly_reason(settings: Settings, context: str, server: str,
                        namespaces: Collection[str] | None) -> str | None:
    """Why read-only is on for the hubs a change goes to (`namespaces` on the connection's server; None: any
    namespace of it, for a change across all namespaces): the context's own reason, else that of another context
    of the kubeconfig that reaches the same server and one of those namespaces. None: changes are allowed."""
    why = readonly_reason(settings, context)
    if why or not settings.readonly_contexts or not server:
        return why  # no pattern: no other context can be read-only (and the kubeconfig is not read again)
    mine = normalise_server(server)
    for (other_server, other_namespace), (other, reason) in readonly_hubs(settings).items():
        if other_server == mine and (namespaces is None or other_namespace in namespaces) and other != context:
            return said(f.ReadOnlyThrough(other, reason))
    return None


def refuse_hub_if_readonly(settings: Settings, context: str, server: str, namespaces: Collection[str] | None,
                           what: object) -> None:
    """ReadOnlyError (one line, nothing changed) when a hub the change goes to is read-only (hub_readonly_reason).
    `what`: the change, a fact worded as a phrase (failures.ReadOnlyRefused)."""
    why = hub_readonly_reason(settings, context, server, namespaces)
    if why:
        raise ReadOnlyError(f.ReadOnlyRefused(why, what))
