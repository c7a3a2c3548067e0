"""Argument parsing for both faces. Heavy modules (kubernetes, textual, cloud SDKs) load only when used."""

from __future__ import annotations

import argparse
import os
import sys

from .settings import DEFAULT_NAMESPACE
from .version import version_text


def _columns() -> int:
    """The terminal's width as shutil.get_terminal_size() finds it ($COLUMNS, else stdout's terminal, else 80),
    without importing shutil (with the compression modules it imports) for every command's start."""
    try:
        columns = int(os.environ.get("COLUMNS", "0"))
    except ValueError:
        columns = 0
    if columns <= 0:
        try:
            columns = os.get_terminal_size(sys.__stdout__.fileno()).columns  # type: ignore[union-attr]
        except (AttributeError, ValueError, OSError):
            columns = 0
    return columns or 80


class Formatter(argparse.HelpFormatter):
    """argparse's help, as wide as the terminal (argparse builds one for each argument added, to check it)."""

    def __init__(self, prog: str, indent_increment: int = 2, max_help_position: int = 24, width: int | None = None):
        super().__init__(prog, indent_increment, max_help_position, _columns() - 2 if width is None else width)


class Parser(argparse.ArgumentParser):
    """hubtui's parsers and subparsers: help formatted by Formatter unless told otherwise."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("formatter_class", Formatter)
        super().__init__(*args, **kwargs)


def add_cluster_flags(p: argparse.ArgumentParser, default=None) -> None:
    """The same cluster flags on every command, as kubectl has them (before or after the command)."""
    p.add_argument("--kubeconfig", metavar="PATH", default=default,
                   help="kubeconfig file (default: $KUBECONFIG or ~/.kube/config)")
    p.add_argument("--context", metavar="NAME", default=default,
                   help="kubeconfig context (default: its current context)")
    p.add_argument("-n", "--namespace", metavar="NS", default=default,
                   help=f"the hub's namespace (default: $NAMESPACE or {DEFAULT_NAMESPACE})")
    p.add_argument("--readonly", action="store_true", default=default if default is not None else False,
                   help="change nothing: plans, dry runs and reading only (also HUBTUI_READONLY=1)")


class VersionAction(argparse.Action):
    """--version: version_text() read only when asked for (the packages' metadata costs every other command
    time it does not need)."""

    def __init__(self, option_strings, dest=argparse.SUPPRESS, default=argparse.SUPPRESS,
                 help="show hubtui's version and those of Python, Textual and the kubernetes client, and exit"):
        super().__init__(option_strings=option_strings, dest=dest, default=default, nargs=0, help=help)

    def __call__(self, parser, namespace, values, option_string=None):
        print(version_text())  # on stdout, as argparse's own version action
        parser.exit()


COMMANDS = ("scale", "fleet", "cleanup", "connect", "sessions", "doctor", "completion", "serve")
_VALUED = ("--kubeconfig", "--context", "-n", "--namespace")  # the global flags that take a value
_JOINED = ("--kubeconfig=", "--context=", "--namespace=")  # the same with their value in the word
_FLAGS = ("--readonly", "-A", "--all-namespaces")


def command_of(words: list[str]) -> str | None:
    """The command `words` run, when every word before it is a global flag spelled out (`--context NAME`,
    `--context=NAME`, `-nNS`) or such a flag's value; else None, and the whole parser is built (no command: the
    TUI; a word that is not a command, or a flag argparse would take abbreviated: the parser decides as ever)."""
    it = iter(words)
    for w in it:
        if w in _VALUED:
            next(it, None)
        elif w in _FLAGS or w.startswith(_JOINED) or (w.startswith("-n") and not w.startswith("--")):
            continue
        elif w.startswith("-"):
            return None
        else:
            return w if w in COMMANDS else None
    return None


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """hubtui's parser; with `command`, only that command's subparser is built (a command then loads no other
    command's module: `hubtui scale` starts without the cleanup's). Help, Tab completion and a wrong command
    get them all."""
    p = Parser(
        prog="hubtui",
        description="Operate the LLM Analytics Hub on Kubernetes. With no command, opens the full-screen TUI.",
    )
    p.add_argument("--version", action=VersionAction)
    add_cluster_flags(p)
    p.add_argument("-A", "--all-namespaces", action="store_true",
                   help="show the deployments of every namespace you may list (a key toggles it in the TUI)")
    common = Parser(add_help=False)
    add_cluster_flags(common, default=argparse.SUPPRESS)  # a flag given before the command stays
    sub = p.add_subparsers(dest="command", metavar="COMMAND")
    import importlib

    for name in (command,) if command in COMMANDS else COMMANDS:
        where = f"hubtui.{name}" if name in ("serve", "completion") else f"hubtui.headless.{name}"
        importlib.import_module(where).add_parser(sub, [] if name == "completion" else [common])
    p.commands = sub.choices  # type: ignore[attr-defined]  # the subcommands' parsers, for Tab completion
    return p
