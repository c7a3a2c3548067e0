"""Entry point: no subcommand opens the TUI; subcommands run headless on the same engine."""

from __future__ import annotations

import os
import sys

from .errors import HubError


def main(argv: list[str] | None = None) -> int:
    try:
        try:
            return _main(argv)
        finally:
            sys.stdout.flush()  # output held in the buffer (a pipe) is written here, where a gone reader is caught
    except BrokenPipeError as e:
        if not _stdout_gone():  # a socket's, or a child's pipe: a failure like any other
            return _unexpected(e)
        # the reader of the output went away (`hubtui … | head -1`) while a command printed its report: end as a
        # program the shell stopped by SIGPIPE, without a word. (A run's events and result are printed by
        # EventPrinter, which stops writing to a gone reader: the run is never cut short by it, and ends with its
        # own exit code.)
        from .headless.output import write_nowhere

        write_nowhere(sys.stdout)  # the interpreter's last flush writes nowhere, not into an error
        return 141


def _main(argv: list[str] | None) -> int:
    words = sys.argv[1:] if argv is None else argv
    if words[:1] == ["__complete"]:  # the shell's Tab (hubtui completion): candidates only, never an error
        from .completion import complete

        return complete(words[1:])
    if words == ["--version"]:  # alone: said before the parser is built (it imports every command's module)
        from .version import version_text

        print(version_text())
        return 0
    from . import present  # noqa: F401 - installs the wording of the engine's facts (errors.speak_with)
    from .cli import build_parser, command_of

    # only the command's own parser: one command never loads another's module (help before a command: all)
    args = build_parser(command_of(words)).parse_args(argv)
    from .settings import Settings

    try:
        chosen = dict(kubeconfig=args.kubeconfig, context=args.context, namespace=args.namespace,
                      scale_timeout=getattr(args, "timeout", None), readonly=getattr(args, "readonly", False),
                      all_namespaces=getattr(args, "all_namespaces", False) or None)
        from .config import ConfigError

        try:
            settings = Settings.from_env(**chosen)
        except ConfigError as e:
            if not getattr(args, "despite_config", False):  # `hubtui doctor` says it among its checks
                raise
            args.config_problem = str(e)
            settings = Settings.from_env(config_file=False, **chosen)
        if getattr(args, "screen", None):
            with _starting():
                first = args.screen(args, settings)  # the fleet starts its hubs here, before Textual loads
                if first is not None:  # `hubtui fleet`, `hubtui sessions`: the TUI, on that screen
                    from .ui.app import run_tui

                    kind, value = first
                    return run_tui(settings, fleet=value) if kind == "fleet" else run_tui(settings, sessions=True)
        if getattr(args, "run", None):
            return args.run(args, settings)
        if settings.theme:  # a wrong theme is a one-line error before anything starts
            from .ui.themes import check_theme

            check_theme(settings.theme, settings.theme_source)
        with _starting():
            # Connect and start listing before Textual is imported: the first rows arrive while it loads.
            from .kube.client import connect
            from .ui.backend import ClusterBackend

            # an exec plugin may ask on the terminal now (a sign-in), not once the screen is drawn
            backend = ClusterBackend(settings, conn=connect(settings, interactive=True))
            from .ui.app import run_tui

            return run_tui(settings, backend)
    except HubError as e:
        print(f"hubtui: error: {e}", file=sys.stderr)
        return e.exit_code
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        raise  # main() tells a gone reader of stdout from another pipe
    except Exception as e:  # noqa: BLE001 - one line, never a traceback
        return _unexpected(e)


def _unexpected(e: Exception) -> int:
    if os.environ.get("HUBTUI_DEBUG"):
        raise e
    print(f"hubtui: error: unexpected {type(e).__name__}: {e} (HUBTUI_DEBUG=1 shows where)", file=sys.stderr)
    return 1


def _stdout_gone() -> bool:
    """Whether stdout is a pipe whose reader has closed it."""
    import select

    try:
        poll = select.poll()
        poll.register(sys.stdout.fileno(), select.POLLOUT)
        return any(events & select.POLLERR for _, events in poll.poll(0))
    except (OSError, ValueError, AttributeError):
        return False


class _starting:
    """A TUI's start: no garbage collection while it loads and lists (a million objects, collected over and over,
    cost ~0.13 s of a first paint at 2,000 rows). HubApp turns it back on once its first screen is drawn
    (HubApp.started); on again here however the TUI ended."""

    def __enter__(self) -> None:
        import gc

        gc.disable()

    def __exit__(self, *exc: object) -> None:
        import gc

        gc.enable()


if __name__ == "__main__":
    sys.exit(main())
