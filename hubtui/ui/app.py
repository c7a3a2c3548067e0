"""The hubtui application: the deployments screen first; other screens are reached from it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import events
from textual.app import App
from textual.binding import Binding
from textual.driver import Driver
from textual.worker import Worker, WorkerState

from ..settings import Settings
from ..words import counted
from .backend import Backend, ClusterBackend
from .palette import ActionsProvider
from .typeahead import KeyDone, TypeAhead
from .widgets.row_table import RowTable, priority_keys
from .screens.deployments import DeploymentsScreen
from .themes import check_theme
from .workers import report_failure

if TYPE_CHECKING:
    from .driver import HubDriver

SET_ASIDE_SAID_FOR = 15  # seconds the keys set aside are said: the operator reads the dialog first, then this


class HubApp(App[int]):
    hub_driver: HubDriver | None = None  # set by hubtui's terminal driver (ui/driver.py): lines drawn ahead
    CSS_PATH = "hubtui.tcss"
    TITLE = "hubtui"
    COMMANDS = {ActionsProvider}  # Ctrl-P or ":": the current screen's actions, then Textual's own (ui/palette.py)
    BINDINGS = [Binding("q", "quit", "Quit", show=False), Binding("ctrl+c", "quit", "Quit", show=False),
                Binding("ctrl+p", "command_palette", "Commands", show=False, priority=True),
                Binding("colon", "command_palette", "Commands", show=False),  # not priority: `:` types in fields
                # Tab and Shift-Tab move the focus as soon as they are read, not when the widget that had it gets to
                # them: keys typed as one burst (a fast typist, a paste) then reach the widget the focus moved to.
                # Without this, `dev`, Tab, → → →, Space sent at once to the cleanup form typed the space into
                # Environment and chose no provider.
                Binding("tab", "focus_next", "Next", show=False, priority=True),
                Binding("shift+tab", "focus_previous", "Previous", show=False, priority=True)]

    def __init__(self, settings: Settings | None = None, backend: Backend | None = None, *, fleet=None,
                 sessions: bool = False):
        super().__init__()
        self.first_fleet = fleet  # `hubtui fleet`: the fleet screen first (a hub's backend comes with Enter)
        self.first_sessions = sessions  # `hubtui sessions`: the recordings first
        self.settings = settings
        self._semantic_styles()  # Rich styles (hub.error, ...) resolved from the theme: see ui/styles.py
        if settings is not None and settings.theme:
            self.use_theme(settings.theme, settings.theme_source)
        if backend is None and fleet is None and not sessions:
            if settings is None:
                raise TypeError("HubApp needs settings (to connect to the cluster) or a backend")
            backend = ClusterBackend(settings)
        self.backend: Backend = backend  # type: ignore[assignment]  # None only under a first fleet screen
        # the cleanup form's values as last planned (a dry run, a plan read and left): `x` offers them again,
        # for this context only
        self.last_cleanup_form: dict | None = None
        self.typeahead = TypeAhead(self, self._say_set_aside)  # keys typed as one burst (see on_event)

    def get_driver_class(self) -> type[Driver]:
        """Textual's, except in a Linux or macOS terminal: the same driver, handing each key to the app directly
        (ui/driver.py)."""
        driver = super().get_driver_class()
        if driver.__name__ == "LinuxDriver":
            from .driver import HubDriver

            return HubDriver
        return driver

    def use_theme(self, name: str, source: str = "") -> None:
        """Switch to a Textual theme by name; an unknown name is a one-line UsageError naming the `theme` key."""
        check_theme(name, source, self.available_themes)
        self.theme = name

    def watch_theme(self, name: str) -> None:
        self._semantic_styles()

    def _semantic_styles(self) -> None:
        from .styles import rich_theme

        if getattr(self, "_pushed_styles", False):
            self.console.pop_theme()
        self.console.push_theme(rich_theme(self.get_css_variables()))
        self._pushed_styles = True

    # hubtui starts with the garbage collector off (__main__.py): the imports and the first list make a million
    # objects, and collecting them over and over while starting cost ~0.13 s of a first paint at 2,000 rows.
    # It is on again once the first rows are drawn (started), or after GC_BACK_AFTER seconds whatever happens.
    # What exists by then is frozen (lives on: modules, the first screen), so that turning the collector on
    # does not start by walking all of it, nor does any later collection; when the first screen goes, the
    # freeze ends (thaw) and its objects are collected as usual.
    GC_BACK_AFTER = 5.0

    async def on_event(self, event: events.Event) -> None:
        """Keys typed as one burst go where the keys before them left the focus, in order (ui/typeahead.py)."""
        if isinstance(event, events.Key):
            if self.typeahead.took(event) or (not event.is_forwarded and self._navigated(event)):
                return
            if not event.is_forwarded:
                target = self.focused or self.screen  # where Textual sends it, unless a priority binding takes it
                await super().on_event(event)
                if event.is_forwarded:
                    self.typeahead.sent(event, target)
                return
        await super().on_event(event)

    def on_key_done(self, message: KeyDone) -> None:
        """A key sent to a widget is handled (ui/typeahead.py)."""
        message.stop()
        self.typeahead.done(message)

    def _navigated(self, event: events.Key) -> bool:
        """The short path of a table's ↑ ↓ PgUp PgDn Home End: the key moves the focused table's cursor as soon as
        it is read, instead of travelling to the table and back up to the app's bindings (half the time from the
        key to the screen at 2,000 rows). Only when nothing could take the key otherwise: no key read before it is
        still being handled (typeahead), and no priority binding of the key on the way."""
        focused = self.focused
        if not isinstance(focused, RowTable) or focused.screen is not self.screen:
            return False
        action = focused.navigation(event.key)
        if action is None or event.key in priority_keys(focused) or not self.typeahead.alone(event) \
                or not focused.navigate(action):
            return False
        self.typeahead.handled(event)
        if self.hub_driver is not None:
            focused.draw_cursor_ahead(self.hub_driver)
        event.stop()
        event.prevent_default()
        self.app_focus = True  # as Textual does for a key
        return True

    def hold_keys(self) -> None:
        """A question is prepared off the UI thread (the cleanup's confirmations, after D): keys typed until
        `release_keys` neither act on the screen under it (the plan's `s` closes it) nor answer it unseen."""
        self.typeahead.hold()

    def release_keys(self, *, question: bool = True) -> None:
        """The question is on screen (`question`), or none came."""
        self.typeahead.release(question=question)

    def _say_set_aside(self, n: int) -> None:
        self.notify(f"{counted(n, 'key')} typed before this dialog was on screen not used: read it, then answer",
                    title="Keys set aside", severity="warning", timeout=SET_ASIDE_SAID_FOR)

    def on_mount(self) -> None:
        if self.first_fleet is not None:
            from .screens.fleet import FleetScreen

            self.push_screen(FleetScreen(self.first_fleet))
        elif self.first_sessions:
            from .screens.sessions import SessionsScreen

            self.push_screen(SessionsScreen(self.settings.state_dir if self.settings else None))
        else:
            self.push_screen(DeploymentsScreen(self.backend))
        self._watch_hangup()
        self.set_timer(self.GC_BACK_AFTER, self.started)

    def started(self) -> None:
        """The first screen is drawn (or it took too long): the garbage collector goes back on."""
        import gc

        if not gc.isenabled():
            gc.freeze()
            self._frozen = True
            gc.enable()

    def thaw(self) -> None:
        """The first screen is going: what was frozen at start is collected as usual from now on."""
        import gc

        if getattr(self, "_frozen", False):
            self._frozen = False
            gc.unfreeze()

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """The app's own workers (e.g. the context switch): a failure is one line, like a screen's."""
        if event.state == WorkerState.ERROR:
            report_failure(event.worker)

    def _watch_hangup(self) -> None:
        """The terminal closing (SIGHUP) must not leave a cleanup running without a screen, nor kill it at a
        random point: a run stops at its next safe point, then hubtui exits. A plain signal handler, not the
        event loop's: once the terminal is gone, drawing can block the loop for good."""
        import signal
        import threading

        if threading.current_thread() is not threading.main_thread():
            return  # e.g. under a test's pilot
        for sig in (signal.SIGHUP, signal.SIGTERM):  # the terminal closed, or a kill: the same safe stop
            signal.signal(sig, lambda signum, frame: self.hang_up())

    def refused_readonly(self, what: str) -> bool:
        """In read-only mode: say why `what` does not happen (True); the engine refuses it too."""
        why = self.backend.readonly_reason()
        if why:
            self.notify(f"{what} is refused: read-only ({why}). Plans, dry runs and reading still work.",
                        title="Read-only", severity="warning", timeout=6)
        return bool(why)

    def running_cleanup(self):
        """The cleanup run screen whose run has not finished yet, if any."""
        from .screens.cleanup import RunScreen

        return next((s for s in self.screen_stack if isinstance(s, RunScreen) and s.running), None)

    def hang_up(self) -> None:
        """The terminal is gone: nothing can be drawn or asked any more. A running cleanup is told to stop at
        its next safe point (it journals that); once it has stopped, the process ends."""
        import os
        import threading

        from ..events import LogLine

        run = self.running_cleanup()
        if run is not None:
            run.cancel.set()
            run.emit(LogLine("the terminal closed: stopping at the next safe point", "warning"))

        def end() -> None:
            if run is not None:
                run.run_done.wait()
            from ..kube.http import before_hard_exit

            before_hard_exit()  # os._exit skips atexit: no plugin left running, no key material left behind
            os._exit(1)  # the UI cannot be shut down cleanly without a terminal to draw on

        threading.Thread(target=end, name="hubtui-hangup", daemon=True).start()

    async def action_quit(self) -> None:
        """q, Ctrl-C, Ctrl-Q: during a cleanup run, ask first and stop at a safe point; otherwise quit."""
        run = self.running_cleanup()
        if run is None:
            self.exit()
        else:
            run.ask_to_leave()

    def action_fleet(self) -> None:
        """F: every hub of the kubeconfig's contexts (the config's `fleet` patterns) on one screen. The
        kubeconfig is read off the UI thread."""
        if self.settings is None:
            self.notify("the fleet needs a kubeconfig", title="Fleet", severity="error")
            return
        self.run_worker(self._open_fleet, thread=True, exclusive=True, group="fleet", exit_on_error=False,
                        name="fleet")

    def _open_fleet(self) -> None:
        from ..errors import HubError
        from ..ops.fleet import Fleet, choose_hubs

        assert self.settings is not None
        try:
            hubs = choose_hubs(self.settings)
        except HubError as e:
            self.call_from_thread(self.notify, str(e), title="Fleet", severity="error")
            return
        self.call_from_thread(self._show_fleet, Fleet(self.settings, hubs))

    def _show_fleet(self, fleet) -> None:
        from .screens.fleet import FleetScreen

        if isinstance(self.screen, FleetScreen):  # F twice in a burst: the first one's fleet is on screen
            return
        self.push_screen(FleetScreen(fleet))

    def action_connect(self) -> None:
        from .screens.connect import ConnectScreen

        from textual.screen import ModalScreen

        if not isinstance(self.screen, (ConnectScreen, ModalScreen)):
            self.push_screen(ConnectScreen(self.backend))

    def action_cleanup(self) -> None:
        from textual.screen import ModalScreen

        from .screens.deployments import DeploymentsScreen

        if isinstance(self.screen, DeploymentsScreen) and not isinstance(self.screen, ModalScreen):
            from .screens.cleanup import CleanupFormScreen

            self.push_screen(CleanupFormScreen(self.backend, self.last_cleanup_form))

    def action_sessions(self) -> None:
        from .screens.sessions import SessionsScreen

        if not isinstance(self.screen, SessionsScreen):
            self.push_screen(SessionsScreen(self.settings.state_dir if self.settings else None))

    def play_recording(self, path, speed: float, done) -> None:
        """Give the terminal to a recording's playback (ESC c clears it first and last), then redraw. Ctrl-]
        (or Ctrl-C) stops it."""
        import select
        import sys
        import termios
        import tty

        from ..term.recording import play

        result = "played back"
        try:
            with self.suspend():
                fd = sys.stdin.fileno()
                saved = termios.tcgetattr(fd) if sys.stdin.isatty() else None
                try:
                    if saved is not None:
                        tty.setcbreak(fd)
                    sys.stdout.write("\x1bc")
                    sys.stdout.flush()

                    def stop() -> bool:
                        if saved is None:
                            return False
                        ready, _, _ = select.select([fd], [], [], 0)
                        return bool(ready) and b"\x1d" in __import__("os").read(fd, 1024)

                    play(path, speed=speed, stop=stop)
                    sys.stdout.write("\x1bc")
                    sys.stdout.flush()
                except KeyboardInterrupt:
                    result = "playback stopped"
                finally:
                    if saved is not None:
                        termios.tcsetattr(fd, termios.TCSADRAIN, saved)
        except Exception as e:  # noqa: BLE001 - e.g. a driver that cannot suspend (a browser)
            result = f"cannot play it here: {e}"
        self.refresh(layout=True)
        done(f"{result}: {path.name}")

    def hand_over(self, plan, done) -> None:
        """Give the terminal to the session (on the UI thread) through the hand-over `hubtui connect` uses too
        (ops/connect.py: audit record; present/connect.py: header, escape key), then redraw and report how it ended."""
        from ..errors import HubError
        from ..ops.connect import hand_over
        from ..present import connect as words
        from ..term.bridge import SessionResult

        try:
            with self.suspend():
                try:
                    print("\033[H\033[2J", end="")  # a clean screen for the session
                    result = hand_over(plan, words)
                except HubError as e:  # e.g. the audit log cannot be written: no session was opened
                    result = SessionResult(None, 0.0, error=str(e))
                except BaseException as e:  # noqa: BLE001 - the TUI must get its terminal back
                    result = SessionResult(None, 0.0, error=f"{type(e).__name__}: {e}")
        except Exception as e:  # noqa: BLE001 - e.g. a driver that cannot suspend
            result = SessionResult(None, 0.0, error=f"cannot hand over the terminal: {e}")
        self.refresh(layout=True)
        done(result.summary(), result.error is None)

    def switch_to_context(self, context: str) -> None:
        """Rebuild the deployments screen on another context; the old screen stops its watches off the UI
        thread as it goes."""
        self.run_worker(lambda: self._switch_context(context), thread=True, exclusive=True, group="context",
                        exit_on_error=False, name="context switch")

    def _switch_context(self, context: str) -> None:
        from ..errors import HubError

        try:
            backend = self.backend.for_context(context)
        except HubError as e:
            self.call_from_thread(self.notify, str(e), title="Context", severity="error")
            return
        self.call_from_thread(self._use_backend, backend)

    def _rebuilt(self, backend) -> DeploymentsScreen:
        """The deployments screen on another backend, keeping the one on screen's modes (dry run, wait)."""
        current = next((s for s in reversed(self.screen_stack) if isinstance(s, DeploymentsScreen)), None)
        return current.rebuilt(backend) if current is not None else DeploymentsScreen(backend)

    def _use_backend(self, backend) -> None:
        self.backend = backend
        screen = self._rebuilt(backend)
        self.switch_screen(screen)
        kept = " · ".join(m for m, on in (("DRY RUN stays on", screen.dry_run), ("WAIT stays on", screen.wait)) if on)
        self.notify(f"context {backend.context}" + (f" · {kept}" if kept else ""), title="Context", timeout=4)

    def switch_to_namespace(self, namespace: str) -> None:
        """Another namespace: a name that is not a namespace name, or one the cluster does not have, is one
        line and the screen stays as it is (a typo never shows an empty list)."""
        import re

        if not re.fullmatch(r"[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?", namespace):
            self.notify(f"{namespace!r} is not a namespace name (lower-case letters, digits and '-')",
                        title="Namespace", severity="error")
            return
        self.run_worker(lambda: self._switch_namespace(namespace), thread=True, exclusive=True, group="context",
                        exit_on_error=False, name="namespace switch")

    def _switch_namespace(self, namespace: str) -> None:
        from ..errors import HubError

        try:
            self.backend.check_namespace(namespace)
        except HubError as e:
            self.call_from_thread(self.notify, str(e), title="Namespace", severity="error")
            return
        backend = self.backend.for_namespace(namespace)  # here, off the UI thread: it reads the read-only rule
        self.call_from_thread(self._use_namespace, backend)

    def _use_namespace(self, backend: Backend) -> None:
        self.backend = backend
        self.switch_screen(self._rebuilt(self.backend))


def run_tui(settings: Settings, backend: Backend | None = None, *, fleet=None, sessions: bool = False) -> int:
    import sys

    app = HubApp(settings, backend, fleet=fleet, sessions=sessions)
    stopped = False
    try:
        app.run()
    finally:
        # However the app ended (a crash, a driver error), a cleanup run never goes on without a screen: it
        # stops at its next safe point, journaled, before the process ends (a crash still shows its cause).
        run = app.running_cleanup()
        if run is not None:
            run.cancel.set()
            print("hubtui: the screen closed during a cleanup: stopping it at the next safe point "
                  "(run the same cleanup again to resume)…", file=sys.stderr, flush=True)
            run.run_done.wait()
            stopped = True
    return 1 if stopped else (app.return_code or 0)
