"""The engine (kube/, cloud/, ops/) raises its errors as facts; present/ words every one of them (issue #20: all
wording in present/). hubtui.errors.HubError holds the fact, and the wording present/ installs gives its line."""

from __future__ import annotations

import ast
import dataclasses
import types
import typing
from pathlib import Path

import pytest

HUBTUI = Path(__file__).resolve().parents[2] / "hubtui"
ENGINE = sorted(p for layer in ("kube", "cloud", "ops") for p in (HUBTUI / layer).rglob("*.py"))
FACTS = ("hubtui.kube.failures", "hubtui.cloud.failures", "hubtui.ops.failures", "hubtui.ops.cleanup.failures")
ERRORS = {"HubError", "UsageError", "HubTimeout", "Refused", "Declined", "ConfigError", "ReadOnlyError",
          "AuditError"}


def _errors_of(tree: ast.Module) -> set[str]:
    """The error classes a module may raise with words: hubtui's own, and those it derives from them."""
    names = set(ERRORS)
    grew = True
    while grew:
        grew = False
        for node in ast.walk(tree):
            if isinstance(node, ast.ClassDef) and node.name not in names and any(
                    isinstance(b, ast.Name) and b.id in names for b in node.bases):
                names.add(node.name)
                grew = True
    return names


def _words(node: ast.AST | None) -> bool:
    """Whether an argument is text written here: a string, an f-string, or text joined to them."""
    if isinstance(node, ast.Constant):
        return isinstance(node.value, str)
    if isinstance(node, ast.JoinedStr):
        return True
    if isinstance(node, ast.BinOp):
        return _words(node.left) or _words(node.right)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in ("format", "join"):
        return _words(node.func.value)
    return False


def _name(func: ast.AST) -> str:
    return func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""


@pytest.mark.parametrize("path", ENGINE, ids=lambda p: str(p.relative_to(HUBTUI)))
def test_the_engine_raises_facts_not_words(path):
    tree = ast.parse(path.read_text())
    errors = _errors_of(tree)
    worded = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        name = _name(node.func)
        if name in errors and node.args and _words(node.args[0]):
            worded.append(node.lineno)
        elif name == "describe_api_error" and len(node.args) > 1 and _words(node.args[1]):
            worded.append(node.lineno)
    assert not worded, f"{path.relative_to(HUBTUI)} words an error itself at lines {worded}: raise a fact"


def _sample(hint: typing.Any) -> typing.Any:
    """A value of a fact's field, by its type."""
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if hint is str or hint is object:
        return "x"
    if hint is int:
        return 2
    if hint is float:
        return 1.5
    if hint is bool:
        return True
    if origin is tuple:
        return (_sample(args[0]),) if args else ()
    if origin in (typing.Union, types.UnionType):
        return _sample(next(a for a in args if a is not type(None)))
    if dataclasses.is_dataclass(hint):
        return _fact(hint)
    raise AssertionError(f"no sample value for {hint!r}: add one to this test")


def _fact(kind: type) -> typing.Any:
    hints = typing.get_type_hints(kind)
    return kind(**{f.name: _sample(hints[f.name]) for f in dataclasses.fields(kind)})


def _kinds():
    from importlib import import_module

    for module in FACTS:
        m = import_module(module)
        yield from (k for k in vars(m).values() if isinstance(k, type) and dataclasses.is_dataclass(k)
                    and k.__module__ == module)


@pytest.mark.parametrize("kind", list(_kinds()), ids=lambda k: f"{k.__module__.split('.', 1)[1]}.{k.__name__}")
def test_every_fact_of_the_engine_is_worded_in_present_in_one_line(kind):
    from hubtui.errors import HubError

    line = str(HubError(_fact(kind)))
    assert line.strip() and "\n" not in line and kind.__name__ not in line and "x=" not in line, line


def test_an_error_s_line_never_raises_even_when_its_fact_has_no_words():
    """Its line is read in handlers, threads and logs: a fact present/ cannot word gives its kind and fields."""
    from hubtui.errors import HubError
    from hubtui.frozen import frozen

    @frozen
    class Unknown:
        name: str

    assert str(HubError(Unknown("hub"))) == "Unknown(name='hub')"


def test_an_unexpected_error_that_says_nothing_is_said_as_before():
    """describe_api_error of an error with no text: what hubtui was doing, and nothing after it (as before the
    words moved to present/), never an "API error 0"."""
    from hubtui.kube.client import describe_api_error
    from hubtui.kube.failures import ReadingNamespace

    assert str(describe_api_error(RuntimeError(), ReadingNamespace("hub"))) == "reading namespace hub: "


def test_a_dump_that_does_not_read_back_and_a_stuck_namespace_are_said_as_sentences():
    """No Python list in a line (['pg_restore: ...']), no colon left hanging after a condition with no message."""
    from hubtui.errors import said
    from hubtui.ops.cleanup.failures import DumpUnreadable, StuckCondition, StuckWhy

    assert said(DumpUnreadable("llm_analytics", ("pg_restore: error: input file is too short",))) == \
        "the dump of llm_analytics does not read back: pg_restore: error: input file is too short"
    assert said(DumpUnreadable("llm_analytics", ())) == \
        "the dump of llm_analytics does not read back (pg_restore said nothing)"
    assert said(StuckWhy((StuckCondition("NamespaceContentRemaining", ""),
                          StuckCondition("NamespaceFinalizersRemaining", "some finalizers remain")), ("kubernetes",))) \
        == "NamespaceContentRemaining; NamespaceFinalizersRemaining: some finalizers remain; namespace finalizers: kubernetes"
