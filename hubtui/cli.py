"""Argument parsing for both faces. Heavy modules (kubernetes, textual, cloud SDKs) load only when used."""

from __future__ import annotations

import argparse

from .settings import DEFAULT_NAMESPACE
from .version import version_text


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
    p = argparse.ArgumentParser(
        prog="hubtui",
        description="Operate the LLM Analytics Hub on Kubernetes. With no command, opens the full-screen TUI.",
    )
    p.add_argument("--version", action=VersionAction)
    add_cluster_flags(p)
    p.add_argument("-A", "--all-namespaces", action="store_true",
                   help="show the deployments of every namespace you may list (a key toggles it in the TUI)")
    common = argparse.ArgumentParser(add_help=False)
    add_cluster_flags(common, default=argparse.SUPPRESS)  # a flag given before the command stays
    sub = p.add_subparsers(dest="command", metavar="COMMAND")
    import importlib

    for name in (command,) if command in COMMANDS else COMMANDS:
        where = f"hubtui.{name}" if name in ("serve", "completion") else f"hubtui.headless.{name}"
        importlib.import_module(where).add_parser(sub, [] if name == "completion" else [common])
    p.commands = sub.choices  # type: ignore[attr-defined]  # the subcommands' parsers, for Tab completion
    return p
