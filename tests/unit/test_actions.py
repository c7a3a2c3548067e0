"""One table of actions: the screens' bindings, help and the README's keys table all come from it."""

from __future__ import annotations

import re
from pathlib import Path

from hubtui.ui.actions import ACTIONS, CHANGES, DESTROYS, SCREENS, bindings, help_rows, markdown_table

README = Path(__file__).resolve().parents[2] / "README.md"


def test_the_readme_keys_table_is_the_action_table():
    text = README.read_text()
    found = re.search(r"<!-- keys:[^>]*-->\n(.*?)<!-- /keys -->", text, re.S)
    assert found, "the README has no generated keys table"
    assert found.group(1).strip() == markdown_table().strip()


def test_every_screen_binds_exactly_its_actions_and_helps_with_them():
    from hubtui.ui.screens.cleanup import CleanupFormScreen, PlanScreen, RunScreen
    from hubtui.ui.screens.connect import ConnectScreen
    from hubtui.ui.screens.deployments import DeploymentsScreen

    for cls in (DeploymentsScreen, ConnectScreen, CleanupFormScreen, PlanScreen, RunScreen):
        assert cls.ACTION_SCREEN in SCREENS
        assert [(b.key, b.action) for b in cls.BINDINGS] == [(b.key, b.action) for b in bindings(cls.ACTION_SCREEN)]
        assert help_rows(cls.ACTION_SCREEN)


def test_changing_actions_are_marked_and_each_screen_keeps_its_keys_apart():
    dangerous = {a.action for a in ACTIONS if a.danger in (CHANGES, DESTROYS)}
    assert {"screen.apply", "scale_all", "maintenance", "restore", "restore(True)", "destroy"} <= dangerous
    for screen in SCREENS:
        # each table of a screen has its own keys (the detail's Enter scales on the pods, reads on the events)
        keys = [f"{a.on}:{k}" for a in ACTIONS if screen in a.screens and a.bound for k in a.keys.split(",")]
        escape_ok = screen == "cleanup-run"  # Esc cancels while running and closes once finished
        dupes = {k for k in keys if keys.count(k) > 1} - ({":escape"} if escape_ok else set())
        assert not dupes, (screen, dupes)
