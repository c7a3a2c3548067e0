"""Tab completion, as kubectl's: `hubtui completion bash|zsh|fish` prints a script that asks
`hubtui __complete WORD…` for the candidates of the word being typed. Subcommands, flags and choices come from
the parser itself; --context from the kubeconfig; -n, --deployment from the cluster (one request, a short
timeout, and nothing ever printed but candidates: a shell must never see an error)."""

from __future__ import annotations

import argparse
import sys

LOOKUP_TIMEOUT = 2.0  # seconds a cluster lookup may take

SCRIPTS = {
    "bash": """# hubtui completion for bash: source it, or put it in ~/.local/share/bash-completion/completions/hubtui
_hubtui() {
    # the words as typed, split at spaces only: bash also splits at : and = (an EKS context's arn:aws:eks:…,
    # --context=x), and hubtui completes whole words; each candidate keeps only what follows bash's word
    local IFS=$' \\t\\n' line="${COMP_LINE:0:$COMP_POINT}" cur="${COMP_WORDS[COMP_CWORD]}" word c
    local -a words
    read -r -a words <<< "$line"
    [[ -z "$line" || "$line" == *[[:space:]] ]] && words+=("")
    word="${words[${#words[@]}-1]}"
    COMPREPLY=()
    while IFS= read -r c; do
        [[ -n "$c" ]] && COMPREPLY+=("${c:$(( ${#word} - ${#cur} ))}")
    done < <(hubtui __complete "${words[@]:1}" 2>/dev/null)
}
complete -o default -F _hubtui hubtui
""",
    "zsh": """# hubtui completion for zsh: source it from ~/.zshrc (it uses zsh's bash completion layer)
autoload -U +X compinit && compinit
autoload -U +X bashcompinit && bashcompinit
_hubtui() {
    local IFS=$'\\n'
    COMPREPLY=($(hubtui __complete "${COMP_WORDS[@]:1:$COMP_CWORD}" 2>/dev/null))
}
complete -o default -F _hubtui hubtui
""",
    "fish": """# hubtui completion for fish: put it in ~/.config/fish/completions/hubtui.fish
complete -c hubtui -f -a '(hubtui __complete (commandline -opc)[2..-1] (commandline -ct) 2>/dev/null)'
""",
}


def add_parser(sub, parents) -> None:
    p = sub.add_parser("completion", help="print the Tab completion script for bash, zsh or fish",
                       description="Print a completion script: `source <(hubtui completion bash)` (bash), "
                                   "`source <(hubtui completion zsh)` (zsh), `hubtui completion fish | source` "
                                   "(fish). It completes commands, flags, contexts, namespaces and deployments.")
    p.add_argument("shell", choices=sorted(SCRIPTS))
    p.set_defaults(run=lambda args, settings: print(SCRIPTS[args.shell], end="") or 0)


def _takes_value(action: argparse.Action) -> bool:
    return action.nargs != 0 and action.option_strings != []


def _subparsers(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    return dict(getattr(parser, "commands", {}))  # cli.build_parser keeps them


def _options(parser: argparse.ArgumentParser) -> dict[str, argparse.Action]:
    return {s: a for a in parser._actions for s in a.option_strings}


def _flag_value(words: list[str], *names: str) -> str | None:
    """The value given to one of `names` among the words typed (`--kubeconfig X` or `--kubeconfig=X`)."""
    found = None
    for i, w in enumerate(words):
        for n in names:
            if w == n and i + 1 < len(words):
                found = words[i + 1]
            elif w.startswith(n + "=") and n.startswith("--"):
                found = w.split("=", 1)[1]
    return found


def _settings(words: list[str]):
    from .settings import Settings

    return Settings.from_env(kubeconfig=_flag_value(words, "--kubeconfig"),
                             context=_flag_value(words, "--context"),
                             namespace=_flag_value(words, "-n", "--namespace"))


def _contexts(words: list[str]) -> list[str]:
    from .kube.client import contexts

    return contexts(_settings(words))[0]


def _namespaces(words: list[str]) -> list[str]:
    """The namespaces the user may list; for one who may not list them all (403), the ones the kubeconfig's
    contexts and hubtui's settings name, as the namespaces that user works in."""
    from .kube.client import connect, kubeconfig_paths
    from .kube.http import ApiError

    settings = _settings(words)
    conn = connect(settings, exec_timeout=LOOKUP_TIMEOUT)  # a plugin that hangs is ended, not left behind
    try:
        items = conn.http.json("GET", "/api/v1/namespaces", timeout=(LOOKUP_TIMEOUT, LOOKUP_TIMEOUT),
                               retries=False)["items"]
    except ApiError as e:
        if e.status != 403:
            raise
        from .kube.kubeconfig import context_places

        named = {ns for _, ns, _ in context_places(kubeconfig_paths(settings)) if ns} | {settings.namespace}
        return sorted(named)
    finally:
        conn.close()
    return sorted(i["metadata"]["name"] for i in items)


def _deployments(words: list[str]) -> list[str]:
    from urllib.parse import quote

    from .kube.client import connect

    settings = _settings(words)
    conn = connect(settings, exec_timeout=LOOKUP_TIMEOUT)  # a plugin that hangs is ended, not left behind
    try:
        items = conn.http.json("GET", f"/apis/apps/v1/namespaces/{quote(settings.namespace, safe='')}/deployments",
                               timeout=(LOOKUP_TIMEOUT, LOOKUP_TIMEOUT), retries=False)["items"]
    finally:
        conn.close()
    return sorted(i["metadata"]["name"] for i in items)


LOOKUPS = {"--context": _contexts, "-n": _namespaces, "--namespace": _namespaces, "-d": _deployments,
           "--deployment": _deployments, "--contexts": _contexts, "--confirm-production": _contexts}
# values a command checks itself (for a better error than argparse's), offered all the same
VALUES = {("cleanup", "-p"): ("aws", "gcp", "azure", "k8s"), ("cleanup", "--provider"): ("aws", "gcp", "azure", "k8s"),
          ("cleanup", "-e"): ("dev", "staging", "production"),
          ("cleanup", "--environment"): ("dev", "staging", "production")}


def _bounded(lookup, words: list[str]) -> list[str]:
    """What `lookup` finds within LOOKUP_TIMEOUT (and a second for the process), else nothing: whatever it
    waits on (a credential plugin, a server that takes the connection and never answers, a retry after a 401),
    the shell never waits longer. A lookup that fails offers nothing, and says nothing."""
    import threading

    found: list[str] = []

    def run() -> None:
        try:
            found.extend(lookup(words))
        except BaseException:  # noqa: BLE001
            pass

    worker = threading.Thread(target=run, daemon=True, name="completion lookup")  # left behind at exit
    worker.start()
    worker.join(LOOKUP_TIMEOUT + 1.0)
    return [] if worker.is_alive() else found


def candidates(words: list[str]) -> list[str]:
    """The candidates for the last of `words` (the word being typed, maybe empty), given those before it."""
    from .cli import build_parser

    *before, current = words or [""]
    if current.startswith("--") and "=" in current:  # --flag=value: the value's candidates, as --flag=candidate
        flag, _, value = current.partition("=")
        return [f"{flag}={c}" for c in candidates([*before, flag, value])]
    parser = build_parser()
    commands = _subparsers(parser)
    active = parser
    command = None
    i = 0
    while i < len(before):
        w = before[i]
        opts = _options(active)
        if w in opts and _takes_value(opts[w]):
            i += 2
            continue
        if command is None and w in commands:
            command, active = w, commands[w]
        i += 1
    opts = _options(active)
    previous = before[-1] if before else ""
    if previous in opts and _takes_value(opts[previous]) and "=" not in previous:
        action = opts[previous]
        if action.choices:
            return [str(c) for c in action.choices if str(c).startswith(current)]
        values = VALUES.get((command or "", previous))
        if values:
            return [v for v in values if v.startswith(current)]
        lookup = LOOKUPS.get(previous)
        if lookup is None or (previous == "-d" and command != "scale"):
            return []
        done, _, last = current.rpartition(",") if previous == "--contexts" else ("", "", current)
        return [(done + "," if done else "") + v for v in _bounded(lookup, before) if v.startswith(last)]
    if current.startswith("-"):
        return sorted(o for o, a in opts.items() if o.startswith(current) and a.help != argparse.SUPPRESS)
    if command is None:
        return sorted(c for c in commands if c.startswith(current) and not c.startswith("_"))
    for action in active._actions:
        if not action.option_strings and action.choices:
            return [str(c) for c in action.choices if str(c).startswith(current)]
    return []


def complete(words: list[str]) -> int:
    """`hubtui __complete WORD…`: the candidates, one a line; never an error on the terminal."""
    try:
        out = candidates(words)
    except BaseException:  # noqa: BLE001
        return 0
    sys.stdout.write("".join(c + "\n" for c in out))
    return 0
