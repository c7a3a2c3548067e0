"""The engine's facts worded as the one line of an error (hubtui.errors.HubError): one dispatcher, installed by
hubtui.present on import, that hands each fact to the module of present/ that words its layer.

A layer's facts live beside its code (kube/failures.py, cloud/failures.py, ops/failures.py,
ops/cleanup/failures.py, ops/cleanup/refusals.py); their words live here, in present/. Only the module a fact
needs is imported, when it is first worded."""

from __future__ import annotations

from importlib import import_module

# the module that declares a fact → the module of present/ that words it (its `text(fact) -> str`)
WORDED_BY = {
    "hubtui.kube.failures": "hubtui.present.kube_failures",
    "hubtui.cloud.failures": "hubtui.present.cloud_failures",
    "hubtui.ops.failures": "hubtui.present.ops_failures",
    "hubtui.ops.cleanup.failures": "hubtui.present.cleanup_failures",
    "hubtui.ops.cleanup.refusals": "hubtui.present.refusals",
    "hubtui.ops.cleanup.evidence": "hubtui.present.refusals",
}


def worded(fact: object) -> str:
    """The one line that says `fact`: what went wrong, and what to do."""
    by = WORDED_BY.get(type(fact).__module__)
    if by is None:
        raise LookupError(f"no wording for {type(fact).__module__}.{type(fact).__qualname__}")
    return import_module(by).text(fact)


def phrase(doing: object) -> str:
    """What hubtui was doing when something failed (a fact of the engine, worded as a phrase: "reading namespace
    hub"), for the start of an error's line."""
    if isinstance(doing, str):  # a face's own words (headless/connect.py names its session)
        return doing
    return worded(doing)


def os_reason(e: object) -> str:
    """An OSError's reason as the system says it ("Permission denied"); any other error as it says itself."""
    return str(getattr(e, "strerror", None) or e)
