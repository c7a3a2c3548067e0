"""Themes: the config file's `theme` is applied when the TUI starts; an unknown one is one line naming the key,
and nothing starts. The Rich styles of the UI follow the theme (hubtui/ui/styles.py)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from hubtui.errors import UsageError
from hubtui.settings import Settings
from hubtui.ui.app import HubApp

from ..ui.fakes import FakeBackend
from .test_readonly_config import write_config


def test_the_config_theme_is_applied_at_start_and_the_semantic_styles_follow_it(tmp_path):
    settings = Settings.from_env(write_config(tmp_path, 'theme = "nord"\n'))
    assert settings.theme == "nord"
    app = HubApp(settings, backend=FakeBackend())
    assert app.theme == "nord"
    nord = app.get_css_variables()
    assert str(app.console.get_style("hub.error").color.triplet.hex).lower() == nord["error"].lower()
    app.theme = "gruvbox"  # as the palette's theme switcher does: the styles follow
    assert str(app.console.get_style("hub.error").color.triplet.hex).lower() == \
        app.get_css_variables()["error"].lower() != nord["error"].lower()


def test_no_theme_keeps_textuals_default(tmp_path):
    settings = Settings.from_env(write_config(tmp_path, 'namespace = "hub"\n'))
    assert settings.theme is None
    assert HubApp(settings, backend=FakeBackend()).theme == "textual-dark"


def test_an_unknown_theme_is_one_line_naming_the_key(tmp_path):
    settings = Settings.from_env(write_config(tmp_path, 'theme = "solarised-ish"\n'))
    with pytest.raises(UsageError, match=r"config file .*config.toml: theme 'solarised-ish' is not a theme "
                                         r"\(known: .*nord.*\)"):
        HubApp(settings, backend=FakeBackend())


@pytest.mark.parametrize("text, message", [('theme = 3\n', "theme must be a string"),
                                           ('theme = " "\n', "theme must not be empty")])
def test_a_bad_theme_value_is_one_line(tmp_path, text, message):
    with pytest.raises(UsageError, match=message):
        Settings.from_env(write_config(tmp_path, text))


def test_hubtui_with_an_unknown_theme_exits_2_with_one_line_and_starts_nothing(tmp_path):
    env = dict(os.environ, **write_config(tmp_path, 'theme = "nope"\n'), KUBECONFIG=str(tmp_path / "none"))
    env.pop("TEXTUAL_THEME", None)
    proc = subprocess.run([sys.executable, "-m", "hubtui"], env=env, capture_output=True, text=True, timeout=60,
                          stdin=subprocess.DEVNULL)
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "theme 'nope' is not a theme" in lines[0] and "config.toml" in lines[0], lines
    assert proc.stdout == ""
