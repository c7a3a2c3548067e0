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


def build_parser() -> argparse.ArgumentParser:
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
    from . import serve
    from .headless import cleanup, connect, doctor, fleet, scale, sessions

    scale.add_parser(sub, [common])
    fleet.add_parser(sub, [common])
    cleanup.add_parser(sub, [common])
    connect.add_parser(sub, [common])
    sessions.add_parser(sub, [common])
    doctor.add_parser(sub, [common])
    from . import completion

    completion.add_parser(sub, [])
    p.commands = sub.choices  # type: ignore[attr-defined]  # the subcommands' parsers, for Tab completion
    serve.add_parser(sub, [common])
    return p
