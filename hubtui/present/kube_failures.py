"""What went wrong talking to a cluster (hubtui.kube.failures), worded: one line each."""

from __future__ import annotations

from .failures import phrase


def text(fact) -> str:
    from ..kube import failures as f
    from ..kube.client import FORBIDDEN, UNAUTHORIZED, UNREACHABLE

    match fact:
        case f.ApiFailed(doing, kind, status, reason, said, error):
            what = phrase(doing)
            if error:
                return f"{what}: {error}"
            if kind == UNAUTHORIZED:
                return f"{what}: unauthorized (401): the kubeconfig's credentials were refused"
            if kind == FORBIDDEN:
                return f"{what}: forbidden (403): your user may not do this; ask for RBAC access"
            if kind == UNREACHABLE:
                return f"{what}: cannot reach the API server ({reason}); is the cluster up?"
            if status == 404:
                return f"{what}: not found (404)"
            return f"{what}: API error {status} {reason}" + (f": {said}" if said else "")
    raise LookupError(f"no wording for {fact!r}")
