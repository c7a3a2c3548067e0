"""Every action of the TUI, declared once: its keys, its label, what it does, where it applies and whether it
changes anything. The screens' bindings and footers, each screen's help, the command palette and the README's
keys table all come from here (`python -m hubtui.ui.actions` prints that table; a test holds the README to it).

`danger`: "" reads only; "changes" scales or restores (refused in read-only mode); "destroys" deletes.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass

from textual.binding import Binding, BindingType

READS, CHANGES, DESTROYS = "", "changes", "destroys"

SCREENS = {
    "deployments": "Deployments",
    "detail": "Deployment detail",
    "fleet": "Fleet",
    "versions": "Fleet versions",
    "connect": "Connect",
    "sessions": "Session recordings",
    "cleanup-form": "Cleanup: the form",
    "cleanup-plan": "Cleanup: the plan",
    "cleanup-run": "Cleanup: the run",
}


@dataclass(frozen=True)
class Action:
    action: str  # the Textual action ("scale_all", "restore(True)", "app.cleanup", "screen.nudge(1)")
    keys: str  # Textual key names, comma-separated
    label: str  # the footer's word(s)
    description: str  # help and command palette
    screens: tuple[str, ...]
    danger: str = READS
    shown_keys: str = ""  # how help and the README write the keys (default: from `keys`)
    footer: bool = True
    priority: bool = False
    palette: bool = True  # offered in the command palette (keys that only make sense as keys are not)
    bound: bool = True  # False: a widget's own key (arrows, Tab), listed in help and the README only
    on: str = ""  # a "screen." action bound on another table of the screen than its first (the detail's events)

    @property
    def key_text(self) -> str:
        if self.shown_keys:
            return self.shown_keys
        names = {"question_mark": "?", "slash": "/", "escape": "Esc", "enter": "Enter", "f1": "F1", "f5": "F5",
                 "ctrl+q": "Ctrl-Q", "ctrl+c": "Ctrl-C"}
        return " / ".join(names.get(k, k) for k in self.keys.split(","))


DEPLOYMENTS = ("deployments",)


def _key(keys: str, description: str, *screens: str) -> Action:
    """A key a widget handles itself (the table's cursor, the form's Tab): in help and the README only."""
    return Action("", "", "", description, screens, shown_keys=keys, footer=False, palette=False, bound=False)


ACTIONS: tuple[Action, ...] = (
    _key("Ctrl-P or :", "the command palette: this screen's actions and themes (`ns NAME`, `ctx NAME` on the "
         "deployments)",
         *SCREENS),
    # the deployments screen (the table's own keys drive the replica slider)
    _key("↑ ↓", "select a deployment", "deployments"),
    _key("click a header", "sort by that column (again: the other way round)", "deployments"),
    Action("screen.nudge(-1)", "left,minus", "−1", "move the slider of the selected deployment down",
           DEPLOYMENTS, shown_keys="← or -", footer=False, palette=False),
    Action("screen.nudge(1)", "right,plus,equals_sign", "+1", "move the slider of the selected deployment up",
           DEPLOYMENTS, shown_keys="→ or +", footer=False, palette=False),
    Action("screen.digit", "0,1,2,3,4,5,6,7,8,9", "0-9", "type the target replica count", DEPLOYMENTS,
           shown_keys="0-9", footer=False, palette=False),
    Action("screen.apply", "enter", "Apply", "scale the selected deployment to the slider's target", DEPLOYMENTS,
           CHANGES),
    Action("screen.cancel", "escape", "Cancel", "put the slider back, clear the filter, or go back to the fleet",
           DEPLOYMENTS,
           footer=False, palette=False),
    Action("scale_all", "a", "Scale all", "scale every deployment to one count (0 asks first)", DEPLOYMENTS,
           CHANGES),
    Action("maintenance", "z", "Maintenance", "scale all to 0, recording each one's count", DEPLOYMENTS, CHANGES),
    Action("restore", "r", "Restore", "bring each deployment back to its recorded count", DEPLOYMENTS, CHANGES),
    Action("restore(True)", "R", "Force restore", "restore, also the deployments changed since maintenance",
           DEPLOYMENTS, CHANGES, footer=False),
    Action("toggle_wait", "w", "Wait", "toggle waiting for readiness after a change", DEPLOYMENTS, footer=False),
    Action("toggle_rollback", "b", "Rollback", "toggle rollback on failure: a change not ready in time is put back, "
           "each deployment to the count it had (turns the wait on)", DEPLOYMENTS, footer=False),
    Action("toggle_dry_run", "d", "Dry run", "toggle dry run: the API server validates, nothing changes",
           DEPLOYMENTS),
    Action("filter", "slash", "Filter", "filter the deployments by name (namespace/name in all namespaces)",
           DEPLOYMENTS),
    Action("sort", "s", "Sort", "sort by the next column (by Status: not ready and scaling first)", DEPLOYMENTS,
           footer=False),
    Action("sort(True)", "S", "Reverse sort", "reverse the order of the sort", DEPLOYMENTS, footer=False),
    Action("next_not_ready", "exclamation_mark", "Next not ready", "jump to the next deployment that is not ready",
           DEPLOYMENTS, shown_keys="!", footer=False),
    Action("all_namespaces", "A", "All namespaces",
           "toggle the deployments of every namespace (with a Namespace column) and of this one", DEPLOYMENTS,
           footer=False),
    Action("detail", "i,space", "Detail", "the selected deployment, live: rollout, pods and why they are not "
           "ready, events, logs", DEPLOYMENTS, shown_keys="i / Space", footer=False),
    Action("namespace", "n", "Namespace", "switch to another namespace", DEPLOYMENTS, footer=False),
    Action("context", "K", "Context", "switch to another context of the kubeconfig", DEPLOYMENTS, footer=False),
    Action("app.fleet", "F", "Fleet", "every environment's hub on one screen, live; maintenance across hubs",
           DEPLOYMENTS, footer=False),
    Action("app.connect", "c", "Connect", "open psql, redis-cli or a Kafka shell in the hub's pods", DEPLOYMENTS),
    Action("app.cleanup", "x", "Cleanup", "destroy an environment: a plan and typed confirmations first",
           DEPLOYMENTS),
    Action("history", "L", "History", "what happened in this session: each action's result and time",
           DEPLOYMENTS, footer=False),
    Action("help", "question_mark", "Help", "the keys of this screen", DEPLOYMENTS),
    # the deployment detail (the pods table's own keys drive the replica slider, as on the deployments)
    _key("↑ ↓", "select a pod", "detail"),
    _key("Tab", "move between the pods, the events and the log", "detail"),
    Action("screen.nudge(-1)", "left,minus", "−1", "move the slider down", ("detail",), shown_keys="← or -",
           footer=False, palette=False),
    Action("screen.nudge(1)", "right,plus,equals_sign", "+1", "move the slider up", ("detail",),
           shown_keys="→ or +", footer=False, palette=False),
    Action("screen.digit", "0,1,2,3,4,5,6,7,8,9", "0-9", "type the target replica count", ("detail",),
           shown_keys="0-9", footer=False, palette=False),
    Action("screen.apply", "enter", "Scale", "scale the deployment to the slider's target", ("detail",), CHANGES),
    Action("screen.event", "enter", "Read event", "(on an event) the whole event, its message not cut",
           ("detail",), shown_keys="Enter", palette=False, on="events"),
    Action("logs", "l", "Logs", "follow the selected pod's log (the last 200 lines first); l again closes it",
           ("detail",)),
    Action("container", "c", "Container", "choose the container whose log is followed", ("detail",)),
    Action("back", "escape", "Back", "close the log, put the slider back, or return to the deployments",
           ("detail",)),
    Action("help", "question_mark", "Help", "the keys of this screen", ("detail",)),
    # the fleet
    _key("↑ ↓", "choose a hub", "fleet"),
    Action("screen.open", "enter", "Open", "the hub's deployments screen (Esc there comes back to the fleet)",
           ("fleet",)),
    Action("screen.select", "space", "Select", "select the hub, or unselect it, for z and r", ("fleet",)),
    Action("maintenance", "z", "Maintenance", "scale every deployment of the selected hubs (or this one) to 0, "
           "each count recorded", ("fleet",), CHANGES),
    Action("restore", "r", "Restore", "bring each deployment of the selected hubs (or this one) back to its "
           "recorded count", ("fleet",), CHANGES),
    Action("versions", "v", "Versions", "deployments × hubs: the images and ready counts, those that differ "
           "marked", ("fleet",)),
    Action("back", "escape", "Back", "stop an action across hubs (no new hub starts), or back to the deployments",
           ("fleet",)),
    Action("interrupt", "ctrl+c", "Stop", "during an action across hubs: no new hub starts (those under way "
           "finish, each one's result on its row); otherwise quit", ("fleet",), footer=False, palette=False,
           shown_keys="Ctrl-C"),
    Action("help", "question_mark", "Help", "the keys of this screen", ("fleet",)),
    # the fleet's versions
    _key("↑ ↓", "move through the deployments", "versions"),
    Action("only_differing", "f", "Only differing", "show only the deployments whose images differ between hubs "
           "(again: all)", ("versions",)),
    Action("back", "escape", "Back", "back to the fleet", ("versions",)),
    Action("help", "question_mark", "Help", "the keys of this screen", ("versions",)),
    # connect
    _key("↑ ↓", "choose a store", "connect"),
    _key("Ctrl-]", "(inside a session) end it and come back here", "connect"),
    Action("connect", "enter", "Connect", "hand the terminal to the selected store's client", ("connect",)),
    Action("connect_local", "l", "Local client", "the client on this machine (psql or pgcli, redis-cli) through a "
           "port-forward to the pod: no kubectl exec", ("connect",)),
    Action("lookup", "f5", "Refresh", "look for the stores' pods again", ("connect",)),
    Action("back", "escape", "Back", "back to the deployments", ("connect",)),
    Action("help", "question_mark", "Help", "the keys of this screen", ("connect",)),
    Action("app.sessions", "s", "Recordings", "the recordings of connect sessions: play one back", ("connect",)),
    # the recordings of sessions
    _key("↑ ↓", "choose a recording", "sessions"),
    Action("screen.play", "enter", "Play", "play the recording back in this terminal at its own speed (Ctrl-] "
           "stops it)", ("sessions",)),
    Action("screen.play_fast", "f", "Play 4×", "play it four times faster", ("sessions",)),
    Action("back", "escape", "Back", "back to where you came from", ("sessions",)),
    Action("help", "question_mark", "Help", "the keys of this screen", ("sessions",)),
    # the cleanup wizard: the form
    _key("Tab / Shift-Tab", "next / previous field", "cleanup-form"),
    _key("Space / Enter", "choose a provider, tick an option", "cleanup-form"),
    # not a priority binding: F5 is resolved after the keys typed before it (a priority one ran as soon as it
    # was read, and `k8s`, Space, F5 typed at once planned with no provider chosen); no field of the form takes F5
    Action("plan", "f5", "Plan", "discover what the environment has (read-only) and show the plan",
           ("cleanup-form",)),
    Action("back", "escape", "Back", "back to the deployments", ("cleanup-form",)),
    Action("help", "f1", "Help", "the keys of this screen (? would be typed into the fields)", ("cleanup-form",)),
    # the plan
    _key("↑ ↓ PgUp PgDn", "move through the plan; Enter or Space folds a node", "cleanup-plan"),
    Action("destroy", "D", "Destroy", "destroy what the plan shows, after the typed confirmations",
           ("cleanup-plan",), DESTROYS),
    Action("dry_run", "s", "Dry run", "Dry run: keep the saved plan, change nothing, close", ("cleanup-plan",)),
    Action("back", "escape", "Back", "back to the form", ("cleanup-plan",)),
    Action("help", "question_mark", "Help", "the keys of this screen", ("cleanup-plan",)),
    # the run
    _key("↑ ↓ PgUp PgDn", "scroll the log (it follows the end while you are at the end)", "cleanup-run"),
    Action("cancel", "escape", "Cancel", "stop the run at the next safe point (asked first)", ("cleanup-run",)),
    Action("app.quit", "q,ctrl+c,ctrl+q", "Quit",
           "during a run: asked first, stops at the next safe point, then quits", ("cleanup-run",),
           footer=False, priority=True, palette=False, shown_keys="q / Ctrl-Q / Ctrl-C"),
    Action("close", "escape", "Close", "the run is over: back to the deployments", ("cleanup-run",)),
    Action("copy_backup", "b", "Copy backup folder", "copy the backup's folder to the clipboard", ("cleanup-run",)),
    Action("copy_hash", "h", "Copy plan hash", "copy the plan's hash to the clipboard", ("cleanup-run",)),
    Action("help", "question_mark", "Help", "the keys of this screen", ("cleanup-run",)),
)


def for_screen(screen: str) -> list[Action]:
    return [a for a in ACTIONS if screen in a.screens]


def bindings(screen: str) -> list[BindingType]:
    """The Textual bindings of a screen (the deployments table's slider keys are bound on the table)."""
    out: list[BindingType] = []
    for a in for_screen(screen):
        if not a.bound or a.action.startswith("screen."):
            continue  # a widget's own key, or bound on the widget that has the focus: table_bindings()
        out.append(Binding(a.keys, a.action, a.label, show=a.footer, priority=a.priority))
    return out


def table_bindings(screen: str = "deployments", on: str = "") -> list[BindingType]:
    """The keys of a screen's table that drive its replica slider (the deployments, the detail's pods), or, with
    `on`, those of another of its tables."""
    out: list[BindingType] = []
    for a in for_screen(screen):
        if a.on != on:
            continue
        if a.action == "screen.digit":
            out += [Binding(d, f"screen.digit({d})", d, show=False) for d in a.keys.split(",")]
        elif a.action.startswith("screen."):
            out.append(Binding(a.keys, a.action, a.label, show=a.footer))
    return out


def help_rows(screen: str) -> list[tuple[str, str]]:
    rows = [(a.key_text, a.description + (" (refused in read-only mode)" if a.danger else ""))
            for a in for_screen(screen)]
    return rows + ([("q", "quit hubtui")] if screen == "deployments" else [])


def markdown_table() -> str:
    """The README's keys table."""
    lines = ["| screen | keys | what it does |", "| --- | --- | --- |"]
    for screen, title in SCREENS.items():
        for keys, what in help_rows(screen):
            lines.append(f"| {title} | `{keys}` | {what} |")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.stdout.write(markdown_table() + "\n")
